"""Training a challenger: a gradient-boosted tree ensemble (scikit-learn's
HistGradientBoostingClassifier) on the earlier training weeks, Platt-calibrated on the latest
training week, so that its probabilities are honest out of time. Deterministic for a seed: no
early-stopping split, rows in a fixed order.

Fraud is rare, so the fit weeks are mostly good users at every weekly scan: above
`MAX_FIT_NEGATIVES` of them, the fit keeps every fraud row and a share of the others chosen by a
hash of (user, scan), weighted back by the inverse share (negative downsampling: the fit's cost
stops growing with the user base, the weighted loss is the full loss in expectation, and the
calibration week is never sampled)."""

import hashlib
import json
import os
from dataclasses import dataclass, field

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from threadpoolctl import threadpool_limits

HYPERPARAMETERS = {
    "learning_rate": 0.1,
    "max_iter": 100,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "early_stopping": False,
}
CALIBRATION = "sigmoid"  # monotone: calibration keeps the ranking, so reason codes stay additive
SCORE_FLOOR = 1e-9
# One OpenMP thread: results do not depend on the machine's core count, and on a small shared
# machine it is also much faster than threads spinning against each other.
THREADS = 1
# Scoring may use every core: each row's prediction is computed on its own, so the result is the
# same for any thread count (checked in tests/test_risk_model.py), and scoring every user at every
# scan is the risk model's largest cost.
PREDICT_THREADS = os.cpu_count() or 1


# Negatives the fit keeps at most (about 200k rows: the fit then costs a few seconds at any scale).
MAX_FIT_NEGATIVES = 200_000


