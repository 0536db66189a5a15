from django.core.management.base import BaseCommand, CommandError

from rits.audit.services import verify_chains


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chains; exits non-zero when an event was changed or removed."
    )

    def handle(self, *args, **options):
        checked, problems = verify_chains()
        for p in problems:
            self.stderr.write(f"chain {p.chain}, event {p.seq}: {p.reason}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} audit events.")
        self.stdout.write(
            self.style.SUCCESS(f"{checked} audit events verified, all chains intact.")
        )
