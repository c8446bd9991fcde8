"""A deadline for a run in this process (`make refresh` / `make rebuild`), kept by another process.

Under the Dagster daemon a job's `dagster/max_runtime` tag fails a run that outlives it; a run in
this process has no daemon. A hung build holds the writer lock, so every later run would wait
behind it: past the deadline the watchdog stops this process (SIGTERM, then SIGKILL), the kernel
releases the lock with it and the next run recovers (orchestration/README.md). The watchdog is a
separate process because a hang can hold this one's GIL (seen once: a DuckDB scan of a Python
generator), where no thread of ours would ever run again.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def deadline(seconds: float, label: str, grace_seconds: float = 30.0) -> Iterator[None]:
    """Stops this process if the block is still running after `seconds`."""
    # this file run as a script: standard library only, so it starts wherever the run started
    watcher = subprocess.Popen(
        [sys.executable, __file__, str(os.getpid()), str(seconds), str(grace_seconds), label]
    )
    try:
        yield
    finally:
        watcher.kill()
        watcher.wait()


def _watched_ends_within(watched: int, seconds: float) -> bool:
    """Waits up to `seconds`; True as soon as `watched` is gone (it is then no longer our parent,
    so the watchdog never signals a process that reused its pid)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if os.getppid() != watched:
            return True
        time.sleep(min(1.0, max(until - time.monotonic(), 0.01)))
    return os.getppid() != watched


def _watch(watched: int, seconds: float, grace_seconds: float, label: str) -> None:
    if _watched_ends_within(watched, seconds):
        return
    print(
        f"{label} outlived its max runtime ({seconds:.0f} s): stopping it; the writer lock is "
        "released with the process and the next run recovers.",
        file=sys.stderr,
        flush=True,
    )
    os.kill(watched, signal.SIGTERM)
    if not _watched_ends_within(watched, grace_seconds):
        os.kill(watched, signal.SIGKILL)


if __name__ == "__main__":
    _watch(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
