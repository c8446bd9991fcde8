"""int_risk_model__scores: the champion of each daily scan scores that scan, from its saved file."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from risk_model import prediction_cache, reasons, registry
from risk_model.features import DESCRIPTIONS, FEATURES
from risk_model.training import SCORE_FLOOR, TrainedModel
from risk_model.warehouse import (
    PointInTime,
    arrays,
    model_dir_from,
    scan_calendar,
    settings_from,
    snapshot_loader,
    sql_timestamps,
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
        ("scan_fingerprint", pa.string()),
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


def scan_batch(
    scan, version, users, x, score, new_high, latest, model, fingerprint
) -> pa.RecordBatch:
    """The stored rows of one scan, built column by column; reason columns are filled on the rows
    that carry them (a new high, which is at or above the floor, or the latest scan) and null
    elsewhere."""
    n = len(users)

    def constant(value, name):
        return pa.repeat(pa.scalar(value, SCHEMA.field(name).type), n)

    columns = {
        "user_id": pa.array(users, pa.string()),
        "scored_at": constant(scan, "scored_at"),
        "score": pa.array(score, pa.float64()),
        "model_version": constant(version, "model_version"),
        "is_latest_scan": constant(bool(latest), "is_latest_scan"),
        "is_new_high": pa.array(new_high),
        "score_log_odds": pa.array(log_odds(score), pa.float64()),
        "scan_fingerprint": constant(fingerprint, "scan_fingerprint"),
    }
    rows = np.nonzero(new_high | latest)[0]
    explained = explain(model, x[rows]) if rows.size else {}
    # each explained row's position among the explained ones; null on the other rows
    position = np.zeros(n, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    unexplained = np.ones(n, dtype=bool)
    unexplained[rows] = False
    spread = pa.array(position, mask=unexplained)
    for name in SCHEMA.names:
        if name in columns:
            continue
        kind = SCHEMA.field(name).type
        compact = pa.array(explained.get(name, []), kind)
        columns[name] = compact.take(spread) if rows.size else pa.nulls(n, kind)
    return pa.record_batch([columns[name] for name in SCHEMA.names], schema=SCHEMA)


def code_version() -> str:
    """Digest of the code a score row is computed by: changing it rescores every scan."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def scan_fingerprints(point_in_time: PointInTime, scans, floor: float) -> dict:
    """Per scan, a fingerprint of everything its rows depend on besides the champion: the users,
    their features, the reason floor and the code (a sum of row hashes, computed in the
    warehouse, so an unchanged scan is recognised without reading it)."""
    code = code_version()
    return {
        scan: f"{rows}:{floor!r}:{code}" for scan, rows in point_in_time.fingerprints(scans).items()
    }


def chained_fingerprints(scans: list, champion, fingerprints: dict) -> dict:
    """Per scan, a digest of its champion and fingerprint and those of every scan before it: a
    scan's rows depend on exactly these (a new high is measured against the earlier scans), and
    a scan that stored no row (every score below the floor) is still covered by the next stored
    scan's digest."""
    digest = hashlib.blake2b(digest_size=16)
    chained = {}
    for scan in scans:
        digest.update(f"{scan.isoformat()}|{champion(scan)}|{fingerprints[scan]};".encode())
        chained[scan] = digest.copy().hexdigest()
    return chained


def stored_scans(previous) -> dict:
    """What an earlier run stored per scan: (champion, fingerprint, was it the latest scan)."""
    columns = arrays(
        previous.aggregate(
            "scored_at, any_value(model_version) as model_version, "
            "any_value(scan_fingerprint) as scan_fingerprint, bool_or(is_latest_scan) as latest",
            "scored_at",
        )
    )
    return {
        to_datetime(scan): (str(version), str(fingerprint), bool(latest))
        for scan, version, fingerprint, latest in zip(
            columns["scored_at"],
            columns["model_version"],
            columns["scan_fingerprint"],
            columns["latest"],
            strict=True,
        )
    }


