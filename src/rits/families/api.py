from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rits.core.params import query_text
from rits.families import selectors
from rits.families.serializers import FamilyOverviewSerializer, FamilySummarySerializer


class FamilyListView(APIView):
    @extend_schema(
        summary="My families",
        description="The families you may see, optionally searched by name, date of birth, postcode or BSN. "
        "Families you are not involved with are never returned. A BSN is refused here: use "
        "POST /api/v1/families/search.",
        parameters=[OpenApiParameter("q", str, description="Name, date of birth or postcode.")],
        responses=FamilySummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        # NUL and lone surrogates are refused (400) before they reach the database.
        query = query_text(request, "q")
        if selectors.looks_like_bsn(query):
            raise ValidationError(
                {
                    "q": [
                        _(
                            "Search by BSN with POST /api/v1/families/search, so that it stays out of URLs and logs."
                        )
                    ]
                }
            )
        families = selectors.search_my_families(user=request.user, query=query)
        return Response(FamilySummarySerializer(families, many=True).data)


class FamilySearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, help_text="Name, date of birth, postcode or BSN.")


class FamilySearchView(APIView):
    @extend_schema(
        summary="Search my families (also by BSN)",
        description="Like GET /api/v1/families, but the search text travels in the body, so a BSN "
        "never appears in a URL or an access log.",
        request=FamilySearchSerializer,
        responses=FamilySummarySerializer(many=True),
    )
    def post(self, request: Request) -> Response:
        search = FamilySearchSerializer(data=request.data)
        search.is_valid(raise_exception=True)
        families = selectors.search_my_families(user=request.user, query=search.validated_data["q"])
        return Response(FamilySummarySerializer(families, many=True).data)


class FamilyDetailView(APIView):
    @extend_schema(summary="Family overview", responses=FamilyOverviewSerializer)
    def get(self, request: Request, family_id: int) -> Response:
        overview = selectors.family_overview(user=request.user, family_id=family_id)
        return Response(FamilyOverviewSerializer(overview).data)
