"""Onboarding a region's caseload from CSV: the import service, the command and the API."""

import json
import re
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from rits.access.rules import FamilyNotFound, grant_for, grants_by_family, visible_families
from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import Actor
from rits.core.bsn import decrypt_bsn, pseudonymise_bsn
from rits.families import importing, services
from rits.families.importing import (
    INVOLVEMENT_COLUMNS,
    PERSON_COLUMNS,
    ImportSource,
    import_families,
)
from rits.families.models import Family, FamilyEvent, Involvement, Membership, Person
from rits.organisations.models import (
    Municipality,
    Organisation,
    OrganisationKind,
    Professional,
    ProfessionalRole,
    User,
)
from tests.auth import login_verified

TODAY = timezone.localdate()
VALID_BSN = "123456782"
OTHER_VALID_BSN = "111222333"
INVALID_BSN = "123456789"
URL = "/api/v1/family-imports"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The reasons are checked in their English source text.
    with translation.override("en"):
        yield


# --- helpers --------------------------------------------------------------------------


def person(**values) -> dict:
    row = {
        "family_ref": "F1",
        "person_ref": "P1",
        "role": "parent",
        "surname": "Bakker",
        "prefix": "",
        "given_names": "Anna",
        "birth_date": "1990-04-12",
        "gender": "f",
        "bsn": "",
        "street": "Kerkstraat",
        "house_number": "12",
        "house_number_suffix": "",
        "postcode": "3511 AB",
        "city": "Utrecht",
        "gemeentecode": "0344",
        "languages": "nl",
        "interpreter_needed": "nee",
    }
    row.update(values)
    return row


def involvement(**values) -> dict:
    row = {
        "family_ref": "F1",
        "organisation": "Buurtteam Noord",
        "professional_email": "coordinator@buurtteam.example",
        "role": "Gezinsregisseur",
        "domains": "housing;finances",
        "legal_basis": "jeugdwet",
        "start_date": "2024-01-15",
        "coordinator": "ja",
    }
    row.update(values)
    return row


