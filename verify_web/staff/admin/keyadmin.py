"""``/admin/keys``: list signing keys; rotate, retire, or mark one compromised — which revokes
every label it signed, after a confirmation stating how many."""

from __future__ import annotations

import os

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from keys import (
    KeyNotFound,
    KeysError,
    KeyStateError,
    KeyStatus,
    Keystore,
    LastActiveKey,
    PassphraseError,
    load_passphrase,
)
from traceability import RegistryError
from traceability.enums import RevocationReason, RevocationTarget
from traceability.services import audit, naming, revocations
from verify_web.core import db
from verify_web.core.services import services
from verify_web.errors import message_of
from verify_web.staff.auth import actor, roles_required

bp = Blueprint("admin_keys", __name__, url_prefix="/admin/keys")


def _store() -> Keystore:
    store: Keystore = services().keystore
    return store


def _known(kid: str) -> bool:
    """True if ``kid`` is in the key set; an unreadable key set counts as unknown (the list
    page then says why)."""
    try:
        return kid in _store().keyring()
    except KeysError:
        return False


def _page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    try:
        keys = list(_store().keyring())
    except KeysError as e:
        keys, error = [], refusal(e)
    return render_template(
        "staff/keys.html",
        keys=keys,
        error=error,
        compromised=KeyStatus.COMPROMISED,
        active_count=sum(k.status is KeyStatus.ACTIVE for k in keys),
    ), status


@bp.get("")
@roles_required("admin")
def index() -> tuple[str, int]:
    """Every key with its status."""
    return _page()


def refusal(error: KeysError) -> str:
    """Return why the key store refused, in the reader's language, naming the real cause."""
    return str(_refusal(error))


def _refusal(error: KeysError) -> object:
    if isinstance(error, LastActiveKey):
        return gettext(
            "Key %(kid)s is the only active key: retiring it would stop all issuing. "
            "Rotate instead (a new key becomes active and this one is retired).",
            kid=error.kid,
        )
    if isinstance(error, KeyStateError):
        return gettext("Key %(kid)s is %(status)s already.", kid=error.kid, status=_status_name(error.status))
    if isinstance(error, KeyNotFound):
        return gettext("No such key.")
    if isinstance(error, PassphraseError):
        return gettext(
            "The key passphrase (OCOP_KEY_PASSPHRASE or OCOP_KEY_PASSPHRASE_FILE) is missing or "
            "wrong on the server, so no new key can be made."
        )
    return gettext("The key store cannot be used: %(message)s", message=str(error))


def _status_name(status: str) -> str:
    names = {"active": _l("active"), "retired": _l("retired"), "compromised": _l("compromised")}
    return str(names.get(status, status))


@bp.get("/rotate")
@roles_required("admin")
def rotate_confirm() -> tuple[str, int]:
    """Name what rotating changes (the new key, the key retired) and ask to confirm."""
    try:
        active = [k for k in _store().keyring() if k.status is KeyStatus.ACTIVE]
    except KeysError as e:
        return _page(refusal(e), 503)
    return render_template("staff/key_rotate.html", active=active), 200


@bp.post("/rotate")
@roles_required("admin")
def rotate() -> Response | tuple[str, int]:
    """Make a new active key (the passphrase comes from the server's environment, never a form)."""
    try:
        key = _store().rotate(load_passphrase(os.environ))
    except KeysError as e:
        return _page(gettext("Rotation failed: %(message)s", message=refusal(e)), 400)
    audit.record(
        db.session(),
        actor=actor(),
        action="key.rotate",
        entity="key",
        entity_id=key.kid,
        summary=f"Rotated signing keys: {key.kid} is now active",
    )
    return redirect(url_for("admin_keys.index"))


@bp.post("/<kid>/retire")
@roles_required("admin")
def retire(kid: str) -> Response | tuple[str, int]:
    """Stop signing with a key; its labels stay valid."""
    try:
        _store().retire(kid[:16])
    except KeysError as e:
        return _page(gettext("Retiring failed: %(message)s", message=refusal(e)), 400)
    audit.record(
        db.session(),
        actor=actor(),
        action="key.retire",
        entity="key",
        entity_id=kid[:16],
        summary=f"Retired signing key {kid[:16]}",
    )
    return redirect(url_for("admin_keys.index"))


@bp.get("/<kid>/compromise")
@roles_required("admin")
def compromise_confirm(kid: str) -> tuple[str, int]:
    """State how many labels marking the key compromised will revoke, and ask to confirm."""
    if not _known(kid):
        return _page(gettext("No such key."), 404)
    hits = naming.preview(db.session(), RevocationTarget.KEY, {"kid": kid})
    return render_template(
        "staff/key_compromise.html", kid=kid, count=sum(h.count for h in hits), hits=hits
    ), 200


@bp.post("/<kid>/compromise")
@roles_required("admin")
def compromise(kid: str) -> Response | tuple[str, int]:
    """Revoke every label the key signed, then mark it compromised (one decision, audited)."""
    if not _known(kid):
        return _page(gettext("No such key."), 404)
    try:
        revocations.revoke(
            db.session(),
            actor=actor(),
            target=RevocationTarget.KEY,
            ref={"kid": kid},
            reason=RevocationReason.KEY_COMPROMISED,
            note=request.form.get("note", "")[:2000] or None,
        )
        db.session().flush()
        # The key file changes last: if it fails, the 400 rolls the revocation back.
        _store().mark_compromised(kid)
    except RegistryError as e:
        return _page(message_of(e), 400)
    except KeysError as e:
        return _page(gettext("Marking failed: %(message)s", message=refusal(e)), 400)
    return redirect(url_for("admin_keys.index"))
