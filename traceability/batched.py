"""Many rows in one statement: the scan writer's insert of a batch of scans and its update of
the batch's labels.

Each value goes through SQLAlchemy's own bind processor for its column, so what is stored is
exactly what ``Connection.execute`` with a list of rows would store. The statements run on
the connection's driver inside its transaction (``Connection.exec_driver_sql``).

- **PostgreSQL:** one statement for the whole batch, its rows sent as one JSON document and
  turned back into rows by the server (``INSERT … SELECT … FROM json_to_recordset(…)``,
  ``UPDATE … FROM json_to_recordset(…)``). ``executemany`` sends one Bind/Execute a row
  (psycopg's pipeline), which the client builds in Python and the server runs row by row;
  arrays a column (``unnest``) are dumped by psycopg's Python list dumper, element by element,
  while ``json.dumps`` of the batch is one C call. Measured with
  ``bench/bench_writer_rows.py`` (docs/performance.md, "The scan writer's statements").
- **SQLite** (the library in the worker's own process, no round trips): ``executemany`` of
  the compiled statement.

Limits: a value must be one its column's type can read from JSON text (numbers, text, times
in ISO 8601, which is every column type of the registry's tables; a ``JSON`` column's value is
put in the document as it is). A value its column's type refuses (e.g. a naive time for a
``UTCDateTime``), or on PostgreSQL text with no UTF-8 form (a lone surrogate), raises
:class:`sqlalchemy.exc.StatementError` before anything is sent; the
driver's errors are raised as SQLAlchemy's :class:`sqlalchemy.exc.DBAPIError`. On PostgreSQL
one bad row fails the whole statement, as it fails the whole ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Insert, Table, Update, bindparam, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import StatementError
from sqlalchemy.types import TypeEngine

from .prepared import Processor

_Binds = tuple[tuple[str, str, Processor], ...]  # (parameter, column, bind processor) in order
_Plan = tuple[str, bool, bool, _Binds]  # (statement, one JSON document a batch?, positional?, binds)


class _Batched:
    """What an insert and an update share: a plan per dialect, the rows' values processed by
    their columns' bind processors, and the statement run once for the batch."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._plans: dict[str, _Plan] = {}

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write ``rows`` (mappings with a value for every column).

        Raises :class:`sqlalchemy.exc.StatementError` for a value its column's type refuses
        (nothing is sent), and :class:`sqlalchemy.exc.DBAPIError` for a driver error.
        """
        if not rows:
            return
        dialect = connection.dialect
        sql, one_document, positional, binds = self._plans.get(dialect.name) or self._planned(dialect)
        try:
            params = _parameters(rows, one_document, positional, binds)
        except (ValueError, TypeError) as e:
            raise StatementError(str(e), sql, None, e) from e
        connection.exec_driver_sql(sql, params)

    def _planned(self, dialect: Dialect) -> _Plan:
        if dialect.name == "postgresql":
            everything = {column: column for column in self._columns}
            plan = (self._one_statement(dialect), True, False, self._binds(dialect, everything))
        else:
            compiled = self._per_row().compile(dialect=dialect)
            parameters = {name: name for name in self._columns} | self._renamed()
            order = compiled.positiontup if compiled.positional and compiled.positiontup else list(parameters)
            plan = (
                compiled.string,
                False,
                bool(compiled.positional),
                self._binds(dialect, {name: parameters[name] for name in order}),
            )
        self._plans[dialect.name] = plan
        return plan

    def _binds(self, dialect: Dialect, parameters: Mapping[str, str]) -> _Binds:
        return tuple(
            (name, column, self._processor(dialect, self._table.c[column].type, dialect.name == "postgresql"))
            for name, column in parameters.items()
        )

    @staticmethod
    def _processor(dialect: Dialect, kind: TypeEngine[Any], in_json: bool) -> Processor:
        if in_json and isinstance(kind, JSON):
            return None  # the value is already JSON inside the batch's document
        return kind.dialect_impl(dialect).bind_processor(dialect)

    def _batch(self, dialect: Dialect) -> str:
        """``json_to_recordset(%(batch)s::json) AS batch(a T, b U, …)`` over every column."""
        quote = dialect.identifier_preparer.quote
        fields = ", ".join(
            f"{quote(name)} {self._table.c[name].type.compile(dialect=dialect)}" for name in self._columns
        )
        return f"json_to_recordset(%(batch)s::json) AS batch({fields})"

    def _renamed(self) -> dict[str, str]:
        """Parameters of :meth:`_per_row` not named after their column: parameter → column."""
        return {}

    def _one_statement(self, dialect: Dialect) -> str:
        raise NotImplementedError

    def _per_row(self) -> Insert | Update:
        raise NotImplementedError


def _parameters(
    rows: Sequence[Mapping[str, Any]], one_document: bool, positional: bool, binds: _Binds
) -> Any:
    """The rows' values, processed: one JSON document for the batch, or one parameter set a row."""
    if one_document:
        document = [{c: row[c] if p is None else p(row[c]) for _n, c, p in binds} for row in rows]
        text = json.dumps(document, default=_json_value, ensure_ascii=False, separators=(",", ":"))
        text.encode()  # a lone surrogate cannot be sent: refused here, as a StatementError
        return {"batch": text}
    if positional:
        return [tuple(row[c] if p is None else p(row[c]) for _n, c, p in binds) for row in rows]
    return [{n: row[c] if p is None else p(row[c]) for n, c, p in binds} for row in rows]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written in a batch")


class BatchInsert(_Batched):
    """An INSERT of many rows into ``columns`` of ``table``."""

    def _one_statement(self, dialect: Dialect) -> str:
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in self._columns)
        # Identifiers only, from the Table and quoted by the dialect; the values are a parameter.
        return f"INSERT INTO {quote(self._table.name)} ({names}) SELECT {names} FROM {self._batch(dialect)}"  # noqa: S608

    def _per_row(self) -> Insert:
        return insert(self._table).values({name: bindparam(name) for name in self._columns})


class BatchUpdate(_Batched):
    """An UPDATE of many rows of ``table``: each row names its own by ``key`` (the first of
    ``columns``) and sets the other columns to its values."""

    def _one_statement(self, dialect: Dialect) -> str:
        quote = dialect.identifier_preparer.quote
        key, *values = (quote(name) for name in self._columns)
        assignments = ", ".join(f"{name} = batch.{name}" for name in values)
        table = quote(self._table.name)
        # Identifiers only, from the Table and quoted by the dialect; the values are a parameter.
        return (
            f"UPDATE {table} SET {assignments} FROM {self._batch(dialect)} WHERE {table}.{key} = batch.{key}"  # noqa: S608
        )

    def _per_row(self) -> Update:
        key, *values = self._columns
        # SQLAlchemy keeps a column's own name for its SET parameter, so the key's is renamed.
        return (
            update(self._table)
            .where(self._table.c[key] == bindparam(f"{key}_"))
            .values({name: bindparam(name) for name in values})
        )

    def _renamed(self) -> dict[str, str]:
        return {f"{self._columns[0]}_": self._columns[0]}
