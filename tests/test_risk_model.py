"""The learned risk score: no leakage, deterministic training, the promotion rule, scores
reproducible from the saved model file, reason codes that add up to the score.

Most tests run the risk_model package on a small synthetic warehouse held in an in-memory DuckDB
(the same relations the dbt Python models receive), so they need no dbt build; the last ones check
the point-in-time SQL on the generated zone the suite builds anyway."""

import hashlib
import json
import os
import shutil
import threading
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import query
from sklearn.metrics import roc_auc_score

from risk_model import (
    lifecycle,
    metrics,
    monitoring,
    prediction_cache,
    reasons,
    registry,
    registry_model,
    scoring,
    training,
)
from risk_model.features import FEATURES, STORED_FEATURES
from risk_model.lifecycle import Rows, Settings, challenger_for, should_promote, training_scans
from risk_model.training import (
    LeakageError,
    check_no_leakage,
    negative_sample,
    row_uniforms,
    train,
)
from risk_model.warehouse import (
    PointInTime,
    arrays,
    feature_matrix,
    rows_loader,
    scan_calendar,
    snapshot_loader,
    stage_batches,
)

FIRST_SCAN = datetime(2026, 1, 6, 2)  # a Tuesday; the weekly scans are Mondays
SCANS = [FIRST_SCAN + timedelta(days=d) for d in range(77)]
WINDOW = timedelta(days=28)


def synthetic_warehouse(seed: int = 3, users: int = 700) -> duckdb.DuckDBPyConnection:
    """Scan times and a feature history shaped like the dbt models' (here one period per user and
    scan). A tenth of the users are fraudsters whose features drift away from the others' as their
    account ages; a fraudster's label is delivered 10 days after signup."""
    rng = np.random.default_rng(seed)
    signup_hours = rng.integers(-48, 60 * 24, users)
    fraud = rng.random(users) < 0.1
    base = rng.exponential(1.0, (users, len(FEATURES))) * (rng.random((users, len(FEATURES))) < 0.4)
    base[fraud, :6] += rng.exponential(2.0, (int(fraud.sum()), 6))
    first = np.datetime64(FIRST_SCAN, "us")
    signup = first + signup_hours.astype("timedelta64[h]")
    scans = first + (np.arange(len(SCANS)) * 24).astype("timedelta64[h]")
    user, scan = np.meshgrid(np.arange(users), np.arange(len(SCANS)), indexing="ij")
    user, scan = user.ravel(), scan.ravel()
    scan_at = scans[scan]
    known = signup[user] <= scan_at
    user, scan_at = user[known], scan_at[known]
    order = np.lexsort((user, scan_at))
    user, scan_at = user[order], scan_at[order]
    age = (scan_at - signup[user]) / np.timedelta64(1, "D")
    values = np.round(base[user] * np.minimum(age / 7, 1.0)[:, None], 1)
    values[:, 0] = np.round(age, 2)  # account_age_days
    closes = scan_at + np.timedelta64(28, "D")
    label_known = signup[user] + np.timedelta64(10, "D")
    labelled = fraud[user] & (label_known <= closes)
    cutoff = scans[-1] + np.timedelta64(20, "h")
    history = pa.table(
        {
            "user_id": [f"u{u:05d}" for u in user],
            "valid_from": scan_at,
            "valid_until": scan_at + np.timedelta64(1, "D"),
            "created_at": signup[user],
            **{name: values[:, FEATURES.index(name)] for name in STORED_FEATURES},
            "features_known_through": scan_at - np.timedelta64(1, "h"),
            "label_known_at": pa.array(
                np.where(labelled, label_known, np.datetime64("NaT")), mask=~labelled
            ),
        }
    )
    scan_table = pa.table(
        {
            "scan_at": scans,
            "is_weekly_scan": [s.isoweekday() == 1 for s in SCANS],
            "data_cutoff": np.full(len(SCANS), cutoff),
        }
    )
    connection = duckdb.connect()
    for name, table in (("scans", scan_table), ("history", history)):
        connection.register(name, table)
    return connection


def scan_rows(connection, scans=SCANS):
    """The rows of some scans, as the risk_model package reads them from the history."""
    return PointInTime.of(connection.table("history"), connection.table("scans"), Settings()).at(
        scans
    )


def scan_features(connection, scans=SCANS, order="scan_at, user_id") -> tuple[list, np.ndarray]:
    """The user ids and feature matrix of some scans' rows, in `order`."""
    rows = scan_rows(connection, scans).order(order).arrow()
    rows = rows.read_all() if hasattr(rows, "read_all") else rows
    return rows.column("user_id").to_pylist(), np.column_stack(
        [rows.column(f).to_numpy() for f in FEATURES]
    )


def build_all(connection, model_dir) -> dict:
    """What the three dbt Python models do, in order."""
    config = {"model_dir": str(model_dir), "seed": 7, "reason_floor": 0.05}
    registry_table = registry_model.build(
        config, connection.table("scans"), connection.table("history")
    )
    connection.register("registry_table", registry_table)
    scores = scoring.build(
        config,
        connection.table("registry_table"),
        connection.table("scans"),
        connection.table("history"),
    ).rows.read_all()  # a stream, as the warehouse consumes it
    performance = monitoring.build(
        config,
        connection.table("registry_table"),
        connection.table("scans"),
        connection.table("history"),
    )
    return {"registry": registry_table, "scores": scores, "performance": performance}


@pytest.fixture(scope="module")
def warehouse():
    return synthetic_warehouse()


