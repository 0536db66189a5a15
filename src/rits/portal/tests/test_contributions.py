"""What the family does itself in /mijn/ (issue 13): agree with the plan online, mark its
own agreements done, comment, write goals and what is working well in its own words,
keep its network up to date; each reaches the coordinator as the family's."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from rits.access.rules import citizen_grant_for, grant_for
from rits.audit.models import AuditEvent
from rits.families import services as family_services
from rits.families.models import FamilyEvent, NetworkMember
from rits.plans import services as plan_services
from rits.plans.models import (
    Agreement,
    AgreementComment,
    AgreementStatus,
    Goal,
    Plan,
    PlanVersion,
    SafetyItem,
)
from rits.plans.tests.factories import change, current_revision
from rits.portal.tests.factories import CitizenAccountFactory, member
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """In English: the messages the tests look for."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def url(name, family, **ids):
    return reverse(name, kwargs={"family_id": family.pk, **ids})


def revision(portal) -> int:
    return current_revision(portal["family"])


def version(portal) -> PlanVersion:
    return PlanVersion.objects.filter(plan__family=portal["family"]).order_by("-number").first()


def agreement(action: str) -> Agreement:
    return Agreement.objects.get(action=action)


MOTHERS = "Elke week samen de post openen"
FRIENDS = "Op woensdag Yonas van school halen"
HOUSINGS = "Betalingsregeling afspreken"


def family_events(portal, code):
    return FamilyEvent.objects.filter(family=portal["family"], code=code)


# --- agreeing online -------------------------------------------------------------------


def test_the_mother_agrees_online_and_it_is_recorded_as_hers_via_digid(portal, client):
    client.force_login(portal["mother_login"])
    current = version(portal)
    page = client.get(url("portal:plan", portal["family"])).content.decode()
    assert "I agree with version 1 of the plan" in page

    answer = client.post(
        url("portal:agree", portal["family"]),
        {"revision": revision(portal), "version": current.number},
    )

    assert answer.status_code == 302
    current.refresh_from_db()
    assert current.is_agreed
    assert (current.agreed_by, current.agreement_method) == ("Selam Haile", "online_digid")
    assert current.get_agreement_method_display() == "Agreed online via DigiD"
    event = AuditEvent.objects.get(object_type="plan.version.online")
    assert (event.user_id, event.role, event.ground) == (
        portal["mother_login"].pk,
        "family_member",
        "parent_of_minor",
    )
    line = family_events(portal, "plan.agreed_online").get()
    assert line.params["who"] == "Selam Haile" and line.domain == ""
    # and the coordinator's plan page says how
    login_verified(client, portal["coordinator"].user)
    text = client.get(reverse("plans:plan", args=[portal["family"].pk])).content.decode()
    assert "Agreed online via DigiD" in text or "agreed online via digid" in text.lower()


def test_agreeing_with_a_plan_that_changed_meanwhile_is_a_conflict_and_saves_nothing(
    portal, client
):
    client.force_login(portal["mother_login"])
    read_at = revision(portal)
    # the coordinator changes the plan after the mother loaded it
    change(
        portal,
        "coordinator",
        plan_services.add_goal,
        text="Een rustig huis",
        said_by="",
        domains=["housing"],
    )

    answer = client.post(
        url("portal:agree", portal["family"]),
        {"revision": read_at, "version": version(portal).number},
    )

    assert answer.status_code == 409
    assert "Someone else changed this plan" in answer.content.decode()
    assert not PlanVersion.objects.filter(plan__family=portal["family"], agreed_at__isnull=False)
    assert not family_events(portal, "plan.agreed_online").exists()


@pytest.mark.parametrize("bad", ["abc", "", "-1", "99999999999999999999"])
def test_a_tampered_revision_or_version_is_a_clear_refusal_not_a_server_error(portal, client, bad):
    client.force_login(portal["mother_login"])

    answer = client.post(url("portal:agree", portal["family"]), {"revision": bad, "version": bad})

    assert answer.status_code in (400, 409)
    assert not PlanVersion.objects.filter(agreed_at__isnull=False).exists()


