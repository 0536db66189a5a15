"""The life domains on which help to a family is organised (one plan across all of them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifeDomain(models.TextChoices):
    FINANCES = "finances", _("Finances")
    HOUSING = "housing", _("Housing")
    WORK_EDUCATION = "work_education", _("Work and education")
    DAYTIME_ACTIVITIES = "daytime_activities", _("Daytime activities")
    DOMESTIC_RELATIONS = "domestic_relations", _("Domestic relations and parenting")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    ADDICTION = "addiction", _("Addiction")
    DAILY_LIVING = "daily_living", _("Daily living skills")
    SOCIAL_NETWORK = "social_network", _("Social network")
    PARTICIPATION = "participation", _("Participation")
    JUSTICE = "justice", _("Justice")
    SAFETY = "safety", _("Safety")


ALL_DOMAINS: frozenset[str] = frozenset(LifeDomain.values)

_POSITION = {value: n for n, value in enumerate(LifeDomain.values)}


def in_order(domains) -> list[str]:
    """The domains once each, in LifeDomain's order: the one order in which Rits lists life
    domains everywhere (badges, forms, the plan, stored lists). Unknown codes go last."""
    return sorted(set(domains or ()), key=lambda d: (_POSITION.get(d, len(_POSITION)), d))


def parse_domains(raw: str) -> list[str]:
    """Parse a list like ``housing;finances`` (also ``,`` or ``|``). Raises ValueError
    naming the unknown domains."""
    parts = [p.strip().lower() for p in raw.replace(",", ";").replace("|", ";").split(";")]
    domains = [p for p in parts if p]
    unknown = [d for d in domains if d not in ALL_DOMAINS]
    if unknown:
        raise ValueError(", ".join(unknown))
    return in_order(domains)
