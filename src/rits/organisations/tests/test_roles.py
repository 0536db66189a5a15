"""A person may hold several roles (issue 11): a main role, which the audit log records,
and others besides it; every check of a role counts both."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rits.access.rules import is_team_lead, require_role
from rits.audit.models import AuditEvent
from rits.audit.services import Actor
from rits.organisations.models import ProfessionalRole
from rits.worklist import services as worklist_services
from rits.worklist.tests.test_worklist import raise_one, test_kind  # noqa: F401
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_role_held_besides_the_main_one_counts():
    team = factories.TeamFactory()
    lead = factories.ProfessionalFactory(
        role=ProfessionalRole.COORDINATOR, team=team, other_roles=[ProfessionalRole.TEAM_LEAD]
    )
    assert lead.has_role(ProfessionalRole.TEAM_LEAD) and lead.has_role(ProfessionalRole.COORDINATOR)
    assert not lead.has_role(ProfessionalRole.PRIVACY_OFFICER)
    assert is_team_lead(lead, team.pk)
    assert require_role(lead.user, ProfessionalRole.TEAM_LEAD) == lead
    # the audit log records the main role
    assert Actor.for_user(lead.user).role == ProfessionalRole.COORDINATOR


def test_other_roles_are_checked_and_never_repeat_the_main_role():
    professional = factories.ProfessionalFactory(role=ProfessionalRole.COORDINATOR)
    professional.other_roles = [ProfessionalRole.TEAM_LEAD, ProfessionalRole.COORDINATOR]
    professional.full_clean()
    assert professional.other_roles == [ProfessionalRole.TEAM_LEAD]
    professional.other_roles = ["king"]
    with pytest.raises(ValidationError) as exc:
        professional.full_clean()
    assert "other_roles" in exc.value.message_dict


def test_an_overdue_item_escalates_to_a_lead_who_is_lead_besides_their_main_role(family_setup):
    team = factories.TeamFactory()
    coordinator = family_setup["coordinator"]
    coordinator.team = team
    coordinator.save()
    lead = factories.ProfessionalFactory(
        role=ProfessionalRole.PROFESSIONAL, team=team, other_roles=[ProfessionalRole.TEAM_LEAD]
    )
    raise_one(
        family_setup,
        due=timezone.localdate() - datetime.timedelta(days=3),
        assigned_to_id=coordinator.pk,
    )
    assert worklist_services.escalate_overdue() == 1
    [event] = AuditEvent.objects.filter(object_type="test.item", detail__escalated=True)
    assert event.detail["team_leads"] == [lead.pk]
