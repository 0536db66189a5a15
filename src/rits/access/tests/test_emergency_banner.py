"""The emergency-access banner says until when, as the reader's clock says it."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

REASON = "Politie meldt acuut onveilige situatie, kind mogelijk alleen thuis."


def banner(client, family) -> str:
    with translation.override("en"):
        response = client.post(
            reverse("access:emergency-access"),
            {"reference": family.reference, "reason": REASON},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
    assert response.redirect_chain[-1][0] == reverse("families:overview", args=[family.pk])
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Emergency access until")
    return message


def test_the_banner_shows_the_end_in_local_time_across_the_dst_change(
    family_setup, as_user, settings
):
    settings.EMERGENCY_ACCESS_HOURS = 4
    # 00:30 UTC on 25 October 2026 is 02:30 summer time; four hours later summer time
    # has ended: 04:30 UTC is 05:30 in Amsterdam (not 04:30, not 06:30).
    start = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        message = banner(as_user(family_setup["outsider"]), family_setup["family"])
    assert '<time datetime="2026-10-25T05:30:00+01:00">05:30</time>' in message
    assert "04:30" not in message


def test_the_banner_is_rendered_as_a_time_element_not_as_text(family_setup, as_user, settings):
    settings.EMERGENCY_ACCESS_HOURS = 4
    start = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)  # 12:00 summer time
    with time_machine.travel(start, tick=False), translation.override("en"):
        response = as_user(family_setup["outsider"]).post(
            reverse("access:emergency-access"),
            {"reference": family_setup["family"].reference, "reason": REASON},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
    shown = response.content.decode()
    assert '<time datetime="2026-06-01T16:00:00+02:00">16:00</time>' in shown
    assert "&lt;time" not in shown
