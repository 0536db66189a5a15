"""BSN handling. A BSN is validated with the 11-proef, stored only encrypted (Fernet,
rotatable keys from the environment) and matched through a keyed pseudonym (HMAC-SHA256),
so it never has to be decrypted to find a person and never appears in logs or URLs."""

import hashlib
import hmac
import re
import unicodedata
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


# A letter (of any script): then a text is no BSN. Found in C, so that most texts (say a
# reference like "HUUR-2026-0001", checked for every row of a delivery) cost no loop.
_LETTER = re.compile(r"[^\W\d_]")


def looks_like_bsn(value: str) -> bool:
    """Whether a text is a BSN, however it is written: with spaces, dots, dashes or
    other separators (``1234.56.782``), with a leading zero lost (8 digits), or in the
    digits of another script (Arabic-Indic ``١٢٣٤٥٦٧٨٢``). The one test of "is this a
    BSN" wherever a text must not carry one (a search that would travel in a URL, a
    signal's reference, a report): written in any of these ways it is still the
    person's number.

    Not a check of input that should be a BSN: that takes ``normalise_bsn`` and
    ``is_valid_bsn``, which accept ASCII digits only."""
    # Eight digits at least; more than 40 characters is far more than a BSN with
    # separators.
    if not 8 <= len(value) <= 40 or _LETTER.search(value):
        return False
    digits = []
    for character in value:
        if character.isdecimal():
            # Any script's decimal digit as 0-9 (isdecimal, not isdigit: "²" is no digit).
            digits.append(str(unicodedata.decimal(character)))
        elif character.isalnum():
            return False  # a letter, or a number such as "²" or "½": not a BSN
        # Anything else separates digits, as in normalise_bsn.
    return is_valid_bsn(normalise_bsn("".join(digits)))


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
