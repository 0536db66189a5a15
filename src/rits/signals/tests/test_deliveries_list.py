"""The deliveries on the upload page: paged, sorted by a whitelist, filtered by status
and file name, bad values a message or the default, only one's own organisation's, in a
constant number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rits.signals.intake.selectors import DELIVERIES_PAGE
from rits.signals.models import BatchStatus, SignalBatch
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("signals:upload")
START = timezone.now() - datetime.timedelta(days=100)


@pytest.fixture
def staff(landlord):
    return factories.ProfessionalFactory(organisation=landlord)


def _batches(source, n: int, *, start: int = 0, **fields) -> list[int]:
    created = SignalBatch.objects.bulk_create(
        SignalBatch(
            source=source,
            file_name=f"levering-{i:03d}.csv",
            format="csv",
            status=fields.get("status", BatchStatus.DONE),
            received_at=START + datetime.timedelta(hours=i),
            accepted=(i * 7) % 11,
            rejected=(i * 5) % 13,
        )
        for i in range(start, start + n)
    )
    return [b.pk for b in created]


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/signals/batches/(\d+)/"', html)]


def test_the_deliveries_page_and_count(staff, as_user):
    pks = _batches(staff.organisation, DELIVERIES_PAGE + 3)
    client = as_user(staff)
    first = client.get(URL)
    newest_first = list(reversed(pks))
    assert _ids(first.content.decode()) == newest_first[:DELIVERIES_PAGE]
    assert first.context["page"].paginator.count == DELIVERIES_PAGE + 3
    second = client.get(URL, {"page": 2}).content.decode()
    assert _ids(second) == newest_first[DELIVERIES_PAGE:]
    assert client.get(URL, {"page": "-3"}).status_code == 200


@pytest.mark.parametrize("key", ["received", "file", "status", "accepted", "rejected"])
def test_each_allowed_order(staff, as_user, key):
    _batches(staff.organisation, 8)
    _batches(staff.organisation, 2, start=8, status=BatchStatus.FAILED)
    field = {"received": "received_at", "file": "file_name"}.get(key, key)
    everything = list(SignalBatch.objects.all())
    client = as_user(staff)
    for sign in ("", "-"):
        html = client.get(URL, {"sort": f"{sign}{key}"}).content.decode()
        expected = sorted(
            everything, key=lambda b: (getattr(b, field), b.received_at, b.pk), reverse=bool(sign)
        )
        assert _ids(html) == [b.pk for b in expected]
        assert f'aria-sort="{"descending" if sign else "ascending"}"' in html


def test_filters_and_bad_values(staff, as_user):
    done = _batches(staff.organisation, 2)
    failed = _batches(staff.organisation, 1, start=2, status=BatchStatus.FAILED)
    client = as_user(staff)
    assert _ids(client.get(URL, {"status": "failed"}).content.decode()) == failed
    assert _ids(client.get(URL, {"file_name": "ring-001"}).content.decode()) == [done[1]]
    bad = client.get(URL, {"status": "eaten", "sort": "sha256"})
    assert bad.status_code == 200
    assert bad.context["filters"].errors and 'role="alert"' in bad.content.decode()
    assert _ids(bad.content.decode()) == list(reversed(done + failed))


def test_only_ones_own_organisations_deliveries(staff, as_user, energy_company):
    _batches(energy_company, 3)
    mine = _batches(staff.organisation, 1, start=3)
    assert _ids(as_user(staff).get(URL).content.decode()) == mine


def test_the_deliveries_query_count_does_not_grow_with_the_page(staff, as_user):
    _batches(staff.organisation, 2)
    client = as_user(staff)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL, {"sort": "rejected"})
    _batches(staff.organisation, DELIVERIES_PAGE + 5, start=2)
    with CaptureQueriesContext(connection) as large:
        html = client.get(URL, {"sort": "rejected"}).content.decode()
    assert len(_ids(html)) == DELIVERIES_PAGE
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_the_rejected_rows_of_a_delivery_are_paged(staff, as_user, family_setup):
    from rits.signals.models import SignalBatchProblem

    [pk] = _batches(staff.organisation, 1)
    SignalBatchProblem.objects.bulk_create(
        SignalBatchProblem(batch_id=pk, line=i + 2, reference=f"R-{i}", reason="Wrong date.")
        for i in range(250)
    )
    client = as_user(staff)
    url = reverse("signals:batch", args=[pk])
    first = client.get(url).content.decode()
    assert first.count("Wrong date.") == 200
    assert 'aria-current="page"' in first and "?page=2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("Wrong date.") == 50 and ">R-249<" in second
    assert client.get(url, {"page": "x"}).status_code == 200
    assert as_user(family_setup["outsider"]).get(url, {"page": 2}).status_code == 404
