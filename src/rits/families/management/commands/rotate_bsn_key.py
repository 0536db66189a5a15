from django.core.management.base import BaseCommand

from rits.core.bsn import rotate_token
from rits.families.models import Person


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored BSN with the newest key in RITS_BSN_KEYS. Put the new key "
        "first, run this, then remove the old key. The pseudonyms do not change."
    )

    def handle(self, *args, **options):
        rotated = 0
        people = Person.objects.exclude(bsn_encrypted="").only("id", "bsn_encrypted")
        batch: list[Person] = []
        for person in people.iterator(chunk_size=2000):
            person.bsn_encrypted = rotate_token(person.bsn_encrypted)
            batch.append(person)
            if len(batch) == 2000:
                Person.objects.bulk_update(batch, ["bsn_encrypted"])
                rotated += len(batch)
                batch = []
        Person.objects.bulk_update(batch, ["bsn_encrypted"])
        rotated += len(batch)
        self.stdout.write(self.style.SUCCESS(f"{rotated} BSNs re-encrypted with the newest key."))
