"""``manage.py build_demo``: the demo region, its story families and demo logins."""

from django.core.management.base import BaseCommand, CommandError

from rits.demo.catalogue import REGION_NAME
from rits.demo.services import (
    BATCH_SIZE,
    DEFAULT_FAMILIES,
    DEFAULT_SEED,
    build_demo_region,
    demo_logins,
    format_logins,
)
from rits.demo.tokens import ensure_demo_tokens, format_demo_tokens
from rits.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Build a realistic synthetic demo region (Regio Utrecht) with N families, the three "
        "story families DEMO-1..3 and a demo login per role. Safe to run again: only what is "
        "missing is added."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--families",
            type=int,
            default=DEFAULT_FAMILIES,
            help=f"Total number of families in the region, stories included "
            f"(default {DEFAULT_FAMILIES}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Seed for the generated families; the same seed gives the same region "
            f"(default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Families written per transaction (default {BATCH_SIZE}).",
        )

    def handle(self, *args, families: int, seed: int, batch_size: int, **options) -> None:
        if families < 0 or batch_size < 1:
            raise CommandError("--families must be 0 or more and --batch-size at least 1.")
        report = build_demo_region(
            families=families,
            seed=seed,
            batch_size=batch_size,
            progress=lambda message: self.stdout.write(message),
        )
        if report.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demoregio klaar: {report.created} gezinnen toegevoegd, "
                    f"{report.families_after} in totaal ({report.seconds:.1f} s)."
                )
            )
        else:
            self.stdout.write(
                f"Demoregio bestaat al ({report.families_after} gezinnen); niets toegevoegd."
            )
        self.stdout.write("")
        self.stdout.write(format_logins(demo_logins()))
        # The signal sources' API keys (demo keys only work in demo mode).
        tokens = ensure_demo_tokens(Organisation.objects.filter(region__name=REGION_NAME))
        if tokens:
            self.stdout.write("")
            self.stdout.write(format_demo_tokens(tokens))
