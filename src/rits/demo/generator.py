"""Generates the synthetic families of the demo region, fast enough for 100,000 families.

This is seeding, not a user action: it writes through the model layer with
``bulk_create`` and deliberately leaves no audit events (nobody looked at or changed a
real person's file). Every family is drawn from its own random stream, seeded from the
build seed and the family's number, so a build is reproducible and can be resumed."""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils.text import slugify
from faker import Faker

from rits.core.bsn import encrypt_bsn, pseudonymise_bsn
from rits.core.domains import ALL_DOMAINS, LifeDomain
from rits.demo import catalogue
from rits.demo.catalogue import HelpSpec, NamePool
from rits.demo.region import EMAIL_DOMAIN, RegionState
from rits.families.events import LEGACY_TEXT_EVENT
from rits.families.models import (
    Family,
    FamilyEvent,
    Gender,
    Involvement,
    LegalBasis,
    MemberRole,
    Membership,
    NetworkMember,
    NetworkRelation,
    Person,
    active_on,
)
from rits.organisations.models import Organisation, Professional, ProfessionalRole, Team, User

GENERATED_PREFIX = "DEMO-G-"


def generated_reference(index: int) -> str:
    """The reference of generated family number ``index`` (1-based)."""
    return f"{GENERATED_PREFIX}{index:07d}"


# --- primary keys ---------------------------------------------------------------------


class Ids:
    """Primary keys handed out before the insert.

    With its id known in advance, every row names its parent by id: ``bulk_create``
    needs no RETURNING round trip and no related-object bookkeeping, which is what made
    100,000 families slow. Seeding assumes nobody else inserts into these tables
    meanwhile; after each batch the database sequences are moved past the new ids."""

    MODELS = (
        User, Professional, Family, Person, Membership, Involvement, NetworkMember, FamilyEvent,
    )  # fmt: skip

    def __init__(self) -> None:
        self.next = {m: (m.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for m in self.MODELS}

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value

    def sync_sequences(self) -> None:
        """PostgreSQL sequences do not see explicit ids; SQLite's AUTOINCREMENT does."""
        statements = connection.ops.sequence_reset_sql(no_style(), self.MODELS)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


# --- BSN ------------------------------------------------------------------------------


# Fixed test numbers of story persons (DEMO-1's mother logs in to the family portal with
# the test DigiD): in the 999-range of the RvIG's test persons.
DEMO_1_MOTHER_BSN = "999990019"
STORY_BSNS = (DEMO_1_MOTHER_BSN,)


class BsnSource:
    """Hands out synthetic BSNs that pass the 11-proef and are unique in the database.

    The numbers start with 9: the RvIG's own test persons live in the 999-range and, as
    far as we know, no real person has a BSN starting with 9, so a demo number is very
    unlikely to be someone's. Uniqueness is checked on the keyed pseudonym, the same
    way Rits matches persons."""

    def __init__(self) -> None:
        self.used: set[str] = set(
            Person.objects.exclude(bsn_pseudonym=None).values_list("bsn_pseudonym", flat=True)
        )
        # The story persons' fixed numbers are never drawn for anyone else.
        self.used.update(pseudonymise_bsn(bsn) for bsn in STORY_BSNS)

    def issue(self, rng: random.Random) -> tuple[str, str]:
        """A new BSN, returned as (encrypted token, pseudonym); the plain number is dropped."""
        while True:
            body = str(rng.randrange(90_000_000, 100_000_000))
            total = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True))
            check = total % 11
            if check == 10:  # no digit makes this body pass the 11-proef
                continue
            bsn = body + str(check)
            pseudonym = pseudonymise_bsn(bsn)
            if pseudonym in self.used:
                continue
            self.used.add(pseudonym)
            return encrypt_bsn(bsn), pseudonym


# --- names ----------------------------------------------------------------------------


def split_prefix(full: str) -> tuple[str, str]:
    """Split a Dutch surname into its prefix (tussenvoegsel) and the name: 'van der Ploeg'
    -> ('van der', 'Ploeg'); "'s Gravensande" -> ("'s", 'Gravensande')."""
    words = full.split(" ")
    i = 0
    while i < len(words) - 1 and (words[i][:1].islower() or words[i][:1] == "'"):
        i += 1
    return " ".join(words[:i]), " ".join(words[i:])


def display_surname(prefix: str, surname: str) -> str:
    """A surname on its own, as Dutch writes it: the prefix gets a capital ('Van der Ploeg')."""
    if not prefix:
        return surname
    return f"{prefix[0].upper()}{prefix[1:]} {surname}"


