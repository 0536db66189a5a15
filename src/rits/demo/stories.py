"""The three story families of the demo, written from situations professionals in the
field described. They are the families a demo is walked through; every other family in
the region is generated.

Dates are relative to the day of the build, so an unborn child is always still expected."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from rits.core.bsn import encrypt_bsn, pseudonymise_bsn
from rits.core.domains import ALL_DOMAINS
from rits.core.domains import LifeDomain as D
from rits.demo.catalogue import COORDINATOR_ROLE, HELP_BY_KEY
from rits.demo.generator import DEMO_1_MOTHER_BSN, BsnSource
from rits.demo.region import RegionState
from rits.families.events import LEGACY_TEXT_EVENT
from rits.families.models import (
    Family,
    FamilyEvent,
    Gender,
    Involvement,
    LegalBasis,
    LivingSituation,
    MemberRole,
    Membership,
    NetworkMember,
    NetworkRelation,
    Person,
)
from rits.organisations.models import Professional

STORY_REFERENCES = ("DEMO-1", "DEMO-2", "DEMO-3")
# DEMO-1's mother is registered with the given names Elsabet Saba and goes by the second,
# her call name (roepnaam), as the housing corporation knows her (``deliveries.py``).
DEMO_1_MOTHER_GIVEN = "Elsabet Saba"
DEMO_1_MOTHER_CALL_NAME = "Saba"
# Her friend from church, in the family's network: invited to the portal by e-mail.
DEMO_1_FRIEND = "Almaz Gebremedhin"
DEMO_1_FRIEND_EMAIL = "almaz@demo.rits.nl"


@dataclass
class _Story:
    """Collects one story family's rows and writes them."""

    family: Family
    today: date
    bsns: BsnSource
    rng: random.Random
    persons: dict[str, Person] = field(default_factory=dict)

    def member(
        self,
        key: str,
        role: str,
        *,
        given: str = "",
        surname: str,
        gender: str = "",
        born: date,
        languages: list[str],
        interpreter: bool = False,
        living: str = LivingSituation.AT_HOME,
        bsn: str = "",
    ) -> Person:
        encrypted, pseudonym = ("", None)
        if bsn:
            encrypted, pseudonym = encrypt_bsn(bsn), pseudonymise_bsn(bsn)
        elif role != MemberRole.UNBORN:
            encrypted, pseudonym = self.bsns.issue(self.rng)
        person = Person.objects.create(
            reference=f"{self.family.reference}-{key}",
            surname=surname,
            given_names=given,
            birth_date=born,
            gender=gender,
            bsn_encrypted=encrypted,
            bsn_pseudonym=pseudonym,
            languages=languages,
            interpreter_needed=interpreter,
        )
        Membership.objects.create(
            family=self.family, person=person, role=role, living_situation=living
        )
        self.persons[key] = person
        return person

    def involve(
        self,
        professional: Professional,
        *,
        role: str,
        legal_basis: str,
        domains,
        since: int,
        about: str = "",
        coordinator: bool = False,
    ) -> Involvement:
        return Involvement.objects.create(
            family=self.family,
            person=self.persons[about] if about else None,
            organisation=professional.organisation,
            professional=professional,
            role=role,
            legal_basis=legal_basis,
            domains=sorted(domains),
            start_date=self.today - timedelta(days=since),
            is_coordinator=coordinator,
        )

    def event(
        self,
        days_ago: int,
        kind: str,
        text: str,
        domain: str = "",
        actor: Professional | None = None,
    ) -> None:
        moment = datetime.combine(
            self.today - timedelta(days=days_ago),
            time(9 + days_ago % 8, 15 * (days_ago % 4)),
            tzinfo=ZoneInfo(settings.TIME_ZONE),
        )
        FamilyEvent.objects.create(
            family=self.family,
            occurred_at=moment,
            code=LEGACY_TEXT_EVENT,
            params={"text": text, "kind": kind},
            domain=domain,
            actor=actor.user if actor else None,
        )

    def network(self, name: str, relation: str, detail: str, *, availability: str = "", **kw):
        NetworkMember.objects.create(
            family=self.family,
            name=name,
            relation=relation,
            relation_detail=detail,
            availability=availability,
            **kw,
        )


def _coordinator_text(coordinator: Professional) -> str:
    return f"{coordinator.name} ({coordinator.organisation.name}) is gezinsregisseur."


