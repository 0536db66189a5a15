"""The plan's pages: who sees what, the forms end to end, bad input, conflicts between
two editors, the family overview and the reminders."""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rits.plans import services
from rits.plans.models import Agreement, Plan, PlanVersion
from rits.plans.tests.factories import add_goal, agree, assess, change, family_agrees, worry
from rits.plans.tests.factories import current_revision as revision

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)
NEXT_MONTH = TODAY + datetime.timedelta(days=30)


@pytest.fixture
def browse(as_user):
    """Log in as a professional, with the English interface (the source strings)."""

    def _browse(professional):
        client = as_user(professional)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _browse


def plan_url(family) -> str:
    return reverse("plans:plan", args=[family.pk])


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r"\( ", "(", re.sub(r" ([:,.)])", r"\1", text))


def revision_in(response) -> str:
    match = re.search(r'name="revision" value="(\d*)"', response.content.decode())
    assert match, "the form carries no revision"
    return match.group(1)


def submit(client, url, data, *, query=""):
    """Load a form the way a browser does, then post it with the revision it carried."""
    form = client.get(url + query)
    assert form.status_code == 200, form.status_code
    return client.post(url, {"revision": revision_in(form), **data})


# --- every route refuses a professional who is not involved --------------------------


def form_urls(family, agreement_id: int) -> list[str]:
    return [
        reverse("plans:assess", args=[family.pk]),
        reverse("plans:add-safety-item", args=[family.pk]),
        reverse("plans:add-safety-score", args=[family.pk]),
        reverse("plans:add-goal", args=[family.pk]),
        reverse("plans:add-agreement", args=[family.pk]),
        reverse("plans:change-agreement", args=[family.pk, agreement_id]),
        reverse("plans:add-crisis-contact", args=[family.pk]),
        reverse("plans:details", args=[family.pk]),
        reverse("plans:agree", args=[family.pk, 1]),
    ]


def read_urls(family) -> list[str]:
    return [plan_url(family), reverse("plans:compare", args=[family.pk])]


def test_every_plan_page_refuses_an_uninvolved_professional(plan_setup, browse):
    family = plan_setup["family"]
    agreement = agree(
        plan_setup, "Bellen met Woonstede", f"person:{plan_setup['mother'].pk}", ["housing"]
    )
    client = browse(plan_setup["outsider"])
    for url in read_urls(family) + form_urls(family, agreement.pk):
        assert client.get(url).status_code == 404, url
    for url in form_urls(family, agreement.pk):
        response = client.post(
            url, {"revision": "1", "action": "x", "text": "x", "name": "x", "score": "3"}
        )
        assert response.status_code == 404, url
    for url in read_urls(family):
        assert client.post(url).status_code == 405, url  # read-only pages take no POST
    # Nothing was changed by any of it.
    assert revision(family) == 1
    assert Agreement.objects.get().action == "Bellen met Woonstede"


def test_a_family_that_does_not_exist_is_a_404_too(plan_setup, browse):
    client = browse(plan_setup["coordinator"])
    assert client.get(reverse("plans:plan", args=[999999])).status_code == 404
    assert client.get(reverse("plans:add-goal", args=[999999])).status_code == 404


def test_pages_need_a_login(plan_setup, client):
    response = client.get(plan_url(plan_setup["family"]))
    assert response.status_code == 302 and "login" in response["Location"]


# --- what each reader sees -----------------------------------------------------------


@pytest.fixture
def shared_plan(plan_setup):
    """A plan across housing, finances and mental health, with a worry."""
    s = plan_setup
    mother = s["mother"]
    assess(s, "housing", 2, "Ultimatum van Woonstede ontvangen.")
    assess(s, "finances", 1, "Huurachterstand van drie maanden.", person=mother)
    assess(s, "mental_health", 2, "Somberheid sinds de bevalling.", person=mother)
    worry(s, "Yonas was alleen thuis toen moeder werd opgenomen.")
    agree(s, "Betalingsregeling voorstellen", f"professional:{s['housing'].pk}", ["housing"])
    agree(s, "Intake bij de GGZ plannen", f"professional:{s['ggz'].pk}", ["mental_health"])
    # The housing corporation is party to this one, though it is about mental health.
    agree(s, "Woonstede schuift aan bij het GGZ-overleg", f"professional:{s['housing'].pk}",
          ["mental_health"])  # fmt: skip
    return s


