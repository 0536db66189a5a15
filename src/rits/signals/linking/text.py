"""Text as linking compares it: lower case, no accents or punctuation, single spaces.
Its own module because both the comparisons' columns (``normalise``) and the name-variant
table (``names``) need it, and ``normalise`` needs the table."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_LETTERS = re.compile(r"[^0-9a-z ]+")


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalise_text(value: str) -> str:
    """Lower case, accents and punctuation removed, single spaces: 'Çelik-Öztürk' ->
    'celik ozturk', "d'Ancona" -> 'd ancona'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = plain.replace("ß", "ss").replace("ø", "o").replace("ł", "l").replace("ı", "i")
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", plain)).strip()
