"""Benchmark of the warehouse at several scale factors; writes bench/results.md.

    python bench/run.py [--scales 50k,200k,500k] [--days 90] [--seed 7] [--work data/bench]

For every scale factor (users x days):

1. generate the landing zone (`python -m sample_data.generate`);
2. hold back the last delivery hour (every file of the latest `<YYYY-MM-DDTHH>`);
3. the floor: DuckDB reading every landing file once with the declared columns (read_csv /
   read_json / read_parquet, one CREATE TABLE per landed table, 2 threads like the profile);
4. full rebuild: the T+1 job's `dbt build --full-refresh` (orchestration.cadences, unit tests
   left to CI) on the zone without the held-back hour;
5. T+hours refresh: the held-back hour lands, then the T+hours job's `dbt build` (base models
   load only it), with the full build's partial parse as dagster-dbt gives `make refresh` (no
   second project parse);
6. the grouping step: `group_users` from the dbt Python model against SciPy's
   `connected_components` on the same edges (int_risk__graph_edges), same process, median of
   several repetitions.

`--grouping-only` skips 2-5: it builds just the grouping step's inputs (`+int_risk__graph_edges`)
and measures step 6, for a scale at which a whole build does not fit in the time at hand.

Each step runs in a child process; its wall time and the peak resident memory of its whole
process tree are recorded. dbt's run_results.json gives the per-model profile. The results of
every finished scale factor are kept in `<work>/results.json`, so a later run (or
`--render-only`) re-renders bench/results.md with all of them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the scheduled jobs' dbt arguments, measured as they run

from orchestration.cadences import dbt_build_args  # noqa: E402

PYTHON = sys.executable
BATCH_RE = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2})\.[A-Za-z]+$")
SYSTEMS = [
    "app",
    "events",
    "payments",
    "trading",
    "promotions",
    "marketing",
    "support",
    "risk",
    "reference",
]

# Targets of the issue, as (label, key in ratios, limit).
TARGETS = [
    ("full rebuild <= 15x read floor (200k, 500k)", "full_over_floor", 15.0),
    ("refresh <= 10% of full rebuild (500k)", "refresh_over_full", 0.10),
    ("grouping <= 1.5x SciPy connected_components", "grouping_over_scipy", 1.5),
]
MEMORY_TARGET_GB = 8.0
LINEAR_TARGET = 11.0


# ---------------------------------------------------------------------------- pure helpers
def parse_scales(text: str) -> list[int]:
    """'50k,200000,1m' -> [50000, 200000, 1000000]."""
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        mult = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        out.append(int(float(part[:-1] if mult > 1 else part) * mult))
    return out


def batch_of(path: str) -> str | None:
    """The delivery hour `YYYY-MM-DDTHH` of a landing file, or None for any other file."""
    m = BATCH_RE.search(path)
    return m.group(1) if m else None


def last_delivery(paths: list[str]) -> tuple[str | None, list[str]]:
    """The latest delivery hour among landing files and the files of that hour."""
    batches = {p: batch_of(p) for p in paths}
    stems = [b for b in batches.values() if b]
    if not stems:
        return None, []
    last = max(stems)
    return last, sorted(p for p, b in batches.items() if b == last)


def source_tables(models_dir: Path) -> list[dict]:
    """Every landed table of the sources files: system, table, format and declared columns."""
    import yaml

    tables = []
    for path in sorted(models_dir.glob("staging/*/_*__sources.yml")):
        doc = yaml.safe_load(path.read_text())
        for source in doc.get("sources", []):
            for table in source.get("tables", []):
                location = table.get("config", {}).get("meta", {}).get("external_location", "")
                m = re.search(r"\*\.(csv|jsonl|parquet)", location)
                tables.append(
                    {
                        "system": source["name"],
                        "table": table["name"],
                        "format": m.group(1) if m else "csv",
                        "columns": [c["name"] for c in table.get("columns", [])],
                    }
                )
    return tables


def floor_query(pattern: str, fmt: str, columns: list[str]) -> str:
    """DuckDB's own reader over every file of a table, every declared column as text."""
    quoted = pattern.replace("'", "''")
    spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    if fmt == "csv":
        return (
            f"select * from read_csv('{quoted}', columns = {spec}, header = true, "
            "auto_detect = false, null_padding = true, strict_mode = false, "
            "filename = true)"
        )
    if fmt == "jsonl":
        return (
            f"select * from read_json('{quoted}', format = 'newline_delimited', "
            f"columns = {spec}, ignore_errors = true, filename = true)"
        )
    if fmt == "parquet":
        # read_parquet fails on a zero-byte file (an empty delivery); it holds no record to read.
        files = [
            "'" + f.replace("'", "''") + "'"
            for f in sorted(glob.glob(pattern))
            if os.path.getsize(f) > 0
        ]
        if not files:
            return "select null::varchar as filename where false"
        return f"select * from read_parquet([{', '.join(files)}], union_by_name = true, filename = true)"
    raise ValueError(fmt)