def test_the_housing_corporation_sees_housing_finances_and_its_own_agreements(shared_plan, browse):
    page = text_of(browse(shared_plan["housing"]).get(plan_url(shared_plan["family"])))
    assert "Ultimatum van Woonstede ontvangen." in page
    assert "Huurachterstand van drie maanden." in page
    assert "Betalingsregeling voorstellen" in page
    assert "Woonstede schuift aan bij het GGZ-overleg" in page
    assert "Somberheid" not in page
    assert "Intake bij de GGZ plannen" not in page
    assert "alleen thuis" not in page and "Safety and strengths" not in page
    assert "11 more life domains are outside your involvement" in page
    assert "1 more agreement concerns life domains outside your involvement" in page
    # Only what they can use: no coordinator's parts, no assessing mental health.
    body = browse(shared_plan["housing"]).get(plan_url(shared_plan["family"])).content.decode()
    assert "?domain=housing" in body and "?domain=finances" in body
    assert "?domain=mental_health" not in body
    assert reverse("plans:add-crisis-contact", args=[shared_plan["family"].pk]) not in body
    assert reverse("plans:details", args=[shared_plan["family"].pk]) not in body


def test_the_mental_health_worker_does_not_see_finances(shared_plan, browse):
    page = text_of(browse(shared_plan["ggz"]).get(plan_url(shared_plan["family"])))
    assert "Somberheid sinds de bevalling." in page
    assert "Intake bij de GGZ plannen" in page
    assert "Woonstede schuift aan bij het GGZ-overleg" in page  # a mental-health agreement
    assert "Huurachterstand" not in page and "Ultimatum" not in page
    assert "Betalingsregeling" not in page


def test_the_coordinator_sees_everything(shared_plan, browse):
    page = text_of(browse(shared_plan["coordinator"]).get(plan_url(shared_plan["family"])))
    for text in [
        "Ultimatum van Woonstede ontvangen.",
        "Huurachterstand van drie maanden.",
        "Somberheid sinds de bevalling.",
        "Yonas was alleen thuis toen moeder werd opgenomen.",
        "Betalingsregeling voorstellen",
        "Intake bij de GGZ plannen",
        "Woonstede schuift aan bij het GGZ-overleg",
    ]:
        assert text in page, text
    assert "outside your involvement" not in page


def test_domains_nobody_looked_at_are_marked_and_old_scores_are_stale(plan_setup, browse):
    old = assess(plan_setup, "housing", 3, "Woning is te klein.")
    Assessment = type(old)
    Assessment.objects.filter(pk=old.pk).update(
        assessed_on=TODAY - datetime.timedelta(days=settings.PLAN_ASSESSMENT_STALE_DAYS + 1)
    )
    body = browse(plan_setup["coordinator"]).get(plan_url(plan_setup["family"])).content.decode()
    housing = re.search(r'<tr id="domain-housing">.*?</tr>', body, re.S).group(0)
    finances = re.search(r'<tr id="domain-finances">.*?</tr>', body, re.S).group(0)
    assert "stale" in housing and "not looked at" not in housing
    assert "not looked at" in finances


# --- the whole plan built through the forms --------------------------------------------


