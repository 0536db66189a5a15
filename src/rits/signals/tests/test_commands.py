"""The command line: import_signals, issue_signal_token, process_signal_batches, and the
demo's API keys."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rits.audit.services import Actor
from rits.signals.intake import services
from rits.signals.models import BatchStatus, Signal, SignalBatch, SignalSourceToken

from .conftest import token_client
from .helpers import INVALID_BSN, csv_bytes, csv_text, rows, signal_row

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_import_signals_prints_the_counts_and_the_rejected_rows(landlord, tmp_path):
    path = tmp_path / "huur.csv"
    data = rows(3) + [signal_row(reference="BAD", bsn=INVALID_BSN, crisis="?")]
    path.write_bytes(csv_bytes(data))

    output = run("import_signals", str(path), source=landlord.name)

    assert "huur.csv: 4 rows: 3 accepted, 0 duplicates, 1 rejected" in output
    assert "line 5, field crisis: Use true or false" in output
    assert "line 5, field bsn: This is not a valid BSN (it fails the 11-proef)." in output
    assert INVALID_BSN not in output
    batch = SignalBatch.objects.get()
    assert batch.status == BatchStatus.DONE and batch.token is None
    assert Signal.objects.filter(source=landlord).count() == 3

    again = run("import_signals", str(path), source=str(landlord.pk))
    assert "4 rows: 0 accepted, 3 duplicates, 1 rejected" in again
    assert Signal.objects.count() == 3


def test_import_signals_fails_on_an_unreadable_file(landlord, tmp_path):
    path = tmp_path / "huur.csv"
    path.write_bytes(csv_text(rows(1)).replace("Haile", "Hailé").encode("latin-1"))
    with pytest.raises(CommandError, match="could not be read"):
        run("import_signals", str(path), source=landlord.name)
    assert SignalBatch.objects.get().status == BatchStatus.FAILED


def test_import_signals_needs_a_known_source_and_a_readable_file(landlord, tmp_path):
    path = tmp_path / "huur.csv"
    path.write_bytes(csv_bytes(rows(1)))
    with pytest.raises(CommandError, match="No organisation"):
        run("import_signals", str(path), source="Woonstichting Onbekend")
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_signals", str(tmp_path / "missing.csv"), source=landlord.name)
    assert not SignalBatch.objects.exists()


def test_import_signals_refuses_a_file_above_the_limit(landlord, tmp_path, settings):
    settings.SIGNAL_MAX_UPLOAD_MB = 1
    path = tmp_path / "huur.csv"
    path.write_bytes(csv_bytes(rows(12_000)))
    with pytest.raises(CommandError, match="larger than 1 MB"):
        run("import_signals", str(path), source=landlord.name)


def test_issue_signal_token_prints_a_key_that_works_once_shown(landlord):
    output = run("issue_signal_token", source=landlord.name, name="nightly export")
    key = output.strip().splitlines()[-1]
    token = SignalSourceToken.objects.get()
    assert token.name == "nightly export" and token.organisation == landlord
    assert key not in token.token_hash
    response = token_client(key).post("/api/v1/signals", signal_row(), format="json")
    assert response.status_code == 201

    output = run("revoke_signal_token", token.prefix)
    assert "Revoked" in output and landlord.name in output
    response = token_client(key).post("/api/v1/signals", signal_row(reference="R2"), format="json")
    assert response.status_code == 401
    with pytest.raises(CommandError, match="No active key"):
        run("revoke_signal_token", token.prefix)


def test_process_signal_batches_picks_up_what_was_left(landlord):
    batch = services.receive_batch(
        source=landlord, content=csv_bytes(rows(2)), actor=Actor.system("t")
    )
    output = run("process_signal_batches")
    assert f"batch {batch.pk}" in output and "2 accepted" in output
    assert run("process_signal_batches") == ""


def test_build_demo_prints_a_key_for_each_signal_source(settings):
    settings.DEMO_MODE = True
    output = run("build_demo", families=3)

    assert "Woonstichting Domstede" in output
    line = next(x for x in output.splitlines() if x.startswith("Woonstichting Domstede"))
    key = line.split()[-1]
    assert key.startswith("rits_demo_")
    for name in ("Stroomlijn Energie", "Zorgverzekeraar Stichtse Zorg", "Veilig Thuis Domstad"):
        assert name in output
    # The same keys every run; they deliver signals as their organisation.
    assert key in run("build_demo", families=3)
    response = token_client(key).post("/api/v1/signals", signal_row(), format="json")
    assert response.status_code == 201
    # (the demo itself delivered a few already: issue 11's story)
    assert Signal.objects.order_by("pk").last().source.name == "Woonstichting Domstede"
    assert (
        SignalSourceToken.objects.filter(is_demo=True, organisation__kind="wijkteam").count() == 0
    )
