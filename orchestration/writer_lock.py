"""One writer at a time: DuckDB lets one process write a database file, so every build of the
warehouse (a Dagster run, `make refresh`, `make rebuild`) first takes an exclusive file lock next
to it and says who holds it. A second writer waits (or, where asked, skips) with a clear message
instead of failing on DuckDB's own lock error.

The lock is `flock` on `<WAREHOUSE_PATH>.lock`: the kernel releases it when its holder dies, even
by SIGKILL, so a killed build never leaves the warehouse locked. The holder writes who it is (job,
run, pid, since) into the file for the waiting side to print.
"""

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# Locks this process holds, by path: a run started by `make refresh` (which took the lock to wait
# or skip before starting it) takes it again without blocking on itself.
_HELD_HERE: dict[Path, int] = {}


class WarehouseBusy(RuntimeError):
    """Another writer holds the warehouse and we were told not to wait (longer)."""


def describe(holder: dict | None) -> str:
    if not holder:
        return "another writer (unknown)"
    parts = [holder.get("job") or "a build"]
    if holder.get("run_id"):
        parts.append(f"run {holder['run_id'][:8]}")
    if holder.get("pid"):
        parts.append(f"pid {holder['pid']} on {holder.get('host', '?')}")
    if holder.get("since"):
        parts.append(f"since {holder['since']}")
    return ", ".join(parts)


class WriterLock:
    def __init__(self, path: Path):
        self.path = Path(path)

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)

    def holder(self) -> dict | None:
        """Who holds the lock, as they wrote it (best effort)."""
        try:
            return json.loads(self.path.read_text() or "null")
        except (OSError, ValueError):
            return None

    def is_held(self) -> bool:
        """Whether some writer (this process included) holds the lock now."""
        if _HELD_HERE.get(self.path.resolve()):
            return True
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(descriptor)  # closing releases a lock we may just have taken
        return False

    @contextlib.contextmanager
    def hold(
        self,
        owner: dict,
        wait_seconds: float,
        on_wait: Callable[[str], None] = print,
        poll_seconds: float = 1.0,
    ) -> Iterator[None]:
        """Hold the lock for the block. Waits up to `wait_seconds` (0: do not wait) for another
        holder, telling `on_wait` who it is, then raises WarehouseBusy. Re-entrant in a process."""
        key = self.path.resolve()
        if _HELD_HERE.get(key):
            _HELD_HERE[key] += 1
            try:
                yield
            finally:
                _HELD_HERE[key] -= 1
            return
        descriptor = self._open()
        try:
            deadline = time.monotonic() + wait_seconds
            announced = None
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = describe(self.holder())
                    if time.monotonic() >= deadline:
                        raise WarehouseBusy(
                            f"The warehouse is being written by {holder}; "
                            + (
                                "not waiting (skipped)."
                                if wait_seconds <= 0
                                else f"gave up after waiting {wait_seconds:.0f}s."
                            )
                        ) from None
                    if holder != announced:
                        on_wait(
                            f"The warehouse is being written by {holder}; waiting for it to finish "
                            f"(up to {wait_seconds:.0f}s, lock {self.path})."
                        )
                        announced = holder
                    time.sleep(poll_seconds)
            record = {
                **owner,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, json.dumps(record).encode(), 0)
            _HELD_HERE[key] = 1
            try:
                yield
            finally:
                del _HELD_HERE[key]
                os.ftruncate(descriptor, 0)
        finally:
            os.close(descriptor)  # releases the lock


def wait_until_openable(
    database: Path,
    wait_seconds: float,
    on_wait: Callable[[str], None] = print,
    poll_seconds: float = 1.0,
) -> None:
    """Wait until no other process has the DuckDB file open (a dbt started outside the lock, an
    analyst's session, a build that is still dying), then return. Opening it read-write also
    replays the log of a build that was killed, so the next build starts from a clean file."""
    if not Path(database).exists():
        return
    deadline = time.monotonic() + wait_seconds
    announced = False
    while True:
        try:
            duckdb.connect(str(database)).close()
            return
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{database} is still open in another process after {wait_seconds:.0f}s: {error}"
                ) from None
            if not announced:
                on_wait(
                    f"{database} is open in another process; waiting for it to close ({error})."
                )
                announced = True
            time.sleep(poll_seconds)
