"""The portal's API under ``/api/v1/portal/``: the same reads as the pages, with the same
rules (``rits.portal.selectors``), for a family member's or network member's session."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rits.api.permissions import IsCitizen
from rits.portal import selectors
from rits.portal.serializers import (
    PortalComingUpSerializer,
    PortalFamilySerializer,
    PortalInvolvedSerializer,
    PortalLookedSerializer,
    PortalPlanSerializer,
)


class _PortalView(APIView):
    permission_classes = [IsCitizen]


class PortalFamiliesView(_PortalView):
    @extend_schema(
        summary="My families (family portal)",
        description="The families you belong to or are in the network of.",
        responses=PortalFamilySerializer(many=True),
        tags=["portal"],
    )
    def get(self, request: Request) -> Response:
        grants = selectors.my_families(user=request.user)
        return Response(PortalFamilySerializer(grants, many=True).data)


class PortalPlanView(_PortalView):
    @extend_schema(
        summary="Our plan (family portal)",
        description="Goals in the family's own words, who does what by when, the crisis plan. "
        "A network member gets only their own agreements and, where they are named in it, "
        "the crisis plan.",
        responses=PortalPlanSerializer,
        tags=["portal"],
    )
    def get(self, request: Request, family_id: int) -> Response:
        page = selectors.family_plan(user=request.user, family_id=family_id)
        return Response(PortalPlanSerializer(page).data)


class PortalInvolvedView(_PortalView):
    @extend_schema(
        summary="Who helps us (family portal)",
        description="For the family's members only.",
        responses=PortalInvolvedSerializer(many=True),
        tags=["portal"],
    )
    def get(self, request: Request, family_id: int) -> Response:
        _grant, lines = selectors.who_is_involved(user=request.user, family_id=family_id)
        return Response(PortalInvolvedSerializer(lines, many=True).data)


class PortalComingUpView(_PortalView):
    @extend_schema(
        summary="Coming up (family portal)",
        responses=PortalComingUpSerializer(many=True),
        tags=["portal"],
    )
    def get(self, request: Request, family_id: int) -> Response:
        _grant, lines = selectors.coming_up(user=request.user, family_id=family_id)
        return Response(PortalComingUpSerializer(lines, many=True).data)


class PortalAccessLogView(_PortalView):
    @extend_schema(
        summary="Who looked at our file (family portal)",
        description="For the family's members only; the newest lines first.",
        responses=PortalLookedSerializer(many=True),
        tags=["portal"],
    )
    def get(self, request: Request, family_id: int) -> Response:
        _grant, lines = selectors.who_looked(user=request.user, family_id=family_id)
        return Response(PortalLookedSerializer(lines, many=True).data)
