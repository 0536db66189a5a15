"""The languages a person speaks: a list to choose from by name, named in the reader's
language and in the language itself ("Tigrinya — ትግርኛ").

The names come from the Unicode CLDR through Babel, so they are right in every language
Rits is read in (the portal will add Arabic, Turkish, Tigrinya, Polish and Ukrainian),
and no name is translated by hand. A person's languages are stored as ISO 639 codes, as
the import and the API receive them."""

from babel import Locale, UnknownLocaleError
from django.utils import translation

# The languages spoken most by families in Dutch youth care and by newcomers, then the
# other languages of Europe's neighbours; a code outside this list (from an import) is
# still shown by name and kept when the person is changed.
SPOKEN_LANGUAGES = (
    "nl", "en", "ar", "tr", "ber", "zgh", "pap", "srn", "ti", "so", "am", "prs", "fa",
    "ps", "ku", "ckb", "uk", "ru", "pl", "ro", "bg", "hu", "lt", "lv", "sk", "cs", "hr",
    "sr", "bs", "sq", "el", "es", "pt", "it", "fr", "de", "fy", "zh", "yue", "vi", "hi",
    "ur", "ta", "id", "tl", "sw", "ha", "yo", "ig", "tw", "ln", "ff", "wo", "om", "hy",
    "ka", "he",
)  # fmt: skip

# Codes the CLDR files under another name: Dari is Persian as spoken in Afghanistan.
_CLDR_CODE = {"prs": "fa_AF"}
# Names the CLDR does not hold in the language itself (only in Dutch and English).
_OWN_NAME = {"ber": "Tamaziɣt", "srn": "Sranantongo", "prs": "دری"}
# A language's name in a reader's language when the CLDR has none.
_NAME = {"ber": {"nl": "Berbers (Tamazight)", "en": "Berber (Tamazight)"}}


def _locale(code: str) -> Locale | None:
    try:
        return Locale.parse(_CLDR_CODE.get(code, code))
    except (UnknownLocaleError, ValueError):
        return None


def _reader_locale() -> Locale:
    return _locale((translation.get_language() or "nl").split("-")[0]) or Locale("nl")


def name_in_reader_language(code: str) -> str:
    reader = _reader_locale()
    name = reader.languages.get(_CLDR_CODE.get(code, code)) or _NAME.get(code, {}).get(
        reader.language
    )
    return name or code


def own_name(code: str) -> str:
    own = _OWN_NAME.get(code)
    if own:
        return own
    locale = _locale(code)
    return locale.get_language_name(locale) if locale else ""


def language_name(code: str) -> str:
    """ "Tigrinya — ትግርኛ" in a Dutch or English page; one name when both are the same."""
    name, own = name_in_reader_language(code), own_name(code)
    if not own or own.casefold() == name.casefold():
        return name
    return f"{name} — {own}"


def language_choices(extra: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The list to choose from, sorted by name in the reader's language; ``extra`` adds
    codes a person already has that the list does not hold, so a change keeps them."""
    codes = list(SPOKEN_LANGUAGES) + [c for c in extra if c not in SPOKEN_LANGUAGES]
    return sorted(((c, language_name(c)) for c in codes), key=lambda c: c[1].casefold())
