"""The data-at-rest cipher: authenticated encryption bound to a context, keyed hashes, key rotation."""

from __future__ import annotations

import pytest

from bot import crypto
from bot.crypto import CryptoError, DataCipher
from bot.settings import load

ID = "371321199207081535"


@pytest.fixture
def cipher() -> DataCipher:
    return DataCipher.from_strings(crypto.generate_key("k1"))


def test_round_trip_and_no_clear_text_in_the_token(cipher: DataCipher) -> None:
    token = cipher.encrypt(ID, context="person.id_number")
    assert ID not in token and "1535" not in token
    assert token.startswith("v1.k1.") and DataCipher.is_token(token)
    assert cipher.decrypt(token, context="person.id_number") == ID
    # A random nonce: the same value encrypts differently every time.
    assert cipher.encrypt(ID, context="person.id_number") != token


def test_token_moved_to_another_field_does_not_decrypt(cipher: DataCipher) -> None:
    token = cipher.encrypt("测试李强", context="person.name")
    with pytest.raises(CryptoError, match="校验失败"):
        cipher.decrypt(token, context="person.phone")


def test_tampered_token_is_refused(cipher: DataCipher) -> None:
    token = cipher.encrypt(ID, context="c")
    body = token.split(".", 2)[2]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(CryptoError):
        cipher.decrypt(f"v1.k1.{flipped}", context="c")
    with pytest.raises(CryptoError):
        cipher.decrypt("v1.k1.short", context="c")
    with pytest.raises(CryptoError):
        cipher.decrypt(ID, context="c")


def test_other_key_cannot_decrypt(cipher: DataCipher) -> None:
    other = DataCipher.from_strings(crypto.generate_key("k1"))
    with pytest.raises(CryptoError):
        other.decrypt(cipher.encrypt(ID, context="c"), context="c")


def test_blind_index_is_stable_keyed_and_per_context(cipher: DataCipher) -> None:
    digest = cipher.blind_index(ID, context="person.id_number")
    assert digest == cipher.blind_index(ID, context="person.id_number")
    assert len(digest) == 64 and ID not in digest
    assert digest != cipher.blind_index(ID, context="person.phone")
    other = DataCipher.from_strings(crypto.generate_key("k2"))
    assert other.blind_index(ID, context="person.id_number") != digest


def test_rotation_old_values_stay_readable_and_reencrypt_to_the_new_key() -> None:
    old_key, new_key = crypto.generate_key("k1"), crypto.generate_key("k2")
    old = DataCipher.from_strings(old_key)
    token = old.encrypt(ID, context="c")
    old_digest = old.blind_index(ID, context="c")

    rotated = DataCipher.from_strings(new_key, [old_key])
    assert rotated.current_kid == "k2" and rotated.kids == ("k2", "k1")
    assert rotated.decrypt(token, context="c") == ID
    assert rotated.needs_reencryption(token)
    fresh = rotated.reencrypt(token, context="c")
    assert DataCipher.key_id_of(fresh) == "k2" and not rotated.needs_reencryption(fresh)
    # Lookups during the rotation find rows hashed under either key.
    assert old_digest in rotated.blind_indexes(ID, context="c")
    assert rotated.blind_indexes(ID, context="c")[0] == rotated.blind_index(ID, context="c")
    # Once the old key is dropped, its ciphertexts are refused with a message naming the key, not the data.
    with pytest.raises(CryptoError, match="k1"):
        DataCipher.from_strings(new_key).decrypt(token, context="c")


@pytest.mark.parametrize(
    "text",
    ["", "nokid", "k1:", "k1:short", "bad kid:" + "A" * 43, "k1:" + "!" * 43],
)
def test_malformed_keys_are_refused_without_echoing_them(text: str) -> None:
    with pytest.raises(CryptoError) as info:
        DataCipher.from_strings(text)
    if len(text) > 10:
        assert text.split(":", 1)[1] not in str(info.value)


def test_duplicate_key_ids_are_refused() -> None:
    with pytest.raises(CryptoError, match="重复"):
        DataCipher.from_strings(crypto.generate_key("k1"), [crypto.generate_key("k1")])


def test_from_settings_reads_current_and_previous_keys() -> None:
    old_key, new_key = crypto.generate_key("old"), crypto.generate_key("new")
    cfg = load({"CASE_DATA_KEY": new_key, "CASE_DATA_KEYS_PREVIOUS": f" {old_key} ,"})
    assert crypto.from_settings(cfg).kids == ("new", "old")
    with pytest.raises(CryptoError, match="CASE_DATA_KEY"):
        crypto.from_settings(load({}))


def test_key_repr_hides_the_secret() -> None:
    key = crypto.DataKey.parse(crypto.generate_key("k1"))
    assert key.serialize().split(":")[1] not in repr(key)
