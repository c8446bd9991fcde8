"""Reason codes: how much each feature moved a user's score away from a typical user's.

The decomposition is exact and additive on the log-odds of the calibrated score. Starting from
the reference row (the training medians), the user's features are switched in one at a time; a
feature's contribution is the change in log-odds its switch causes (zero for a feature equal to
the reference). Switching in the listed order and in the reverse order gives two decompositions
that each telescope to the total change; the contribution reported is their mean (a
two-permutation Shapley estimate, so that neither order is favoured). Hence, for every row:

    logit(score) = logit(base_score) + sum(contributions)

where base_score is the model's score of the reference row. Reasons are the features with the
largest positive contributions: what pushed the score up.
"""

import numpy as np

from risk_model.training import TrainedModel

CHUNK_ROWS = 5000


def _path_contributions(model: TrainedModel, x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Contributions along one switching order; only features that differ from the reference
    take a step, so a row costs (its differing features + 1) predictions."""
    n, p = x.shape
    differs = (x != model.reference[None, :])[:, order]  # n x p, in switching order
    steps = differs.sum(axis=1)
    owner = np.repeat(np.arange(n), steps + 1)
    start = np.concatenate([[0], np.cumsum(steps + 1)[:-1]])
    k = np.arange(owner.size) - start[owner]  # how many differing features are switched in
    switched_ordered = differs[owner] & (np.cumsum(differs, axis=1)[owner] <= k[:, None])
    switched = np.empty_like(switched_ordered)
    switched[:, order] = switched_ordered
    path = np.where(switched, x[owner], model.reference[None, :])
    logits = model.logit(path)
    out = np.zeros((n, p))
    # each step after a row's first is the switch of its k-th differing feature (in order)
    step_rows = np.nonzero(k > 0)[0]
    gains = logits[step_rows] - logits[step_rows - 1]
    rows_of_step = owner[step_rows]
    ordered_columns = np.nonzero(differs)  # row-major: per row, its differing columns in order
    out[rows_of_step, order[ordered_columns[1]]] = gains
    return out


def contributions(model: TrainedModel, x: np.ndarray) -> tuple[float, np.ndarray]:
    """(log-odds of the reference row, per-row per-feature contributions in log-odds)."""
    x = np.asarray(x, dtype=np.float64)
    n, p = x.shape
    base = float(model.logit(model.reference[None, :])[0])
    out = np.zeros((n, p))
    forward = np.arange(p)
    for begin in range(0, n, CHUNK_ROWS):
        chunk = x[begin : begin + CHUNK_ROWS]
        out[begin : begin + CHUNK_ROWS] = 0.5 * (
            _path_contributions(model, chunk, forward)
            + _path_contributions(model, chunk, forward[::-1])
        )
    return base, out


def top_reasons(contribution_rows: np.ndarray, k: int = 3) -> list[list[int]]:
    """Per row, the indices of up to k features with the largest positive contributions."""
    reasons = []
    for row in np.asarray(contribution_rows):
        order = np.argsort(-row, kind="stable")[:k]
        reasons.append([int(i) for i in order if row[i] > 0])
    return reasons