def _born(today: date, years: int, days: int) -> date:
    return today - timedelta(days=years * 365 + years // 4 + days)


def _story(reference: str, name: str, street: str, number: int, postcode: str, region) -> Family:
    return Family.objects.create(
        reference=reference,
        name=name,
        street=street,
        house_number=number,
        postcode=postcode,
        city="Utrecht",
        municipality=region.municipalities["0344"],
    )


@transaction.atomic
def ensure_stories(
    *, region: RegionState, staff: dict[str, Professional], bsns: BsnSource, today: date
) -> int:
    """Create whichever story families are missing; returns how many were created."""
    existing = set(
        Family.objects.filter(reference__in=STORY_REFERENCES).values_list("reference", flat=True)
    )
    builders = {"DEMO-1": _demo_1, "DEMO-2": _demo_2, "DEMO-3": _demo_3}
    created = 0
    for reference, build in builders.items():
        if reference not in existing:
            build(region=region, staff=staff, bsns=bsns, today=today)
            created += 1
    return created


def _demo_1(*, region, staff, bsns, today) -> None:
    """A young mother who came alone as a refugee at fifteen; her support stopped at
    eighteen. Three professionals are at her kitchen table and none of them knows about
    the rent arrears: no involvement covers finances, the housing corporation is not
    involved."""
    family = _story("DEMO-1", "Gezin Tesfamariam", "Karpatendreef", 41, "3563TD", region)
    s = _Story(family, today, bsns, random.Random("DEMO-1"))
    # A day of the month of at most 12 (and not the month itself), so that the housing
    # corporation's file can have day and month swapped and still hold a date.
    mother_born = _born(today, 22, 140)
    mother_born = mother_born.replace(day=3 if mother_born.month != 3 else 4)
    s.member(
        "moeder",
        MemberRole.PARENT,
        given=DEMO_1_MOTHER_GIVEN,
        surname="Tesfamariam",
        gender=Gender.FEMALE,
        born=mother_born,
        languages=["ti"],
        interpreter=True,
        bsn=DEMO_1_MOTHER_BSN,
    )
    s.member(
        "zoon",
        MemberRole.CHILD,
        given="Yonas",
        surname="Tesfamariam",
        gender=Gender.MALE,
        born=_born(today, 4, 200),
        languages=["ti", "nl"],
    )
    coordinator, ambulant, vt = staff["coordinator"], staff["ambulant"], staff["veilig_thuis"]
    s.involve(
        coordinator,
        role=COORDINATOR_ROLE,
        legal_basis=LegalBasis.CONSENT,
        domains=ALL_DOMAINS,
        since=240,
        coordinator=True,
    )
    s.involve(
        ambulant,
        role="Ambulante opvoedondersteuning, twee keer per week thuis",
        legal_basis=LegalBasis.JEUGDWET,
        domains=[D.DOMESTIC_RELATIONS, D.DAILY_LIVING],
        since=200,
    )
    s.involve(
        vt,
        role="Onderzoek na melding: zorgen over verwaarlozing van Yonas",
        legal_basis=LegalBasis.VEILIG_THUIS,
        domains=[D.SAFETY, D.DOMESTIC_RELATIONS],
        since=45,
        about="zoon",
    )
    s.event(
        250,
        "family_registered",
        "Aangemeld bij Wijkteam Utrecht.",
    )
    # Who registered the family and why is domain content (the GP): only in its domain.
    s.event(
        250,
        "registration_reason",
        "Reden van aanmelding (via de huisarts): Saba wil hulp bij de opvoeding van Yonas en "
        "voelt zich alleen.",
        D.DOMESTIC_RELATIONS,
    )
    s.event(
        240,
        "coordinator_assigned",
        _coordinator_text(coordinator),
        actor=coordinator,
    )
    s.event(
        235,
        "conversation",
        "Kennismaking met een tolk Tigrinya. Ze heet officieel Elsabet Saba, iedereen noemt haar "
        "Saba. Saba kwam op haar vijftiende alleen uit Eritrea naar "
        "Nederland. Tot haar achttiende had ze een voogd en begeleid wonen; daarna stopte de hulp "
        "en stond ze er alleen voor.",
        D.SOCIAL_NETWORK,
        actor=coordinator,
    )
    s.event(
        200,
        "involvement_started",
        "De Opvoedwerkplaats: ambulante opvoedondersteuning, twee keer per week thuis.",
        D.DOMESTIC_RELATIONS,
        actor=ambulant,
    )
    s.event(
        120,
        "note",
        "Saba komt 's ochtends moeilijk op gang; Yonas is dan niet op tijd op school. Samen een "
        "ochtendplanning met plaatjes gemaakt.",
        D.DAILY_LIVING,
        actor=ambulant,
    )
    s.event(
        70,
        "signal",
        "School meldt: Yonas (4) was de afgelopen zes weken vaak afwezig in groep 1.",
        D.WORK_EDUCATION,
        actor=coordinator,
    )
    s.event(
        50,
        "signal",
        "De school heeft een melding gedaan bij Veilig Thuis: zorgen over verwaarlozing van Yonas.",
        D.SAFETY,
        actor=coordinator,
    )
    s.event(
        45,
        "involvement_started",
        "Veilig Thuis Domstad: onderzoek na melding gestart.",
        D.SAFETY,
        actor=vt,
    )
    s.event(
        20,
        "note",
        "Gevraagd hoe het met geld gaat; Saba zegt dat het 'wel lukt'. Niet verder besproken.",
        D.FINANCES,
        actor=coordinator,
    )
    s.event(
        10,
        "conversation",
        "Huisbezoek met tolk: Saba slaapt slecht en denkt veel aan haar familie in Eritrea. Ze "
        "wil dat Yonas naar school gaat, maar 's ochtends lukt het haar niet.",
        D.MENTAL_HEALTH,
        actor=coordinator,
    )
    s.network(
        DEMO_1_FRIEND,
        NetworkRelation.FRIEND,
        "Vriendin uit de Eritrees-orthodoxe kerk; leest en vertaalt soms brieven voor Saba",
        availability="zondag na de kerkdienst, WhatsApp",
        phone="06-41827390",
        email=DEMO_1_FRIEND_EMAIL,
    )
    s.network(
        "Els de Wit",
        NetworkRelation.NEIGHBOUR,
        "Buurvrouw; brengt Yonas soms naar school",
        availability="doordeweeks 's ochtends",
    )


def _demo_2(*, region, staff, bsns, today) -> None:
    """A sixteen-year-old who has been in secure care three times and wants to live with
    his father; the father does not always know what to do when things get unsafe. He
    opens up while caring for animals on the city farm."""
    family = _story("DEMO-2", "Gezin Verhoef", "Cartesiusweg", 112, "3534BD", region)
    s = _Story(family, today, bsns, random.Random("DEMO-2"))
    s.member(
        "vader",
        MemberRole.PARENT,
        given="Marco",
        surname="Verhoef",
        gender=Gender.MALE,
        born=_born(today, 46, 30),
        languages=["nl"],
    )
    s.member(
        "zoon",
        MemberRole.CHILD,
        given="Jayden",
        surname="Verhoef",
        gender=Gender.MALE,
        born=_born(today, 16, 90),
        languages=["nl"],
    )
    coordinator = staff["coordinator"]
    s.involve(
        coordinator,
        role=COORDINATOR_ROLE,
        legal_basis=LegalBasis.CONSENT,
        domains=ALL_DOMAINS,
        since=400,
        coordinator=True,
    )
    s.involve(
        staff["gi_demo2"],
        role="Jeugdbeschermer (ondertoezichtstelling, machtiging gesloten jeugdzorg)",
        legal_basis=LegalBasis.CHILD_PROTECTION,
        domains=HELP_BY_KEY["gi"].domains,
        since=1100,
        about="zoon",
    )
    s.involve(
        staff["secure_mentor"],
        role="Gesloten jeugdzorg: derde plaatsing, perspectief terug naar vader",
        legal_basis=LegalBasis.CHILD_PROTECTION,
        domains=[D.SAFETY, D.MENTAL_HEALTH, D.WORK_EDUCATION],
        since=75,
        about="zoon",
    )
    s.involve(
        staff["family_therapist"],
        role="Gezinsbehandeling vader en zoon: wat te doen als het thuis onveilig wordt",
        legal_basis=LegalBasis.JEUGDWET,
        domains=[D.DOMESTIC_RELATIONS, D.SAFETY],
        since=55,
    )
    s.involve(
        staff["care_farm"],
        role="Dagbesteding: dieren verzorgen, vanaf het proefverlof",
        legal_basis=LegalBasis.JEUGDWET,
        domains=[D.DAYTIME_ACTIVITIES, D.PARTICIPATION],
        since=25,
        about="zoon",
    )
    s.event(
        1300,
        "placement",
        "Eerste plaatsing in gesloten jeugdzorg na weglopen en een ernstig incident thuis; "
        "Jayden was dertien.",
        D.SAFETY,
    )
    s.event(
        1100,
        "involvement_started",
        "De kinderrechter spreekt een ondertoezichtstelling uit; Jeugdbescherming Domstad is "
        "betrokken.",
        D.SAFETY,
    )
    s.event(
        760,
        "placement",
        "Tweede plaatsing in gesloten jeugdzorg, na vier maanden thuis bij zijn moeder.",
        D.SAFETY,
    )
    s.event(
        400,
        "coordinator_assigned",
        _coordinator_text(coordinator),
        actor=coordinator,
    )
    s.event(
        300,
        "note",
        "Jayden gaat in het weekend mee naar de kinderboerderij waar Henk vrijwilliger is. Bij het "
        "verzorgen van de geiten vertelt hij het meest over hoe het met hem gaat.",
        D.SOCIAL_NETWORK,
        actor=coordinator,
    )
    s.event(
        75,
        "placement",
        "Derde plaatsing in gesloten jeugdzorg (JeugdzorgPlus De Sterrenberg) na een escalatie "
        "thuis.",
        D.SAFETY,
        actor=coordinator,
    )
    s.event(
        60,
        "conversation",
        "Jayden zegt in het gesprek: 'Ik wil gewoon bij mijn vader wonen.'",
        D.DOMESTIC_RELATIONS,
        actor=coordinator,
    )
    s.event(
        58,
        "conversation",
        "Marco wil Jayden graag thuis, maar weet niet altijd wat hij moet doen als Jayden boos "
        "wordt en dingen kapotmaakt. Hij wil leren hoe hij het thuis veilig houdt.",
        D.DOMESTIC_RELATIONS,
        actor=coordinator,
    )
    s.event(
        55,
        "involvement_started",
        "De Opvoedwerkplaats: gezinsbehandeling voor vader en zoon gestart.",
        D.DOMESTIC_RELATIONS,
    )
    s.event(
        30,
        "note",
        "Proefverlof in het weekend bij vader verliep rustig; zaterdag samen naar de "
        "kinderboerderij.",
        D.DOMESTIC_RELATIONS,
        actor=coordinator,
    )
    s.event(
        14,
        "note",
        "Voorbereiding 18-/18+: over anderhalf jaar wordt Jayden achttien. Hij heeft Henk gekozen "
        "als zijn JIM.",
        D.SOCIAL_NETWORK,
        actor=coordinator,
    )
    s.network(
        "Henk Mulder",
        NetworkRelation.JIM_MENTOR,
        "Vrijwilliger op Kinderboerderij De Koppel; door Jayden gekozen als JIM. Bij het "
        "verzorgen van de dieren praat Jayden open.",
        availability="zaterdag op de kinderboerderij; WhatsApp",
        phone="06-28374615",
        for_person=s.persons["zoon"],
    )
    s.network(
        "Ans Verhoef",
        NetworkRelation.RELATIVE,
        "Oma (moeder van Marco); Jayden mag altijd bij haar langs",
        availability="overdag",
    )
    s.network(
        "Linda Sanders",
        NetworkRelation.RELATIVE,
        "Moeder van Jayden; woont in Amersfoort, wisselend contact",
    )


def _demo_3(*, region, staff, bsns, today) -> None:
    """A young mother under a supervision order expecting twins; her first daughter was
    placed in foster care shortly after birth. A Somali women's organisation supports her
    in her own language."""
    family = _story("DEMO-3", "Gezin Warsame", "Vasco da Gamalaan", 9, "3526XP", region)
    s = _Story(family, today, bsns, random.Random("DEMO-3"))
    expected = today + timedelta(days=95)
    s.member(
        "moeder",
        MemberRole.PARENT,
        given="Hodan",
        surname="Warsame",
        gender=Gender.FEMALE,
        born=_born(today, 20, 50),
        languages=["so", "nl"],
    )
    s.member(
        "dochter",
        MemberRole.CHILD,
        given="Amina",
        surname="Warsame",
        gender=Gender.FEMALE,
        born=today - timedelta(days=735),
        languages=["nl", "so"],
        living=LivingSituation.FOSTER_FAMILY,
    )
    # The twins, with the names Hodan has chosen for them.
    for key, given, gender in (
        ("tweeling-1", "Hibo", Gender.FEMALE),
        ("tweeling-2", "Hanad", Gender.MALE),
    ):
        s.member(
            key,
            MemberRole.UNBORN,
            given=given,
            surname="Warsame",
            gender=gender,
            born=expected,
            languages=[],
        )
    coordinator, gi = staff["coordinator"], staff["gi"]
    s.involve(
        coordinator,
        role=COORDINATOR_ROLE,
        legal_basis=LegalBasis.CONSENT,
        domains=ALL_DOMAINS,
        since=500,
        coordinator=True,
    )
    s.involve(
        gi,
        role="Jeugdbeschermer: ondertoezichtstelling van Amina en van de ongeboren tweeling",
        legal_basis=LegalBasis.CHILD_PROTECTION,
        domains=HELP_BY_KEY["gi"].domains,
        since=720,
    )
    s.involve(
        staff["foster_care"],
        role="Pleegzorgbegeleiding Amina (pleeggezin in Houten)",
        legal_basis=LegalBasis.JEUGDWET,
        domains=[D.DOMESTIC_RELATIONS, D.SAFETY],
        since=715,
        about="dochter",
    )
    s.involve(
        staff["hooyo"],
        role="Steun in het Somalisch: mee naar de verloskundige en de bezoeken aan Amina",
        legal_basis=LegalBasis.CONSENT,
        domains=[D.SOCIAL_NETWORK, D.PARTICIPATION, D.DAILY_LIVING],
        since=150,
    )
    s.event(735, "member_added", "Amina is geboren.")
    s.event(
        728,
        "signal",
        "Melding bij Veilig Thuis vanuit het ziekenhuis: zorgen over de veiligheid van de "
        "pasgeboren Amina.",
        D.SAFETY,
    )
    s.event(
        720,
        "involvement_started",
        "De kinderrechter spreekt een ondertoezichtstelling en een machtiging uithuisplaatsing "
        "uit voor Amina; Jeugdbescherming Domstad is betrokken.",
        D.SAFETY,
        actor=gi,
    )
    s.event(
        715,
        "placement",
        "Amina, twee weken oud, is geplaatst in een pleeggezin (Pleegzorg Midden-Utrecht).",
        D.DOMESTIC_RELATIONS,
        actor=gi,
    )
    s.event(
        500,
        "coordinator_assigned",
        _coordinator_text(coordinator),
        actor=coordinator,
    )
    s.event(
        400,
        "note",
        "Begeleide bezoeken aan Amina, eens per week in het pleeggezin; Hodan komt trouw.",
        D.DOMESTIC_RELATIONS,
        actor=gi,
    )
    s.event(
        160,
        "note",
        f"Zwangerschap van een tweeling bevestigd; uitgerekende datum {expected:%d-%m-%Y}.",
        D.PHYSICAL_HEALTH,
        actor=coordinator,
    )
    s.event(
        150,
        "involvement_started",
        "Stichting Hooyo betrokken: een vrijwilliger die Somalisch spreekt gaat mee naar de "
        "verloskundige.",
        D.SOCIAL_NETWORK,
        actor=coordinator,
    )
    s.event(
        90,
        "note",
        "De kinderrechter spreekt een ondertoezichtstelling uit voor de ongeboren tweeling.",
        D.SAFETY,
        actor=gi,
    )
    s.event(
        40,
        "note",
        "Aangemeld voor een moeder-kindvoorziening; de wachttijd is ongeveer vier maanden, "
        "langer dan de zwangerschap nog duurt.",
        D.HOUSING,
        actor=coordinator,
    )
    s.event(
        12,
        "conversation",
        "Hodan: 'Ik wil laten zien dat ik voor mijn kinderen kan zorgen.' Ze wil dat Amina vaker "
        "bij haar mag zijn. Over moeilijke onderwerpen praat ze liever in het Somalisch.",
        D.DOMESTIC_RELATIONS,
        actor=coordinator,
    )
    s.network(
        "Faadumo Yusuf (Stichting Hooyo)",
        NetworkRelation.COMMUNITY,
        "Vrijwilliger van Stichting Hooyo, Somalische vrouwenorganisatie; spreekt Somalisch en "
        "gaat mee naar afspraken",
        availability="doordeweeks overdag, bellen",
        phone="06-53920174",
    )
    s.network(
        "Sahra Warsame",
        NetworkRelation.RELATIVE,
        "Zus van Hodan; woont in Nieuwegein, kan na de bevalling helpen",
        availability="'s avonds",
    )
