"""A deadline for a run in this process (`make refresh` / `make rebuild`), kept by another process.

Under the Dagster daemon a job's `dagster/max_runtime` tag fails a run that outlives it; a run in
this process has no daemon. A hung build holds the writer lock, so every later run would wait
behind it: past the deadline the watchdog stops this process (SIGTERM, then SIGKILL), the kernel
releases the lock with it and the next run recovers (orchestration/README.md). The watchdog is a
separate process because a hang can hold this one's GIL (seen once: a DuckDB scan of a Python
generator), where no thread of ours would ever run again.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Run by the watchdog process: argv = watched pid, seconds, grace seconds, label. It gives up as
# soon as the watched process is gone (it is then no longer our parent), so it never signals a
# process that reused the pid.
_WATCH = """
import os, signal, sys, time
watched, seconds, grace, label = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    if os.getppid() != watched:
        sys.exit(0)
    time.sleep(min(1.0, max(deadline - time.monotonic(), 0.01)))
print(f"{label} outlived its max runtime ({seconds:.0f} s): stopping it; the writer lock is "
      "released with the process and the next run recovers.", file=sys.stderr, flush=True)
os.kill(watched, signal.SIGTERM)
stop = time.monotonic() + grace
while time.monotonic() < stop:
    if os.getppid() != watched:
        sys.exit(0)
    time.sleep(0.2)
os.kill(watched, signal.SIGKILL)
"""


@contextmanager
def deadline(seconds: float, label: str, grace_seconds: float = 30.0) -> Iterator[None]:
    """Stops this process if the block is still running after `seconds`."""
    watcher = subprocess.Popen(
        [sys.executable, "-c", _WATCH, str(os.getpid()), str(seconds), str(grace_seconds), label]
    )
    try:
        yield
    finally:
        watcher.kill()
        watcher.wait()
