"""How good a score is on labelled rows, and how far a score distribution moved (PSI)."""

import math

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def top_k(n_rows: int, budget: float) -> int:
    """Rows an alert budget allows (at least one)."""
    return max(1, int(math.ceil(budget * n_rows)))


def precision_recall_at_budget(
    y: np.ndarray, score: np.ndarray, budget: float
) -> tuple[float, float]:
    """Precision and recall when the top `budget` share of rows by score is alerted (ties broken by
    row order, deterministically)."""
    y = np.asarray(y, dtype=bool)
    if y.size == 0:
        return math.nan, math.nan
    k = top_k(y.size, budget)
    order = np.argsort(-np.asarray(score), kind="stable")[:k]
    hits = int(y[order].sum())
    positives = int(y.sum())
    return hits / k, (hits / positives if positives else math.nan)


def expected_calibration_error(y: np.ndarray, score: np.ndarray, bins: int = 10) -> float:
    """Mean |observed rate - mean score| over equal-width score bins, weighted by rows."""
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    if y.size == 0:
        return math.nan
    which = np.minimum((score * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            error += in_bin.sum() * abs(y[in_bin].mean() - score[in_bin].mean())
    return error / y.size


def evaluate(y: np.ndarray, score: np.ndarray, budget: float) -> dict:
    """ROC-AUC, PR-AUC (average precision), precision/recall at the alert budget and calibration;
    NaN where undefined (no positives or no negatives)."""
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype=float)
    both_classes = 0 < y.sum() < y.size
    precision, recall = precision_recall_at_budget(y, score, budget)
    return {
        "rows": int(y.size),
        "positives": int(y.sum()),
        "roc_auc": min(1.0, float(roc_auc_score(y, score))) if both_classes else math.nan,
        "pr_auc": min(1.0, float(average_precision_score(y, score))) if both_classes else math.nan,
        "precision_at_budget": precision,
        "recall_at_budget": recall,
        "brier": float(brier_score_loss(y, score)) if y.size else math.nan,
        "mean_score": float(score.mean()) if y.size else math.nan,
        "observed_rate": float(y.mean()) if y.size else math.nan,
        "ece": expected_calibration_error(y, score),
    }


def reference_bins(score: np.ndarray, bins: int = 10) -> list[float]:
    """Inner edges of the reference distribution's quantile bins (ties merged)."""
    score = np.asarray(score, dtype=float)
    if score.size == 0:
        return []
    edges = np.quantile(score, np.linspace(0, 1, bins + 1)[1:-1])
    return [float(e) for e in np.unique(edges)]


def bin_shares(score: np.ndarray, edges: list[float]) -> np.ndarray:
    counts = np.bincount(
        np.searchsorted(np.asarray(edges), np.asarray(score, dtype=float), side="right"),
        minlength=len(edges) + 1,
    )
    return counts / max(counts.sum(), 1)


def psi(reference_shares, score: np.ndarray, edges: list[float], floor: float = 1e-4) -> float:
    """Population stability index of `score` against the reference bin shares."""
    if np.asarray(score).size == 0:
        return math.nan
    expected = np.maximum(np.asarray(reference_shares, dtype=float), floor)
    actual = np.maximum(bin_shares(score, edges), floor)
    return float(np.sum((actual - expected) * np.log(actual / expected)))
