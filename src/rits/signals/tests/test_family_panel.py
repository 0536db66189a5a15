"""The alerts panel that signals contributes to the family page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from rits.signals.tests.factories import AlertFactory
from rits.worklist.kinds import kind_for
from rits.worklist.models import WorkItemStatus
from tests import factories

pytestmark = pytest.mark.django_db


def overview(client, family) -> str:
    with translation.override("en"):
        response = client.get(
            reverse("families:overview", args=[family.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    return response.content.decode()


def test_the_family_page_shows_the_open_alerts_the_reader_may_see(family_setup, as_user):
    family = family_setup["family"]
    today = timezone.localdate()
    AlertFactory(
        kind="arrears_without_finance_agreement",
        family=family,
        due_date=today - datetime.timedelta(days=1),
    )
    AlertFactory(kind="concern_match", family=family)
    AlertFactory(
        kind="arrears_after_debt_agreement", family=family, status=WorkItemStatus.DISMISSED
    )

    body = overview(as_user(family_setup["coordinator"]), family)
    panel = body.split('id="alerts"', 1)[1].split("</section>", 1)[0]
    with translation.override("en"):
        for rule in ("arrears_without_finance_agreement", "concern_match"):
            assert str(kind_for(rule).title) in panel
    assert panel.count('<li class="utrecht-unordered-list__item">') == 2  # not the dismissed
    assert 'rits-flag--overdue">overdue<' in panel  # the one due yesterday
    assert f'href="{reverse("worklist:inbox")}"' in panel

    # A worker for parenting sees neither (finances, safety): no panel at all.
    assert 'id="alerts"' not in overview(as_user(family_setup["worker"]), family)

    finances = factories.ProfessionalFactory()
    factories.InvolvementFactory(family=family, professional=finances, domains=["finances"])
    panel = overview(as_user(finances), family).split('id="alerts"', 1)[1].split("</section>")[0]
    assert panel.count('<li class="utrecht-unordered-list__item">') == 1
    assert f'href="{reverse("worklist:inbox")}"' not in panel  # not their inbox
