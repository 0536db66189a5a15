"""The page composition: panels and menu items that apps register, shown to the right
people, in order, without the page's own app importing them."""

import copy

import pytest
from django.urls import reverse
from django.utils import translation

from rits.components import registry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_panel(settings, tmp_path):
    """A panel registered the way an app registers one, with its own template."""
    (tmp_path / "test_panel.html").write_text(
        '<section id="test-panel" aria-labelledby="test-panel-h"><h2 id="test-panel-h">'
        "Test panel</h2><p>{{ shown_for }} sees {{ family.name }} on {{ ground }}</p></section>"
    )
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], str(tmp_path)]
    settings.TEMPLATES = templates  # assigned, so that the template engines are rebuilt
    seen = []

    def context(*, grant, request, overview):
        seen.append((grant, overview))
        if grant.ground == "involvement":
            return None  # nothing to show for this reader: the panel is left out
        return {"shown_for": request.user.username, "ground": grant.ground}

    registry.register_panel("test", order=35, template="test_panel.html", context=context)
    yield seen
    registry.family_panels.unregister("test")


def test_a_registered_panel_appears_on_the_family_page_in_its_place(
    family_setup, as_user, test_panel
):
    family = family_setup["family"]
    coordinator = family_setup["coordinator"]
    page = as_user(coordinator).get(reverse("families:overview", args=[family.pk]))
    body = page.content.decode()
    assert f"{coordinator.user.username} sees Gezin Haile on coordinator" in body
    # order 35: after the plan (20) and the members (30), before who is involved (40)
    assert body.index('id="plan-heading"') < body.index('id="members-heading"')
    assert body.index('id="members-heading"') < body.index("test-panel")
    assert body.index("test-panel") < body.index('id="involvements-heading"')
    grant, overview = test_panel[0]
    assert grant.family == family and overview.family == family


def test_a_panel_that_returns_none_is_not_shown(family_setup, as_user, test_panel):
    family = family_setup["family"]
    page = as_user(family_setup["worker"]).get(reverse("families:overview", args=[family.pk]))
    assert page.status_code == 200
    assert b"test-panel" not in page.content
    assert test_panel  # it was asked


def test_the_apps_compose_the_family_page():
    assert registry.family_panels.names() == [
        "possible_duplicates",
        "plan",
        "alerts",
        "members",
        "involvements",
        "network",
        "timeline",
    ]
    assert registry.my_families_panels.names() == ["team_caseload", "reminders"]
    assert registry.my_work_names() == ["alerts", "reminders", "not_looked_at"]


def test_an_outsider_gets_no_panel_context(family_setup, as_user, test_panel):
    family = family_setup["family"]
    page = as_user(family_setup["outsider"]).get(reverse("families:overview", args=[family.pk]))
    assert page.status_code == 404
    assert test_panel == []  # access refused before any panel is asked


# --- the main menu --------------------------------------------------------------------


def menu(client, path: str | None = None) -> list[str]:
    with translation.override("en"):
        body = client.get(path or reverse("families:my-families"), HTTP_ACCEPT_LANGUAGE="en")
    assert body.status_code == 200, body.status_code
    nav = body.content.decode().split('class="rits-nav"')[1].split("</nav>")[0]
    return [part.split("</a>")[0].split(">")[-1] for part in nav.split("<a ")[1:]]


CASEWORK = ["My families", "Alerts", "Links to review"]


def test_the_menu_follows_the_role(as_user, db):
    """Each role its own menu (issue 11); emergency access is in no one's menu."""
    for role in ("coordinator", "professional"):
        assert menu(as_user(factories.ProfessionalFactory(role=role))) == CASEWORK
    lead = factories.ProfessionalFactory(role="team_lead")
    lead.team = factories.TeamFactory(organisation=lead.organisation)
    lead.save()
    assert menu(as_user(lead)) == ["My families", "Alerts", "Team", "Links to review"]
    # The menu of a role that starts elsewhere is read on its start page.
    officer = factories.ProfessionalFactory(role="privacy_officer")
    assert menu(as_user(officer), reverse("access:privacy")) == ["Privacy workspace"]
    delivering = factories.ProfessionalFactory(
        role="signal_delivery", organisation=factories.OrganisationFactory(kind="woningcorporatie")
    )
    assert menu(as_user(delivering), reverse("signals:upload")) == ["Deliver signals"]
    # A signal source's caseworker (a housing consultant involved with tenants) works
    # with families and may deliver too.
    consultant = factories.ProfessionalFactory(
        organisation=factories.OrganisationFactory(kind="woningcorporatie")
    )
    assert menu(as_user(consultant)) == [*CASEWORK, "Deliver signals"]
    admin = factories.ProfessionalFactory(role="administrator")
    assert menu(as_user(admin), reverse("signals:review")) == ["Administration"]
    # A person with two roles sees the menu of both; the main role decides the start.
    both = factories.ProfessionalFactory(role="coordinator", other_roles=["privacy_officer"])
    assert menu(as_user(both)) == [*CASEWORK, "Privacy workspace"]


def test_every_menu_item_names_its_roles():
    assert registry.nav_items_for("coordinator") == [
        "my_families",
        "alerts",
        "review",
        "deliver_signals",
    ]
    assert registry.nav_items_for("privacy_officer") == ["privacy"]
    assert "emergency_access" not in {n for r in ("coordinator", "team_lead", "professional",
                                                  "privacy_officer") for n in registry.nav_items_for(r)}  # fmt: skip


def test_the_menu_marks_the_current_page(as_user, db):
    client = as_user(factories.ProfessionalFactory())
    body = client.get(reverse("worklist:inbox-team")).content.decode()
    nav = body.split('class="rits-nav"')[1].split("</nav>")[0]
    assert nav.count('aria-current="page"') == 1
    assert f'href="{reverse("worklist:inbox")}" aria-current="page"' in nav


def test_a_registered_menu_item_appears_for_whom_it_is_visible(as_user, db):
    registry.register_nav(
        "test",
        order=70,
        label="Test item",
        url_name="families:pending-involvements",
        roles=("professional", "privacy_officer"),
        visible=lambda professional: (
            professional is not None and professional.role == "privacy_officer"
        ),
    )
    try:
        assert "Test item" not in menu(as_user(factories.ProfessionalFactory()))
        officer = as_user(factories.ProfessionalFactory(role="privacy_officer"))
        assert menu(officer, reverse("access:privacy"))[-1] == "Test item"
        assert "Test item" not in menu(as_user(factories.ProfessionalFactory(role="coordinator")))
    finally:
        registry.unregister_nav("test")
