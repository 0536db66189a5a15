from django import template
from django.conf import settings
from django.utils.translation import get_language_info

register = template.Library()


@register.simple_tag
def portal_languages() -> list[dict]:
    """The languages the portal speaks (``PORTAL_LANGUAGES``, as far as Rits has them),
    each named in its own language: someone who reads no Dutch finds theirs."""
    available = {code for code, _name in settings.LANGUAGES}
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "bidi": get_language_info(code)["bidi"],
        }
        for code in settings.PORTAL_LANGUAGES
        if code in available
    ]
