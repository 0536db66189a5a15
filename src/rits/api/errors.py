"""Errors as problem details (RFC 9457): a title, a status, a readable detail and,
for validation errors, the fields at fault."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler


def problem_details_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    body = {
        "type": "about:blank",
        "title": _title(exc),
        "status": response.status_code,
        "detail": "",
    }
    if isinstance(exc, exceptions.ValidationError):
        body["title"] = _("Invalid input.")
        body["detail"] = _("See invalid_params for what is wrong and where.")
        body["invalid_params"] = _flatten(response.data)
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        body["detail"] = str(detail)
    body["title"] = str(body["title"])
    response.data = body
    response["Content-Type"] = "application/problem+json"
    response.content_type = "application/problem+json"
    return response


def _title(exc) -> str:
    """The exception's own short title; where that is a template ('Method "{method}" not
    allowed.'), the message DRF formatted from it for this request."""
    title = str(getattr(exc, "default_detail", "") or _("Error"))
    if "{" in title:
        detail = getattr(exc, "detail", None)
        title = str(detail) if isinstance(detail, str) else str(_("Error"))
    return title


def _flatten(data, prefix: str = "") -> list[dict]:
    params = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            params.extend(_flatten(value, name))
    elif isinstance(data, list) and data and all(not isinstance(v, dict | list) for v in data):
        for value in data:
            params.append({"name": prefix or "non_field_errors", "reason": str(value)})
    elif isinstance(data, list):
        for i, value in enumerate(data):
            params.extend(_flatten(value, f"{prefix}[{i}]"))
    else:
        params.append({"name": prefix or "non_field_errors", "reason": str(data)})
    return params


# --- answers Django gives itself (no view matched, or a view failed) ---------------


def _problem_response(request, status: int, title: str):
    from django.http import JsonResponse

    body = {"type": "about:blank", "title": title, "status": status, "detail": title}
    return JsonResponse(body, status=status, content_type="application/problem+json")


def not_found(request, exception=None):
    """handler404: an address under /api/ that matches no endpoint (``/families/abc``)
    is a problem detail like every other API error; pages keep the 404 page."""
    if request.path.startswith("/api/"):
        return _problem_response(request, 404, _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: for the API, a problem detail (never an HTML page to a machine)."""
    if request.path.startswith("/api/"):
        return _problem_response(request, 500, _("Server error."))
    return defaults.server_error(request)
