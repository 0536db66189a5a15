"""A professional who is not involved and types a family's address sees only "not found"."""


def test_uninvolved_professional_typing_the_family_url_sees_not_found(page, haile, log_in_as):
    family = haile["family"]
    log_in_as(haile["outsider"])

    response = page.goto(f"/families/{family.pk}/")
    assert response.status == 404
    content = page.content()
    for revealing in ["Haile", "Selam", "Yonas", family.reference, "Kanaalweg", "3526KL"]:
        assert revealing not in content, revealing
    shown = page.locator("body").inner_text()

    # Exactly what a family that does not exist looks like.
    missing = page.goto("/families/999999/")
    assert missing.status == 404
    assert page.locator("body").inner_text() == shown
