"""Scores and reason codes of a saved model version, kept in its folder and keyed by a digest of
the rows they were computed on.

A prediction is a pure function of the version's file and the rows, so reading it back gives the
identical result. The registry's drift check, the daily scores, the reason codes and the weekly
performance all score the same snapshots with the same versions, and a refresh meets again every
scan whose snapshot did not change: each of those is computed once. A model not loaded from a
version folder (a test's, say) is simply not cached. Entries unused for `KEEP_DAYS` are pruned by
`prune`, which the registry calls at the start of each build."""

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from risk_model import reasons
from risk_model.training import TrainedModel

CACHE_FOLDER = "predictions"
KEEP_DAYS = 7


def digest(x: np.ndarray) -> str:
    rows = np.ascontiguousarray(x, dtype=np.float64)
    h = hashlib.blake2b(digest_size=20)
    h.update(str(rows.shape).encode())
    h.update(rows)  # the array's own buffer: the same bytes as rows.tobytes(), without the copy
    return h.hexdigest()


def _folder(model: TrainedModel) -> Path | None:
    folder = getattr(model, "folder", None)
    return Path(folder) / CACHE_FOLDER if folder is not None else None


def _touch(path: Path) -> bool:
    """Whether the entry exists; marks it used, so `prune` keeps it."""
    if not path.exists():
        return False
    os.utime(path)
    return True


def _read(path: Path) -> dict | None:
    if not _touch(path):
        return None
    with np.load(path) as stored:
        return {name: stored[name] for name in stored.files}


def _publish(path: Path, write: Callable[[Path], None]) -> None:
    """Write beside, then rename: a reader sees a whole entry or none (models run in parallel)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{os.getpid()}.{path.name}")
    write(partial)
    partial.replace(path)


def _write(path: Path, **arrays: np.ndarray) -> None:
    _publish(path, lambda partial: np.savez(partial, **arrays))


def predict(
    model: TrainedModel, x: np.ndarray, compute: Callable[[], np.ndarray] | None = None
) -> np.ndarray:
    """model.predict(x), read back when this version already scored these rows; `compute` (the
    same scores found another way) replaces model.predict."""
    compute = compute or (lambda: model.predict(x))
    folder = _folder(model)
    if folder is None or len(x) == 0:
        return compute()
    path = folder / f"{digest(x)}.score.npz"
    stored = _read(path)
    if stored is not None:
        return stored["score"]
    score = compute()
    _write(path, score=score)
    return score


class ScanScores:
    """model.predict of the scans a warehouse.SnapshotLoader reads, scan after scan.

    From one daily scan to the next most users' stored features are unchanged and only their
    account age moves on, mostly between the same two of the model's split thresholds on it (a
    month-old account has crossed the last one): such a row takes the same path through every
    tree, so its score is the previous scan's, bit for bit. Only the other rows are predicted."""

    AGE = "account_age_days"

    def __init__(self, loader):
        self.loader = loader
        self.held = None  # (model, scan, score, account ages) of the scan scored last

    def __call__(self, model: TrainedModel, scan) -> np.ndarray:
        _, x = self.loader(scan)
        age = x[:, model.features.index(self.AGE)] if self.AGE in model.features else None
        score = predict(model, x, compute=lambda: self._step(model, x, age))
        self.held = (model, scan, score, age)
        return score

    def _step(self, model: TrainedModel, x: np.ndarray, age: np.ndarray | None) -> np.ndarray:
        previous_rows = self.loader.previous_rows
        thresholds = model.split_thresholds(self.AGE) if age is not None else None
        if (
            self.held is None
            or self.held[0] is not model
            or self.held[1] != self.loader.previous_scan
            or previous_rows is None
            or thresholds is None
        ):
            return model.predict(x)
        _, _, held_score, held_age = self.held
        reuse = previous_rows >= 0
        reuse[reuse] = np.searchsorted(thresholds, age[reuse]) == np.searchsorted(
            thresholds, held_age[previous_rows[reuse]]
        )
        reuse &= ~np.isnan(age)
        score = np.empty(len(x))
        score[reuse] = held_score[previous_rows[reuse]]
        score[~reuse] = model.predict(x[~reuse])
        return score


def contributions(model: TrainedModel, x: np.ndarray) -> tuple[float, np.ndarray]:
    """reasons.contributions(model, x), read back when already computed for these rows."""
    folder = _folder(model)
    if folder is None or len(x) == 0:
        return reasons.contributions(model, x)
    path = folder / f"{digest(x)}.reasons.npz"
    stored = _read(path)
    if stored is not None:
        return float(stored["base"]), stored["contributions"]
    base, out = reasons.contributions(model, x)
    _write(path, base=np.array(base), contributions=out)
    return base, out


def remembered(model: TrainedModel, key: str | None, compute: Callable[[], object]) -> object:
    """compute(), kept in the version's folder under `key` (a fingerprint of everything the value
    depends on besides the version; None: not kept): for figures derived from a whole scan's
    scores, such as the drift of a scan or a week's metrics, so that an unchanged scan is not even
    read again."""
    return remembered_in(_folder(model), key, compute)


def retrainings_folder(model_dir: Path) -> Path:
    """Where the registry remembers what each retraining moment decided (see lifecycle.replay)."""
    return Path(model_dir) / "retrainings" / CACHE_FOLDER


def remembered_in(folder: Path | None, key: str | None, compute: Callable[[], object]) -> object:
    """compute(), kept as JSON in `folder` under `key` (None: not kept)."""
    if folder is None or key is None:
        return compute()
    path = folder / f"{hashlib.blake2b(key.encode(), digest_size=20).hexdigest()}.value.json"
    if _touch(path):
        return json.loads(path.read_text())["value"]
    value = compute()
    _publish(path, lambda partial: partial.write_text(json.dumps({"key": key, "value": value})))
    return value


def prune(model_dir: Path, keep_days: float = KEEP_DAYS) -> int:
    """Delete cache entries not read or written for keep_days; returns how many."""
    cutoff = time.time() - keep_days * 86400
    removed = 0
    for path in Path(model_dir).glob(f"*/{CACHE_FOLDER}/*.*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