def test_a_version_that_is_no_longer_current_cannot_be_agreed_with(portal):
    grant = citizen_grant_for(portal["mother_login"], portal["family"].pk)
    with pytest.raises(ValidationError, match="no longer the current version"):
        plan_services.family_agrees_online(
            user=portal["mother_login"], grant=grant, revision=revision(portal), version_number=7
        )


def test_a_child_of_14_and_the_network_cannot_agree_for_the_family(portal, client):
    teen = member(portal["family"], "child", 14)
    for login in (teen.person.citizen_account.user, portal["friend_login"]):
        client.force_login(login)
        page = client.get(url("portal:plan", portal["family"])).content.decode()
        assert "I agree with version" not in page
        answer = client.post(
            url("portal:agree", portal["family"]),
            {"revision": revision(portal), "version": version(portal).number},
        )
        assert answer.status_code == 403
        if login == portal["friend_login"]:
            assert "Only the family itself can do this." in answer.content.decode()
        else:
            assert "of 16 or older" in answer.content.decode()
    assert not version(portal).is_agreed


def test_a_child_of_16_agrees_for_the_family(portal):
    sixteen = member(portal["family"], "child", 16)
    login = sixteen.person.citizen_account.user
    grant = citizen_grant_for(login, portal["family"].pk)

    agreed = plan_services.family_agrees_online(
        user=login, grant=grant, revision=revision(portal), version_number=version(portal).number
    )

    assert agreed.agreed_by == sixteen.person.full_name


def test_a_professional_cannot_use_the_citizens_permission(portal):
    grant = grant_for(portal["coordinator"].user, portal["family"].pk)
    with pytest.raises(PermissionDenied):
        plan_services.family_agrees_online(
            user=portal["coordinator"].user,
            grant=grant,
            revision=revision(portal),
            version_number=version(portal).number,
        )
    assert not grant.allows("contribute")
    assert citizen_grant_for(portal["friend_login"], portal["family"].pk).allows("contribute")


def test_a_coordinator_cannot_record_agreed_online_via_digid_for_the_family(portal, client):
    with pytest.raises(ValidationError) as refused:
        change(
            portal,
            "coordinator",
            plan_services.record_family_agreement,
            version_number=version(portal).number,
            agreed_by="Selam Haile",
            method="online_digid",
        )
    assert "method" in refused.value.message_dict
    assert not version(portal).is_agreed
    login_verified(client, portal["coordinator"].user)
    form = client.get(
        reverse("plans:agree", args=[portal["family"].pk, version(portal).number])
    ).content.decode()
    assert 'value="in_person"' in form and 'value="online_digid"' not in form


# --- marking one's own agreement done --------------------------------------------------


def test_the_mother_marks_her_own_agreement_done_with_a_note(portal, client):
    client.force_login(portal["mother_login"])
    mine = agreement(MOTHERS)

    answer = client.post(
        url("portal:agreement-done", portal["family"], agreement_id=mine.pk),
        {"revision": revision(portal), "note": "Gelukt, met hulp van Hiwet 🙂"},
    )

    assert answer.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.status_note) == ("done", "Gelukt, met hulp van Hiwet 🙂")
    line = family_events(portal, "plan.agreement_done_by_family").get()
    assert line.params["who"] == "Selam Haile" and line.domain == "finances"


def test_nobody_marks_someone_elses_agreement_done(portal, client):
    client.force_login(portal["mother_login"])
    answer = client.post(
        url("portal:agreement-done", portal["family"], agreement_id=agreement(FRIENDS).pk),
        {"revision": revision(portal)},
    )
    assert answer.status_code == 403
    # the friend sees only her own: another agreement is not found
    client.force_login(portal["friend_login"])
    answer = client.post(
        url("portal:agreement-done", portal["family"], agreement_id=agreement(MOTHERS).pk),
        {"revision": revision(portal)},
    )
    assert answer.status_code == 404
    assert set(Agreement.objects.values_list("status", flat=True)) == {AgreementStatus.OPEN}


