"""One writer at a time: a second writer waits (or skips) with a clear message, never DuckDB's raw
lock error, and a writer killed with SIGKILL leaves nothing locked."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR
from orchestration_fixtures import orchestration_paths, wait_for  # noqa: F401 (fixtures)

from orchestration.writer_lock import WarehouseBusy, WriterLock, wait_until_openable

HOLD = """
import sys, time
from pathlib import Path
from orchestration.writer_lock import WriterLock
with WriterLock(Path(sys.argv[1])).hold({"job": "t_plus_1", "run_id": "abcdef1234"}, 0):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_in_another_process(lock: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock), str(seconds)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "holding"
    return process


def test_a_second_writer_waits_and_says_for_whom(tmp_path):
    lock = WriterLock(tmp_path / "warehouse.duckdb.lock")
    holder = hold_in_another_process(lock.path, 1.5)
    messages: list[str] = []
    started = time.monotonic()
    with lock.hold(
        {"job": "t_plus_hours"}, wait_seconds=30, on_wait=messages.append, poll_seconds=0.1
    ):
        waited = time.monotonic() - started
        assert lock.holder()["job"] == "t_plus_hours"
    holder.wait(timeout=10)
    assert waited >= 1.0
    assert len(messages) == 1
    assert "t_plus_1" in messages[0] and "run abcdef12" in messages[0] and "waiting" in messages[0]


def test_a_writer_told_not_to_wait_is_skipped_with_the_holder_named(tmp_path):
    lock = WriterLock(tmp_path / "warehouse.duckdb.lock")
    holder = hold_in_another_process(lock.path, 30)
    try:
        assert lock.is_held()
        with (
            pytest.raises(WarehouseBusy, match="t_plus_1.*not waiting"),
            lock.hold({"job": "t_plus_hours"}, wait_seconds=0),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_sigkill_releases_the_lock(tmp_path):
    lock = WriterLock(tmp_path / "warehouse.duckdb.lock")
    holder = hold_in_another_process(lock.path, 300)
    assert lock.is_held()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    with lock.hold({"job": "t_plus_hours"}, wait_seconds=5, poll_seconds=0.1):
        pass
    assert time.monotonic() - started < 1


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    lock = WriterLock(tmp_path / "warehouse.duckdb.lock")
    with lock.hold({"job": "make refresh"}, wait_seconds=0):
        with WriterLock(tmp_path / "warehouse.duckdb.lock").hold({"job": "run"}, wait_seconds=0):
            assert lock.is_held()
        assert lock.is_held()
    assert not lock.is_held()


def test_waits_for_a_duckdb_file_another_process_has_open(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(database)).close()
    opener = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " time.sleep(1.5); c.close()",
            str(database),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert opener.stdout.readline().strip() == "open"
    messages: list[str] = []
    wait_until_openable(database, wait_seconds=30, on_wait=messages.append, poll_seconds=0.1)
    opener.wait(timeout=10)
    assert len(messages) == 1 and "open in another process" in messages[0]
    duckdb.connect(str(database)).close()  # and it is ours now


def cli(command: list[str], environment: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *command],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_refresh_skips_or_gives_up_with_a_message_never_a_lock_error(
    orchestration_paths,  # noqa: F811
):
    environment = {**os.environ, "WAREHOUSE_LOCK_WAIT_SECONDS": "1"}
    lock_path = Path(f"{environment['WAREHOUSE_PATH']}.lock")
    holder = hold_in_another_process(lock_path, 60)
    try:
        skipped = cli(["refresh", "--skip-if-busy"], environment)
        assert skipped.returncode == 0, skipped.stderr
        assert "Skipped: The warehouse is being written by t_plus_1" in skipped.stderr
        waited = cli(["refresh"], environment)
        assert waited.returncode == 75, waited.stderr
        assert "waiting for it to finish" in waited.stderr
        assert "Not run:" in waited.stderr and "gave up after waiting 1s" in waited.stderr
        for result in (skipped, waited):
            assert "Could not set lock" not in result.stderr + result.stdout
    finally:
        holder.kill()
        holder.wait()
    assert wait_for(lambda: not WriterLock(lock_path).is_held(), timeout=5)


HANG = """
import signal, sys, time
from pathlib import Path
from orchestration.watchdog import deadline
from orchestration.writer_lock import WriterLock
if sys.argv[3] == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stands for a process stuck in native code
else:
    # An ignored signal is inherited: run in the background (SIGINT ignored, as under nohup), an
    # earlier test's Dagster schedule evaluation gives SIGTERM the SIGINT handler in pytest itself.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
with WriterLock(Path(sys.argv[1])).hold({"job": "t_plus_hours"}, 0):
    with deadline(1.0, "T+hours (t_plus_hours)", grace_seconds=1.0):
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    time.sleep(2.5)  # past the deadline: a finished block's watchdog must be gone
print("done", flush=True)
"""


@pytest.mark.parametrize(
    "how, sleep_seconds, expected_returncode",
    [
        ("default", 60, -signal.SIGTERM),
        ("ignore-term", 60, -signal.SIGKILL),
        ("default", 0.2, 0),
    ],
)
def test_a_run_past_its_max_runtime_is_stopped_and_frees_the_lock(
    tmp_path, how, sleep_seconds, expected_returncode
):
    """`make refresh` runs without Dagster's daemon: its watchdog process stops a hung run (SIGTERM,
    SIGKILL if that is ignored), the kernel frees the writer lock, and a run that ends in time is
    left alone."""
    lock = WriterLock(tmp_path / "warehouse.duckdb.lock")
    process = subprocess.Popen(
        [sys.executable, "-c", HANG, str(lock.path), str(sleep_seconds), how],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == expected_returncode, stderr
    assert stdout.startswith("holding")
    if expected_returncode:
        assert "outlived its max runtime (1 s)" in stderr
    else:
        assert "done" in stdout and "outlived" not in stderr
    assert not lock.is_held()
