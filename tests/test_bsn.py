import logging

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.urls import reverse

from rits.core.bsn import decrypt_bsn, is_valid_bsn, normalise_bsn, pseudonymise_bsn
from rits.families.models import Person
from tests import factories


@pytest.mark.parametrize(
    ("bsn", "valid"),
    [
        ("111222333", True),
        ("123456782", True),
        ("123456789", False),
        ("000000000", False),
        ("12345678", False),
        ("12345678a", False),
        ("1234567890", False),
        # Digits other than 0-9 (superscript two) are refused, not a crash in int().
        ("12345678\u00b2", False),
    ],
)
def test_eleven_proof(bsn, valid):
    assert is_valid_bsn(bsn) is valid


def test_pseudonym_is_the_keyed_hmac(settings):
    import hashlib
    import hmac

    settings.BSN_PSEUDONYM_KEY = "test-key"
    expected = hmac.new(b"test-key", b"123456782", hashlib.sha256).hexdigest()
    assert pseudonymise_bsn("123456782") == expected


def test_normalise_restores_a_leading_zero_lost_in_a_spreadsheet():
    assert normalise_bsn("1234.56.782") == "123456782"
    assert normalise_bsn("12345672") == "012345672"


@pytest.mark.django_db
def test_key_rotation_keeps_bsns_readable_and_pseudonyms_stable(settings):
    bsn = factories.valid_bsn(3)
    person = factories.PersonFactory(bsn=bsn)
    old_key = settings.BSN_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.BSN_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_bsn_key")
    person.refresh_from_db()
    settings.BSN_ENCRYPTION_KEYS = [new_key]
    assert decrypt_bsn(person.bsn_encrypted) == bsn
    assert person.bsn_pseudonym == pseudonymise_bsn(bsn)
    settings.BSN_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(InvalidToken):
        decrypt_bsn(person.bsn_encrypted)


@pytest.mark.django_db
def test_bsn_never_in_pages_api_export_or_logs(family_setup, as_user, caplog):
    bsn = factories.valid_bsn(1)  # the mother's
    family = family_setup["family"]
    client = as_user(family_setup["coordinator"])
    caplog.set_level(logging.DEBUG)
    responses = [
        client.get(reverse("families:overview", args=[family.pk])),
        client.get(reverse("families:export", args=[family.pk])),
        client.get(f"/api/v1/families/{family.pk}"),
        client.post(reverse("families:my-families"), {"q": bsn}),
    ]
    for response in responses:
        assert bsn.encode() not in response.content
    assert bsn not in caplog.text
    assert not Person.objects.filter(bsn_encrypted__contains=bsn).exists()
