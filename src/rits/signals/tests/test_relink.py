"""Signals that linked to nobody are tried again (``pipeline.relink_unlinked``): the
person may have become known since."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from rits.audit.models import AuditEvent
from rits.signals import pipeline
from rits.signals.linking import matcher
from rits.signals.models import Alert, LinkReview, Signal, SignalLink, SignalStatus
from rits.signals.tests.test_linking import household, make_signal
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_snapshot_of_another_test():
    matcher.process_matcher().forget_population()


def test_a_signal_links_once_its_family_is_registered(landlord):
    signal = make_signal(landlord)
    pipeline.run_for_signals([signal.pk])
    signal.refresh_from_db()
    assert signal.status == SignalStatus.UNLINKED

    # The family registers with the neighbourhood team after the landlord's signal.
    family, mother = household()
    report = pipeline.relink_unlinked()

    signal.refresh_from_db()
    assert signal.status == SignalStatus.LINKED and signal.linked_at is not None
    assert SignalLink.objects.filter(signal=signal, family=family, person=mother).exists()
    # The rules see it as a new signal: arrears in a family with children.
    assert Alert.objects.filter(family=family, signals=signal).exists()
    assert report.linking.linked == 1
    assert AuditEvent.objects.filter(object_type="signal", detail__relink=True).exists()

    # Once linked, it is left alone.
    assert pipeline.relink_unlinked().linking.signals == 0


def test_signals_in_review_or_past_retention_are_left_alone(landlord, settings):
    in_review = make_signal(landlord)
    Signal.objects.filter(pk=in_review.pk).update(
        status=SignalStatus.REVIEW, linked_at=timezone.now()
    )
    family, mother = household()
    LinkReview.objects.create(signal=in_review, person=mother, family=family, match_probability=0.9)
    old = make_signal(landlord, surname="Haile", given_names="Selam")
    Signal.objects.filter(pk=old.pk).update(
        status=SignalStatus.UNLINKED,
        linked_at=timezone.now(),
        received_at=timezone.now()
        - datetime.timedelta(days=settings.UNLINKED_SIGNAL_RETENTION_DAYS + 1),
    )

    call_command("relink_signals")

    assert Signal.objects.get(pk=in_review.pk).status == SignalStatus.REVIEW
    assert Signal.objects.get(pk=old.pk).status == SignalStatus.UNLINKED
    assert not SignalLink.objects.exists()


def test_a_signal_about_someone_still_unknown_stays_unlinked(landlord):
    signal = make_signal(landlord, surname="Onbekend", given_names="Iemand")
    pipeline.run_for_signals([signal.pk])
    factories.FamilyFactory()
    pipeline.relink_unlinked()
    assert Signal.objects.get(pk=signal.pk).status == SignalStatus.UNLINKED
