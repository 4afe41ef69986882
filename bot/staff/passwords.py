"""Password hashing for console accounts: scrypt (memory-hard) from :mod:`hashlib`, with a random salt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# 2**15 × 8 × 128 bytes = 32 MiB of memory per hash.
_N, _R, _P = 2**15, 8, 1
_MAX_MEM = 64 * 1024 * 1024
MIN_LENGTH = 10


class WeakPassword(ValueError):
    """The password does not meet the minimum requirements; the message is Chinese."""


def check_strength(password: str) -> None:
    """Raise :class:`WeakPassword` unless the password is long enough and not trivially simple."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"密码至少需要 {MIN_LENGTH} 个字符")
    if len(set(password)) < 4:
        raise WeakPassword("密码过于简单，请混用字母、数字和符号")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` for ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAX_MEM, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAX_MEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A hash to compare against when the account does not exist, so that timing does not tell.
_DUMMY = None


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check (for unknown user names)."""
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password(secrets.token_urlsafe(12))
    verify_password(password, _DUMMY)
