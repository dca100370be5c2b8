"""A throw-away PostgreSQL server for the test session, from the machine's own binaries.

PostgreSQL refuses to run as root, so under root (CI) the server runs as the ``postgres``
user that Debian's package creates, through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support import require


def find_bindir() -> Path | None:
    """Return the newest PostgreSQL bin directory that has initdb and pg_ctl, if any."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="ocop-pg-"))
        self.data = self.root / "data"
        self.user: str | None = None
        self._durability = "off"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as e:
                raise RuntimeError("running as root and there is no 'postgres' user to run the server") from e
            self.user = "postgres"
            shutil.chown(self.root, user="postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def start(self, *, durable: bool = False) -> None:
        """Initialise and start the server: for tests without durability (fsync and synchronous
        commit off, which the suite does not need), or with ``durable`` as a production server
        runs (fsync, synchronous commit and full page writes on), for benchmarks."""
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"
        )
        self._durability = "on" if durable else "off"
        self.resume()

    def resume(self) -> None:
        """Start the initialised server (again, after :meth:`pause`) and wait until it listens."""
        durability = self._durability
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync={durability} "
            f"-c synchronous_commit={durability} -c full_page_writes={durability} -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start listening")

    def pause(self) -> None:
        """Stop the server, keeping its data, as an outage would (fast: sessions cut off)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @contextmanager
    def frozen(self, *, at_most: float = 30.0) -> Iterator[None]:
        """Stop every process of the server (``SIGSTOP``) for the block, as a server stuck on
        its disk is: connections stay open and the kernel still takes what is sent, but
        nothing answers. They go on after ``at_most`` seconds even if the block has not ended
        (so that a test whose request waits for ever fails instead of hanging)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        processes = [postmaster, *_children(postmaster)]

        def thaw() -> None:
            for pid in processes:
                os.kill(pid, signal.SIGCONT)

        for pid in processes:
            os.kill(pid, signal.SIGSTOP)
        timer = threading.Timer(at_most, thaw)
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            thaw()

    @property
    def log(self) -> Path:
        """The server's log file (written while it runs)."""
        return self.root / "log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _children(parent: int) -> list[int]:
    """The process ids whose parent is ``parent`` (from /proc: no procps needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


@contextmanager
def fresh_database(server: PostgresServer, prefix: str, *, template: str | None = None) -> Iterator[str]:
    """Create a database on ``server`` (a copy of ``template``, or empty) and yield its name;
    drop it afterwards, cutting off any session still on it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        yield name
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def running_server(*, durable: bool = False) -> Iterator[PostgresServer]:
    """Start a server (see :meth:`PostgresServer.start`) and stop it afterwards; skip the test,
    or fail it under CI=true, if PostgreSQL is not installed."""
    bindir = find_bindir()
    require(bindir is not None, "PostgreSQL", "install Debian's 'postgresql' package")
    assert bindir is not None
    server = PostgresServer(bindir)
    server.start(durable=durable)
    try:
        yield server
    finally:
        server.stop()
