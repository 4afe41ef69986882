"""AES encryption of safe-mode (安全模式) messages, as the WeChat server protocol defines it.

The key is ``base64decode(EncodingAESKey + "=")`` (32 bytes), the cipher AES-256-CBC with ``IV = key[:16]``
and PKCS#7 padding to a 32-byte block. The plaintext is
``random(16) | len(msg) as 4-byte big-endian | msg | appid``. Decryption validates every padding byte, the
length field and the appid, and accepts the current and, during a rotation, the previous key.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import struct
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.channels.wechat.errors import CryptoError

BLOCK_SIZE = 32  # the protocol pads to 32 bytes, not to the AES block of 16
_ENCODING_AES_KEY_LENGTH = 43


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """Turn a 43-character EncodingAESKey into the 32-byte AES key.

    Args:
        encoding_aes_key: The key as shown on the WeChat platform.

    Returns:
        The 32 key bytes.

    Raises:
        ValueError: The key is not 43 base64 characters (the message is Chinese, fit for a start-up error).
    """
    if len(encoding_aes_key) != _ENCODING_AES_KEY_LENGTH:
        raise ValueError(f"EncodingAESKey 应为 {_ENCODING_AES_KEY_LENGTH} 个字符，实际为 {len(encoding_aes_key)} 个")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("EncodingAESKey 不是有效的 Base64 字符串") from None
    if len(key) != 32:  # pragma: no cover - 43 valid characters always give 32 bytes
        raise ValueError("EncodingAESKey 解码后应为 32 字节")
    return key


def pkcs7_pad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    """Pad ``data`` with PKCS#7 to a multiple of ``block_size`` (a full block when already aligned)."""
    n = block_size - len(data) % block_size
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    """Remove PKCS#7 padding, checking the count and every padding byte.

    Raises:
        CryptoError: The padding is not valid.
    """
    if not data:
        raise CryptoError("empty plaintext")
    n = data[-1]
    if not 1 <= n <= block_size or n > len(data):
        raise CryptoError("bad padding")
    if not hmac.compare_digest(data[-n:], bytes([n]) * n):
        raise CryptoError("bad padding")
    return data[:-n]


class MessageCrypto:
    """Encrypts and decrypts safe-mode message bodies for one official account.

    Args:
        encoding_aes_keys: The current EncodingAESKey first, then optionally the previous one.
        appid: The account's AppID, appended to every plaintext and checked on decryption.
        random_bytes: Source of the 16 random prefix bytes (injectable for tests).
    """

    def __init__(
        self,
        encoding_aes_keys: Sequence[str],
        appid: str,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        keys = [decode_aes_key(k) for k in encoding_aes_keys if k]
        if not keys:
            raise ValueError("未配置 EncodingAESKey")
        if not appid:
            raise ValueError("安全模式需要 AppID（WECHAT_APPID）")
        self._keys = keys
        self._appid = appid.encode("utf-8")
        self._random_bytes = random_bytes

    def encrypt(self, message: str) -> str:
        """Encrypt ``message`` with the current key and return the base64 text for ``<Encrypt>``."""
        raw = message.encode("utf-8")
        plaintext = self._random_bytes(16) + struct.pack(">I", len(raw)) + raw + self._appid
        key = self._keys[0]
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        ciphertext = encryptor.update(pkcs7_pad(plaintext)) + encryptor.finalize()
        return base64.b64encode(ciphertext).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """Decrypt the base64 text of ``<Encrypt>`` and return the inner XML.

        Tries the current key, then the previous one.

        Raises:
            CryptoError: Bad base64, a length that is not a whole number of AES blocks, bad padding, a length
                field beyond the plaintext, a wrong appid or a message that is not UTF-8.
        """
        try:
            ciphertext = base64.b64decode(encrypted.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("bad base64") from None
        if not ciphertext or len(ciphertext) % 16:
            raise CryptoError("ciphertext is not a multiple of 16 bytes")
        error = CryptoError("cannot decrypt")
        for key in self._keys:
            try:
                return self._decrypt_with(key, ciphertext)
            except CryptoError as exc:
                error = exc
        raise error

    def _decrypt_with(self, key: bytes, ciphertext: bytes) -> str:
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        plaintext = pkcs7_unpad(decryptor.update(ciphertext) + decryptor.finalize())
        if len(plaintext) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plaintext[16:20])
        if length > len(plaintext) - 20:
            raise CryptoError("length field beyond the plaintext")
        message, appid = plaintext[20 : 20 + length], plaintext[20 + length :]
        if not hmac.compare_digest(appid, self._appid):
            raise CryptoError("wrong appid")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise CryptoError("message is not UTF-8") from None