def model_timings(run_results: dict) -> list[tuple[str, str, float]]:
    """(resource type, name, seconds) of every node, slowest first."""
    rows = []
    for r in run_results.get("results", []):
        uid = r.get("unique_id", "")
        rows.append(
            (
                uid.split(".")[0],
                uid.split(".")[-1] if uid.startswith("model.") else uid.split(".", 2)[-1],
                float(r.get("execution_time") or 0.0),
            )
        )
    return sorted(rows, key=lambda r: -r[2])


def model_group(name: str) -> str:
    """The layer a model belongs to, by its name."""
    if name.startswith("base_"):
        return "base (landing readers, incremental)"
    if name.startswith("stg_"):
        return "staging"
    if name.startswith("int_risk_model__"):
        return "risk model (Python: training, replay, scores)"
    if name.startswith("int_"):
        return "intermediate"
    return "marts and audit"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b in (None, 0):
        return None
    return a / b


def fmt_ratio(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.1f} s"


def fmt_gb(b: float | None) -> str:
    return "n/a" if b is None else f"{b / 2**30:.2f} GB"


def scale_label(users: int) -> str:
    return f"{users // 1000}k" if users % 1000 == 0 else str(users)


def row_label(res: dict) -> str:
    """`200k x 90`, or for a zone made elsewhere (`--zone`) its measured size and folder name."""
    label = f"{scale_label(res['users'])} x {res['days']}"
    return f"{label} (zone `{Path(res['zone']).name}`)" if res.get("zone") else label


# ---------------------------------------------------------------------------- measuring
def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss(p)
        todo += _children(p)
    return total


def run_measured(
    cmd: list[str], env: dict | None = None, log: Path | None = None, interval: float = 0.2
) -> dict:
    """Run a command; its wall time, peak tree RSS and exit code."""
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    peak = [0]
    done = threading.Event()

    def poll():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            done.wait(interval)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    rc = proc.wait()
    seconds = time.perf_counter() - start
    done.set()
    thread.join()
    if log:
        out.close()
    return {"seconds": round(seconds, 2), "peak_rss": peak[0], "rc": rc}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


# ---------------------------------------------------------------------------- child steps
def step_floor(raw: Path, db: Path, out: Path) -> None:
    import duckdb

    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("set threads = 2")
    con.execute("set TimeZone = 'UTC'")
    tables = {}
    for t in source_tables(REPO / "models"):
        ext = t["format"]
        pattern = str(raw / t["system"] / t["table"] / f"*.{ext}")
        start = time.perf_counter()
        con.execute(
            f"create or replace table floor_tbl as {floor_query(pattern, ext, t['columns'])}"
        )
        rows = con.execute("select count(*) from floor_tbl").fetchone()[0]
        seconds = time.perf_counter() - start
        con.execute("drop table floor_tbl")
        tables[f"{t['system']}/{t['table']}"] = {
            "seconds": round(seconds, 3),
            "rows": rows,
            "format": ext,
        }
    con.close()
    db.unlink(missing_ok=True)
    out.write_text(json.dumps(tables, indent=1))


