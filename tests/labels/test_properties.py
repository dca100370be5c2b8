"""Property tests: decoding never raises a foreign error; sign→encode→decode→verify round-trips."""

import contextlib
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labels import LabelError, LabelPayload, parse, parse_short_code
from labels.payload import EPOCH, MAX_DAYS
from usecases.verify import Status, verify_scan

payloads = st.builds(
    lambda serial, stars, days: (serial, stars, EPOCH + timedelta(days=days)),
    st.integers(0, (1 << 60) - 1),
    st.sampled_from([3, 4, 5]),
    st.integers(0, MAX_DAYS),
)
junk = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="0123456789", min_size=150, max_size=250),
    st.text(max_size=4096, alphabet=st.characters(codec="utf-8")),
    st.from_regex(r"(?i)https?://[a-z.]{1,30}/v/[0-9 ]{0,200}", fullmatch=True),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    st.none(),
    st.integers(),
    st.binary(max_size=20),
)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(text=junk)
def test_decoding_raises_only_our_errors(text, keyring):
    with contextlib.suppress(LabelError):
        parse(text)
    verdict = verify_scan(text, keyring=keyring, today=date(2026, 11, 22))
    assert verdict.status in (Status.INVALID, Status.GENUINE, Status.EXPIRED)


@SETTINGS
@given(text=st.text(max_size=100))
def test_short_code_parser_raises_only_our_errors(text):
    with contextlib.suppress(LabelError):
        assert 0 <= parse_short_code(text) < 1 << 60


@SETTINGS
@given(values=payloads)
def test_round_trip(values, serializer, test_key, keyring):
    serial, stars, until = values
    payload = LabelPayload(kid=test_key.kid, serial=serial, stars=stars, certified_until=until)
    text = serializer.dumps(payload, test_key)
    opened, _key, _ = serializer.loads(text)
    assert opened == payload
    assert parse_short_code(opened.short_code) == serial
    verdict = verify_scan(text, keyring=keyring, today=until)
    assert verdict.status is Status.GENUINE and verdict.payload == payload
    assert verify_scan(text, keyring=keyring, today=until + timedelta(days=1)).status is Status.EXPIRED
