"""Signatures and safe-mode crypto against wechatpy, in both directions."""

from __future__ import annotations

import base64
import struct

import pytest
import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st
from wechat_peer import AES_KEY, APPID, TOKEN, sign
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature as wechatpy_check_signature

from bot.channels.wechat.crypto import MessageCrypto, decode_aes_key, pkcs7_pad, pkcs7_unpad
from bot.channels.wechat.errors import CryptoError
from bot.channels.wechat.signature import check_signature, compute_signature

OTHER_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
printable = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@pytest.mark.parametrize(
    ("token", "timestamp", "nonce", "expected"),
    [
        ("AAAAA", "1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
        ("AAAAA", "1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
    ],
)
def test_signature_official_vectors(token, timestamp, nonce, expected):
    assert compute_signature(token, timestamp, nonce) == expected
    assert check_signature(token, expected, timestamp, nonce)
    wechatpy_check_signature(token, compute_signature(token, timestamp, nonce), timestamp, nonce)


@given(token=printable, timestamp=st.text(max_size=12), nonce=printable, encrypt=printable)
@settings(max_examples=100, deadline=None)
def test_signature_matches_wechatpy(token, timestamp, nonce, encrypt):
    assert compute_signature(token, timestamp, nonce) == sign(token, timestamp, nonce)
    assert compute_signature(token, timestamp, nonce, encrypt) == sign(token, timestamp, nonce, encrypt)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "0" * 40,
        "签" * 40,
        "ü" * 40,
        "\udcff" * 40,
        "g" * 40,
        "F464B24FC39322E44B38AA78F5EDD27BD1441696",
    ],
)
def test_check_signature_refuses_without_raising(signature):
    assert not check_signature("AAAAA", signature, "1714036504", "1514711492")


def test_empty_token_never_validates():
    assert not check_signature("", sign("", "1", "2"), "1", "2")


def test_decode_aes_key():
    assert decode_aes_key(AES_KEY) == base64.b64decode(AES_KEY + "=")
    assert len(decode_aes_key(AES_KEY)) == 32
    for bad in ["", "short", AES_KEY + "A", AES_KEY[:-1] + "!"]:
        with pytest.raises(ValueError):
            decode_aes_key(bad)


@pytest.mark.parametrize("size", [0, 1, 31, 32, 33, 64])
def test_pkcs7_pads_to_32_and_round_trips(size):
    padded = pkcs7_pad(b"x" * size)
    assert len(padded) % 32 == 0 and len(padded) > size
    assert pkcs7_unpad(padded) == b"x" * size


@pytest.mark.parametrize(
    "data",
    [b"", b"x" * 31 + b"\x00", b"x" * 31 + b"\x21", b"x" * 28 + b"\x01\x04\x04\x04", b"\x05" * 3],
    ids=["empty", "zero", "over-32", "inconsistent", "longer-than-data"],
)
def test_pkcs7_unpad_is_strict(data):
    with pytest.raises(CryptoError):
        pkcs7_unpad(data)


@given(message=printable)
@settings(max_examples=50, deadline=None)
def test_our_ciphertext_decrypts_with_wechatpy(message):
    encrypt = MessageCrypto([AES_KEY], APPID).encrypt(message)
    assert PrpCrypto(decode_aes_key(AES_KEY)).decrypt(encrypt, APPID) == message


@given(message=printable)
@settings(max_examples=50, deadline=None)
def test_wechatpy_ciphertext_decrypts_with_ours(message):
    encrypt = PrpCrypto(decode_aes_key(AES_KEY)).encrypt(message, APPID)
    assert MessageCrypto([AES_KEY], APPID).decrypt(encrypt) == message


def test_signed_reply_envelope_verified_by_wechatpy():
    crypto = MessageCrypto([AES_KEY], APPID)
    encrypt = crypto.encrypt("<xml><Content><![CDATA[你好]]></Content></xml>")
    signature = compute_signature(TOKEN, "1714036504", "42", encrypt)
    peer = WeChatCrypto(TOKEN, AES_KEY, APPID)
    envelope = {"Encrypt": encrypt}
    assert "你好" in peer.decrypt_message(envelope, signature, "1714036504", "42")
    with pytest.raises(InvalidSignatureException):
        peer.decrypt_message(envelope, "0" * 40, "1714036504", "42")


def test_wechatpy_envelope_decrypts_with_ours():
    envelope = WeChatCrypto(TOKEN, AES_KEY, APPID).encrypt_message("<xml>内容</xml>", "77", "1714036504")
    fields = xmltodict.parse(envelope)["xml"]
    assert check_signature(TOKEN, fields["MsgSignature"], "1714036504", "77", fields["Encrypt"])
    assert MessageCrypto([AES_KEY], APPID).decrypt(fields["Encrypt"]) == "<xml>内容</xml>"


def test_previous_key_is_tried_after_the_current_one():
    old_ciphertext = MessageCrypto([AES_KEY], APPID).encrypt("旧")
    rotated = MessageCrypto([OTHER_KEY, AES_KEY], APPID)
    assert rotated.decrypt(old_ciphertext) == "旧"
    assert PrpCrypto(decode_aes_key(OTHER_KEY)).decrypt(rotated.encrypt("新"), APPID) == "新"
    with pytest.raises(CryptoError):
        MessageCrypto([OTHER_KEY], APPID).decrypt(old_ciphertext)


def _raw(plaintext: bytes) -> str:
    key = decode_aes_key(AES_KEY)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plaintext) + encryptor.finalize()).decode()


def _frame(message: bytes, appid: bytes = APPID.encode(), length: int | None = None) -> bytes:
    return b"r" * 16 + struct.pack(">I", len(message) if length is None else length) + message + appid


@pytest.mark.parametrize(
    "encrypt",
    [
        "not base64 !",
        "QUJD",  # 3 bytes
        base64.b64encode(b"x" * 20).decode(),  # not a multiple of 16
        "",
        _raw(pkcs7_pad(_frame(b"<xml/>", length=2**32 - 1))),
        _raw(pkcs7_pad(_frame(b"<xml/>", appid=b"wxother"))),
        _raw(pkcs7_pad(_frame(b"<xml/>", appid=b""))),
        _raw(pkcs7_pad(b"short")),
        _raw(pkcs7_pad(_frame(b"\xff\xfe"))),
        _raw(_frame(b"<xml/>").ljust(64, b"\x00")),
    ],
    ids=[
        "bad-base64",
        "too-short",
        "not-block-multiple",
        "empty",
        "length-field",
        "wrong-appid",
        "no-appid",
        "no-header",
        "not-utf8",
        "zero-padding",
    ],
)
def test_decrypt_rejects(encrypt):
    with pytest.raises(CryptoError):
        MessageCrypto([AES_KEY], APPID).decrypt(encrypt)


def test_wechatpy_would_accept_what_we_refuse():
    """wechatpy does not check the padding bytes; the channel does."""
    tampered = pkcs7_pad(_frame(b"<xml/>"))
    n = tampered[-1]
    assert n >= 2
    tampered = tampered[:-n] + bytes([0x01]) + bytes([n]) * (n - 1)
    encrypt = _raw(tampered)
    assert PrpCrypto(decode_aes_key(AES_KEY)).decrypt(encrypt, APPID) == "<xml/>"
    with pytest.raises(CryptoError):
        MessageCrypto([AES_KEY], APPID).decrypt(encrypt)


def test_crypto_needs_key_and_appid():
    with pytest.raises(ValueError):
        MessageCrypto([], APPID)
    with pytest.raises(ValueError):
        MessageCrypto([AES_KEY], "")