def _polish_female(surname: str) -> str:
    for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname


class NameBook:
    """Name and street pools drawn once from a seeded Faker, then sampled per family.

    Drawing from pools keeps 100,000 families fast; Faker supplies Dutch, Turkish and
    Polish names and Dutch street names, the catalogue the languages Faker lacks."""

    def __init__(self, seed: int) -> None:
        nl = Faker("nl_NL")
        nl.seed_instance(seed)
        tr = Faker("tr_TR")
        tr.seed_instance(seed)
        pl = Faker("pl_PL")
        pl.seed_instance(seed)
        self.pools: dict[str, NamePool] = {
            "nl": NamePool(
                female=_distinct(nl.first_name_female, 1500),
                male=_distinct(nl.first_name_male, 1500),
                surnames=_distinct(nl.last_name, 6000),
            ),
            "tr": NamePool(
                female=_distinct(tr.first_name_female, 600),
                male=_distinct(tr.first_name_male, 600),
                surnames=_distinct(tr.last_name, 600),
            ),
            "pl": NamePool(
                female=_distinct(pl.first_name_female, 400),
                male=_distinct(pl.first_name_male, 400),
                surnames=_distinct(pl.last_name_male, 1500),
            ),
            **catalogue.HANDMADE_NAMES,
        }
        self.streets: tuple[str, ...] = _distinct(nl.street_name, 4000)

    def given(self, rng: random.Random, language: str, gender: str) -> str:
        pool = self.pools.get(language, self.pools["nl"])
        return rng.choice(pool.female if gender == Gender.FEMALE else pool.male)

    def surname(self, rng: random.Random, language: str) -> tuple[str, str]:
        """(prefix, surname) in the male/neutral form."""
        pool = self.pools.get(language, self.pools["nl"])
        return split_prefix(rng.choice(pool.surnames))

    @staticmethod
    def for_gender(language: str, surname: str, gender: str) -> str:
        """Polish surnames change with gender (Kowalski, Kowalska)."""
        if language == "pl" and gender == Gender.FEMALE:
            return _polish_female(surname)
        return surname


def _distinct(draw: Callable[[], str], tries: int) -> tuple[str, ...]:
    return tuple(dict.fromkeys(draw() for _ in range(tries)))


# --- professionals and their caseloads ------------------------------------------------


@dataclass
class Seat:
    professional: Professional
    load: int
    capacity: int


class ProfessionalFactory:
    """Creates (unsaved) generated professionals; saved with the next batch.

    Generated professionals cannot log in (unusable password): only the demo logins
    can. They are marked ``is_demo`` like every user the demo creates."""

    def __init__(self, names: NameBook, seed: int, ids: Ids) -> None:
        self.names = names
        self.ids = ids
        self.rng = random.Random(f"{seed}:professionals")
        self.password = make_password(None)
        self.users: list[User] = []
        self.professionals: list[Professional] = []

    def new(self, *, organisation: Organisation, team: Team | None, role: str, job_title: str):
        rng = self.rng
        gender = rng.choice((Gender.FEMALE, Gender.FEMALE, Gender.MALE))
        language = rng.choices(("nl", "ar", "tr"), (85, 9, 6))[0]
        given = self.names.given(rng, language, gender)
        prefix, surname = self.names.surname(rng, language)
        last_name = f"{prefix} {surname}".strip()
        domain = f"{slugify(organisation.name)}.{EMAIL_DOMAIN}"
        user_id = self.ids.take(User)
        # The user id in the address keeps it unique, also across repeated builds.
        email = f"{slugify(given)}.{slugify(last_name)}.{user_id}@{domain}"
        user = User(
            id=user_id,
            email=email,
            username=email,
            first_name=given[:150],
            last_name=last_name[:150],
            password=self.password,
            is_demo=True,
        )
        professional = Professional(
            id=self.ids.take(Professional),
            user=user,
            organisation=organisation,
            team=team,
            role=role,
            job_title=job_title,
        )
        self.users.append(user)
        self.professionals.append(professional)
        return professional

    def save_pending(self) -> None:
        if self.users:
            User.objects.bulk_create(self.users)
            Professional.objects.bulk_create(self.professionals)
        self.users, self.professionals = [], []


TEAM_SIZE = 10


