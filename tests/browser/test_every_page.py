"""Every page passes axe and fits a 390 px phone (issue 11: "axe on every page, at desktop
and 390 px").

The inventory below names every URL of Rits (``django.urls.get_resolver()``, the admin
included) in exactly one of four lists:

* ``COVERED_ELSEWHERE``: an HTML page another browser test already checks with
  ``check_page`` (390 px and desktop) on its way;
* ``PAGES``: the HTML pages this module visits, each as the role that works there, with
  real objects (the demo region: a family with a plan whose parts have a history, a
  delivery with alerts, a decided link review, an acknowledged alert, an emergency access);
* ``NOT_A_PAGE``: what renders no HTML page of its own on a GET (a POST-only action, a
  download, a redirect, the API), with the reason;
* ``KNOWN_EXCEPTIONS``: pages with an axe or width finding we leave, with the reason
  (empty when there is none).

``test_the_inventory_names_every_url`` fails when a new URL is in none of them, so a new
page cannot go unchecked. A failing page is named in the message: one test per role visits
all its pages (one demo region, one logged-in browser context) and lists every failure."""

import datetime
import inspect
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rits.access.rules import grant_for
from rits.access.services import request_emergency_access
from rits.audit.services import Actor
from rits.demo.services import build_demo_region
from rits.families.models import Family, Involvement, Membership, NetworkMember
from rits.organisations.models import (
    Municipality,
    Organisation,
    Professional,
    Region,
    Team,
)
from rits.plans import services as plan_services
from rits.plans.models import Agreement, Goal, PlanVersion
from rits.signals import pipeline
from rits.signals.intake import services as intake
from rits.signals.linking import review as link_review
from rits.signals.models import LinkReview, SignalBatch
from rits.worklist import services as worklist
from rits.worklist.models import WorkItem, WorkItemStatus

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- the inventory -------------------------------------------------------------------------

# The admin's reference data, and the admin pages of each that show HTML.
ADMIN_MODELS = ("region", "municipality", "organisation", "team", "professional")
ADMIN_VIEWS = ("changelist", "add", "change", "history")

# HTML pages another browser test checks with check_page (at 390 px and desktop width).
COVERED_ELSEWHERE = {
    "core:login": "test_small_screen, test_days",
    "core:login-setup": "test_days (the administrator's day: Sara)",
    "administration:welcome": "test_days (the administrator's day: Sara's link)",
    "families:my-families": "test_small_screen (every role), test_days",
    "families:overview": "test_small_screen, test_days",
    "families:add-member": "test_small_screen, test_days",
    "families:record-contact": "test_small_screen, test_days",
    "families:pending-involvements": "test_small_screen",
    "families:create-family": "test_days",
    "families:add-involvement": "test_days",
    "families:hand-over": "test_days",
    "families:change-member": "test_days",
    "families:remove-member": "test_days",
    "families:member-history": "test_days",
    "families:removed": "test_days",
    "access:emergency-access": "test_small_screen",
    "access:access-log": "test_small_screen, test_days",
    "access:privacy": "test_small_screen, test_days",
    "access:review-list": "test_small_screen",
    "plans:plan": "test_small_screen",
    "plans:details": "test_small_screen",
    "plans:compare": "test_small_screen",
    "worklist:inbox": "test_small_screen (every role)",
    "worklist:inbox-team": "test_small_screen, test_days",
    "notifications:list": "test_small_screen (every role)",
    "admin:index": "test_days (the administrator's day)",
    "admin:organisations_professional_add": "test_days (the invitation form)",
    "admin:organisations_professional_changelist": "test_days (after the invitation)",
    "portal:home": "test_portal_login",
    "portal:login": "test_portal_login",
    "portal:logout": "test_portal_login",
    "portal:invitation": "test_portal_login",
    # The family's pages, in Dutch and in Arabic at both widths: test_portal_journey.
    "portal:plan": "test_portal_journey",
    "portal:coming-up": "test_portal_journey",
    "portal:involved": "test_portal_journey",
    "portal:who-looked": "test_portal_journey",
    "portal:network": "test_portal_journey",
    "portal:network-member": "test_portal_journey",
}

