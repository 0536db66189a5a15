"""The demo tells its own story from the start: the housing corporation's first delivery
went through intake, linking and the rules; DEMO-1's alert is in its coordinator's
inbox, a doubtful match waits for review, an agreement is overdue and a review date has
passed; DEMO-3's daughter lives in a foster family and the twins have their names.
``reset_demo`` brings it all back to that start, and only in demo mode."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from rits.audit.models import AuditEvent
from rits.core.bsn import pseudonymise_bsn
from rits.demo.deliveries import FILE_NAME, SOURCE
from rits.demo.generator import DEMO_1_MOTHER_BSN
from rits.demo.services import demo_family_count
from rits.families.models import (
    LIVING_SITUATION_PHRASES,
    Family,
    LivingSituation,
    MemberRole,
    Membership,
    Person,
)
from rits.organisations.models import User
from rits.plans.models import Agreement, AgreementStatus, CrisisContact, Plan
from rits.plans.selectors import my_reminders
from rits.signals.linking.review import open_reviews
from rits.signals.models import (
    BatchStatus,
    LinkMethod,
    LinkReview,
    Signal,
    SignalBatch,
    SignalLink,
    SignalStatus,
)
from rits.worklist import selectors as worklist
from rits.worklist.models import WorkItem

pytestmark = pytest.mark.django_db

FAMILIES = 40
ARREARS = "arrears_without_finance_agreement"
COORDINATOR = "coordinator@demo.rits.nl"
TEAM_LEAD = "teamlead@demo.rits.nl"


def build(families: int = FAMILIES) -> str:
    out = StringIO()
    call_command("build_demo", families=families, stdout=out)
    return out.getvalue()


@pytest.fixture
def region() -> str:
    return build()


def login(email: str) -> User:
    return User.objects.get(email=email)


def demo_1_arrears() -> Signal:
    return Signal.objects.get(source__name=SOURCE, reference="DOMSTEDE-HUUR-0001")


def test_the_first_delivery_came_through_the_intake_from_the_housing_corporation(region):
    batch = SignalBatch.objects.get(file_name=FILE_NAME)
    assert batch.source.name == SOURCE
    assert batch.token is not None and batch.token.is_demo
    assert batch.status == BatchStatus.DONE and batch.rejected == 0
    assert batch.accepted == Signal.objects.filter(batch=batch).count() >= 3
    # The delivery left the audit events any delivery leaves.
    assert AuditEvent.objects.filter(
        object_id=str(batch.pk), object_type__contains="batch"
    ).exists()


def test_demo_1_rent_arrears_with_her_call_name_and_a_swapped_date_link_to_the_mother(region):
    signal = demo_1_arrears()
    saba = Membership.objects.get(family__reference="DEMO-1", role=MemberRole.PARENT).person
    # The housing corporation knows her as Saba, registered is Elsabet Saba; and its file has
    # her day and month of birth the other way round. No BSN.
    assert saba.given_names == "Elsabet Saba" and signal.given_names == "Saba"
    assert signal.birth_date != saba.birth_date
    assert (signal.birth_date.year, signal.birth_date.month, signal.birth_date.day) == (
        saba.birth_date.year,
        saba.birth_date.day,
        saba.birth_date.month,
    )
    assert signal.bsn_pseudonym is None
    assert signal.status == SignalStatus.LINKED
    link = SignalLink.objects.get(signal=signal)
    assert link.family.reference == "DEMO-1" and link.person == saba
    assert link.method == LinkMethod.PROBABILISTIC


def test_demo_1_alert_is_in_the_coordinators_inbox_and_her_teams(region):
    signal = demo_1_arrears()
    coordinator = login(COORDINATOR)
    lines = worklist.my_inbox(user=coordinator).lines
    alert = next(ln for ln in lines if ln.item.kind == ARREARS)
    assert alert.family.reference == "DEMO-1" and alert.visible
    assert alert.item.assigned_to == coordinator.professional
    assert signal.work_items.filter(pk=alert.id).exists()
    # A team-level item: the same alert in the team inbox of her team.
    assert alert.item.team_id == coordinator.professional.team_id
    team = worklist.team_inbox(user=coordinator).lines
    assert alert.id in {ln.id for ln in team}


def test_the_inbox_page_shows_the_alert_after_login(region, as_user):
    page = as_user(login(COORDINATOR)).get(reverse("worklist:inbox"))
    assert page.status_code == 200
    assert "Gezin Tesfamariam" in page.content.decode()


def test_the_team_leads_team_inbox_has_work(region):
    lines = worklist.team_inbox(user=login(TEAM_LEAD)).lines
    assert len(lines) >= 1
    assert {ln.item.kind for ln in lines} == {ARREARS}
    assert all(ln.family.reference.startswith("DEMO-G-") for ln in lines if ln.visible)


def test_a_doubtful_match_waits_in_the_coordinators_review_queue(region):
    signal = Signal.objects.get(source__name=SOURCE, reference="DOMSTEDE-HUUR-0002")
    assert signal.status == SignalStatus.REVIEW
    assert not SignalLink.objects.filter(signal=signal).exists()
    review = LinkReview.objects.get(signal=signal)
    assert review.family.reference == "DEMO-2"
    assert review.person.given_names == "Marco"
    assert review.field_agreement["address"] == "disagree"
    queue = open_reviews(user=login(COORDINATOR))
    assert review.pk in {line.review_id for line in queue.page}


def test_demo_1_has_an_overdue_agreement_and_a_review_date_that_has_passed(region):
    today = timezone.localdate()
    plan = Plan.objects.get(family__reference="DEMO-1")
    assert plan.review_date < today
    overdue = Agreement.objects.filter(
        plan=plan, status=AgreementStatus.OPEN, due_date__lt=today
    ).get()
    assert overdue.owner_professional.user.email == COORDINATOR
    # None of the plan's agreements is about finances: that is why the arrears alert.
    assert all("finances" not in a.domains for a in plan.agreements.all())
    reminders = my_reminders(user=login(COORDINATOR))
    assert overdue in reminders.overdue_agreements
    assert plan in reminders.reviews_due


def test_demo_3_daughter_lives_in_a_foster_family_and_the_twins_have_names(region):
    amina = Membership.objects.get(family__reference="DEMO-3", role=MemberRole.CHILD)
    assert amina.living_situation == LivingSituation.FOSTER_FAMILY
    with translation.override("en"):
        assert amina.lives_away == "lives in a foster family"
    parent = Membership.objects.get(family__reference="DEMO-3", role=MemberRole.PARENT)
    assert parent.living_situation == LivingSituation.AT_HOME and parent.lives_away == ""
    twins = Person.objects.filter(
        memberships__family__reference="DEMO-3", memberships__role=MemberRole.UNBORN
    )
    assert sorted(twins.values_list("given_names", flat=True)) == ["Hanad", "Hibo"]
    assert all(t.birth_date > timezone.localdate() and not t.has_bsn for t in twins)


def test_the_members_panel_says_who_lives_in_a_foster_family(region, as_user):
    family = Family.objects.get(reference="DEMO-3")
    response = as_user(login(COORDINATOR)).get(reverse("families:overview", args=[family.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hibo Warsame" in page and "Hanad Warsame" in page
    with translation.override(response["Content-Language"]):
        badge = f'<span class="rits-badge">{LIVING_SITUATION_PHRASES["foster_family"]}</span>'
    assert page.count(badge) == 1


def test_building_again_delivers_nothing_twice(region):
    before = Signal.objects.count(), WorkItem.objects.count(), LinkReview.objects.count()
    build()
    assert (Signal.objects.count(), WorkItem.objects.count(), LinkReview.objects.count()) == (
        before
    )
    assert SignalBatch.objects.filter(file_name=FILE_NAME).count() == 1


def counts() -> dict[str, int]:
    models = (Family, Person, Membership, Signal, SignalLink, LinkReview, WorkItem, Agreement)
    return {m.__name__: m.objects.count() for m in models}


def test_reset_demo_brings_the_demo_back_to_its_start(region, settings):
    settings.ENVIRONMENT, settings.DEMO_MODE = "demo", True
    start, audit_start = counts(), AuditEvent.objects.count()
    # What a demo does: the coordinator acts on the alert, someone adds a family.
    coordinator = login(COORDINATOR)
    alert = next(ln for ln in worklist.my_inbox(user=coordinator).lines if ln.item.kind == ARREARS)
    WorkItem.objects.filter(pk=alert.id).update(status="dismissed")
    Family.objects.create(reference="DEMO-EXTRA", name="Gezin Extra")
    out = StringIO()
    call_command("reset_demo", stdout=out)
    assert counts() == start
    # The audit log starts again (the dismissal and the inbox reads are gone).
    assert AuditEvent.objects.count() == audit_start
    assert demo_family_count() == FAMILIES
    assert not Family.objects.filter(reference="DEMO-EXTRA").exists()
    lines = worklist.my_inbox(user=login(COORDINATOR)).lines
    assert any(ln.item.kind == ARREARS and ln.family.reference == "DEMO-1" for ln in lines)
    output = out.getvalue()
    assert "leeggemaakt" in output and "coordinator@demo.rits.nl" in output


def test_reset_demo_refuses_outside_demo_mode(region, settings):
    settings.ENVIRONMENT, settings.DEMO_MODE = "development", False
    before = counts()
    with pytest.raises(CommandError, match="only runs in demo mode"):
        call_command("reset_demo", stdout=StringIO())
    assert counts() == before


def test_demo_1_mother_and_her_friend_are_ready_for_the_family_portal(region):
    # The mother is found by her fixed test BSN's pseudonym, as a DigiD login finds her.
    saba = Person.objects.get(bsn_pseudonym=pseudonymise_bsn(DEMO_1_MOTHER_BSN))
    assert saba.memberships.get().family.reference == "DEMO-1"
    # Her friend has an e-mail address (to be invited), an agreement of her own, and is
    # the 24/7 trusted person of the crisis plan.
    plan = Plan.objects.get(family__reference="DEMO-1")
    trusted = CrisisContact.objects.get(plan=plan, is_trusted_person=True)
    assert trusted.network_member.email == "almaz@demo.rits.nl"
    assert Agreement.objects.filter(plan=plan, owner_network=trusted.network_member).count() == 1
    # The demo says how to log in.
    assert "999990019" in build()