class CaseloadPool:
    """The professionals of one organisation in one job, filled one after the other up to
    a realistic caseload, so that each has a believable list of families."""

    def __init__(
        self,
        *,
        organisation: Organisation,
        job_title: str,
        role: str,
        caseload: tuple[int, int],
        teams: list[Team],
        factory: ProfessionalFactory,
        seats: list[Seat],
    ) -> None:
        self.organisation = organisation
        self.job_title = job_title
        self.role = role
        self.caseload = caseload
        self.teams = {t.name: t for t in teams}
        self.team_names = catalogue.TEAMS.get(organisation.name, ())
        self.factory = factory
        self.seats = seats
        self.current = 0

    def take(self) -> Professional:
        while self.current < len(self.seats) and (
            self.seats[self.current].load >= self.seats[self.current].capacity
        ):
            self.current += 1
        if self.current == len(self.seats):
            team = self._team(len(self.seats))
            professional = self.factory.new(
                organisation=self.organisation, team=team, role=self.role, job_title=self.job_title
            )
            capacity = self.factory.rng.randint(*self.caseload)
            self.seats.append(Seat(professional, 0, capacity))
        seat = self.seats[self.current]
        seat.load += 1
        return seat.professional

    def _team(self, seat: int) -> Team | None:
        """Coordinators fill a team of TEAM_SIZE, then the next; when the region grows past
        the teams it has, new ones are added ("Team Noord 2"), so a team stays a size a
        team lead can oversee, also with 100,000 families."""
        if not self.team_names:
            return None
        block = seat // TEAM_SIZE
        base = self.team_names[block % len(self.team_names)]
        round_ = block // len(self.team_names)
        name = base if round_ == 0 else f"{base} {round_ + 1}"
        if name not in self.teams:
            self.teams[name], _ = Team.objects.get_or_create(
                organisation=self.organisation, name=name
            )
        return self.teams[name]

    def someone_else(self, rng: random.Random, professional: Professional) -> Professional | None:
        """A colleague (for a coordinator who handed the family over earlier)."""
        others = [s.professional for s in self.seats if s.professional is not professional]
        return rng.choice(others) if others else None


# --- the family generator --------------------------------------------------------------


@dataclass
class Draft:
    family: Family
    persons: list[Person] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    involvements: list[Involvement] = field(default_factory=list)
    network: list[NetworkMember] = field(default_factory=list)
    events: list[FamilyEvent] = field(default_factory=list)


@dataclass
class Member:
    person: Person
    role: str
    age: int  # years; -1 for an unborn child
    language: str


# Why a family was registered, with the life domain the reason belongs to: a reason that
# names Veilig Thuis or the GP is domain content, never shown to every domain.
REASONS = (
    ("zorgen over de opvoeding", LifeDomain.DOMESTIC_RELATIONS),
    ("vraag van school over gedrag en verzuim", LifeDomain.WORK_EDUCATION),
    ("signaal van de huisarts", LifeDomain.PHYSICAL_HEALTH),
    ("geldzorgen en veel stress thuis", LifeDomain.FINANCES),
    ("doorverwijzing na een melding bij Veilig Thuis", LifeDomain.SAFETY),
    ("ouder vraagt zelf om hulp", LifeDomain.DOMESTIC_RELATIONS),
    ("verhuizing, nieuwe school en weinig netwerk", LifeDomain.SOCIAL_NETWORK),
    ("scheiding van de ouders", LifeDomain.DOMESTIC_RELATIONS),
    ("signaal van het consultatiebureau", LifeDomain.PHYSICAL_HEALTH),
)

