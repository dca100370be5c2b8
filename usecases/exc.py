"""The one error hierarchy of :mod:`usecases`: refusals of a use case, with the data behind them.
(Codec errors stay in :mod:`labels.exc`, registry errors in :mod:`traceability.exc`.)"""

from __future__ import annotations

from enum import StrEnum


class UseCaseError(Exception):
    """Base class of every error a use case raises itself."""


class RefusalReason(StrEnum):
    """Why labels cannot be issued. Stable: tests and callers branch on these, not on text."""

    BAD_COUNT = "bad_count"
    NO_CERTIFICATION = "no_certification"  # no active 3★+ certification valid today
    PRODUCT_REVOKED = "product_revoked"
    PRODUCER_REVOKED = "producer_revoked"
    LOT_REVOKED = "lot_revoked"
    NOTHING_TO_REPRINT = "nothing_to_reprint"  # no active label in the lot or range
    MIXED_RATINGS = "mixed_ratings"  # a reprint range spans labels of different star ratings
    LOT_NOT_GS1 = "lot_not_gs1"  # a GS1-form product's lot code breaks AI 10's rules


class IssueRefused(UseCaseError):
    """Labels were not issued; nothing was recorded. ``reason`` says why, ``data`` the facts."""

    def __init__(self, reason: RefusalReason, message: str, **data: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.data = data
