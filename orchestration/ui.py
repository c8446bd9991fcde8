"""`make ui`: the Dagster UI and daemon for this code location, stopped cleanly by Ctrl-C.

`dagster dev` runs in a process group of its own, so Ctrl-C in the terminal reaches only this
launcher, which asks `dagster dev` to shut its services down in order (SIGINT), waits for it, then
ends whatever it left behind (code servers, run workers) instead of leaving them to time out.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from orchestration import settings

GRACE_SECONDS = 20


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _end_group(group: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _alive(group):
            return
        os.killpg(group, sig)
        deadline = time.monotonic() + 5
        while _alive(group) and time.monotonic() < deadline:
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.ui", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="3000")
    arguments = parser.parse_args(argv)
    dagster = str(Path(sys.executable).with_name("dagster"))
    command = [dagster, "dev", "-m", "orchestration.definitions"]
    command += ["-h", arguments.host, "-p", str(arguments.port)]
    print(f"Dagster UI on http://{arguments.host}:{arguments.port} (Ctrl-C stops it)", flush=True)
    process = subprocess.Popen(command, cwd=settings.PROJECT_DIR, start_new_session=True)
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            print("\nStopping Dagster...", flush=True)
            process.send_signal(signal.SIGINT)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    process.wait()
    deadline = time.monotonic() + GRACE_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    _end_group(process.pid)
    print("Dagster stopped.", flush=True)
    return 0 if stopping else (process.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
