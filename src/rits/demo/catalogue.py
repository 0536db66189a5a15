"""The fixed shape of the demo region: real municipalities, fictional organisations, the
kinds of help a family can get, and name lists Faker has no locale for.

Municipality names and CBS gemeentecodes are real (so that gemeentecode checks and the
woonplaatsbeginsel make sense); every organisation, person and address is made up."""

from dataclasses import dataclass

from rits.core.domains import LifeDomain as D
from rits.families.models import LegalBasis as L
from rits.organisations.models import OrganisationKind as K

REGION_NAME = "Regio Utrecht"


@dataclass(frozen=True)
class Place:
    """A place (woonplaats) inside a municipality, with the 4-digit postcode range it uses."""

    name: str
    weight: float
    postcodes: tuple[int, int]


@dataclass(frozen=True)
class MunicipalitySpec:
    code: str
    name: str
    # About the number of inhabitants: families are spread over the region by this.
    inhabitants: int
    places: tuple[Place, ...]


MUNICIPALITIES: tuple[MunicipalitySpec, ...] = (
    MunicipalitySpec(
        "0344",
        "Utrecht",
        361_000,
        (
            Place("Utrecht", 0.9, (3511, 3585)),
            Place("Vleuten", 0.05, (3451, 3451)),
            Place("De Meern", 0.05, (3453, 3454)),
        ),
    ),
    MunicipalitySpec(
        "0307",
        "Amersfoort",
        160_000,
        (Place("Amersfoort", 0.93, (3811, 3829)), Place("Hoogland", 0.07, (3828, 3828))),
    ),
    MunicipalitySpec(
        "0355",
        "Zeist",
        66_000,
        (
            Place("Zeist", 0.8, (3701, 3709)),
            Place("Den Dolder", 0.08, (3734, 3734)),
            Place("Huis ter Heide", 0.06, (3712, 3712)),
            Place("Austerlitz", 0.06, (3711, 3711)),
        ),
    ),
    MunicipalitySpec("0356", "Nieuwegein", 64_000, (Place("Nieuwegein", 1.0, (3431, 3439)),)),
    MunicipalitySpec(
        "0321",
        "Houten",
        51_000,
        (
            Place("Houten", 0.9, (3991, 3995)),
            Place("Schalkwijk", 0.06, (3998, 3998)),
            Place("'t Goy", 0.04, (3999, 3999)),
        ),
    ),
    MunicipalitySpec(
        "0310",
        "De Bilt",
        43_000,
        (
            Place("Bilthoven", 0.5, (3721, 3723)),
            Place("De Bilt", 0.3, (3731, 3732)),
            Place("Maartensdijk", 0.1, (3738, 3738)),
            Place("Groenekan", 0.05, (3737, 3737)),
            Place("Westbroek", 0.05, (3615, 3615)),
        ),
    ),
)
ALL_CODES: tuple[str, ...] = tuple(m.code for m in MUNICIPALITIES)


@dataclass(frozen=True)
class OrganisationSpec:
    """A fictional organisation. ``service`` is how the generator asks for "the debt help
    for Zeist"; ``serves`` lists the municipalities it works for (empty: the whole region)."""

    service: str
    name: str
    kind: str
    serves: tuple[str, ...] = ()
    municipality: str | None = None
    agb_code: str = ""
    teams: tuple[str, ...] = ()
    shares_caseload: bool = False
    # For community organisations: the language its volunteers speak with families.
    language: str = ""
    # Organisations that only deliver signals (utilities, insurers) get one contact person.
    contact_title: str = ""


def _wijkteam(code: str, name: str, teams: tuple[str, ...], shares: bool = False):
    return OrganisationSpec(
        "wijkteam",
        f"Wijkteam {name}",
        K.WIJKTEAM,
        serves=(code,),
        municipality=code,
        teams=teams,
        shares_caseload=shares,
    )


