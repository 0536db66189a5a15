"""My families as a list: paged (no silent cap), sortable by a whitelist, searchable by
the family's reference; a BSN search is never carried by a paging or sorting link."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rits.families.selectors import MY_FAMILIES_PAGE
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("families:my-families")


def _caseload(coordinator, n: int, *, start: int = 0):
    families = []
    for i in range(start, start + n):
        family = factories.FamilyFactory(
            name=f"Gezin {i:03d}", reference=f"REF-{999 - i:03d}", postcode=f"{1000 + i}AB"
        )
        factories.MembershipFactory(family=family)
        factories.InvolvementFactory(family=family, professional=coordinator, is_coordinator=True)
        families.append(family)
    return families


def _names(html: str) -> list[str]:
    return re.findall(r">(Gezin \d{3})</a>", html)


@pytest.fixture
def coordinator():
    return factories.ProfessionalFactory(role="coordinator")


def test_more_families_than_a_page_are_paged_and_counted(coordinator, as_user):
    _caseload(coordinator, MY_FAMILIES_PAGE + 3)
    client = as_user(coordinator)
    first = client.get(URL).content.decode()
    assert len(_names(first)) == MY_FAMILIES_PAGE
    assert re.search(rf"\b{MY_FAMILIES_PAGE + 3} (families|gezinnen)\b", first)
    assert 'aria-current="page"' in first
    second = client.get(URL, {"page": 2}).content.decode()
    assert _names(second) == [
        f"Gezin {i:03d}" for i in range(MY_FAMILIES_PAGE, MY_FAMILIES_PAGE + 3)
    ]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999999", "9" * 40, "١"])
def test_a_page_that_is_no_page_gives_the_nearest(coordinator, as_user, page):
    _caseload(coordinator, 2)
    response = as_user(coordinator).get(URL, {"page": page})
    assert response.status_code == 200
    assert len(_names(response.content.decode())) == 2


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("name", "Gezin 000"),
        ("-name", "Gezin 002"),
        ("reference", "Gezin 002"),  # REF-997
        ("-reference", "Gezin 000"),
        ("postcode", "Gezin 000"),
        ("-postcode", "Gezin 002"),
    ],
)
def test_each_allowed_order(coordinator, as_user, sort, first):
    _caseload(coordinator, 3)
    html = as_user(coordinator).get(URL, {"sort": sort}).content.decode()
    assert _names(html)[0] == first
    key = sort.lstrip("-")
    expected = "descending" if sort.startswith("-") else "ascending"
    assert re.search(rf'aria-sort="{expected}"><a [^>]*href="\?sort=[-]?{key}"', html)


@pytest.mark.parametrize("sort", ["members", "id; drop table", "-", "__class__", "name__x"])
def test_an_unknown_order_gives_the_default(coordinator, as_user, sort):
    _caseload(coordinator, 3)
    response = as_user(coordinator).get(URL, {"sort": sort})
    assert response.status_code == 200
    assert _names(response.content.decode()) == ["Gezin 000", "Gezin 001", "Gezin 002"]


def test_search_finds_a_family_by_its_reference(coordinator, as_user):
    _caseload(coordinator, 3)
    client = as_user(coordinator)
    assert _names(client.get(URL, {"q": "ref-998"}).content.decode()) == ["Gezin 001"]
    assert _names(client.post(URL, {"q": "REF-997"}).content.decode()) == ["Gezin 002"]


def test_search_by_reference_never_finds_a_family_outside_ones_access(coordinator, as_user):
    factories.FamilyFactory(name="Gezin 777", reference="SECRET-1")
    _caseload(coordinator, 1)
    assert _names(as_user(coordinator).get(URL, {"q": "SECRET-1"}).content.decode()) == []


def test_paging_links_keep_a_search_and_order(coordinator, as_user):
    _caseload(coordinator, MY_FAMILIES_PAGE + 1)
    html = as_user(coordinator).post(URL, {"q": "Gezin", "sort": "-name"}).content.decode()
    assert "?q=Gezin&amp;sort=-name&amp;page=2" in html
    assert _names(html)[0] == f"Gezin {MY_FAMILIES_PAGE:03d}"


def test_a_bsn_search_is_never_in_a_paging_or_sorting_link(coordinator, as_user):
    families = _caseload(coordinator, MY_FAMILIES_PAGE + 1)
    bsn = factories.valid_bsn(5)
    person = factories.PersonFactory(bsn=bsn)  # a parent in many households, for the test
    for family in families:
        factories.MembershipFactory(family=family, person=person)
    html = as_user(coordinator).post(URL, {"q": bsn}).content.decode()
    assert len(_names(html)) == MY_FAMILIES_PAGE  # the search worked, paged
    assert bsn not in html
    assert "page=2" in html


def test_query_count_does_not_grow_with_the_page(coordinator, as_user, settings):
    settings.AUDIT_CHAINS = 1
    client = as_user(coordinator)
    _caseload(coordinator, 2)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL, {"sort": "-postcode"})
    _caseload(coordinator, MY_FAMILIES_PAGE + 5, start=2)
    with CaptureQueriesContext(connection) as large:
        html = client.get(URL, {"sort": "-postcode"}).content.decode()
    assert len(_names(html)) == MY_FAMILIES_PAGE
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_the_list_shows_only_ones_own_families(coordinator, as_user, family_setup):
    _caseload(coordinator, 1)
    html = as_user(family_setup["outsider"]).get(URL).content.decode()
    assert _names(html) == []
    assert "Gezin Haile" not in html
