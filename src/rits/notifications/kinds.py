"""The kinds of notification, declared by the apps that send them (in their
``notices.py``): a code and how to say it. A notification is stored as its kind's code
and parameters and said at read time, in the reader's language."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class NoticeKind:
    code: str
    # The sentence for these parameters, in the active language. It must not name a
    # person or a family: the reader may not (yet) see the family, and e-mail may quote it.
    text: Callable[[dict], str]


_kinds: dict[str, NoticeKind] = {}


def register(code: str, text: Callable[[dict], str]) -> NoticeKind:
    kind = NoticeKind(code, text)
    _kinds[code] = kind
    return kind


def text_of(code: str, params: dict) -> str:
    """What a notification says; a kind nobody declares (any more) still shows."""
    kind = _kinds.get(code)
    if kind is None:
        return _("A notification")
    try:
        return kind.text(params)
    except (KeyError, TypeError, ValueError):
        # Parameters of an older version of the kind: say something rather than fail.
        return _("A notification")
