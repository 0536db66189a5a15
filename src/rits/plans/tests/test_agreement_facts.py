"""``agreement_facts``: what the signal rules may know of the agreements in the plans,
read in bulk without a person's access (the rules run as the system)."""

import datetime

import pytest
from django.utils import timezone

from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.plans import selectors, services
from tests import factories

pytestmark = pytest.mark.django_db


def _agree(setup, revision, *, domains, owner):
    coordinator = setup["coordinator"]
    return services.add_agreement(
        user=coordinator.user,
        grant=grant_for(coordinator.user, setup["family"].pk),
        revision=revision,
        data=services.AgreementData(
            action="Afspraak met de schuldhulp",
            owner=owner,
            due_date=timezone.localdate() + datetime.timedelta(days=7),
            domains=domains,
            kind="arrange",
        ),
    )


def test_the_facts_of_many_families_in_one_query(plan_setup, django_assert_num_queries):
    family = plan_setup["family"]
    mother = plan_setup["mother"]
    first = _agree(plan_setup, 0, domains=["finances"], owner=f"person:{mother.pk}")
    second = _agree(
        plan_setup,
        first.plan.revision,
        domains=["housing"],
        owner=f"professional:{plan_setup['coordinator'].pk}",
    )
    without_plan = factories.FamilyFactory()
    audited = AuditEvent.objects.count()
    with django_assert_num_queries(1):
        facts = selectors.agreement_facts([family.pk, without_plan.pk, family.pk])
    assert list(facts) == [family.pk]  # a family without agreements is left out
    by_id = {f.id: f for f in facts[family.pk]}
    assert by_id.keys() == {first.pk, second.pk}
    mine = by_id[first.pk]
    assert mine.domains == ("finances",) and mine.about_finances and mine.is_open
    assert not mine.is_done and mine.owner_person_id == mother.pk
    assert mine.updated_at_date == timezone.localdate()
    assert not by_id[second.pk].about_finances and by_id[second.pk].owner_person_id is None
    # not a person's read: nothing to audit
    assert AuditEvent.objects.count() == audited


def test_no_families_no_facts(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # SQLite knows an empty list finds nothing
        assert selectors.agreement_facts([]) == {}