def _gemeente(code: str, name: str) -> OrganisationSpec:
    return OrganisationSpec("gemeente", f"Gemeente {name}", K.MUNICIPALITY, (code,), code)


ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    # Neighbourhood teams: the coordinators. Amersfoort's teams share their caseload
    # (the organisation policy that access.rules honours), the others do not.
    _wijkteam(
        "0344",
        "Utrecht",
        tuple(
            f"Team {t}"
            for t in ("Overvecht", "Kanaleneiland", "Zuilen", "Leidsche Rijn", "Oost", "Zuidwest")
        ),
    ),
    _wijkteam("0307", "Amersfoort", ("Team Noord", "Team Zuid", "Team Vathorst"), shares=True),
    _wijkteam("0355", "Zeist", ("Team Zeist-Noord", "Team Zeist-Zuid")),
    _wijkteam("0356", "Nieuwegein", ("Team Nieuwegein-Noord", "Team Nieuwegein-Zuid")),
    _wijkteam("0321", "Houten", ("Team Houten",)),
    _wijkteam("0310", "De Bilt", ("Team Bilthoven", "Team De Bilt-Maartensdijk")),
    # Municipalities themselves: leerplicht, work and income, functional administration.
    *(_gemeente(m.code, m.name) for m in MUNICIPALITIES),
    OrganisationSpec("gi", "Jeugdbescherming Domstad", K.GI),
    OrganisationSpec("vt", "Veilig Thuis Domstad", K.VEILIG_THUIS),
    # Care providers, each with a (fictional) 8-digit AGB code.
    OrganisationSpec("ambulant", "De Opvoedwerkplaats", K.CARE_PROVIDER, agb_code="75150418"),
    OrganisationSpec("ggz", "Jeugd-GGZ De Linde", K.CARE_PROVIDER, agb_code="75151032"),
    OrganisationSpec("lvb", "Stap Verder Begeleiding", K.CARE_PROVIDER, agb_code="75152207"),
    OrganisationSpec(
        "addiction", "Verslavingszorg Kromme Rijn", K.CARE_PROVIDER, agb_code="75153390"
    ),
    OrganisationSpec("foster", "Pleegzorg Midden-Utrecht", K.CARE_PROVIDER, agb_code="75154471"),
    OrganisationSpec("familyhome", "Gezinshuizen Het Nest", K.CARE_PROVIDER, agb_code="75155129"),
    OrganisationSpec(
        "motherchild", "Moeder-kindhuis De Haven", K.CARE_PROVIDER, agb_code="75156684"
    ),
    OrganisationSpec(
        "secure", "JeugdzorgPlus De Sterrenberg", K.CARE_PROVIDER, agb_code="75157302"
    ),
    OrganisationSpec("crisis", "Crisisdienst Jeugd Utrecht", K.CARE_PROVIDER, agb_code="75158846"),
    OrganisationSpec("carefarm", "Zorgboerderij De Hooiberg", K.CARE_PROVIDER, agb_code="75159915"),
    # Housing corporations, each for its own part of the region.
    OrganisationSpec(
        "housing", "Woonstichting Domstede", K.WONINGCORPORATIE, ("0344", "0356", "0321")
    ),
    OrganisationSpec("housing", "Eemstad Wonen", K.WONINGCORPORATIE, ("0307",)),
    OrganisationSpec("housing", "Heuvelrug Wonen", K.WONINGCORPORATIE, ("0355", "0310")),
    # Signal sources: they deliver signals (vroegsignalering) and read nothing back.
    OrganisationSpec(
        "energy", "Stroomlijn Energie", K.ENERGY_COMPANY, contact_title="Medewerker incasso"
    ),
    OrganisationSpec(
        "water", "Waterbedrijf Kromme Rijn", K.WATER_COMPANY, contact_title="Medewerker incasso"
    ),
    OrganisationSpec(
        "insurer",
        "Zorgverzekeraar Stichtse Zorg",
        K.HEALTH_INSURER,
        contact_title="Medewerker premieachterstanden",
    ),
    # Schools: one primary school per municipality, secondary and vocational regional.
    OrganisationSpec("school_po", "Basisschool De Zonnewijzer", K.SCHOOL, ("0344",), "0344"),
    OrganisationSpec("school_po", "Basisschool De Eemvallei", K.SCHOOL, ("0307",), "0307"),
    OrganisationSpec("school_po", "Basisschool De Wegwijzer", K.SCHOOL, ("0355",), "0355"),
    OrganisationSpec("school_po", "Basisschool De Boomgaard", K.SCHOOL, ("0356",), "0356"),
    OrganisationSpec("school_po", "Basisschool Het Spoor", K.SCHOOL, ("0321",), "0321"),
    OrganisationSpec("school_po", "Basisschool De Bongerd", K.SCHOOL, ("0310",), "0310"),
    OrganisationSpec("school_vo", "Domstad College", K.SCHOOL, municipality="0344"),
    OrganisationSpec("school_vo", "Eemland Lyceum", K.SCHOOL, ("0307",), "0307"),
    OrganisationSpec("school_mbo", "MBO College Vecht en Eem", K.SCHOOL, municipality="0344"),
    OrganisationSpec("jgz", "JGZ Kromme Rijn en Heuvelrug", K.JGZ),
    OrganisationSpec("debt", "Geldzorg Utrecht", K.DEBT_HELP, ("0344",), "0344"),
    OrganisationSpec(
        "debt", "Schuldhulp Eem en Heuvelrug", K.DEBT_HELP, ("0307", "0355", "0356", "0321", "0310")
    ),
    # Community organisations; several work in the language of the families they support.
    OrganisationSpec("community", "Thuisgenoten (gezinsmaatjes)", K.COMMUNITY, language="nl"),
    OrganisationSpec(
        "community", "Buurthuis De Brug", K.COMMUNITY, ("0344",), "0344", language="nl"
    ),
    OrganisationSpec("community", "Stichting Hooyo", K.COMMUNITY, language="so"),
    OrganisationSpec(
        "community", "Eritrese Gemeenschap Midden-Nederland", K.COMMUNITY, language="ti"
    ),
    OrganisationSpec("community", "Stichting Dostluk", K.COMMUNITY, language="tr"),
    OrganisationSpec("community", "Moederscentrum Al-Amal", K.COMMUNITY, language="ar"),
    OrganisationSpec("community", "Polski Punkt Utrecht", K.COMMUNITY, language="pl"),
    OrganisationSpec("community", "Oekraïens Huis Amersfoort", K.COMMUNITY, language="uk"),
    OrganisationSpec("police", "Politie Basisteam Domstad", K.POLICE, ("0344", "0356", "0321")),
    OrganisationSpec(
        "police", "Politie Basisteam Eem en Heuvelrug", K.POLICE, ("0307", "0355", "0310")
    ),
)