def test_the_friend_marks_her_own_agreement_done(portal, client):
    client.force_login(portal["friend_login"])
    answer = client.post(
        url("portal:agreement-done", portal["family"], agreement_id=agreement(FRIENDS).pk),
        {"revision": revision(portal)},
    )
    assert answer.status_code == 302
    assert agreement(FRIENDS).status == AgreementStatus.DONE
    event = AuditEvent.objects.filter(object_type="plan.agreement", action="update").last()
    assert (event.role, event.ground) == ("network_member", "network_agreement")


def test_a_note_too_long_is_a_clear_error_and_nothing_is_saved(portal, client):
    client.force_login(portal["mother_login"])
    mine = agreement(MOTHERS)
    before = revision(portal)

    answer = client.post(
        url("portal:agreement-done", portal["family"], agreement_id=mine.pk),
        {"revision": before, "note": "x" * 501},
    )

    assert answer.status_code == 400
    assert "Keep this under 500 characters." in answer.content.decode()
    assert agreement(MOTHERS).status == AgreementStatus.OPEN and revision(portal) == before


# --- comments --------------------------------------------------------------------------


def test_the_mothers_comment_reaches_the_professional_plan_page_escaped_and_as_hers(portal, client):
    client.force_login(portal["mother_login"])
    theirs = agreement(HOUSINGS)
    text = '<script>alert("x")</script> مرحبا — lukt het voor de 1e? 👍'

    answer = client.post(
        url("portal:agreement-comment", portal["family"], agreement_id=theirs.pk), {"text": text}
    )

    assert answer.status_code == 302
    comment = AgreementComment.objects.get()
    assert (comment.text, comment.author_name, comment.author_person) == (
        text,
        "Selam Haile",
        portal["mother"],
    )
    portal_page = client.get(url("portal:plan", portal["family"])).content.decode()
    assert "<script>alert" not in portal_page and "&lt;script&gt;" in portal_page
    assert "مرحبا" in portal_page and "👍" in portal_page
    login_verified(client, portal["housing"].user)
    page = client.get(reverse("plans:plan", args=[portal["family"].pk])).content.decode()
    assert "&lt;script&gt;alert" in page and "<script>alert" not in page
    assert "from the family, in the portal" in page
    line = family_events(portal, "plan.agreement_commented_by_family").get()
    assert line.domain == "housing" and line.params["who"] == "Selam Haile"


def test_a_comment_too_long_or_empty_is_a_clear_error_and_nothing_is_saved(portal, client):
    client.force_login(portal["mother_login"])
    target = url("portal:agreement-comment", portal["family"], agreement_id=agreement(MOTHERS).pk)

    too_long = client.post(target, {"text": "a" * 2001})
    empty = client.post(target, {"text": "   "})
    nul = client.post(target, {"text": "a\x00b"})

    assert too_long.status_code == 400
    assert "Keep this under 2000 characters." in too_long.content.decode()
    assert empty.status_code == 400 and nul.status_code == 400
    assert not AgreementComment.objects.exists()


def test_the_network_comments_on_its_own_agreement_only(portal, client):
    client.force_login(portal["friend_login"])
    own = client.post(
        url("portal:agreement-comment", portal["family"], agreement_id=agreement(FRIENDS).pk),
        {"text": "Lukt deze week niet, volgende week wel."},
    )
    other = client.post(
        url("portal:agreement-comment", portal["family"], agreement_id=agreement(MOTHERS).pk),
        {"text": "Mag ik meedenken?"},
    )
    assert (own.status_code, other.status_code) == (302, 404)
    comment = AgreementComment.objects.get()
    assert comment.author_network == portal["friend"] and comment.author_name == "Hiwet"


def test_a_comment_on_an_agreement_a_professional_may_not_see_is_not_shown_to_them(portal):
    grant = citizen_grant_for(portal["mother_login"], portal["family"].pk)
    plan_services.comment_on_agreement(
        user=portal["mother_login"],
        grant=grant,
        agreement_id=agreement(MOTHERS).pk,
        text="Gaat goed",
    )
    # the mental-health worker does not see the finances agreement, nor its timeline line
    ggz = grant_for(portal["ggz"].user, portal["family"].pk)
    assert not FamilyEvent.objects.visible_to(ggz).filter(code="plan.agreement_commented_by_family")


# --- goals and what is working well ------------------------------------------------------


