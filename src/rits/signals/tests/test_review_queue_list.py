"""The review queue as a list: paged, sorted by a whitelist, filtered by kind of signal
and family; bad values a message or the default; a constant number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rits.signals.linking import review
from rits.signals.models import LinkReview
from rits.signals.tests.test_review import AGREEMENT, LIST, _signal
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    return factories.ProfessionalFactory(role="coordinator")


def _reviews(coordinator, landlord, n: int, *, start: int = 0, **signal) -> list[int]:
    pks = []
    for i in range(start, start + n):
        family = factories.FamilyFactory(name=f"Gezin {i:03d}")
        factories.InvolvementFactory(family=family, professional=coordinator, is_coordinator=True)
        member = factories.MembershipFactory(family=family).person
        item = LinkReview.objects.create(
            signal=_signal(
                landlord,
                reference=f"R-{i}",
                signal_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=(7 * i) % 30),
                **signal,
            ),
            person=member,
            family=family,
            match_probability=0.5 + (i % 7) / 20,
            field_agreement=AGREEMENT,
        )
        pks.append(item.pk)
    return pks


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/signals/review/(\d+)/"', html)]


def test_the_queue_pages_and_counts(coordinator, landlord, as_user):
    pks = _reviews(coordinator, landlord, review.REVIEW_PAGE + 2)
    client = as_user(coordinator)
    first = client.get(LIST)
    assert _ids(first.content.decode()) == pks[: review.REVIEW_PAGE]
    assert first.context["page"].paginator.count == review.REVIEW_PAGE + 2
    assert _ids(client.get(LIST, {"page": 2}).content.decode()) == pks[review.REVIEW_PAGE :]
    assert client.get(LIST, {"page": "zz"}).status_code == 200


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("date", lambda r: (r.signal.signal_date, r.pk)),
        ("family", lambda r: (r.family.name, r.pk)),
        ("match", lambda r: (r.match_probability, r.pk)),
        ("received", lambda r: (r.created_at, r.pk)),
    ],
)
def test_each_allowed_order(coordinator, landlord, as_user, sort, key):
    _reviews(coordinator, landlord, 6)
    everything = list(LinkReview.objects.select_related("signal", "family"))
    client = as_user(coordinator)
    up = _ids(client.get(LIST, {"sort": sort}).content.decode())
    assert up == [r.pk for r in sorted(everything, key=key)]
    down = client.get(LIST, {"sort": f"-{sort}"}).content.decode()
    assert _ids(down) == [r.pk for r in sorted(everything, key=key, reverse=True)]
    if sort != "received":  # the order of arrival has no column of its own
        assert 'aria-sort="descending"' in down


@pytest.mark.parametrize("params", [{"sort": "person__bsn_pseudonym"}, {"sort": "--date"}])
def test_an_unknown_order_gives_the_default(coordinator, landlord, as_user, params):
    pks = _reviews(coordinator, landlord, 3)
    response = as_user(coordinator).get(LIST, params)
    assert response.status_code == 200
    assert _ids(response.content.decode()) == pks


def test_filters(coordinator, landlord, as_user):
    rent = _reviews(coordinator, landlord, 2)
    energy = _reviews(coordinator, landlord, 1, start=2, signal_type="energy_arrears")
    client = as_user(coordinator)
    assert _ids(client.get(LIST, {"signal_type": "energy_arrears"}).content.decode()) == energy
    assert _ids(client.get(LIST, {"family": "gezin 001"}).content.decode()) == [rent[1]]
    bad = client.get(LIST, {"signal_type": "nonsense"})
    assert bad.status_code == 200
    assert bad.context["form"].errors and 'role="alert"' in bad.content.decode()
    assert _ids(bad.content.decode()) == rent + energy


def test_the_queue_query_count_does_not_grow_with_the_page(
    coordinator, landlord, as_user, settings
):
    settings.AUDIT_CHAINS = 1
    _reviews(coordinator, landlord, 2)
    client = as_user(coordinator)
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        client.get(LIST, {"sort": "match"})
    _reviews(coordinator, landlord, review.REVIEW_PAGE + 3, start=2)
    with CaptureQueriesContext(connection) as large:
        html = client.get(LIST, {"sort": "match"}).content.decode()
    assert len(_ids(html)) == review.REVIEW_PAGE
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_an_uninvolved_professional_sees_no_review(coordinator, landlord, as_user):
    _reviews(coordinator, landlord, 2)
    other = factories.ProfessionalFactory(role="coordinator")
    assert _ids(as_user(other).get(LIST).content.decode()) == []
