"""The named people of the demo: the demo logins (one per role) and the professionals who
appear in the three story families."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils.text import slugify

from rits.demo import catalogue
from rits.demo.region import EMAIL_DOMAIN, RegionState
from rits.organisations.models import Professional, ProfessionalRole, User

# One shared, readable password for every demo login. Demo logins skip the second factor
# only while demo mode is on (RITS_ENVIRONMENT=demo), which production refuses.
DEMO_PASSWORD = "rits-demo-2026"

R = ProfessionalRole


@dataclass(frozen=True)
class StaffSpec:
    key: str
    given: str
    last: str  # with prefix, as it is written after a given name: "de Groot"
    role: str
    organisation: str
    job_title: str
    team: str = ""
    # The families this person should end up with (stories included); the generator
    # fills the rest of the caseload. 0 for roles that hold no caseload.
    caseload: int = 0
    email: str = ""  # for logins; story staff get a generated address
    sees: str = ""  # what the login shows, for the table printed after a build

    @property
    def address(self) -> str:
        if self.email:
            return self.email
        name = f"{slugify(self.given)}.{slugify(self.last)}"
        return f"{name}@{slugify(self.organisation)}.{EMAIL_DOMAIN}"


DEMO_LOGINS: tuple[StaffSpec, ...] = (
    StaffSpec(
        "coordinator",
        "Marloes",
        "de Groot",
        R.COORDINATOR,
        "Wijkteam Utrecht",
        catalogue.COORDINATOR_TITLE,
        team="Team Overvecht",
        caseload=45,
        email="coordinator@demo.rits.nl",
        sees="gezinsregisseur van DEMO-1, DEMO-2, DEMO-3 en de rest van haar caseload; "
        "alle leefgebieden",
    ),
    StaffSpec(
        "ambulant",
        "Joost",
        "van Leeuwen",
        R.PROFESSIONAL,
        "De Opvoedwerkplaats",
        "Ambulant gezinsbegeleider",
        caseload=22,
        email="ambulant@demo.rits.nl",
        sees="DEMO-1 en eigen caseload; alleen opvoeding en dagelijks leven "
        "(de huurachterstand in DEMO-1 ziet hij niet — niemand ziet die)",
    ),
    StaffSpec(
        "veilig_thuis",
        "Ingrid",
        "Smit",
        R.PROFESSIONAL,
        "Veilig Thuis Domstad",
        "Medewerker onderzoek",
        caseload=18,
        email="veiligthuis@demo.rits.nl",
        sees="DEMO-1 en eigen onderzoeken; veiligheid en opvoeding",
    ),
    StaffSpec(
        "woningcorporatie",
        "Peter",
        "Jansen",
        R.PROFESSIONAL,
        "Woonstichting Domstede",
        "Woonconsulent",
        caseload=30,
        email="woningcorporatie@demo.rits.nl",
        sees="eigen huurders met afspraken (wonen, financiën); bij DEMO-1, DEMO-2 en DEMO-3 "
        "niet betrokken: die geven 'niet gevonden'",
    ),
    StaffSpec(
        "gi",
        "Esther",
        "Kok",
        R.PROFESSIONAL,
        "Jeugdbescherming Domstad",
        "Jeugdbeschermer",
        caseload=15,
        email="gi@demo.rits.nl",
        sees="DEMO-3 (OTS) en eigen caseload; de leefgebieden die een jeugdbeschermer nodig heeft",
    ),
    StaffSpec(
        "privacy_officer",
        "Ruud",
        "Vermeulen",
        R.PRIVACY_OFFICER,
        "Wijkteam Utrecht",
        "Functionaris gegevensbescherming",
        email="privacy@demo.rits.nl",
        sees="geen dossiers; wel wie welk dossier bekeek (toegangslog) en noodtoegang ter "
        "beoordeling",
    ),
    StaffSpec(
        "signal_delivery",
        "Joyce",
        "de Wit",
        R.SIGNAL_DELIVERY,
        "Woonstichting Domstede",
        "Medewerker vroegsignalering",
        email="signalen@demo.rits.nl",
        sees="geen dossiers; levert signalen aan (huurachterstand) en ziet haar leveringen",
    ),
    StaffSpec(
        "administrator",
        "Sanne",
        "Dekker",
        R.ADMINISTRATOR,
        "Gemeente Utrecht",
        "Functioneel beheerder Rits",
        email="admin@demo.rits.nl",
        sees="geen dossiers; mag gezinnen importeren (POST /api/v1/family-imports)",
    ),
    StaffSpec(
        "team_lead",
        "Mohamed",
        "Amrani",
        R.TEAM_LEAD,
        "Wijkteam Amersfoort",
        "Teamleider",
        team="Team Noord",
        email="teamlead@demo.rits.nl",
        sees="alles waar Team Noord bij betrokken is (Wijkteam Amersfoort deelt de caseload "
        "binnen het team)",
    ),
)

# Professionals who appear by name in the story families but do not log in.
STORY_STAFF: tuple[StaffSpec, ...] = (
    StaffSpec(
        "gi_demo2",
        "Bas",
        "Hoekstra",
        R.PROFESSIONAL,
        "Jeugdbescherming Domstad",
        "Jeugdbeschermer",
        caseload=14,
    ),
    StaffSpec(
        "secure_mentor",
        "Ilse",
        "Kuipers",
        R.PROFESSIONAL,
        "JeugdzorgPlus De Sterrenberg",
        "Groepsleider / mentor",
        caseload=9,
    ),
    StaffSpec(
        "family_therapist",
        "Ruben",
        "Bosman",
        R.PROFESSIONAL,
        "De Opvoedwerkplaats",
        "Gezinsbehandelaar",
    ),
    StaffSpec(
        "care_farm",
        "Gerda",
        "van Dam",
        R.PROFESSIONAL,
        "Zorgboerderij De Hooiberg",
        "Begeleider zorgboerderij",
        caseload=20,
    ),
    StaffSpec(
        "foster_care",
        "Karin",
        "Brouwer",
        R.PROFESSIONAL,
        "Pleegzorg Midden-Utrecht",
        "Pleegzorgbegeleider",
        caseload=20,
    ),
    StaffSpec(
        "hooyo",
        "Faadumo",
        "Yusuf",
        R.PROFESSIONAL,
        "Stichting Hooyo",
        "Vrijwilligerscoördinator",
        caseload=30,
    ),
)


def ensure_staff(region: RegionState) -> dict[str, Professional]:
    """The demo logins and story professionals, created where missing (by email).

    An existing login keeps its password: hashing it again on every build would make a
    repeated ``build_demo`` slow for nothing."""
    specs = DEMO_LOGINS + STORY_STAFF
    existing = {
        p.user.email: p
        for p in Professional.objects.filter(
            user__email__in=[s.address for s in specs]
        ).select_related("user", "organisation", "team")
    }
    login_hash = None
    unusable = make_password(None)
    staff: dict[str, Professional] = {}
    for spec in specs:
        professional = existing.get(spec.address)
        if professional is None:
            if spec.email and login_hash is None:
                login_hash = make_password(DEMO_PASSWORD)
            organisation = region.organisations[spec.organisation]
            team = next(
                (t for t in region.teams.get(organisation.pk, []) if t.name == spec.team), None
            )
            user = User(
                email=spec.address,
                username=spec.address,
                first_name=spec.given,
                last_name=spec.last,
                password=login_hash if spec.email else unusable,
            )
            user.is_demo = True  # not editable in forms; set directly, as intended
            user.save()
            professional = Professional.objects.create(
                user=user,
                organisation=organisation,
                team=team,
                role=spec.role,
                job_title=spec.job_title,
            )
        staff[spec.key] = professional
        if spec.caseload:
            region.capacities[spec.address] = spec.caseload
    return staff
