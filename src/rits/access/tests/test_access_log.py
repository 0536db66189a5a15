"""The access log page ("who looked at this file"): plain sentences, paged, for the
coordinator and a privacy officer only."""

import pytest
from django.urls import reverse

from rits.access.selectors import ACCESS_LOG_PAGE
from rits.audit.models import AuditEvent
from rits.audit.services import Actor, AuditEntry, log_events

pytestmark = pytest.mark.django_db


def _log_url(family) -> str:
    return reverse("access:access-log", args=[family.pk])


def test_the_log_says_in_plain_words_who_did_what_on_what_ground(family_setup, as_user):
    family, worker = family_setup["family"], family_setup["worker"]
    as_user(worker).get(reverse("families:overview", args=[family.pk]))

    page = as_user(family_setup["coordinator"]).get(_log_url(family), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    [line] = [line for line in page.context["page"] if line.who == str(worker.user)]
    assert line.what == "looked at the family's overview"
    assert line.ground == "through their involvement with the family"
    assert line.organisation == worker.organisation.name
    html = page.content.decode()
    assert "looked at the family&#x27;s overview" in html
    assert "family.overview" not in html  # no internal codes


def test_the_log_pages_through_every_event(family_setup, as_user):
    family = family_setup["family"]
    log_events(
        actor=Actor.system("test"),
        entries=[
            AuditEntry(action="view", object_type="family.overview", family_id=family.pk)
            for _ in range(ACCESS_LOG_PAGE * 4 + 7)  # more than the old cap of 200
        ],
    )
    client = as_user(family_setup["coordinator"])
    first = client.get(_log_url(family))
    assert len(first.context["page"]) == ACCESS_LOG_PAGE
    assert 'aria-current="page"' in first.content.decode()
    last = client.get(_log_url(family), {"page": 5})
    assert last.status_code == 200
    # 207 events and the coordinator's own reads of the log (one per request)
    assert len(last.context["page"]) == 7 + 1
    for nonsense in ("0", "-1", "999", "x", "1e9"):
        assert client.get(_log_url(family), {"page": nonsense}).status_code == 200


def test_reading_the_log_is_logged_once(family_setup, as_user):
    family = family_setup["family"]
    as_user(family_setup["coordinator"]).get(_log_url(family))
    assert AuditEvent.objects.filter(object_type="family.access_log", family_id=family.pk).count()
    assert (
        AuditEvent.objects.filter(
            object_type="family.access_log", family_id=family.pk, action="view"
        ).count()
        == 1
    )


def test_an_outsider_and_an_involved_worker_get_not_found(family_setup, as_user):
    family = family_setup["family"]
    for who in ("outsider", "worker"):
        assert as_user(family_setup[who]).get(_log_url(family)).status_code == 404
