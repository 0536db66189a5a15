from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "rits.api.authentication.VerifiedSessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The session of a professional who logged in with password and second factor.",
        }


PROBLEM_TYPE = "application/problem+json"
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def problem_details_hook(result, generator, request, public):
    """Every error the API answers is a problem detail (rits.api.errors) sent as
    ``application/problem+json``: document it so, for every operation. Error responses a
    view describes itself keep their schema and get the right content type; any other
    4xx (a refused parameter, a missing login, an unknown id, a method not allowed) is
    documented once per operation as ``4XX``, by reference to ``ProblemDetails``: the
    component of ``core.problems.ProblemDetailsSerializer``, which the views name for
    their own error responses."""
    if "ProblemDetails" not in result.get("components", {}).get("schemas", {}):
        raise ImproperlyConfigured(
            "No view names core.problems.ProblemDetailsSerializer: the 4XX answers would "
            "refer to a component that is not in the document."
        )
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                content = response.get("content", {})
                if str(code)[0] in "45" and "application/json" in content:
                    content[PROBLEM_TYPE] = content.pop("application/json")
            responses.setdefault(
                "4XX",
                {
                    "description": "The request cannot be answered: see the problem details.",
                    "content": {
                        PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
                    },
                },
            )
    return result
