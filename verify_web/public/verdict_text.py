"""Verdicts in words (for pages) and as plain data (for the JSON API)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l

from labels import Reason, short_code
from traceability import places
from traceability.services.label_scans import ScanHistory
from usecases.verify import Status, Verdict
from verify_web.core.i18n import select_locale
from verify_web.core.services import services

HEADINGS = {
    "genuine": _l("Genuine OCOP product"),
    "expired": _l("OCOP certification expired"),
    "revoked": _l("Label revoked"),
    "invalid": _l("Not a genuine OCOP label"),
    "mistyped": _l("Check the code you typed"),
}
# Reasons that a typed short code was mistyped (see :func:`typo`): it names no label, and that
# says nothing about the product.
TYPING_REASONS = frozenset({"mistyped", "bad_length", "bad_digits"})


def typo(verdict: Verdict, *, typed: bool) -> bool:
    """True if the verdict says only that a code was mistyped: a wrong check character, or
    (for a code typed by hand, ``typed``) a wrong length or a character short codes never use.
    Such a verdict is told as "check what you typed", never as a fake."""
    return verdict.reason == "mistyped" or (typed and verdict.reason in TYPING_REASONS)


REVOCATION_REASONS = {
    "counterfeit": _l("counterfeit goods"),
    "recalled": _l("the product was recalled"),
    "withdrawn": _l("the certification was withdrawn"),
    "damaged_or_lost": _l("the label was damaged or lost"),
    "key_compromised": _l("the signing key was compromised"),
    "other": _l("other reasons"),
}
PRODUCER_KINDS = {
    "enterprise": _l("Enterprise"),
    "cooperative": _l("Cooperative"),
    "cooperative_group": _l("Cooperative group"),
    "household": _l("Household business"),
}
LEVELS = {
    "district": _l("District council"),
    "province": _l("Province council"),
    "central": _l("Central council"),
}
EVENTS = {
    "harvested": _l("Harvested"),
    "processed": _l("Processed"),
    "packed": _l("Packed"),
    "inspected": _l("Inspected"),
    "shipped": _l("Shipped"),
    "received": _l("Received"),
}
WARNINGS = {
    "foreign_domain": _l(
        "This QR code points to a website that is not ours. Do not enter any details there."
    ),
    "past_best_before": _l("The product itself is past its best-before date."),
    "offline": _l("Checked from the code alone, without the registry."),
}


def N_(message: str) -> str:  # the name Babel's extractor looks for
    """Mark a message for the catalogue; it is translated where it is used."""
    return message


# The scan history sentence is drawn on every scan, so it skips the template engine.
SCANNED_IN = N_("Scanned %(n)s times, first checked on %(date)s in %(area)s.")
SCANNED = N_("Scanned %(n)s times, first checked on %(date)s.")
NOT_SCANNED = N_("Not scanned before.")
ACTIVATED = N_("Activated: the buyer claimed this item on %(date)s.")


def history_sentence(history: ScanHistory) -> str:
    """Return "Scanned N times, first checked on DATE [in PROVINCE]." (and "Activated …"
    after a claim) in the request's language (plain text: the caller escapes it)."""
    translations = _translations()
    area = places.name(history.first_area)
    if area and history.count:
        text = str(translations.ugettext(SCANNED_IN)) % {
            "n": history.count,
            "date": day(history.first_at),
            "area": area,
        }
    elif history.count:
        text = str(translations.ugettext(SCANNED)) % {"n": history.count, "date": day(history.first_at)}
    else:
        text = str(translations.ugettext(NOT_SCANNED))
    if history.claimed_at is not None:
        text += " " + str(translations.ugettext(ACTIVATED)) % {"date": day(history.claimed_at)}
    return text


def verdict_json(verdict: Verdict, history: ScanHistory | None, *, drawn: str | None = None) -> str:
    """Return the API's JSON body for a verdict (the shape of ``Verdict`` in openapi.json).
    ``drawn`` is :func:`facts_json` of the same verdict, serialised earlier: then only the scan
    history is serialised now (the verify path keeps the rest per verdict)."""
    head = drawn if drawn is not None else facts_json(verdict)
    return f'{head[:-1]},"state":"{state(verdict, history)}","scans":{_dumps(_scan_data(history))}}}'


