"""Every string the offline app shows, in both languages, for its JavaScript.

The app runs without the server, so the page carries a table of its strings in Vietnamese and
English (rendered through Flask-Babel when the shell is fetched, then cached with it). The
verdict headings, bodies, reasons and warnings are the scan page's own messages
(:mod:`verify_web.public.verdict_text`, ``templates/_verdict_top.html``,
``staff/_names.html``), so the app says exactly what the scan page and the field check say.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from verify_web.core.i18n import LANGUAGES
from verify_web.public.verdict_text import HEADINGS, REVOCATION_REASONS, WARNINGS

VERDICT = {
    "genuine_body": _l(
        "This label was issued by the OCOP registry and the product's certification is valid today."
    ),
    "expired_body": _l(
        "The label is genuine, but the product's OCOP certification ended on %(date)s. "
        "It must be rated again before it may carry the OCOP mark."
    ),
    "revoked_body": _l("This label was withdrawn by the OCOP office. Reason: %(reason)s."),
    "revoked_advice": _l("Do not rely on this label. Ask the seller, or report it below."),
    "invalid_body": _l(
        "This code was not issued by the OCOP registry. "
        "The product may be fake or only borrowing the OCOP label."
    ),
    "invalid_advice": _l(
        "Do not pay for it as an OCOP product. Keep the package and report where you saw it."
    ),
    "foreign_heading": _l("Warning: this QR code opens another site"),
    "foreign_body": _l(
        "The signature inside is ours, but a phone would open another site, not ours: "
        "a likely phishing copy. Do not treat this label as genuine."
    ),
    "genuine_site": _l("The only genuine address is %(site)s."),
}

APP = {
    "title": _l("OCOP offline check"),
    "intro": _l("Checks a label's QR code on this phone, also with no signal. Install it once while online."),
    "scan": _l("Scan with the camera"),
    "stop": _l("Stop the camera"),
    "paste": _l("or paste the QR content"),
    "check": _l("Check"),
    "camera_failed": _l("The camera could not be opened. Allow the camera, or paste the QR content."),
    "reader_native": _l("Camera reader: the browser's own"),
    "reader_wasm": _l("Camera reader: ZXing (WebAssembly, from this site)"),
    "online": _l("Online"),
    "offline": _l("Offline: checks use the lists saved on this phone."),
    "refresh": _l("Refresh the lists"),
    "refreshed_at": _l("Key set and revocation list last refreshed: %(when)s."),
    "list_version": _l("Revocation list version %(version)s, valid until %(until)s."),
    "never_refreshed": _l(
        "The key set and the revocation list have not been downloaded yet: connect to the internet once."
    ),
    "refresh_failed": _l("The lists could not be refreshed; the saved ones are used."),
    "rollback": _l(
        "The server sent an older revocation list (version %(got)s) than the one on this phone (version "
        "%(have)s): it was refused and the newer one kept."
    ),
    "list_refused": _l(
        "The downloaded revocation list is not correctly signed by the office: it was refused."
    ),
    "stale": _l(
        "The lists on this phone are more than 24 hours old (refreshed %(when)s): a label revoked since then "
        "still looks valid here."
    ),
    "list_expired": _l(
        "The revocation list on this phone expired on %(when)s: this check cannot tell whether the label was "
        "revoked since. Do not rely on “genuine” until the app has refreshed its lists."
    ),
    "no_list": _l("No revocation list is saved on this phone: revoked labels cannot be recognised."),
    "not_consulted": _l(
        "Checked on this phone from the code and the saved lists only: the registry (producer and product "
        "names, live status beyond the revocation list, copy signals) was not consulted."
    ),
    "unmatched": _l(
        "The list also holds %(n)s revocations of whole lots, number ranges, products or producers, which "
        "this phone cannot match to a label without the registry."
    ),
    "no_names": _l(
        "Product and producer names are shown only online (this app keeps no copy of the registry)."
    ),
    "revoked_by_list": _l("Revoked in the office's revocation list (version %(version)s)."),
    "stars": _l("Stars"),
    "certified_until": _l("Certified until"),
    "short_code": _l("Short code"),
    "open_online": _l("Open the full page (online)"),
    "queue_waiting": _l("Waiting to be sent: %(n)s."),
    "queue_empty": _l("Nothing waiting to be sent."),
    "queue_sent": _l("Sent: %(n)s."),
    "queue_rejected": _l("Refused by the server, not sent again: %(n)s."),
    "queue_login": _l("Sign in as an inspector to send the saved field checks."),
    "save_check": _l("Save this check for the office"),
    "check_saved": _l("Saved on this phone; it is sent when the network is back."),
    "report_title": _l("Report a suspected fake"),
    "shop": _l("Shop or market"),
    "province": _l("Province or city"),
    "note": _l("What looks wrong (optional)"),
    "contact": _l("Your phone or e-mail (optional)"),
    "send_report": _l("Send the report"),
    "report_saved": _l("Saved on this phone; the report is sent when the network is back."),
    "report_photo": _l("A photo can be added on the report page when online."),
    "install": _l("Install: in the browser's menu choose “Add to Home screen”."),
    "language": _l("Language"),
}


def table() -> dict[str, dict[str, str]]:
    """Return ``{language: {key: text}}`` for every app string, in every site language."""
    groups = {
        "heading": HEADINGS,
        "reason": REVOCATION_REASONS,
        "warning": WARNINGS,
        "verdict": VERDICT,
        "app": APP,
    }
    out: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        with force_locale(language):
            out[language] = {
                f"{group}.{key}": str(text)
                for group, messages in groups.items()
                for key, text in messages.items()
            }
    return out
