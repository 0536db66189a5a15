"""``manage.py configure_digid`` refuses to half-configure the real DigiD."""

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_configure_digid_names_what_is_missing(settings):
    settings.DIGID_ENTITY_ID = "https://rits.example.nl/digid"
    settings.DIGID_METADATA_URL = ""
    settings.DIGID_KEY_FILE = ""
    settings.DIGID_CERT_FILE = "/nonexistent/cert.pem"
    with pytest.raises(CommandError) as refused:
        call_command("configure_digid")
    message = str(refused.value)
    assert "RITS_DIGID_METADATA_URL" in message and "RITS_DIGID_KEY_FILE" in message
    assert "RITS_DIGID_ENTITY_ID" not in message


@pytest.mark.django_db
def test_configure_digid_refuses_a_missing_file(settings, tmp_path):
    settings.DIGID_ENTITY_ID = "https://rits.example.nl/digid"
    settings.DIGID_METADATA_URL = "https://example.org/metadata"
    settings.DIGID_KEY_FILE = str(tmp_path / "key.pem")
    settings.DIGID_CERT_FILE = str(tmp_path / "cert.pem")
    with pytest.raises(CommandError, match="not a readable file"):
        call_command("configure_digid")
