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
    h.update(rows.tobytes())
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


def predict(model: TrainedModel, x: np.ndarray) -> np.ndarray:
    """model.predict(x), read back when this version already scored these rows."""
    folder = _folder(model)
    if folder is None or len(x) == 0:
        return model.predict(x)
    path = folder / f"{digest(x)}.score.npz"
    stored = _read(path)
    if stored is not None:
        return stored["score"]
    score = model.predict(x)
    _write(path, score=score)
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