def test_the_mother_writes_a_goal_in_her_own_words_and_the_plan_shows_it_as_hers(portal, client):
    client.force_login(portal["mother_login"])
    words = "أريد أن يذهب يوناس إلى المدرسة بسعادة ✨"

    answer = client.post(
        url("portal:add-goal", portal["family"]), {"revision": revision(portal), "text": words}
    )

    assert answer.status_code == 302
    goal = Goal.objects.get(text=words)
    assert (goal.from_family, goal.said_by, goal.domains) == (True, "Selam Haile", [])
    login_verified(client, portal["worker"].user)
    page = client.get(reverse("plans:plan", args=[portal["family"].pk])).content.decode()
    assert words in page and "written by the family, in the portal" in page
    assert family_events(portal, "plan.goal_added_by_family").get().params == {"who": "Selam Haile"}


def test_a_goal_of_100_kb_is_refused_clearly_and_nothing_is_saved(portal, client):
    client.force_login(portal["mother_login"])
    before = (Goal.objects.count(), revision(portal), AuditEvent.objects.count())

    answer = client.post(
        url("portal:add-goal", portal["family"]),
        {"revision": revision(portal), "text": "x" * 100_000},
    )

    assert answer.status_code == 400
    assert "Keep this under 2000 characters." in answer.content.decode()
    assert (Goal.objects.count(), revision(portal)) == before[:2]
    assert not family_events(portal, "plan.goal_added_by_family").exists()


def test_a_professional_places_the_familys_goal_but_does_not_rewrite_its_words(portal):
    login = portal["mother_login"]
    goal = plan_services.family_adds_goal(
        user=login,
        grant=citizen_grant_for(login, portal["family"].pk),
        revision=revision(portal),
        text="Weer samen eten",
    )

    placed = change(
        portal,
        "coordinator",
        plan_services.update_goal,
        goal_id=goal.pk,
        text="Weer samen eten",
        said_by="Selam Haile",
        domains=["domestic_relations"],
    )
    assert placed.domains == ["domestic_relations"]
    with pytest.raises(ValidationError, match="in their own words"):
        change(
            portal,
            "coordinator",
            plan_services.update_goal,
            goal_id=goal.pk,
            text="Gezamenlijke maaltijden",
            said_by="Selam Haile",
            domains=["domestic_relations"],
        )
    assert Goal.objects.get(pk=goal.pk).text == "Weer samen eten"


def test_the_mother_writes_what_is_working_well(portal, client):
    client.force_login(portal["mother_login"])

    answer = client.post(
        url("portal:add-strength", portal["family"]),
        {"revision": revision(portal), "text": "Oma helpt elke zaterdag"},
    )

    assert answer.status_code == 302
    item = SafetyItem.objects.get()
    assert (item.kind, item.from_family, item.said_by) == ("working_well", True, "Selam Haile")
    assert (
        "Oma helpt elke zaterdag"
        in client.get(url("portal:plan", portal["family"])).content.decode()
    )
    line = family_events(portal, "plan.strength_added_by_family").get()
    assert line.domain == "safety"


def test_the_network_writes_no_goals(portal, client):
    client.force_login(portal["friend_login"])
    answer = client.post(
        url("portal:add-goal", portal["family"]),
        {"revision": revision(portal), "text": "Ik wil helpen"},
    )
    assert answer.status_code == 403
    assert not Goal.objects.filter(from_family=True).exists()


# --- the network -------------------------------------------------------------------------


def test_the_mother_adds_someone_to_the_network_and_changes_how_to_reach_them(portal, client):
    client.force_login(portal["mother_login"])
    answer = client.post(
        url("portal:network", portal["family"]),
        {"name": "Oma Abeba", "relation": "relative", "phone": "06 22223333"},
    )
    assert answer.status_code == 302
    oma = NetworkMember.objects.get(name="Oma Abeba")
    assert oma.family == portal["family"] and oma.phone == "06 22223333"

    answer = client.post(
        url("portal:network-member", portal["family"], network_member_id=oma.pk),
        {
            "name": "Oma Abeba",
            "relation": "relative",
            "phone": "06 44445555",
            "email": "oma@example.org",
        },
    )

    assert answer.status_code == 302
    oma.refresh_from_db()
    assert (oma.phone, oma.email) == ("06 44445555", "oma@example.org")
    assert family_events(portal, "family.network_added_by_family").get().domain == "social_network"
    changed = AuditEvent.objects.filter(object_type="network_member", action="update").get()
    assert (changed.role, changed.detail["fields"]) == ("family_member", ["email", "phone"])
    page = client.get(url("portal:network", portal["family"])).content.decode()
    assert "Oma Abeba" in page and "06 44445555" in page