def csv_bytes(
    rows: list[dict], columns=PERSON_COLUMNS, delimiter: str = ",", bom: bool = False
) -> bytes:
    def cell(value: str) -> str:
        value = str(value)
        if any(c in value for c in (delimiter, '"')):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [delimiter.join(columns)]
    lines += [delimiter.join(cell(row.get(c, "")) for c in columns) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def persons_file(rows, **kwargs) -> ImportSource:
    return ImportSource("persons.csv", csv_bytes(rows, **kwargs))


def involvements_file(rows, **kwargs) -> ImportSource:
    return ImportSource("involvements.csv", csv_bytes(rows, INVOLVEMENT_COLUMNS, **kwargs))


def run(persons_rows, involvement_rows=None, **kwargs):
    persons = persons_rows if isinstance(persons_rows, ImportSource) else persons_file(persons_rows)
    involvements = None
    if involvement_rows is not None:
        involvements = (
            involvement_rows
            if isinstance(involvement_rows, ImportSource)
            else involvements_file(involvement_rows)
        )
    kwargs.setdefault("actor", Actor.system("test"))
    kwargs.setdefault("today", TODAY)
    return import_families(persons=persons, involvements=involvements, **kwargs)


def rejected(report) -> list[tuple[str, int, str | None]]:
    return [(p.file, p.line, p.field) for p in report.rejected]


def reason(report, line: int, field: str | None) -> str:
    return next(p.reason for p in report.rejected if p.line == line and p.field == field)


def counts() -> dict[str, int]:
    models = (Family, Person, Membership, Involvement, FamilyEvent, AuditEvent)
    return {m.__name__: m.objects.count() for m in models}


def make_professional(email: str, organisation: Organisation, role=ProfessionalRole.COORDINATOR):
    user = User.objects.create_user(email=email, password="a long test password 1")
    return Professional.objects.create(user=user, organisation=organisation, role=role)


@pytest.fixture
def region():
    utrecht = Municipality.objects.create(code="0344", name="Utrecht")
    Municipality.objects.create(code="0363", name="Amsterdam")
    buurtteam = Organisation.objects.create(
        name="Buurtteam Noord", kind=OrganisationKind.WIJKTEAM, municipality=utrecht
    )
    veilig_thuis = Organisation.objects.create(
        name="Veilig Thuis Utrecht", kind=OrganisationKind.VEILIG_THUIS
    )
    return {
        "buurtteam": buurtteam,
        "veilig_thuis": veilig_thuis,
        "coordinator": make_professional("coordinator@buurtteam.example", buurtteam),
        "worker": make_professional(
            "Worker@VeiligThuis.example", veilig_thuis, ProfessionalRole.PROFESSIONAL
        ),
    }


def household() -> list[dict]:
    """Two families: the Bakkers (mother, father, child) and the Haddads (mother, unborn)."""
    return [
        person(bsn=VALID_BSN),
        person(person_ref="P2", given_names="Bram", gender="m", birth_date="1988-09-30"),
        person(
            person_ref="P3",
            role="kind",
            given_names="Cas",
            gender="m",
            birth_date="15-02-2016",
            languages="nl;en",
        ),
        person(
            family_ref="F2",
            person_ref="P4",
            surname="Haddad",
            given_names="Layla",
            birth_date="1995-01-01",
            street="Dorpsweg",
            house_number="3",
            house_number_suffix="bis",
            postcode="1011ab",
            city="Amsterdam",
            gemeentecode="363",
            languages="ar, nl",
            interpreter_needed="ja",
        ),
        person(
            family_ref="F2",
            person_ref="P5",
            role="ongeboren",
            surname="Haddad",
            given_names="",
            birth_date=(TODAY + timedelta(days=60)).isoformat(),
            gender="",
            street="Dorpsweg",
            house_number="3",
            house_number_suffix="bis",
            postcode="1011ab",
            city="Amsterdam",
            gemeentecode="363",
        ),
    ]


def support() -> list[dict]:
    return [
        involvement(),
        involvement(
            organisation="Veilig Thuis Utrecht",
            professional_email="worker@veiligthuis.example",
            role="Onderzoek",
            domains="safety",
            legal_basis="veilig_thuis",
            coordinator="nee",
        ),
        involvement(
            family_ref="F2",
            professional_email="",
            role="Buurtteam",
            domains="",
            legal_basis="consent",
            start_date="01-03-2025",
            coordinator="",
        ),
    ]


# --- a good import --------------------------------------------------------------------


def test_import_creates_families_persons_and_involvements(region):
    report = run(household(), support())

    assert report.rejected == []
    assert (report.persons.created, report.persons.rejected) == (5, 0)
    assert (report.involvements.created, report.involvements.rejected) == (3, 0)
    assert report.families.created == 2

    bakker = Family.objects.get(reference="F1")
    assert bakker.name == "Gezin Bakker"
    assert (bakker.street, bakker.house_number, bakker.postcode) == ("Kerkstraat", 12, "3511AB")
    assert bakker.municipality.code == "0344"
    roles = dict(bakker.memberships.values_list("person__reference", "role"))
    assert roles == {"P1": "parent", "P2": "parent", "P3": "child"}
    child = Person.objects.get(reference="P3")
    assert child.birth_date == date(2016, 2, 15)
    assert child.languages == ["nl", "en"]
    mother = Person.objects.get(reference="P1")
    assert mother.bsn_pseudonym == pseudonymise_bsn(VALID_BSN)
    assert decrypt_bsn(mother.bsn_encrypted) == VALID_BSN

    haddad = Family.objects.get(reference="F2")
    assert (haddad.municipality.code, haddad.postcode, haddad.house_number_suffix) == (
        "0363",
        "1011AB",
        "bis",
    )
    layla = Person.objects.get(reference="P4")
    assert (layla.languages, layla.interpreter_needed) == (["ar", "nl"], True)
    assert haddad.memberships.get(person__reference="P5").role == "unborn"

    coordinator = Involvement.objects.get(family=bakker, is_coordinator=True)
    assert coordinator.professional == region["coordinator"]
    assert coordinator.domains == ["finances", "housing"]
    worker = Involvement.objects.get(family=bakker, is_coordinator=False)
    assert worker.professional == region["worker"]  # email matched case-insensitively
    organisation_level = Involvement.objects.get(family=haddad)
    assert organisation_level.professional is None
    assert organisation_level.start_date == date(2025, 3, 1)


def test_import_leaves_timeline_and_one_audit_event_per_family(region):
    run(household(), support())

    bakker = Family.objects.get(reference="F1")
    kinds = sorted(bakker.events.values_list("code", flat=True))
    assert kinds == [
        "family.coordinator_registered",
        "family.created_by_import",
        "family.involvement_registered_in_domain",
    ]
    events = AuditEvent.objects.filter(action=AuditAction.IMPORT)
    assert events.count() == 2
    event = events.get(family_id=bakker.pk)
    assert event.user_display == "system: test" and event.role == "system"
    people = Person.objects.filter(reference__in=["P1", "P2", "P3"])
    assert event.person_ids == sorted(p.pk for p in people)
    assert event.detail["family"] == "created"
    assert VALID_BSN not in json.dumps(event.detail)


def test_reimport_changes_nothing(region):
    run(household(), support())
    before = counts()

    report = run(household(), support())

    assert counts() == before
    assert report.rejected == []
    assert (report.persons.unchanged, report.persons.created, report.persons.updated) == (5, 0, 0)
    assert (report.involvements.unchanged, report.involvements.created) == (3, 0)
    assert (report.families.unchanged, report.families.created, report.families.updated) == (
        2,
        0,
        0,
    )


def test_a_closed_file_takes_nothing_from_an_import(region):
    run(household(), support())
    Family.objects.filter(reference="F2").update(closed_at=timezone.now(), closed_reason="Klaar.")
    rows = household()
    for row in rows[3:]:
        row["house_number"] = "5"
    before = counts()

    report = run(rows, support())

    f2_lines = {line for _file, line, field in rejected(report) if field == "family_ref"}
    assert f2_lines and counts() == before
    assert Family.objects.get(reference="F2").house_number != 5
    assert "closed" in reason(report, min(f2_lines), "family_ref")
    assert report.families.unchanged == 1  # F1 went on as usual


def test_changed_values_are_updated(region):
    run(household(), support())
    rows = household()
    rows[1]["given_names"] = "Bram Jan"
    for row in rows[3:]:
        row["house_number"] = "5"
    changed = support()
    changed[1]["domains"] = "safety;domestic_relations"
    audit_before = AuditEvent.objects.count()

    report = run(rows, changed)

    assert (report.persons.updated, report.persons.unchanged) == (1, 4)
    assert (report.families.updated, report.families.unchanged) == (1, 1)
    assert (report.involvements.updated, report.involvements.unchanged) == (1, 2)
    assert Person.objects.get(reference="P2").given_names == "Bram Jan"
    assert Family.objects.get(reference="F2").house_number == 5
    # One audit event per family that changed, none for what stayed the same.
    assert AuditEvent.objects.count() == audit_before + 2


def test_dry_run_checks_everything_and_saves_nothing(region):
    before = counts()

    report = run(household(), support(), dry_run=True)

    assert report.dry_run
    assert (report.persons.created, report.involvements.created) == (5, 3)
    assert counts() == before


# --- bad rows are reported, good rows kept -----------------------------------------------


def test_invalid_bsn_is_rejected_without_repeating_it(region):
    rows = household()
    rows[1]["bsn"] = INVALID_BSN

    report = run(rows)

    assert rejected(report) == [("persons.csv", 3, "bsn")]
    assert "11-proef" in reason(report, 3, "bsn")
    assert INVALID_BSN not in json.dumps(report.as_dict())
    assert report.persons.created == 4
    assert not Person.objects.filter(reference="P2").exists()


def test_bsn_in_the_wrong_column_is_not_repeated(region):
    rows = household()
    rows[1]["birth_date"] = VALID_BSN
    rows[2]["languages"] = VALID_BSN

    report = run(rows)

    assert rejected(report) == [("persons.csv", 3, "birth_date"), ("persons.csv", 4, "languages")]
    assert VALID_BSN not in json.dumps(report.as_dict())


def test_birth_date_in_the_future_is_rejected(region):
    rows = household()
    rows[2]["birth_date"] = (TODAY + timedelta(days=1)).isoformat()

    report = run(rows)

    assert rejected(report) == [("persons.csv", 4, "birth_date")]
    assert "future" in reason(report, 4, "birth_date")
    assert report.persons.created == 4


def test_an_empty_gemeentecode_is_no_municipality(region):
    rows = household()
    for row in rows:
        row["gemeentecode"] = ""

    report = run(rows)

    assert rejected(report) == []
    assert Family.objects.get(reference="F1").municipality is None


@pytest.mark.parametrize("born", ["1901-03-04", "01-01-1900", "1900-01-01"])
def test_every_real_date_of_birth_from_1900_is_accepted(region, born):
    rows = household()
    rows[0]["birth_date"] = born  # a great-grandmother raising the children

    report = run(rows)

    assert rejected(report) == []
    assert Person.objects.get(reference="P1").birth_date.year in {1900, 1901}


def test_a_date_of_birth_before_1900_is_rejected_naming_the_row_and_field(region):
    rows = household()
    rows[0]["birth_date"] = "1899-12-31"

    report = run(rows)

    assert rejected(report) == [("persons.csv", 2, "birth_date")]
    assert reason(report, 2, "birth_date") == "This date is before 1900."


def test_an_unborn_childs_expected_date_is_today_or_later(region):
    rows = household()
    rows[4]["birth_date"] = TODAY.isoformat()
    assert rejected(run(rows)) == []

    rows[4]["birth_date"] = (TODAY - timedelta(days=1)).isoformat()
    report = run(rows)
    assert rejected(report) == [("persons.csv", 6, "birth_date")]
    assert "unborn" in reason(report, 6, "birth_date")


def test_adding_a_member_by_hand_follows_the_same_date_of_birth_rule():
    old = services.PersonData(surname="Bakker", birth_date=date(1900, 1, 1))
    services.validate_person(old, role="parent", family=None, today=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.validate_person(
            services.PersonData(surname="Bakker", birth_date=date(1899, 12, 31)),
            role="parent",
            family=None,
            today=TODAY,
        )
    assert refused.value.message_dict == {"birth_date": ["This date is before 1900."]}


def test_child_older_than_parent_is_rejected(region):
    rows = household()
    rows[2]["birth_date"] = "1980-01-01"

    report = run(rows)

    # One reason per parent that is younger than the child.
    assert rejected(report) == [("persons.csv", 4, "birth_date")] * 2
    assert "parent" in reason(report, 4, "birth_date")
    assert Family.objects.get(reference="F1").memberships.count() == 2


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("role", "oom", "Unknown role"),
        ("gemeentecode", "9999", "Unknown gemeentecode"),
        ("gemeentecode", "Utrecht", "four digits"),
        ("postcode", "35111", "postcode"),
        ("house_number", "12a", "house_number_suffix"),
        ("birth_date", "1990/04/12", "YYYY-MM-DD"),
        ("birth_date", "31-02-1990", "does not exist"),
        ("gender", "vrouwelijk", "f (or v)"),
        ("interpreter_needed", "misschien", "ja/nee, j/n"),
        ("surname", "", "required"),
        ("person_ref", "", "required"),
        ("surname", "B" * 201, "At most 200"),
        ("prefix", "van" * 10, "At most 20"),
        ("given_names", "An\tna", "control characters"),
        ("street", "Kerk\x07straat", "control characters"),
    ],
)
def test_bad_cells_are_reported_with_line_field_and_reason(region, column, value, expected):
    rows = household()
    rows[1][column] = value

    report = run(rows)

    assert rejected(report) == [("persons.csv", 3, column)]
    assert expected in reason(report, 3, column)
    assert report.persons.rejected == 1
    assert report.persons.created == 4


