"""The committed OpenAPI document is the served one: CI fails when they disagree.
Regenerate with `make schema`."""

from pathlib import Path

import pytest
import yaml

COMMITTED = Path(__file__).resolve().parent.parent / "src" / "rits" / "api" / "openapi.yaml"


@pytest.mark.django_db
def test_committed_schema_matches_the_code(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    served = yaml.safe_load(response.content)
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert served == committed, "src/rits/api/openapi.yaml is out of date: run `make schema`"


@pytest.mark.django_db
def test_family_endpoints_are_documented(client):
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert "/api/v1/families" in committed["paths"]
    assert "/api/v1/families/{family_id}" in committed["paths"]