def test_a_bad_email_is_a_clear_error_and_nothing_is_saved(portal, client):
    client.force_login(portal["mother_login"])
    answer = client.post(
        url("portal:network", portal["family"]),
        {"name": "Buurvrouw", "relation": "neighbour", "email": "geen-adres"},
    )
    assert answer.status_code == 400
    assert "Enter a valid email address." in answer.content.decode()
    assert not NetworkMember.objects.filter(name="Buurvrouw").exists()


def test_a_child_of_14_reads_the_network_but_does_not_change_it(portal, client):
    teen = member(portal["family"], "child", 14)
    client.force_login(teen.person.citizen_account.user)
    page = client.get(url("portal:network", portal["family"]))
    assert page.status_code == 200 and "Add to our network" not in page.content.decode()
    answer = client.post(
        url("portal:network", portal["family"]), {"name": "Vriend", "relation": "friend"}
    )
    assert answer.status_code == 403
    assert not NetworkMember.objects.filter(name="Vriend").exists()


def test_the_network_does_not_see_or_change_the_network(portal, client):
    client.force_login(portal["friend_login"])
    assert client.get(url("portal:network", portal["family"])).status_code == 404
    answer = client.post(
        url("portal:network-member", portal["family"], network_member_id=portal["aunt"].pk),
        {"name": "X", "relation": "friend"},
    )
    assert answer.status_code == 404
    portal["aunt"].refresh_from_db()
    assert portal["aunt"].name == "Lemlem Tesfay"


# --- outsiders --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["portal:agree", "portal:add-goal", "portal:network"])
def test_a_professional_posting_to_the_portal_gets_not_found(portal, client, name):
    login_verified(client, portal["coordinator"].user)
    before = Plan.objects.get(family=portal["family"]).revision

    answer = client.post(
        url(name, portal["family"]),
        {"revision": before, "text": "x", "name": "x", "relation": "friend"},
    )

    assert answer.status_code == 404
    assert Plan.objects.get(family=portal["family"]).revision == before


def test_a_network_member_of_another_family_gets_not_found(portal, client):
    other = factories.NetworkMemberFactory(name="Iemand anders")
    client.force_login(CitizenAccountFactory(network_member=other).user)
    answer = client.post(
        url("portal:agreement-comment", portal["family"], agreement_id=agreement(FRIENDS).pk),
        {"text": "Hallo"},
    )
    assert answer.status_code == 404
    assert not AgreementComment.objects.exists()


# --- the coordinator sees it ---------------------------------------------------------------


def test_my_families_marks_what_is_new_from_the_family_until_the_coordinator_looks(portal, client):
    coordinator = portal["coordinator"]
    login_verified(client, coordinator.user)
    assert "new from the family" not in client.get(reverse("families:my-families")).content.decode()
    login = portal["mother_login"]
    plan_services.comment_on_agreement(
        user=login,
        grant=citizen_grant_for(login, portal["family"].pk),
        agreement_id=agreement(HOUSINGS).pk,
        text="Kunnen we dit bespreken?",
    )

    assert "new from the family" in client.get(reverse("families:my-families")).content.decode()
    # another professional of the family sees no mark: it is the coordinator's
    other = client_for(portal["housing"])
    assert "new from the family" not in other.get(reverse("families:my-families")).content.decode()

    assert client.get(reverse("families:overview", args=[portal["family"].pk])).status_code == 200
    assert "new from the family" not in client.get(reverse("families:my-families")).content.decode()


def client_for(professional):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, professional.user)
    return client


