"""The printing pages' messages in the page's language: why an issue or reprint was refused,
and the operator's warnings about a plan."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext

from usecases.exc import IssueRefused, RefusalReason
from usecases.issuance import IssuePlan, ends_before_best_before


def refusal_message(error: IssueRefused) -> str:
    """Return the form message for a refused issue or reprint, from its reason and data."""
    data = error.data
    messages: dict[RefusalReason, Callable[[], str]] = {
        RefusalReason.BAD_COUNT: lambda: gettext("The number of labels is not allowed."),
        RefusalReason.NO_CERTIFICATION: lambda: gettext(
            "This product has no active OCOP certification of 3 stars or more valid today, "
            "so it may not carry OCOP labels."
        ),
        RefusalReason.PRODUCT_REVOKED: lambda: gettext("This product is revoked; no labels can be issued."),
        RefusalReason.PRODUCER_REVOKED: lambda: gettext(
            "The producer %(name)s is revoked; no labels can be issued.", name=data.get("producer", "")
        ),
        RefusalReason.LOT_REVOKED: lambda: gettext(
            "Lot %(lot)s is revoked; no labels can be issued.", lot=data.get("lot", "")
        ),
        RefusalReason.NOTHING_TO_REPRINT: lambda: gettext(
            "Lot %(lot)s has no active labels to reprint in that range.", lot=data.get("lot", "")
        ),
        RefusalReason.MIXED_RATINGS: lambda: gettext(
            "The labels in that range carry different star ratings; reprint them in separate ranges."
        ),
        RefusalReason.LOT_NOT_GS1: lambda: gettext(
            "Lot code %(lot)s cannot go in a GS1 Digital Link label: it must be 1 to 20 letters, "
            "digits or GS1 signs, without spaces or Vietnamese letters.",
            lot=data.get("lot", ""),
        ),
    }
    return str(messages[error.reason]())


def plan_warnings(found: IssuePlan) -> list[str]:
    """Return the operator's warnings about a plan, in the page's language: the certificate
    ending before the lot's best-before date (labels then read "expired" on shop shelves)."""
    warnings = []
    if found.best_before is not None and ends_before_best_before(found.certified_until, found.best_before):
        warnings.append(
            gettext(
                "The OCOP certificate ends on %(until)s, before the lot's best-before date %(best)s: "
                "labels scanned after %(until)s will show “expired” unless the product is re-rated.",
                until=found.certified_until.strftime("%d/%m/%Y"),
                best=found.best_before.strftime("%d/%m/%Y"),
            )
        )
    return warnings
