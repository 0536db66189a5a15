from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rits.families import selectors
from rits.families.serializers import FamilyOverviewSerializer, FamilySummarySerializer


class FamilyListView(APIView):
    @extend_schema(
        summary="My families",
        description="The families you may see, optionally searched by name, date of birth, postcode or BSN. "
        "Families you are not involved with are never returned.",
        parameters=[OpenApiParameter("q", str, description="Name, date of birth, postcode or BSN.")],
        responses=FamilySummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        families = selectors.search_my_families(user=request.user, query=request.query_params.get("q", ""))
        return Response(FamilySummarySerializer(families, many=True).data)


class FamilyDetailView(APIView):
    @extend_schema(summary="Family overview", responses=FamilyOverviewSerializer)
    def get(self, request: Request, family_id: int) -> Response:
        overview = selectors.family_overview(user=request.user, family_id=family_id)
        return Response(FamilyOverviewSerializer(overview).data)
