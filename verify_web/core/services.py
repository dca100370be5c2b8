"""The app's services: what ``create_app`` builds once and every request of a worker shares, as
one typed object instead of string-keyed ``app.extensions`` entries.

``services()`` (or ``services(app)`` outside a request) returns it. The per-worker caches start
empty and are filled on first use by the modules that own them: the scan writer
(:mod:`verify_web.hotpath.scan_recorder`), the verdict cache
(:mod:`verify_web.hotpath.verdict_cache`), the signed revocation list (:mod:`verify_web.api.routes`)
and the catalogues (:mod:`verify_web.public.verdict_text`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from keys import Keystore, PrivateKey, load_passphrase
from keys.passphrase import ENV_FILE, ENV_VALUE

if TYPE_CHECKING:  # types only: the hot path sits above the core (see pyproject's contract)
    from verify_web.core.db import Reader
    from verify_web.core.outage import Outage
    from verify_web.hotpath.scanwriter import ScanWriter
    from verify_web.hotpath.verdict_cache import VerdictCache

_KEY = "ocop"


@dataclass(eq=False)
class Services:
    """The app's shared objects. ``engine``, ``sessionmaker`` and ``reader`` are set by
    :func:`verify_web.core.db.init_app`, ``outage`` by :func:`verify_web.core.outage.init_app`."""

    keystore: Keystore
    config: Mapping[str, Any]
    engine: Engine = field(init=False)
    sessionmaker: sessionmaker[Session] = field(init=False)
    reader: Reader = field(init=False)
    outage: Outage = field(init=False)
    scan_writer: ScanWriter | None = None
    verdicts: VerdictCache | None = None
    revocation_list: tuple[Any, bytes, str] | None = None
    translations: dict[str, Any] = field(default_factory=dict)
    _active_signer: PrivateKey | None = None

    def signer(self, kid: str | None = None) -> PrivateKey:
        """Return the private key ``kid`` (the active key if ``None``). The active key is
        decrypted once per worker: decrypting is slow on purpose (Argon2id).

        The passphrase comes from ``OCOP_KEY_PASSPHRASE(_FILE)`` given to ``create_app``, else
        from the environment, read when first needed. Raises :class:`keys.KeysError` (no
        active key, no or bad passphrase, unknown ``kid``).
        """
        wanted = kid or self.keystore.active().kid
        cached = self._active_signer
        if cached is not None and cached.kid == wanted:
            return cached
        given = {name: str(self.config[name]) for name in (ENV_VALUE, ENV_FILE) if self.config.get(name)}
        key: PrivateKey = self.keystore.signer(load_passphrase(given or os.environ), kid)
        if kid is None:
            self._active_signer = key
        return key


def install(app: Flask) -> Services:
    """Create the app's services (the key store from ``OCOP_KEYS_DIR``) and return them."""
    found = Services(keystore=Keystore(app.config["OCOP_KEYS_DIR"]), config=app.config)
    app.extensions[_KEY] = found
    return found


def services(app: Flask | None = None) -> Services:
    """Return the services of ``app`` (the current app if ``None``)."""
    found: Services = (app or current_app).extensions[_KEY]
    return found
