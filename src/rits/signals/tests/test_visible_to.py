"""``Model.objects.visible_to(grant)`` for the signals models that hang off a family:
one family's grant never returns another family's rows (issue 10)."""

import datetime

import pytest

from rits.access.rules import grant_for
from rits.signals.models import Alert, ConcernMatch, LinkReview, SignalLink
from rits.signals.tests import factories as signal_factories
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = [SignalLink, LinkReview, Alert, ConcernMatch]


def fill(family, source, n):
    person = factories.MembershipFactory(family=family).person
    signal = signal_factories.make_signal(
        source, reference=f"S{n}", signal_date=datetime.date(2026, 3, 1)
    )
    signal_factories.link(signal, family, person)
    signal_factories.LinkReviewFactory(signal=signal, person=person, family=family)
    signal_factories.AlertFactory(
        kind="x",
        family=family,
        person=person,
        reason_code="legacy.text",
        reason_params={"nl": "x", "en": "x"},
        due_date=signal.signal_date,
    )
    signal_factories.ConcernMatchFactory(family=family, key=f"k{n}")


def test_visible_to_never_returns_another_familys_signal_rows(family_setup, landlord):
    family = family_setup["family"]
    fill(family, landlord, 1)
    fill(factories.FamilyFactory(), landlord, 2)
    grant = grant_for(family_setup["coordinator"].user, family.pk)
    for model in MODELS:
        mine = model.objects.visible_to(grant)
        assert mine.exists(), model
        assert set(mine.values_list("family_id", flat=True)) == {family.pk}, model
        assert model.objects.exclude(family=family).exists(), model
