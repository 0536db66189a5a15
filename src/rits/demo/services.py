"""Builds the demo region: ``build_demo_region`` is what ``manage.py build_demo`` runs.

Seeding is not a user action: the region is written through the model layer (in bulk
for the generated families) and leaves no audit events, because nobody looked at or
changed anyone's file. The demo logins, on the other hand, are ordinary professionals:
everything they do in the running application goes through access and audit."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from rits.access.rules import visible_families
from rits.demo.deliveries import SOURCE, ensure_demo_delivery
from rits.demo.generator import DEMO_1_MOTHER_BSN, GENERATED_PREFIX, BsnSource, FamilyGenerator, Ids
from rits.demo.plans import ensure_story_plans
from rits.demo.region import ensure_region
from rits.demo.staff import DEMO_LOGINS, DEMO_PASSWORD, ensure_staff
from rits.demo.stories import DEMO_1_FRIEND, DEMO_1_FRIEND_EMAIL, STORY_REFERENCES, ensure_stories
from rits.families.models import Family
from rits.organisations.models import ProfessionalRole, User

DEFAULT_FAMILIES = 500
DEFAULT_SEED = 2026
BATCH_SIZE = 5000
PROGRESS_EVERY = 10_000

ROLE_LABELS = {
    ProfessionalRole.COORDINATOR: "gezinsregisseur",
    ProfessionalRole.PROFESSIONAL: "professional",
    ProfessionalRole.TEAM_LEAD: "teamleider",
    ProfessionalRole.PRIVACY_OFFICER: "privacyfunctionaris",
    ProfessionalRole.ADMINISTRATOR: "beheerder",
    ProfessionalRole.SIGNAL_DELIVERY: "aanlevering signalen",
}


@dataclass(frozen=True)
class BuildReport:
    families_before: int
    families_after: int
    stories_created: int
    seconds: float

    @property
    def created(self) -> int:
        return self.families_after - self.families_before


@dataclass(frozen=True)
class LoginRow:
    email: str
    role: str
    organisation: str
    families: int
    sees: str


def demo_family_count() -> int:
    """Families of the demo region: the stories plus the generated ones."""
    stories = Family.objects.filter(reference__in=STORY_REFERENCES).count()
    return stories + Family.objects.filter(reference__startswith=GENERATED_PREFIX).count()


def _next_generated_index() -> int:
    last = (
        Family.objects.filter(reference__startswith=GENERATED_PREFIX)
        .aggregate(last=Max("reference"))
        .get("last")
    )
    return int(last.removeprefix(GENERATED_PREFIX)) + 1 if last else 1


def build_demo_region(
    *,
    families: int = DEFAULT_FAMILIES,
    seed: int = DEFAULT_SEED,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    deliver: bool = True,
) -> BuildReport:
    """Make sure the demo region has at least ``families`` families (the three story
    families included), its organisations and its demo logins.

    Idempotent: what exists is kept, only what is missing is added, so running it again
    costs a few queries. ``seed`` makes the generated families reproducible. ``deliver``:
    the housing corporation's first delivery (tests that walk that delivery themselves
    leave it out)."""
    started = time.monotonic()
    today = today or timezone.localdate()
    say = progress or (lambda _message: None)
    before = demo_family_count()

    region = ensure_region()
    staff = ensure_staff(region)
    stories_created = 0
    if Family.objects.filter(reference__in=STORY_REFERENCES).count() < len(STORY_REFERENCES):
        stories_created = ensure_stories(region=region, staff=staff, bsns=BsnSource(), today=today)
    ensure_story_plans(staff=staff, today=today)

    missing = families - demo_family_count()
    if missing > 0:
        say(f"{missing:,} gezinnen genereren (seed {seed}) …".replace(",", "."))
        generator = FamilyGenerator(seed=seed, region=region, today=today)
        first = _next_generated_index()
        reported = 0

        def on_batch(written: int) -> None:
            nonlocal reported
            if written - reported >= PROGRESS_EVERY or written == missing:
                reported = written
                elapsed = time.monotonic() - started
                say(f"  {written:>9,} / {missing:,} gezinnen ({elapsed:.0f} s)".replace(",", "."))

        generator.build(first=first, count=missing, batch_size=batch_size, progress=on_batch)
        refresh_statistics()

    # The housing corporation's first delivery, through the intake, linking and rules.
    delivered = ensure_demo_delivery(today=today) if deliver else None
    if delivered is not None:
        linked, rule_run = delivered.linking, delivered.rules
        say(
            f"Eerste levering van {SOURCE} verwerkt: {linked.linked} signalen gekoppeld, "
            f"{linked.review} ter beoordeling, {linked.unlinked} niet gekoppeld; "
            f"{rule_run.alerts_raised} signaleringen in de inbox."
        )

    return BuildReport(
        families_before=before,
        families_after=demo_family_count(),
        stories_created=stories_created,
        seconds=time.monotonic() - started,
    )


def refresh_statistics() -> None:
    """ANALYZE the tables just filled. After a bulk load the query planner otherwise
    works from empty statistics until autovacuum comes round (if it runs at all), and
    picks plans that scan whole tables."""
    tables = [model._meta.db_table for model in Ids.MODELS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


def demo_logins() -> list[LoginRow]:
    """The demo logins with what each may see: the number comes from ``rits.access``,
    the same rule every page uses."""
    users = {
        u.email: u
        for u in User.objects.filter(email__in=[s.email for s in DEMO_LOGINS]).select_related(
            "professional__organisation", "professional__team"
        )
    }
    rows = []
    for spec in DEMO_LOGINS:
        user = users.get(spec.email)
        if user is None:
            continue
        professional = user.professional
        organisation = professional.organisation.name
        if professional.team:
            organisation += f", {professional.team.name}"
        rows.append(
            LoginRow(
                email=user.email,
                role=ROLE_LABELS.get(professional.role, professional.role),
                organisation=organisation,
                families=visible_families(user).count(),
                sees=spec.sees,
            )
        )
    return rows


def format_logins(rows: list[LoginRow]) -> str:
    """The login table printed after a build."""
    headers = ("e-mail", "rol", "organisatie", "gezinnen", "wat deze login ziet")
    table = [headers] + [(r.email, r.role, r.organisation, str(r.families), r.sees) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = [f"Demo-logins — wachtwoord voor allemaal: {DEMO_PASSWORD}", ""]
    for i, row in enumerate(table):
        lines.append(
            f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  "
            f"{row[3]:>{widths[3]}}  {row[4]}"
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(headers[4]))
    lines.append("")
    lines.append(
        "LET OP: in demomodus (RITS_ENVIRONMENT=demo) loggen deze accounts in ZONDER tweede "
        "factor. Gebruik ze nooit buiten een demo; productie weigert demomodus."
    )
    if not settings.DEMO_MODE:
        lines.append(
            "Demomodus staat nu uit: deze accounts vragen nu wél om een tweede factor. "
            "Start met RITS_ENVIRONMENT=demo (zoals `make demo` doet)."
        )
    lines.append("")
    lines.append(
        f"Gezinsportaal (/mijn/): log in met de test-DigiD en BSN {DEMO_1_MOTHER_BSN} "
        f"(Saba, moeder in DEMO-1). Haar vriendin {DEMO_1_FRIEND} ({DEMO_1_FRIEND_EMAIL}) "
        "komt binnen via een uitnodiging van de gezinsregisseur (de e-mail staat in de console)."
    )
    return "\n".join(lines)
