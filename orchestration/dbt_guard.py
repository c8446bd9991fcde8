"""Exec dbt with the parent-death signal set (Linux `prctl(PR_SET_PDEATHSIG, SIGKILL)`).

Dagster starts dbt as a child process. If the Dagster process is killed (SIGKILL, OOM), a plain
child would go on writing to the warehouse as an orphan while the writer lock (held by the dead
parent) is already free. With the parent-death signal the kernel kills dbt too; DuckDB rolls back
its unfinished transaction on the next open. Elsewhere than Linux dbt is exec'd as is.
"""

import ctypes
import os
import signal
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PR_SET_PDEATHSIG = 1


def main() -> None:
    beside = Path(sys.executable).with_name("dbt")
    dbt = os.environ.get("WAREHOUSE_DBT_EXECUTABLE") or (str(beside) if beside.exists() else "dbt")
    if sys.argv[1:] == ["--version"]:
        # dagster-dbt asks for the version on every run; `dbt --version` would also ask PyPI for
        # the latest release (seconds, and a hang without network). The installed one is enough.
        try:
            print(f"Core:\n  - installed: {version('dbt-core')}")
            return
        except PackageNotFoundError:
            pass
    if sys.platform.startswith("linux"):
        parent = os.getppid()
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was set
            sys.exit(f"dbt guard: the process that started dbt ({parent}) is gone")
    os.execvp(dbt, [dbt, *sys.argv[1:]])


if __name__ == "__main__":
    main()
