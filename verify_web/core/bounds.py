"""Bounds on what the app's own parsers accept, set once for the whole app before any
blueprint adds its routes: ids in URLs and the nesting depth of JSON bodies.

``<int:…>`` ids reach the database as parameters: a number past what the id column holds makes
SQLite's driver raise ``OverflowError`` (past 2⁶³) and PostgreSQL refuse it ("integer out of
range", past 2³¹), a 500 instead of finding nothing. The app's ``int`` converter therefore
matches only 0 … :data:`MAX_ID`, so a larger id is a plain 404 like any other id that names
nothing. Ids typed into forms and on the command line use the same bound.

JSON bodies nested deeper than :data:`MAX_JSON_DEPTH` are refused as malformed (a 400 from the
view), before Python's decoder would run out of stack (``RecursionError``, a 500).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # every id column is an INTEGER (32 bits on PostgreSQL)
MAX_JSON_DEPTH = 32  # our API's bodies are one level deep; leave room for clients' extras


class BoundedIntConverter(IntegerConverter):
    """``int`` capped at :data:`MAX_ID` unless a route names its own ``max``."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON with a nesting bound on what it reads (see :func:`json_depth`)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Return the decoded value. Raises ``ValueError`` for malformed JSON and for JSON
        nested deeper than :data:`MAX_JSON_DEPTH` (so ``get_json(silent=True)`` gives None)."""
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return value


def json_depth(value: Any) -> int:
    """Return how deeply ``value`` nests lists and objects (0 for a scalar). Iterative, so it
    never recurses itself."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def init_app(app: Flask) -> None:
    """Make ``<int:…>`` bounded for every route and bound JSON nesting (call before
    registering blueprints)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = BoundedJSONProvider(app)
