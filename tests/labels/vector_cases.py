"""The cases of docs/vectors/: what each input must give, stated by hand from docs/label-code.md.

Each case is one line of intent; :mod:`tests.labels.vectors_gen` checks the implementation
agrees and records the outcome of every step.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from keys import Keyring, KeyStatus, PublicKey, key_id, private_key_from_seed
from labels import LabelPayload, code_to_text, normalize_base_url, sign
from labels.encoding import bytes_to_digits
from labels.linkcode import CONTEXT as LINK_CONTEXT
from labels.linkcode import HEAD_SIZE, LinkPayload, link_text
from labels.linkcode import sign as sign_link
from labels.signer import CONTEXT

SEED = bytes(range(32))  # the published test key: seed 00 01 02 … 1f. Never a real key.
OTHER_SEED = bytes(range(32, 64))
BASE = normalize_base_url("https://xacthuc.ocop.vn")  # https://XACTHUC.OCOP.VN
OLD_BASE = "HTTPS://XACTHUC.OCOP.VN"  # how labels were printed before lower-case schemes
TODAY = date(2026, 11, 22)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
COMPROMISED = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)
# Two 32-byte strings whose kids collide (a birthday search; see tests/keys/test_jwks.py).
CLASH = tuple(hashlib.sha256(b"ocop kid clash %d" % n).digest() for n in (13867, 40662))
OK = ("offline",)
NONE: tuple[str, ...] = ()
FOREIGN = ("foreign_domain", "offline")


@dataclass
class Case:
    name: str
    description: str
    qr: Any
    expect_status: str
    expect_reason: str | None
    expect_warnings: tuple[str, ...] = OK
    keys: dict[str, Any] | None = None  # the key set; None: the test key alone, active
    our_base_url: str | None = BASE
    today: date = TODAY


def key_set(status: str = "active", seed: bytes = SEED) -> dict[str, Any]:
    key = private_key_from_seed(seed)
    when = {"compromised_at": COMPROMISED} if status == "compromised" else {}
    return Keyring([PublicKey(key.kid, key.public_key, KeyStatus(status), CREATED, **when)]).to_jwks()


def jwk(seed: bytes = SEED, *, raw: bytes | None = None, **members: Any) -> dict[str, Any]:
    """A JWK written by hand, for key sets the service would never publish."""
    public = raw if raw is not None else private_key_from_seed(seed).public_key
    x = base64.urlsafe_b64encode(public).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key_id(public)} | members


def _signed(payload: LabelPayload, seed: bytes = SEED) -> bytes:
    return sign(payload, private_key_from_seed(seed))


def _raw_signed(body: bytes, seed: bytes = SEED) -> bytes:
    """Sign an arbitrary body, bypassing payload checks (for malformed-field vectors)."""
    return body + private_key_from_seed(seed).sign(CONTEXT + body)


def _flip(code: bytes, bit: int) -> bytes:
    data = bytearray(code)
    data[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(data)


WHITESPACE = {"tab": "\t", "lf": "\n", "vt": "\x0b", "ff": "\x0c", "cr": "\r", "gs": "\x1d"}
WHITESPACE |= {"space": " ", "nbsp": "\xa0", "bom": "\ufeff"}
NOT_WHITESPACE = {"nel": "\x85", "ideographic-space": "\u3000", "zero-width-space": "\u200b"}


def cases() -> list[Case]:
    kid = private_key_from_seed(SEED).kid
    good = LabelPayload(kid=kid, serial=0x0ABC_DEF0_1234_567, stars=4, certified_until=date(2028, 3, 10))
    other = LabelPayload(kid=kid, serial=0x0123_4567_89AB_CDE, stars=5, certified_until=date(2027, 9, 1))
    code, code_b = _signed(good), _signed(other)
    url, digits = code_to_text(code, BASE), bytes_to_digits(code)
    prefix, tail = f"{BASE}/V/", f"/V/{digits}"
    expired = _signed(LabelPayload(kid=kid, serial=77, stars=3, certified_until=date(2024, 6, 15)))
    other_kid = private_key_from_seed(OTHER_SEED).kid
    stranger = _signed(
        LabelPayload(other_kid, good.serial, 4, good.certified_until), OTHER_SEED
    )
    by_other = code_to_text(stranger, BASE)
    body = good.pack()
    stars_field = struct.unpack(">H", body[13:15])[0] | 0xC000
    changed_digit = digits[:100] + str((int(digits[100]) + 1) % 10) + digits[101:]
    last_day = LabelPayload(kid=kid, serial=4242, stars=4, certified_until=TODAY)
    clash_code = _raw_signed(bytes([1]) + bytes.fromhex(key_id(CLASH[0])) + body[5:])
    c = Case
    out = [
        c("01-genuine", "A valid code for a 4-star label, verified offline", url, "genuine", None),
        c("02-bare-digits", "The digits alone, without the URL, are accepted", digits, "genuine", None),
        c("03-lowercase-url", "All lower case (some scanners fold case)", url.lower(), "genuine", None),
        c("04-surrounding-space", "Leading and trailing white space is removed", f"  {url}\n", "genuine",
          None),
        c("05-expired", "Certification ended 2024-06-15; checked on 2026-11-22",
          code_to_text(expired, BASE), "expired", "past_date"),
        c("06-compromised-key", "Valid signature by a key listed as compromised", url, "revoked",
          "key_compromised", NONE, key_set("compromised")),
        c("07-retired-key", "A retired key still verifies what it signed", url, "genuine", None,
          keys=key_set("retired")),
        c("08-unknown-key", "Well-formed code signed by a key not in the key set", by_other,
          "invalid", "unknown_key", NONE),
        c("09-body-bit-flip", "One bit of the serial flipped", code_to_text(_flip(code, 60), BASE),
          "invalid", "bad_signature", NONE),
        c("10-signature-bit-flip", "One bit of the signature flipped",
          code_to_text(_flip(code, 8 * 40 + 3), BASE), "invalid", "bad_signature", NONE),
        c("11-digit-changed", "One decimal digit changed", prefix + changed_digit, "invalid",
          "bad_signature", NONE),
        c("12-truncated", "Last digit missing", url[:-1], "invalid", "bad_length", NONE),
        c("13-extended", "One digit too many", url + "0", "invalid", "bad_length", NONE),
        c("14-splice", "Body of one genuine code with the signature of another",
          code_to_text(code[:15] + code_b[15:], BASE), "invalid", "bad_signature", NONE),
        c("15-unsupported-version", "Correctly signed, but format version 2",
          code_to_text(_raw_signed(bytes([2]) + body[1:]), BASE), "invalid", "unsupported_version", NONE),
        c("16-reserved-bits", "Correctly signed, serial's reserved top bits set",
          code_to_text(_raw_signed(body[:5] + bytes([body[5] | 0x80]) + body[6:]), BASE),
          "invalid", "bad_field", NONE),
        c("17-bad-stars-field", "Correctly signed, star field value 3 (would be 6 stars)",
          code_to_text(_raw_signed(body[:13] + struct.pack(">H", stars_field)), BASE),
          "invalid", "bad_field", NONE),
        c("18-out-of-range", "191 digits above 2^632-1", prefix + "9" * 191, "invalid", "out_of_range", NONE),
        c("19-non-digit", "A letter among the digits", prefix + digits[:50] + "A" + digits[51:],
          "invalid", "bad_digits", NONE),
        c("20-non-ascii-digits", "Arabic-Indic digit in place of a digit (a browser percent-encodes it)",
          prefix + digits[:10] + "\u0663" + digits[11:], "invalid", "bad_digits", NONE),
        c("21-empty", "Empty scan", "", "invalid", "empty", NONE),
        c("22-not-a-label", "Some other URL", "https://example.com/product/123", "invalid", "not_a_label",
          NONE),
        c("23-query-appended", "Anything after the code is refused", url + "?utm=1", "invalid",
          "not_a_label", NONE),
        c("24-inner-space", "A space inside the digits: non-digit is checked before length",
          url[:60] + " " + url[60:], "invalid", "bad_digits", NONE),
        c("25-too-long", "4 KB of digits", prefix + "1" * 4096, "invalid", "too_long", NONE),
        c("26-foreign-domain", "A genuine code under a look-alike domain (phishing)",
          code_to_text(code, normalize_base_url("https://xacthuc-ocop.vn")), "genuine", None, FOREIGN),
        # The QR form of issue 9 and the form printed before it.
        c("27-old-upper-case-form", "Printed before: upper-case scheme, still genuine",
          OLD_BASE + tail, "genuine", None),
        c("28-mixed-case-scheme", "The scheme is compared without case", "HtTpS://XACTHUC.OCOP.VN" + tail,
          "genuine", None),
        c("29-http-scheme", "http:// to our host is our address (the site redirects to https)",
          "http://XACTHUC.OCOP.VN" + tail, "genuine", None),
        c("30-javascript-scheme", "Only http and https are label addresses",
          "javascript://XACTHUC.OCOP.VN" + tail, "invalid", "bad_scheme", NONE),
        c("31-ftp-scheme", "Only http and https are label addresses", "ftp://XACTHUC.OCOP.VN" + tail,
          "invalid", "bad_scheme", NONE),
        c("32-userinfo-before-our-host", "A user name before @ is never our address",
          "https://evil.example@XACTHUC.OCOP.VN" + tail, "genuine", None, FOREIGN),
        c("33-our-host-as-userinfo", "Our host before @: a browser opens evil.example",
          "https://XACTHUC.OCOP.VN@evil.example" + tail, "genuine", None, FOREIGN),
        c("34-backslash-trick", "A backslash ends the host (WHATWG): a browser opens evil.example",
          "http://evil.example\\@XACTHUC.OCOP.VN" + tail, "genuine", None, FOREIGN),
        c("35-backslashes-to-our-host", "Backslashes are slashes in http(s) URLs: this opens our site",
          "https:\\\\XACTHUC.OCOP.VN\\V\\" + digits, "genuine", None),
        c("36-other-port", "Another port is another site", "https://XACTHUC.OCOP.VN:8443" + tail,
          "genuine", None, FOREIGN),
        c("37-default-port", "The scheme's default port is no port", "https://XACTHUC.OCOP.VN:443" + tail,
          "genuine", None),
        c("38-idn-look-alike", "Cyrillic х (U+0445) in place of x: another host (xn--…)",
          "https://\u0445ACTHUC.OCOP.VN" + tail, "genuine", None, FOREIGN),
        c("39-trailing-dot-host", "A trailing dot makes another WHATWG host",
          "https://XACTHUC.OCOP.VN." + tail, "genuine", None, FOREIGN),
        c("40-path-before-mark", "A path before /V/ is not our label address",
          "https://XACTHUC.OCOP.VN/X" + tail, "genuine", None, FOREIGN),
        c("41-repeated-mark", "{base}/V/<B>/V/<A>: /V/ may appear once", f"{BASE}/V/{bytes_to_digits(code_b)}"
          + tail, "invalid", "not_a_label", NONE),
        c("42-repeated-mark-in-page-path", "What the page /V/<rest> judges for that splice: <B>/V/<A>",
          f"{bytes_to_digits(code_b)}{tail}", "invalid", "not_a_label", NONE),
        c("43-not-a-string", "A JSON number, not text", 12345, "invalid", "not_a_label", NONE),
        c("44-bare-with-letter", "Bare input must be digits only", digits[:50] + "A" + digits[51:],
          "invalid", "not_a_label", NONE),
        c("45-inner-newline", "A browser removes tab and newline inside a URL (WHATWG): genuine",
          url[:100] + "\n" + url[100:], "genuine", None),
        c("46-empty-code", "Nothing after /V/", prefix, "invalid", "bad_length", NONE),
        c("47-percent-encoded-digit", "%30 is 0: segments are percent-decoded, as the site's router does",
          prefix + "%30" + digits[1:], "genuine", None),
        c("48-length-counted-before-stripping", "513 code points, 296 of them trailing spaces",
          url + " " * (513 - len(url)), "invalid", "too_long", NONE),
        c("49-512-with-spaces", "512 code points including the white space: genuine",
          url + " " * (512 - len(url)), "genuine", None),
        c("50-length-in-code-points", "300 emoji: 300 code points (600 UTF-16 units), not too long",
          "\U0001f600" * 300, "invalid", "not_a_label", NONE),
        c("51-expiry-day", "Checked on the last day of the certification: genuine",
          code_to_text(_signed(last_day), BASE), "genuine", None),
        c("52-day-after-expiry", "Checked the day after the last day: expired",
          code_to_text(_signed(last_day), BASE), "expired", "past_date", today=TODAY + timedelta(days=1)),
        c("53-five-stars", "A 5-star label", code_to_text(code_b, BASE), "genuine", None),
        c("54-multi-key-set", "Two keys; the code is signed by the second (retired) one", by_other,
          "genuine", None, keys={"keys": [jwk(status="active"), jwk(OTHER_SEED, status="retired")]}),
        c("55-kid-x-mismatch", "An entry whose kid is not the kid of its x is ignored", url, "invalid",
          "unknown_key", NONE, {"keys": [jwk(kid="00000000")]}),
        c("56-kid-upper-case", "kid is compared exactly: upper-case hex does not match", url, "invalid",
          "unknown_key", NONE, {"keys": [jwk(kid=kid.upper())]}),
        c("57-missing-status", "An entry of keys without status is active", url, "genuine", None,
          keys={"keys": [jwk()]}),
        c("58-unknown-status", "An entry with an unknown status is ignored", url, "invalid", "unknown_key",
          NONE, {"keys": [jwk(status="suspended")]}),
        c("59-listed-twice", "One key in keys and in compromised: the most severe status wins", url,
          "revoked", "key_compromised", NONE, {"keys": [jwk(status="active")], "compromised": [jwk()]}),
        c("60-kid-clash", "Two different keys with one kid: both ignored", code_to_text(clash_code, BASE),
          "invalid", "unknown_key", NONE, {"keys": [jwk(raw=CLASH[0]), jwk(raw=CLASH[1])]}),
        c("61-foreign-and-forged", "The foreign_domain warning goes with any verdict after step 1",
          "https://xacthuc-ocop.vn/V/" + bytes_to_digits(_flip(code, 60)), "invalid", "bad_signature",
          ("foreign_domain",)),
        c("62-own-site-unknown", "A verifier that does not know its own base URL cannot flag hosts",
          "https://XACTHUC-OCOP.VN" + tail, "genuine", None, our_base_url=None),
        c("63-percent-encoded-mark", "%56 is V", f"{BASE}/%56/{digits}", "genuine", None),
        c("64-percent-encoded-repeated-mark", "{base}/V/<B>/%56/<A>: still a repeated /V/",
          f"{BASE}/V/{bytes_to_digits(code_b)}/%56/{digits}", "invalid", "not_a_label", NONE),
        c("66-unpaired-surrogate", "A lone U+D800 is not valid Unicode", prefix + "\ud800" + digits[1:],
          "invalid", "not_a_label", NONE),
        c("65-bad-percent-encoding", "%FF does not decode (not UTF-8): kept as is, not a digit",
          prefix + "%FF" + digits[1:], "invalid", "bad_digits", NONE),
    ]
    n = len(out)
    for i, (name, ch) in enumerate(WHITESPACE.items(), start=n + 1):
        out.append(c(f"{i:02d}-strip-{name}", f"U+{ord(ch):04X} at both ends is removed", ch + url + ch,
                     "genuine", None))
    n = len(out)
    for i, (name, ch) in enumerate(NOT_WHITESPACE.items(), start=n + 1):
        out.append(c(f"{i:02d}-keep-{name}", f"U+{ord(ch):04X} is not removed: a trailing one is no digit",
                     url + ch, "invalid", "bad_digits", NONE))
    return out + gs1_cases(len(out) + 1)


GTIN = "08934567890120"  # a valid GTIN-14 (check digit 0)
OTHER_GTIN = "08934567890137"


def _link(payload: LinkPayload, base: str = BASE, seed: bytes = SEED) -> str:
    return link_text(payload, sign_link(payload, private_key_from_seed(seed)), base)


def _raw_link(payload: LinkPayload, head: bytes) -> str:
    """A GS1-form text whose head is ``head``, correctly signed (for malformed-field vectors)."""
    body = head + payload.signed_body()[HEAD_SIZE:]
    return link_text(payload, head + private_key_from_seed(SEED).sign(LINK_CONTEXT + body), BASE)


def gs1_cases(first: int) -> list[Case]:
    """The GS1 Digital Link form (docs/label-code.md §9): every rejection class of §9.4."""
    kid = private_key_from_seed(SEED).kid
    good = LinkPayload(kid, 0x0ABC_DEF0_1234_567, 4, date(2028, 3, 10), GTIN, "L2026-11", "281231")
    url = _link(good)
    path, _, query = url.partition("?")
    lot, serial = "/10/L2026-11", f"/21/{good.serial}"
    undated = LinkPayload(kid, 77, 5, date(2029, 1, 31), GTIN, "A-1/2", None)
    other_kid = private_key_from_seed(OTHER_SEED).kid
    stranger = LinkPayload(other_kid, good.serial, 4, good.certified_until, GTIN, "L2026-11", "281231")
    expired = LinkPayload(kid, 78, 3, date(2024, 6, 15), GTIN, "L2024", None)
    head = good.signed_body()[:HEAD_SIZE]
    sig = query.partition("s=")[2]
    c = Case
    out = [
        ("gs1-genuine", "GS1 form: GTIN, lot, serial and best-before in a Digital Link, signed", url,
         "genuine", None),
        ("gs1-no-best-before", "GS1 form without AI 17; a lot with a percent-encoded /", _link(undated),
         "genuine", None),
        ("gs1-gtin-13-in-path", "GTIN-13 in the path is the same GTIN-14 (GS1 allows it)",
         url.replace(f"/01/{GTIN}", f"/01/{GTIN[1:]}"), "genuine", None),
        ("gs1-mixed-case-scheme", "The scheme is compared without case", "HtTpS" + url[5:], "genuine", None),
        ("gs1-foreign-domain", "A genuine GS1 label under another host",
         _link(good, normalize_base_url("https://xacthuc-ocop.vn")), "genuine", None, FOREIGN),
        ("gs1-path-before-key", "A path before /01/ (allowed by GS1) is not our label address",
         url.replace("/01/", "/X/01/", 1), "genuine", None, FOREIGN),
        ("gs1-expired", "GS1 form, certification ended 2024-06-15", _link(expired), "expired", "past_date"),
        ("gs1-compromised-key", "GS1 form signed by a compromised key", url, "revoked", "key_compromised",
         NONE, key_set("compromised")),
        ("gs1-unknown-key", "GS1 form signed by a key not in the key set", _link(stranger, seed=OTHER_SEED),
         "invalid", "unknown_key", NONE),
        ("gs1-check-digit", "Wrong GTIN check digit", url.replace(f"/01/{GTIN}", "/01/08934567890121"),
         "invalid", "bad_link", NONE),
        ("gs1-gtin-length", "A GTIN of 11 digits", url.replace(f"/01/{GTIN}", "/01/93456789012"),
         "invalid", "bad_link", NONE),
        ("gs1-qualifier-order", "Serial before lot: qualifiers go 22, 10, 21",
         url.replace(lot + serial, serial + lot), "invalid", "bad_link", NONE),
        ("gs1-unknown-ai", "An AI that is not a key qualifier of a GTIN", url.replace("/10/", "/99/"),
         "invalid", "bad_link", NONE),
        ("gs1-lot-too-long", "AI 10 holds at most 20 characters", url.replace(lot, "/10/" + "A" * 21),
         "invalid", "bad_link", NONE),
        ("gs1-lot-outside-cset82", "AI 10 holds GS1 character set 82 only (not ô)",
         url.replace(lot, "/10/L%C3%B4"), "invalid", "bad_link", NONE),
        ("gs1-stray-percent", "A % that is not an escape", url.replace(lot, "/10/L%G1"), "invalid",
         "bad_link", NONE),
        ("gs1-bad-best-before", "AI 17 must be a date YYMMDD", url.replace("17=281231", "17=281331"),
         "invalid", "bad_link", NONE),
        ("gs1-extra-query", "Nothing may follow the signature", url + "&utm=1", "invalid", "bad_link", NONE),
        ("gs1-fragment", "A fragment is refused", url + "#x", "invalid", "not_a_label", NONE),
        ("gs1-unsigned", "A Digital Link without a signature is not a label", path, "invalid",
         "not_a_label", NONE),
        ("gs1-no-serial", "A GS1 label names a serial", url.replace(serial, ""), "invalid", "not_a_label",
         NONE),
        ("gs1-other-key", "Another GS1 key (a GLN) is not a label", f"{BASE}/414/8934567000009?{query}",
         "invalid", "not_a_label", NONE),
        ("gs1-gtin-changed", "Another valid GTIN: the signature covers it",
         url.replace(f"/01/{GTIN}", f"/01/{OTHER_GTIN}"), "invalid", "bad_signature", NONE),
        ("gs1-lot-changed", "One character of the lot changed", url.replace(lot, "/10/L2026-12"), "invalid",
         "bad_signature", NONE),
        ("gs1-serial-changed", "One digit of the serial changed",
         url.replace(serial, serial[:-1] + str((int(serial[-1]) + 1) % 10)), "invalid", "bad_signature",
         NONE),
        ("gs1-best-before-changed", "The printed best-before is signed too",
         url.replace("17=281231", "17=281230"), "invalid", "bad_signature", NONE),
        ("gs1-best-before-removed", "Removing AI 17 breaks the signature", url.replace("17=281231&", ""),
         "invalid", "bad_signature", NONE),
        ("gs1-signature-digit-changed", "One digit of the signature changed",
         url[:-40] + str((int(url[-40]) + 1) % 10) + url[-39:], "invalid", "bad_signature", NONE),
        ("gs1-v1-body", "A version 1 head in the GS1 form", _raw_link(good, bytes([1]) + head[1:]),
         "invalid", "unsupported_version", NONE),
        ("gs1-bad-stars-field", "Correctly signed, star field value 3",
         _raw_link(good, head[:5] + bytes([head[5] | 0xC0, head[6]])), "invalid", "bad_field", NONE),
        ("gs1-serial-leading-zero", "The serial is decimal without leading zeros",
         url.replace(serial, "/21/0" + serial[4:]), "invalid", "bad_field", NONE),
        ("gs1-serial-not-a-number", "AI 21 may hold letters; a label serial may not",
         url.replace(serial, "/21/A12"), "invalid", "bad_field", NONE),
        ("gs1-serial-too-big", "2^60 is above a label serial", url.replace(serial, f"/21/{1 << 60}"),
         "invalid", "bad_field", NONE),
        ("gs1-truncated", "Last signature digit missing", url[:-1], "invalid", "bad_length", NONE),
        ("gs1-non-digit", "A letter in the signature digits", url[:-5] + "A" + url[-4:], "invalid",
         "bad_digits", NONE),
        ("gs1-out-of-range", "171 digits above 2^568-1", url.replace(sig, "9" * 171), "invalid",
         "out_of_range", NONE),
    ]
    return [c(f"{first + i:02d}-{name}", *rest) for i, (name, *rest) in enumerate(out)]