@dataclass
class Rescoring:
    """What a run writes: the rows of `previous` with keep_from <= scored_at < keep_until (none
    when keep_until is None), then `rows`."""

    rows: pa.RecordBatchReader
    keep_from: datetime | None = None
    keep_until: datetime | None = None

    def kept_filter(self) -> str | None:
        if self.keep_until is None or self.keep_until <= self.keep_from:
            return None
        return (
            f"scored_at >= {sql_timestamps([self.keep_from])} "
            f"and scored_at < {sql_timestamps([self.keep_until])}"
        )


def build(config, registry, scans, history, previous=None) -> Rescoring:
    """Stored rows of every scan from the first champion on. With `previous` (the table of an
    earlier run), the scans up to the last stored one whose chained fingerprint (its and every
    earlier scan's champion and snapshot) and latest-ness are unchanged are kept as they are, and
    only the scans after it are scored: a scan's rows depend on those alone, so the kept rows are
    the rows a full build would give."""
    settings = settings_from(config)
    floor = settings.reason_floor
    timeline = champion_timeline(registry)
    if not timeline:
        return Rescoring(pa.RecordBatchReader.from_batches(SCHEMA, []))
    models = load_models(model_dir_from(config), {version for _, version in timeline})
    calendar, _ = scan_calendar(scans)
    point_in_time = PointInTime.of(history, scans, settings)
    snapshot = snapshot_loader(point_in_time)
    scored = [scan for scan in calendar if scan >= timeline[0][0]]

    def champion(scan) -> str:
        return [v for start, v in timeline if start <= scan][-1]

    fingerprints = chained_fingerprints(
        scored, champion, scan_fingerprints(point_in_time, scored, floor)
    )

    every_user = np.asarray(
        arrays(history.project("user_id").distinct().order("user_id"))["user_id"]
    ).astype(str)
    best = np.full(len(every_user), -1.0)  # each user's highest score so far
    todo, kept = scored, Rescoring(rows=None)
    if previous is not None and scored:
        stored = stored_scans(previous)
        unchanged_through = max(
            (
                i
                for i, scan in enumerate(scored)
                if stored.get(scan) == (champion(scan), fingerprints[scan], scan == scored[-1])
            ),
            default=-1,
        )
        todo = scored[unchanged_through + 1 :]
        kept = Rescoring(
            rows=None,
            keep_from=scored[0],
            keep_until=todo[0] if todo else scored[-1] + timedelta(days=1),
        )
        if todo and kept.kept_filter():
            earlier = arrays(
                previous.filter(kept.kept_filter()).aggregate(
                    "user_id, max(score) as best", "user_id"
                )
            )
            users = np.asarray(earlier["user_id"]).astype(str)
            position = np.minimum(np.searchsorted(every_user, users), len(every_user) - 1)
            known = every_user[position] == users  # a user gone since changed its scans anyway
            best[position[known]] = np.asarray(earlier["best"], dtype=float)[known]

    scan_scores = prediction_cache.ScanScores(snapshot)

    def batches():
        for scan in todo:
            version = champion(scan)
            score = scan_scores(models[version], scan)
            users, x = snapshot(scan)
            position = np.searchsorted(every_user, users)
            above_best = score > best[position]
            best[position[above_best]] = score[above_best]
            # Only rows at or above the floor are stored (and every row of the latest scan): no
            # reader looks below it, and storing every user at every scan made this the largest
            # table of the warehouse. A new high counts from the floor, so it is the same whether
            # the scans before were stored (an incremental run) or all scored (a full build).
            latest = scan == scored[-1]
            new_high = above_best & (score >= floor)
            stored = np.ones(len(users), dtype=bool) if latest else score >= floor
            yield scan_batch(
                scan,
                version,
                users[stored],
                x[stored],
                score[stored],
                new_high[stored],
                latest,
                models[version],
                fingerprints[scan],
            )

    # streamed: one scan is written (warehouse.stage_batches) while the next is scored, so memory
    # holds about two scans (every user at every scan is tens of millions of rows at scale)
    kept.rows = pa.RecordBatchReader.from_batches(SCHEMA, batches())
    return kept
