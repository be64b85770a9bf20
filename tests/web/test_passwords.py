"""Password hashes for `[[users]]`: the format the config accepts, and verification."""

from __future__ import annotations

import pytest

from monitor.config import parse_config
from monitor.web.passwords import hash_password, verify_password


def test_round_trip_and_config_format() -> None:
    encoded = hash_password("s3cret pass", iterations=1000)
    assert encoded.startswith("pbkdf2_sha256$1000$")
    assert verify_password("s3cret pass", encoded)
    assert not verify_password("s3cret pasS", encoded)
    assert not verify_password("", encoded)
    # the configuration accepts it as a user's hash
    cfg = parse_config({"users": [{"name": "alice", "password_hash": encoded}]})
    assert cfg.users[0].name == "alice"


def test_salted() -> None:
    assert hash_password("same", iterations=1000) != hash_password("same", iterations=1000)


def test_default_cost_is_high() -> None:
    assert int(hash_password("x").split("$")[1]) >= 600_000


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plaintext",
        "pbkdf2_sha256$1000$salt",
        "md5$1000$salt$AAAA",
        "pbkdf2_sha256$abc$salt$AAAA",
        "pbkdf2_sha256$0$salt$AAAA",
        "pbkdf2_sha256$99999999999$salt$AAAA",
        "pbkdf2_sha256$1000$salt$not base64!",
        "pbkdf2_sha256$1000$sälz$AAAA",
    ],
)
def test_malformed_hashes_never_match(encoded: str) -> None:
    assert verify_password("anything", encoded) is False
