"""What ``make run`` does: prepare a local instance, load demo data, and serve with gunicorn.

Local secrets (the session key, the key passphrase) are generated once into ``instance/`` with
owner-only permissions. They exist only on this machine and are never a default of the app.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path

import click


def _local_secret(path: Path, nbytes: int) -> Path:
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(nbytes) + "\n")
    return path


def main() -> int:
    port = os.environ.get("PORT", "8000")
    if not port.isdigit() or not 0 < int(port) < 65536:
        click.echo(f"Error: PORT must be a number from 1 to 65535, not {port!r}", err=True)
        return 2
    if prepare(port) != 0:
        return 1
    base = os.environ["OCOP_BASE_URL"].rstrip("/")
    click.echo(f"\nServing on {base}/")
    click.echo(f"  health   {base}/healthz\n  keys     {base}/.well-known/ocop-keys.json")
    click.echo(f"  offline  {base}/app/  (the installable offline verifier)\n")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    config = str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py")
    command = [gunicorn, "-c", config, "--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"]
    os.execv(gunicorn, command)  # noqa: S606 - a fixed program path and arguments, no shell


def prepare(port: str) -> int:
    """Everything ``make run`` does before serving: local secrets, migrations, a key, the demo
    registry and its label sheet. Returns 0, or 1 after a command printed its error."""
    instance = Path(os.environ.get("OCOP_INSTANCE") or Path.cwd() / "instance").resolve()
    os.environ["OCOP_INSTANCE"] = str(instance)
    os.environ.setdefault("OCOP_BASE_URL", f"http://127.0.0.1:{port}")
    # The footer's operator and contact: plainly a local demo, not the real office.
    os.environ.setdefault("OCOP_OPERATOR", "Bản chạy thử trên máy này (demo), không phải dịch vụ chính thức")
    os.environ.setdefault("OCOP_CONTACT", "demo@example.invalid")
    if not os.environ.get("OCOP_SECRET_KEY"):
        os.environ.setdefault("OCOP_SECRET_KEY_FILE", str(_local_secret(instance / "secret_key", 48)))
    if not os.environ.get("OCOP_KEY_PASSPHRASE"):
        os.environ.setdefault("OCOP_KEY_PASSPHRASE_FILE", str(_local_secret(instance / "key_passphrase", 24)))

    from .command import main as ocop

    for step in (["db", "upgrade"],):
        if ocop(step) != 0:
            return 1
    if ocop(["keys", "list"]) != 0:
        return 1
    from keys import Keystore

    keystore = Keystore(os.environ.get("OCOP_KEYS_DIR") or instance / "keys")
    if not len(keystore.keyring()) and ocop(["keys", "generate"]) != 0:
        return 1
    click.echo("\nDemo labels (open in a browser, or print and scan):")
    if ocop(["demo", "--accounts-file", str(instance / "demo-accounts.txt")]) != 0:
        return 1
    from .cli.demo import DEMO

    sheet = instance / "demo-labels.pdf"
    sheet.unlink(missing_ok=True)  # our own output of the last run; reprint refuses to overwrite
    if ocop(["reprint", "--lot", DEMO[0].lot_code, "--out", str(sheet), "--quiet"]) != 0:
        return 1
    click.echo(f"\nDemo label sheet (print at 100% on A4 label stock, then scan with a phone):\n  {sheet}")
    gs1_sheet = instance / "demo-labels-gs1.pdf"
    gs1_sheet.unlink(missing_ok=True)
    gs1_lot = next(d.lot_code for d in DEMO if d.key == "gs1")
    if ocop(["reprint", "--lot", gs1_lot, "--out", str(gs1_sheet), "--quiet"]) != 0:
        return 1
    click.echo(f"GS1 Digital Link labels (a supermarket till reads them too), A4 only:\n  {gs1_sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