@dataclass(frozen=True)
class HelpSpec:
    """One kind of involvement a generated family can have.

    ``target`` says who it is about: ``family``, ``parent``, ``young_mother``,
    ``child:<min>-<max>`` (age in years) or ``baby`` (0-3 or unborn)."""

    key: str
    service: str
    role: str
    job_title: str
    legal_basis: str
    domains: tuple[str, ...]
    weight: int
    target: str = "family"
    caseload: tuple[int, int] = (15, 30)


HELP: tuple[HelpSpec, ...] = (
    HelpSpec(
        "ambulant",
        "ambulant",
        "Ambulante opvoedondersteuning",
        "Ambulant gezinsbegeleider",
        L.JEUGDWET,
        (D.DOMESTIC_RELATIONS, D.DAILY_LIVING),
        20,
        caseload=(18, 26),
    ),
    HelpSpec(
        "ggz",
        "ggz",
        "Behandeling jeugd-GGZ",
        "GZ-psycholoog",
        L.JEUGDWET,
        (D.MENTAL_HEALTH,),
        10,
        "child:6-17",
        (25, 35),
    ),
    HelpSpec(
        "lvb",
        "lvb",
        "Begeleiding bij licht verstandelijke beperking",
        "Persoonlijk begeleider",
        L.WMO,
        (D.DAILY_LIVING, D.PARTICIPATION),
        4,
        "parent",
    ),
    HelpSpec(
        "addiction",
        "addiction",
        "Ambulante verslavingszorg",
        "Behandelaar verslavingszorg",
        L.ZVW,
        (D.ADDICTION, D.MENTAL_HEALTH),
        3,
        "parent",
    ),
    HelpSpec(
        "gi",
        "gi",
        "Jeugdbeschermer (ondertoezichtstelling)",
        "Jeugdbeschermer",
        L.CHILD_PROTECTION,
        (
            D.SAFETY,
            D.DOMESTIC_RELATIONS,
            D.MENTAL_HEALTH,
            D.PHYSICAL_HEALTH,
            D.WORK_EDUCATION,
            D.HOUSING,
            D.FINANCES,
            D.SOCIAL_NETWORK,
        ),
        5,
        "child:0-17",
        (12, 16),
    ),
    HelpSpec(
        "vt",
        "vt",
        "Onderzoek na melding huiselijk geweld of kindermishandeling",
        "Medewerker onderzoek",
        L.VEILIG_THUIS,
        (D.SAFETY, D.DOMESTIC_RELATIONS),
        4,
        caseload=(15, 22),
    ),
    HelpSpec(
        "housing",
        "housing",
        "Woonconsulent: afspraken over huurachterstand",
        "Woonconsulent",
        L.WGS,
        (D.HOUSING, D.FINANCES),
        7,
        caseload=(25, 35),
    ),
    HelpSpec(
        "debt",
        "debt",
        "Schuldhulpverlening",
        "Schuldhulpverlener",
        L.WGS,
        (D.FINANCES,),
        9,
        "parent",
        (30, 40),
    ),
    HelpSpec(
        "school_po",
        "school_po",
        "Intern begeleider",
        "Intern begeleider",
        L.CONSENT,
        (D.WORK_EDUCATION,),
        12,
        "child:4-11",
        (30, 40),
    ),
    HelpSpec(
        "school_vo",
        "school_vo",
        "Zorgcoördinator",
        "Zorgcoördinator",
        L.CONSENT,
        (D.WORK_EDUCATION,),
        8,
        "child:12-17",
        (30, 40),
    ),
    HelpSpec(
        "school_mbo",
        "school_mbo",
        "Studentbegeleider",
        "Studentbegeleider",
        L.CONSENT,
        (D.WORK_EDUCATION,),
        2,
        "child:16-17",
        (30, 40),
    ),
    HelpSpec(
        "jgz",
        "jgz",
        "Extra contactmomenten jeugdverpleegkundige",
        "Jeugdverpleegkundige",
        L.LEGAL_OBLIGATION,
        (D.PHYSICAL_HEALTH, D.DOMESTIC_RELATIONS),
        8,
        "baby",
        (30, 40),
    ),
    HelpSpec(
        "leerplicht",
        "gemeente",
        "Leerplichtambtenaar: schoolverzuim",
        "Leerplichtambtenaar",
        L.LEGAL_OBLIGATION,
        (D.WORK_EDUCATION,),
        3,
        "child:5-17",
        (30, 40),
    ),
    HelpSpec(
        "income",
        "gemeente",
        "Consulent werk en inkomen",
        "Consulent werk en inkomen",
        L.PARTICIPATIEWET,
        (D.FINANCES, D.WORK_EDUCATION),
        6,
        "parent",
        (30, 40),
    ),
    HelpSpec(
        "community",
        "community",
        "Steun van een vrijwilliger",
        "Vrijwilligerscoördinator",
        L.CONSENT,
        (D.SOCIAL_NETWORK, D.PARTICIPATION, D.DAILY_LIVING),
        5,
        caseload=(30, 40),
    ),
    HelpSpec(
        "police", "police", "Wijkagent", "Wijkagent", L.LEGAL_OBLIGATION, (D.SAFETY, D.JUSTICE), 2
    ),
    HelpSpec(
        "foster",
        "foster",
        "Pleegzorgbegeleiding",
        "Pleegzorgbegeleider",
        L.JEUGDWET,
        (D.DOMESTIC_RELATIONS, D.SAFETY),
        2,
        "child:0-17",
    ),
    HelpSpec(
        "crisis",
        "crisis",
        "Crisisinterventie",
        "Crisishulpverlener",
        L.JEUGDWET,
        (D.SAFETY, D.DOMESTIC_RELATIONS),
        1,
    ),
    HelpSpec(
        "carefarm",
        "carefarm",
        "Dagbesteding op de zorgboerderij",
        "Begeleider zorgboerderij",
        L.JEUGDWET,
        (D.DAYTIME_ACTIVITIES, D.PARTICIPATION),
        2,
        "child:10-17",
    ),
    HelpSpec(
        "secure",
        "secure",
        "Gesloten jeugdzorg (JeugdzorgPlus)",
        "Groepsleider / mentor",
        L.CHILD_PROTECTION,
        (D.SAFETY, D.MENTAL_HEALTH, D.WORK_EDUCATION),
        1,
        "child:12-17",
        (8, 12),
    ),
    HelpSpec(
        "familyhome",
        "familyhome",
        "Plaatsing in een gezinshuis",
        "Gezinshuisouder",
        L.JEUGDWET,
        (D.DOMESTIC_RELATIONS, D.DAILY_LIVING),
        1,
        "child:4-17",
        (4, 6),
    ),
    HelpSpec(
        "motherchild",
        "motherchild",
        "Begeleid wonen voor moeder en kind",
        "Woonbegeleider",
        L.JEUGDWET,
        (D.HOUSING, D.DOMESTIC_RELATIONS, D.DAILY_LIVING),
        1,
        "young_mother",
        (8, 12),
    ),
)
HELP_BY_KEY = {h.key: h for h in HELP}
TEAMS: dict[str, tuple[str, ...]] = {s.name: s.teams for s in ORGANISATIONS if s.teams}

