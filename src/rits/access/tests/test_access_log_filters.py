"""The access log filtered (person, organisation, date, kind), sorted by a whitelist,
and exported as CSV by a privacy officer only, the export itself audited."""

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rits.access.selectors import ACCESS_LOG_PAGE
from rits.audit.models import AuditEvent
from rits.audit.services import Actor, AuditEntry, log_events
from tests import factories

pytestmark = pytest.mark.django_db


def _url(family, name="access:access-log") -> str:
    return reverse(name, args=[family.pk])


def _log(who, family, n=1, action="view"):
    log_events(
        actor=Actor.for_user(who.user),
        entries=[
            AuditEntry(action=action, object_type="family.overview", family_id=family.pk)
            for _ in range(n)
        ],
    )


@pytest.fixture
def world(family_setup):
    family, worker = family_setup["family"], family_setup["worker"]
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False):
        _log(worker, family, 2)
    with time_machine.travel("2026-05-04 10:00 +0000", tick=False):
        _log(family_setup["coordinator"], family, 1, action="update")
    return family_setup


@pytest.fixture
def officer():
    return factories.ProfessionalFactory(role="privacy_officer")


def _whos(response) -> list[str]:
    return [line.who for line in response.context["page"]]


def test_filter_by_person(world, as_user):
    worker = world["worker"]
    response = as_user(world["coordinator"]).get(
        _url(world["family"]), {"person": str(worker.user).upper()}
    )
    assert response.status_code == 200
    assert set(_whos(response)) == {str(worker.user)}
    assert len(_whos(response)) == 2


def test_filter_by_organisation_date_and_kind(world, as_user):
    client = as_user(world["coordinator"])
    family = world["family"]
    org = world["worker"].organisation.name
    assert set(_whos(client.get(_url(family), {"organisation": org}))) == {
        str(world["worker"].user)
    }
    in_march = client.get(_url(family), {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert _whos(in_march) == [str(world["worker"].user)] * 2
    changes = client.get(_url(family), {"kind": "update"})
    assert _whos(changes) == [str(world["coordinator"].user)]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "yesterday"},
        {"date_from": "2026-05-01", "date_to": "2026-04-01"},
        {"kind": "drop table"},
        {"person": "x" * 500},
        {"sort": "hash"},
        {"sort": "-detail__x"},
        {"page": "١٢"},
    ],
)
def test_bad_filters_give_a_message_not_an_error(world, as_user, params):
    response = as_user(world["coordinator"]).get(_url(world["family"]), params)
    assert response.status_code == 200
    if "sort" not in params and "page" not in params:
        assert response.context["form"].errors
        assert 'role="alert"' in response.content.decode()


def test_a_control_character_is_refused_as_bad_input(world, as_user):
    # The request middleware turns it away before the form sees it: a 400, not a 500.
    response = as_user(world["coordinator"]).get(_url(world["family"]), {"person": "a\x00b"})
    assert response.status_code == 400


def test_the_coordinator_cannot_filter_on_refusals(world, as_user):
    form = as_user(world["coordinator"]).get(_url(world["family"])).context["form"]
    assert "refused" not in dict(form.fields["kind"].choices)


@pytest.mark.parametrize(("sort", "first"), [("when", "worker"), ("-when", "coordinator")])
def test_sort_by_time(world, as_user, sort, first):
    response = as_user(world["coordinator"]).get(
        _url(world["family"]), {"sort": sort, "person": "", "date_to": "2026-06-01"}
    )
    assert _whos(response)[0] == str(world[first].user)
    expected = "descending" if sort.startswith("-") else "ascending"
    assert f'aria-sort="{expected}"' in response.content.decode()


@pytest.mark.parametrize("key", ["who", "organisation"])
def test_sort_by_who_and_organisation(world, as_user, key):
    client = as_user(world["coordinator"])
    params = {"date_to": "2026-06-01"}
    up = client.get(_url(world["family"]), {**params, "sort": key})
    down = client.get(_url(world["family"]), {**params, "sort": f"-{key}"})
    attr = "who" if key == "who" else "organisation"
    values = [getattr(line, attr) for line in up.context["page"]]
    assert values == sorted(values)
    assert [getattr(line, attr) for line in down.context["page"]] == sorted(values, reverse=True)


def test_paging_keeps_the_filters(world, as_user):
    _log(world["worker"], world["family"], ACCESS_LOG_PAGE + 1)
    client = as_user(world["coordinator"])
    first = client.get(_url(world["family"]), {"person": str(world["worker"].user)})
    html = first.content.decode()
    assert "page=2" in html and "person=" in html
    second = client.get(_url(world["family"]), {"person": str(world["worker"].user), "page": 2})
    assert len(second.context["page"]) == 3  # 2 + 51 lines: the rest
    assert second.context["page"].paginator.count == ACCESS_LOG_PAGE + 3


def test_query_count_does_not_grow_with_lines(world, as_user, settings):
    settings.AUDIT_CHAINS = 1
    client = as_user(world["coordinator"])
    client.get(_url(world["family"]))
    with CaptureQueriesContext(connection) as small:
        client.get(_url(world["family"]), {"person": "a"})
    _log(world["worker"], world["family"], ACCESS_LOG_PAGE * 2)
    with CaptureQueriesContext(connection) as large:
        client.get(_url(world["family"]), {"person": "a"})
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_the_privacy_officer_exports_the_filtered_lines_of_all_pages(world, as_user, officer):
    _log(world["worker"], world["family"], ACCESS_LOG_PAGE + 5)
    client = as_user(officer)
    page = client.get(_url(world["family"])).content.decode()
    assert reverse("access:access-log-export", args=[world["family"].pk]) in page
    response = client.get(
        _url(world["family"], "access:access-log-export"),
        {"person": str(world["worker"].user)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["When", "Who", "On behalf of"]
    assert len(rows) == 1 + ACCESS_LOG_PAGE + 5 + 2
    assert {r[1] for r in rows[1:]} == {str(world["worker"].user)}
    exported = AuditEvent.objects.filter(
        action="export", object_type="family.access_log", family_id=world["family"].pk
    )
    assert exported.count() == 1
    assert exported.get().detail["lines"] == ACCESS_LOG_PAGE + 7


def test_a_cell_that_looks_like_a_formula_is_exported_as_text(world, as_user, officer):
    user = world["worker"].user
    user.first_name, user.last_name = "=HYPERLINK(1)", ""
    user.save()
    _log(world["worker"], world["family"])
    response = as_user(officer).get(_url(world["family"], "access:access-log-export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "\n=" not in text and ",=" not in text


def test_only_a_privacy_officer_may_export(world, as_user):
    url = _url(world["family"], "access:access-log-export")
    assert as_user(world["coordinator"]).get(url).status_code == 403
    assert (
        "access-log/export"
        not in as_user(world["coordinator"]).get(_url(world["family"])).content.decode()
    )
    for who in ("worker", "outsider"):
        assert as_user(world[who]).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