NOTES: dict[str, tuple[str, ...]] = {
    LifeDomain.DOMESTIC_RELATIONS: (
        "Keukentafelgesprek met {parent} over dagritme en grenzen stellen; {parent} wil meer "
        "rust in huis.",
        "{parent} en {child} maken samen afspraken over bedtijd en schermtijd.",
    ),
    LifeDomain.FINANCES: (
        "Huurachterstand van {n} maanden besproken; afspraak over een betalingsregeling.",
        "{parent} heeft de aanvraag voor schuldhulp ingediend.",
    ),
    LifeDomain.WORK_EDUCATION: (
        "School meldt {n} ongeoorloofde afwezigheden van {child} deze maand.",
        "Gesprek op school over de overstap van {child} naar het voortgezet onderwijs.",
    ),
    LifeDomain.MENTAL_HEALTH: (
        "{child} staat op de wachtlijst voor jeugd-GGZ (ongeveer {n} weken).",
        "{parent} slaapt slecht en piekert veel; huisarts ingeschakeld.",
    ),
    LifeDomain.PHYSICAL_HEALTH: (
        "Consultatiebureau: de groei van {child} wordt extra gevolgd.",
        "{child} heeft astma; afspraken over medicatie op school gemaakt.",
    ),
    LifeDomain.SOCIAL_NETWORK: (
        "Netwerkberaad gepland met familie en buren.",
        "{parent} wil een familiegroepsplan maken met de eigen familie.",
    ),
    LifeDomain.SAFETY: (
        "Veiligheidsafspraken gemaakt; het gezin schat de veiligheid in op {n} van de 10.",
        "Na een ruzie thuis: afgesproken wie {parent} belt als het spannend wordt.",
    ),
    LifeDomain.HOUSING: (
        "Het gezin staat ingeschreven voor een grotere woning; de wachttijd is lang.",
        "Vochtproblemen in de woning gemeld bij de verhuurder.",
    ),
    LifeDomain.DAILY_LIVING: (
        "{parent} krijgt hulp bij het op orde houden van de post en de administratie.",
        "Weekplanning gemaakt voor boodschappen, school en afspraken.",
    ),
    LifeDomain.ADDICTION: ("{parent} is gestart met een behandeling voor het alcoholgebruik.",),
    LifeDomain.PARTICIPATION: ("{parent} doet vrijwilligerswerk bij de voedselbank.",),
    LifeDomain.DAYTIME_ACTIVITIES: ("{child} gaat twee middagen per week naar de zorgboerderij.",),
    LifeDomain.JUSTICE: ("{child} heeft een taakstraf gekregen via Halt.",),
}

RELATIVES = (
    ("oma van de kinderen", Gender.FEMALE),
    ("opa van de kinderen", Gender.MALE),
    ("tante van de kinderen", Gender.FEMALE),
    ("oom van de kinderen", Gender.MALE),
    ("zus van {parent}", Gender.FEMALE),
    ("broer van {parent}", Gender.MALE),
)

SHAPES = ("single_mother", "single_father", "two_parents", "step_parent", "guardian", "with_other")
SHAPE_WEIGHTS = {
    "default": (30, 5, 45, 10, 4, 6),
    # Ukrainian families who fled the war: mostly mothers with children.
    "uk": (70, 2, 22, 2, 4, 0),
}


