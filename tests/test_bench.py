"""Fast tests of the benchmark script's pure parts (bench/run.py); the benchmark itself is
`make bench`, not part of the test suite."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_run"] = bench
_spec.loader.exec_module(bench)


def test_parse_scales():
    assert bench.parse_scales("50k, 200000,1.5m") == [50_000, 200_000, 1_500_000]
    assert bench.parse_scales("") == []


def test_last_delivery_holds_back_every_file_of_the_latest_hour():
    files = [
        "app/users/2026-01-05T00.csv",
        "app/users/2026-01-05T23.csv",
        "events/app_events/2026-01-05T23.jsonl",
        "marketing/search_ads/2026-01-05T06.csv",
        "_truth/users.csv",
    ]
    last, held = bench.last_delivery(files)
    assert last == "2026-01-05T23"
    assert held == ["app/users/2026-01-05T23.csv", "events/app_events/2026-01-05T23.jsonl"]
    assert bench.last_delivery(["_truth/users.csv"]) == (None, [])


def test_source_tables_cover_the_fifteen_landed_tables():
    tables = bench.source_tables(REPO / "models")
    names = {f"{t['system']}/{t['table']}" for t in tables}
    assert len(names) == 15
    formats = {f"{t['system']}/{t['table']}": t["format"] for t in tables}
    assert formats["trading/trades"] == "parquet"
    assert formats["events/app_events"] == "jsonl"
    assert formats["app/users"] == "csv"
    assert all(t["columns"] for t in tables)


def test_floor_queries_read_the_fixture_zone():
    """The floor reader reads every record of the hand-made zone, CSV headers by position."""
    root = REPO / "tests" / "fixtures" / "landing_minimal"
    con = duckdb.connect()
    for t in bench.source_tables(REPO / "models"):
        folder = root / t["system"] / t["table"]
        if not any(folder.glob(f"*.{t['format']}")):
            continue
        query = bench.floor_query(str(folder / f"*.{t['format']}"), t["format"], t["columns"])
        names = [d[0] for d in con.sql(query).description]
        assert set(t["columns"]) <= set(names), t["table"]


def test_floor_query_escapes_quotes_and_rejects_unknown_formats():
    assert "'/it''s/*.csv'" in bench.floor_query("/it's/*.csv", "csv", ["a"])
    with pytest.raises(ValueError):
        bench.floor_query("x", "xml", ["a"])


def test_model_timings_and_ratios():
    rr = {
        "results": [
            {"unique_id": "model.p.stg_a", "execution_time": 2.0},
            {"unique_id": "test.p.not_null_stg_a_id.abc", "execution_time": 0.5},
            {"unique_id": "model.p.base_a", "execution_time": 3.0},
        ]
    }
    t = bench.model_timings(rr)
    assert t[0] == ("model", "base_a", 3.0)
    assert [r[0] for r in t] == ["model", "model", "test"]
    assert bench.ratio(3, 2) == 1.5
    assert bench.ratio(1, 0) is None and bench.ratio(None, 2) is None
    assert bench.fmt_ratio(None) == "n/a"
    assert bench.scale_label(500_000) == "500k"


def test_tree_rss_counts_this_process():
    assert bench.tree_rss(os.getpid()) > 10 * 2**20
    assert bench.tree_rss(2**22 + 12345) == 0  # no such process


def test_run_measured_reports_time_memory_and_exit_code(tmp_path):
    res = bench.run_measured(
        [sys.executable, "-c", "import sys; b = bytearray(50 * 2**20); sys.exit(3)"],
        log=tmp_path / "log",
        interval=0.01,
    )
    assert res["rc"] == 3
    assert res["seconds"] > 0


def test_group_users_matches_scipy_components_on_a_tiny_graph():
    """The grouping step and the SciPy baseline find the same components when nothing is split."""
    group_users = bench.load_group_users()
    users = np.array(["u1", "u2", "u2", "u3", "u4"])
    identifiers = np.array(["d1", "d1", "c9", "c9", "d7"])
    strong = np.ones(5, dtype=bool)
    user_values, labels, was_split = group_users(users, identifiers, strong, 60)
    assert user_values.tolist() == ["u1", "u2", "u3", "u4"]
    assert labels[0] == labels[1] == labels[2] != labels[3]
    assert not was_split.any()
    n, scipy_labels = bench.scipy_baseline(users, identifiers)
    assert n == 2 + 0  # {u1,u2,u3,d1,c9} and {u4,d7}
    assert len(set(scipy_labels[:4].tolist())) == 2


def test_render_markdown_reports_ratios_and_scaling():
    def result(users, scale):
        return {
            "users": users,
            "days": 90,
            "zone_bytes": 2**30 * scale,
            "files": 100,
            "raw_rows": {"app/users": 10 * scale},
            "load_before": "1",
            "load_after": "2",
            "generate": {"seconds": 10 * scale, "peak_rss": 2**30},
            "floor": {
                "seconds": 5 * scale,
                "tables": {"app/users": {"seconds": 1.0, "rows": 10, "format": "csv"}},
            },
            "full": {
                "seconds": 50 * scale,
                "peak_rss": 2**31,
                "model_seconds": 40,
                "test_seconds": 5,
                "models": [("model", "base_app__users", 3.0)],
            },
            "refresh": {"seconds": 4 * scale, "peak_rss": 2**30, "models": []},
            "grouping": {"group_users_s": 0.3, "scipy_s": 0.2, "edges": 1000},
        }

    meta = {
        "date": "2026-01-01",
        "commit": "abc",
        "versions": {"duckdb": "1.5"},
        "machine": {"cpu": "x", "cores": "2", "memory": "24 GB", "os": "linux"},
    }
    text = bench.render_markdown(meta, [result(500_000, 10), result(50_000, 1)])
    assert text.index("| 50k |") < text.index("| 500k |")
    assert "| 50k | 10.0 | 0.08 | 1.50 | 2.00 GB |" in text
    assert "| full rebuild | 50k -> 500k | 10.0 | 10.0 | 1.0 |" in text
    # a scale factor measured for generation only does not hide the others' scaling
    gen_only = {k: v for k, v in result(1_000_000, 20).items() if k not in ("full", "refresh")}
    text = bench.render_markdown(meta, [result(50_000, 1), result(500_000, 10), gen_only])
    assert "| generation | 50k -> 500k | 10.0 | 10.0 | 1.0 |" in text  # the pair
    assert "| 1000k x 90 | 20.00 GB, 200 rows | 100 | 200.0 s | generation only |" in text
    assert "| full rebuild | 50k -> 500k |" in text
    assert "## Slowest models, full rebuild (500k users)" in text
    assert "| app/users | csv | 10 | 1.00 s | 3.00 s | 3.0 |" in text


def test_model_group():
    assert bench.model_group("base_app__users").startswith("base")
    assert bench.model_group("stg_app__users") == "staging"
    assert bench.model_group("int_risk_model__scores").startswith("risk model")
    assert bench.model_group("int_risk__graph_edges") == "intermediate"
    assert bench.model_group("dim_users") == "marts and audit"


def test_link_zone_mirrors_a_zone_that_holding_back_leaves_untouched(tmp_path):
    zone = tmp_path / "landing"
    files = {
        "app/users/2026-01-05T00.csv": "user_id\nu1\n",
        "app/users/2026-01-05T01.csv": "user_id\nu2\n",
        "events/app_events/2026-01-05T01.jsonl": '{"event_id": "e1"}\n',
    }
    for name, text in files.items():
        (zone / name).parent.mkdir(parents=True, exist_ok=True)
        (zone / name).write_text(text)
    raw = tmp_path / "bench" / "raw"
    (raw / "stale").mkdir(parents=True)  # left by an earlier run: replaced, not merged
    assert bench.link_zone(zone, raw) == 3
    assert sorted(str(p.relative_to(raw)) for p in raw.rglob("*") if p.is_file()) == sorted(files)
    # the bench holds back the last hour by moving files out of its copy
    held = tmp_path / "bench" / "held_back" / "app" / "users"
    held.mkdir(parents=True)
    (raw / "app/users/2026-01-05T01.csv").replace(held / "2026-01-05T01.csv")
    assert {name: (zone / name).read_text() for name in files} == files
    assert bench.zone_size(raw) == {"files": 2, "zone_bytes": len("user_id\nu1\n") + 19}


def test_truth_row_counts_only_where_the_generator_left_them(tmp_path):
    assert bench.truth_row_counts(tmp_path) is None
    (tmp_path / "_truth").mkdir()
    (tmp_path / "_truth" / "row_counts.csv").write_text(
        "table,rows\napp/users,12\nrisk/decisions,3\n"
    )
    assert bench.truth_row_counts(tmp_path) == {"app/users": 12, "risk/decisions": 3}


def test_results_keep_the_newest_per_scale_and_zone(tmp_path):
    generated = {"users": 1000, "days": 14, "full": {"seconds": 9.0}}
    zone = {"users": 1000, "days": 14, "zone": "/z/landing", "full": {"seconds": 5.0}}
    bench.store_result(tmp_path, generated)
    bench.store_result(tmp_path, zone)
    bench.store_result(tmp_path, {**generated, "full": {"seconds": 8.0}})
    stored = json.loads((tmp_path / "results.json").read_text())
    assert sorted((r.get("zone", ""), r["full"]["seconds"]) for r in stored) == [
        ("", 8.0),
        ("/z/landing", 5.0),
    ]
    # a generation-only run keeps the earlier measurement of its scale, with the new generation
    bench.store_result(tmp_path, {"users": 1000, "days": 14, "generate": {"seconds": 1.0}}, True)
    (kept,) = [r for r in json.loads((tmp_path / "results.json").read_text()) if "zone" not in r]
    assert kept["full"] == {"seconds": 8.0} and kept["generate"] == {"seconds": 1.0}
    assert bench.row_label(zone) == "1k x 14 (zone `landing`)"
    assert bench.row_label(generated) == "1k x 14"
