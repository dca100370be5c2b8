"""Migrations build exactly the schema the models describe, and downgrade cleanly."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from traceability.db import current_revision, upgrade
from traceability.models import Base


def test_migrated_schema_matches_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(engine):
    from alembic import command

    from traceability.db import alembic_config

    command.downgrade(alembic_config(engine), "base")
    assert "labels" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) is not None
    assert "labels" in inspect(engine).get_table_names()
