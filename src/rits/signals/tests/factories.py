"""Signals and their links for the tests (the rules, alerts, inbox and retention tests
and the route tests build on these).

Signals are made linked the way the linking stage leaves them: a ``SignalLink`` row
(method BSN or probabilistic) and ``linked_at`` set, so that these tests do not depend
on the intake or the linking stage (``helpers.deliver`` sends a delivery through intake
when that is the point). The model factories make bare rows for the tests of querysets
(``visible_to``) and of pages that only read them."""

import datetime
import itertools
from decimal import Decimal

import factory
import pytest
from django.utils import timezone

from rits.organisations.models import OrganisationKind, ProfessionalRole
from rits.plans.models import AgreementStatus
from rits.plans.tests import factories as plan_factories
from rits.signals.models import (
    Alert,
    ConcernMatch,
    LinkMethod,
    LinkReview,
    Signal,
    SignalLink,
    SignalStatus,
)
from tests import factories

TODAY = timezone.localdate()
_references = itertools.count(1)


def make_signal(
    source,
    signal_type: str = "rent_arrears",
    *,
    signal_date: datetime.date | None = None,
    amount: str | None = "1234.56",
    crisis: bool = False,
    since: datetime.date | None = None,
    reference: str | None = None,
    status: str = SignalStatus.LINKED,
    received_at: datetime.datetime | None = None,
) -> Signal:
    signal_date = signal_date or TODAY - datetime.timedelta(days=2)
    return Signal.objects.create(
        source=source,
        reference=reference or f"T-{next(_references)}",
        signal_type=signal_type,
        signal_date=signal_date,
        since=since,
        amount_eur=Decimal(amount) if amount is not None else None,
        crisis=crisis,
        bsn_pseudonym="pseudonym-" + str(next(_references)),
        surname="Haile",
        given_names="Selam",
        status=status,
        linked_at=timezone.now() if status != SignalStatus.RECEIVED else None,
        received_at=received_at or timezone.now(),
    )


def link(signal: Signal, family, person=None, method: str = LinkMethod.BSN) -> SignalLink:
    return SignalLink.objects.create(
        signal=signal,
        family=family,
        person=person,
        method=method,
        match_probability=None if method == LinkMethod.BSN else 0.998,
    )


def linked_signal(source, family, person=None, signal_type="rent_arrears", **kwargs) -> Signal:
    signal = make_signal(source, signal_type, **kwargs)
    link(signal, family, person, LinkMethod.BSN if person else LinkMethod.PROBABILISTIC)
    return signal


def finance_agreement(family, owner, *, status=AgreementStatus.OPEN, domains=("finances",), **kw):
    """An agreement row in the family's plan (a fact the rules read), owned by a
    professional or a member of the family."""
    return plan_factories.AgreementFactory(
        plan=plan_factories.PlanFactory(family=family),
        action=kw.pop("action", "Debt help arranged"),
        owner_professional=owner if not hasattr(owner, "surname") else None,
        owner_person=owner if hasattr(owner, "surname") else None,
        due_date=kw.pop("due_date", TODAY + datetime.timedelta(days=30)),
        domains=list(domains),
        status=status,
    )


@pytest.fixture
def region(family_setup):
    """``family_setup`` with the coordinator in a neighbourhood team that has a team
    lead, and sources for every kind of signal."""
    coordinator = family_setup["coordinator"]
    team = factories.TeamFactory(organisation=coordinator.organisation, name="Wijkteam Oost")
    coordinator.team = team
    coordinator.save(update_fields=["team"])
    lead = factories.ProfessionalFactory(
        organisation=coordinator.organisation, team=team, role=ProfessionalRole.TEAM_LEAD
    )
    colleague = factories.ProfessionalFactory(
        organisation=coordinator.organisation, team=team, role=ProfessionalRole.COORDINATOR
    )

    def org(name, kind):
        return factories.OrganisationFactory(
            name=name, kind=kind, phone="030 000 00 00", email=f"{kind}@example.nl"
        )

    return {
        **family_setup,
        "team": team,
        "lead": lead,
        "colleague": colleague,
        "landlord": org("Woonstichting Test", OrganisationKind.WONINGCORPORATIE),
        "energy": org("Energie Test", OrganisationKind.ENERGY_COMPANY),
        "school": org("Basisschool De Linde", OrganisationKind.SCHOOL),
        "jgz": org("JGZ Utrecht", OrganisationKind.JGZ),
        "police": org("Politie Midden", OrganisationKind.POLICE),
    }


# --- bare rows -----------------------------------------------------------------------


class LinkReviewFactory(factory.django.DjangoModelFactory):
    """A possible link waiting for a reviewer; give it a ``person`` of the ``family``."""

    class Meta:
        model = LinkReview

    signal = factory.LazyFunction(
        lambda: make_signal(
            factories.OrganisationFactory(kind=OrganisationKind.WONINGCORPORATIE),
            status=SignalStatus.REVIEW,
        )
    )
    match_probability = 0.9


class AlertFactory(factory.django.DjangoModelFactory):
    """An alert row as a rule leaves it (a work item of the rule's kind), due today."""

    class Meta:
        model = Alert

    kind = "arrears_without_finance_agreement"
    family = factory.SubFactory(factories.FamilyFactory)
    due_date = factory.LazyFunction(timezone.localdate)


class ConcernMatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConcernMatch

    family = factory.SubFactory(factories.FamilyFactory)
    key = factory.Sequence(lambda n: f"match-{n}")
