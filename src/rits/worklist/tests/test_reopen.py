"""Reopening a work item (issue 11): a decision on an alert (acknowledged, acted on,
dismissed) can be taken back, by those who may change it, with a reason; what was decided
before stays on the timeline and in the audit log."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rits.access.models import EmergencyAccess
from rits.audit.models import AuditEvent
from rits.families.models import FamilyEvent
from rits.worklist import selectors, services
from rits.worklist.models import WorkItem, WorkItemStatus
from rits.worklist.tests.test_worklist import TODAY, raise_one, test_kind  # noqa: F401
from rits.worklist.working_days import add_working_days
from tests import factories

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _dismissed(family_setup, **kw) -> WorkItem:
    item = raise_one(family_setup, **kw)
    user = family_setup["coordinator"].user
    services.dismiss(user=user, item_id=item.pk, reason="De huur is betaald.")
    return item


def test_a_dismissed_item_is_open_again_with_its_history_kept(family_setup):
    user = family_setup["coordinator"].user
    item = _dismissed(family_setup, due=TODAY - datetime.timedelta(days=20))
    services.reopen(user=user, item_id=item.pk, reason="Nieuwe achterstand gemeld.")
    item.refresh_from_db()
    assert (item.status, item.dismissed_reason) == (WorkItemStatus.OPEN, "")
    # due again in working days from today, not 20 days ago (it would escalate at once)
    assert item.due_date == add_working_days(TODAY, services.REOPEN_DUE_WORKING_DAYS)
    events = list(FamilyEvent.objects.order_by("id").values_list("code", "params"))
    assert [code for code, _ in events][-2:] == ["test_item_dismissed", "test_item_reopened"]
    assert events[-2][1]["reason"] == "De huur is betaald."  # the old decision is kept
    assert events[-1][1]["reason"] == "Nieuwe achterstand gemeld."
    change = (
        AuditEvent.objects.filter(object_type="test.item", action="update").order_by("id").last()
    )
    assert change.detail["was"] == "dismissed" and change.detail["status"] == "open"


def test_an_acted_on_item_lets_go_of_its_agreement_and_note(family_setup):
    user = family_setup["coordinator"].user
    item = raise_one(family_setup)
    services.act_on(user=user, item_id=item.pk, note="Besproken.")
    services.reopen(user=user, item_id=item.pk, reason="Toch niet opgelost.")
    item.refresh_from_db()
    assert (item.status, item.action_note, item.acknowledged_at) == ("open", "", None)


def test_an_open_item_or_no_reason_is_refused(family_setup):
    user = family_setup["coordinator"].user
    item = raise_one(family_setup)
    with pytest.raises(ValidationError):
        services.reopen(user=user, item_id=item.pk, reason="Waarom niet.")
    services.dismiss(user=user, item_id=item.pk, reason="Niet nodig.")
    with pytest.raises(ValidationError):
        services.reopen(user=user, item_id=item.pk, reason="   ")
    assert WorkItem.objects.get(pk=item.pk).status == WorkItemStatus.DISMISSED


def test_who_may_only_read_an_item_cannot_reopen_it(family_setup):
    finance = factories.ProfessionalFactory()
    factories.InvolvementFactory(
        family=family_setup["family"], professional=finance, domains=["finances"]
    )
    item = _dismissed(family_setup, assigned_to_id=family_setup["coordinator"].pk)
    assert not selectors.item_for_user(user=finance.user, item_id=item.pk).can_reopen
    with pytest.raises(PermissionDenied):
        services.reopen(user=finance.user, item_id=item.pk, reason="Ik wil het zien.")


def test_the_inbox_offers_reopening_a_closed_item_and_the_page_reopens_it(family_setup, as_user):
    item = _dismissed(family_setup)
    client = as_user(family_setup["coordinator"])
    url = reverse("worklist:reopen", args=[item.pk])
    assert url == f"/work-items/{item.pk}/reopen/"
    assert f"{url}?back=mine" in client.get("/inbox/?status=dismissed", **EN).content.decode()
    response = client.post(url, {"reason": "", "back": "mine"})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    response = client.post(url, {"reason": "Nieuwe melding.", "back": "mine"})
    assert response.status_code == 302
    assert WorkItem.objects.get(pk=item.pk).status == WorkItemStatus.OPEN
    # open now: the page refuses to reopen it again
    assert client.get(url).status_code == 403


def test_an_outsider_gets_not_found_and_emergency_access_cannot_reopen(family_setup, as_user):
    item = _dismissed(family_setup)
    url = reverse("worklist:reopen", args=[item.pk])
    outsider = family_setup["outsider"]
    client = as_user(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    EmergencyAccess.objects.create(
        professional=outsider,
        family=family_setup["family"],
        reason="Acute zorg om de veiligheid van het kind na melding politie.",
        started_at=datetime.datetime.now(datetime.UTC),
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=4),
    )
    assert client.post(url, {"reason": "Nieuwe melding."}).status_code == 403
    assert WorkItem.objects.get(pk=item.pk).status == WorkItemStatus.DISMISSED
