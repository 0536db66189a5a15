"""Every API error is a problem detail whose title and detail are readable text
(issue 9 #16: a 405 answered with the template 'Method "{method}" not allowed.')."""

import inspect

import pytest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from rits.api.errors import problem_details_handler

pytestmark = pytest.mark.django_db


def test_a_405_names_the_method_in_its_title(family_setup, as_user):
    client = as_user(family_setup["worker"])
    response = client.delete("/api/v1/families", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == 'Method "DELETE" not allowed.'
    assert "{" not in body["detail"]


def _drf_exceptions():
    for _name, cls in inspect.getmembers(exceptions, inspect.isclass):
        if issubclass(cls, exceptions.APIException) and cls is not exceptions.APIException:
            yield cls


def _instance(cls):
    arguments = {
        exceptions.MethodNotAllowed: ("PATCH",),
        exceptions.UnsupportedMediaType: ("text/x-strange",),
        exceptions.NotAcceptable: (),
        exceptions.Throttled: (12,),
    }
    return cls(*arguments.get(cls, ()))


@pytest.mark.parametrize("cls", list(_drf_exceptions()), ids=lambda c: c.__name__)
def test_every_drf_exception_has_a_formatted_title_and_detail(cls):
    request = APIRequestFactory().get("/api/v1/families")
    response = problem_details_handler(_instance(cls), {"request": request, "view": None})
    assert response is not None
    assert response["Content-Type"] == "application/problem+json"
    body = response.data
    assert body["status"] == response.status_code
    assert body["title"] and "{" not in body["title"], body
    assert "{" not in body["detail"], body


def test_django_404_and_permission_denied_are_problem_details_too():
    from django.core.exceptions import PermissionDenied

    for exc, status in ((Http404(), 404), (PermissionDenied(), 403)):
        response = problem_details_handler(exc, {"request": None, "view": None})
        assert response.status_code == status
        assert "{" not in response.data["title"]


def test_an_api_address_that_matches_nothing_is_a_problem_detail(family_setup, as_user):
    client = as_user(family_setup["worker"])
    response = client.get("/api/v1/families/not-a-number")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404
    page = client.get("/families/not-a-number/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_the_committed_document_describes_errors_as_problem_details():
    import yaml

    from rits.api.schema import PROBLEM_TYPE

    document = yaml.safe_load(
        (__import__("pathlib").Path(__file__).resolve().parents[1] / "openapi.yaml").read_text()
    )
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if str(code)[0] == "4":
                    assert list(response.get("content", {})) == [PROBLEM_TYPE], (
                        method,
                        path,
                        code,
                    )
            assert "4XX" in operation["responses"], (method, path)
