"""Who sees and who may change a work item (an alert today) is decided in access."""

import pytest

from rits.access.rules import (
    grant_for,
    is_team_lead,
    may_change_work_item,
    sees_team_line_without_family,
    sees_work_item,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_work_item_shows_to_the_coordinator_and_to_who_sees_its_domains(family_setup):
    family = family_setup["family"]
    coordinator = grant_for(family_setup["coordinator"].user, family.pk)
    worker = grant_for(family_setup["worker"].user, family.pk)  # domestic_relations
    assert sees_work_item(coordinator, ["finances"])
    assert sees_work_item(worker, ["domestic_relations", "finances"])
    assert not sees_work_item(worker, ["finances"])


def test_who_may_change_a_work_item(family_setup):
    family, worker = family_setup["family"], family_setup["worker"]
    team = factories.TeamFactory(organisation=worker.organisation)
    other_team = factories.TeamFactory(organisation=worker.organisation)
    lead = factories.ProfessionalFactory(
        organisation=worker.organisation, team=team, role="team_lead"
    )
    factories.InvolvementFactory(family=family, professional=lead, domains=["finances"])
    coordinator = grant_for(family_setup["coordinator"].user, family.pk)
    worker_grant = grant_for(worker.user, family.pk)
    lead_grant = grant_for(lead.user, family.pk)
    assert may_change_work_item(coordinator, assigned_to_id=None, team_id=None)
    assert may_change_work_item(worker_grant, assigned_to_id=worker.pk, team_id=None)
    assert not may_change_work_item(worker_grant, assigned_to_id=None, team_id=team.pk)
    assert may_change_work_item(lead_grant, assigned_to_id=None, team_id=team.pk)
    assert not may_change_work_item(lead_grant, assigned_to_id=None, team_id=other_team.pk)
    assert is_team_lead(lead) and is_team_lead(lead, team.pk) and not is_team_lead(worker)
    assert sees_team_line_without_family(lead) and not sees_team_line_without_family(worker)
