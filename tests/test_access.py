"""A professional who is not involved cannot see a family through any page, API call,
search or export — and sees the same 'not found' as for a family that does not exist."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rits.access.models import EmergencyAccess
from rits.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def family_routes(family_id: int) -> list[str]:
    return [
        reverse("families:overview", args=[family_id]),
        reverse("families:export", args=[family_id]),
        reverse("families:add-member", args=[family_id]),
        reverse("families:add-network-member", args=[family_id]),
        reverse("access:access-log", args=[family_id]),
        f"/api/v1/families/{family_id}",
    ]


def test_uninvolved_professional_gets_not_found_everywhere(family_setup, as_user):
    family = family_setup["family"]
    client = as_user(family_setup["outsider"])
    for url in family_routes(family.pk):
        response = client.get(url)
        assert response.status_code == 404, url
        assert family.name.encode() not in response.content
    # exactly the same as a family that does not exist
    for url in family_routes(999999):
        assert client.get(url).status_code == 404
    # and an id too big for the database is no family either (not a server error)
    for url in family_routes(10**20):
        assert client.get(url).status_code == 404, url


def test_uninvolved_professional_cannot_post_changes(family_setup, as_user):
    family = family_setup["family"]
    client = as_user(family_setup["outsider"])
    response = client.post(
        reverse("families:add-network-member", args=[family.pk]),
        {"name": "Iemand", "relation": "friend"},
    )
    assert response.status_code == 404
    assert not family.network.exists()


def test_search_does_not_reveal_other_families(family_setup, as_user):
    client = as_user(family_setup["outsider"])
    for q in ["Haile", "Selam", "01-03-2022", "3511AB", factories.valid_bsn(1)]:
        page = client.post(reverse("families:my-families"), {"q": q})
        assert b"Gezin Haile" not in page.content, q
        api = client.post("/api/v1/families/search", {"q": q}, content_type="application/json")
        assert api.status_code == 200
        assert api.json() == [], q
        if q != factories.valid_bsn(1):
            assert client.get("/api/v1/families", {"q": q}).json() == [], q


def test_involved_professional_finds_family_by_name_birth_date_postcode_and_bsn(
    family_setup, as_user
):
    client = as_user(family_setup["worker"])
    for q in ["Haile", "selam", "2022-03-01", "01-03-2022", "3511 ab", factories.valid_bsn(1)]:
        page = client.post(reverse("families:my-families"), {"q": q})
        assert b"Gezin Haile" in page.content, q
        api = client.post("/api/v1/families/search", {"q": q}, content_type="application/json")
        assert [f["name"] for f in api.json()] == ["Gezin Haile"], q
    assert (
        b"Gezin Haile" not in client.post(reverse("families:my-families"), {"q": "Bakker"}).content
    )


def test_a_bsn_never_travels_in_a_search_url(family_setup, as_user):
    client = as_user(family_setup["worker"])
    response = client.get("/api/v1/families", {"q": factories.valid_bsn(1)})
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "q"
    page = client.get(reverse("families:my-families"), {"q": factories.valid_bsn(1)})
    assert page.status_code == 200  # ignored, not searched: the page says nothing about it


def test_search_audit_event_does_not_contain_the_query(family_setup, as_user):
    client = as_user(family_setup["worker"])
    bsn = factories.valid_bsn(1)
    client.post(reverse("families:my-families"), {"q": bsn})
    event = AuditEvent.objects.filter(object_type="family.list").latest("id")
    assert bsn not in str(event.detail)
    assert event.detail["family_ids"] == [family_setup["family"].pk]


def test_ended_involvement_no_longer_gives_access(family_setup, as_user):
    worker = family_setup["worker"]
    worker.involvements.update(end_date=timezone.localdate() - datetime.timedelta(days=1))
    client = as_user(worker)
    assert (
        client.get(reverse("families:overview", args=[family_setup["family"].pk])).status_code
        == 404
    )


def test_involvement_limits_visible_domains(family_setup, as_user):
    family = family_setup["family"]
    housing = factories.ProfessionalFactory()
    factories.InvolvementFactory(
        family=family, professional=housing, domains=["housing", "finances"], role="Huurincasso"
    )
    ggz = factories.ProfessionalFactory()
    factories.InvolvementFactory(
        family=family, professional=ggz, domains=["mental_health"], role="GGZ-behandeling"
    )
    factories.FamilyEventFactory(
        family=family, params={"text": "Depressie gediagnosticeerd"}, domain="mental_health"
    )
    factories.FamilyEventFactory(
        family=family, params={"text": "Huurachterstand besproken"}, domain="finances"
    )

    page = as_user(housing).get(reverse("families:overview", args=[family.pk])).content.decode()
    assert "Huurachterstand besproken" in page
    assert "Depressie gediagnosticeerd" not in page
    assert "GGZ-behandeling" not in page

    api = as_user(housing).get(f"/api/v1/families/{family.pk}").json()
    assert sorted(api["visible_domains"]) == ["finances", "housing"]
    assert "GGZ-behandeling" not in str(api)
    assert "Depressie" not in str(api)

    coordinator_page = as_user(family_setup["coordinator"]).get(
        reverse("families:overview", args=[family.pk])
    )
    assert "Depressie gediagnosticeerd" in coordinator_page.content.decode()


def test_team_sees_caseload_only_when_organisation_shares_it(family_setup, as_user):
    worker = family_setup["worker"]
    team = factories.TeamFactory(organisation=worker.organisation)
    worker.team = team
    worker.save()
    colleague = factories.ProfessionalFactory(organisation=worker.organisation, team=team)
    url = reverse("families:overview", args=[family_setup["family"].pk])
    assert as_user(colleague).get(url).status_code == 404
    worker.organisation.team_shares_caseload = True
    worker.organisation.save()
    assert as_user(colleague).get(url).status_code == 200


def test_emergency_access_requires_reason_expires_and_is_listed_for_review(
    family_setup, as_user, client
):
    family = family_setup["family"]
    outsider = family_setup["outsider"]
    as_user(outsider)
    response = client.post(
        reverse("access:emergency-access"), {"reference": family.reference, "reason": "kort"}
    )
    assert response.status_code == 200
    assert not EmergencyAccess.objects.exists()

    reason = "Politie meldt acuut onveilige situatie, kind mogelijk alleen thuis."
    response = client.post(
        reverse("access:emergency-access"), {"reference": family.reference, "reason": reason}
    )
    assert response.status_code == 302
    assert client.get(reverse("families:overview", args=[family.pk])).status_code == 200
    view = AuditEvent.objects.filter(family_id=family.pk, object_type="family.overview").latest(
        "id"
    )
    assert view.ground == "emergency"

    officer = factories.ProfessionalFactory(role="privacy_officer")
    review_page = as_user(officer).get(reverse("access:review-list"))
    assert reason.encode() in review_page.content

    EmergencyAccess.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert as_user(outsider).get(reverse("families:overview", args=[family.pk])).status_code == 404


def test_emergency_access_for_unknown_family_is_logged(as_user, db):
    outsider = factories.ProfessionalFactory()
    client = as_user(outsider)
    response = client.post(
        reverse("access:emergency-access"),
        {
            "reference": "BESTAAT-NIET",
            "reason": "Ik zoek een gezin dat niet bestaat, voor de test.",
        },
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="emergency_access", detail__found=False).exists()


def test_review_list_only_for_privacy_officer(family_setup, as_user):
    response = as_user(family_setup["coordinator"]).get(reverse("access:review-list"))
    assert response.status_code == 403


def test_access_log_for_coordinator_and_privacy_officer_only(family_setup, as_user):
    family = family_setup["family"]
    url = reverse("access:access-log", args=[family.pk])
    as_user(family_setup["worker"]).get(reverse("families:overview", args=[family.pk]))
    assert as_user(family_setup["worker"]).get(url).status_code == 404
    page = as_user(family_setup["coordinator"]).get(url)
    assert page.status_code == 200
    assert str(family_setup["worker"].user).encode() in page.content
    officer = factories.ProfessionalFactory(role="privacy_officer")
    assert as_user(officer).get(url).status_code == 200
    # a privacy officer reads the log, not the file
    assert as_user(officer).get(reverse("families:overview", args=[family.pk])).status_code == 404


def test_anonymous_and_non_professional_users_are_refused(family_setup, client):
    family = family_setup["family"]
    assert client.get(reverse("families:overview", args=[family.pk])).status_code == 302
    assert client.get(f"/api/v1/families/{family.pk}").status_code in (401, 403)
    plain_user = factories.UserFactory()
    from tests.auth import login_verified

    login_verified(client, plain_user)
    assert client.get(reverse("families:overview", args=[family.pk])).status_code == 403
    assert client.get("/api/v1/families").status_code == 403


def test_privacy_officer_records_a_review(family_setup, as_user):
    emergency = EmergencyAccess.objects.create(
        professional=family_setup["outsider"],
        family=family_setup["family"],
        reason="Acute zorg om de veiligheid van het kind na melding politie.",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=4),
    )
    officer = factories.ProfessionalFactory(role="privacy_officer")
    client = as_user(officer)
    response = client.post(
        reverse("access:review", args=[emergency.pk]), {"justified": "yes", "note": "Terecht."}
    )
    assert response.status_code == 302
    emergency.refresh_from_db()
    assert emergency.review_justified is True and emergency.reviewed_by == officer
    assert AuditEvent.objects.filter(object_type="emergency_access", action="update").exists()
    # a coordinator cannot review
    other = EmergencyAccess.objects.create(
        professional=family_setup["outsider"],
        family=family_setup["family"],
        reason="x" * 30,
        started_at=timezone.now(),
        expires_at=timezone.now(),
    )
    denied = as_user(family_setup["coordinator"]).post(
        reverse("access:review", args=[other.pk]), {"justified": "yes"}
    )
    assert denied.status_code == 404  # not found, like any id one may not see
