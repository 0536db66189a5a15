import datetime

import factory
from django.utils import timezone

from rits.portal.models import CitizenAccount
from tests.factories import MembershipFactory, UserFactory


class CitizenAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CitizenAccount

    user = factory.SubFactory(UserFactory)


def born_years_ago(years: int, days: int = 0) -> datetime.date:
    """A date of birth that makes someone ``years`` old today (``days`` past their birthday)."""
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return birthday - datetime.timedelta(days=days)


def member(family, role: str, age: int, *, days: int = 0, **person):
    """A member of ``family`` of ``age`` (``days`` past that birthday; -1: the day before)
    with a citizen login; returns the membership."""
    membership = MembershipFactory(
        family=family, role=role, person__birth_date=born_years_ago(age, days), **person
    )
    CitizenAccountFactory(person=membership.person)
    return membership