class FamilyGenerator:
    """Draws one synthetic family at a time and writes them in batches."""

    def __init__(self, *, seed: int, region: RegionState, today: date | None = None) -> None:
        self.seed = seed
        self.region = region
        self.today = today or datetime.now(ZoneInfo(settings.TIME_ZONE)).date()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.names = NameBook(seed)
        self.bsns = BsnSource()
        self.ids = Ids()
        self.factory = ProfessionalFactory(self.names, seed, self.ids)
        self.pools: dict[tuple[int, str], CaseloadPool] = {}
        self._preloaded = self._load_seats()
        self._help = list(catalogue.HELP)
        self._help_weights = [h.weight for h in self._help]
        self._languages = [lang for lang, _, _ in catalogue.HOME_LANGUAGES]
        self._language_weights = [share for _, share, _ in catalogue.HOME_LANGUAGES]
        self._speaks_dutch = {lang: p for lang, _, p in catalogue.HOME_LANGUAGES}
        self._municipalities = list(catalogue.MUNICIPALITIES)
        self._municipality_weights = [m.inhabitants for m in self._municipalities]

    # -- caseloads --------------------------------------------------------------------

    def _load_seats(self) -> dict[tuple[int, str], list[Seat]]:
        """Existing professionals and their active caseload, so that a second build (more
        families) continues filling caseloads instead of starting over."""
        org_ids = [o.pk for o in self.region.organisations.values()]
        rows = (
            Professional.objects.filter(
                organisation_id__in=org_ids,
                role__in=[ProfessionalRole.COORDINATOR, ProfessionalRole.PROFESSIONAL],
            )
            .select_related("user")
            .annotate(load=Count("involvements", filter=active_on(prefix="involvements__")))
            .order_by("id")
        )
        seats: dict[tuple[int, str], list[Seat]] = {}
        for professional in rows:
            capacity = self.region.capacities.get(professional.user.email, 0)
            seat = Seat(professional, professional.load, capacity)
            seats.setdefault((professional.organisation_id, professional.job_title), []).append(
                seat
            )
        return seats

    def pool(
        self, organisation: Organisation, job_title: str, role: str, caseload: tuple[int, int]
    ) -> CaseloadPool:
        key = (organisation.pk, job_title)
        pool = self.pools.get(key)
        if pool is None:
            seats = self._preloaded.pop(key, [])
            for seat in seats:
                if not seat.capacity:  # a generated professional from an earlier build
                    seat.capacity = max(seat.load, sum(caseload) // 2)
            pool = CaseloadPool(
                organisation=organisation,
                job_title=job_title,
                role=role,
                caseload=caseload,
                teams=self.region.teams.get(organisation.pk, []),
                factory=self.factory,
                seats=seats,
            )
            self.pools[key] = pool
        return pool

    # -- writing -----------------------------------------------------------------------

    def build(
        self,
        *,
        first: int,
        count: int,
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Generate families ``first`` .. ``first + count - 1`` and write them in batches
        of ``batch_size``; ``progress`` is called with the number written so far."""
        written = 0
        while written < count:
            size = min(batch_size, count - written)
            drafts = [self.family(first + written + i) for i in range(size)]
            self.write(drafts)
            written += size
            if progress:
                progress(written)
        return written

    def write(self, drafts: Iterable[Draft]) -> None:
        """Write one batch in one transaction: new professionals first, then the families
        and everything that hangs off them, parents before children."""
        drafts = list(drafts)
        with transaction.atomic():
            self.factory.save_pending()
            Family.objects.bulk_create([d.family for d in drafts])
            for model, attribute in (
                (Person, "persons"),
                (Membership, "memberships"),
                (Involvement, "involvements"),
                (NetworkMember, "network"),
                (FamilyEvent, "events"),
            ):
                rows = [row for d in drafts for row in getattr(d, attribute)]
                model.objects.bulk_create(rows, batch_size=5000)
            self.ids.sync_sequences()

    # -- one family --------------------------------------------------------------------

    def family(self, index: int) -> Draft:
        """Draw generated family number ``index``."""
        rng = random.Random(f"{self.seed}:family:{index}")
        municipality = rng.choices(self._municipalities, self._municipality_weights)[0]
        place = rng.choices(municipality.places, [p.weight for p in municipality.places])[0]
        language = rng.choices(self._languages, self._language_weights)[0]
        members = self._household(rng, language)
        children = [m for m in members if m.role == MemberRole.CHILD]
        surname_holder = children[0] if children else members[0]
        name = display_surname(surname_holder.person.prefix, surname_holder.person.surname)
        letters = "ABCDEGHJKLMNPRSTVWXZ"
        family = Family(
            id=self.ids.take(Family),
            reference=generated_reference(index),
            name=f"Gezin {name}",
            street=rng.choice(self.names.streets),
            house_number=rng.randint(1, 240),
            house_number_suffix=rng.choices(("", "A", "B", "bis", "-2"), (85, 6, 4, 1, 4))[0],
            postcode=f"{rng.randint(*place.postcodes)}{rng.choice(letters)}{rng.choice(letters)}",
            city=place.name,
            municipality=self.region.municipalities[municipality.code],
        )
        draft = Draft(family=family)
        for m in members:
            draft.persons.append(m.person)
            draft.memberships.append(
                Membership(
                    id=self.ids.take(Membership),
                    family_id=family.pk,
                    person_id=m.person.pk,
                    role=m.role,
                )
            )
        self._involvements(rng, draft, members, municipality.code, language)
        self._network(rng, draft, members, language, municipality.code)
        return draft

    def _date_for_age(self, rng: random.Random, years: int) -> date:
        return self.today - timedelta(days=years * 365 + rng.randint(0, 364))

    def _person(
        self,
        rng: random.Random,
        *,
        language: str,
        gender: str,
        prefix: str,
        surname: str,
        age: int,
        speaks_dutch: bool,
    ) -> Person:
        if age < 0:  # unborn: an expected date, no name yet, no BSN yet
            return Person(
                id=self.ids.take(Person),
                surname=surname,
                prefix=prefix,
                birth_date=self.today + timedelta(days=rng.randint(20, 250)),
                languages=[],
            )
        if language == "nl":
            languages = ["nl"]
        elif age < 18:
            languages = [language, "nl"] if age >= 4 else [language]
        else:
            languages = [language, "nl"] if speaks_dutch else [language]
        encrypted, pseudonym = ("", None)
        # A few adults who arrived recently are not (yet) registered with a BSN.
        if age < 18 or rng.random() > 0.01:
            encrypted, pseudonym = self.bsns.issue(rng)
        return Person(
            id=self.ids.take(Person),
            surname=self.names.for_gender(language, surname, gender),
            prefix=prefix,
            given_names=self.names.given(rng, language, gender),
            birth_date=self._date_for_age(rng, age),
            gender=gender,
            bsn_encrypted=encrypted,
            bsn_pseudonym=pseudonym,
            languages=languages,
            interpreter_needed=age >= 18 and not speaks_dutch,
        )

    def _household(self, rng: random.Random, language: str) -> list[Member]:
        shape = rng.choices(SHAPES, SHAPE_WEIGHTS.get(language, SHAPE_WEIGHTS["default"]))[0]
        speaks = rng.random() < self._speaks_dutch[language]
        mother_age = int(rng.triangular(19, 48, 33))
        father_age = max(19, mother_age + rng.randint(-3, 7))
        members: list[Member] = []

        def add(role: str, gender: str, age: int, prefix: str, surname: str, lang: str = language):
            person = self._person(
                rng,
                language=lang,
                gender=gender,
                prefix=prefix,
                surname=surname,
                age=age,
                speaks_dutch=speaks or lang == "nl",
            )
            members.append(Member(person, role, age, lang))

        child_prefix, child_surname = self.names.surname(rng, language)
        if shape == "guardian":
            # A grandmother (or aunt) raises the children as their guardian (voogd).
            g_prefix, g_surname = self.names.surname(rng, language)
            add(MemberRole.GUARDIAN, Gender.FEMALE, rng.randint(50, 72), g_prefix, g_surname)
            for _ in range(rng.choices((1, 2), (60, 40))[0]):
                gender = rng.choice((Gender.FEMALE, Gender.MALE))
                add(MemberRole.CHILD, gender, rng.randint(2, 17), child_prefix, child_surname)
            return members

        if shape in {"single_mother", "two_parents", "step_parent", "with_other"}:
            if shape == "single_mother" and rng.random() < 0.5:
                m_prefix, m_surname = child_prefix, child_surname
            else:
                m_prefix, m_surname = self.names.surname(rng, language)
            add(MemberRole.PARENT, Gender.FEMALE, mother_age, m_prefix, m_surname)
            parent_age = mother_age
        else:
            parent_age = father_age
        if shape in {"single_father", "two_parents", "with_other"}:
            add(MemberRole.PARENT, Gender.MALE, father_age, child_prefix, child_surname)
            parent_age = min(parent_age, father_age)
        if shape == "step_parent":
            partner_language = "nl" if language == "nl" or rng.random() < 0.4 else language
            s_prefix, s_surname = self.names.surname(rng, partner_language)
            add(
                MemberRole.STEP_PARENT,
                Gender.MALE,
                father_age,
                s_prefix,
                s_surname,
                partner_language,
            )

        oldest = max(0, min(17, parent_age - 18))
        n_children = rng.choices((1, 2, 3, 4, 5), (35, 35, 18, 8, 4))[0]
        for age in sorted((rng.randint(0, oldest) for _ in range(n_children)), reverse=True):
            gender = rng.choice((Gender.FEMALE, Gender.MALE))
            if age >= 14 and rng.random() < 0.01:
                gender = Gender.OTHER
            add(MemberRole.CHILD, gender, age, child_prefix, child_surname)
        has_mother = shape in {"single_mother", "two_parents", "step_parent", "with_other"}
        if has_mother and mother_age <= 42 and rng.random() < 0.06:
            add(MemberRole.UNBORN, Gender.UNKNOWN, -1, child_prefix, child_surname)
        if shape == "with_other":
            # A grandparent or an adult brother or sister living in.
            o_prefix, o_surname = self.names.surname(rng, language)
            gender = rng.choice((Gender.FEMALE, Gender.MALE))
            add(MemberRole.OTHER, gender, rng.randint(60, 80), o_prefix, o_surname)
        return members

    # -- help around the family --------------------------------------------------------

    def _targets(self, help: HelpSpec, members: list[Member]) -> list[Member]:
        target = help.target
        if target == "family":
            return [members[0]]
        if target == "parent":
            return [
                m
                for m in members
                if m.role in {MemberRole.PARENT, MemberRole.GUARDIAN, MemberRole.STEP_PARENT}
            ]
        if target == "young_mother":
            return [
                m
                for m in members
                if m.role == MemberRole.PARENT and m.person.gender == Gender.FEMALE and m.age <= 23
            ]
        if target == "baby":
            return [
                m
                for m in members
                if m.role == MemberRole.UNBORN or (m.role == MemberRole.CHILD and m.age <= 3)
            ]
        low, high = (int(x) for x in target.removeprefix("child:").split("-"))
        return [m for m in members if m.role == MemberRole.CHILD and low <= m.age <= high]

    def _involvements(
        self, rng: random.Random, draft: Draft, members: list[Member], code: str, language: str
    ) -> None:
        today = self.today
        family = draft.family
        wijkteam = self.region.org_for("wijkteam", code)
        pool = self.pool(
            wijkteam,
            catalogue.COORDINATOR_TITLE,
            ProfessionalRole.COORDINATOR,
            catalogue.COORDINATOR_CASELOAD,
        )
        coordinator = pool.take()
        start = today - timedelta(days=rng.randint(20, 900))
        adults = [m for m in members if m.age >= 18]
        children = [m for m in members if 0 <= m.age < 18]
        parent = (adults or members)[0].person
        child = (children or members)[0].person
        events = draft.events

        def event(day: date, kind: str, text: str, domain: str = "", actor=None) -> None:
            moment = datetime.combine(
                min(day, today - timedelta(days=1)),
                time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))),
                tzinfo=self.tz,
            )
            events.append(
                FamilyEvent(
                    id=self.ids.take(FamilyEvent),
                    family_id=family.pk,
                    occurred_at=moment,
                    code=LEGACY_TEXT_EVENT,
                    params={"text": text[:500], "kind": kind},
                    domain=domain,
                    actor_id=actor.user_id if actor is not None else None,
                )
            )

        registered = start - timedelta(days=rng.randint(0, 14))
        reason, reason_domain = rng.choice(REASONS)
        event(registered, "family_registered", f"Aangemeld bij {wijkteam.name}.")
        event(registered, "registration_reason", f"Reden van aanmelding: {reason}.", reason_domain)
        if rng.random() < 0.06:
            previous = pool.someone_else(rng, coordinator)
            if previous is not None:
                earlier = start - timedelta(days=rng.randint(100, 600))
                draft.involvements.append(
                    Involvement(
                        id=self.ids.take(Involvement),
                        family_id=family.pk,
                        organisation_id=wijkteam.pk,
                        professional_id=previous.pk,
                        role=catalogue.COORDINATOR_ROLE,
                        legal_basis=LegalBasis.CONSENT,
                        domains=sorted(ALL_DOMAINS),
                        start_date=earlier,
                        end_date=start,
                        is_coordinator=True,
                    )
                )
                event(
                    start,
                    "coordinator_changed",
                    f"Regie overgedragen van {previous.user.get_full_name()} aan "
                    f"{coordinator.user.get_full_name()}.",
                    actor=coordinator,
                )
        draft.involvements.append(
            Involvement(
                id=self.ids.take(Involvement),
                family_id=family.pk,
                organisation_id=wijkteam.pk,
                professional_id=coordinator.pk,
                role=catalogue.COORDINATOR_ROLE,
                legal_basis=LegalBasis.CONSENT,
                domains=sorted(ALL_DOMAINS),
                start_date=start,
                is_coordinator=True,
            )
        )
        event(
            start,
            "coordinator_assigned",
            f"{coordinator.user.get_full_name()} ({wijkteam.name}) is gezinsregisseur.",
            actor=coordinator,
        )

        # 1-4 other organisations, each for the life domains it needs.
        wanted = rng.choices((1, 2, 3, 4), (30, 35, 22, 13))[0]
        candidates = [(h, w) for h, w in zip(self._help, self._help_weights, strict=True)]
        involved_domains: set[str] = set()
        while wanted and candidates:
            help, _ = rng.choices(candidates, [w for _, w in candidates])[0]
            candidates = [(h, w) for h, w in candidates if h is not help]
            targets = self._targets(help, members)
            if not targets:
                continue
            wanted -= 1
            about = rng.choice(targets)
            organisation = self.region.org_for(help.service, code, language, rng)
            professional = self.pool(
                organisation, help.job_title, ProfessionalRole.PROFESSIONAL, help.caseload
            ).take()
            began = min(today - timedelta(days=1), start + timedelta(days=rng.randint(-120, 200)))
            ended = None
            if rng.random() < 0.12:
                end = began + timedelta(days=rng.randint(30, 300))
                ended = end if end < today else None
            draft.involvements.append(
                Involvement(
                    id=self.ids.take(Involvement),
                    family_id=family.pk,
                    person_id=None if help.target == "family" else about.person.pk,
                    organisation_id=organisation.pk,
                    professional_id=professional.pk,
                    role=help.role,
                    legal_basis=help.legal_basis,
                    domains=list(help.domains),
                    start_date=began,
                    end_date=ended,
                )
            )
            # Tied to the involvement's first domain: who may not see that domain does not
            # learn from the timeline that this organisation is involved.
            domain = help.domains[0]
            involved_domains.update(help.domains)
            event(began, "involvement_started", f"{organisation.name}: {help.role}.", domain)
            if ended:
                event(ended, "involvement_ended", f"{organisation.name} afgesloten.", domain)

        for _ in range(rng.choices((0, 1, 2), (30, 45, 25))[0]):
            domain = rng.choice(sorted(involved_domains) or [LifeDomain.DOMESTIC_RELATIONS])
            text = rng.choice(NOTES.get(domain, NOTES[LifeDomain.DOMESTIC_RELATIONS]))
            text = text.format(
                parent=parent.given_names, child=child.given_names, n=rng.randint(2, 7)
            )
            day = start + timedelta(days=rng.randint(0, max(1, (today - start).days)))
            event(day, "note", text, domain, actor=coordinator)

    def _network(
        self, rng: random.Random, draft: Draft, members: list[Member], language: str, code: str
    ) -> None:
        parent = members[0].person
        teens = [m for m in members if m.role == MemberRole.CHILD and 15 <= m.age < 18]
        for _ in range(rng.choices((0, 1, 2, 3), (25, 40, 25, 10))[0]):
            kinds = ["relative", "friend", "neighbour", "volunteer"]
            weights = [40, 20, 15, 8]
            if language != "nl":
                kinds.append("community")
                weights.append(12)
            if teens:
                kinds.append("jim")
                weights.append(8)
            kind = rng.choices(kinds, weights)[0]
            phone = f"06-{rng.randint(10_000_000, 99_999_999)}"
            availability = rng.choice(catalogue.AVAILABILITY)
            if kind == "community":
                org = self.region.org_for("community", code, language, rng)
                name = f"{self.names.given(rng, org_language(org, self.region), Gender.FEMALE)}"
                draft.network.append(
                    NetworkMember(
                        id=self.ids.take(NetworkMember),
                        family_id=draft.family.pk,
                        name=f"{name} ({org.name})",
                        relation=NetworkRelation.COMMUNITY,
                        relation_detail="Vrijwilliger; steunt het gezin in de eigen taal",
                        phone=phone,
                        availability=availability,
                    )
                )
                continue
            if kind == "relative":
                detail, gender = rng.choice(RELATIVES)
                detail = detail.format(parent=parent.given_names)
                name_language = language
                relation = NetworkRelation.RELATIVE
            elif kind == "friend":
                gender = rng.choice((Gender.FEMALE, Gender.MALE))
                detail = f"vriend(in) van {parent.given_names}"
                name_language = language if rng.random() < 0.7 else "nl"
                relation = NetworkRelation.FRIEND
            elif kind == "neighbour":
                gender = rng.choice((Gender.FEMALE, Gender.MALE))
                detail = rng.choice(("buurvrouw; past soms op", "buurman; helpt met klussen"))
                gender = Gender.FEMALE if detail.startswith("buurvrouw") else Gender.MALE
                name_language, relation = "nl", NetworkRelation.NEIGHBOUR
            elif kind == "volunteer":
                gender = rng.choice((Gender.FEMALE, Gender.MALE))
                detail = "gezinsmaatje via Thuisgenoten"
                name_language, relation = "nl", NetworkRelation.VOLUNTEER
            else:
                teen = rng.choice(teens)
                gender = rng.choice((Gender.FEMALE, Gender.MALE))
                detail = rng.choice(
                    ("voetbaltrainer", "oud-buurman", "oom", "docent van de vorige school")
                )
                detail = f"JIM-mentor, gekozen door {teen.person.given_names} ({detail})"
                name_language, relation = "nl", NetworkRelation.JIM_MENTOR
            prefix, surname = self.names.surname(rng, name_language)
            surname = self.names.for_gender(name_language, surname, gender)
            given = self.names.given(rng, name_language, gender)
            draft.network.append(
                NetworkMember(
                    id=self.ids.take(NetworkMember),
                    family_id=draft.family.pk,
                    name=" ".join(p for p in (given, prefix, surname) if p),
                    relation=relation,
                    relation_detail=detail,
                    for_person_id=teen.person.pk if kind == "jim" else None,
                    phone=phone,
                    availability=availability,
                )
            )


def org_language(organisation: Organisation, region: RegionState) -> str:
    """The language a community organisation works in (for its volunteers' names)."""
    return region.languages.get(organisation.pk, "nl")