def test_unknown_organisation_and_professional_are_rejected(region):
    rows = support()
    rows[0]["organisation"] = "buurtteam noord"
    rows[1]["professional_email"] = "nobody@example.org"
    rows.append(involvement(family_ref="F2", professional_email="worker@veiligthuis.example"))
    rows.append(involvement(family_ref="F9"))

    report = run(household(), rows)

    assert rejected(report) == [
        ("involvements.csv", 2, "organisation"),
        ("involvements.csv", 3, "professional_email"),
        ("involvements.csv", 5, "professional_email"),
        ("involvements.csv", 6, "family_ref"),
    ]
    assert "did you mean 'Buurtteam Noord'" in reason(report, 2, "organisation")
    assert "Veilig Thuis Utrecht" in reason(report, 5, "professional_email")
    assert report.involvements.created == 1


def test_unknown_domain_and_legal_basis_and_future_start_are_rejected(region):
    rows = support()
    rows[0]["domains"] = "housing;wonen"
    rows[1]["legal_basis"] = "wet"
    rows[2]["start_date"] = (TODAY + timedelta(days=1)).isoformat()

    report = run(household(), rows)

    assert rejected(report) == [
        ("involvements.csv", 2, "domains"),
        ("involvements.csv", 3, "legal_basis"),
        ("involvements.csv", 4, "start_date"),
    ]
    assert "wonen" in reason(report, 2, "domains")


