"""A throw-away PgBouncer in transaction mode in front of the suite's PostgreSQL server, from
Debian's ``pgbouncer`` package: the pooler docs/scaling.md (step 3) puts in front of the
database. By default one server connection a database, so any two client connections share
it and whatever one leaves on the server (a prepared statement) the other meets.

PgBouncer refuses to run as root, so under root (CI) it runs as the ``postgres`` user, as the
server does (:mod:`tests.support.pg`).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.pg import PostgresServer, _free_port


def find_pgbouncer() -> Path | None:
    """Return the pgbouncer executable, if installed (Debian puts it in /usr/sbin)."""
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
    return Path(found) if found else None


class PgBouncer:
    def __init__(self, server: PostgresServer, executable: Path, *, pool_size: int = 1) -> None:
        self.server, self.executable, self.pool_size = server, executable, pool_size
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="ocop-pgbouncer-"))
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Write the configuration, start PgBouncer and wait until it listens."""
        (self.root / "users.txt").write_text('"postgres" ""\n')
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.server.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.root / 'users.txt'}\n"
            # A client waits at most 10 s for the server connection (a test that leaves a
            # transaction open fails in 10 s, not PgBouncer's default 120).
            f"pool_mode = transaction\ndefault_pool_size = {self.pool_size}\nquery_wait_timeout = 10\n"
            f"logfile = {self.root / 'log'}\npidfile = {self.root / 'pid'}\n"
        )
        command = [str(self.executable), str(self.root / "pgbouncer.ini")]
        if self.server.user:
            shutil.chown(self.root, user=self.server.user)
            for path in self.root.iterdir():
                shutil.chown(path, user=self.server.user)
            command = ["runuser", "-u", self.server.user, "--", *command]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self._process.poll() is not None:
                break
            time.sleep(0.1)
        log = self.root / "log"
        raise RuntimeError(f"PgBouncer did not start: {log.read_text() if log.exists() else 'no log'}")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            if self._process is not None:
                self._process.terminate()
                self._process.wait(timeout=10)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