def row_uniforms(user_id: np.ndarray, scan_at: np.ndarray) -> np.ndarray:
    """A number in [0, 1) per row, a fixed function of (user id, scan): FNV-1a over the id's UTF-8
    bytes and the scan's microseconds, then a 64-bit finaliser (splitmix64) to spread the bits."""
    ids = np.char.encode(np.asarray(user_id).astype(str), "utf-8")
    width = ids.dtype.itemsize
    octets = np.frombuffer(ids.tobytes(), dtype=np.uint8).reshape(len(ids), width)
    key = np.full(len(ids), 0xCBF29CE484222325, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for column in range(width):  # ids are zero-padded to the widest: padding is skipped
            octet = octets[:, column].astype(np.uint64)
            key = np.where(octet != 0, (key ^ octet) * prime, key)
        key ^= np.asarray(scan_at, dtype="datetime64[us]").astype(np.int64).view(np.uint64)
        key = (key ^ (key >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        key = (key ^ (key >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        key ^= key >> np.uint64(31)
    return (key >> np.uint64(11)).astype(np.float64) / float(2**53)


def negative_sample(
    uniforms: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, max_negatives: int
) -> tuple[np.ndarray, float]:
    """The fit rows to keep (every positive, negatives below the rate) and the negatives' rate."""
    y = np.asarray(y, dtype=bool)
    negatives = int((fit_rows & ~y).sum())
    if negatives <= max_negatives:
        return fit_rows, 1.0
    rate = max_negatives / negatives
    return fit_rows & (y | (uniforms < rate)), rate


class LeakageError(ValueError):
    """A training row uses something that was not known when it should have been."""


def check_no_leakage(
    scan_at: np.ndarray,
    features_known_through: np.ndarray,
    label_window_closes_at: np.ndarray,
    label_known_at: np.ndarray,
    trained_at,
) -> None:
    """Refuse a training set in which a feature was delivered after its scan, a label after its
    window closed, or a window closed after the moment of training."""
    scan_at = np.asarray(scan_at, dtype="datetime64[us]")
    known = np.asarray(features_known_through, dtype="datetime64[us]")
    closes = np.asarray(label_window_closes_at, dtype="datetime64[us]")
    label_known = np.asarray(label_known_at, dtype="datetime64[us]")
    late_features = ~np.isnat(known) & (known > scan_at)
    if late_features.any():
        raise LeakageError(
            f"{int(late_features.sum())} rows use a feature delivered after their scan"
        )
    early_scan = scan_at >= closes
    if early_scan.any():
        raise LeakageError(f"{int(early_scan.sum())} rows have a label window not after their scan")
    late_labels = ~np.isnat(label_known) & (label_known > closes)
    if late_labels.any():
        raise LeakageError(
            f"{int(late_labels.sum())} rows use a label delivered after their window"
        )
    open_windows = closes > np.datetime64(trained_at, "us")
    if open_windows.any():
        raise LeakageError(f"{int(open_windows.sum())} rows' label windows close after training")


def library_versions() -> dict:
    return {"scikit-learn": sklearn.__version__, "numpy": np.__version__}


def fingerprint(*arrays: np.ndarray, extra: dict) -> str:
    """SHA-256 of the training data and everything else that determines the model."""
    digest = hashlib.sha256()
    for array in arrays:
        contiguous = np.ascontiguousarray(array)
        digest.update(str(contiguous.dtype).encode())
        digest.update(str(contiguous.shape).encode())
        digest.update(contiguous.tobytes())
    digest.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return digest.hexdigest()


@dataclass
class TrainedModel:
    """A calibrated classifier with what is needed to explain and monitor it."""

    calibrated: CalibratedClassifierCV
    features: tuple
    reference: np.ndarray  # the typical row (training medians) reason codes start from
    metadata: dict = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0)
        with threadpool_limits(limits=PREDICT_THREADS):
            return self.calibrated.predict_proba(np.asarray(x, dtype=np.float64))[:, 1]

    def split_thresholds(self, feature: str) -> np.ndarray | None:
        """The sorted values at which the trees split on `feature` (a row goes left when its
        value is at most the threshold): two values between the same two thresholds take the same
        path through every tree, so they score alike. None when the model is not such a booster."""
        booster = getattr(getattr(self.calibrated, "estimator", None), "estimator", None)
        if not isinstance(booster, HistGradientBoostingClassifier) or feature not in self.features:
            return None
        index = self.features.index(feature)
        return np.unique(
            np.concatenate(
                [
                    tree.nodes["num_threshold"][
                        (tree.nodes["feature_idx"] == index) & ~tree.nodes["is_leaf"].astype(bool)
                    ]
                    for trees in booster._predictors
                    for tree in trees
                ]
            )
        )

    def logit(self, x: np.ndarray) -> np.ndarray:
        p = np.clip(self.predict(x), SCORE_FLOOR, 1 - SCORE_FLOOR)
        return np.log(p / (1 - p))


def train(
    x: np.ndarray,
    y: np.ndarray,
    week: np.ndarray,
    features: tuple,
    seed: int,
    uniforms: np.ndarray | None = None,
    max_fit_negatives: int = MAX_FIT_NEGATIVES,
) -> TrainedModel:
    """Fit on every week but the last, calibrate on the last. Rows must come in a fixed order;
    `uniforms` (row_uniforms of the rows) choose the negatives a large fit keeps."""
    weeks = np.unique(week)
    if weeks.size < 2:
        raise ValueError("training needs at least two scan weeks (fit, then calibrate)")
    fit_rows = week < weeks[-1]
    calibration_rows = ~fit_rows
    y = np.asarray(y, dtype=int)
    for name, rows in (("fit", fit_rows), ("calibration", calibration_rows)):
        if len(np.unique(y[rows])) < 2:
            raise ValueError(f"the {name} weeks need both fraud and non-fraud rows")
    kept, rate = fit_rows, 1.0
    if uniforms is not None:
        kept, rate = negative_sample(uniforms, y, fit_rows, max_fit_negatives)
    weights = None if rate == 1.0 else np.where(y[kept] == 1, 1.0, 1.0 / rate)
    with threadpool_limits(limits=THREADS):
        booster = HistGradientBoostingClassifier(random_state=seed, **HYPERPARAMETERS)
        booster.fit(x[kept], y[kept], sample_weight=weights)
        calibrated = CalibratedClassifierCV(FrozenEstimator(booster), method=CALIBRATION)
        calibrated.fit(x[calibration_rows], y[calibration_rows])
    return TrainedModel(
        calibrated=calibrated,
        features=tuple(features),
        reference=np.median(x[fit_rows], axis=0),
        metadata={"fit_rows": int(kept.sum()), "fit_negative_rate": rate},
    )
