from datetime import date

from django import template
from django.conf.locale import LANG_INFO
from django.utils import timezone, translation

register = template.Library()

# Languages families speak that Django's own list does not name.
EXTRA_LANGUAGES = {
    "ti": "ትግርኛ (Tigrinya)",
    "so": "Soomaali (Somali)",
    "prs": "دری (Dari)",
    "ps": "پښتو (Pashto)",
}


@register.filter
def age(birth_date: date | None) -> int | None:
    if not birth_date:
        return None
    today = timezone.localdate()
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@register.filter
def language_name(code: str) -> str:
    info = LANG_INFO.get(code)
    if info and "name_local" in info:
        local = info["name_local"]
        translated = translation.gettext(info["name"])
        return local if local == translated else f"{local} ({translated})"
    return EXTRA_LANGUAGES.get(code, code)
