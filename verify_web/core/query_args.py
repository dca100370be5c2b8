"""Reading query arguments and cookies on paths that run on every scan.

Werkzeug's ``MultiDict.get`` looks a missing key up by raising and catching
``BadRequestKeyError``, an HTTP exception that is costly to build; most scans carry no
``lang``, ``province`` or session cookie, so asking first is several times cheaper.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def first(values: Mapping[str, str], key: str, default: T) -> str | T:
    """Return the (first) value for ``key``, or ``default`` when it is absent."""
    return values[key] if key in values else default  # noqa: SIM401 - .get is the slow path
