"""Creates (or finds) the demo region: municipalities, organisations, teams."""

import random
import zlib
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from rits.demo import catalogue
from rits.demo.catalogue import OrganisationSpec
from rits.organisations.models import (
    Municipality,
    Organisation,
    Professional,
    ProfessionalRole,
    Region,
    Team,
    User,
)

EMAIL_DOMAIN = "demo.rits.nl"


@dataclass
class RegionState:
    """The demo region as stored, with the look-ups the generator needs."""

    region: Region
    municipalities: dict[str, Municipality]
    organisations: dict[str, Organisation]  # by name
    teams: dict[int, list[Team]]  # by organisation id
    languages: dict[int, str]  # community organisation id -> language
    # Caseload of the demo logins (by email): the generator fills these up first.
    capacities: dict[str, int] = field(default_factory=dict)
    _by_service: dict[tuple[str, str, str], list[Organisation]] = field(default_factory=dict)

    def org_for(
        self, service: str, code: str, language: str = "", rng: random.Random | None = None
    ) -> Organisation:
        """The organisation that offers ``service`` to a family in municipality ``code``;
        a community organisation in the family's own language when there is one."""
        key = (service, code, language if service == "community" else "")
        options = self._by_service.get(key)
        if options is None:
            options = self._lookup(service, code, key[2])
            self._by_service[key] = options
        if len(options) == 1 or rng is None:
            return options[0]
        return rng.choice(options)

    def _lookup(self, service: str, code: str, language: str) -> list[Organisation]:
        specs = [
            s
            for s in catalogue.ORGANISATIONS
            if s.service == service and (not s.serves or code in s.serves)
        ]
        if service == "community":
            own = [s for s in specs if s.language == language]
            specs = own or [s for s in specs if s.language == "nl"]
        if not specs:
            raise LookupError(f"no demo organisation offers {service} in {code}")
        return [self.organisations[s.name] for s in specs]


def _phone(name: str) -> str:
    # A stable, made-up 088 number (088 is used by organisations across the country).
    return f"088-{zlib.crc32(name.encode()) % 10_000_000:07d}"


def _organisation(spec: OrganisationSpec, region: Region, municipalities) -> Organisation:
    return Organisation(
        name=spec.name,
        kind=spec.kind,
        agb_code=spec.agb_code,
        municipality=municipalities.get(spec.municipality) if spec.municipality else None,
        region=region,
        phone=_phone(spec.name),
        email=f"info@{slugify(spec.name)}.{EMAIL_DOMAIN}",
        team_shares_caseload=spec.shares_caseload,
    )


@transaction.atomic
def ensure_region() -> RegionState:
    """The demo region, created where missing; safe to call on every build."""
    region, _ = Region.objects.get_or_create(name=catalogue.REGION_NAME)

    municipalities = {m.code: m for m in Municipality.objects.filter(code__in=catalogue.ALL_CODES)}
    for spec in catalogue.MUNICIPALITIES:
        municipality = municipalities.get(spec.code)
        if municipality is None:
            municipalities[spec.code] = Municipality.objects.create(
                code=spec.code, name=spec.name, region=region
            )
        elif municipality.region_id is None:
            municipality.region = region
            municipality.save(update_fields=["region"])

    names = [s.name for s in catalogue.ORGANISATIONS]
    organisations = {o.name: o for o in Organisation.objects.filter(name__in=names)}
    missing = [
        _organisation(s, region, municipalities)
        for s in catalogue.ORGANISATIONS
        if s.name not in organisations
    ]
    for organisation in missing:
        organisation.full_clean()  # the AGB codes and names are checked like any other
    for organisation in Organisation.objects.bulk_create(missing):
        organisations[organisation.name] = organisation

    teams: dict[int, list[Team]] = {}
    for team in Team.objects.filter(organisation__in=organisations.values()).order_by("id"):
        teams.setdefault(team.organisation_id, []).append(team)
    for spec in catalogue.ORGANISATIONS:
        organisation = organisations[spec.name]
        have = {t.name for t in teams.get(organisation.pk, [])}
        for team_name in spec.teams:
            if team_name not in have:
                team = Team.objects.create(organisation=organisation, name=team_name)
                teams.setdefault(organisation.pk, []).append(team)
        # Keep the spec's order: new coordinators are spread over the teams in this order.
        order = {n: i for i, n in enumerate(spec.teams)}
        teams.get(organisation.pk, []).sort(key=lambda t: order.get(t.name, len(order)))

    _ensure_signal_contacts(organisations)
    languages = {
        organisations[s.name].pk: s.language for s in catalogue.ORGANISATIONS if s.language
    }
    return RegionState(region, municipalities, organisations, teams, languages)


def _ensure_signal_contacts(organisations: dict[str, Organisation]) -> None:
    """One contact person at each signal source (utilities, insurer); they deliver
    signals and are never involved with a family."""
    specs = [s for s in catalogue.ORGANISATIONS if s.contact_title]
    emails = {s.name: f"vroegsignalering@{slugify(s.name)}.{EMAIL_DOMAIN}" for s in specs}
    existing = set(User.objects.filter(email__in=emails.values()).values_list("email", flat=True))
    password = make_password(None)
    for spec in specs:
        email = emails[spec.name]
        if email in existing:
            continue
        user = User(
            email=email,
            username=email,
            first_name="Team",
            last_name="Vroegsignalering",
            password=password,
            is_demo=True,
        )
        user.save()
        Professional.objects.create(
            user=user,
            organisation=organisations[spec.name],
            role=ProfessionalRole.SIGNAL_DELIVERY,
            job_title=spec.contact_title,
        )