# URLs without an HTML page of their own on a GET.
NOT_A_PAGE = {
    "core:login-verify": "the second-factor step of the login (test_login_journey checks it)",
    "core:logout": "POST only",
    "plans:agreement-comment": "POST only (a professional's answer under an agreement)",
    "portal:agree": "POST only (the family agrees online; test_portal_journey)",
    "portal:add-goal": "POST only (test_portal_journey)",
    "portal:add-strength": "POST only",
    "portal:agreement-done": "POST only (test_portal_journey)",
    "portal:agreement-comment": "POST only",
    "core:health": "a JSON health check",
    "core:": "robots.txt (text)",
    "set_language": "POST only (Django's set_language)",
    "families:export": "a JSON download of the family's data",
    "families:decide-involvement": "POST only",
    "families:decide-possible-duplicate": "POST only",
    "families:cancel-hand-over": "POST only",
    "families:undo-member-removal": "POST only",
    "families:undo-network-removal": "POST only",
    "access:access-log-export": "a CSV download of the access log",
    "access:review": "POST only (the review list holds the form)",
    "plans:pdf": "a PDF download of the plan",
    "plans:undo-goal-removal": "POST only",
    "plans:undo-safety-item-removal": "POST only",
    "plans:undo-safety-score-removal": "POST only",
    "plans:undo-crisis-contact-removal": "POST only",
    "signals:old-inbox": "a redirect to worklist:inbox",
    "signals:old-inbox-team": "a redirect to worklist:inbox-team",
    "signals:old-alert-acknowledge": "the old address of worklist:acknowledge (POST only)",
    "signals:old-alert-act": "the old address of worklist:act",
    "signals:old-alert-dismiss": "the old address of worklist:dismiss",
    "worklist:acknowledge": "POST only",
    "notifications:read": "POST only",
    "notifications:read-all": "POST only",
    "notifications:email": "POST only (the choice sits on the notifications page)",
    "admin:login": "Rits's own login (core:login) is used; this redirects there",
    "admin:logout": "POST only",
    "admin:autocomplete": "JSON for the admin's autocomplete fields",
    "admin:jsi18n": "the admin's JavaScript catalogue",
    "admin:view_on_site": "a redirect to the object's own page",
    "admin:": "a redirect from an object's address to its change page",
    **{
        f"admin:organisations_{model}_delete": "reference data is never deleted here (403)"
        for model in ADMIN_MODELS
    },
    "admin:password_change": "Rits's passwords are set through the welcome link",
    "admin:password_change_done": "Rits's passwords are set through the welcome link",
    "digid:login": "a redirect to DigiD (or, outside production, its mock)",
    "digid:acs": "DigiD coming back: a redirect to the portal (test_portal_login walks it)",
    "digid:logout": "the library's DigiD log-out (a redirect)",
    "digid-mock:login": "the library's mock DigiD page, its own markup (test_portal_login)",
    "digid-mock:bsn": "the library's mock DigiD page, its own markup (test_portal_login)",
}

# Pages with an axe or 390 px finding that stays, with the reason. A page named here is
# still visited (so the finding is printed), but its failure does not fail the test.
KNOWN_EXCEPTIONS: dict[str, str] = {}


