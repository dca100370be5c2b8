"""The labels in every state the public site must tell apart (made by the ``codes`` fixture of
``tests/verify_web/conftest.py``), and the scratch-off secret of the claimable one."""

from __future__ import annotations

from dataclasses import dataclass

from traceability.models import Label

SECRET = "7K3QX-M9TPR"


@dataclass
class Codes:
    """QR texts (and their ``/V/…`` paths) for each kind of label."""

    genuine: str
    expired: str
    revoked: str
    cloned: str
    forged: str
    claimable: str
    genuine_label: Label
    claimable_label: Label
    cloned_label: Label

    @staticmethod
    def path(url: str) -> str:
        return url[url.index("/V/") :]
