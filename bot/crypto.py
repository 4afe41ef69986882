"""Encryption of personal data at rest and keyed hashes for looking it up.

A *data key* is written ``<key id>:<32 bytes, urlsafe base64>`` (see :func:`generate_key`). The current key comes
from ``CASE_DATA_KEY``; keys being retired stay readable through ``CASE_DATA_KEYS_PREVIOUS`` (comma-separated) until
``python -m bot keys rotate`` has re-encrypted every value with the current key.

- :meth:`DataCipher.encrypt` gives ``v1.<key id>.<nonce + AES-256-GCM ciphertext, urlsafe base64>``. The *context*
  (for example ``"person.id_number"``) is bound as associated data, so a value copied into another column or
  another table does not decrypt there.
- :meth:`DataCipher.blind_index` is an HMAC-SHA256 of the value under a sub-key derived from the data key and the
  context: equal values give equal digests, so a column of digests can be indexed and searched without storing
  the value in clear. :meth:`DataCipher.blind_indexes` gives the digests under every configured key, so lookups
  keep working while a rotation is under way.

Nothing here reads the environment: :func:`from_settings` takes a :class:`bot.settings.Settings`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from bot.settings import Settings

TOKEN_VERSION = "v1"
_NONCE_BYTES = 12
_KEY_BYTES = 32
_KID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class CryptoError(ValueError):
    """A key is malformed, missing, or a ciphertext cannot be decrypted with any configured key."""


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class DataKey:
    """One versioned data key: an id that ciphertexts carry, and 32 secret bytes."""

    kid: str
    secret: bytes = field(repr=False)

    @classmethod
    def parse(cls, text: str) -> DataKey:
        """Parse ``<key id>:<base64 key>``; raise :class:`CryptoError` (never echoing the key) otherwise."""
        kid, sep, encoded = text.strip().partition(":")
        if not sep or not _KID_RE.match(kid):
            raise CryptoError("数据密钥格式应为 <密钥编号>:<32 字节 base64>，可用 python -m bot keys 生成")
        try:
            secret = _b64decode(encoded)
        except (binascii.Error, ValueError):
            raise CryptoError(f"数据密钥 {kid} 不是有效的 base64") from None
        if len(secret) != _KEY_BYTES:
            raise CryptoError(f"数据密钥 {kid} 应为 32 字节，实际 {len(secret)} 字节")
        return cls(kid, secret)

    def serialize(self) -> str:
        """The ``<key id>:<base64 key>`` form that :meth:`parse` reads."""
        return f"{self.kid}:{_b64encode(self.secret)}"

    def _subkey(self, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"jiuye-case-data/" + purpose).derive(
            self.secret
        )


def generate_key(kid: str | None = None) -> str:
    """A new random data key in the ``<key id>:<base64>`` form (key id random unless given)."""
    kid = kid or "k" + secrets.token_hex(4)
    if not _KID_RE.match(kid):
        raise CryptoError(f"密钥编号 {kid!r} 只能包含字母、数字、- 和 _（最多 32 个）")
    return DataKey(kid, secrets.token_bytes(_KEY_BYTES)).serialize()


class DataCipher:
    """Authenticated encryption and keyed hashes under a current key plus older keys still accepted."""

    def __init__(self, keys: Sequence[DataKey]) -> None:
        """Args:
        keys: the current key first, then older keys that may still be found in stored values.
        """
        if not keys:
            raise CryptoError("没有配置数据密钥（CASE_DATA_KEY）")
        kids = [key.kid for key in keys]
        if len(set(kids)) != len(kids):
            raise CryptoError("数据密钥编号重复：每个密钥需要不同的编号")
        self._keys = {key.kid: key for key in keys}
        self._current = keys[0]
        self._aead = {key.kid: AESGCM(key._subkey(b"aead")) for key in keys}
        self._mac = {key.kid: key._subkey(b"blind-index") for key in keys}

    @classmethod
    def from_strings(cls, current: str, previous: Iterable[str] = ()) -> DataCipher:
        """Build from serialized keys (``CASE_DATA_KEY`` and ``CASE_DATA_KEYS_PREVIOUS``)."""
        return cls([DataKey.parse(current), *(DataKey.parse(text) for text in previous if text.strip())])

    @property
    def current_kid(self) -> str:
        """Id of the key new values are encrypted and hashed with."""
        return self._current.kid

    @property
    def kids(self) -> tuple[str, ...]:
        """Ids of all configured keys, the current one first."""
        return tuple(self._keys)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` with the current key, bound to ``context``."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead[self._current.kid].encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{TOKEN_VERSION}.{self._current.kid}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Decrypt a value made by :meth:`encrypt` under the same ``context`` with any configured key."""
        kid = self.key_id_of(token)
        if kid not in self._aead:
            raise CryptoError(f"数据由未配置的密钥 {kid} 加密：请把该密钥加入 CASE_DATA_KEYS_PREVIOUS")
        try:
            raw = _b64decode(token.split(".", 2)[2])
        except (binascii.Error, ValueError):
            raise CryptoError("密文已损坏") from None
        if len(raw) <= _NONCE_BYTES:
            raise CryptoError("密文已损坏")
        try:
            plain = self._aead[kid].decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8"))
        except InvalidTag:
            raise CryptoError("密文校验失败（被篡改、字段不符或密钥不对）") from None
        return plain.decode("utf-8")

    @staticmethod
    def is_token(value: str) -> bool:
        """Whether ``value`` looks like a ciphertext of this module (used by migrations on mixed data)."""
        parts = value.split(".", 2)
        return len(parts) == 3 and parts[0] == TOKEN_VERSION and bool(_KID_RE.match(parts[1])) and len(parts[2]) > 16

    @staticmethod
    def key_id_of(token: str) -> str:
        """The key id a ciphertext was made with; :class:`CryptoError` when it is not a ciphertext."""
        if not DataCipher.is_token(token):
            raise CryptoError("不是本系统的密文")
        return token.split(".", 2)[1]

    def needs_reencryption(self, token: str) -> bool:
        """Whether ``token`` was made with a key other than the current one."""
        return self.key_id_of(token) != self._current.kid

    def reencrypt(self, token: str, *, context: str) -> str:
        """Decrypt with whichever key made ``token`` and encrypt again with the current key."""
        return self.encrypt(self.decrypt(token, context=context), context=context)

    def blind_index(self, value: str, *, context: str, kid: str | None = None) -> str:
        """HMAC-SHA256 (hex) of ``value`` for ``context`` under the current key (or key ``kid``)."""
        key = self._mac[kid or self._current.kid]
        return hmac.new(key, context.encode("utf-8") + b"\x00" + value.encode("utf-8"), hashlib.sha256).hexdigest()

    def blind_indexes(self, value: str, *, context: str) -> list[str]:
        """:meth:`blind_index` under every configured key, the current one first (lookups during a rotation)."""
        return [self.blind_index(value, context=context, kid=kid) for kid in self._keys]


def from_settings(settings: Settings) -> DataCipher:
    """The cipher for ``settings.case_data_key`` and ``settings.case_data_keys_previous``.

    Raises:
        CryptoError: when no key is configured or a key is malformed.
    """
    if not settings.case_data_key:
        raise CryptoError("没有配置数据密钥 CASE_DATA_KEY：make run / make db 会自动生成到 .env，生产环境请自行设置")
    return DataCipher.from_strings(settings.case_data_key, settings.case_data_keys_previous)
