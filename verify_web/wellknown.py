"""The public key set, for offline verifiers: ``/.well-known/ocop-keys.json`` (and the usual
``/.well-known/jwks.json`` alias). Each key carries its status (active, retired, compromised)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from keys import Keyring

bp = Blueprint("wellknown", __name__)


@bp.get("/.well-known/ocop-keys.json")
@bp.get("/.well-known/jwks.json")
def keys() -> Response:
    """The JWKS, open to any origin and cacheable for a few minutes."""
    keyring: Keyring = current_app.extensions["ocop.keystore"].keyring()
    response = jsonify(keyring.to_jwks())
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
