"""One definition of an active involvement: what gives access is also what every page
shows, the overview and the printed plan included (issue 10)."""

import datetime

import pytest
from django.utils import timezone

from rits.access.rules import Ground, grant_for
from rits.families.models import Involvement, InvolvementApproval
from rits.families.selectors import family_overview
from rits.plans import selectors as plan_selectors
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


@pytest.fixture
def handover(family_setup):
    """The coordinator hands over next week: their involvement ends then."""
    Involvement.objects.filter(family=family_setup["family"], is_coordinator=True).update(
        end_date=NEXT_WEEK
    )
    return family_setup


def test_a_coordinator_in_a_planned_handover_is_named_on_the_overview(handover):
    coordinator, worker = handover["coordinator"], handover["worker"]
    assert grant_for(coordinator.user, handover["family"].pk).ground == Ground.COORDINATOR
    overview = family_overview(user=worker.user, family_id=handover["family"].pk)
    assert overview.coordinator is not None
    assert overview.coordinator.professional_id == coordinator.pk


def test_a_coordinator_in_a_planned_handover_is_named_in_the_printed_plan(handover):
    grant = grant_for(handover["worker"].user, handover["family"].pk)
    coordinator = plan_selectors.family_coordinator(grant=grant)
    assert coordinator is not None
    assert coordinator.professional_id == handover["coordinator"].pk


def test_an_involvement_that_starts_next_week_is_not_shown_as_involved_yet(family_setup):
    family = family_setup["family"]
    later = factories.InvolvementFactory(family=family, start_date=NEXT_WEEK, domains=[])
    overview = family_overview(user=family_setup["coordinator"].user, family_id=family.pk)
    assert later.pk not in {i.pk for i in overview.involvements}
    assert family_setup["worker"].pk in {i.professional_id for i in overview.involvements}


def test_active_is_approved_started_and_not_ended():
    family = factories.FamilyFactory()
    yesterday = TODAY - datetime.timedelta(days=1)
    ids = {
        name: factories.InvolvementFactory(family=family, **fields).pk
        for name, fields in {
            "open": {},
            "ends_today": {"end_date": TODAY},
            "ended": {"start_date": yesterday, "end_date": yesterday},
            "future": {"start_date": NEXT_WEEK},
            "pending": {"approval": InvolvementApproval.PENDING},
        }.items()
    }
    active = set(Involvement.objects.active().values_list("pk", flat=True))
    assert active == {ids["open"], ids["ends_today"]}
    # The same for all_objects: a pending involvement is never active.
    assert set(Involvement.all_objects.active().values_list("pk", flat=True)) == active
    on_next_week = set(Involvement.objects.active(on=NEXT_WEEK).values_list("pk", flat=True))
    assert on_next_week == {ids["open"], ids["future"]}


def test_coordinator_of_is_the_active_coordinator(handover):
    family = handover["family"]
    assert Involvement.objects.coordinator_of(family).professional_id == handover["coordinator"].pk
    assert Involvement.objects.coordinator_of(family, on=NEXT_WEEK + datetime.timedelta(1)) is None
