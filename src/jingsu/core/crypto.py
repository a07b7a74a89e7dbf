"""Personal data at rest: registration numbers are encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) and found through a keyed hash (HMAC-SHA256), never stored in plaintext.

Keys come from settings/environment (JINGSU_PII_KEYS, JINGSU_LOOKUP_KEY). MultiFernet makes key rotation possible:
the first key encrypts, every key decrypts. Without configured keys (development, tests, the demo) keys are
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
def _keys() -> tuple[MultiFernet, bytes]:
    pii = settings.JINGSU_PII_KEYS
    lookup = settings.JINGSU_LOOKUP_KEY
    if not pii or not lookup:
        path = settings.VAR_DIR / "dev-keys.json"
        if path.exists():
            stored = json.loads(path.read_text())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            stored = {
                "pii": Fernet.generate_key().decode(),
                "lookup": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            }
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(stored, fh)
        pii = pii or stored["pii"]
        lookup = lookup or stored["lookup"]
    fernet = MultiFernet([Fernet(k.strip().encode()) for k in pii.split(",") if k.strip()])
    return fernet, base64.urlsafe_b64decode(lookup.encode())


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


def mask_registration_number(digits: str) -> str:
    """900101-1****** for 13-digit numbers; 123-45-***** for 사업자등록번호."""
    if len(digits) == 13:
        return f"{digits[:6]}-{digits[6]}******"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:5]}-*****"
    return "*" * len(digits)
