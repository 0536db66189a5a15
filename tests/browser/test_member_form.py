"""Adding a member with bad input: the errors stand next to the fields, nothing is saved."""

import datetime
import re

from playwright.sync_api import expect

from rits.families.models import Membership, Person

INVALID_BSN = "123456789"  # fails the 11-proef


def test_bad_member_input_is_explained_next_to_the_fields_and_not_saved(
    page, haile, log_in_as, assert_accessible
):
    family = haile["family"]
    members_before = Membership.objects.filter(family=family).count()
    people_before = Person.objects.count()
    log_in_as(haile["coordinator"])

    page.goto(f"/families/{family.pk}/members/new/")
    assert_accessible(page, "the add-a-member form")
    page.locator("#id_role").select_option("child")
    page.locator("#id_given_names").fill("Lidya")
    page.locator("#id_surname").fill("Haile")
    next_year = datetime.date.today() + datetime.timedelta(days=365)
    page.locator("#id_birth_date").fill(next_year.isoformat())
    page.locator("#id_bsn").fill(INVALID_BSN)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # Still on the form, with a summary and each error inside its own field's group.
    assert page.url.endswith(f"/families/{family.pk}/members/new/")
    expect(page.locator("#form-errors")).to_be_visible()
    bsn_field = page.locator(".utrecht-form-field", has=page.locator("#id_bsn"))
    birth_field = page.locator(".utrecht-form-field", has=page.locator("#id_birth_date"))
    expect(bsn_field.locator(".utrecht-form-field-error-message")).to_contain_text("11-proef")
    expect(birth_field.locator(".utrecht-form-field-error-message")).to_be_visible()
    expect(page.locator("#id_bsn")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_birth_date")).to_have_attribute("aria-invalid", "true")
    # Screen readers read the error with the field.
    expect(page.locator("#id_bsn")).to_have_accessible_description(re.compile("11-proef"))
    # The fields that were right stay filled in.
    expect(page.locator("#id_surname")).to_have_value("Haile")
    expect(page.locator(".utrecht-form-field--invalid")).to_have_count(2)

    # The number itself never appears in an error message.
    for message in page.locator(".utrecht-form-field-error-message, #form-errors").all():
        assert INVALID_BSN not in message.inner_text()

    assert Membership.objects.filter(family=family).count() == members_before
    assert Person.objects.count() == people_before
    assert_accessible(page, "the add-a-member form with errors")
