"""Building deliveries for the tests."""

import json
from datetime import timedelta

from django.utils import timezone, translation

from rits.audit.services import Actor
from rits.signals.intake import services
from rits.signals.intake.parsing import COLUMNS

TODAY = timezone.localdate()
VALID_BSN = "123456782"
OTHER_VALID_BSN = "111222333"
INVALID_BSN = "123456789"


def signal_row(**values) -> dict:
    row = {
        "reference": "REF-1",
        "signal_type": "rent_arrears",
        "signal_date": (TODAY - timedelta(days=3)).isoformat(),
        "since": (TODAY - timedelta(days=90)).isoformat(),
        "amount_eur": "1234.56",
        "crisis": "nee",
        "bsn": "",
        "surname": "Haile",
        "prefix": "",
        "given_names": "Selam",
        "birth_date": "1990-05-17",
        "postcode": "3511 AB",
        "house_number": "12",
        "house_number_suffix": "",
        "city": "Utrecht",
        "risk_code": "",
        "note": "",
    }
    row.update(values)
    return row


def rows(count: int, **values) -> list[dict]:
    return [signal_row(reference=f"REF-{n}", **values) for n in range(1, count + 1)]


def _quote(value: str, delimiter: str) -> str:
    if any(c in value for c in (delimiter, '"')):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_text(data: list[dict], *, delimiter: str = ",", columns=COLUMNS) -> str:
    lines = [delimiter.join(columns)]
    for row in data:
        lines.append(delimiter.join(_quote(str(row.get(c, "")), delimiter) for c in columns))
    return "\n".join(lines) + "\n"


def csv_bytes(data: list[dict], **kwargs) -> bytes:
    return csv_text(data, **kwargs).encode()


def json_bytes(data: list[dict]) -> bytes:
    return json.dumps(data).encode()


def deliver(source, content: bytes, *, name: str = "signals.csv", fmt=None, today=None):
    """Receive and process a delivery the way the command line does; return the batch."""
    batch = services.receive_batch(
        source=source,
        content=content,
        file_name=name,
        fmt=fmt,
        actor=Actor.system("test"),
    )
    return services.process_batch(batch.pk, today=today)


def report(batch) -> list[tuple]:
    return [(p.line, p.field or None, p.reason) for p in batch.problems.order_by("line", "id")]


def reasons(batch, field: str | None = None) -> list[str]:
    return [r for _line, f, r in report(batch) if field is None or f == field]


def counts_of(batch) -> tuple[int, int, int, int]:
    """Rows read, accepted, duplicates, rejected."""
    return batch.rows, batch.accepted, batch.duplicates, batch.rejected


def reason_in(item, language: str) -> str:
    """An alert's reason as a reader in ``language`` reads it (rendered when read)."""
    with translation.override(language):
        return item.reason
