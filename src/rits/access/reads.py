"""The audited read: ``with reading(user, family_id, what=...) as read:``.

Modelled on ``plans.services.plan_change`` for writes: one context manager resolves the
grant (the same 404 as ``grant_for`` for an outsider, whose refusal access records
itself), lets the caller read through ``read.grant`` and say whose data it showed
(``read.person_ids``, ``read.detail``), and writes the audit event of ``what`` (a code of
the event catalogue) once, when the read succeeded. A read that fails halfway shows
nothing and leaves no read event."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rits.access.rules import Grant, grant_for
from rits.audit import catalogue
from rits.audit.services import Actor


@dataclass
class Read:
    """What the caller fills in while reading: the object read (the family unless said
    otherwise), the persons whose data was shown, and ids for the audit detail."""

    grant: Grant
    object_id: str | int = ""
    person_ids: list[int] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@contextmanager
def reading(
    user,
    family_id: int | str | None = None,
    *,
    what: str,
    grant: Grant | None = None,
    resolve: Callable[[Any, int | str], Grant] = grant_for,
) -> Iterator[Read]:
    """Read a family's data as ``user``. ``grant`` when the caller already holds one (a
    view that checked it first); ``resolve`` for a read with its own rule of who may
    (the access log). ``what`` is the event code the read is recorded under."""
    if grant is None:
        grant = resolve(user, family_id)
    read = Read(grant=grant, object_id=grant.family.pk)
    yield read
    catalogue.log(
        what,
        actor=grant.principal.actor if grant.is_citizen else Actor.for_user(user),
        object_id=read.object_id,
        family_id=grant.family.pk,
        person_ids=read.person_ids,
        ground=grant.ground,
        detail=read.detail or None,
    )