@pytest.fixture(scope="module")
def built(warehouse, tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("models")
    return {"model_dir": model_dir, **build_all(warehouse, model_dir)}


# --- leakage ---------------------------------------------------------------------------------------


def leakage_rows(**changes) -> dict:
    scan = np.array(["2026-02-02T02:00"], dtype="datetime64[us]")
    rows = {
        "scan_at": scan,
        "features_known_through": scan - np.timedelta64(1, "h"),
        "label_window_closes_at": scan + np.timedelta64(28, "D"),
        "label_known_at": scan + np.timedelta64(3, "D"),
        "trained_at": datetime(2026, 3, 9, 2),
    }
    rows.update(changes)
    return rows


def test_a_clean_training_row_passes():
    check_no_leakage(**leakage_rows())


def test_a_feature_delivered_after_its_scan_fails():
    scan = np.array(["2026-02-02T02:00"], dtype="datetime64[us]")
    with pytest.raises(LeakageError, match="feature delivered after their scan"):
        check_no_leakage(**leakage_rows(features_known_through=scan + np.timedelta64(1, "h")))


def test_a_feature_from_after_the_label_date_fails():
    rows = leakage_rows()
    after_label = rows["label_known_at"] + np.timedelta64(1, "D")
    with pytest.raises(LeakageError):
        check_no_leakage(**leakage_rows(features_known_through=after_label))


def test_a_label_delivered_after_its_window_fails():
    rows = leakage_rows()
    late = rows["label_window_closes_at"] + np.timedelta64(1, "h")
    with pytest.raises(LeakageError, match="label delivered after their window"):
        check_no_leakage(**leakage_rows(label_known_at=late))


def test_a_window_still_open_at_training_fails():
    with pytest.raises(LeakageError, match="close after training"):
        check_no_leakage(**leakage_rows(trained_at=datetime(2026, 2, 20)))


def test_training_refuses_a_leaky_training_set(warehouse, tmp_path):
    moment = datetime(2026, 3, 9, 2)
    point_in_time = PointInTime.of(warehouse.table("history"), warehouse.table("scans"), Settings())
    rows = rows_loader(point_in_time)(training_scans(moment, Settings()))
    rows.features_known_through = rows.features_known_through.copy()
    rows.features_known_through[-1] = rows.scan_at[-1] + np.timedelta64(1, "D")
    with pytest.raises(LeakageError):
        challenger_for(moment, rows, Settings(), tmp_path, "weekly")


def test_training_weeks_are_whole_weeks_before_the_moment_with_closed_windows():
    moment = datetime(2026, 3, 9, 2)
    scans = training_scans(moment, Settings(label_window_days=28, max_train_weeks=8))
    assert scans == sorted(scans)
    assert all((moment - s) % timedelta(days=7) == timedelta(0) for s in scans)
    assert max(scans) + WINDOW <= moment
    assert len(scans) == 9  # 8 training weeks and the validation week


# --- determinism -----------------------------------------------------------------------------------


def test_training_is_deterministic_for_a_seed():
    rng = np.random.default_rng(1)
    x = rng.exponential(1.0, (3000, 5))
    y = x[:, 0] + rng.normal(0, 0.5, 3000) > 2.0
    week = np.repeat([0, 1, 2], 1000)
    features = tuple(f"f{i}" for i in range(5))
    first = train(x, y, week, features, seed=7)
    second = train(x, y, week, features, seed=7)
    assert np.array_equal(first.predict(x), second.predict(x))


# --- negative downsampling of large fits --------------------------------------------------------


def test_row_uniforms_are_a_function_of_user_and_scan_alone():
    users = np.array([f"u{i}" for i in range(50_000)])
    scans = np.repeat(
        np.array(["2026-03-02T02:00", "2026-03-09T02:00"], dtype="datetime64[us]"), 25_000
    )
    values = row_uniforms(users, scans)
    order = np.random.default_rng(3).permutation(len(users))
    assert np.array_equal(row_uniforms(users[order], scans[order]), values[order])
    # nor on the other ids beside it (numpy pads short ids to the longest)
    assert row_uniforms(users[:1], scans[:1])[0] == values[0]
    assert values.min() >= 0 and values.max() < 1
    # spread evenly: every tenth of [0, 1) holds 10% +- 0.5% of the rows (binomial sd 0.13%)
    shares = np.histogram(values, bins=10, range=(0, 1))[0] / len(values)
    assert np.abs(shares - 0.1).max() < 0.005
    # the same user at another scan draws again (not one fate per user)
    again = row_uniforms(users, scans + np.timedelta64(7, "D"))
    assert abs(np.corrcoef(values, again)[0, 1]) < 0.02


def test_negative_sample_keeps_every_positive_and_about_the_cap_of_negatives():
    rng = np.random.default_rng(5)
    uniforms = rng.random(100_000)
    y = rng.random(100_000) < 0.02
    fit_rows = np.arange(100_000) < 80_000  # the last 20k rows are the calibration week
    kept, rate = negative_sample(uniforms, y, fit_rows, max_negatives=10_000)
    negatives = int((fit_rows & ~y).sum())
    assert rate == pytest.approx(10_000 / negatives)
    assert kept[fit_rows & y].all() and not kept[~fit_rows].any()
    assert abs(int((kept & ~y).sum()) - 10_000) < 400  # binomial sd about 95
    everything, full_rate = negative_sample(uniforms, y, fit_rows, max_negatives=negatives)
    assert full_rate == 1.0 and np.array_equal(everything, fit_rows)


def test_a_downsampled_fit_still_ranks_and_stays_calibrated():
    rng = np.random.default_rng(11)
    n = 60_000
    x = rng.exponential(1.0, (n, 4))
    y = x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 0.5, n) > 4.0  # a few percent positives
    week = np.repeat([0, 1, 2], n // 3)
    users = np.array([f"u{i % (n // 3)}" for i in range(n)])
    scans = np.datetime64("2026-03-02T02:00", "us") + week * np.timedelta64(7, "D")
    features = tuple(f"f{i}" for i in range(4))
    draws = row_uniforms(users, scans)
    full = train(x, y, week, features, seed=7)
    sampled = train(x, y, week, features, seed=7, uniforms=draws, max_fit_negatives=3_000)
    fit = week < 2
    rate = sampled.metadata["fit_negative_rate"]
    assert rate < 0.2
    assert sampled.metadata["fit_rows"] == int(y[fit].sum()) + int(
        (fit & ~y & (draws < rate)).sum()
    )
    assert full.metadata["fit_negative_rate"] == 1.0
    # fresh rows from the same process: the sampled model ranks nearly as well, and its
    # probabilities still average to the fraud rate (calibrated on the unsampled last week)
    x_new = rng.exponential(1.0, (40_000, 4))
    y_new = x_new[:, 0] + 0.5 * x_new[:, 1] + rng.normal(0, 0.5, 40_000) > 4.0
    sampled_scores = sampled.predict(x_new)
    assert roc_auc_score(y_new, sampled_scores) > roc_auc_score(y_new, full.predict(x_new)) - 0.01
    assert sampled_scores.mean() == pytest.approx(y_new.mean(), rel=0.15)


def test_rebuilding_gives_the_same_registry_scores_and_performance(warehouse, built, tmp_path):
    again = build_all(warehouse, tmp_path)  # fresh model folder: everything is retrained
    for name in ("scores", "performance"):
        assert again[name].equals(built[name]), name
    assert again["registry"].equals(built["registry"])  # model_path is relative to the folder


def test_a_saved_model_of_the_same_version_is_reused(warehouse, built):
    versions = built["registry"].column("model_version").to_pylist()
    stamps = {v: (built["model_dir"] / v / "model.joblib").stat().st_mtime_ns for v in versions}
    build_all(warehouse, built["model_dir"])
    assert stamps == {
        v: (built["model_dir"] / v / "model.joblib").stat().st_mtime_ns for v in versions
    }


def test_a_rebuild_reads_scores_back_instead_of_predicting_again(warehouse, built, monkeypatch):
    """Same versions, same snapshots: every prediction is read from the cache, and the tables
    are identical to the ones computed from scratch."""

    def refuse(self, x):
        raise AssertionError("predicted again")

    monkeypatch.setattr(reasons, "contributions", lambda model, x: refuse(model, x))
    monkeypatch.setattr(type(next(iter(cached_models(built)))), "predict", refuse)
    again = build_all(warehouse, built["model_dir"])
    for name in ("registry", "scores", "performance"):
        assert again[name].equals(built[name]), name


def test_a_rebuild_reads_each_retraining_decision_back(warehouse, built, monkeypatch):
    """Same rows, same champions: every retraining's decision is read back, without loading its
    weeks of rows again, and the registry is identical."""

    def refuse(*args, **kwargs):
        raise AssertionError("retraining decided again")

    monkeypatch.setattr(lifecycle, "challenger_for", refuse)
    again = build_all(warehouse, built["model_dir"])
    assert again["registry"].equals(built["registry"])


def test_weekly_challengers_fitted_beside_the_replay_equal_the_ones_fitted_in_line(
    warehouse, tmp_path, monkeypatch
):
    """A cold build fits the weekly challengers on a second thread (lifecycle.WeeklyFits). Each
    must be the model challenger_for fits on this thread from the same moment: same version, same
    predictions to the last bit. Drift-triggered retrainings stay on the replay's thread."""
    threads = {}
    fit = lifecycle.fit_challenger

    def recording(plan, *args):
        threads[plan.version] = threading.current_thread().name
        return fit(plan, *args)

    monkeypatch.setattr(lifecycle, "fit_challenger", recording)
    table = registry_model.build(
        {"model_dir": str(tmp_path / "cold"), "seed": 7, "reason_floor": 0.05},
        warehouse.table("scans"),
        warehouse.table("history"),
    )
    entries = [e for e in table.to_pylist() if e["retrain_trigger"] == "weekly"]
    assert len(entries) >= 2
    assert all(threads[e["model_version"]].startswith("challenger-fit") for e in entries)
    rows_for = rows_loader(
        PointInTime.of(warehouse.table("history"), warehouse.table("scans"), Settings())
    )
    for entry in entries:
        moment = entry["decided_at"]
        weeks = rows_for(training_scans(moment, Settings()))
        model, validation = challenger_for(
            moment, weeks, Settings(), tmp_path / "in_line", "weekly"
        )
        assert model.metadata["version"] == entry["model_version"]
        beside = registry.load(tmp_path / "cold", entry["model_version"])
        assert np.array_equal(beside.predict(validation.x), model.predict(validation.x))


def test_a_changed_training_week_is_decided_again(warehouse, built, tmp_path):
    """A label delivered for a user of one early week: the retrainings that train on that week
    decide again, and the registry equals a build from an empty model folder."""
    # a copy of the built model folder, with its remembered decisions (the fixture's stays as is)
    model_dir = shutil.copytree(built["model_dir"], tmp_path / "remembered")
    config = {"model_dir": str(model_dir), "seed": 7, "reason_floor": 0.05}
    week = datetime(2026, 1, 19, 2)  # a Monday early in the scans
    user = warehouse.sql(
        f"select user_id from history where valid_from = timestamp '{week}' "
        "and label_known_at is null order by user_id limit 1"
    ).fetchone()[0]
    edited = warehouse.sql(
        f"select * replace (case when user_id = '{user}' and valid_from = timestamp '{week}' "
        f"then timestamp '{week + timedelta(days=2)}' else label_known_at end as label_known_at) "
        "from history"
    )
    remembered = registry_model.build(config, warehouse.table("scans"), edited)
    fresh = registry_model.build(
        {**config, "model_dir": str(tmp_path / "fresh")}, warehouse.table("scans"), edited
    )
    assert remembered.equals(fresh)
    assert not remembered.equals(built["registry"])


def cached_models(built):
    versions = built["registry"].column("model_version").to_pylist()
    return [registry.load(built["model_dir"], v) for v in versions]


def test_scores_do_not_depend_on_the_scoring_thread_count(warehouse, built, monkeypatch):
    model = cached_models(built)[-1]
    _, x = scan_features(warehouse)
    monkeypatch.setattr(training, "PREDICT_THREADS", 1)
    one = model.predict(x)
    monkeypatch.setattr(training, "PREDICT_THREADS", 2)
    assert np.array_equal(model.predict(x), one)


def rows_of(table: pa.Table) -> list[tuple]:
    return sorted(tuple(r.values()) for r in table.to_pylist())


def scores_after(
    warehouse, built, history_sql: str, scans_sql: str, previous=None, floor: float = 0.05
) -> pa.Table:
    """The scores table a run writes: the kept rows of `previous` (a registered table name), then
    the rescored scans, as int_risk_model__scores composes them."""
    config = {"model_dir": str(built["model_dir"]), "seed": 7, "reason_floor": floor}
    rescoring = scoring.build(
        config,
        warehouse.table("registry_table"),
        warehouse.sql(scans_sql),
        warehouse.sql(history_sql),
        previous=warehouse.table(previous) if previous else None,
    )
    rescored = rescoring.rows.read_all()
    kept = rescoring.kept_filter()
    if not previous or kept is None:
        return rescored, rescored
    kept_rows = warehouse.table(previous).filter(kept).arrow()
    kept_rows = kept_rows.read_all() if hasattr(kept_rows, "read_all") else kept_rows
    return pa.concat_tables([kept_rows, rescored]), rescored


def test_a_run_without_changes_keeps_every_scan(warehouse, built):
    warehouse.register("stored_scores", built["scores"])
    table, rescored = scores_after(
        warehouse, built, "select * from history", "select * from scans", "stored_scores"
    )
    assert rescored.num_rows == 0
    assert rows_of(table) == rows_of(built["scores"])


def test_a_scan_that_stored_no_row_is_kept_too(warehouse, built):
    """With a floor above every score of some scans, those scans store nothing; a run without
    changes still rescores nothing (the next stored scan's chained fingerprint covers them)."""
    scores = built["scores"].to_pylist()
    scans = sorted({r["scored_at"] for r in scores})[:-1]  # the latest stores every user
    best_per_scan = [max(r["score"] for r in scores if r["scored_at"] == s) for s in scans]
    floor = float(np.median(best_per_scan))
    full, _ = scores_after(
        warehouse, built, "select * from history", "select * from scans", floor=floor
    )
    stored_scans = set(full.column("scored_at").to_pylist())
    assert any(s not in stored_scans for s in scans)  # some scans stored nothing
    warehouse.register("floored_scores", full)
    table, rescored = scores_after(
        warehouse, built, "select * from history", "select * from scans", "floored_scores", floor
    )
    assert rescored.num_rows == 0
    assert rows_of(table) == rows_of(full)


def test_a_run_after_a_new_scan_equals_a_full_build(warehouse, built):
    """Stored: a run made before the last scan existed. The next run rescores the previous latest
    scan (no longer the latest) and the new one; the result is the full build's."""
    last = max(SCANS)
    before = f"< timestamp '{last:%Y-%m-%d %H:%M:%S}'"
    earlier, _ = scores_after(
        warehouse,
        built,
        f"select * from history where valid_from {before}",
        f"select * from scans where scan_at {before}",
    )
    warehouse.register("earlier_scores", earlier)
    table, rescored = scores_after(
        warehouse, built, "select * from history", "select * from scans", "earlier_scores"
    )
    assert sorted(set(rescored.column("scored_at").to_pylist())) == [
        last - timedelta(days=1),
        last,
    ]
    assert rows_of(table) == rows_of(built["scores"])


def test_a_run_rescores_from_the_first_changed_snapshot(warehouse, built):
    """A late change to one user's snapshot at a middle scan: every scan from it on is rescored
    (new highs depend on the scans before), none before it, and the result is a full build's."""
    changed = SCANS[-10]  # after the first champion (scans before it are not scored)
    user = built["scores"].column("user_id")[0].as_py()
    edited = (
        f"select * replace (case when user_id = '{user}' and valid_from >= timestamp "
        f"'{changed:%Y-%m-%d %H:%M:%S}' then {FEATURES[1]} + 5 else {FEATURES[1]} end "
        f"as {FEATURES[1]}) from history"
    )
    warehouse.register("stored_scores_2", built["scores"])
    table, rescored = scores_after(
        warehouse, built, edited, "select * from scans", "stored_scores_2"
    )
    assert min(rescored.column("scored_at").to_pylist()) == changed
    full, _ = scores_after(warehouse, built, edited, "select * from scans")
    assert rows_of(table) == rows_of(full)
    assert rows_of(full) != rows_of(built["scores"])


def test_the_prediction_cache_key_is_a_digest_of_the_shape_and_float64_bytes():
    """Cache entries written before stay valid: the key is BLAKE2b-160 of the shape, then the rows
    as C-ordered float64 bytes, whatever the input's dtype or memory order."""
    x = np.asfortranarray(np.arange(12, dtype=np.int32).reshape(4, 3))
    expected = hashlib.blake2b(digest_size=20)
    expected.update(b"(4, 3)")
    expected.update(np.arange(12, dtype=np.float64).tobytes())
    assert prediction_cache.digest(x) == expected.hexdigest()


def test_the_prediction_cache_is_keyed_by_the_rows(built, tmp_path):
    model = cached_models(built)[0]
    x = np.tile(model.reference, (4, 1))
    first = prediction_cache.predict(model, x)
    assert np.array_equal(first, model.predict(x))
    changed = x.copy()
    changed[1, 0] += 1.0
    assert prediction_cache.digest(changed) != prediction_cache.digest(x)
    assert np.array_equal(prediction_cache.predict(model, changed), model.predict(changed))
    base, out = prediction_cache.contributions(model, changed)
    assert (base, out.tolist()) == (lambda b, o: (b, o.tolist()))(
        *reasons.contributions(model, changed)
    )


def test_a_remembered_value_is_computed_once_per_version_and_key(built):
    model = cached_models(built)[0]
    calls = []

    def compute():
        calls.append(1)
        return {"psi": 0.125, "users": 3}

    first = prediction_cache.remembered(model, "drift:test-key", compute)
    again = prediction_cache.remembered(model, "drift:test-key", compute)
    other = prediction_cache.remembered(model, "drift:other-key", compute)
    assert first == again == other == {"psi": 0.125, "users": 3}
    assert len(calls) == 2
    model.folder = None  # a model not loaded from a version folder is never cached
    prediction_cache.remembered(model, "drift:test-key", compute)
    assert len(calls) == 3


def test_the_prediction_cache_prunes_only_entries_unused_for_a_week(built):
    model = cached_models(built)[0]
    x = np.tile(model.reference, (2, 1)) + 0.5
    prediction_cache.predict(model, x)
    entry = model.folder / prediction_cache.CACHE_FOLDER / f"{prediction_cache.digest(x)}.score.npz"
    assert entry.exists()
    assert prediction_cache.prune(built["model_dir"]) == 0
    old = entry.stat().st_mtime - 8 * 86400
    os.utime(entry, (old, old))
    assert prediction_cache.prune(built["model_dir"]) == 1
    assert not entry.exists()


# --- champion and challenger -----------------------------------------------------------------------


def test_promotion_rule():
    assert should_promote({"pr_auc": 0.5}, None) == (True, "first champion")
    assert should_promote({"pr_auc": 0.8}, {"pr_auc": 0.7})[0]
    assert not should_promote({"pr_auc": 0.7}, {"pr_auc": 0.7})[0]  # a tie keeps the champion
    assert not should_promote({"pr_auc": 0.6}, {"pr_auc": 0.7})[0]
    assert not should_promote({"pr_auc": 0.75}, {"pr_auc": 0.7}, min_gain=0.1)[0]
    assert not should_promote({"pr_auc": float("nan")}, {"pr_auc": 0.7})[0]


def test_every_decision_is_recorded_and_follows_the_rule(built):
    entries = built["registry"].to_pylist()
    assert len(entries) >= 3
    assert entries[0]["promoted"] and entries[0]["decision_reason"] == "first champion"
    champion = None
    for entry in entries:
        assert entry["previous_champion_version"] == champion
        challenger = {"pr_auc": entry["challenger_pr_auc"]}
        previous = None if champion is None else {"pr_auc": entry["champion_pr_auc"]}
        assert entry["promoted"] == should_promote(challenger, previous)[0]
        assert entry["validation_scan_at"] + WINDOW <= entry["decided_at"]
        assert entry["train_to_scan_at"] < entry["validation_scan_at"]
        if entry["promoted"]:
            champion = entry["model_version"]
    assert [e["model_version"] for e in entries if e["is_current_champion"]] == [champion]
    saved = json.loads((built["model_dir"] / "registry.json").read_text())
    assert [e["model_version"] for e in saved] == [e["model_version"] for e in entries]


def test_model_files_carry_their_training_window_features_metrics_and_libraries(built):
    version = built["registry"].column("model_version")[0].as_py()
    metadata = json.loads((built["model_dir"] / version / "metadata.json").read_text())
    assert metadata["features"] == list(FEATURES)
    assert {"train_from_scan", "train_to_scan", "validation_scan", "seed"} <= set(metadata)
    assert set(metadata["libraries"]) == {"scikit-learn", "numpy"}
    assert metadata["validation"]["pr_auc"] > 0


def test_each_scan_is_scored_by_its_champion(built):
    promotions = [r for r in built["registry"].to_pylist() if r["promoted"]]
    for row in built["scores"].to_pylist()[::97]:
        expected = [
            p["model_version"] for p in promotions if p["champion_from"] <= row["scored_at"]
        ][-1]
        assert row["model_version"] == expected


def test_the_model_ranks_fraudsters_first(built):
    latest = [r for r in built["scores"].to_pylist() if r["is_latest_scan"]]
    users = np.array([int(r["user_id"][1:]) for r in latest])
    rng = np.random.default_rng(3)
    rng.integers(-48, 60 * 24, 700)
    fraud = rng.random(700) < 0.1
    score = np.array([r["score"] for r in latest])
    assert metrics.evaluate(fraud[users], score, 0.05)["roc_auc"] > 0.9


# --- scores from the saved model, reason codes -----------------------------------------------------


def test_scores_are_reproducible_from_the_saved_model_file(warehouse, built):
    scores = built["scores"].to_pylist()
    scan = max(r["scored_at"] for r in scores)
    latest = {r["user_id"]: r for r in scores if r["scored_at"] == scan}
    version = next(iter(latest.values()))["model_version"]
    model = registry.load(built["model_dir"], version)
    users, x = scan_features(warehouse, [scan], order="user_id")
    assert np.array_equal(model.predict(x), np.array([latest[u]["score"] for u in users]))


def test_scores_below_the_floor_are_stored_at_the_latest_scan_only(warehouse, built):
    """A scan before the latest stores exactly its users scoring at or above the reason floor (the
    scores recomputed here from the saved file); the latest scan stores every user."""
    floor = 0.05
    scores = built["scores"].to_pylist()
    latest_scan = max(r["scored_at"] for r in scores)
    for scan in sorted({r["scored_at"] for r in scores})[-6:]:
        stored = {r["user_id"]: r["score"] for r in scores if r["scored_at"] == scan}
        model = registry.load(
            built["model_dir"], next(r["model_version"] for r in scores if r["scored_at"] == scan)
        )
        users, x = scan_features(warehouse, [scan], order="user_id")
        users, score = np.array(users), model.predict(x)
        expected = users if scan == latest_scan else users[score >= floor]
        assert sorted(stored) == sorted(expected.tolist())
        assert scan == latest_scan or 0 < len(expected) < len(users)  # the floor does cut


def test_a_new_high_is_a_score_from_the_floor_up_above_the_users_earlier_ones(built):
    best, flagged = {}, 0
    for row in sorted(built["scores"].to_pylist(), key=lambda r: r["scored_at"]):
        expected = row["score"] >= 0.05 and row["score"] > best.get(row["user_id"], -1.0)
        assert row["is_new_high"] == expected
        flagged += expected
        if row["score"] >= 0.05:
            best[row["user_id"]] = max(best.get(row["user_id"], -1.0), row["score"])
    assert flagged


def test_reason_codes_add_up_to_the_score(built):
    explained = [r for r in built["scores"].to_pylist() if r["reasons"] is not None]
    assert explained
    for row in explained:
        total = row["base_log_odds"] + row["contribution_sum"]
        assert total == pytest.approx(row["score_log_odds"], abs=1e-9)
        contributions = [row[f"reason_{i}_contribution"] for i in (1, 2, 3)]
        shown = [c for c in contributions if c is not None]
        assert shown == sorted(shown, reverse=True)
        assert all(c > 0 for c in shown)


def test_reason_codes_are_exact_per_feature(warehouse, built):
    version = built["registry"].column("model_version")[-1].as_py()
    model = registry.load(built["model_dir"], version)
    x = np.array([model.reference, model.reference * 3 + 1])
    x[0, 2] = model.reference[2] + 5  # one feature differs: it carries the whole change
    base, contributions = reasons.contributions(model, x)
    assert np.allclose(base + contributions.sum(axis=1), model.logit(x), atol=1e-9)
    only = np.zeros(len(FEATURES))
    only[2] = model.logit(x[:1])[0] - base
    assert np.allclose(contributions[0], only, atol=1e-12)
    assert reasons.top_reasons(np.array([[0.1, -0.5, 0.3, 0.0]]), k=3) == [[2, 0]]


def test_reason_codes_equal_switching_every_differing_value_in_both_orders(built):
    """The definition, row by row: switch each differing value in (both orders), the mean gain in
    log-odds. The shortcuts (steps only where a branch changes, rows with the same branches
    computed once) must give the same numbers to the last bit, also for ties with a split
    threshold, missing values and rows that differ only within a branch."""
    version = built["registry"].column("model_version")[-1].as_py()
    model = registry.load(built["model_dir"], version)
    p = len(model.features)
    rng = np.random.default_rng(5)
    rows = [model.reference * rng.choice([0.0, 1.0, 2.0, 5.0], size=p) for _ in range(6)]
    age = model.features.index("account_age_days")
    splits = model.split_thresholds("account_age_days")
    on_split = model.reference.copy()
    on_split[age] = splits[0]  # exactly on a threshold: goes left, as a value below it
    just_above = on_split.copy()
    just_above[age] = np.nextafter(splits[0], np.inf)
    missing = rows[0].copy()
    missing[[1, age]] = np.nan
    within = rows[1].copy()  # the same branches as rows[1], other values
    within[age] = np.nextafter(rows[1][age], -np.inf)
    x = np.array([*rows, on_split, just_above, missing, within, rows[2]])

    def naive(row, order):
        out, current = np.zeros(p), model.reference.copy()
        for feature in order:
            if row[feature] == current[feature] or (
                np.isnan(row[feature]) and np.isnan(current[feature])
            ):
                continue
            before = model.logit(current[None, :])[0]
            current[feature] = row[feature]
            out[feature] = model.logit(current[None, :])[0] - before
        return out

    expected = np.array(
        [0.5 * (naive(row, range(p)) + naive(row, range(p - 1, -1, -1))) for row in x]
    )
    base, out = reasons.contributions(model, x)
    assert base == model.logit(model.reference[None, :])[0]
    assert np.array_equal(out, expected)
    assert np.array_equal(out[-2], out[1])  # within a branch: shared, and still exact


def test_the_first_scan_at_or_above_a_threshold_has_reason_codes(built):
    first_crossing = {}
    for row in sorted(built["scores"].to_pylist(), key=lambda r: r["scored_at"]):
        if row["score"] >= 0.5 and row["user_id"] not in first_crossing:
            first_crossing[row["user_id"]] = row
    assert first_crossing
    assert all(row["reasons"] is not None for row in first_crossing.values())


def test_performance_has_every_version_on_every_weekly_scan(built):
    performance = built["performance"].to_pylist()
    versions = set(built["registry"].column("model_version").to_pylist())
    weeks = {s for s in SCANS if s.isoweekday() == 1}
    assert {(r["model_version"], r["scan_at"]) for r in performance} == {
        (v, w) for v in versions for w in weeks
    }
    closed = [r for r in performance if r["is_label_window_closed"] and r["labelled_fraud_users"]]
    assert closed and all(0 <= r["pr_auc"] <= 1 and r["score_psi"] >= 0 for r in closed)


def test_psi_is_zero_on_the_reference_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    reference = rng.beta(1, 20, 5000)
    edges = metrics.reference_bins(reference)
    shares = metrics.bin_shares(reference, edges)
    assert metrics.psi(shares, reference, edges) == pytest.approx(0.0, abs=1e-12)
    assert metrics.psi(shares, reference * 3, edges) > 0.25


def test_a_zone_without_scans_gives_empty_tables(warehouse, tmp_path):
    """Too little data for a single scan (a small fixture zone): empty tables, no error."""
    empty = duckdb.connect()
    for name in ("scans", "history"):
        rows = warehouse.table(name).limit(0).arrow()
        empty.register(name, rows.read_all() if hasattr(rows, "read_all") else rows)
    tables = build_all(empty, tmp_path)
    assert [tables[name].num_rows for name in ("registry", "scores", "performance")] == [0, 0, 0]


def test_no_model_without_enough_matured_weeks(tmp_path):
    rows = Rows(
        *(np.array([], dtype=t) for t in (str, "datetime64[us]")),
        np.zeros((0, len(FEATURES))),
        np.array([], dtype=bool),
        *(np.array([], dtype="datetime64[us]") for _ in range(3)),
    )
    assert challenger_for(datetime(2026, 1, 20, 2), rows, Settings(), tmp_path, "weekly") is None


# --- the point-in-time SQL, on the generated zone ------------------------------------------------


# a scan's snapshot: the periods of the feature history containing it
SNAPSHOTS = """
    snapshots as (
        select history.*, scans.scan_at
        from intermediate.int_risk_model__feature_history as history
        inner join intermediate.int_risk_model__scan_times as scans
            on history.valid_from <= scans.scan_at
            and scans.scan_at < coalesce(history.valid_until, 'infinity'::timestamp)
    )
"""


def test_each_user_has_one_snapshot_at_every_scan_from_the_first(generated_warehouse):
    """The periods of a user tile the scans: no gap, no overlap, up to the last scan."""
    gaps = query(
        generated_warehouse,
        f"""
        with {SNAPSHOTS},
        per_user as (
            select user_id, min(scan_at) as first_scan_at, count(*) as snapshots,
                count(distinct scan_at) as scans
            from snapshots group by user_id
        )
        select count(*)
        from per_user
        where snapshots <> scans or scans <> (
            select count(*) from intermediate.int_risk_model__scan_times as all_scans
            where all_scans.scan_at >= per_user.first_scan_at
        )
        """,
    )
    assert gaps == [(0,)]


def test_snapshots_use_only_records_delivered_by_the_scan(generated_warehouse):
    mismatches = query(
        generated_warehouse,
        f"""
        with {SNAPSHOTS},
        delivered as (
            select snapshots.user_id, snapshots.scan_at, snapshots.payment_attempts,
                count(attempts.attempt_id) as attempts_delivered
            from snapshots
            left join staging.stg_payments__payment_attempts as attempts
                on attempts.user_id = snapshots.user_id
                and attempts._batch_at <= snapshots.scan_at
                and attempts.created_at <= snapshots.scan_at
            group by all
        )
        select count(*) from delivered where payment_attempts <> attempts_delivered
        """,
    )
    assert mismatches == [(0,)]
    late = query(
        generated_warehouse,
        f"with {SNAPSHOTS} select count(*) from snapshots where features_known_through > scan_at",
    )
    assert late == [(0,)]


@pytest.mark.parametrize(
    "feature, records",
    [
        (
            "max_attempts_in_hour",
            "select attempt_id as record_id, user_id, created_at as occurred_at, _batch_at "
            "from staging.stg_payments__payment_attempts",
        ),
        (
            "max_failed_logins_in_hour",
            "select event_id as record_id, user_id, occurred_at, _batch_at "
            "from staging.stg_events__app_events where event_type = 'login_failed'",
        ),
    ],
)
def test_hourly_peaks_count_only_what_each_scan_could_see(generated_warehouse, feature, records):
    """At every scan, the peak is the most records in one hour among the records delivered and
    happened by the scan: a record delivered late never counts at an earlier scan, and never
    takes away what an earlier scan saw."""
    counts = query(
        generated_warehouse,
        f"""
        with {SNAPSHOTS},
        records as ({records}),
        seen as (
            select snapshots.user_id, snapshots.scan_at, records.record_id, records.occurred_at
            from snapshots
            inner join records
                on records.user_id = snapshots.user_id
                and greatest(records._batch_at, records.occurred_at) <= snapshots.scan_at
        ),
        hours as (
            select ends.user_id, ends.scan_at, ends.record_id, count(*) as in_hour
            from seen as ends
            inner join seen as members
                on members.user_id = ends.user_id and members.scan_at = ends.scan_at
                and members.occurred_at between ends.occurred_at - interval 1 hour
                    and ends.occurred_at
            group by all
        ),
        expected as (
            select user_id, scan_at, max(in_hour) as peak from hours group by all
        )
        select
            count(*) filter (where snapshots.{feature} <> coalesce(expected.peak, 0)),
            count(*) filter (where expected.peak > 1)
        from snapshots
        left join expected using (user_id, scan_at)
        """,
    )
    assert counts[0][0] == 0
    assert counts[0][1] > 0  # some user has more than one record in an hour at some scan


def test_known_labels_are_features_only_from_their_delivery(generated_warehouse):
    early = query(
        generated_warehouse,
        f"""
        with {SNAPSHOTS}
        select count(*)
        from snapshots
        where snapshots.fraud_chargebacks > (
            select count(*) from marts.risk_labels as labels
            where labels.user_id = snapshots.user_id and labels.label_type = 'fraudulent_chargeback'
            and labels.known_at <= snapshots.scan_at
        )
        """,
    )
    assert early == [(0,)]


def test_a_chargeback_label_is_known_once_its_payment_attempt_is(generated_warehouse):
    """A chargeback names its user through its payment attempt, which can be delivered after it:
    the label is known from the later of the two deliveries, never before the attempt."""
    counts = query(
        generated_warehouse,
        """
        select
            count(*) filter (where labels.known_at < attempts._first_batch_at),
            count(*) filter (where chargebacks._batch_at < attempts._first_batch_at)
        from marts.risk_labels as labels
        inner join staging.stg_payments__chargebacks as chargebacks
            on labels.source_id = chargebacks.chargeback_id
        inner join staging.stg_payments__payment_attempts as attempts
            on chargebacks.attempt_id = attempts.attempt_id
        where labels.label_type = 'fraudulent_chargeback'
        """,
    )
    assert counts[0][0] == 0
    assert counts[0][1] > 0  # the zone has chargebacks delivered before their attempt


def test_the_training_label_is_the_first_fraud_label_delivered_within_the_window(
    generated_warehouse,
):
    """At every scan: labelled exactly when a fraud label happened and was delivered by the end
    of the scan's 28-day window, label_known_at the earliest such delivery."""
    counts = query(
        generated_warehouse,
        f"""
        with {SNAPSHOTS},
        expected as (
            select snapshots.user_id, snapshots.scan_at, min(labels.known_at) as label_known_at
            from snapshots
            inner join marts.risk_labels as labels
                on labels.user_id = snapshots.user_id
                and labels.is_fraud_label
                and labels.label_at <= snapshots.scan_at + interval 28 days
                and labels.known_at <= snapshots.scan_at + interval 28 days
            group by all
        )
        select
            count(*) filter (where snapshots.label_known_at is distinct from expected.label_known_at),
            count(expected.user_id)
        from snapshots
        left join expected using (user_id, scan_at)
        """,
    )
    assert counts[0][0] == 0
    assert counts[0][1] > 0  # the zone has labelled users at some scans


def test_snapshots_read_scan_after_scan_equal_each_scan_read_whole(generated_warehouse):
    """The registry and the scores read scans in order, each as the previous one plus the periods
    starting in between (warehouse.SnapshotLoader): every scan must equal its whole read
    (PointInTime.at), users, features and account ages, and so must a scan read out of order."""
    with duckdb.connect(str(generated_warehouse), read_only=True) as connection:
        history = connection.table("intermediate.int_risk_model__feature_history")
        scan_relation = connection.table("intermediate.int_risk_model__scan_times")
        point_in_time = PointInTime.of(history, scan_relation, Settings())
        calendar, _ = scan_calendar(scan_relation)
        loader = snapshot_loader(point_in_time)
        whole_reads = []
        read_whole = loader._read
        loader._read = lambda scan: (whole_reads.append(scan), read_whole(scan))
        for scan in [*calendar, calendar[len(calendar) // 2], calendar[-1]]:
            users, x = loader(scan)
            whole = arrays(point_in_time.at([scan]).order("user_id"))
            assert np.array_equal(users, np.asarray(whole["user_id"]).astype(str)), scan
            assert np.array_equal(x, feature_matrix(whole), equal_nan=True), scan
    assert len(calendar) > 5
    # read whole: the first scan and the one out of order; every other scan stepped on
    assert whole_reads == [calendar[0], calendar[len(calendar) // 2]]


def test_scores_carried_over_from_the_previous_scan_equal_a_full_prediction(generated_warehouse):
    """prediction_cache.ScanScores predicts only the rows whose features changed or whose account
    age crossed one of the model's split thresholds since the previous scan: every scan's scores
    must still equal predicting every row, bit for bit."""
    with duckdb.connect(str(generated_warehouse), read_only=True) as connection:
        history = connection.table("intermediate.int_risk_model__feature_history")
        scan_relation = connection.table("intermediate.int_risk_model__scan_times")
        point_in_time = PointInTime.of(history, scan_relation, Settings())
        calendar, _ = scan_calendar(scan_relation)
        _, x = snapshot_loader(point_in_time)(calendar[-1])
        # a model that splits on account age as well as on the other features
        rng = np.random.default_rng(5)
        age = x[:, FEATURES.index("account_age_days")]
        y = (age < np.median(age)) ^ (rng.random(len(x)) < 0.1) | (x[:, 1:].sum(axis=1) > 5)
        week = (np.arange(len(x)) % 2 == 0).astype(int)
        model = train(x, y, week, FEATURES, seed=7)
        assert len(model.split_thresholds("account_age_days")) > 1
        predicted = []
        model_predict = model.predict
        model.predict = lambda rows: (predicted.append(len(rows)), model_predict(rows))[1]
        scores = prediction_cache.ScanScores(snapshot_loader(point_in_time))
        scored = 0
        for scan in calendar:
            score = scores(model, scan)
            _, whole = snapshot_loader(point_in_time)(scan)
            assert np.array_equal(score, model_predict(whole)), scan
            scored += len(whole)
    assert sum(predicted) < scored  # rows were carried over, not all predicted again


def test_batches_a_generator_reads_from_the_connection_are_staged_whole(tmp_path):
    """The scores' generator queries the warehouse for each scan; stage_batches writes its batches
    to Parquet from a second thread (DuckDB pulling them deadlocked once), and the file holds
    every row once, in order, with the reader's schema - also when there is no batch."""
    connection = duckdb.connect()
    connection.execute("create table numbers as select range as n from range(10000)")
    schema = pa.schema([("n", pa.int64()), ("square", pa.int64())])

    def batches():
        for start in range(0, 10000, 1000):
            chunk = connection.sql(
                f"select n from numbers where n >= {start} and n < {start + 1000}"
            )
            n = chunk.arrow()
            n = (n.read_all() if hasattr(n, "read_all") else n).column("n").combine_chunks()
            yield pa.record_batch([n, pc.multiply(n, n)], schema=schema)

    staged = stage_batches(
        pa.RecordBatchReader.from_batches(schema, batches()), tmp_path / "deep" / "pushed.parquet"
    )
    rows = connection.sql(f"select n, square from read_parquet('{staged}')").fetchall()
    assert rows == [(n, n * n) for n in range(10000)]
    empty = stage_batches(
        pa.RecordBatchReader.from_batches(schema, iter([])), tmp_path / "nothing.parquet"
    )
    assert connection.sql(f"select count(*) from read_parquet('{empty}')").fetchone() == (0,)
    described = connection.sql(f"select * from read_parquet('{empty}')")
    assert dict(zip(described.columns, map(str, described.types), strict=True)) == {
        "n": "BIGINT",
        "square": "BIGINT",
    }


def test_a_failing_generator_fails_the_staging_and_stops_its_writer(tmp_path):
    schema = pa.schema([("n", pa.int64())])

    def batches():
        yield pa.record_batch([pa.array([1, 2])], schema=schema)
        raise ValueError("scan 2 could not be scored")

    before = threading.active_count()
    with pytest.raises(ValueError, match="scan 2"):
        stage_batches(pa.RecordBatchReader.from_batches(schema, batches()), tmp_path / "x.parquet")
    assert threading.active_count() == before


def test_a_failing_writer_fails_the_staging(tmp_path):
    schema = pa.schema([("n", pa.int64())])
    folder_in_the_way = tmp_path / "taken.parquet"
    folder_in_the_way.mkdir()  # the file cannot be created
    produced = []

    def batches():
        for n in range(5):
            produced.append(n)
            yield pa.record_batch([pa.array([n])], schema=schema)

    with pytest.raises(OSError):
        stage_batches(pa.RecordBatchReader.from_batches(schema, batches()), folder_in_the_way)
    assert produced == list(range(5))  # the producer was never left blocked on a full queue
