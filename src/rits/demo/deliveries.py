"""The demo's first signal delivery: what the housing corporation sends on the day the
demo starts, so that the signal journey can be seen at once, without uploading a file.

It goes the way a source's file goes (``manage.py import_signals`` does the same): the
delivery is stored as it came, with the source's demo key (``intake.services.
receive_batch``), then processed, linked and run through the rules
(``pipeline.run_for_batch``) here and now, whatever the tasks backend. So the intake,
linking, rules and worklist stages do their real work, and leave their audit events, as
they would for any delivery.

What is in it:

- **DEMO-1's rent arrears, without a BSN** (landlords often have none): the mother as
  the corporation knows her, by her call name Saba (she is registered as Elsabet Saba), with
  her date of birth written day and month swapped, and her address; the linkage model
  links her all the same (the call name is in its name-variant table, the swap is one of
  its levels, surname and address agree). Her plan has no
  agreement about finances and she has a child, so the rules raise the alert
  "payment arrears, no agreement about finances" for her coordinator (the demo login
  ``coordinator@demo.rits.nl``), in her inbox and her team's.
- **A doubtful match**: arrears of a "Marko Verhoeff" at another address, with DEMO-2's
  father's date of birth. The model is not sure enough to link, nor to let go: it waits
  in the review queue of DEMO-2's coordinator.
- **Arrears of a few tenants with a BSN** in families of the team lead's team (Team
  Noord), so that the team lead's team inbox has work too.

Run once: a delivery already made (recognised by its file name) is not sent again."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from rits.core.bsn import decrypt_bsn
from rits.demo.generator import GENERATED_PREFIX
from rits.demo.staff import DEMO_LOGINS
from rits.demo.stories import DEMO_1_MOTHER_CALL_NAME
from rits.families.models import (
    ADULT_ROLES,
    Involvement,
    MemberRole,
    Membership,
)
from rits.organisations.models import Organisation, Professional
from rits.signals import pipeline
from rits.signals.intake import clients
from rits.signals.intake import services as intake
from rits.signals.models import SignalBatch, SignalSourceToken

SOURCE = "Woonstichting Domstede"
FILE_NAME = "huurachterstanden-demo.csv"
# Where the doubtful match's tenant lives: an address no generated family can have (their
# house numbers go up to 240), so that no family lives there to review it as its household.
DOUBTFUL_ADDRESS = ("3551CZ", "318", "Utrecht")
# Families of the team lead's team that get arrears with a BSN.
TEAM_SIGNALS = 2

COLUMNS = (
    "reference",
    "signal_type",
    "signal_date",
    "since",
    "amount_eur",
    "crisis",
    "bsn",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "postcode",
    "house_number",
    "house_number_suffix",
    "city",
    "note",
)


def _row(**values) -> dict[str, str]:
    return {column: str(values.get(column, "")) for column in COLUMNS}


def _member(reference: str, role: str) -> Membership | None:
    return (
        Membership.objects.filter(family__reference=reference, role=role)
        .select_related("person", "family")
        .order_by("id")
        .first()
    )


def swap_day_and_month(day: date) -> date:
    """The date as a file with day and month mixed up has it: 3 May for 5 March. (The
    story gives DEMO-1's mother a day of the month of at most 12.)"""
    return day.replace(month=day.day, day=day.month)


def delivery_rows(*, today: date) -> list[dict[str, str]]:
    """The rows of the demo delivery, as the housing corporation's system writes them."""
    rows = []
    signal_date = today - timedelta(days=1)
    saba = _member("DEMO-1", MemberRole.PARENT)
    if saba is not None:
        person, family = saba.person, saba.family
        rows.append(
            _row(
                reference="DOMSTEDE-HUUR-0001",
                signal_type="rent_arrears",
                signal_date=signal_date.isoformat(),
                since=(today - timedelta(days=95)).replace(day=1).isoformat(),
                amount_eur="1.386,00",
                crisis="nee",
                surname=person.surname,
                prefix=person.prefix,
                given_names=DEMO_1_MOTHER_CALL_NAME,
                birth_date=swap_day_and_month(person.birth_date).isoformat(),
                postcode=family.postcode,
                house_number=family.house_number,
                house_number_suffix=family.house_number_suffix,
                city=family.city,
                note="Drie maanden huurachterstand. Brieven en telefoontjes niet beantwoord.",
            )
        )
    marco = _member("DEMO-2", MemberRole.PARENT)
    if marco is not None:
        person = marco.person
        postcode, number, city = DOUBTFUL_ADDRESS
        rows.append(
            _row(
                reference="DOMSTEDE-HUUR-0002",
                signal_type="rent_arrears",
                signal_date=signal_date.isoformat(),
                since=(today - timedelta(days=65)).replace(day=1).isoformat(),
                amount_eur="742,50",
                crisis="nee",
                # As the corporation's records have him: a typo in the name and another
                # address (an old tenancy), the same date of birth.
                surname=person.surname + "f",
                given_names="Marko",
                birth_date=person.birth_date.isoformat(),
                postcode=postcode,
                house_number=number,
                city=city,
            )
        )
    for n, (person, family) in enumerate(_team_tenants(today), start=3):
        rows.append(
            _row(
                reference=f"DOMSTEDE-HUUR-{n:04d}",
                signal_type="rent_arrears",
                signal_date=signal_date.isoformat(),
                since=(today - timedelta(days=70)).replace(day=1).isoformat(),
                amount_eur=f"{540 + 215 * n},00",
                crisis="ja" if n == 3 else "nee",
                bsn=decrypt_bsn(person.bsn_encrypted),
                surname=person.surname,
                prefix=person.prefix,
                given_names=person.given_names,
                birth_date=person.birth_date.isoformat() if person.birth_date else "",
                postcode=family.postcode,
                house_number=family.house_number,
                house_number_suffix=family.house_number_suffix,
                city=family.city,
                note="Ontruiming aangekondigd." if n == 3 else "",
            )
        )
    return rows


def _team_tenants(today: date) -> list[tuple]:
    """A parent with a BSN in each of the first few generated families with children
    that the team lead's team coordinates."""
    email = next(s.email for s in DEMO_LOGINS if s.key == "team_lead")
    team_id = (
        Professional.objects.filter(user__email=email).values_list("team_id", flat=True).first()
    )
    if team_id is None:
        return []
    families = (
        Involvement.objects.coordinating(today)
        .filter(professional__team_id=team_id, family__reference__startswith=GENERATED_PREFIX)
        .filter(family__memberships__role=MemberRole.CHILD)
        .order_by("family__reference")
        .values_list("family_id", flat=True)
        .distinct()
    )
    found = []
    for family_id in families:
        parent = (
            Membership.objects.filter(family_id=family_id, role__in=ADULT_ROLES)
            .exclude(person__bsn_encrypted="")
            .select_related("person", "family")
            .order_by("id")
            .first()
        )
        if parent is not None:
            found.append((parent.person, parent.family))
        if len(found) == TEAM_SIGNALS:
            break
    return found


def delivery_csv(rows: list[dict[str, str]]) -> bytes:
    """The rows as a semicolon CSV file, as the corporation's system exports it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def demo_source() -> Organisation | None:
    return Organisation.objects.filter(name=SOURCE).first()


def ensure_demo_delivery(*, today: date) -> pipeline.PipelineReport | None:
    """Deliver the demo's signals once and run the pipeline over them; None when the
    delivery was made before (or there is nothing to deliver)."""
    source = demo_source()
    if source is None or SignalBatch.objects.filter(source=source, file_name=FILE_NAME).exists():
        return None
    rows = delivery_rows(today=today)
    if not rows:
        return None
    plaintext = clients.ensure_demo_token(source)
    token = SignalSourceToken.objects.select_related("organisation").get(
        token_hash=clients.hash_token(plaintext)
    )
    batch = intake.receive_batch(
        source=source,
        content=delivery_csv(rows),
        file_name=FILE_NAME,
        fmt="csv",
        token=token,
        actor=clients.source_actor(token),
    )
    return pipeline.run_for_batch(batch.pk)
