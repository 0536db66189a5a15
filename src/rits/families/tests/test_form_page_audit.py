"""Issue 9 #11 (families): every page of the families app that shows a family on GET,
form pages included, leaves an audit read event naming that family, like the overview."""

import pytest
from django.urls import reverse

from rits.audit.models import AuditAction, AuditEvent
from rits.families import urls

pytestmark = pytest.mark.django_db


def family_pages() -> list[str]:
    """Every route of the app that takes only a family id: new pages are covered too."""
    return [
        p.name for p in urls.urlpatterns if set(p.pattern.converters) == {"family_id"} and p.name
    ]


def test_the_form_pages_are_among_the_pages_checked():
    assert {"add-member", "add-network-member"} <= set(family_pages())


# Pages only the family's coordinator opens (anyone else is refused with a 403).
COORDINATOR_PAGES = {"hand-over", "file-status"}


@pytest.mark.parametrize("name", family_pages())
def test_a_page_that_shows_a_family_is_audited(name, family_setup, as_user):
    family = family_setup["family"]
    reader = family_setup["coordinator" if name in COORDINATOR_PAGES else "worker"]
    client = as_user(reader)
    response = client.get(reverse(f"families:{name}", args=[family.pk]))
    if response.status_code == 405:
        return  # not a page: it only takes a POST
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        family_id=family.pk,
        action__in=[AuditAction.VIEW, AuditAction.EXPORT],
        user_id=reader.user_id,
    ).exists(), name


def test_a_refused_post_that_shows_the_form_again_is_audited(family_setup, as_user):
    family = family_setup["family"]
    client = as_user(family_setup["worker"])
    response = client.post(
        reverse("families:add-network-member", args=[family.pk]),
        {"name": "Buurman", "relation": "neighbour", "email": "geen-email"},
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(family_id=family.pk, object_type="family.form")
    assert event.detail == {"form": "network_member"} and event.ground == "involvement"
