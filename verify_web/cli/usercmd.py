"""``ocop user add``: create staff accounts (the first admin comes from here). The password is
prompted twice or read from stdin — never a command-line argument, which ``ps`` would show."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from traceability.services import users

from .common import CLI_ACTOR, ID, domain_errors, transaction

group = AppGroup("user", help="Staff accounts.")


@group.command("add")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in users.Role]))
@click.option(
    "--producer",
    "producer_id",
    type=ID,
    default=None,
    help="The producer a producer account belongs to.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@domain_errors
def add(username: str, role: str, producer_id: int | None, password_stdin: bool) -> None:
    """Create an account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with transaction() as session:
        user = users.create_user(
            session, actor=CLI_ACTOR, username=username, password=password, role=role, producer_id=producer_id
        )
        click.echo(f"User {user.id}: {user.username} ({user.role})")
