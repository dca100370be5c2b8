"""``ocop keys``: generate, list, rotate, retire, compromise, and export the public set."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from keys import KeyStatus
from traceability.enums import RevocationReason, RevocationTarget
from traceability.services import revocations

from .common import CLI_ACTOR, domain_errors, keystore, passphrase, transaction

group = AppGroup("keys", help="Signing keys (Ed25519, encrypted at rest).")


@group.command("generate")
@domain_errors
def generate() -> None:
    """Create the first signing key (needs the key passphrase)."""
    key = keystore().generate(passphrase())
    click.echo(f"Created signing key {key.kid} in {keystore().directory}.")


@group.command("rotate")
@domain_errors
def rotate() -> None:
    """Create a new active key; the previous one is retired but keeps verifying."""
    key = keystore().rotate(passphrase())
    click.echo(f"Key {key.kid} now signs new labels; older keys still verify their labels.")


@group.command("migrate")
@domain_errors
def migrate() -> None:
    """Re-encrypt legacy PKCS#8 private keys (PBKDF2) as Argon2id key files (needs the passphrase)."""
    done = keystore().migrate(passphrase())
    if not done:
        click.echo("Every private key is already an Argon2id key file; nothing to do.")
    for kid in done:
        click.echo(f"Key {kid}: rewritten as {kid}.key (Argon2id, AES-256-GCM); the old .pem is deleted.")


@group.command("list")
@domain_errors
def list_keys() -> None:
    """List keys with their status."""
    keyring = keystore().keyring()
    if not len(keyring):
        click.echo("No signing keys yet (run: ocop keys generate).")
    for key in sorted(keyring, key=lambda k: k.created_at):
        click.echo(f"{key.kid}  {key.status.value:<11}  created {key.created_at:%Y-%m-%d %H:%M}")


@group.command("retire")
@click.argument("kid")
@domain_errors
def retire(kid: str) -> None:
    """Stop signing with KID; its labels keep verifying."""
    keystore().retire(kid)
    click.echo(f"Key {kid} is retired.")


@group.command("compromise")
@click.argument("kid")
@click.option("--note", default=None, help="Why the key is considered compromised.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@domain_errors
def compromise(kid: str, note: str | None, yes: bool) -> None:
    """Mark KID compromised: every label it signed verifies as revoked, for good."""
    key = keystore().keyring().get(kid)
    if key.status is KeyStatus.COMPROMISED:
        raise click.ClickException(f"key {kid} is already marked compromised")
    with transaction() as session:
        ref = {"kid": kid}
        count = revocations.count_affected(session, RevocationTarget.KEY, ref)
        if not yes:
            click.confirm(f"Revoke all {count} labels signed by key {kid}? This cannot be undone", abort=True)
        revocations.revoke(
            session,
            actor=CLI_ACTOR,
            target=RevocationTarget.KEY,
            ref=ref,
            reason=RevocationReason.KEY_COMPROMISED,
            note=note,
        )
        keystore().mark_compromised(kid)
    click.echo(f"Key {kid} is compromised; {count} labels are revoked.")


@group.command("jwks")
@domain_errors
def jwks() -> None:
    """Print the public key set (JWKS) with key status."""
    click.echo(json.dumps(keystore().keyring().to_jwks(), indent=2))
