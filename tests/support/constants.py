"""Values the whole suite shares: the test-only key passphrase and session secret, and the
verify site's address written into test labels."""

PASSPHRASE = "test-only passphrase, never used elsewhere"
BASE_URL = "https://xacthuc.ocop.vn"
TEST_SECRET = "test-only-secret-key-" + "x" * 40
