"""Personal data at rest: registration numbers are encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) and found through a keyed hash (HMAC-SHA256), never stored in plaintext.

CI (연계정보) is encrypted the same way and found through its own keyed hash (`ci_hash`, key JINGSU_CI_LOOKUP_KEY).

Keys come from settings/environment (JINGSU_PII_KEYS, JINGSU_LOOKUP_KEY, JINGSU_CI_LOOKUP_KEY). MultiFernet makes
key rotation possible: the first key encrypts, every key decrypts. Without configured keys (development, tests, the demo) keys are
generated once into ./var/dev-keys.json, so a demo database stays readable between runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _keys() -> tuple[MultiFernet, bytes, bytes, tuple[Fernet, ...]]:
    """(every key for decrypting, the first for encrypting; the lookup-hash key; the CI hash key; each Fernet key in
    order)."""
    pii = settings.JINGSU_PII_KEYS
    lookup = settings.JINGSU_LOOKUP_KEY
    ci_lookup = getattr(settings, "JINGSU_CI_LOOKUP_KEY", "")
    if not pii or not lookup or not ci_lookup:
        stored = dev_keys()
        pii = pii or stored["pii"]
        lookup = lookup or stored["lookup"]
        ci_lookup = ci_lookup or stored["ci_lookup"]
    fernets = tuple(Fernet(k.strip().encode()) for k in pii.split(",") if k.strip())
    return (MultiFernet(list(fernets)), base64.urlsafe_b64decode(lookup.encode()),
            base64.urlsafe_b64decode(ci_lookup.encode()), fernets)


def dev_keys() -> dict[str, str]:
    """Development keys in ./var/dev-keys.json (0600), created on first use; a file from before the CI key gains one.
    Under a lock, so that two processes starting together agree on the keys."""
    import fcntl

    from jingsu.core.files import private_dir, write_private

    path = settings.VAR_DIR / "dev-keys.json"
    fresh = {
        "pii": lambda: Fernet.generate_key().decode(),
        "lookup": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ci_lookup": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        if all(k in stored for k in fresh):
            return stored
    private_dir(path.parent)
    fd = os.open(path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        stored = json.loads(path.read_text()) if path.exists() else {}
        missing = [k for k in fresh if k not in stored]
        if missing:
            for k in missing:
                stored[k] = fresh[k]()
            write_private(path, json.dumps(stored).encode())
    finally:
        os.close(fd)
    return stored


def reset_keys() -> None:
    """Forget cached keys (after settings change in tests)."""
    _keys.cache_clear()


def encrypt(plaintext: str) -> str:
    return _keys()[0].encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _keys()[0].decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash for equality lookups (same number → same hash; useless without the key)."""
    return hmac.new(_keys()[1], value.encode(), hashlib.sha256).hexdigest()


def ci_hash(ci: str) -> str:
    """Keyed hash of a CI for lookups, under its own key (JINGSU_CI_LOOKUP_KEY)."""
    return hmac.new(_keys()[2], ci.encode(), hashlib.sha256).hexdigest()


def mask_registration_number(digits: str) -> str:
    """900101-1****** for 13-digit numbers; 123-45-***** for 사업자등록번호."""
    if len(digits) == 13:
        return f"{digits[:6]}-{digits[6]}******"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:5]}-*****"
    return "*" * len(digits)


# --- key rotation (`jingsu keys rotate`, docs/operations.md "Keys") ----------------------------------------------
class RotationError(Exception):
    """A token failed its check after re-encryption (Korean message)."""


def key_count() -> int:
    return len(_keys()[3])


def encrypted_with_primary(token: str) -> bool:
    """Whether the first (encrypting) key alone opens this token."""
    from cryptography.fernet import InvalidToken

    try:
        _keys()[3][0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate_token(token: str) -> tuple[str, str]:
    """(the token re-encrypted under the first key, its plaintext); the new token is checked to open with the first
    key alone and to hold the same plaintext."""
    fernet = _keys()[0]
    plaintext = fernet.decrypt(token.encode())
    new = fernet.rotate(token.encode())
    if _keys()[3][0].decrypt(new) != plaintext:  # pragma: no cover - cryptography's own guarantee
        raise RotationError("새 키로 다시 암호화한 값이 원래 값과 다릅니다.")
    return new.decode(), plaintext.decode()
