"""BSN handling. A BSN is validated with the 11-proef, stored only encrypted (Fernet,
rotatable keys from the environment) and matched through a keyed pseudonym (HMAC-SHA256),
so it never has to be decrypted to find a person and never appears in logs or URLs."""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def is_valid_bsn(value: str) -> bool:
    """The 11-proef: 9 digits d1..d9 with 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11."""
    # isascii: str.isdigit() is also true for digits such as "²" that int() refuses.
    if len(value) != 9 or not (value.isascii() and value.isdigit()) or value == "000000000":
        return False
    digits = [int(c) for c in value]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


def normalise_bsn(value: str) -> str:
    """Strip spaces, dots and dashes; pad 8-digit BSNs (a leading zero lost in a spreadsheet)."""
    cleaned = "".join(c for c in value if c.isdigit() or c.isalpha())
    if len(cleaned) == 8 and cleaned.isdigit():
        cleaned = "0" + cleaned
    return cleaned


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.BSN_ENCRYPTION_KEYS))


def encrypt_bsn(bsn: str) -> str:
    return fernet().encrypt(bsn.encode()).decode()


def decrypt_bsn(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate_token(token: str) -> str:
    """Re-encrypt with the newest key (MultiFernet.rotate)."""
    return fernet().rotate(token.encode()).decode()


def pseudonymise_bsn(bsn: str) -> str:
    # hmac.digest: the one-shot form, about twice as fast as hmac.new (intake runs this
    # for every signal with a BSN).
    return hmac.digest(settings.BSN_PSEUDONYM_KEY.encode(), bsn.encode(), hashlib.sha256).hex()
