"""API keys for the demo region's signal sources, printed by ``manage.py build_demo``.

Only hashes of keys are stored, so a key can only be printed when it is made. Demo keys
are derived from a public demo secret (``clients.demo_token_plaintext``) instead of
drawn at random: every build prints the same keys, so examples and scripts keep
working, and nothing has to be revoked. That is safe only because demo keys work only
while demo mode is on, which production refuses."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from rits.organisations.models import SIGNAL_SOURCE_KINDS, Organisation
from rits.signals.intake import clients


@dataclass(frozen=True)
class DemoToken:
    organisation: str
    kind: str
    key: str


def ensure_demo_tokens(organisations: Iterable[Organisation]) -> list[DemoToken]:
    """A demo key for each of these organisations that is a signal source."""
    sources = sorted(
        (o for o in organisations if o.kind in SIGNAL_SOURCE_KINDS),
        key=lambda o: (SIGNAL_SOURCE_KINDS.index(o.kind), o.name),
    )
    return [DemoToken(o.name, o.get_kind_display(), clients.ensure_demo_token(o)) for o in sources]


def format_demo_tokens(tokens: list[DemoToken]) -> str:
    """The key table printed after a build."""
    if not tokens:
        return ""
    width = max(len(t.organisation) for t in tokens)
    lines = [
        "API-sleutels van de signaalbronnen (Authorization: Token <sleutel>; "
        "zie docs/signal-format.md)",
        "",
    ]
    lines += [f"{t.organisation:<{width}}  {t.key}" for t in tokens]
    lines.append("")
    lines.append(
        "Voorbeeld: curl -H 'Authorization: Token <sleutel>' -H 'Content-Type: text/csv' "
        "--data-binary @signalen.csv http://127.0.0.1:8000/api/v1/signal-batches"
    )
    lines.append(
        "LET OP: deze sleutels zijn openbaar en werken alleen in demomodus (RITS_ENVIRONMENT=demo)."
    )
    if not settings.DEMO_MODE:
        lines.append("Demomodus staat nu uit: deze sleutels werken nu niet.")
    return "\n".join(lines)