def test_second_coordinator_is_rejected(region):
    other = make_professional("other@buurtteam.example", region["buurtteam"])
    rows = support() + [involvement(professional_email=other.email, role="Regisseur")]

    report = run(household(), rows)

    assert rejected(report) == [("involvements.csv", 5, "coordinator")]
    assert "already has a coordinator" in reason(report, 5, "coordinator")
    family = Family.objects.get(reference="F1")
    assert family.involvements.get(is_coordinator=True).professional == region["coordinator"]

    # Also against a coordinator that is already in Rits.
    report = run(household(), [involvement(professional_email=other.email, role="Regisseur")])
    assert rejected(report) == [("involvements.csv", 2, "coordinator")]


def test_coordination_can_be_handed_over_in_one_file(region):
    other = make_professional("other@buurtteam.example", region["buurtteam"])
    run(household(), support())
    rows = support()
    # The new coordinator comes first in the file; the hand-over still works.
    rows.insert(0, involvement(professional_email=other.email, role="Regisseur"))
    rows[1]["coordinator"] = "nee"

    report = run(household(), rows)

    assert report.rejected == []
    family = Family.objects.get(reference="F1")
    # Issue 9 #3: the family already existed, so the new coordinator waits for approval.
    assert not family.involvements.filter(is_coordinator=True).exists()
    waiting = Involvement.all_objects.get(family=family, is_coordinator=True)
    assert waiting.professional == other and waiting.approval == "pending"
    officer = make_professional("po@buurtteam.example", region["buurtteam"], "privacy_officer")
    services.decide_involvement(user=officer.user, involvement_id=waiting.pk, approve=True)
    assert family.involvements.get(is_coordinator=True).professional == other


def test_coordinator_must_be_a_professional(region):
    report = run(household(), [involvement(professional_email="")])

    assert rejected(report) == [("involvements.csv", 2, "professional_email")]


def test_duplicate_person_in_family_is_rejected(region):
    rows = household()
    rows.append(person(person_ref="P1b"))  # Anna Bakker again under another reference
    rows.append(person(person_ref="P2", given_names="Bram"))  # same reference twice

    report = run(rows)

    assert rejected(report) == [("persons.csv", 7, "surname"), ("persons.csv", 8, "person_ref")]


def test_person_in_two_families_needs_the_same_details(region):
    rows = household()
    rows.append(dict(rows[2], family_ref="F2", street="Dorpsweg", house_number="3"))
    rows[-1].update(house_number_suffix="bis", postcode="1011AB", gemeentecode="0363")
    rows.append(dict(rows[1], family_ref="F2", given_names="Bram Jan"))
    rows[-1].update(house_number_suffix="bis", postcode="1011AB", gemeentecode="0363")
    rows[-1].update(street="Dorpsweg", house_number="3", city="Amsterdam")

    report = run(rows)

    assert rejected(report) == [("persons.csv", 8, "person_ref")]
    cas = Person.objects.get(reference="P3")
    assert set(cas.memberships.values_list("family__reference", flat=True)) == {"F1", "F2"}


def test_bsn_of_a_person_added_by_hand_links_instead_of_duplicating(region):
    existing = Person.objects.create(
        surname="Bakker",
        given_names="Anna",
        birth_date=date(1990, 4, 12),
        bsn_pseudonym=pseudonymise_bsn(VALID_BSN),
    )

    report = run(household())

    assert report.rejected == []
    existing.refresh_from_db()
    assert existing.reference == "P1"
    assert Person.objects.filter(bsn_pseudonym=pseudonymise_bsn(VALID_BSN)).count() == 1


