"""make_engine on PostgreSQL: a server that does not answer is an error within seconds, and
a URL's own libpq timeouts win over the defaults."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

from tests.support.pg import PostgresServer
from traceability import make_engine
from traceability.db import NETWORK_TIMEOUTS


@pytest.fixture
def silent_host() -> Iterator[str]:
    """A URL whose host takes connections (the kernel completes them) and never answers: a
    server frozen, or an address that is not PostgreSQL's."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"postgresql://ocop@127.0.0.1:{listener.getsockname()[1]}/ocop"


def test_a_host_that_never_answers_is_an_error_not_a_hang(silent_host: str) -> None:
    engine = make_engine(silent_host)
    began = time.monotonic()
    with pytest.raises(OperationalError, match="timeout"):
        engine.connect()
    # Without the timeout libpq waits for this socket for as long as the host keeps it open.
    assert time.monotonic() - began < NETWORK_TIMEOUTS["connect_timeout"] + 5
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"connect_timeout": "3", "tcp_user_timeout": "5000"}),
        ("?connect_timeout=10", {"connect_timeout": "10"}),
    ],
)
def test_the_timeouts_reach_libpq(pg_server: PostgresServer, query: str, expected: dict[str, str]) -> None:
    engine = make_engine(pg_server.url() + query)
    with engine.connect() as connection:
        parameters = connection.connection.driver_connection.info.get_parameters()  # type: ignore[union-attr]
    engine.dispose()
    assert {name: parameters.get(name) for name in expected} == expected
    assert parameters.get("tcp_user_timeout") == "5000"
