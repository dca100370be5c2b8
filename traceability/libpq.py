"""The verify path's read on PostgreSQL, one libpq call: :class:`.prepared.PreparedRead`'s
statement prepared once per connection under its own name and sent with
``PQsendQueryPrepared`` (psycopg's ``PGconn.send_query_prepared``), its answer waited for as
psycopg waits, the row loaded by psycopg's own loaders.

**Why.** psycopg's ``Cursor.execute`` spends most of a primary-key read in Python around the
one libpq call: converting the query, its prepared-statement bookkeeping, building the
result. Measured (2026-12-02, PostgreSQL 15 on the shared 2-core machine, the verify path's
label read over 3,000 labels, 12 rounds in turns, client thread CPU a read including the
socket's system calls): the cursor 28.7–65.9 µs (median ~40), this module 13.2–20.8 µs
(median ~14.7). A cold verification makes one such read; the server's work is the same.

The answer is waited for with psycopg's own ``Connection.wait``, not libpq's blocking
``PQexecPrepared``, so that the caller's limit on the wait (:mod:`.deadline`) holds here too.
That costs ~5 µs a read (2026-12-02, ``SELECT 1`` prepared, 5,000 calls a round, 3 rounds:
~15 µs blocking against ~20 µs; the label read through :class:`.prepared.PreparedRead`,
7 rounds of 5,000 in 3 runs: 36.4–42.6 µs against 44.3–45.1 µs, the same with and without
a limit set), about 1 % of a cold verification's request thread.

**How it stays what the cursor would give.**

- Parameters travel as text and the statement is prepared without parameter types, so the
  server types each from its place in the query as it would for the cursor, whatever size
  psycopg would have chosen for an ``int``.
- Rows come in psycopg's binary format, loaded by the connection's own loaders (the same
  Python values as its text loaders give: the tests compare with ``Connection.execute``).
- Errors are psycopg's (``psycopg.errors.error_from_result``): the caller raises them as
  SQLAlchemy's, and invalidates a connection that ``is_disconnect`` says is lost.
- A statement that failed is deallocated and prepared again at its next use: a migration
  that changes a table the statement reads (``cached plan must not change result type``)
  costs one failed read per connection, not every read after it.
- An engine made with ``prepared_statements=False`` (behind PgBouncer in transaction mode,
  where a named statement may be on another server connection) runs the statement unnamed
  with ``PQexecParams`` every time: one round trip still, no statement kept.

Limits: only a statement that returns rows; one thread at a time per connection (psycopg's
connection lock is taken, as its cursor does).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from psycopg import Connection as PsycopgConnection
from psycopg import OperationalError, errors, generators, pq
from psycopg.abc import Transformer as Transforming
from psycopg.adapt import PyFormat, Transformer

_PARAMETER = re.compile(r"%\((\w+)\)s|%%")
_TRANSFORMER = "ocop.transformer"  # the key of the connection's kept Transformer in its info


def numbered(sql: str) -> tuple[bytes, list[str]]:
    """Return a ``pyformat`` query (SQLAlchemy's for psycopg) with ``$1``, ``$2``… in place of
    its named parameters (a name used twice is one number), and the names in number order."""
    names: list[str] = []

    def number(found: re.Match[str]) -> str:
        name = found.group(1)
        if name is None:
            return "%"
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAMETER.sub(number, sql).encode(), names


class Statement:
    """One query, run on psycopg connections; prepared once on each (that it is, is kept in
    the pooled connection's ``info``, which lives as long as the driver's connection)."""

    def __init__(self, sql: str) -> None:
        self.query, self.names = numbered(sql)
        # Named after the query: the same statement has the same name in every process, as
        # psycopg's own names are the same on every connection.
        self._name = b"ocop_" + hashlib.sha256(self.query).hexdigest()[:24].encode()
        self._key = f"ocop.prepared.{self._name.decode()}"

    def first(
        self,
        connection: PsycopgConnection[Any],
        info: dict[str, Any],
        values: dict[str, Any],
        *,
        describe: bool,
    ) -> tuple[Any, Sequence[int] | None]:
        """Return ``(row, column type oids)`` for the statement's first row: ``row`` is ``None``
        if there is none, and the oids are ``None`` unless ``describe`` asks for them.

        Raises :class:`psycopg.Error` (the server's error, or :class:`psycopg.OperationalError`
        for a connection that is lost)."""
        transformer = _transformer(connection, info)
        formats = [PyFormat.TEXT] * len(self.names)
        # None is SQL NULL, as libpq takes it (psycopg's stubs leave it out of exec_prepared's).
        params: Any = transformer.dump_sequence([values[name] for name in self.names], formats)
        pgconn, binary = connection.pgconn, pq.Format.BINARY
        with connection.lock:
            try:
                if connection.prepare_threshold is None:
                    pgconn.send_query_params(self.query, params, result_format=binary)
                else:
                    name = self._prepared(connection, info)
                    pgconn.send_query_prepared(name, params, result_format=binary)
                result = _answer(connection)
            except OperationalError:
                info.pop(self._key, None)  # a new connection in its place prepares it again
                raise
            if result.status != pq.ExecStatus.TUPLES_OK:
                raise self._failed(connection, info, result)
        transformer.set_pgresult(result)
        types = [result.ftype(column) for column in range(result.nfields)] if describe else None
        return (transformer.load_row(0, tuple) if result.ntuples else None), types

    def _prepared(self, connection: PsycopgConnection[Any], info: dict[str, Any]) -> bytes:
        if self._key not in info:
            connection.pgconn.send_prepare(self._name, self.query)
            made = _answer(connection)
            if made.status != pq.ExecStatus.COMMAND_OK:
                raise self._failed(connection, info, made)
            info[self._key] = True
        return self._name

    def _failed(
        self, connection: PsycopgConnection[Any], info: dict[str, Any], result: pq.abc.PGresult
    ) -> Exception:
        """The error to raise for ``result``; the statement is forgotten (and deallocated on a
        connection still up), so that its next use prepares it again."""
        prepared = info.pop(self._key, False)
        pgconn = connection.pgconn
        if pgconn.status == pq.ConnStatus.BAD:
            return OperationalError(pgconn.get_error_message())
        if prepared:
            # Its own result: a statement already gone is as good as deallocated.
            pgconn.send_query(b"DEALLOCATE " + self._name)
            _answer(connection)
        return errors.error_from_result(result)


def _transformer(connection: PsycopgConnection[Any], info: dict[str, Any]) -> Transforming:
    """The connection's own :class:`~psycopg.adapt.Transformer`, made at its first read and
    kept in its ``info``, as a psycopg cursor keeps one for all its queries: a new one finds
    the loader of every column again (its cache of them is per transformer)."""
    transformer: Transforming | None = info.get(_TRANSFORMER)
    if transformer is None:
        transformer = info[_TRANSFORMER] = Transformer(connection)
    return transformer


def _answer(connection: PsycopgConnection[Any]) -> pq.abc.PGresult:
    """The result of the query just sent on ``connection``, waited for as psycopg waits (so
    within a limit set by :mod:`.deadline`). Raises :class:`psycopg.OperationalError` for a
    connection that is lost (or, :class:`.deadline.NoAnswer`, closed for a server that did
    not answer in time)."""
    results: list[pq.abc.PGresult] = connection.wait(generators.execute(connection.pgconn))
    if not results:
        raise OperationalError(connection.pgconn.get_error_message())
    return results[-1]
