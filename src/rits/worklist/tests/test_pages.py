"""The worklist's pages (``/inbox/``, ``/inbox/team/``, ``/work-items/<id>/…``) with a kind
of its own (no signals): what a kind contributes (the suggested agreement, the summary
of its details), who is refused, and the old ``/signals/…`` paths that keep working."""

import copy
import dataclasses

import pytest
from django.urls import reverse

from rits.plans.models import Agreement
from rits.worklist import kinds
from rits.worklist.models import WorkItemStatus
from rits.worklist.tests.test_worklist import raise_one, test_kind  # noqa: F401

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _urls(item) -> dict[str, str]:
    return {
        name: reverse(f"worklist:{name}", args=[item.pk])
        for name in ("acknowledge", "act", "dismiss")
    }


def test_the_new_paths():
    assert reverse("worklist:inbox") == "/inbox/"
    assert reverse("worklist:inbox-team") == "/inbox/team/"
    assert reverse("worklist:act", args=[7]) == "/work-items/7/act/"
    assert reverse("worklist:acknowledge", args=[7]) == "/work-items/7/acknowledge/"
    assert reverse("worklist:dismiss", args=[7]) == "/work-items/7/dismiss/"


def test_the_inbox_links_the_items_pages(family_setup, as_user):
    item = raise_one(family_setup)
    html = as_user(family_setup["coordinator"]).get("/inbox/", **EN).content.decode()
    urls = _urls(item)
    assert urls["acknowledge"] in html
    assert f"{urls['act']}?back=mine" in html and f"{urls['dismiss']}?back=mine" in html
    assert 'href="/inbox/" aria-current="page"' in html  # the main menu's "Alerts"


def test_an_uninvolved_professional_is_refused_every_page_of_an_item(family_setup, as_user):
    item = raise_one(family_setup)
    client = as_user(family_setup["outsider"])
    urls = _urls(item)
    assert client.post(urls["acknowledge"]).status_code == 404
    for name in ("act", "dismiss"):
        assert client.get(urls[name]).status_code == 404
    assert client.post(urls["dismiss"], {"reason": "Niet nodig"}).status_code == 404
    assert client.post(urls["act"], {"action": "Bellen", "note": "x"}).status_code == 404
    for inbox in ("/inbox/", "/inbox/team/"):
        html = client.get(inbox, **EN).content.decode()
        assert family_setup["family"].name not in html and urls["act"] not in html
    item.refresh_from_db()
    assert item.status == WorkItemStatus.OPEN and not Agreement.objects.exists()


def test_acting_suggests_a_follow_up_of_a_kind_that_suggests_nothing(family_setup, as_user):
    item = raise_one(family_setup)
    page = as_user(family_setup["coordinator"]).get(_urls(item)["act"], **EN)
    assert page.status_code == 200
    assert page.context["form"].initial["action"] == "Follow up the alert: Follow-up."
    assert page.context["form"].initial["domains"] == ["finances"]  # the kind's life domain


def test_a_kind_contributes_its_suggestion_and_the_summary_of_its_details(
    family_setup,
    as_user,
    test_kind,  # noqa: F811
    settings,
    tmp_path,
):
    (tmp_path / "summary.html").write_text(
        '<ul id="test-summary">{% for d in line.details %}<li>{{ d }}</li>{% endfor %}</ul>'
    )
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], str(tmp_path)]
    settings.TEMPLATES = templates  # assigned, so that the template engines are rebuilt

    def suggest(line):
        return f"Plan {line.title.lower()} with {len(line.details)} details"

    kinds.register_kind(
        dataclasses.replace(
            test_kind,
            details=lambda items: {i.pk: ["one", "two"] for i in items},
            summary_template="summary.html",
            suggest_action=suggest,
        ),
        reasons={},
    )
    item = raise_one(family_setup)
    page = as_user(family_setup["coordinator"]).get(_urls(item)["act"], **EN)
    assert page.context["form"].initial["action"] == "Plan follow-up with 2 details"
    assert 'id="test-summary"' in page.content.decode()
    dismiss = as_user(family_setup["coordinator"]).get(_urls(item)["dismiss"], **EN)
    assert 'id="test-summary"' in dismiss.content.decode()


def test_acting_makes_the_agreement_and_goes_back_to_the_inbox(family_setup, as_user):
    item = raise_one(family_setup)
    client = as_user(family_setup["coordinator"])
    form = client.get(_urls(item)["act"]).context["form"]
    answer = client.post(
        _urls(item)["act"],
        {
            "revision": form.initial["revision"],
            "action": "Met de schuldhulp bellen",
            "kind": "call",
            "owner": f"professional:{family_setup['coordinator'].pk}",
            "due_date": form.initial["due_date"].isoformat(),
            "domains": ["finances"],
            "note": "Afgesproken met Selam.",
            "back": "team",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/inbox/team/"
    item.refresh_from_db()
    assert item.status == WorkItemStatus.ACTED_ON and item.action_note == "Afgesproken met Selam."
    assert Agreement.objects.get(pk=item.agreement_id).action == "Met de schuldhulp bellen"


# --- the old paths --------------------------------------------------------------------------


def test_the_old_inbox_pages_redirect_for_good(family_setup, as_user):
    client = as_user(family_setup["coordinator"])
    answer = client.get("/signals/inbox/?status=all")
    assert answer.status_code == 301 and answer["Location"] == "/inbox/?status=all"
    answer = client.get("/signals/inbox/team/")
    assert answer.status_code == 301 and answer["Location"] == "/inbox/team/"


def test_the_old_paths_of_an_item_are_answered_by_the_worklist(family_setup, as_user):
    item = raise_one(family_setup)
    client = as_user(family_setup["coordinator"])
    assert client.get(f"/signals/alerts/{item.pk}/act/").status_code == 200
    assert client.get(f"/signals/alerts/{item.pk}/dismiss/").status_code == 200
    answer = client.post(f"/signals/alerts/{item.pk}/acknowledge/", {"back": "mine"})
    assert answer.status_code == 302 and answer["Location"] == f"/inbox/#alert-{item.pk}"
    item.refresh_from_db()
    assert item.status == WorkItemStatus.ACKNOWLEDGED
    outsider = as_user(family_setup["outsider"])
    assert outsider.get(f"/signals/alerts/{item.pk}/act/").status_code == 404
    assert outsider.post(f"/signals/alerts/{item.pk}/dismiss/", {"reason": "x"}).status_code == 404
