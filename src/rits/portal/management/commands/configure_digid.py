"""Fill django-digid-eherkenning's DigiD configuration from the environment.

The library keeps its configuration in the database (a django-solo singleton,
``DigidConfiguration``, and the signing certificate in django-simple-certmanager); this
command writes the ``RITS_DIGID_*`` variables there, so that a deployment is configured
by its environment like the rest of Rits. Run it at deployment, after ``migrate``.
Settings the variables do not cover (contact persons, the level of assurance,
algorithms) keep the library's defaults and can be changed in the library's admin."""

from pathlib import Path

from digid_eherkenning.choices import ConfigTypes
from digid_eherkenning.models import ConfigCertificate, DigidConfiguration
from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from simple_certmanager.constants import CertificateTypes
from simple_certmanager.models import Certificate


class Command(BaseCommand):
    help = "Configure the real DigiD (SAML) from the RITS_DIGID_* environment variables."

    def handle(self, *args, **options):
        missing = [
            name
            for name, value in (
                ("RITS_DIGID_ENTITY_ID", settings.DIGID_ENTITY_ID),
                ("RITS_DIGID_METADATA_URL", settings.DIGID_METADATA_URL),
                ("RITS_DIGID_KEY_FILE", settings.DIGID_KEY_FILE),
                ("RITS_DIGID_CERT_FILE", settings.DIGID_CERT_FILE),
            )
            if not value
        ]
        if missing:
            raise CommandError("Set " + ", ".join(missing) + " to configure DigiD.")
        key, cert = Path(settings.DIGID_KEY_FILE), Path(settings.DIGID_CERT_FILE)
        for path in (key, cert):
            if not path.is_file():
                raise CommandError(f"{path} is not a readable file.")
        with transaction.atomic():
            with key.open("rb") as key_file, cert.open("rb") as cert_file:
                certificate = Certificate(
                    label=f"DigiD ({cert.name})", type=CertificateTypes.key_pair
                )
                certificate.public_certificate.save(cert.name, File(cert_file), save=False)
                certificate.private_key.save(key.name, File(key_file), save=False)
                certificate.full_clean()
                certificate.save()
            ConfigCertificate.objects.filter(config_type=ConfigTypes.digid).delete()
            ConfigCertificate.objects.create(config_type=ConfigTypes.digid, certificate=certificate)
            config = DigidConfiguration.get_solo()
            config.entity_id = settings.DIGID_ENTITY_ID
            config.base_url = settings.RITS_BASE_URL.rstrip("/")
            config.service_name = settings.DIGID_SERVICE_NAME
            config.metadata_file_source = settings.DIGID_METADATA_URL
            # Fetches DigiD's metadata from the source and fills the IdP fields from it.
            config.save(force_metadata_update=True)
        self.stdout.write(self.style.SUCCESS("DigiD is configured."))
