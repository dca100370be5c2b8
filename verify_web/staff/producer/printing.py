"""``/producer/labels``: a producer issues and prints labels for its own products holding an
active 3★+ certification, or reprints its lots. Another producer's product is a 404."""

from __future__ import annotations

from flask import abort

from verify_web.staff.auth import current_user
from verify_web.staff.printing.issuing import Scope
from verify_web.staff.printing.views import blueprint


def _scope() -> Scope:
    user = current_user()
    if user is None or user.producer_id is None:
        abort(403)
    return Scope(user.producer_id, "producer_printing")


bp = blueprint("producer_printing", "/producer/labels", "producer", _scope)
