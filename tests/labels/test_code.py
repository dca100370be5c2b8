"""The signed label code: round trip, size, and rejection of every single-character or bit change."""

from datetime import date

import pytest

from keys import Keyring, KeyStatus, PublicKey, generate
from labels import (
    CODE_DIGITS,
    BaseURLError,
    DecodeError,
    LabelPayload,
    LabelSerializer,
    PayloadError,
    SignatureError,
    code_to_text,
    normalize_base_url,
    parse_short_code,
    short_code,
    sign,
)
from labels.encoding import bytes_to_digits
from labels.qr import V6_M_DATA_BITS, data_bits, encode
from labels.signer import CODE_SIZE, open_code


@pytest.fixture(scope="module")
def payload(test_key):
    return LabelPayload(kid=test_key.kid, serial=(1 << 60) - 1, stars=5, certified_until=date(2029, 2, 28))


def test_round_trip(serializer, test_key, payload):
    text = serializer.dumps(payload, test_key)
    assert text.startswith("https://XACTHUC.OCOP.VN/V/")
    assert len(text) - len("https://XACTHUC.OCOP.VN/V/") == CODE_DIGITS == 191
    opened, key, scanned = serializer.loads(text)
    assert opened == payload and key.kid == test_key.kid
    assert scanned.base_url == "https://xacthuc.ocop.vn"
    # A label printed before, in the all-upper-case form, reads the same.
    assert serializer.loads(text.replace("https://", "HTTPS://"))[0] == payload


def test_signatures_are_deterministic(serializer, test_key, payload):
    assert serializer.dumps(payload, test_key) == serializer.dumps(payload, test_key)


@pytest.mark.parametrize(
    "base", ["https://xacthuc.ocop.vn", "https://verify.ocop-viet.vn", "HTTPS://A.VN", "http://127.0.0.1:8000"]
)
def test_qr_fits_version_6_at_level_m(base, keyring, test_key, payload):
    assert len(normalize_base_url(base)) <= 28
    text = LabelSerializer(base, keyring).dumps(payload, test_key)
    host = text[: text.index("/V/")].split("//")[1]
    assert text.startswith(("https://", "http://")) and host == host.upper()
    assert encode(text).version <= 6


@pytest.mark.parametrize(("scheme", "longest"), [("https", 28), ("http", 29)])
def test_longest_base_url_that_fits_version_6_is_measured(test_key, payload, scheme, longest):
    digits = bytes_to_digits(sign(payload, test_key))
    for length, version in ((longest, 6), (longest + 1, 7)):
        rest = "://" + "A" * (length - len(scheme) - 3) + "/V/"
        assert encode(scheme + rest + digits).version == version
        assert (data_bits(scheme, rest, CODE_DIGITS) <= V6_M_DATA_BITS) == (version == 6)


def test_base_url_length_limit(keyring, test_key, payload):
    longest = "https://" + "a" * 17 + ".vn"
    assert len(longest) == 28
    text = LabelSerializer(longest, keyring).dumps(payload, test_key)
    assert encode(text).version == 6
    with pytest.raises(BaseURLError, match="at most 28"):
        normalize_base_url("https://" + "a" * 18 + ".vn")


def test_last_day_the_format_holds_is_2064_11_08(test_key):
    body = LabelPayload(test_key.kid, 1, 5, date(2064, 11, 8)).pack()
    assert LabelPayload.unpack(body).certified_until == date(2064, 11, 8)


def test_data_bits_at_24_characters_match_the_spec():
    """docs/label-code.md §3.1: 837 bits for the new form, 813 for the old upper-case one."""
    assert data_bits("https", "://XACTHUC.OCOP.COM/V/", CODE_DIGITS) == 837
    assert data_bits("", "HTTPS://XACTHUC.OCOP.COM/V/", CODE_DIGITS) == 813