def state(verdict: Verdict, history: ScanHistory | None) -> str:
    """Return what the headline says: ``foreign_domain`` for a QR that opens another address
    than ours (whatever the code's status), ``mistyped`` for a typed code with a wrong check
    character, ``clone_suspected`` for a genuine code whose scans show a clone signal (issued
    by us, but this item may be a copy), otherwise the verdict's status."""
    if verdict.foreign_domain:
        return "foreign_domain"
    if verdict.reason == Reason.MISTYPED:
        return "mistyped"
    if verdict.status is Status.GENUINE and history is not None and history.clone_suspected:
        return "clone_suspected"
    return verdict.status.value


def facts_json(verdict: Verdict) -> str:
    """Return everything in the API's verdict body but the scan history, as a JSON object."""
    return _dumps(_verdict_facts(verdict))


# One encoder for every answer: json.dumps with options builds a new encoder on each call.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _scan_data(history: ScanHistory | None) -> dict[str, Any] | None:
    if history is None:
        return None
    return {
        "count": history.count,
        "first_at": history.first_at.isoformat() if history.first_at else None,
        "first_area": places.name(history.first_area),
        "activated": history.claimed_at is not None,
        "claimed_at": history.claimed_at.isoformat() if history.claimed_at else None,
        "clone_suspected": history.clone_suspected,
        "signals": list(history.signals),
    }


def _verdict_facts(verdict: Verdict) -> dict[str, Any]:
    label = None
    if verdict.payload is not None:
        p = verdict.payload
        label = {
            "serial": str(p.serial),
            "short_code": p.short_code,
            "stars": p.stars,
            "certified_until": p.certified_until.isoformat(),
            "kid": p.kid,
        }
    facts = verdict.facts
    product = None
    if facts is not None:
        label = label or {
            "serial": str(facts.serial),
            "short_code": short_code(facts.serial),
            "stars": facts.stars,
            "certified_until": facts.certified_until.isoformat(),
            "kid": facts.key_id,
        }
        product = {
            "name": facts.product_name,
            "group": facts.product_group,
            "producer": {
                "name": facts.producer_name,
                "kind": facts.producer_kind,
                "commune": facts.commune,
                "district": facts.district,
                "province": facts.province,
            },
            "stars": facts.stars,
            "certificate": {
                "number": facts.certificate_number,
                "level": facts.issuing_level,
                "issued_on": facts.certified_on.isoformat(),
                "valid_until": facts.certified_until.isoformat(),
            },
            "lot": {
                "code": facts.lot_code,
                "produced_on": facts.produced_on.isoformat(),
                "best_before": facts.best_before.isoformat() if facts.best_before else None,
            },
        }
    return {
        "status": verdict.status.value,
        "reason": verdict.reason,
        "warnings": [w.value for w in verdict.warnings],
        "checked_on": verdict.checked_on.isoformat(),
        "scanned_base_url": verdict.scanned_base_url,
        "label": label,
        "product": product,
    }


def genuine_site() -> str:
    """Return the one genuine address of the verify site as people read it: the configured
    base URL in lower case (``https://xacthuc.ocop.vn``)."""
    base = urlsplit(current_app.config["OCOP_BASE_URL"].lower())
    return f"{base.scheme}://{base.netloc}"


def day(value: date | datetime | None) -> str:
    """Return ``value`` as dd/mm/yyyy (the Vietnamese order, also clear in English); a
    datetime is shown on the calendar of the programme's time zone. Plain strftime: Babel's
    formatter costs more than the rest of the page."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(current_app.config["OCOP_TIMEZONE"])).date()
    return value.strftime("%d/%m/%Y")


def _translations() -> Any:
    # Flask-Babel looks the catalogue up again on every call (about 60 per scan page), at a
    # cost larger than the page's own work; the catalogue of a language never changes while
    # the process runs, so each worker keeps one per language.
    translations = g.get("ocop_translations")
    if translations is None:
        language = select_locale()
        loaded = services().translations
        translations = loaded.get(language)
        if translations is None:
            translations = loaded[language] = get_translations()
        g.ocop_translations = translations
    return translations


def init_app(app: Flask) -> None:
    """Make the word maps and formatters available to every template, with a faster ``_``."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        headings=HEADINGS,
        reasons=REVOCATION_REASONS,
        kinds=PRODUCER_KINDS,
        levels=LEVELS,
        event_names=EVENTS,
        warnings=WARNINGS,
        short_code=short_code,
        day=day,
        province_name=places.name,
        is_typo=typo,
        genuine_site=genuine_site,
    )