def test_bsn_of_another_imported_person_is_rejected(region):
    rows = household()
    rows[1]["bsn"] = VALID_BSN  # the same BSN as P1

    report = run(rows)

    assert rejected(report) == [("persons.csv", 3, "bsn")]
    assert "P1" in reason(report, 3, "bsn")
    assert VALID_BSN not in json.dumps(report.as_dict())


def test_conflicting_addresses_take_the_first_and_warn(region):
    rows = household()
    rows[1].update(street="Andere straat", postcode="3512 CD")

    report = run(rows)

    assert report.rejected == []
    assert [(w.line, w.field) for w in report.warnings] == [(3, "street")]
    assert "line 2" in report.warnings[0].reason
    assert Family.objects.get(reference="F1").street == "Kerkstraat"


# --- the file -----------------------------------------------------------------------------


def test_missing_columns_reject_the_whole_file(region):
    columns = [c for c in PERSON_COLUMNS if c not in {"birth_date", "city"}]
    report = run(ImportSource("persons.csv", csv_bytes(household(), columns=columns)))

    assert report.unreadable
    assert rejected(report) == [("persons.csv", 1, None)]
    assert "birth_date, city" in report.persons.error
    assert Family.objects.count() == 0


def test_unreadable_involvements_file_stops_everything(region):
    columns = [c for c in INVOLVEMENT_COLUMNS if c != "legal_basis"]
    report = run(household(), ImportSource("inv.csv", csv_bytes(support(), columns=columns)))

    assert report.unreadable
    assert "legal_basis" in report.involvements.error
    assert Family.objects.count() == 0


def test_header_without_any_known_column_is_explained(region):
    data = b"F1,P1,parent,Bakker\nF2,P2,child,Jansen\n"

    report = run(ImportSource("persons.csv", data))

    assert "header" in report.persons.error


def test_semicolon_delimiter_bom_and_header_case_are_accepted(region):
    data = csv_bytes(household(), delimiter=";", bom=True)
    header, rest = data.split(b"\r\n", 1)
    data = header.upper().replace(b"FAMILY_REF", b" Family_Ref ") + b"\r\n" + rest

    report = run(ImportSource("persons.csv", data))

    assert report.rejected == []
    assert report.persons.created == 5


def test_excel_sep_line_is_understood(region):
    data = b"sep=;\r\n" + csv_bytes(household(), delimiter=";")

    report = run(ImportSource("persons.csv", data))

    assert report.rejected == [] and report.persons.created == 5


def test_extra_columns_are_ignored_with_a_warning(region):
    columns = PERSON_COLUMNS + ("notes",)
    rows = [dict(r, notes="let op") for r in household()]

    report = run(ImportSource("persons.csv", csv_bytes(rows, columns=columns)))

    assert report.rejected == []
    assert [(w.line, w.field) for w in report.warnings] == [(1, "notes")]


def test_latin1_file_is_refused_naming_the_line(region):
    rows = household()
    rows[2]["given_names"] = "Cécile"
    data = csv_bytes(rows).decode().encode("latin-1")

    report = run(ImportSource("persons.csv", data))

    assert report.unreadable
    assert rejected(report) == [("persons.csv", 4, None)]
    assert "UTF-8" in report.persons.error and "line 4" in report.persons.error
    assert Person.objects.count() == 0


def test_broken_quotes_reject_only_that_line(region):
    data = csv_bytes(household()).decode().split("\r\n")
    data[2] = data[2].replace("Bram", '"Bram', 1)  # never closed
    data[3] = data[3].replace("Cas", '"Ca"s', 1)  # text after a closing quote

    report = run(ImportSource("persons.csv", "\r\n".join(data).encode()))

    assert rejected(report) == [("persons.csv", 3, None), ("persons.csv", 4, None)]
    assert "quotes" in reason(report, 3, None)
    assert report.persons.created == 3


def test_wrong_number_of_cells_is_a_row_error(region):
    data = csv_bytes(household()).decode().split("\r\n")
    data[2] += ",extra"

    report = run(ImportSource("persons.csv", "\r\n".join(data).encode()))

    assert rejected(report) == [("persons.csv", 3, None)]
    assert report.persons.rows == 5


def test_right_to_left_and_emoji_names_are_stored_exactly(region):
    rows = household()
    rows[3]["given_names"] = "ليلى"
    rows[3]["surname"] = "حداد\u200f"
    rows[4]["surname"] = "Haddad 🌟👩\u200d👧"

    report = run(rows)

    assert report.rejected == []
    assert Person.objects.get(reference="P4").given_names == "ليلى"
    assert Person.objects.get(reference="P4").surname == "حداد\u200f"
    assert Person.objects.get(reference="P5").surname == "Haddad 🌟👩\u200d👧"
    assert run(rows).persons.unchanged == 5


def test_html_and_formula_like_cells_are_stored_as_text(region):
    rows = household()
    rows[0]["surname"] = "<script>alert('x')</script>"
    rows[0]["street"] = '=HYPERLINK("http://x")'
    rows[1]["given_names"] = "@Bram"
    inv = support()
    inv[0]["role"] = "<b>Gezinsregisseur</b>"

    report = run(rows, inv)

    assert report.rejected == []
    assert Person.objects.get(reference="P1").surname == "<script>alert('x')</script>"
    assert Person.objects.get(reference="P2").given_names == "@Bram"
    assert Family.objects.get(reference="F1").street == '=HYPERLINK("http://x")'
    assert Involvement.objects.get(is_coordinator=True).role == "<b>Gezinsregisseur</b>"


