"""A read statement run straight on the driver's cursor, for the one query on the verify path.

``Connection.execute`` spends most of its time outside the database on a primary-key read
(execution context, result set-up and cache lookups: about 20 µs of a 23 µs query on SQLite).
:class:`PreparedRead` compiles a SELECT once per dialect with SQLAlchemy, runs it on the
driver's cursor (on psycopg, in one libpq call with the statement prepared once per
connection: :mod:`.libpq`, a third of the cursor's client CPU), and applies SQLAlchemy's own
type processors to the parameters and the row, so the values are exactly what
``Connection.execute`` would return. Driver errors are raised
as SQLAlchemy's (:class:`sqlalchemy.exc.DBAPIError`), with a lost connection invalidated and
the engine's ``handle_error`` listeners told, by SQLAlchemy's own code for its errors.

It bypasses SQLAlchemy's transaction tracking, so it only runs on a connection in autocommit
mode (each statement its own transaction: nothing is left open, nothing to roll back). It
does not take ``IN`` lists that SQLAlchemy expands at execution time.

Everything else in the registry goes through SQLAlchemy in the ordinary way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect

from .libpq import Statement

if TYPE_CHECKING:
    from psycopg import Connection as PsycopgConnection

Processor = Callable[[Any], Any] | None


@dataclass(slots=True)
class _Plan:
    sql: str
    names: Sequence[str] | None  # parameter order for positional drivers (SQLite), else None
    defaults: dict[str, Any]  # values bound in the statement itself
    binds: Mapping[str, Processor]
    # (column, result processor) for each column that has one, built from the first result's
    # column types (the driver's type codes, which some result processors need, e.g.
    # psycopg's for NUMERIC). Most columns have none: only those are visited for a row.
    results: tuple[tuple[int, Callable[[Any], Any]], ...] | None = field(default=None)
    libpq: Statement | None = None  # on psycopg, the statement run in one libpq call


class PreparedRead:
    """A SELECT, compiled once per dialect, that returns its first row (or ``None``).

    Raises :class:`ValueError` at first use for a statement with an expanding ``IN`` list.
    """

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self._statement = statement
        self._plans: dict[str, _Plan] = {}

    def first(self, connection: Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """Run the statement with ``params`` and return its first row as a tuple of processed
        values, or ``None``.

        Raises :class:`ValueError` if ``connection`` is not in autocommit mode, and
        :class:`sqlalchemy.exc.DBAPIError` for a driver error.
        """
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            raise ValueError("PreparedRead needs a connection in AUTOCOMMIT mode")
        dialect = connection.dialect
        plan = self._plans.get(dialect.name) or self._plan(dialect)
        values = {**plan.defaults, **params}
        for name, process in plan.binds.items():
            if process is not None:
                values[name] = process(values[name])
        bound: Any = [values[name] for name in plan.names] if plan.names is not None else values
        dbapi_connection = connection.connection
        types: Sequence[Any] | None
        try:
            if plan.libpq is not None:
                driver = cast("PsycopgConnection[Any]", dbapi_connection.driver_connection)
                row, types = plan.libpq.first(
                    driver, dbapi_connection.info, bound, describe=plan.results is None
                )
            else:
                cursor = dbapi_connection.cursor()
                try:
                    cursor.execute(plan.sql, bound)
                    row, types = cursor.fetchone(), [described[1] for described in cursor.description]
                finally:
                    cursor.close()
            if plan.results is None:
                assert types is not None  # described, as asked for just above
                plan.results = self._result_processors(dialect, types)
        except dialect.loaded_dbapi.Error as e:
            # SQLAlchemy's own handling of a driver error in Connection.execute: wrapped as its
            # DBAPIError (chained from the driver's), a lost connection invalidated and the
            # pool's older connections with it, and the engine's ``handle_error`` listeners
            # told (the web app's database error count; before, the verify read's errors were
            # missing from it, and only the one connection was invalidated). Not public API:
            # tests/traceability/test_prepared.py checks the wrapping, the chaining, the
            # invalidation and the listeners, for a SQLAlchemy release that changes it.
            connection._handle_dbapi_exception(e, plan.sql, bound, None, None)
        if row is None:
            return None
        if not plan.results:
            return tuple(row)
        processed = list(row)
        for column, process in plan.results:
            processed[column] = process(processed[column])
        return tuple(processed)

    def _plan(self, dialect: Dialect) -> _Plan:
        compiled = self._statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("PreparedRead does not take IN lists expanded at execution time")
        plan = _Plan(
            sql=compiled.string,
            names=list(compiled.positiontup) if compiled.positional and compiled.positiontup else None,
            defaults={name: bind.value for bind, name in compiled.bind_names.items() if not bind.required},
            binds={
                name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                for bind, name in compiled.bind_names.items()
            },
            libpq=Statement(compiled.string) if dialect.driver == "psycopg" else None,
        )
        self._plans[dialect.name] = plan
        return plan

    def _result_processors(
        self, dialect: Dialect, types: Sequence[Any]
    ) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        processors = (
            column.type.dialect_impl(dialect).result_processor(dialect, type_code)
            for column, type_code in zip(self._statement.selected_columns, types, strict=True)
        )
        return tuple((index, process) for index, process in enumerate(processors) if process is not None)
