"""``ocop user add``, ``ocop revoke`` and ``ocop reinstate``: results, prompts, and bad input that
changes nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer, short_code
from tests.support.constants import BASE_URL
from tests.support.factories import issue, make_world, url_for_label
from tests.verify_web.staff import counts
from traceability.models import Label, Revocation, User
from traceability.services import users
from verify_web.core.services import services


def test_user_add(runner: FlaskCliRunner, app_session: Session) -> None:
    result = runner.invoke(
        args=["user", "add", "--username", "Boss", "--role", "admin"],
        input="a long password!\na long password!\n",
    )
    assert result.exit_code == 0, result.output
    user = app_session.scalars(select(User)).one()
    assert user.username == "boss" and users.check_password(user.password_hash, "a long password!")
    piped = runner.invoke(
        args=["user", "add", "--username", "insp", "--role", "inspector", "--password-stdin"],
        input="another long one\n",
    )
    assert piped.exit_code == 0, piped.output


def test_user_add_bad_input(runner: FlaskCliRunner, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    pid = str(world.product.producer_id)
    cases = [
        (["--username", "x y", "--role", "admin"], "username"),
        (["--username", "ok", "--role", "king"], "Invalid value"),
        (["--username", "ok", "--role", "producer"], "producer"),
        (["--username", "ok", "--role", "admin", "--producer", pid], "producer"),
        (["--username", "ok", "--role", "producer", "--producer", "9999"], "not found"),
        (["--username", "ok", "--role", "admin", "--producer", "zero"], "Invalid value"),
    ]
    for args, message in cases:
        result = runner.invoke(
            args=["user", "add", *args, "--password-stdin"], input="long enough password\n"
        )
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    short = runner.invoke(
        args=["user", "add", "--username", "ok", "--role", "admin", "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0 and "at least 10" in short.output
    assert app_session.scalar(select(User.id)) is None
    assert "Traceback" not in short.output


def test_revoke_and_reinstate(
    app: Flask, runner: FlaskCliRunner, app_session: Session, app_signer: PrivateKey
) -> None:
    world = make_world(app_session)
    labels = issue(app_session, world, app_signer, 6)
    app_session.commit()
    asked = runner.invoke(args=["revoke", "--lot", str(world.lot.id), "--reason", "recalled"], input="n\n")
    assert "This revokes 6 label(s)." in asked.output and asked.exit_code != 0
    assert app_session.scalar(select(Revocation.id)) is None
    done = runner.invoke(
        args=["revoke", "--range", f"{world.lot.id}:2-3", "--reason", "damaged_or_lost", "--note", "Torn"],
        input="y\n",
    )
    assert done.exit_code == 0 and "2 label(s) revoked" in done.output, done.output
    text = url_for_label(
        labels[0], app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring())
    )
    by_code = runner.invoke(args=["revoke", "--code", text, "--reason", "counterfeit", "--yes"])
    assert by_code.exit_code == 0 and "1 label(s) revoked" in by_code.output
    by_short = runner.invoke(
        args=["revoke", "--serial", short_code(labels[5].serial), "--reason", "other", "--yes"]
    )
    assert by_short.exit_code == 0, by_short.output
    app_session.expire_all()
    revoked = {n for n, s in app_session.execute(select(Label.number, Label.status)) if s.value == "revoked"}
    assert revoked == {1, 2, 3, 6}
    first = app_session.scalar(select(Revocation.id).order_by(Revocation.id))
    back = runner.invoke(args=["reinstate", str(first), "--note", "Not torn after all"])
    assert back.exit_code == 0, back.output
    app_session.expire_all()
    revoked = {n for n, s in app_session.execute(select(Label.number, Label.status)) if s.value == "revoked"}
    assert revoked == {1, 6}


def test_revoke_bad_input_changes_nothing(
    runner: FlaskCliRunner, app_session: Session, app_signer: PrivateKey
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 2)
    app_session.commit()
    before = counts(app_session)
    lot = str(world.lot.id)
    cases = [
        ["revoke", "--reason", "recalled", "--yes"],
        ["revoke", "--lot", lot, "--product", "1", "--reason", "recalled", "--yes"],
        ["revoke", "--lot", lot, "--reason", "because", "--yes"],
        ["revoke", "--lot", "abc", "--reason", "recalled", "--yes"],
        ["revoke", "--lot", "9999", "--reason", "recalled", "--yes"],
        ["revoke", "--range", "1:9-2", "--reason", "recalled", "--yes"],
        ["revoke", "--serial", "NOT-A-CODE", "--reason", "recalled", "--yes"],
        ["revoke", "--code", "HTTPS://X/V/12", "--reason", "recalled", "--yes"],
        ["revoke", "--lot", lot, "--reason", "key_compromised", "--yes"],
        ["reinstate", "999", "--note", "x"],
        ["reinstate", "0", "--note", "x"],
        ["reinstate", "1"],
    ]
    for args in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, (args, result.output)
        assert "Error" in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert counts(app_session) == before
