"""Model files: one folder per version under MODEL_DIR with the fitted model (joblib) and its
metadata (training window, features, hyperparameters, metrics, library versions, fingerprint of
the training data), and registry.json listing every version with the champion/challenger
decisions. Binaries are never committed: MODEL_DIR defaults to data/models (gitignored), or the
`models` folder beside the warehouse file."""

import json
import math
import shutil
from pathlib import Path

import joblib

from risk_model.training import TrainedModel

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
REGISTRY_FILE = "registry.json"


def _clean(value):
    """JSON-safe: NaN becomes null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def version_dir(model_dir: Path, version: str) -> Path:
    return Path(model_dir) / version


def save(model_dir: Path, version: str, model: TrainedModel) -> Path:
    """Write the model and its metadata; the folder appears complete or not at all."""
    final = version_dir(model_dir, version)
    staging = final.with_name(f".{version}.tmp")
    staging.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, staging / MODEL_FILE)
    (staging / METADATA_FILE).write_text(
        json.dumps(_clean(model.metadata), indent=2, sort_keys=True)
    )
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    return final


def _metadata(model_dir: Path, version: str, fingerprint: str | None) -> dict | None:
    """A saved version's metadata, or None when absent or trained on other data."""
    folder = version_dir(model_dir, version)
    if not (folder / MODEL_FILE).exists() or not (folder / METADATA_FILE).exists():
        return None
    metadata = json.loads((folder / METADATA_FILE).read_text())
    if fingerprint is not None and metadata.get("fingerprint") != fingerprint:
        return None
    return metadata


def has(model_dir: Path, version: str, fingerprint: str | None = None) -> bool:
    """Whether `load` would find the version (without loading the model)."""
    return _metadata(model_dir, version, fingerprint) is not None


def load(model_dir: Path, version: str, fingerprint: str | None = None) -> TrainedModel | None:
    """The saved model of a version, or None when absent or trained on other data."""
    metadata = _metadata(model_dir, version, fingerprint)
    if metadata is None:
        return None
    folder = version_dir(model_dir, version)
    model = joblib.load(folder / MODEL_FILE)
    model.metadata = metadata
    model.folder = folder  # where prediction_cache keeps this version's scores
    return model


def write_registry(model_dir: Path, entries: list[dict]) -> Path:
    path = Path(model_dir) / REGISTRY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_clean(entries), indent=2, sort_keys=True, default=str))
    return path
