"""The inbox as a list: paged (no silent cap of 200), filtered by status and kind,
sorted by a whitelist, bad values a message; a page holds only the lines the reader
may see, in a constant number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rits.audit.services import Actor
from rits.worklist import selectors, services
from rits.worklist.models import WorkItem
from rits.worklist.tests.test_worklist import KIND, draft, team, test_kind  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _raise(family_setup, n: int, *, start: int = 0) -> list[int]:
    drafts = [
        draft(family_setup["family"], f"k{i}", due=TODAY + datetime.timedelta(days=i + 1))
        for i in range(start, start + n)
    ]
    return [pk for pk, _outcome in services.raise_items(drafts, actor=Actor.system("test"))]


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="alert-(\d+)"', html)]


def test_the_inbox_pages_and_counts(family_setup, as_user):
    pks = _raise(family_setup, selectors.INBOX_PAGE + 2)
    client = as_user(family_setup["coordinator"])
    first = client.get("/inbox/").content.decode()
    assert _ids(first) == pks[: selectors.INBOX_PAGE]
    assert re.search(rf"\b{selectors.INBOX_PAGE + 2} (alerts|signaleringen)\b", first)
    assert 'aria-current="page"' in first
    second = client.get("/inbox/", {"page": 2}).content.decode()
    assert _ids(second) == pks[selectors.INBOX_PAGE :]


@pytest.mark.parametrize(
    ("sort", "expect"),
    [("urgency", "asc"), ("due", "asc"), ("created", "asc")],
)
def test_each_allowed_order(family_setup, as_user, sort, expect):
    pks = _raise(family_setup, 3)
    # The last one escalated: most urgent first puts it on top; by due date it is last.
    WorkItem.objects.filter(pk=pks[2]).update(escalated_at=timezone.now())
    html = as_user(family_setup["coordinator"]).get("/inbox/", {"sort": sort}).content.decode()
    if sort == "urgency":
        assert _ids(html) == [pks[2], pks[0], pks[1]]
    else:
        assert _ids(html) == pks


@pytest.mark.parametrize(
    "params",
    [{"sort": "-hash"}, {"status": "bogus"}, {"kind": "nope"}, {"page": "x"}, {"page": "99999"}],
)
def test_bad_values_give_a_message_or_the_default(family_setup, as_user, params):
    pks = _raise(family_setup, 2)
    response = as_user(family_setup["coordinator"]).get("/inbox/", params)
    assert response.status_code == 200
    assert _ids(response.content.decode()) == pks
    if "page" not in params:
        assert response.context["form"].errors
        assert 'role="alert"' in response.content.decode()


def test_filter_by_kind_and_status(family_setup, as_user):
    pks = _raise(family_setup, 2)
    services.acknowledge(user=family_setup["coordinator"].user, item_id=pks[0])
    client = as_user(family_setup["coordinator"])
    assert _ids(client.get("/inbox/", {"kind": KIND}).content.decode()) == pks
    assert _ids(client.get("/inbox/", {"status": "open"}).content.decode()) == [pks[1]]
    assert _ids(client.get("/inbox/", {"status": "acknowledged"}).content.decode()) == [pks[0]]


def test_paging_links_keep_the_filters(family_setup, as_user):
    _raise(family_setup, selectors.INBOX_PAGE + 1)
    html = as_user(family_setup["coordinator"]).get("/inbox/", {"status": "open", "sort": "due"})
    assert "status=open&amp;sort=due&amp;page=2" in html.content.decode()


def test_a_team_page_holds_only_what_the_member_may_see(family_setup, team, as_user):  # noqa: F811
    # The worker is in the team but their grant does not cover the kind's domain.
    worker = family_setup["worker"]
    worker.team = team["team"]
    worker.save()
    _raise(family_setup, 3)
    WorkItem.objects.update(team=team["team"])
    html = as_user(worker).get("/inbox/team/").content.decode()
    assert _ids(html) == []
    lead_html = as_user(team["lead"]).get("/inbox/team/").content.decode()
    assert len(_ids(lead_html)) == 3


def test_the_inbox_query_count_does_not_grow_with_the_page(family_setup, as_user, settings):
    settings.AUDIT_CHAINS = 1
    _raise(family_setup, 2)
    client = as_user(family_setup["coordinator"])
    client.get("/inbox/")
    with CaptureQueriesContext(connection) as small:
        client.get("/inbox/", {"sort": "due"})
    _raise(family_setup, selectors.INBOX_PAGE + 3, start=2)
    with CaptureQueriesContext(connection) as large:
        html = client.get("/inbox/", {"sort": "due"}).content.decode()
    assert len(_ids(html)) == selectors.INBOX_PAGE
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_an_outsider_sees_none_of_it(family_setup, as_user):
    _raise(family_setup, 2)
    assert _ids(as_user(family_setup["outsider"]).get("/inbox/").content.decode()) == []
