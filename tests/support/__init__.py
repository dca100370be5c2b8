"""Test helpers: a PostgreSQL server the suite starts itself, registry factories, components."""

from __future__ import annotations

import os

import pytest


def require(available: bool, component: str, how: str) -> None:
    """Skip when ``component`` is missing — or fail, under CI=true, where nothing may be skipped."""
    if available:
        return
    message = f"{component} is not available: {how}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: missing components fail)", pytrace=False)
    pytest.skip(message)
