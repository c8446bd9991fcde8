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


def _branches(x: np.ndarray, thresholds: list) -> np.ndarray:
    """Per row and feature, which side of each of the model's splits on that feature the value
    takes, as one number: how many of the feature's split thresholds lie below the value (a value
    at most a threshold goes left), or -1 when missing. Two rows with the same numbers take the
    same path through every tree."""
    codes = np.empty(x.shape, dtype=np.int16)  # at most 255 bins per feature
    for column, splits in enumerate(thresholds):
        values = x[:, column]
        codes[:, column] = np.where(np.isnan(values), -1, np.searchsorted(splits, values))
    return codes


def _path_contributions(
    model: TrainedModel, x: np.ndarray, switches: np.ndarray, base: float, order: np.ndarray
) -> np.ndarray:
    """Contributions along one switching order; only the features in `switches` take a step, so
    a row costs one prediction per step (the path's start, the reference row, is `base`)."""
    n, p = x.shape
    differs = switches[:, order]  # n x p, in switching order
    steps = differs.sum(axis=1)
    owner = np.repeat(np.arange(n), steps + 1)
    start = np.concatenate([[0], np.cumsum(steps + 1)[:-1]])
    k = np.arange(owner.size) - start[owner]  # how many differing features are switched in
    switched_ordered = differs[owner] & (np.cumsum(differs, axis=1)[owner] <= k[:, None])
    switched = np.empty_like(switched_ordered)
    switched[:, order] = switched_ordered
    step_rows = np.nonzero(k > 0)[0]
    logits = np.full(owner.size, base)
    if step_rows.size:
        logits[step_rows] = model.logit(
            np.where(switched[step_rows], x[owner[step_rows]], model.reference[None, :])
        )
    out = np.zeros((n, p))
    # each step after a row's first is the switch of its k-th differing feature (in order)
    gains = logits[step_rows] - logits[step_rows - 1]
    rows_of_step = owner[step_rows]
    ordered_columns = np.nonzero(differs)  # row-major: per row, its differing columns in order
    out[rows_of_step, order[ordered_columns[1]]] = gains
    return out


def contributions(model: TrainedModel, x: np.ndarray) -> tuple[float, np.ndarray]:
    """(log-odds of the reference row, per-row per-feature contributions in log-odds).

    Each path step is a prediction, and only the branches a row takes decide a prediction. So a
    feature whose value takes the reference's branches at every split takes no step (its
    contribution is 0 either way), and rows that take the same branches on every feature share
    their contributions: each such group is computed once. The result is the same to the last
    bit as switching every differing value of every row."""
    x = np.asarray(x, dtype=np.float64)
    n, p = x.shape
    base = float(model.logit(model.reference[None, :])[0])
    thresholds = [model.split_thresholds(feature) for feature in model.features]
    if any(splits is None for splits in thresholds):  # splits unknown: every difference steps
        return base, _contributions_of_rows(model, x, x != model.reference[None, :], base)
    codes = _branches(x, thresholds)
    reference = _branches(model.reference[None, :], thresholds)
    rows = np.ascontiguousarray(codes).view(np.dtype((np.void, codes.itemsize * p))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    distinct = _contributions_of_rows(model, x[first], codes[first] != reference, base)
    return base, distinct[inverse.reshape(-1)]


def _contributions_of_rows(
    model: TrainedModel, x: np.ndarray, switches: np.ndarray, base: float
) -> np.ndarray:
    out = np.zeros(x.shape)
    forward = np.arange(x.shape[1])
    for begin in range(0, len(x), CHUNK_ROWS):
        chunk, steps = x[begin : begin + CHUNK_ROWS], switches[begin : begin + CHUNK_ROWS]
        out[begin : begin + CHUNK_ROWS] = 0.5 * (
            _path_contributions(model, chunk, steps, base, forward)
            + _path_contributions(model, chunk, steps, base, forward[::-1])
        )
    return out


def top_reasons(contribution_rows: np.ndarray, k: int = 3) -> list[list[int]]:
    """Per row, the indices of up to k features with the largest positive contributions."""
    reasons = []
    for row in np.asarray(contribution_rows):
        order = np.argsort(-row, kind="stable")[:k]
        reasons.append([int(i) for i in order if row[i] > 0])
    return reasons
