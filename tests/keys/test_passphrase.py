import os

import pytest

from keys import PassphraseError, load_passphrase


def test_from_environment_value():
    assert load_passphrase({"OCOP_KEY_PASSPHRASE": "a long enough passphrase"}) == b"a long enough passphrase"


def test_from_owner_only_file(tmp_path):
    path = tmp_path / "pass"
    path.write_text("a long enough passphrase\n")
    os.chmod(path, 0o600)
    assert load_passphrase({"OCOP_KEY_PASSPHRASE_FILE": str(path)}) == b"a long enough passphrase"


@pytest.mark.parametrize(
    ("environ", "needle"),
    [
        ({}, "no key passphrase"),
        ({"OCOP_KEY_PASSPHRASE": "short"}, "too short"),
        ({"OCOP_KEY_PASSPHRASE": "a long enough passphrase", "OCOP_KEY_PASSPHRASE_FILE": "/x"}, "only one"),
        ({"OCOP_KEY_PASSPHRASE_FILE": "/no/such/file"}, "cannot read"),
    ],
)
def test_missing_or_bad_passphrase_is_a_clear_error(environ, needle):
    with pytest.raises(PassphraseError, match=needle):
        load_passphrase(environ)


def test_file_readable_by_group_is_refused(tmp_path):
    path = tmp_path / "pass"
    path.write_text("a long enough passphrase\n")
    os.chmod(path, 0o640)
    with pytest.raises(PassphraseError, match="chmod 600") as info:
        load_passphrase({"OCOP_KEY_PASSPHRASE_FILE": str(path)})
    assert info.value.source == str(path)