def test_every_bit_flip_is_rejected(keyring, test_key, payload):
    code = sign(payload, test_key)
    for bit in range(CODE_SIZE * 8):
        data = bytearray(code)
        data[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises((DecodeError, SignatureError)):
            open_code(bytes(data), keyring)


def test_every_single_digit_change_is_rejected(serializer, test_key, payload):
    text = serializer.dumps(payload, test_key)
    start = len(text) - CODE_DIGITS
    for i in range(start, len(text)):
        for d in "0123456789":
            if d != text[i]:
                with pytest.raises((DecodeError, SignatureError)):
                    serializer.loads(text[:i] + d + text[i + 1 :])


def test_truncation_and_extension_at_every_length(serializer, test_key, payload):
    text = serializer.dumps(payload, test_key)
    for cut in range(len(text)):
        with pytest.raises((DecodeError, SignatureError)):
            serializer.loads(text[:cut])
    for extra in ("0", "9", "00", "/", "?a=1", "#x"):
        with pytest.raises(DecodeError):
            serializer.loads(text + extra)


def test_splices_of_two_codes_are_rejected(keyring, test_key, payload):
    other = LabelPayload(kid=test_key.kid, serial=42, stars=3, certified_until=date(2027, 1, 1))
    a, b = sign(payload, test_key), sign(other, test_key)
    spliced = {a[:cut] + b[cut:] for cut in range(1, CODE_SIZE)} - {a, b}  # a shared prefix splices to b
    assert len(spliced) > 60
    for code in spliced:
        with pytest.raises((DecodeError, SignatureError)):
            open_code(code, keyring)


def test_unknown_and_compromised_keys(test_key, payload, serializer):
    stranger = generate()
    foreign = LabelPayload(kid=stranger.kid, serial=1, stars=4, certified_until=date(2028, 1, 1))
    with pytest.raises(SignatureError) as info:
        serializer.loads(code_to_text(sign(foreign, stranger), serializer.base_url))
    assert info.value.reason.value == "unknown_key" and info.value.kid == stranger.kid
    # An impostor key that claims our key id is caught by the signature.
    impostor = LabelPayload(kid=test_key.kid, serial=1, stars=4, certified_until=date(2028, 1, 1))
    with pytest.raises(SignatureError) as info:
        serializer.loads(
            code_to_text(
                impostor.pack() + stranger.sign(b"OCOP-LABEL\x00" + impostor.pack()), serializer.base_url
            )
        )
    assert info.value.reason.value == "bad_signature"


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("stars", {"stars": 2}),
        ("stars", {"stars": 6}),
        ("serial", {"serial": 1 << 60}),
        ("serial", {"serial": -1}),
        ("certified_until", {"certified_until": date(2019, 12, 31)}),
        ("certified_until", {"certified_until": date(2064, 11, 9)}),
        ("kid", {"kid": "xyz"}),
    ],
)
def test_payload_refuses_values_it_cannot_hold(test_key, field, kwargs):
    values = {"kid": test_key.kid, "serial": 1, "stars": 4, "certified_until": date(2028, 1, 1)} | kwargs
    with pytest.raises(PayloadError) as info:
        LabelPayload(**values).pack()
    assert info.value.field == field


def test_signing_with_a_key_other_than_the_payloads_is_refused(test_key):
    with pytest.raises(PayloadError):
        sign(LabelPayload(kid="00000000", serial=1, stars=4, certified_until=date(2028, 1, 1)), test_key)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.vn",
        "javascript://x.vn",
        "http://xacthuc.ocop.vn",
        "https://x.vn/path",
        "https://user@x.vn",
        "https://",
        "not a url",
        "https://x.vn/?q=1",
        "https://x.vn/#f",
        "https://xá.vn",
        "https://" + "a" * 40 + ".vn",
    ],
)
def test_bad_base_urls_are_refused(url):
    with pytest.raises(BaseURLError):
        normalize_base_url(url)


def test_short_code_round_trip_and_typos():
    serial = 0x0ABC_DEF0_1234_567
    text = short_code(serial)
    assert len(text.replace("-", "")) == 13
    assert parse_short_code(text) == serial
    assert parse_short_code(text.lower().replace("-", " ")) == serial
    assert parse_short_code(text.replace("0", "O")) == serial
    typo = ("1" if text[0] != "1" else "2") + text[1:]
    with pytest.raises(DecodeError):
        parse_short_code(typo)
    for bad in ("", "ABC", "U" * 13, "!!!!-!!!!-!!!!!"):
        with pytest.raises(DecodeError):
            parse_short_code(bad)


def test_keyring_status_is_reported_not_judged(test_key, payload):
    ring = Keyring([PublicKey(test_key.kid, test_key.public_key, KeyStatus.COMPROMISED, payload_date())])
    _payload, key = open_code(sign(payload, test_key), ring)
    assert key.status is KeyStatus.COMPROMISED


def payload_date():
    from datetime import UTC, datetime

    return datetime(2026, 1, 1, tzinfo=UTC)


def test_short_code_check_character_is_typeable_and_catches_every_single_typo():
    from labels.encoding import CROCKFORD

    for serial in (0, 1, 0x0ABC_DEF0_1234_567, (1 << 60) - 1):
        text = short_code(serial).replace("-", "")
        assert (text.isalnum() and text.isupper()) or text.isdigit()
        for i, original in enumerate(text):
            for ch in CROCKFORD:
                if ch != original:
                    with pytest.raises(DecodeError):
                        parse_short_code(text[:i] + ch + text[i + 1 :])
