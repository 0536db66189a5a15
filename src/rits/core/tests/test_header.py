"""The header's log-out button works from every page that shows it: a real POST with the
page's own CSRF token (checks enforced, as in production), landing on the login page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def header_pages(family_setup) -> list[str]:
    family = family_setup["family"]
    return [
        reverse("families:my-families"),
        reverse("families:overview", args=[family.pk]),
        reverse("families:add-member", args=[family.pk]),
        reverse("families:pending-involvements"),
        reverse("plans:plan", args=[family.pk]),
        reverse("worklist:inbox"),
        reverse("worklist:inbox-team"),
        reverse("signals:review"),
        reverse("access:emergency-access"),
        reverse("access:access-log", args=[family.pk]),
        reverse("core:logout"),
    ]


def test_logging_out_from_the_header_of_every_page(family_setup):
    user = family_setup["coordinator"].user
    for url in header_pages(family_setup):
        client = Client(enforce_csrf_checks=True)
        login_verified(client, user)
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.content.decode()
        header = body.split("<header", 1)[1].split("</header>", 1)[0]
        form = re.search(
            r'<form method="post" action="' + re.escape(reverse("core:logout")) + r'">(.*?)</form>',
            header,
            re.S,
        )
        assert form, f"no log-out form in the header of {url}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1)).group(1)
        response = client.post(reverse("core:logout"), {"csrfmiddlewaretoken": token})
        assert response.status_code == 302, url
        assert response["Location"] == reverse("core:login"), url
        assert client.get(reverse("families:my-families")).status_code == 302, url
