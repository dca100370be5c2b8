"""Fixtures for the issuing commands: a certified product with a lot in the app's database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.support.factories import World, make_world


@pytest.fixture
def world(app_session: Session) -> World:
    w = make_world(app_session)
    app_session.commit()
    return w
