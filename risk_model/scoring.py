"""int_risk_model__scores: the champion of each daily scan scores that scan, from its saved file."""

import numpy as np
import pyarrow as pa

from risk_model import prediction_cache, reasons, registry
from risk_model.features import DESCRIPTIONS, FEATURES
from risk_model.training import SCORE_FLOOR, TrainedModel
from risk_model.warehouse import (
    arrays,
    model_dir_from,
    scan_calendar,
    settings_from,
    snapshot_loader,
    table,
    to_datetime,
)

TOP_REASONS = 3

SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("scored_at", pa.timestamp("us")),
        ("score", pa.float64()),
        ("model_version", pa.string()),
        ("is_latest_scan", pa.bool_()),
        ("is_new_high", pa.bool_()),
        ("score_log_odds", pa.float64()),
        ("base_score", pa.float64()),
        ("base_log_odds", pa.float64()),
        ("contribution_sum", pa.float64()),
        *[
            field
            for i in range(1, TOP_REASONS + 1)
            for field in (
                (f"reason_{i}", pa.string()),
                (f"reason_{i}_value", pa.float64()),
                (f"reason_{i}_contribution", pa.float64()),
            )
        ],
        ("reasons", pa.string()),
    ]
)


def champion_timeline(registry_relation) -> list[tuple]:
    columns = arrays(registry_relation.filter("promoted").order("champion_from"))
    return [
        (to_datetime(start), str(version))
        for start, version in zip(columns["champion_from"], columns["model_version"], strict=True)
    ]


def load_models(model_dir, versions) -> dict[str, TrainedModel]:
    models = {}
    for version in versions:
        model = registry.load(model_dir, version)
        if model is None:
            raise FileNotFoundError(
                f"model file of {version} missing under {model_dir}: build int_risk_model__registry first"
            )
        models[version] = model
    return models


def log_odds(score: np.ndarray) -> np.ndarray:
    p = np.clip(score, SCORE_FLOOR, 1 - SCORE_FLOOR)
    return np.log(p / (1 - p))


def reason_text(feature_index: list[int], values: np.ndarray) -> str:
    parts = []
    for i in feature_index:
        value = values[i]
        shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
        parts.append(f"{DESCRIPTIONS[FEATURES[i]]}: {shown}")
    return "; ".join(parts)


def explain(model: TrainedModel, x: np.ndarray) -> dict:
    """Reason columns for the rows of x, scored by model."""
    base, contributions = prediction_cache.contributions(model, x)
    top = reasons.top_reasons(contributions, TOP_REASONS)
    out = {
        "base_score": np.full(len(x), 1 / (1 + np.exp(-base))),
        "base_log_odds": np.full(len(x), base),
        "contribution_sum": contributions.sum(axis=1),
        "reasons": [reason_text(idx, row) for idx, row in zip(top, x, strict=True)],
    }
    for r in range(TOP_REASONS):
        out[f"reason_{r + 1}"] = [FEATURES[idx[r]] if len(idx) > r else None for idx in top]
        out[f"reason_{r + 1}_value"] = [
            float(row[idx[r]]) if len(idx) > r else None for idx, row in zip(top, x, strict=True)
        ]
        out[f"reason_{r + 1}_contribution"] = [
            float(contributions[j, idx[r]]) if len(idx) > r else None for j, idx in enumerate(top)
        ]
    return out


def build(config, registry, scans, snapshots) -> pa.Table:
    floor = settings_from(config).reason_floor
    timeline = champion_timeline(registry)
    if not timeline:
        return table({name: [] for name in SCHEMA.names}, SCHEMA)
    models = load_models(model_dir_from(config), {version for _, version in timeline})
    calendar, _ = scan_calendar(scans)
    snapshot = snapshot_loader(snapshots)
    scored = [scan for scan in calendar if scan >= timeline[0][0]]
    best: dict[str, float] = {}
    parts = []
    for scan in scored:
        version = [v for start, v in timeline if start <= scan][-1]
        users, x = snapshot(scan)
        score = prediction_cache.predict(models[version], x)
        new_high = np.array(
            [s > best.get(u, -1.0) for u, s in zip(users, score, strict=True)], dtype=bool
        )
        for u, s in zip(users[new_high], score[new_high], strict=True):
            best[u] = s
        latest = np.full(len(users), scan == scored[-1])
        parts.append((scan, version, users, x, score, new_high, latest))

    columns = {name: [] for name in SCHEMA.names}
    for scan, version, users, x, score, new_high, latest in parts:
        n = len(users)
        explained = (new_high & (score >= floor)) | latest
        block = {name: [None] * n for name in SCHEMA.names}
        block.update(
            user_id=list(users),
            scored_at=[scan] * n,
            score=score.tolist(),
            model_version=[version] * n,
            is_latest_scan=latest.tolist(),
            is_new_high=new_high.tolist(),
            score_log_odds=log_odds(score).tolist(),
        )
        rows = np.nonzero(explained)[0]
        if rows.size:
            reasons_of = explain(models[version], x[rows])
            for name, values in reasons_of.items():
                for j, i in enumerate(rows):
                    block[name][i] = (
                        values[j] if not isinstance(values, np.ndarray) else float(values[j])
                    )
        for name in SCHEMA.names:
            columns[name].extend(block[name])
    return table(columns, SCHEMA)
