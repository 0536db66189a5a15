import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def overview_url(family) -> str:
    return reverse("families:overview", args=[family.pk])


def test_overview_answers_who_is_around_this_family(family_setup, as_user):
    family = family_setup["family"]
    factories.NetworkMemberFactory(
        family=family, name="Oom Tesfay", relation="relative", availability="na 18:00"
    )
    factories.FamilyEventFactory(family=family, params={"text": "Gezin aangemeld bij het wijkteam"})
    page = as_user(family_setup["coordinator"]).get(overview_url(family)).content.decode()
    for text in [
        "Selam Haile",
        "Yonas Haile",
        "Gezinsregisseur",
        "Ambulante gezinsbegeleiding",
        family_setup["worker"].user.email,
        "Oom Tesfay",
        "na 18:00",
        "Gezin aangemeld bij het wijkteam",
    ]:
        assert text in page, text


def test_overview_query_count_does_not_grow_with_the_family(
    family_setup, as_user, django_assert_max_num_queries
):
    family = family_setup["family"]
    client = as_user(family_setup["coordinator"])
    client.get(overview_url(family))  # warm the session

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(overview_url(family)).status_code == 200
    for i in range(10):
        factories.MembershipFactory(
            family=family,
            role="child",
            person=factories.PersonFactory(given_names=f"Kind{i}", birth_date="2015-01-01"),
        )
        factories.InvolvementFactory(family=family, domains=["work_education"])
        factories.NetworkMemberFactory(family=family)
        factories.FamilyEventFactory(family=family)
    with CaptureQueriesContext(connection) as large:
        assert client.get(overview_url(family)).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_my_families_query_count_does_not_grow_with_caseload(as_user, settings):
    # List events go to a random audit chain; the first event in a chain creates its head
    # (two more queries), so use one chain to compare like with like.
    settings.AUDIT_CHAINS = 1
    coordinator = factories.ProfessionalFactory(role="coordinator")
    client = as_user(coordinator)

    def add_family():
        family = factories.FamilyFactory()
        factories.MembershipFactory(family=family)
        factories.MembershipFactory(
            family=family, role="child", person=factories.PersonFactory(birth_date="2018-02-02")
        )
        factories.InvolvementFactory(family=family, professional=coordinator, is_coordinator=True)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_family()
    client.get(reverse("families:my-families"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("families:my-families"))
    for _ in range(10):
        add_family()
    with CaptureQueriesContext(connection) as large:
        page = client.get(reverse("families:my-families"))
    assert page.content.decode().count("/families/") >= 11
    assert len(large) == len(small)


# The start page with "My work": the session and the reader (4), the reader's families
# once for the list and every count (2), the list and its members (4), its audit event
# (5), the reminders (2), the alerts' counts (1), the families not looked at (1), the
# unread notices (1) and what is new from the family in the portal (1; 2 when there is
# some: when the coordinator last looked); on SQLite and PostgreSQL alike. It was 27
# before the reader's families were read once per request instead of once per count
# (issue 11).
MY_FAMILIES_QUERIES = 21


def test_my_families_with_my_work_costs_a_fixed_number_of_queries(
    as_user, settings, django_assert_num_queries
):
    settings.AUDIT_CHAINS = 1  # the first event of a chain creates its head
    coordinator = factories.ProfessionalFactory(role="coordinator")
    client = as_user(coordinator)
    for _ in range(3):
        family = factories.FamilyFactory()
        factories.MembershipFactory(family=family)
        factories.InvolvementFactory(family=family, professional=coordinator, is_coordinator=True)
    client.get(reverse("families:my-families"))
    with django_assert_num_queries(MY_FAMILIES_QUERIES):
        page = client.get(reverse("families:my-families"))
    assert page.status_code == 200 and page.context["my_work"]


def test_htmx_search_returns_only_the_list(family_setup, as_user):
    client = as_user(family_setup["worker"])
    response = client.post(reverse("families:my-families"), {"q": "Haile"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b"Gezin Haile" in response.content


def test_html_in_names_is_escaped(family_setup, as_user):
    family = family_setup["family"]
    factories.NetworkMemberFactory(family=family, name="<script>alert('x')</script>")
    page = as_user(family_setup["coordinator"]).get(overview_url(family)).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_demo_banner_only_in_demo_mode(family_setup, as_user, settings):
    client = as_user(family_setup["coordinator"])
    assert b"rits-demo-banner" not in client.get(overview_url(family_setup["family"])).content
    settings.DEMO_MODE = True
    assert b"rits-demo-banner" in client.get(overview_url(family_setup["family"])).content


def test_health_is_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get("/health/").json() == {"status": "ok"}
