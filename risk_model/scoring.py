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


def scan_batch(scan, version, users, x, score, new_high, latest, model, floor) -> pa.RecordBatch:
    """The rows of one scan, built column by column; reason columns are filled on the rows that
    carry them (a new high at or above the floor, or the latest scan) and null elsewhere."""
    n = len(users)
    columns = {
        "user_id": pa.array(users, pa.string()),
        "scored_at": pa.array(np.full(n, np.datetime64(scan, "us"))),
        "score": pa.array(score, pa.float64()),
        "model_version": pa.array(np.full(n, version, dtype=object), pa.string()),
        "is_latest_scan": pa.array(np.full(n, latest)),
        "is_new_high": pa.array(new_high),
        "score_log_odds": pa.array(log_odds(score), pa.float64()),
    }
    rows = np.nonzero((new_high & (score >= floor)) | latest)[0]
    explained = explain(model, x[rows]) if rows.size else {}
    for name in SCHEMA.names:
        if name in columns:
            continue
        values = np.full(n, None, dtype=object)
        if rows.size:
            values[rows] = list(explained[name])
        columns[name] = pa.array(values, SCHEMA.field(name).type)
    return pa.record_batch([columns[name] for name in SCHEMA.names], schema=SCHEMA)


def build(config, registry, scans, snapshots) -> pa.Table | pa.RecordBatchReader:
    floor = settings_from(config).reason_floor
    timeline = champion_timeline(registry)
    if not timeline:
        return table({name: [] for name in SCHEMA.names}, SCHEMA)
    models = load_models(model_dir_from(config), {version for _, version in timeline})
    calendar, _ = scan_calendar(scans)
    snapshot = snapshot_loader(snapshots)
    scored = [scan for scan in calendar if scan >= timeline[0][0]]
    every_user = np.asarray(
        arrays(snapshots.project("user_id").distinct().order("user_id"))["user_id"]
    ).astype(str)

    def batches():
        best = np.full(len(every_user), -1.0)  # each user's highest score so far
        for scan in scored:
            version = [v for start, v in timeline if start <= scan][-1]
            users, x = snapshot(scan)
            score = prediction_cache.predict(models[version], x)
            position = np.searchsorted(every_user, users)
            new_high = score > best[position]
            best[position[new_high]] = score[new_high]
            yield scan_batch(
                scan, version, users, x, score, new_high, scan == scored[-1], models[version], floor
            )

    # streamed: the warehouse writes one scan while the next is scored, so memory holds one scan
    # (every user at every scan is tens of millions of rows at scale)
    return pa.RecordBatchReader.from_batches(SCHEMA, batches())
