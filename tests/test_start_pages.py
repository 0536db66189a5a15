"""Each role its own start (issue 11): "/" is a coordinator's work, a team lead's
caseload, and for the roles with work elsewhere a way there; the privacy officer's
workspace; emergency access offered where a search finds no family."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from rits.access.rules import grant_for
from rits.audit import catalogue
from rits.audit.models import AuditEvent
from rits.audit.services import Actor
from rits.core.durations import in_words
from rits.families.selectors import NOT_LOOKED_AT_DAYS, count_not_looked_at
from rits.plans.models import Agreement, Plan
from rits.plans.tests.factories import agree
from rits.worklist import services as worklist_services
from rits.worklist.tests.test_worklist import draft, team, test_kind  # noqa: F401
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def page(client, path=None, **params):
    with translation.override("en"):
        return client.get(
            path or reverse("families:my-families"), params, HTTP_ACCEPT_LANGUAGE="en"
        )


def my_work(html: str) -> dict[str, str]:
    section = html.split('id="my-work"')[1].split("</section>")[0]
    return {
        label.strip(): count
        for label, count in re.findall(
            r"<li[^>]*>(?:<a[^>]*>)?([^<:]+): (?:<strong>)?(\d+)", section
        )
    }


# --- the start page per role ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "kind", "start"),
    [
        ("signal_delivery", "woningcorporatie", "signals:upload"),
        ("privacy_officer", "wijkteam", "access:privacy"),
        ("administrator", "wijkteam", "admin:index"),
    ],
)
def test_a_role_with_work_elsewhere_starts_there(as_user, role, kind, start):
    professional = factories.ProfessionalFactory(
        role=role, organisation=factories.OrganisationFactory(kind=kind)
    )
    response = as_user(professional).get(reverse("families:my-families"))
    assert response.status_code == 302
    assert response["Location"] == reverse(start)


def test_the_coordinators_start_is_their_work(family_setup, as_user, test_kind):  # noqa: F811
    family = family_setup["family"]
    coordinator = family_setup["coordinator"]
    worklist_services.raise_items(
        [
            draft(family, "late", due=TODAY - datetime.timedelta(days=2)),
            draft(family, "soon", due=TODAY + datetime.timedelta(days=5)),
        ],
        actor=Actor.system("test"),
    )
    client = as_user(coordinator)
    # Their plan, with an agreement they own that is overdue and a review date passed.
    page(client, reverse("plans:plan", args=[family.pk]))
    late = agree(
        family_setup, "Bellen met de school", f"professional:{coordinator.pk}", ["daily_living"]
    )
    Agreement.objects.filter(pk=late.pk).update(due_date=TODAY - datetime.timedelta(days=3))
    Plan.objects.filter(family=family).update(review_date=TODAY - datetime.timedelta(days=1))
    html = page(client).content.decode()
    counts = my_work(html)
    assert counts["Open alerts"] == "2"
    assert counts["Overdue alerts"] == "1"
    assert counts["Plans due for review"] == "1"
    assert counts["Overdue agreements"] == "1"
    # They looked at the plan just now: no family waits for a look.
    with translation.override("en"):
        period = in_words(NOT_LOOKED_AT_DAYS)
    assert counts[f"Families you have not looked at for {period}"] == "0"
    assert f'href="{reverse("worklist:inbox")}"' in html


def test_families_not_looked_at_come_from_the_users_own_views(family_setup, as_user):
    coordinator = family_setup["coordinator"]
    families = [family_setup["family"]] + [factories.FamilyFactory() for _ in range(3)]
    for family in families[1:]:
        factories.InvolvementFactory(family=family, professional=coordinator, is_coordinator=True)
    user = coordinator.user
    assert count_not_looked_at(user=user) == 4
    grant_for(user, families[0].pk)  # deciding access is no look
    catalogue.log("family.overview_viewed", actor=Actor.for_user(user), family_id=families[0].pk)
    # A look longer ago than NOT_LOOKED_AT_DAYS does not count.
    with time_machine.travel(timezone.now() - datetime.timedelta(days=NOT_LOOKED_AT_DAYS + 1)):
        catalogue.log(
            "family.overview_viewed", actor=Actor.for_user(user), family_id=families[2].pk
        )
    # Someone else's look is not theirs.
    catalogue.log(
        "family.overview_viewed",
        actor=Actor.for_user(family_setup["worker"].user),
        family_id=families[1].pk,
    )
    assert count_not_looked_at(user=user) == 3
    # The list behind the count: the families not looked at, and only theirs.
    html = page(as_user(coordinator), not_looked_at="1").content.decode()
    assert families[0].name not in html.split('id="family-list"')[1]
    for family in families[1:]:
        assert family.name in html


def test_the_not_looked_at_count_costs_the_same_for_many_families(family_setup):
    coordinator = family_setup["coordinator"]
    user = coordinator.user

    def queries() -> int:
        user._state.fields_cache.clear()
        with CaptureQueriesContext(connection) as captured:
            count_not_looked_at(user=user)
        return len(captured)

    few = queries()
    for _ in range(6):
        family = factories.FamilyFactory()
        factories.InvolvementFactory(family=family, professional=coordinator, is_coordinator=True)
        catalogue.log("family.overview_viewed", actor=Actor.for_user(user), family_id=family.pk)
    assert queries() == few


def test_an_uninvolved_professional_sees_no_family_of_others_on_the_start(
    family_setup,
    as_user,
    test_kind,  # noqa: F811
):
    family = family_setup["family"]
    worklist_services.raise_items([draft(family, "k")], actor=Actor.system("test"))
    html = page(as_user(family_setup["outsider"])).content.decode()
    assert family.name not in html
    assert family.reference not in html
    counts = my_work(html)
    assert set(counts.values()) == {"0"}


def test_the_team_lead_sees_the_caseload_of_the_team(family_setup, team, as_user, test_kind):  # noqa: F811
    family = family_setup["family"]
    worklist_services.raise_items(
        [draft(family, "late", due=TODAY - datetime.timedelta(days=1))], actor=Actor.system("test")
    )
    html = page(as_user(team["lead"])).content.decode()
    caseload = html.split('id="team-caseload"')[1].split("</section>")[0]
    assert "The team coordinates 1 family." in caseload
    assert family_setup["coordinator"].name in caseload
    assert family.name not in caseload  # counts, not families
    assert f'href="{reverse("worklist:inbox-team")}"' in caseload
    # Nobody else gets the caseload.
    assert 'id="team-caseload"' not in page(as_user(family_setup["coordinator"])).content.decode()


def test_the_team_item_is_the_current_page_on_the_team_inbox(team, as_user):  # noqa: F811
    nav = page(as_user(team["lead"]), reverse("worklist:inbox-team")).content.decode()
    nav = nav.split('class="rits-nav"')[1].split("</nav>")[0]
    assert nav.count('aria-current="page"') == 1
    assert f'href="{reverse("worklist:inbox-team")}" aria-current="page"' in nav


# --- emergency access where it is needed ------------------------------------------------------


def test_a_search_without_result_offers_emergency_access(family_setup, as_user):
    client = as_user(family_setup["outsider"])
    html = page(client, q=family_setup["family"].reference).content.decode()
    assert "No family you are involved with matches this search." in html
    assert f'href="{reverse("access:emergency-access")}"' in html
    # Not on the plain list.
    assert reverse("access:emergency-access") not in page(client).content.decode()


# --- the privacy workspace ------------------------------------------------------------------


@pytest.fixture
def officer():
    return factories.ProfessionalFactory(role="privacy_officer")


@pytest.mark.parametrize("who", ["coordinator", "worker", "outsider"])
def test_the_privacy_workspace_is_the_privacy_officers_only(family_setup, as_user, who):
    response = as_user(family_setup[who]).get(reverse("access:privacy"))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="view", object_type="access.refusals").exists()


def test_the_workspace_lists_refused_attempts_newest_first(family_setup, as_user, officer):
    family = family_setup["family"]
    outsider = family_setup["outsider"]
    outsider_client = as_user(outsider)
    assert outsider_client.get(reverse("families:overview", args=[family.pk])).status_code == 404
    assert outsider_client.get(reverse("families:overview", args=[999_999])).status_code == 404
    html = page(as_user(officer), reverse("access:privacy")).content.decode()
    table = html.split('id="refusals-table"')[1].split("</table>")[0]
    rows = table.split("<tbody")[1].split('<tr class="utrecht-table__row">')[1:]
    assert len(rows) == 2
    assert "999999" in rows[0]  # the newest: an id that is no family
    assert family.reference in rows[1]
    assert f'href="{reverse("access:access-log", args=[family.pk])}"' in rows[1]
    assert outsider.name in rows[1]
    # No family data beyond its reference: not its name, nor its members.
    assert family.name not in table
    assert "Selam" not in html
    assert AuditEvent.objects.filter(
        object_type="access.refusals", user_id=officer.user_id
    ).exists()
    # The emergency accesses to review are a link away; AVG requests are only announced.
    assert f'href="{reverse("access:review-list")}"' in html


def test_the_workspace_finds_a_familys_log_by_reference(family_setup, as_user, officer):
    family = family_setup["family"]
    client = as_user(officer)
    response = page(client, reverse("access:privacy"), reference=family.reference.lower())
    assert response.status_code == 302
    assert response["Location"] == reverse("access:access-log", args=[family.pk])
    missing = page(client, reverse("access:privacy"), reference="NO-SUCH-REF")
    assert missing.status_code == 200
    assert "No family has this reference." in missing.content.decode()
    assert (
        "<script>"
        not in page(client, reverse("access:privacy"), reference="<script>x")
        .content.decode()
        .split("<main")[1]
    )