def load_group_users():
    import importlib.util

    path = REPO / "models" / "intermediate" / "risk" / "int_risk__user_components.py"
    spec = importlib.util.spec_from_file_location("int_risk__user_components", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.group_users


def scipy_baseline(users, identifiers):
    """The reference: the same edges factorised and handed to connected_components once."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    user_values, user_index = np.unique(users, return_inverse=True)
    identifier_values, identifier_index = np.unique(identifiers, return_inverse=True)
    n_users, n_nodes = len(user_values), len(user_values) + len(identifier_values)
    adjacency = coo_matrix(
        (np.ones(len(users), dtype=np.int8), (user_index, n_users + identifier_index)),
        shape=(n_nodes, n_nodes),
    )
    return connected_components(adjacency, directed=False)


def step_grouping(warehouse: Path, reps: int, out: Path) -> None:
    import duckdb
    import numpy as np
    import yaml

    split = int(
        yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["group_split_min_users"]
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    cols = con.sql(
        "select user_id, identifier_key, is_strong from intermediate.int_risk__graph_edges"
    ).fetchnumpy()
    con.close()
    users = np.asarray(cols["user_id"], dtype=object).astype(str)
    identifiers = np.asarray(cols["identifier_key"], dtype=object).astype(str)
    strong = np.asarray(cols["is_strong"], dtype=bool)
    group_users = load_group_users()
    timings = {"group_users": [], "scipy": []}
    result = group_users(users, identifiers, strong, split)  # warm-up (imports, caches)
    scipy_baseline(users, identifiers)
    for rep in range(reps):
        # alternate the order so that neither side always runs on a warmer cache
        for name in ("scipy", "group_users") if rep % 2 == 0 else ("group_users", "scipy"):
            start = time.perf_counter()
            if name == "scipy":
                scipy_baseline(users, identifiers)
            else:
                result = group_users(users, identifiers, strong, split)
            timings[name].append(time.perf_counter() - start)
    n_components = len(set(result[1].tolist())) if result is not None and len(users) else 0
    out.write_text(
        json.dumps(
            {
                "edges": len(users),
                "users": int(len(result[0])) if result else 0,
                "components": n_components,
                "was_split_users": int(result[2].sum()) if result else 0,
                "reps": reps,
                "group_users_s": statistics.median(timings["group_users"]),
                "scipy_s": statistics.median(timings["scipy"]),
                "all": timings,
            },
            indent=1,
        )
    )


# ---------------------------------------------------------------------------- one scale
def step_grouping_measured(warehouse: Path, base: Path, reps: int) -> dict:
    """The grouping step in a child process (its own peak memory), timings from its JSON."""
    grouping_json = base / "grouping.json"
    measured = run_measured(
        [
            PYTHON,
            __file__,
            "grouping",
            "--warehouse",
            str(warehouse),
            "--reps",
            str(reps),
            "--json",
            str(grouping_json),
        ],
        log=base / "grouping.log",
    )
    if grouping_json.exists():
        measured.update(json.loads(grouping_json.read_text()))
    return measured


def dbt_env(raw: Path, warehouse: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "RAW_ROOT": str(raw),
            "WAREHOUSE_PATH": str(warehouse),
            "DBT_PROFILES_DIR": str(REPO),
            "DBT_PROJECT_DIR": str(REPO),
        }
    )
    env.pop("DBT_TARGET", None)
    return env


def dbt_build(
    raw: Path, warehouse: Path, target: Path, full: bool, select: str | None = None
) -> dict:
    dbt = str(Path(PYTHON).parent / "dbt")
    # the T+1 (full) or T+hours (refresh) job's command
    cmd = [
        dbt,
        *dbt_build_args(full),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]
    if select:
        cmd += ["--select", select]
    target.mkdir(parents=True, exist_ok=True)
    res = run_measured(cmd, dbt_env(raw, warehouse), target / "build.log")
    rr = target / "run_results.json"
    if rr.exists():
        timings = model_timings(json.loads(rr.read_text()))
        res["models"] = [t for t in timings if t[0] == "model"]
        res["model_seconds"] = round(sum(t[2] for t in res["models"]), 2)
        res["test_seconds"] = round(sum(t[2] for t in timings if t[0] == "test"), 2)
        res["failures"] = [
            r["unique_id"]
            for r in json.loads(rr.read_text())["results"]
            if r["status"] in ("error", "fail", "runtime error")
        ]
    return res


def run_scale(
    users: int,
    days: int,
    seed: int,
    work: Path,
    reps: int,
    reuse: bool,
    log=print,
    generate_only: bool = False,
    grouping_only: bool = False,
) -> dict:
    base = work / f"u{users}_d{days}_s{seed}"
    raw, held = base / "raw", base / "held_back"
    base.mkdir(parents=True, exist_ok=True)
    res: dict = {
        "users": users,
        "days": days,
        "seed": seed,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_before": loadavg(),
        "duckdb_memory_limit": os.environ.get("DUCKDB_MEMORY_LIMIT"),  # None: 80% of RAM
    }

    # 1. generation
    if reuse and (raw / ".complete").exists():
        res["generate"] = json.loads((base / "generate.json").read_text())
        log(f"[{users}] reusing zone {raw}")
    else:
        shutil.rmtree(held, ignore_errors=True)
        log(f"[{users}] generating ...")
        res["generate"] = run_measured(
            [
                PYTHON,
                "-m",
                "sample_data.generate",
                "--out",
                str(raw),
                "--users",
                str(users),
                "--days",
                str(days),
                "--seed",
                str(seed),
                "--quiet",
            ],
            log=base / "generate.log",
        )
        if res["generate"]["rc"] != 0:
            raise RuntimeError(f"generation failed, see {base / 'generate.log'}")
        (raw / ".complete").touch()
        (base / "generate.json").write_text(json.dumps(res["generate"]))
    # put back anything held back by an interrupted run
    if held.exists():
        for f in held.rglob("*.*"):
            dest = raw / f.relative_to(held)
            dest.parent.mkdir(parents=True, exist_ok=True)
            f.replace(dest)
        shutil.rmtree(held)
    res.update(zone_size(raw))
    res["raw_rows"] = truth_row_counts(raw)

    if generate_only:
        res["load_after"] = loadavg()
        res["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return res

    if grouping_only:
        warehouse = base / "warehouse.duckdb"
        warehouse.unlink(missing_ok=True)
        log(f"[{users}] building the grouping inputs ...")
        res["grouping_inputs"] = dbt_build(
            raw, warehouse, base / "target_grouping", full=True, select="+int_risk__graph_edges"
        )
        log(f"[{users}] grouping inputs {res['grouping_inputs']['seconds']} s")
        res["grouping"] = step_grouping_measured(warehouse, base, reps)
        res["load_after"] = loadavg()
        res["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return res

    return measure_zone(base, res, reps, log)


def landed_files(raw: Path) -> list[Path]:
    """The delivered files of a zone (its systems' folders; `_truth/` and markers aside)."""
    return [p for s in SYSTEMS for p in (raw / s).rglob("*.*")]


def zone_size(raw: Path) -> dict:
    files = landed_files(raw)
    return {"files": len(files), "zone_bytes": sum(p.stat().st_size for p in files)}


def zone_dir(work: Path, zone: Path) -> Path:
    """The bench's folder for a zone made elsewhere: its mirror, warehouse and logs."""
    return work / f"zone_{zone.resolve().name}"


def truth_row_counts(raw: Path) -> dict | None:
    """Raw records per table from the generator's `_truth/row_counts.csv` (None for a zone that has
    no ground truth: the warehouse's load reconciliation counts them after the build)."""
    truth = raw / "_truth" / "row_counts.csv"
    if not truth.exists():
        return None
    counts = truth.read_text().split()[1:]
    return {line.split(",")[0]: int(line.split(",")[1]) for line in counts}


def link_zone(zone: Path, raw: Path) -> int:
    """Mirror a landing zone into `raw` with hard links (a copy where linking fails), so holding
    back its last hour moves links in the bench's folder and never touches the zone itself."""
    shutil.rmtree(raw, ignore_errors=True)
    linked = 0
    for source in sorted(zone.rglob("*")):
        if not source.is_file():
            continue
        dest = raw / source.relative_to(zone)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, dest)
        except OSError:
            shutil.copy2(source, dest)
        linked += 1
    return linked


def warehouse_scale(warehouse: Path) -> dict:
    """Users, days and raw records of a built warehouse: the scale of a zone not generated here."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        (users,) = con.execute("select count(*) from marts.dim_users").fetchone()
        (days,) = con.execute(
            "select date_diff('day', first_activity_date, last_activity_date) + 1"
            " from intermediate.int_platform__data_window"
        ).fetchone()
        rows = con.execute(
            "select source_table, raw_rows from audit.load_reconciliation"
        ).fetchall()
    return {"users": users, "days": days, "raw_rows": {table: n for table, n in rows}}


def run_zone(zone: Path, work: Path, reps: int, log=print) -> dict:
    """The measurements of run_scale (steps 2-6) on a landing zone made elsewhere (`--zone`)."""
    base = zone_dir(work, zone)
    raw = base / "raw"
    base.mkdir(parents=True, exist_ok=True)
    res: dict = {
        "zone": str(zone.resolve()),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_before": loadavg(),
        "duckdb_memory_limit": os.environ.get("DUCKDB_MEMORY_LIMIT"),
    }
    log(f"[{zone}] linking {link_zone(zone, raw)} files ...")
    res.update(zone_size(raw))
    res["raw_rows"] = truth_row_counts(raw)
    res = measure_zone(base, res, reps, log)
    scale = warehouse_scale(base / "warehouse.duckdb")
    res["users"], res["days"] = scale["users"], scale["days"]
    if res["raw_rows"] is None:  # no ground truth: what the load reconciliation counted
        res["raw_rows"] = scale["raw_rows"]
    return res


def measure_zone(base: Path, res: dict, reps: int, log=print) -> dict:
    """Steps 2-6 on the zone in `base / "raw"`: hold back its last hour, the floor, a full rebuild,
    the T+hours refresh with the held-back hour, the grouping step."""
    raw, held = base / "raw", base / "held_back"
    files = [str(p.relative_to(raw)) for p in landed_files(raw)]
    users = res.get("users", base.name)

    # 2. hold back the last delivery hour
    last, last_files = last_delivery(files)
    res["held_back"] = {
        "batch": last,
        "files": len(last_files),
        "bytes": sum((raw / f).stat().st_size for f in last_files),
    }
    for f in last_files:
        (held / f).parent.mkdir(parents=True, exist_ok=True)
        (raw / f).replace(held / f)

    # 3. floor (on the same files the full rebuild reads)
    log(f"[{users}] floor ...")
    floor_json = base / "floor.json"
    res["floor"] = run_measured(
        [
            PYTHON,
            __file__,
            "floor",
            "--raw",
            str(raw),
            "--db",
            str(base / "floor.duckdb"),
            "--json",
            str(floor_json),
        ],
        log=base / "floor.log",
    )
    res["floor"]["tables"] = json.loads(floor_json.read_text()) if floor_json.exists() else {}

    # 4. full rebuild, from nothing: no warehouse, and no risk-model files or cached scores
    # (they live in `models/` beside the warehouse)
    warehouse = base / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    shutil.rmtree(base / "models", ignore_errors=True)
    log(f"[{users}] full rebuild ...")
    res["full"] = dbt_build(raw, warehouse, base / "target_full", full=True)
    log(f"[{users}] full rebuild {res['full']['seconds']} s rc={res['full']['rc']}")

    # 5. T+hours refresh: the held-back hour lands
    for f in last_files:
        (held / f).replace(raw / f)
    shutil.rmtree(held, ignore_errors=True)
    # as `make refresh` runs it: dagster-dbt copies the project's partial_parse.msgpack into each
    # invocation's target, so a refresh does not parse the project again
    (base / "target_refresh").mkdir(parents=True, exist_ok=True)
    parsed = base / "target_full" / "partial_parse.msgpack"
    if parsed.exists():
        shutil.copy(parsed, base / "target_refresh" / "partial_parse.msgpack")
    log(f"[{users}] refresh ...")
    res["refresh"] = dbt_build(raw, warehouse, base / "target_refresh", full=False)
    log(f"[{users}] refresh {res['refresh']['seconds']} s rc={res['refresh']['rc']}")

    # 6. grouping
    log(f"[{users}] grouping ...")
    res["grouping"] = step_grouping_measured(warehouse, base, reps)
    res["load_after"] = loadavg()
    res["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return res


# ---------------------------------------------------------------------------- report
def derived(res: dict) -> dict:
    """The ratios of one scale factor."""
    g = res.get("grouping", {})
    return {
        "full_over_floor": ratio(
            res.get("full", {}).get("seconds"), res.get("floor", {}).get("seconds")
        ),
        "refresh_over_full": ratio(
            res.get("refresh", {}).get("seconds"), res.get("full", {}).get("seconds")
        ),
        "grouping_over_scipy": ratio(g.get("group_users_s"), g.get("scipy_s")),
        "peak_gb": max(
            (res.get(k, {}).get("peak_rss") or 0) for k in ("full", "refresh", "grouping_inputs")
        )
        / 2**30,
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("dbt-core", "dbt-duckdb", "duckdb", "numpy", "scipy", "pyarrow"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    with contextlib.suppress(OSError, ValueError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": fmt_gb(mem),
        "os": platform.platform(),
    }


def render_markdown(meta: dict, results: list[dict]) -> str:
    results = sorted(results, key=lambda r: r["users"])
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py` (`make bench`); not part of `make test`. Ratios are the figures",
        "to compare across machines; seconds depend on this machine and on its load (the load",
        "average before and after each scale factor is recorded: the machine may be shared).",
        "",
        f"- date: {meta['date']}",
        f"- commit: `{meta['commit']}`",
        f"- machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, "
        f"{meta['machine']['memory']} RAM, {meta['machine']['os']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
        "- dbt: the scheduled jobs' `dbt build` (seeds, models, data tests; unit tests run in CI), "
        "profile `dev`, 2 threads",
        "",
        "## Per scale factor",
        "",
        "| users x days | zone | files | generation | floor (read) | full rebuild | refresh "
        "(T+1 hour) | grouping vs SciPy | peak memory gen / build / refresh | load before -> after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "full" not in r:
            gen, g = r.get("generate", {}), r.get("grouping", {})
            inputs = r.get("grouping_inputs")
            grouping = (
                f"{g.get('group_users_s', 0) * 1000:,.0f} ms vs {g.get('scipy_s', 0) * 1000:,.0f} ms "
                f"({g.get('edges', 0):,} edges)"
                if g.get("scipy_s")
                else ""
            )
            what = (
                f"grouping inputs only: {fmt_s(inputs.get('seconds'))}"
                if inputs
                else "generation only"
            )
            lines.append(
                f"| {row_label(r)} | {r['zone_bytes'] / 2**30:.2f} GB, "
                f"{sum(r['raw_rows'].values()):,} rows | {r['files']:,} | "
                f"{fmt_s(gen.get('seconds'))} | {what} | | | {grouping} | "
                f"{fmt_gb(gen.get('peak_rss'))} / "
                f"{fmt_gb(inputs.get('peak_rss')) if inputs else '-'} / - | "
                f"{r.get('load_before')} -> {r.get('load_after')} |"
            )
            continue
        g = r.get("grouping", {})
        gen, full, ref = r.get("generate", {}), r.get("full", {}), r.get("refresh", {})
        lines.append(
            f"| {row_label(r)} | {r['zone_bytes'] / 2**30:.2f} GB, "
            f"{sum(r['raw_rows'].values()):,} rows | {r['files']:,} | {fmt_s(gen.get('seconds'))} "
            f"| {fmt_s(r.get('floor', {}).get('seconds'))} | {fmt_s(full.get('seconds'))} "
            f"(models {fmt_s(full.get('model_seconds'))}, tests {fmt_s(full.get('test_seconds'))}) "
            f"| {fmt_s(ref.get('seconds'))} | "
            f"{g.get('group_users_s', 0) * 1000:,.0f} ms vs {g.get('scipy_s', 0) * 1000:,.0f} ms "
            f"({g.get('edges', 0):,} edges) | {fmt_gb(gen.get('peak_rss'))} / "
            f"{fmt_gb(full.get('peak_rss'))} / {fmt_gb(ref.get('peak_rss'))} "
            f"| {r.get('load_before')} -> {r.get('load_after')} |"
        )
    lines += [
        "",
        "## Ratios and targets",
        "",
        "| users | full ÷ floor (≤ 15) | refresh ÷ full (≤ 0.10) | grouping ÷ SciPy (≤ 1.5) "
        "| peak memory (< 8 GB) |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        if "full" not in r and not r.get("grouping", {}).get("scipy_s"):
            continue
        d = derived(r)
        lines.append(
            f"| {scale_label(r['users'])} | {fmt_ratio(d['full_over_floor'], 1)} | "
            f"{fmt_ratio(d['refresh_over_full'])} | "
            f"{fmt_ratio(d['grouping_over_scipy'])} | {d['peak_gb']:.2f} GB"
            + (
                f" (DUCKDB_MEMORY_LIMIT={r['duckdb_memory_limit']})"
                if r.get("duckdb_memory_limit")
                else ""
            )
            + " |"
        )
    scaling = []
    for key, label in (
        ("generate", "generation"),
        ("floor", "floor"),
        ("full", "full rebuild"),
        ("refresh", "refresh"),
        ("grouping", "grouping step"),
    ):
        field = "group_users_s" if key == "grouping" else "seconds"
        have = [r for r in results if r.get(key, {}).get(field)]
        by_users = {r["users"]: r for r in have}
        if 50_000 in by_users and 500_000 in by_users:  # the ratio when both exist
            have = [by_users[50_000], by_users[500_000]]
        if len(have) >= 2:
            lo, hi = have[0], have[-1]
            scaling.append(
                f"| {label} | {scale_label(lo['users'])} -> {scale_label(hi['users'])} | "
                f"{fmt_ratio(ratio(hi['zone_bytes'], lo['zone_bytes']), 1)} | "
                f"{fmt_ratio(ratio(hi[key][field], lo[key][field]), 1)} | "
                f"{fmt_ratio(ratio(hi[key].get('peak_rss'), lo[key].get('peak_rss')), 1)} |"
            )
    if scaling:
        lines += [
            "",
            f"## Scaling (target: cost at 500k ≤ {LINEAR_TARGET:g}x cost at 50k, data x10)",
            "",
            "| step | scale factors | data x | cost x | peak memory x |",
            "|---|---|---|---|---|",
            *scaling,
        ]
    built = [r for r in results if r.get("full", {}).get("models")]
    largest = built[-1] if built else None
    if largest and largest.get("full", {}).get("models"):
        floor_tables = largest.get("floor", {}).get("tables", {})
        models = {m[1]: m[2] for m in largest["full"]["models"]}
        lines += [
            "",
            f"## Reading: base models vs the floor ({scale_label(largest['users'])} users)",
            "",
            "The base model parses, types and validates every record; the floor only "
            "reads. CSV base models parse the file text with regular expressions "
            "(see the README of this folder).",
            "",
            "| table | format | rows | floor | base model | ratio |",
            "|---|---|---|---|---|---|",
        ]
        for name, t in floor_tables.items():
            system, table = name.split("/")
            m = models.get(f"base_{system}__{table}")
            lines.append(
                f"| {name} | {t['format']} | {t['rows']:,} | {t['seconds']:.2f} s | "
                f"{'n/a' if m is None else f'{m:.2f} s'} | {fmt_ratio(ratio(m, t['seconds']), 1)} |"
            )
        groups = {}
        for key in ("full", "refresh"):
            for _, name, seconds in largest.get(key, {}).get("models", []):
                group = model_group(name)
                groups.setdefault(group, {"full": 0.0, "refresh": 0.0})[key] += seconds
        lines += [
            "",
            f"## Model time by group ({scale_label(largest['users'])} users; sums over 2 threads)",
            "",
            "| group | full rebuild | refresh | refresh ÷ full |",
            "|---|---|---|---|",
        ]
        for group, t in sorted(groups.items(), key=lambda g: -g[1]["full"]):
            lines.append(
                f"| {group} | {t['full']:,.1f} s | {t['refresh']:,.1f} s | "
                f"{fmt_ratio(ratio(t['refresh'], t['full']))} |"
            )
        for key, label in (("full", "full rebuild"), ("refresh", "refresh")):
            ms = largest.get(key, {}).get("models", [])[:12]
            lines += [
                "",
                f"## Slowest models, {label} ({scale_label(largest['users'])} users)",
                "",
                "| model | seconds |",
                "|---|---|",
            ]
            lines += [f"| {m[1]} | {m[2]:.1f} |" for m in ms]
    failures = {
        scale_label(r["users"]): [
            f for f in r.get(k, {}).get("failures") if not f.startswith("exposure.")
        ]
        for r in results
        for k in ("full", "refresh")
        if any(not f.startswith("exposure.") for f in r.get(k, {}).get("failures") or [])
    }
    if failures:
        lines += ["", "## Failed nodes", ""] + [
            f"- {k}: {', '.join(v[:10])}" for k, v in failures.items()
        ]
    lines += ["", "`make test` and `make demo` are timed separately (not by this script).", ""]
    return "\n".join(lines)


def write_report(work: Path, out: Path) -> None:
    store = work / "results.json"
    results = json.loads(store.read_text()) if store.exists() else []
    # BENCH_COMMIT: the commit of a source snapshot (git archive) benchmarked outside the repo
    commit = (
        os.environ.get("BENCH_COMMIT")
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    )
    meta = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "machine": machine(),
        "versions": versions(),
    }
    out.write_text(render_markdown(meta, results))
    if (out.parent / "results.json").resolve() != store.resolve():
        (out.parent / "results.json").write_text(
            json.dumps({"meta": meta, "results": results}, indent=1, default=str)
        )


def result_key(res: dict) -> tuple:
    return res["users"], res["days"], res.get("zone")


def store_result(
    work: Path, res: dict, generate_only: bool = False, grouping_only: bool = False
) -> None:
    """Keep one result per scale (or zone) in `<work>/results.json`, the newest."""
    store = work / "results.json"
    results = json.loads(store.read_text()) if store.exists() else []
    keep = [r for r in results if result_key(r) != result_key(res)]
    old = [r for r in results if result_key(r) == result_key(res)]
    if old and generate_only:  # keep an earlier full measurement of the same scale
        res = {**old[0], "generate": res["generate"]}
    elif old and grouping_only:  # keep the rest of an earlier measurement
        res = {**old[0], **{k: res[k] for k in ("grouping_inputs", "grouping")}}
    store.write_text(json.dumps(keep + [res], indent=1))


def drop_zone_copy(base: Path) -> None:
    shutil.rmtree(base / "raw", ignore_errors=True)
    (base / "warehouse.duckdb").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="step")
    f = sub.add_parser("floor")
    f.add_argument("--raw", type=Path, required=True)
    f.add_argument("--db", type=Path, required=True)
    f.add_argument("--json", type=Path, required=True)
    g = sub.add_parser("grouping")
    g.add_argument("--warehouse", type=Path, required=True)
    g.add_argument("--reps", type=int, default=21)
    g.add_argument("--json", type=Path, required=True)
    p.add_argument("--scales", default="50k,200k,500k")
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--work", type=Path, default=REPO / "data" / "bench")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results.md")
    p.add_argument("--reps", type=int, default=21)
    p.add_argument("--reuse", action="store_true", help="reuse a zone generated earlier")
    p.add_argument("--keep", action="store_true", help="keep zones and warehouses")
    p.add_argument("--render-only", action="store_true")
    p.add_argument(
        "--zone",
        type=Path,
        help="measure a landing zone made elsewhere (any zone that honours the contract) instead "
        "of generating one; the zone itself is not changed",
    )
    p.add_argument(
        "--generate-only", action="store_true", help="only generate (time and peak memory)"
    )
    p.add_argument(
        "--grouping-only",
        action="store_true",
        help="generate (or --reuse), build only the grouping inputs, measure the grouping step",
    )
    a = p.parse_args(argv)
    if a.step == "floor":
        step_floor(a.raw, a.db, a.json)
        return 0
    if a.step == "grouping":
        step_grouping(a.warehouse, a.reps, a.json)
        return 0
    a.work.mkdir(parents=True, exist_ok=True)
    if a.zone is not None and not a.render_only:
        res = run_zone(a.zone, a.work, a.reps, log=lambda m: print(m, flush=True))
        store_result(a.work, res)
        write_report(a.work, a.out)
        if not a.keep:
            drop_zone_copy(zone_dir(a.work, a.zone))
    elif not a.render_only:
        for users in parse_scales(a.scales):
            res = run_scale(
                users,
                a.days,
                a.seed,
                a.work,
                a.reps,
                a.reuse,
                log=lambda m: print(m, flush=True),
                generate_only=a.generate_only,
                grouping_only=a.grouping_only,
            )
            store_result(a.work, res, generate_only=a.generate_only, grouping_only=a.grouping_only)
            write_report(a.work, a.out)
            if not a.keep:
                drop_zone_copy(a.work / f"u{users}_d{a.days}_s{a.seed}")
    write_report(a.work, a.out)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