# --- the command --------------------------------------------------------------------------


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_command_prints_summary_and_rejected_rows(region, tmp_path):
    rows = household()
    rows[1]["birth_date"] = "2999-01-01"
    persons = write(tmp_path, "persons.csv", csv_bytes(rows))
    involvements = write(tmp_path, "involvements.csv", csv_bytes(support(), INVOLVEMENT_COLUMNS))
    out = StringIO()

    call_command("import_families", persons, "--involvements", involvements, stdout=out)

    output = out.getvalue()
    assert "persons.csv: 5 rows: 4 created, 0 updated, 0 unchanged, 1 rejected" in output
    assert "involvements.csv: 3 rows: 3 created" in output
    assert "persons.csv line 3, field birth_date: " in output
    event = AuditEvent.objects.filter(action=AuditAction.IMPORT).first()
    assert event.user_display == "system: import_families command" and event.user_id is None


def test_command_dry_run_saves_nothing(region, tmp_path):
    persons = write(tmp_path, "persons.csv", csv_bytes(household()))
    out = StringIO()

    call_command("import_families", persons, "--dry-run", stdout=out)

    assert "5 created" in out.getvalue()
    assert Person.objects.count() == 0


def test_command_fails_only_for_an_unreadable_file(region, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_families", str(tmp_path / "missing.csv"), stdout=StringIO())
    latin1 = write(tmp_path, "persons.csv", "family_ref\né\n".encode("latin-1"))
    with pytest.raises(CommandError):
        call_command("import_families", latin1, stdout=StringIO())


# --- the API ------------------------------------------------------------------------------


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        # A professional who has passed the second factor.
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def upload(rows=None, involvement_rows=None, **extra) -> dict:
    data = {"persons": SimpleUploadedFile("persons.csv", csv_bytes(rows or household()))}
    if involvement_rows is not None:
        data["involvements"] = SimpleUploadedFile(
            "involvements.csv", csv_bytes(involvement_rows, INVOLVEMENT_COLUMNS)
        )
    data.update(extra)
    return data


@pytest.fixture
def administrator(region):
    return make_professional("admin@buurtteam.example", region["buurtteam"], "administrator")


def test_api_administrator_gets_the_report(region, administrator):
    rows = household()
    rows[1]["bsn"] = INVALID_BSN

    response = api_client(administrator.user).post(URL, upload(rows, support()))

    assert response.status_code == 200
    body = response.json()
    assert body["persons"]["created"] == 4 and body["persons"]["rejected"] == 1
    assert body["involvements"]["created"] == 3
    assert body["families"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert body["rejected"][0]["file"] == "persons.csv"
    assert body["rejected"][0]["line"] == 3
    assert body["rejected"][0]["field"] == "bsn"
    assert INVALID_BSN not in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.IMPORT).first()
    assert event.user_id == administrator.user.pk
    assert event.organisation_id == region["buurtteam"].pk
    assert FamilyEvent.objects.filter(actor=administrator.user).exists()


def test_api_dry_run(region, administrator):
    response = api_client(administrator.user).post(URL, upload(dry_run="true"))

    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert Person.objects.count() == 0


def test_api_refuses_a_professional_who_is_not_administrator(region):
    response = api_client(region["coordinator"].user).post(URL, upload())

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert Person.objects.count() == 0


def test_api_refuses_anonymous_and_unverified_users(region, administrator):
    assert api_client().post(URL, upload()).status_code in (401, 403)
    client = APIClient()
    client.force_login(administrator.user)  # password only, no second factor
    assert client.post(URL, upload()).status_code in (401, 403)
    assert Person.objects.count() == 0


def test_api_unreadable_file_is_a_problem(region, administrator):
    data = {"persons": SimpleUploadedFile("persons.csv", "family_ref\né\n".encode("latin-1"))}

    response = api_client(administrator.user).post(URL, data)

    assert response.status_code == 400
    body = response.json()
    assert body["invalid_params"][0]["name"] == "persons"
    assert "UTF-8" in body["invalid_params"][0]["reason"]


def test_api_limits_the_file_size(region, administrator, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)

    response = api_client(administrator.user).post(URL, upload())

    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "persons"
    assert Person.objects.count() == 0


def test_api_requires_the_persons_file(region, administrator):
    response = api_client(administrator.user).post(URL, {})

    assert response.status_code == 400


# --- writing in bulk ------------------------------------------------------------------------


def caseload(families: int) -> list[dict]:
    rows = []
    for n in range(families):
        ref = f"B{n:03d}"
        rows.append(person(family_ref=ref, person_ref=f"{ref}-1", given_names=f"Ouder {n}"))
        rows.append(
            person(
                family_ref=ref,
                person_ref=f"{ref}-2",
                role="child",
                given_names=f"Kind {n}",
                birth_date="2015-05-05",
            )
        )
    return rows


def test_queries_do_not_grow_with_the_rows(region, django_assert_max_num_queries):
    involvements = [involvement(family_ref=f"B{n:03d}") for n in range(40)]
    # Everything in bulk; per family only its audit event (a savepoint, the chain's head,
    # the event, the new head: about six statements).
    with django_assert_max_num_queries(60 + 40 * 6):
        report = run(caseload(40), involvements)
    assert report.persons.created == 80 and report.involvements.created == 40

    with django_assert_max_num_queries(20):
        report = run(caseload(40), involvements)
    assert report.persons.unchanged == 80 and report.involvements.unchanged == 40


def test_conflict_while_importing_costs_only_that_family(region, monkeypatch):
    # Loading what exists is the planner's (importing/plan.py).
    load_existing = importing.plan._Planner.load_existing

    def someone_else_adds_p2(self, *args):
        load_existing(self, *args)
        # Another import (or a colleague) creates the same person at the same moment.
        Person.objects.create(reference="P2", surname="Bakker", birth_date=date(1988, 9, 30))

    monkeypatch.setattr(importing.plan._Planner, "load_existing", someone_else_adds_p2)

    report = run(household(), support())

    assert {(p.file, p.line) for p in report.rejected} == {
        ("persons.csv", 2),
        ("persons.csv", 3),
        ("persons.csv", 4),
        ("involvements.csv", 2),
        ("involvements.csv", 3),
    }
    assert "at the same time" in report.rejected[0].reason
    assert not Family.objects.filter(reference="F1").exists()
    assert Family.objects.get(reference="F2").memberships.count() == 2
    assert report.families.created == 1


def test_existing_family_gets_new_members_roles_and_involvements(region):
    run(household())
    rows = household()
    rows[1]["role"] = "stiefouder"  # Bram turns out to be Cas's step-father
    rows.append(person(person_ref="P6", role="child", given_names="Dirk", birth_date="2018-07-01"))

    report = run(rows, support()[:1])

    assert report.rejected == []
    assert (report.persons.created, report.persons.updated) == (1, 1)
    family = Family.objects.get(reference="F1")
    assert family.memberships.get(person__reference="P2").role == "step_parent"
    kinds = sorted(family.events.values_list("code", flat=True))
    # Issue 9 #3: the involvement on the existing family waits for approval; it enters
    # the timeline when it is approved.
    assert kinds == ["family.created_by_import", "family.member_imported"]
    assert Involvement.all_objects.filter(family=family, approval="pending").count() == 1


def test_the_examples_in_the_documentation_import_cleanly(region):
    docs = (Path(__file__).resolve().parents[4] / "docs" / "import-format.md").read_text()
    persons_csv, involvements_csv = re.findall(r"```csv\n(.*?)```", docs, re.DOTALL)
    make_professional("s.dekker@buurtteam.example", region["buurtteam"])
    make_professional("m.jansen@veiligthuis.example", region["veilig_thuis"])

    report = run(
        ImportSource("persons.csv", persons_csv.encode()),
        ImportSource("involvements.csv", involvements_csv.encode()),
        today=date(2026, 12, 1),
    )

    assert report.rejected == [] and report.warnings == []
    assert (report.persons.created, report.involvements.created) == (5, 3)
    assert Family.objects.get(reference="F-1001").involvements.filter(is_coordinator=True).exists()


# --- issue 9 #3: an import gives no one access on its own --------------------------------
# It never registers the importing user, an involvement on a family that already exists
# waits for the approval of the family's coordinator or a privacy officer, and a dry run
# reveals no existence.


def as_admin(administrator) -> dict:
    return {"actor": Actor.for_user(administrator.user), "user": administrator.user}


def test_an_import_cannot_register_the_importing_user(region, administrator):
    rows = [involvement(professional_email="Admin@Buurtteam.example", coordinator="nee")]
    report = run(household(), rows, **as_admin(administrator))
    assert [(p.file, p.line, p.field) for p in report.rejected] == [
        ("involvements.csv", 2, "professional_email")
    ]
    assert "yourself" in report.rejected[0].reason
    assert not Involvement.all_objects.filter(professional=administrator).exists()
    # and not through the API either
    response = api_client(administrator.user).post(URL, upload(household(), rows))
    assert response.status_code == 200
    assert response.json()["rejected"][0]["field"] == "professional_email"
    assert not Involvement.all_objects.filter(professional=administrator).exists()
    with pytest.raises(FamilyNotFound):
        grant_for(administrator.user, Family.objects.get(reference="F1").pk)


@pytest.fixture
def existing(region, administrator):
    """F1 and F2 are in Rits; then an import adds a colleague of the administrator to F1."""
    run(household(), support())
    colleague = make_professional(
        "colleague@buurtteam.example", region["buurtteam"], "professional"
    )
    rows = [involvement(professional_email=colleague.email, role="Extra", coordinator="nee")]
    report = run(household(), rows, **as_admin(administrator))
    return {"report": report, "colleague": colleague, "family": Family.objects.get(reference="F1")}


def test_an_involvement_on_an_existing_family_waits_and_gives_no_access(existing):
    family, colleague = existing["family"], existing["colleague"]
    assert existing["report"].rejected == []
    assert any("approval" in w.reason for w in existing["report"].warnings)
    waiting = Involvement.all_objects.get(professional=colleague)
    assert waiting.approval == "pending"
    # no access anywhere: one family, lists, the inbox's grants, the family's own file
    with pytest.raises(FamilyNotFound):
        grant_for(colleague.user, family.pk)
    assert not visible_families(colleague.user).exists()
    assert grants_by_family(colleague) == {}
    assert not family.involvements.filter(professional=colleague).exists()
    assert not any("Extra" in e.text for e in FamilyEvent.objects.filter(family=family))
    imports = AuditEvent.objects.filter(family_id=family.pk, action="import")
    assert [waiting.pk] in [e.detail.get("involvements_pending") for e in imports]


def test_the_coordinator_approves_and_outsiders_are_refused(existing, region, client):
    family, colleague = existing["family"], existing["colleague"]
    waiting = Involvement.all_objects.get(professional=colleague)
    decide = reverse("families:decide-involvement", args=[waiting.pk])
    pending = reverse("families:pending-involvements")
    outsider = make_professional("x@buurtteam.example", region["buurtteam"], "professional")
    # neither an outsider, nor someone involved who is not the coordinator, nor the
    # professional it is about
    for other in (outsider, region["worker"], colleague):
        login_verified(client, other.user)
        assert client.get(pending).status_code == 404
        assert client.post(decide, {"decision": "approve"}).status_code == 404
    assert Involvement.all_objects.get(pk=waiting.pk).approval == "pending"

    login_verified(client, region["coordinator"].user)
    page = client.get(pending)
    assert page.status_code == 200 and b"Extra" in page.content
    assert AuditEvent.objects.filter(object_type="involvement.pending", family_id=family.pk)
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.approval == "approved"
    assert waiting.approval_decided_by == region["coordinator"]
    assert grant_for(colleague.user, family.pk).family == family
    assert FamilyEvent.objects.filter(
        family=family, code__startswith="family.involvement_registered"
    ).exists()
    assert AuditEvent.objects.filter(
        object_type="involvement", object_id=waiting.pk, detail__approval="approved"
    ).exists()
    # decided once
    assert client.post(decide, {"decision": "reject"}).status_code == 404


def test_an_involvement_waiting_on_a_closed_file_is_not_approved(existing, region, client):
    family, colleague = existing["family"], existing["colleague"]
    waiting = Involvement.all_objects.get(professional=colleague)
    coordinator = region["coordinator"]
    services.close_file(
        user=coordinator.user, grant=grant_for(coordinator.user, family.pk), reason="Afgerond."
    )
    login_verified(client, coordinator.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    decide = reverse("families:decide-involvement", args=[waiting.pk])
    response = client.post(decide, {"decision": "approve"}, follow=True)
    assert "This family&#x27;s file is closed. Reopen it first." in response.content.decode()
    assert Involvement.all_objects.get(pk=waiting.pk).approval == "pending"
    with pytest.raises(FamilyNotFound):
        grant_for(colleague.user, family.pk)
    # rejecting still ends the wait
    assert client.post(decide, {"decision": "reject"}).status_code == 302
    assert Involvement.all_objects.get(pk=waiting.pk).approval == "rejected"


def test_a_privacy_officer_rejects(existing, region, client):
    family, colleague = existing["family"], existing["colleague"]
    waiting = Involvement.all_objects.get(professional=colleague)
    officer = make_professional("po@buurtteam.example", region["buurtteam"], "privacy_officer")
    login_verified(client, officer.user)
    assert b"Extra" in client.get(reverse("families:pending-involvements")).content
    response = client.post(
        reverse("families:decide-involvement", args=[waiting.pk]), {"decision": "reject"}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.approval == "rejected" and waiting.end_date is not None
    with pytest.raises(FamilyNotFound):
        grant_for(colleague.user, family.pk)
    # importing the same file again does not bring it back
    run(
        household(),
        [involvement(professional_email=colleague.email, role="Extra", coordinator="nee")],
    )
    assert Involvement.all_objects.get(pk=waiting.pk).approval == "rejected"


def test_involvements_on_families_created_by_the_same_import_are_active(region, administrator):
    run(household(), support(), **as_admin(administrator))
    family = Family.objects.get(reference="F1")
    assert grant_for(region["coordinator"].user, family.pk).is_coordinator
    assert not Involvement.all_objects.exclude(approval="approved").exists()


def test_a_dry_run_reads_the_same_for_an_existing_reference_as_for_a_new_one(region, administrator):
    run(household(), support())  # F1 and F2 exist; the administrator sees neither
    colleague = make_professional(
        "colleague@buurtteam.example", region["buurtteam"], "professional"
    )

    def dry_run(family_ref: str) -> dict:
        rows = [dict(r, family_ref=family_ref) for r in household() if r["family_ref"] == "F1"]
        rows = [dict(r, person_ref=f"{family_ref}-{r['person_ref']}") for r in rows]
        extra = [
            involvement(
                family_ref=family_ref,
                professional_email=colleague.email,
                role="Extra",
                coordinator="ja",
            )
        ]
        return run(rows, extra, dry_run=True, **as_admin(administrator)).as_dict()

    existing, new = dry_run("F1"), dry_run("F-NEW")
    assert existing == new
    assert existing["families"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert existing["rejected"] == []
    # nothing was kept, not even what a dry run writes to check
    assert not Family.objects.filter(reference="F-NEW").exists()
    assert not Involvement.all_objects.filter(professional=colleague).exists()
