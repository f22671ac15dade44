"""A throwaway PostgreSQL 15 server for the tests: started once per session, always stopped.

The server runs from the machine's binaries (``/usr/lib/postgresql/15/bin``, or
``$O2C_PG_BIN``) on a fresh data directory in a temporary directory, listening on 127.0.0.1 on
a free port, with trust authentication for the superuser ``o2c`` and durability switched off
(fsync is not what the tests are about).  PostgreSQL refuses to run as root, so as root the
server runs as the unprivileged ``postgres`` user (``runuser``).  Without binaries the tests
skip with a loud reason, unless ``O2C_REQUIRE_POSTGRES=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("O2C_PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = os.environ.get("O2C_PG_USER", "postgres")
_counter = itertools.count()


def require_postgres() -> Path:
    """The binaries' directory; skips (or fails when ``O2C_REQUIRE_POSTGRES=1``) without them."""
    missing = [b for b in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / b).exists()]
    if missing:
        reason = (
            f"PostgreSQL TESTS NOT RUN: no {', '.join(missing)} in {PG_BIN} "
            "(install postgresql-15 or set O2C_PG_BIN)"
        )
        if os.environ.get("O2C_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + "; O2C_REQUIRE_POSTGRES=1 demands them", pytrace=False)
        pytest.skip(reason)
    return PG_BIN


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _prefix(tmp: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam(RUN_AS)
    except KeyError:
        pytest.fail(
            f"PostgreSQL refuses to run as root and there is no user {RUN_AS!r} to run it as: "
            "create one (useradd) or set O2C_PG_USER",
            pytrace=False,
        )
    os.chown(tmp, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", RUN_AS, "--"]


def _watchdog(prefix: list[str], bin_dir: Path, data: Path, tmp: Path) -> subprocess.Popen[bytes]:
    """A shell that stops the server if this test process dies without its ``finally`` running.

    A test run killed from outside (SIGKILL, a CI timeout) would otherwise leave a server behind;
    the watchdog polls this process and, once it is gone, stops the server and removes its files.
    """
    pg_ctl = str(bin_dir / "pg_ctl")
    stop = shlex.join([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"])
    script = (
        f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 2; done; "
        f"{stop} >/dev/null 2>&1; rm -rf {shlex.quote(str(tmp))}"
    )
    return subprocess.Popen(
        ["sh", "-c", script],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yields the SQLAlchemy URL of its ``postgres`` database; stops it after."""
    bin_dir = require_postgres()
    tmp = Path(tempfile.mkdtemp(prefix="o2c-pg-"))
    tmp.chmod(0o700)
    prefix = _prefix(tmp)
    data, log = tmp / "data", tmp / "server.log"
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    started = False
    watchdog: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "o2c",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            **run,  # type: ignore[call-overload]
        )
        for _attempt in range(5):
            port = _free_port()
            options = (
                f"-p {port} -h 127.0.0.1 -k {tmp} -F -c full_page_writes=off "
                "-c synchronous_commit=off -c max_connections=60"
            )
            result = subprocess.run(
                [
                    *prefix,
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                check=False,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if result.returncode == 0:
                started = True
                break
        if not started:
            text = log.read_text(errors="replace") if log.exists() else result.stderr
            pytest.fail(f"PostgreSQL did not start:\n{text}", pytrace=False)
        watchdog = _watchdog(prefix, bin_dir, data, tmp)
        yield f"postgresql+psycopg://o2c@127.0.0.1:{port}/postgres"
    finally:
        if watchdog is not None:
            watchdog.terminate()
            watchdog.wait(timeout=30)
        if started:
            subprocess.run(
                [
                    *prefix,
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                check=False,
                capture_output=True,
                timeout=120,
            )
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server (dropped afterwards); yields its URL."""
    import sqlalchemy as sa

    name = f"t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