def test_the_mark_costs_a_fixed_number_of_queries(
    portal, client, settings, django_assert_max_num_queries
):
    settings.AUDIT_CHAINS = 1  # the first event of a chain creates its head: not per page
    login = portal["mother_login"]
    plan_services.comment_on_agreement(
        user=login,
        grant=citizen_grant_for(login, portal["family"].pk),
        agreement_id=agreement(MOTHERS).pk,
        text="Gedaan",
    )
    login_verified(client, portal["coordinator"].user)
    client.get(reverse("families:my-families"))
    with django_assert_max_num_queries(40) as counted:
        client.get(reverse("families:my-families"))
    first = len(counted.captured_queries)
    for n in range(4):
        family = factories.FamilyFactory(name=f"Gezin {n}")
        factories.InvolvementFactory(
            family=family, professional=portal["coordinator"], is_coordinator=True, domains=[]
        )
        mother = member(family, "parent", 40)
        login = mother.person.citizen_account.user
        grant = citizen_grant_for(login, family.pk)
        family_services.family_adds_network_member(
            user=login, grant=grant, data={"name": f"Buur {n}", "relation": "neighbour"}
        )
    with django_assert_max_num_queries(first):
        page = client.get(reverse("families:my-families"))
    assert page.content.decode().count("new from the family") == 5


def test_the_coordinator_reads_on_the_timeline_what_the_family_did(portal, client):
    login = portal["mother_login"]
    plan_services.family_adds_goal(
        user=login,
        grant=citizen_grant_for(login, portal["family"].pk),
        revision=revision(portal),
        text="Weer samen eten",
    )
    login_verified(client, portal["coordinator"].user)

    page = client.get(reverse("families:overview", args=[portal["family"].pk])).content.decode()

    assert "Selam Haile wrote a goal in their own words (family portal)" in page


def test_comments_cost_no_query_per_agreement_on_either_plan_page(
    portal, client, settings, django_assert_max_num_queries
):
    settings.AUDIT_CHAINS = 1  # the first event of a chain creates its head: not per page
    login = portal["mother_login"]
    grant = citizen_grant_for(login, portal["family"].pk)

    def comment_on_every_agreement():
        for each in Agreement.objects.all():
            plan_services.comment_on_agreement(
                user=login, grant=grant, agreement_id=each.pk, text="Goed zo"
            )

    comment_on_every_agreement()
    pages = [
        (login, url("portal:plan", portal["family"])),
        (portal["coordinator"].user, reverse("plans:plan", args=[portal["family"].pk])),
    ]

    def log_in(user):  # a citizen by DigiD (no TOTP), the coordinator past both factors
        client.logout()
        if user == login:
            client.force_login(user)
        else:
            login_verified(client, user)

    counts = []
    for user, page in pages:
        log_in(user)
        client.get(page)
        with django_assert_max_num_queries(60) as counted:
            client.get(page)
        counts.append(len(counted.captured_queries))
    comment_on_every_agreement()
    comment_on_every_agreement()
    for (user, page), before in zip(pages, counts, strict=True):
        log_in(user)
        with django_assert_max_num_queries(before):
            answer = client.get(page)
        assert answer.content.decode().count("Goed zo") == 3 * Agreement.objects.count()


def test_the_coordinator_answers_under_the_agreement_and_the_family_reads_it(portal, client):
    login_verified(client, portal["coordinator"].user)
    theirs = agreement(MOTHERS)

    answer = client.post(
        reverse("plans:agreement-comment", args=[portal["family"].pk, theirs.pk]),
        {"text": "Ik kom woensdag langs <b>om 10 uur</b>"},
    )

    assert answer.status_code == 302
    comment = AgreementComment.objects.get()
    assert comment.author_professional == portal["coordinator"] and not comment.from_family
    assert not family_events(portal, "plan.agreement_commented_by_family").exists()
    client.force_login(portal["mother_login"])
    page = client.get(url("portal:plan", portal["family"])).content.decode()
    assert "Ik kom woensdag langs &lt;b&gt;om 10 uur&lt;/b&gt;" in page
    # too long: said, nothing saved
    login_verified(client, portal["coordinator"].user)
    client.post(
        reverse("plans:agreement-comment", args=[portal["family"].pk, theirs.pk]),
        {"text": "x" * 2001},
    )
    assert AgreementComment.objects.count() == 1
