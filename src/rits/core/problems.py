"""The shape of every error the API answers: problem details (RFC 9457), as
``rits.api.errors`` writes them. One serializer for the OpenAPI document, named by every
domain's API for its error responses and by the schema hook for the rest (``4XX``).

It lives in core, below the domains that name it in their serializers."""

from rest_framework import serializers


class InvalidParamSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text="The parameter or field at fault (non_field_errors: the input as a whole)."
    )
    reason = serializers.CharField()


class ProblemDetailsSerializer(serializers.Serializer):
    """Problem details (RFC 9457), as every error of this API."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    invalid_params = InvalidParamSerializer(
        many=True,
        required=False,
        help_text="For invalid input: each parameter or field at fault, and why.",
    )