COORDINATOR_ROLE = "Gezinsregisseur (wijkteam)"
COORDINATOR_TITLE = "Gezinsregisseur"
COORDINATOR_CASELOAD = (32, 48)


@dataclass(frozen=True)
class NamePool:
    """Given names and surnames for families of one language, where Faker has no locale
    with Latin-script names (Arabic, Tigrinya, Somali, Ukrainian)."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]


# fmt: off
HANDMADE_NAMES: dict[str, NamePool] = {
    "ar": NamePool(
        female=(
            "Fatima", "Khadija", "Noura", "Salma", "Yasmina", "Houda", "Samira", "Rania", "Leila",
            "Amal", "Nour", "Sara", "Malika", "Hanan", "Aya", "Imane", "Zineb", "Dounia", "Lamia",
        ),
        male=(
            "Mohamed", "Youssef", "Ahmed", "Omar", "Bilal", "Karim", "Hamza", "Rachid", "Said",
            "Ayoub", "Ilias", "Adam", "Anas", "Mustafa", "Khalid", "Tarik", "Samir", "Yassin",
        ),
        surnames=(
            "El Amrani", "Bouzid", "Ouali", "Benali", "El Idrissi", "Azzouzi", "Boukhari",
            "Chaouch", "El Khatib", "Haddou", "Al-Hassan", "Haddad", "Khalil", "Al-Masri",
            "Darwish", "Nasser", "Saleh", "Younes", "Mansour", "Abboud", "Ait Taleb", "Ziani",
        ),
    ),
    "ti": NamePool(
        female=(
            "Selam", "Saba", "Helen", "Senait", "Yordanos", "Almaz", "Tsega", "Ruta", "Merhawit",
            "Luwam", "Eden", "Feven", "Semhar", "Winta", "Mebrat",
        ),
        male=(
            "Yonas", "Dawit", "Tesfay", "Filmon", "Robel", "Amanuel", "Habtom", "Kibrom",
            "Mussie", "Natnael", "Samuel", "Yosief", "Teklay", "Biniam", "Henok",
        ),
        surnames=(
            "Tesfamariam", "Gebremedhin", "Haile", "Kidane", "Tekle", "Berhane", "Ghebreyesus",
            "Woldemichael", "Habte", "Mehari", "Andemariam", "Zerai", "Tesfalem", "Asmerom",
        ),
    ),
    "so": NamePool(
        female=(
            "Hodan", "Faadumo", "Sahra", "Ayaan", "Ifrah", "Nasra", "Hibo", "Farhiya", "Sagal",
            "Ubah", "Khadra", "Muna", "Idil", "Deeqa", "Hamdi",
        ),
        male=(
            "Abdi", "Mohamed", "Ahmed", "Yusuf", "Hassan", "Abdirahman", "Mahad", "Liban", "Guled",
            "Bashir", "Ismail", "Omar", "Farah", "Said", "Abdullahi",
        ),
        surnames=(
            "Warsame", "Abdi", "Hussein", "Farah", "Osman", "Ali", "Jama", "Nur", "Hassan",
            "Ismail", "Aden", "Elmi", "Dahir", "Guled", "Omar", "Yusuf",
        ),
    ),
    "uk": NamePool(
        female=(
            "Olena", "Iryna", "Oksana", "Natalia", "Yulia", "Kateryna", "Tetiana", "Svitlana",
            "Anastasiia", "Sofiia", "Mariia", "Viktoriia", "Daryna", "Alina", "Polina",
        ),
        male=(
            "Oleksandr", "Andrii", "Dmytro", "Serhii", "Mykola", "Ivan", "Yurii", "Vasyl",
            "Bohdan", "Maksym", "Artem", "Taras", "Denys", "Oleh", "Mykhailo",
        ),
        surnames=(
            "Kovalenko", "Bondarenko", "Tkachenko", "Shevchenko", "Melnyk", "Kravchenko", "Boiko",
            "Oliinyk", "Lysenko", "Marchenko", "Savchenko", "Rudenko", "Moroz", "Pavlenko",
        ),
    ),
}
# fmt: on

# The language a family speaks at home, and how likely its parents also speak Dutch well
# enough to do without an interpreter.
HOME_LANGUAGES: tuple[tuple[str, float, float], ...] = (
    # (language, share of families, chance the parents speak Dutch)
    ("nl", 0.78, 1.0),
    ("ar", 0.07, 0.75),
    ("tr", 0.05, 0.8),
    ("pl", 0.03, 0.4),
    ("uk", 0.03, 0.25),
    ("ti", 0.02, 0.3),
    ("so", 0.02, 0.5),
)

AVAILABILITY = (
    "'s avonds na 18:00",
    "doordeweeks overdag",
    "WhatsApp, liefst 's avonds",
    "in het weekend",
    "altijd bellen, ook 's nachts in nood",
    "maandag en donderdag",
)