def _all_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and not str(pattern.pattern).startswith("api/"):
                names.add(f"{namespace}:{pattern.name or ''}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return {name for name in names if name and not name.startswith("api")}


# --- the world the pages show -------------------------------------------------------------


def _doubtful_delivery(world) -> LinkReview:
    """A signal that looks like the mother but not quite: her coordinator decides."""
    mother = world["mother"]
    born = mother.birth_date
    swapped = (
        born.replace(month=born.day, day=born.month)
        if born.day <= 12 and born.day != born.month
        else born + datetime.timedelta(days=1)
    )
    today = datetime.date.today()
    content = (
        "reference;signal_type;signal_date;since;amount_eur;crisis;surname;prefix;"
        "given_names;birth_date;postcode;house_number;house_number_suffix;city;note\n"
        f"HUUR-2026-0999;rent_arrears;{today.isoformat()};"
        f"{(today - datetime.timedelta(days=70)).isoformat()};1640,00;nee;{mother.surname};;"
        f"{mother.given_names};{swapped.isoformat()};3511 AB;7;;Utrecht;Huur niet betaald\n"
    ).encode()
    batch = intake.receive_batch(
        source=world["housing"].organisation,
        content=content,
        file_name="twijfel.csv",
        actor=Actor.system("test"),
    )
    pipeline.run_for_batch(batch.pk)
    return LinkReview.objects.filter(family=world["family"], person=mother).latest("pk")


def _household_review(world) -> LinkReview:
    """A second family with a child at DEMO-1's address, coordinated by the demo
    coordinator: a signal about the mother reaches her own family and, for this one, a
    family-level review ("is this signal about this household?")."""
    from rits.families.models import MemberRole, Person

    home = world["family"]
    neighbours = Family.objects.create(
        reference="DEMO-1-B",
        name="Gezin Haile",
        street=home.street,
        house_number=home.house_number,
        house_number_suffix=home.house_number_suffix,
        postcode=home.postcode,
        city=home.city,
        municipality=home.municipality,
    )
    child = Person.objects.create(
        surname="Haile", given_names="Lemlem", birth_date=datetime.date(2016, 4, 2)
    )
    Membership.objects.create(family=neighbours, person=child, role=MemberRole.CHILD)
    coordinator = world["coordinator"]
    Involvement.objects.create(
        family=neighbours,
        organisation=coordinator.organisation,
        professional=coordinator,
        role="Gezinscoach",
        legal_basis=Involvement._meta.get_field("legal_basis").choices[0][0],
        domains=["daily_living"],
        start_date=datetime.date.today() - datetime.timedelta(days=30),
        is_coordinator=True,
    )
    mother = world["mother"]
    today = datetime.date.today()
    content = (
        "reference;signal_type;signal_date;surname;given_names;birth_date;postcode;"
        "house_number;house_number_suffix\n"
        f"HUUR-2026-0998;rent_arrears;{today.isoformat()};{mother.surname};"
        f"{mother.given_names};{mother.birth_date.isoformat()};{home.postcode};"
        f"{home.house_number};{home.house_number_suffix}\n"
    ).encode()
    batch = intake.receive_batch(
        source=world["housing"].organisation,
        content=content,
        file_name="buren.csv",
        actor=Actor.system("test"),
    )
    pipeline.run_for_batch(batch.pk)
    return LinkReview.objects.get(family=neighbours, person__isnull=True)


@pytest.fixture
def world(transactional_db, settings):
    settings.TASKS = IMMEDIATE
    build_demo_region(families=3)
    family = Family.objects.get(reference="DEMO-1")

    def staff(email):
        return Professional.objects.get(user__email=email)

    world = {
        "family": family,
        "mother": Membership.objects.filter(family=family, role="parent").first().person,
        "coordinator": staff("coordinator@demo.rits.nl"),
        "housing": staff("woningcorporatie@demo.rits.nl"),
        "privacy_officer": staff("privacy@demo.rits.nl"),
        "administrator": staff("admin@demo.rits.nl"),
        "team_lead": staff("teamlead@demo.rits.nl"),
        "signal_delivery": staff("signalen@demo.rits.nl"),
    }
    user = world["coordinator"].user

    # Plan parts with a history: each added, then changed once.
    grant = grant_for(user, family.pk)

    def revision():
        family.plan.refresh_from_db()
        return family.plan.revision

    plan_services.add_safety_item(
        user=user, grant=grant, revision=revision(), kind="danger", text="Spanning thuis"
    )
    plan_services.record_safety_score(
        user=user,
        grant=grant,
        revision=revision(),
        perspective="professional",
        name="Noor",
        score=6,
        explanation="Het gaat beter",
    )
    plan_services.add_crisis_contact(
        user=user,
        grant=grant,
        revision=revision(),
        name="Oom Tesfay",
        relation="oom",
        phone="0612345678",
    )
    goal = Goal.objects.filter(plan=family.plan).first()
    plan_services.update_goal(
        user=user,
        grant=grant,
        revision=revision(),
        goal_id=goal.pk,
        text=goal.text + " (samen)",
        said_by=goal.said_by,
        domains=goal.domains,
    )
    world["plan"] = family.plan

    # Alerts from the demo's delivery: one acknowledged (to reopen), one still open.
    alerts = list(WorkItem.objects.filter(family=family, status=WorkItemStatus.OPEN).order_by("pk"))
    assert len(alerts) >= 1, "the demo delivery raises an alert for DEMO-1"
    worklist.acknowledge(user=user, item_id=alerts[0].pk)
    world["acknowledged"] = alerts[0]
    world["open_alert"] = alerts[1] if len(alerts) > 1 else None

    # A link review, decided (to reopen).
    review = _doubtful_delivery(world)
    link_review.decide_review(user=user, review_id=review.pk, decision="reject")
    world["review"] = review
    world["household_review"] = _household_review(world)

    # An emergency access by someone outside the family, for the privacy officer.
    request_emergency_access(
        user=staff("gi@demo.rits.nl").user, reason="Crisis in de nacht", reference="DEMO-1"
    )
    return world


def _pages(role: str, world) -> list[tuple[str, str]]:
    """(url name, path) of the pages this module visits for ``role``."""
    family = world["family"]
    f = family.pk
    plan = world["plan"]
    if role == "coordinator":
        network = NetworkMember.objects.filter(family=family).first()
        involvement = (
            Involvement.objects.filter(family=family, is_coordinator=False).first()
            or Involvement.objects.filter(family=family).first()
        )
        goal = Goal.objects.filter(plan=plan).first()
        agreement = Agreement.objects.filter(goal__plan=plan).first()
        safety_item = plan.safety_items.first()
        safety_score = plan.safety_scores.first()
        crisis = plan.crisis_contacts.first()
        version = PlanVersion.objects.filter(plan=plan).order_by("-number").first()
        pages = [
            ("families:add-network-member", reverse("families:add-network-member", args=[f])),
            (
                "portal_coordinator:invite",
                reverse("portal_coordinator:invite", args=[f, network.pk]),
            ),
            (
                "families:change-involvement",
                reverse("families:change-involvement", args=[f, involvement.pk]),
            ),
            (
                "families:end-involvement",
                reverse("families:end-involvement", args=[f, involvement.pk]),
            ),
            (
                "families:change-family-details",
                reverse("families:change-family-details", args=[f]),
            ),
            ("families:family-history", reverse("families:family-history", args=[f])),
            ("families:file-status", reverse("families:file-status", args=[f])),
            (
                "families:change-network-member",
                reverse("families:change-network-member", args=[f, network.pk]),
            ),
            (
                "families:remove-network-member",
                reverse("families:remove-network-member", args=[f, network.pk]),
            ),
            (
                "families:network-member-history",
                reverse("families:network-member-history", args=[f, network.pk]),
            ),
            ("plans:assess", reverse("plans:assess", args=[f]) + "?domain=finances"),
            ("plans:add-safety-item", reverse("plans:add-safety-item", args=[f]) + "?kind=danger"),
            ("plans:add-safety-score", reverse("plans:add-safety-score", args=[f])),
            ("plans:add-goal", reverse("plans:add-goal", args=[f])),
            ("plans:add-agreement", reverse("plans:add-agreement", args=[f]) + f"?goal={goal.pk}"),
            ("plans:change-agreement", reverse("plans:change-agreement", args=[f, agreement.pk])),
            ("plans:add-crisis-contact", reverse("plans:add-crisis-contact", args=[f])),
            ("plans:agree", reverse("plans:agree", args=[f, version.number]) if version else ""),
            ("plans:removed", reverse("plans:removed", args=[f])),
            (
                "plans:agreement-history",
                reverse("plans:agreement-history", args=[f, agreement.pk]),
            ),
            ("plans:change-goal", reverse("plans:change-goal", args=[f, goal.pk])),
            ("plans:remove-goal", reverse("plans:remove-goal", args=[f, goal.pk])),
            ("plans:goal-history", reverse("plans:goal-history", args=[f, goal.pk])),
            (
                "plans:change-safety-item",
                reverse("plans:change-safety-item", args=[f, safety_item.pk]),
            ),
            (
                "plans:remove-safety-item",
                reverse("plans:remove-safety-item", args=[f, safety_item.pk]),
            ),
            (
                "plans:safety-item-history",
                reverse("plans:safety-item-history", args=[f, safety_item.pk]),
            ),
            (
                "plans:change-safety-score",
                reverse("plans:change-safety-score", args=[f, safety_score.pk]),
            ),
            (
                "plans:remove-safety-score",
                reverse("plans:remove-safety-score", args=[f, safety_score.pk]),
            ),
            (
                "plans:safety-score-history",
                reverse("plans:safety-score-history", args=[f, safety_score.pk]),
            ),
            (
                "plans:change-crisis-contact",
                reverse("plans:change-crisis-contact", args=[f, crisis.pk]),
            ),
            (
                "plans:remove-crisis-contact",
                reverse("plans:remove-crisis-contact", args=[f, crisis.pk]),
            ),
            (
                "plans:crisis-contact-history",
                reverse("plans:crisis-contact-history", args=[f, crisis.pk]),
            ),
            ("signals:review", reverse("signals:review")),
            ("signals:review-detail", reverse("signals:review-detail", args=[world["review"].pk])),
            ("signals:review-reopen", reverse("signals:review-reopen", args=[world["review"].pk])),
            (
                "signals:review-detail (same address, another family)",
                reverse("signals:review-detail", args=[world["household_review"].pk]),
            ),
            ("worklist:reopen", reverse("worklist:reopen", args=[world["acknowledged"].pk])),
            ("404 for a logged-in user", "/families/999999/"),
            ("403 for a logged-in user", reverse("admin:index")),
        ]
        if world["open_alert"] is not None:
            item = world["open_alert"].pk
            pages += [
                ("worklist:act", reverse("worklist:act", args=[item])),
                ("worklist:dismiss", reverse("worklist:dismiss", args=[item])),
            ]
        return pages
    if role == "privacy_officer":
        return [
            ("access:privacy (a family found)", reverse("access:privacy") + "?reference=DEMO-1"),
            ("access:review-list (an access to review)", reverse("access:review-list")),
        ]
    if role == "signal_delivery":
        batch = SignalBatch.objects.filter(source=world["signal_delivery"].organisation).first()
        return [
            ("signals:upload", reverse("signals:upload")),
            ("signals:batch", reverse("signals:batch", args=[batch.pk])),
        ]
    if role == "administrator":
        region = Region.objects.first()
        municipality = Municipality.objects.first()
        organisation = Organisation.objects.filter(teams__isnull=False).first() or (
            Organisation.objects.first()
        )
        team = Team.objects.first()
        professional = world["coordinator"]
        pages = [
            ("admin:app_list", reverse("admin:app_list", args=["organisations"])),
            (
                "admin:organisations_organisation_keys",
                reverse("admin:organisations_organisation_keys", args=[organisation.pk]),
            ),
        ]
        objects = {
            "region": region,
            "municipality": municipality,
            "organisation": organisation,
            "team": team,
            "professional": professional,
        }
        for model, obj in objects.items():
            for view in ADMIN_VIEWS:
                name = f"admin:organisations_{model}_{view}"
                if name in COVERED_ELSEWHERE:
                    continue
                args = [] if view in ("changelist", "add") else [obj.pk]
                pages.append((name, reverse(name, args=args)))
        return pages
    raise AssertionError(role)


ROLES = ["coordinator", "privacy_officer", "signal_delivery", "administrator"]
ERROR_PAGES = {"404 for a logged-in user": 404, "403 for a logged-in user": 403}


def test_the_inventory_names_every_url():
    names = _all_url_names()
    listed = set(COVERED_ELSEWHERE) | set(NOT_A_PAGE) | _visited_names()
    assert names - listed == set(), "URLs in no list of the inventory"
    assert listed - names - set(ERROR_PAGES) == set(), "listed URLs that no longer exist"


def _visited_names() -> set[str]:
    """The url names ``_pages`` visits, read from its source (no database needed)."""
    source = inspect.getsource(_pages)
    names = set(re.findall(r'\(\s*"([a-z_-]+:[a-z_-]+)', source))
    for model in ADMIN_MODELS:
        for view in ADMIN_VIEWS:
            names.add(f"admin:organisations_{model}_{view}")
    return names - set(COVERED_ELSEWHERE)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_at_desktop_and_390_px(page, world, role, log_in_as, check_page):
    log_in_as(world[role])
    failures, visited = [], 0
    for name, path in _pages(role, world):
        if not path:
            continue
        visited += 1
        expected = ERROR_PAGES.get(name, 200)
        try:
            response = page.goto(path)
            assert response.status == expected, f"{name} ({path}): {response.status}"
            assert "text/html" in response.headers.get("content-type", ""), name
            check_page(page, name)
        except AssertionError as failure:
            if name not in KNOWN_EXCEPTIONS:
                failures.append(f"== {name} ==\n{failure}")
    assert visited >= 2
    assert not failures, f"{len(failures)} of {visited} pages fail:\n" + "\n".join(failures)
