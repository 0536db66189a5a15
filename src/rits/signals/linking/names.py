"""Call names and nicknames: "Kees" is Cornelis, "Artie" is Arthur. Linking compares given
names also in their canonical form, so that a signal about "Kees Jansen" finds the
registered "Cornelis Jansen".

The table ``name_variants.csv`` (``name,variant,language``) is written by hand: ``name`` is
the formal name (as a population register has it), ``variant`` a call name, nickname or
other spelling of it, ``language`` where the pair is usual (``nl``, ``en``, ...; for the
reader of the table, the lookup does not use it). Both are compared normalised
(:func:`~rits.signals.linking.text.normalise_text`) and are one word each.

The rule that keeps the mapping unambiguous: **a variant has exactly one formal name, and
a formal name is never a variant.** So ``canonical_given`` needs one step, the same in
every run, and two names are "the same name" only through a shared formal name. A call
name of several formal names ("Bert": Albertus, Lambertus, Hubertus, Robert ...; "Dick":
Dirk or Richard; "Jo", "Nel", "Riet") is left out of the table: it stays itself, and
the other given-name levels (the same initial, similar) still see it. The loader refuses
a table that breaks the rule, naming the line."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from rits.signals.linking.text import normalise_text

VARIANTS_PATH = Path(__file__).with_name("name_variants.csv")

HEADER = ["name", "variant", "language"]


class NameVariantError(ValueError):
    """The name-variant table is not valid; the message names the line."""


def load_variants(path: Path = VARIANTS_PATH) -> dict[str, str]:
    """``{variant: formal name}``, normalised, from the table at ``path``."""
    formal_of: dict[str, tuple[str, int]] = {}  # variant -> (formal name, line)
    formal_at: dict[str, int] = {}  # formal name -> first line
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.reader(file)
        header = next(rows, None)
        if header != HEADER:
            raise NameVariantError(f"{path.name} line 1: the header must be {','.join(HEADER)}")
        for line, row in enumerate(rows, start=2):
            where = f"{path.name} line {line}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 3:
                raise NameVariantError(f"{where}: 3 columns expected, found {len(row)}")
            name, variant = normalise_text(row[0]), normalise_text(row[1])
            language = row[2].strip()
            if not name or not variant:
                raise NameVariantError(f"{where}: the name and the variant must not be empty")
            if " " in name or " " in variant:
                raise NameVariantError(f"{where}: one word per name ({row[0]!r}, {row[1]!r})")
            if not (len(language) == 2 and language.isalpha() and language.islower()):
                raise NameVariantError(f"{where}: the language is a code like nl or en")
            if name == variant:
                raise NameVariantError(f"{where}: {variant!r} is a variant of itself")
            if variant in formal_of:
                earlier, at = formal_of[variant]
                if earlier == name:
                    raise NameVariantError(f"{where}: {name},{variant} is on line {at} already")
                raise NameVariantError(
                    f"{where}: {variant!r} is a variant of {name!r} here and of {earlier!r} "
                    f"on line {at}; a variant has one formal name (leave it out if it has more)"
                )
            if variant in formal_at:
                raise NameVariantError(
                    f"{where}: {variant!r} is a formal name on line {formal_at[variant]}, "
                    "so it cannot be a variant"
                )
            if name in formal_of:
                raise NameVariantError(
                    f"{where}: {name!r} is a variant of {formal_of[name][0]!r} on line "
                    f"{formal_of[name][1]}, so it cannot be a formal name"
                )
            formal_of[variant] = (name, line)
            formal_at.setdefault(name, line)
    return {variant: name for variant, (name, _line) in formal_of.items()}


@cache
def variants() -> dict[str, str]:
    return load_variants()


def canonical_given(token: str) -> str:
    """The formal name of a (normalised) given name: 'kees' -> 'cornelis'; a formal name
    or a name not in the table stays itself."""
    token = normalise_text(token)
    return variants().get(token, token)
