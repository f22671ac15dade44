"""The test PostgreSQL server never outlives a test run that was killed from outside."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from tests.pg import require_postgres

ROOT = Path(__file__).resolve().parents[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_run_leaves_no_server_behind() -> None:
    require_postgres()
    # A directory of its own (readable by the server's user when run as root) so the child's
    # server is the only one in it.
    own_tmp = Path(tempfile.mkdtemp(prefix="o2c-watchdog-"))
    own_tmp.chmod(0o755)
    script = textwrap.dedent(
        """
        import tempfile, time
        from pathlib import Path
        from tests.pg import postgres_server
        with postgres_server() as url:
            (pid,) = Path(tempfile.gettempdir()).glob("o2c-pg-*/data/postmaster.pid")
            print(pid.read_text().split()[0], pid.parent.parent, flush=True)
            time.sleep(600)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(own_tmp)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        assert len(line) == 2, f"the child did not start a server: {line!r}"
        server_pid, directory = int(line[0]), Path(line[1])
        assert _alive(server_pid)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        deadline = time.monotonic() + 60
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _alive(server_pid), "the server outlived the killed test run"
        while directory.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not directory.exists(), f"{directory} was left behind"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
        shutil.rmtree(own_tmp, ignore_errors=True)