def test_a_coordinator_builds_the_whole_plan_in_the_browser(plan_setup, browse):
    s = plan_setup
    family, mother = s["family"], s["mother"]
    client = browse(s["coordinator"])
    url = lambda name, *args: reverse(f"plans:{name}", args=[family.pk, *args])  # noqa: E731

    page = text_of(client.get(plan_url(family)))
    assert "The plan has no version yet" in page

    # Assessment, preselected from the plan page's "Assess" link.
    form = client.get(url("assess") + "?domain=finances")
    assert re.search(r'<option value="finances" selected>', form.content.decode())
    assert "Acute problems" in text_of(form)  # every step with its label …
    assert "It is going well without help." in text_of(form)  # … and its description
    response = submit(
        client,
        url("assess"),
        {
            "domain": "finances",
            "person": str(mother.pk),
            "score": "2",
            "explanation": "Huurachterstand van twee maanden.",
            "assessed_on": TODAY.isoformat(),
        },
        query="?domain=finances",
    )
    assert response.status_code == 302
    assert response["Location"] == plan_url(family) + "#domain-finances"

    # Worries and strengths.
    assert submit(client, url("add-safety-item"), {"kind": "harm",
                  "text": "Yonas was twee keer alleen thuis."}, query="?kind=harm").status_code == 302  # fmt: skip
    assert submit(client, url("add-safety-item"), {"kind": "working_well",
                  "text": "Selam brengt Yonas elke dag naar de opvang."}).status_code == 302  # fmt: skip
    # The safety scale from three perspectives.
    for perspective, name, score in [
        ("family", "Selam (moeder)", "7"),
        ("professional", "Gezinsregisseur", "4"),
        ("network", "Tante Lemlem", "6"),
    ]:
        response = submit(
            client,
            url("add-safety-score"),
            {"perspective": perspective, "name": name, "score": score, "explanation": ""},
        )
        assert response.status_code == 302, text_of(response)

    # A goal in the mother's own words.
    response = submit(
        client,
        url("add-goal"),
        {
            "text": "Ik wil dat Yonas elke dag op tijd op school is.",
            "said_by": "Selam (moeder)",
            "domains": ["work_education", "domestic_relations"],
        },
    )
    assert response.status_code == 302
    goal_id = re.search(r"\?goal=(\d+)", client.get(plan_url(family)).content.decode()).group(1)

    # Agreements for a professional, the mother and the aunt.
    form = client.get(url("add-agreement") + f"?goal={goal_id}")
    body = form.content.decode()
    assert re.search(rf'<option value="{goal_id}" selected>', body)
    for group in ("Professionals", "Family", "Network"):
        assert f'<optgroup label="{group}">' in body
    for owner, action in [
        (f"professional:{s['housing'].pk}", "Betalingsregeling met Selam opstellen"),
        (f"person:{mother.pk}", "Wekker zetten om 7 uur"),
        (f"network:{s['aunt'].pk}", "Gaat mee naar de huisarts"),
    ]:
        response = submit(
            client,
            url("add-agreement"),
            {
                "action": action,
                "kind": "accompany",
                "owner": owner,
                "due_date": NEXT_MONTH.isoformat(),
                "domains": ["work_education"],
                "goal": goal_id,
            },
        )
        assert response.status_code == 302, text_of(response)

    # The crisis plan with the 24/7 trusted person.
    submit(client, url("add-crisis-contact"), {"name": "Buurvrouw Anna", "relation": "buurvrouw",
           "phone": "06 1234 5678", "availability": "overdag"})  # fmt: skip
    submit(client, url("add-crisis-contact"), {"name": "Lemlem Tesfay", "relation": "tante",
           "phone": "06 8765 4321", "availability": "dag en nacht", "is_trusted_person": "on"})  # fmt: skip

    # The family agrees with version 1.
    page = client.get(plan_url(family)).content.decode()
    assert url("agree", 1) in page
    form = client.get(url("agree", 1))
    assert "Selam Haile" in text_of(form) and "Yonas Haile" not in text_of(form)  # adults only
    response = submit(
        client,
        url("agree", 1),
        {"members": ["Selam Haile"], "others": "", "method": "in_person",
         "interpreter_language": "ti", "note": "Met tolk doorgelopen"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("#versions")
    assert PlanVersion.objects.get(number=1).agreed_by == "Selam Haile"

    # A change after that creates version 2.
    agreement = Agreement.objects.get(owner_person=mother)
    form = client.get(url("change-agreement", agreement.pk))
    assert "Wekker zetten om 7 uur" in form.content.decode()
    response = client.post(
        url("change-agreement", agreement.pk),
        {
            "revision": revision_in(form),
            "action": "Wekker zetten om 7 uur",
            "kind": "other",
            "owner": f"person:{mother.pk}",
            "due_date": NEXT_MONTH.isoformat(),
            "domains": ["work_education"],
            "goal": goal_id,
            "status": "done",
            "status_note": "Lukt elke dag",
        },
    )
    assert response.status_code == 302
    assert list(PlanVersion.objects.order_by("number").values_list("number", flat=True)) == [1, 2]

    # The plan page shows all of it.
    page = text_of(client.get(plan_url(family)))
    assert "“Ik wil dat Yonas elke dag op tijd op school is.” — Selam (moeder)" in page
    for text in [
        "Huurachterstand van twee maanden.",
        "Yonas was twee keer alleen thuis.",
        "Selam brengt Yonas elke dag naar de opvang.",
        "Selam (moeder): 7 of 10",
        "Gezinsregisseur: 4 of 10",
        "Tante Lemlem: 6 of 10",
        "Betalingsregeling met Selam opstellen",
        "Gaat mee naar de huisarts",
        "Lukt elke dag",
        "Agreed by Selam Haile",
        "with an interpreter for",
        "Not agreed yet",
    ]:
        assert text in page, text
    crisis = page.split("Crisis and contact plan")[2]
    assert crisis.index("24/7 trusted person Lemlem Tesfay") < crisis.index("Buurvrouw Anna")

    # And the comparison of both versions shows the change.
    compare = client.get(url("compare"), {"older": "1", "newer": "2"})
    page = text_of(compare)
    assert "From version 1 to version 2" in page
    assert "Changed: Before:" in page
    before, after = page.split("Changed: Before:")[1].split("After:")[:2]
    assert "Wekker zetten om 7 uur" in before and "open" in before
    assert "done (Lukt elke dag)" in after
    assert "<del>" in compare.content.decode() and "<ins>" in compare.content.decode()


# --- bad input: clear messages, nothing lost ----------------------------------------


def test_a_score_outside_the_scale_is_refused_and_the_explanation_kept(plan_setup, browse):
    client = browse(plan_setup["coordinator"])
    response = submit(
        client,
        reverse("plans:assess", args=[plan_setup["family"].pk]),
        {"domain": "finances", "person": "", "score": "7", "explanation": "Schulden bij Eneco"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose a score from 1 to 5." in text_of(response)
    assert 'id="id_score_error"' in body and 'href="#id_score"' in body
    assert "Schulden bij Eneco</textarea>" in body
    assert not Plan.objects.filter(family=plan_setup["family"]).exists()


def agreement_form(setup, **data):
    url = reverse("plans:add-agreement", args=[setup["family"].pk])
    values = {
        "action": "Samen naar het schuldhulpspreekuur",
        "kind": "accompany",
        "owner": f"network:{setup['aunt'].pk}",
        "due_date": NEXT_MONTH.isoformat(),
        "domains": ["finances"],
        "goal": "",
    }
    return url, {**values, **data}


def test_an_agreement_without_an_owner_is_refused(plan_setup, browse):
    url, data = agreement_form(plan_setup, owner="")
    response = submit(browse(plan_setup["coordinator"]), url, data)
    assert response.status_code == 200
    assert "Choose who does this: every agreement has an owner." in text_of(response)
    assert "Samen naar het schuldhulpspreekuur</textarea>" in response.content.decode()
    assert not Agreement.objects.exists()


def test_an_agreement_due_in_the_past_is_refused(plan_setup, browse):
    yesterday = TODAY - datetime.timedelta(days=1)
    url, data = agreement_form(plan_setup, due_date=yesterday.isoformat())
    response = submit(browse(plan_setup["coordinator"]), url, data)
    assert response.status_code == 200
    assert "The date by when lies in the past." in text_of(response)
    body = response.content.decode()
    assert f'value="{yesterday.isoformat()}"' in body
    assert "Samen naar het schuldhulpspreekuur</textarea>" in body
    assert re.search(r'value="network:\d+" selected', body)
    assert not Agreement.objects.exists()


def test_the_family_cannot_agree_with_a_version_that_is_no_longer_current(plan_setup, browse):
    s = plan_setup
    assess(s, "housing", 3, "Woning is te klein.")
    family_agrees(s, 1)
    assess(s, "housing", 4, "Grotere woning gevonden.")  # version 2
    client = browse(s["coordinator"])
    url = reverse("plans:agree", args=[s["family"].pk, 1])
    assert "no longer the current version" in text_of(client.get(url))
    response = submit(
        client, url, {"members": ["Selam Haile"], "others": "oom Tesfay", "method": "in_person"}
    )
    assert response.status_code == 200
    assert "Version 1 is no longer the current version: version 2 is." in text_of(response)
    assert 'value="oom Tesfay"' in response.content.decode()
    assert not PlanVersion.objects.get(number=2).is_agreed
    assert client.get(reverse("plans:agree", args=[s["family"].pk, 9])).status_code == 404


def test_only_the_coordinator_gets_the_coordinators_forms(plan_setup, browse):
    client = browse(plan_setup["housing"])
    family = plan_setup["family"]
    for name in ("add-crisis-contact", "details", "add-safety-item", "add-safety-score"):
        assert client.get(reverse(f"plans:{name}", args=[family.pk])).status_code == 403, name
    response = client.post(
        reverse("plans:add-crisis-contact", args=[family.pk]),
        {"revision": "0", "name": "Anna", "relation": "buurvrouw", "phone": "0612345678"},
    )
    assert response.status_code == 403
    assert "Only the family's coordinator" in text_of(response)


def test_a_professional_cannot_assess_outside_their_domains(plan_setup, browse):
    client = browse(plan_setup["housing"])
    url = reverse("plans:assess", args=[plan_setup["family"].pk])
    body = client.get(url + "?domain=mental_health").content.decode()
    assert 'value="mental_health"' not in body and 'value="housing"' in body
    response = client.post(
        url, {"revision": "0", "domain": "mental_health", "score": "2", "explanation": "x"}
    )
    assert response.status_code == 200  # not one of the choices: a field error
    assert 'id="id_domain_error"' in response.content.decode()
    assert not Plan.objects.exists()


def test_an_agreement_the_reader_may_not_change_has_no_change_link_and_is_refused(
    shared_plan, browse
):
    family = shared_plan["family"]
    ggz_agreement = Agreement.objects.get(action="Intake bij de GGZ plannen")
    own = Agreement.objects.get(action="Woonstede schuift aan bij het GGZ-overleg")
    client = browse(shared_plan["housing"])
    body = client.get(plan_url(family)).content.decode()
    assert reverse("plans:change-agreement", args=[family.pk, own.pk]) in body
    # Not visible to the housing corporation at all: as if it did not exist.
    url = reverse("plans:change-agreement", args=[family.pk, ggz_agreement.pk])
    assert client.get(url).status_code == 404
    # Visible (a mental-health agreement of someone else) but not theirs to change.
    other = agree(shared_plan, "Huisbezoek", f"professional:{shared_plan['housing'].pk}",
                  ["housing", "mental_health"])  # fmt: skip
    worker_client = browse(shared_plan["ggz"])
    url = reverse("plans:change-agreement", args=[family.pk, other.pk])
    assert worker_client.get(url).status_code == 403


# --- two editors at once --------------------------------------------------------------


def test_a_conflict_keeps_the_input_and_the_second_submit_works(plan_setup, browse):
    family = plan_setup["family"]
    client = browse(plan_setup["coordinator"])
    url = reverse("plans:add-goal", args=[family.pk])
    form = client.get(url)
    assert revision_in(form) == "0"
    # Meanwhile the housing corporation assesses housing.
    assess(plan_setup, "housing", 2, "Ultimatum ontvangen.", who="housing")
    typed = {
        "revision": "0",
        "text": "Wij willen in ons huis blijven wonen.",
        "said_by": "Selam",
        "domains": ["housing"],
    }
    response = client.post(url, typed)
    assert response.status_code == 200
    page = text_of(response)
    assert "Someone else changed this plan while you were working on it." in page
    body = response.content.decode()
    assert "Wij willen in ons huis blijven wonen.</textarea>" in body
    assert 'value="Selam"' in body
    assert re.search(r'value="housing"[^>]*checked', body)
    assert revision_in(response) == "1"
    assert not family.plan.goals.exists()

    response = client.post(url, {**typed, "revision": revision_in(response)})
    assert response.status_code == 302
    assert family.plan.goals.get().text == "Wij willen in ons huis blijven wonen."


def test_a_form_without_a_revision_is_treated_as_a_conflict(plan_setup, browse):
    url = reverse("plans:add-goal", args=[plan_setup["family"].pk])
    response = browse(plan_setup["coordinator"]).post(
        url, {"text": "Rust in huis.", "said_by": "", "domains": ["housing"]}
    )
    assert response.status_code == 200
    assert "Someone else changed this plan" in text_of(response)
    assert revision_in(response) == "0"


# --- escaping -------------------------------------------------------------------------


def test_html_in_the_familys_words_is_shown_as_text(plan_setup, browse):
    add_goal(plan_setup, "<script>alert('x')</script> en <b>vet</b>", ["housing"])
    body = browse(plan_setup["coordinator"]).get(plan_url(plan_setup["family"])).content.decode()
    assert "<script>alert" not in body and "<b>vet" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


# --- a constant number of queries ---------------------------------------------------


def grow_plan(s, n: int) -> None:
    """n more of everything the plan page shows."""
    mother, child = s["mother"], s["child"]
    owners = [
        f"professional:{s['housing'].pk}",
        f"professional:{s['ggz'].pk}",
        f"person:{mother.pk}",
        f"person:{child.pk}",
        f"network:{s['aunt'].pk}",
    ]
    domains = ["finances", "housing", "mental_health", "physical_health", "daily_living"]
    for i in range(n):
        assess(
            s, domains[i % 5], 1 + i % 5, f"Toelichting {i}", person=[None, mother, child][i % 3]
        )
        worry(s, f"Zorg {i}", kind=["harm", "danger", "working_well", "next_step"][i % 4])
        change(
            s,
            "coordinator",
            services.record_safety_score,
            perspective=["family", "professional", "network"][i % 3],
            name=f"Persoon {i}",
            score=i % 11,
        )
        goal = add_goal(s, f"Doel {i}", [domains[i % 5]])
        agree(s, f"Afspraak {i}", owners[i % 5], [domains[i % 5]], goal=goal.pk if i % 2 else None)
        change(
            s,
            "coordinator",
            services.add_crisis_contact,
            name=f"Contact {i}",
            relation="buur",
            phone="0612345678",
            is_trusted_person=i == 0,
        )
    plan = Plan.objects.get(family=s["family"])
    family_agrees(
        s,
        plan.versions.order_by("-number").first().number,
        agreed_by="Selam",
        method="in_person",
    )
    assess(s, "housing", 3, "Na de versie")  # a new version


@pytest.mark.parametrize("reader", ["coordinator", "housing"])
def test_the_plan_page_needs_the_same_number_of_queries_however_big_the_plan(
    plan_setup, browse, settings, reader
):
    # The first event in an audit chain creates its head: use one chain throughout.
    settings.AUDIT_CHAINS = 1
    grow_plan(plan_setup, 1)
    client = browse(plan_setup[reader])
    url = plan_url(plan_setup["family"])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow_plan(plan_setup, 12)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert "Afspraak 11" in text_of(response) or reader == "housing"
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


# --- the family overview and my families ------------------------------------------


def overview_url(family) -> str:
    return reverse("families:overview", args=[family.pk])


def domain_row(body: str, domain: str) -> str:
    match = re.search(rf'#domain-{domain}".*?</tr>', body, re.S)
    assert match, domain
    return match.group(0)


def test_the_overview_shows_finances_not_looked_at_until_someone_assesses_it(plan_setup, browse):
    family = plan_setup["family"]
    client = browse(plan_setup["coordinator"])
    body = client.get(overview_url(family)).content.decode()
    assert "not looked at" in domain_row(body, "finances")
    assert f'href="{plan_url(family)}"' in body  # "Open the plan"

    assess(
        plan_setup, "finances", 2, "Huurachterstand.", person=plan_setup["mother"], who="housing"
    )
    assess(plan_setup, "finances", 4, "Spaarpot voor de kinderen.")
    body = client.get(overview_url(family)).content.decode()
    row = domain_row(body, "finances")
    assert "not looked at" not in row
    assert "Not self-reliant" in row  # the lowest of the current scores
    assert "not looked at" in domain_row(body, "housing")


def test_the_overview_links_agreements_versions_and_the_review_into_the_plan(plan_setup, browse):
    s = plan_setup
    agree(s, "Huur betalen", f"person:{s['mother'].pk}", ["finances"])
    late = agree(s, "Bellen met Eneco", f"professional:{s['housing'].pk}", ["finances"])
    Agreement.objects.filter(pk=late.pk).update(due_date=TODAY - datetime.timedelta(days=2))
    body = browse(s["coordinator"]).get(overview_url(s["family"])).content.decode()
    page = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    assert f'href="{plan_url(s["family"])}#agreements"' in body
    assert "2 open agreements — 1 overdue" in page
    assert "version 1, not agreed by the family yet" in page
    # The ggz worker sees no finances: neither the domain nor its agreements.
    body = browse(s["ggz"]).get(overview_url(s["family"])).content.decode()
    assert "#domain-finances" not in body and "0 open agreements" in body


def test_the_overview_query_count_does_not_grow_with_the_plan(plan_setup, browse, settings):
    settings.AUDIT_CHAINS = 1
    grow_plan(plan_setup, 1)
    client = browse(plan_setup["coordinator"])
    url = overview_url(plan_setup["family"])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow_plan(plan_setup, 8)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


def test_my_families_reminds_of_overdue_agreements_and_reviews(plan_setup, browse):
    s = plan_setup
    family = s["family"]
    client = browse(s["housing"])
    assert "Reminders" not in text_of(client.get(reverse("families:my-families")))

    late = agree(s, "Bellen over de betalingsregeling", f"professional:{s['housing'].pk}",
                 ["finances"])  # fmt: skip
    Agreement.objects.filter(pk=late.pk).update(due_date=TODAY - datetime.timedelta(days=3))
    Plan.objects.filter(family=family).update(review_date=TODAY - datetime.timedelta(days=1))

    response = client.get(reverse("families:my-families"))
    page = text_of(response)
    assert "Reminders" in page
    assert "your agreement “Bellen over de betalingsregeling” was due on" in page
    assert f'href="{plan_url(family)}#agreement-{late.pk}"' in response.content.decode()
    assert "review date" not in page  # the housing corporation does not coordinate

    response = browse(s["coordinator"]).get(reverse("families:my-families"))
    assert "the plan's review date" in text_of(response)
    assert f'href="{plan_url(family)}#review"' in response.content.decode()
    assert "Bellen over de betalingsregeling" not in text_of(response)  # not theirs


def test_the_plan_page_reminds_of_the_review_and_overdue_agreements(plan_setup, browse):
    s = plan_setup
    late = agree(s, "Bellen met Eneco", f"person:{s['mother'].pk}", ["finances"])
    Agreement.objects.filter(pk=late.pk).update(due_date=TODAY - datetime.timedelta(days=2))
    Plan.objects.filter(family=s["family"]).update(review_date=TODAY - datetime.timedelta(days=1))
    page = text_of(browse(s["coordinator"]).get(plan_url(s["family"])))
    assert "has passed" in page
    assert "1 agreement is overdue: Selam Haile — Bellen met Eneco" in page
    assert "overdue" in page.split("Agreements not tied to a goal")[-1]


def test_compare_needs_two_versions_and_two_different_ones(plan_setup, browse):
    s = plan_setup
    client = browse(s["coordinator"])
    url = reverse("plans:compare", args=[s["family"].pk])
    assert "fewer than two versions" in text_of(client.get(url))
    assess(s, "housing", 3, "Woning is te klein.")
    family_agrees(s, 1, agreed_by="Selam", method="in_person")
    assess(s, "housing", 4, "Grotere woning.")
    assert "Grotere woning." in text_of(client.get(url))  # newest two by default
    assert "Choose two different versions." in text_of(client.get(url, {"older": 1, "newer": 1}))
    assert client.get(url, {"older": 1, "newer": 7}).status_code == 200


def test_emergency_access_reads_the_plan_but_changes_nothing(shared_plan, browse):
    from rits.access.models import EmergencyAccess

    s = shared_plan
    now = timezone.now()
    EmergencyAccess.objects.create(
        professional=s["outsider"],
        family=s["family"],
        reason="Crisis in de nacht, gezinsregisseur niet bereikbaar",
        started_at=now,
        expires_at=now + datetime.timedelta(hours=4),
    )
    client = browse(s["outsider"])
    response = client.get(plan_url(s["family"]))
    page = text_of(response)
    assert "emergency access" in page and "Huurachterstand van drie maanden." in page
    body = response.content.decode()
    for name in ("assess", "add-goal", "add-agreement", "add-safety-item", "add-crisis-contact"):
        assert reverse(f"plans:{name}", args=[s["family"].pk]) not in body, name
    # no "Change" links (the history stays readable)
    assert not re.search(r'/agreements/\d+/"', body)
    url = reverse("plans:add-goal", args=[s["family"].pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"revision": "6", "text": "x", "domains": ["housing"]})
    assert response.status_code == 403


def test_changing_an_agreement_keeps_a_goal_the_reader_does_not_see(plan_setup, browse):
    s = plan_setup
    goal = add_goal(s, "Ik wil weer rustig slapen.", ["mental_health"])
    own = agree(s, "Meegaan naar de huisarts", f"professional:{s['housing'].pk}",
                ["mental_health"], goal=goal.pk)  # fmt: skip
    client = browse(s["housing"])
    url = reverse("plans:change-agreement", args=[s["family"].pk, own.pk])
    form = client.get(url)
    body = form.content.decode()
    assert "rustig slapen" not in body
    assert re.search(rf'<option value="{goal.pk}" selected>A goal outside your involvement', body)
    response = client.post(
        url,
        {
            "revision": revision_in(form),
            "action": "Meegaan naar de huisarts",
            "kind": "accompany",
            "owner": f"professional:{s['housing'].pk}",
            "due_date": NEXT_MONTH.isoformat(),
            "domains": ["mental_health"],
            "goal": str(goal.pk),
            "status": "done",
            "status_note": "",
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == "done" and own.goal_id == goal.pk


def test_the_comparison_names_the_family_group_plan_in_words(plan_setup, browse):
    s = plan_setup
    client = browse(s["coordinator"])
    url = reverse("plans:details", args=[s["family"].pk])
    offered = {"family_group_plan_status": "offered", "review_date": NEXT_MONTH.isoformat(),
               "family_group_plan_date": TODAY.isoformat(), "family_group_plan_text": ""}  # fmt: skip
    assert submit(client, url, offered).status_code == 302
    family_agrees(s, 1, agreed_by="Selam", method="in_person")
    accepted = {**offered, "family_group_plan_status": "accepted",
                "family_group_plan_text": "Oom Tesfay haalt Yonas op woensdag."}  # fmt: skip
    assert submit(client, url, accepted).status_code == 302
    page = text_of(client.get(reverse("plans:compare", args=[s["family"].pk])))
    today = TODAY.strftime("%d-%m-%Y")
    assert f"Before: Family group plan: offered {today} After: Family group plan: accepted" in page
    assert "Added: Oom Tesfay haalt Yonas op woensdag." in page
    # The plan page shows the family's own plan to the coordinator only.
    assert "Oom Tesfay haalt Yonas op woensdag." in text_of(client.get(plan_url(s["family"])))
    housing = text_of(browse(s["housing"]).get(plan_url(s["family"])))
    assert "Accepted" in housing and "Oom Tesfay haalt" not in housing


def test_the_plan_lists_the_life_domains_in_life_domain_order(plan_setup, browse, settings):
    """Whatever order a region configures its domains in, the plan lists them in the one
    order Rits uses everywhere (LifeDomain's)."""
    from rits.core.domains import LifeDomain
    from rits.plans.scale import assessed_domains

    settings.PLAN_DOMAINS = ["safety", "housing", "mental_health", "finances"]
    assessed_domains.cache_clear()
    try:
        body = browse(plan_setup["coordinator"]).get(plan_url(plan_setup["family"]))
        shown = re.findall(r'<tr id="domain-([a-z_]+)">', body.content.decode())
    finally:
        assessed_domains.cache_clear()
    assert shown == [d for d in LifeDomain.values if d in settings.PLAN_DOMAINS]
