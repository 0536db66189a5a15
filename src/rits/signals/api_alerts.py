"""Alerts under ``/api/v1/alerts`` (for the signed-in professional, the same inbox as the
pages) and concern matches under ``/api/v1/concern-matches`` (for signal sources, with
their API key: who the other organisations are, nothing about the family).

Thin: alerts are read through ``rits.worklist.selectors`` (access and audit) and
written through ``rits.worklist.services``; concern matches through
``rits.signals.alerts``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from rits.core.problems import ProblemDetailsSerializer
from rits.signals import alerts
from rits.signals.intake.api import PROBLEM_RESPONSES, SignalSourceAPIView
from rits.signals.intake.clients import source_actor
from rits.signals.serializers_alerts import (
    AlertSerializer,
    ConcernMatchSerializer,
    DismissRequestSerializer,
    InTouchRequestSerializer,
)
from rits.worklist import selectors, services

TAGS = ["alerts"]


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemDetailsSerializer, description=description)


NOT_FOUND = _problem(
    "No such alert, or you may not see its family or the life domains it is about."
)
REFUSED = _problem("Not logged in, or not a professional.")
CHANGE_REFUSED = _problem(
    "Not logged in, emergency access (read only), or you may only read this alert: only "
    "the coordinator it is assigned to, the family's coordinator and their team lead "
    "change it."
)


class AlertAPIView(APIView):
    """Turns what the services raise into problem details (400 per field)."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(as_serializer_error(exc))
        return super().handle_exception(exc)


def _flag(request: Request, name: str) -> bool:
    raw = (request.query_params.get(name) or "").lower()
    if raw in {"", "false", "0", "no"}:
        return False
    if raw in {"true", "1", "yes"}:
        return True
    raise ValidationError({name: [_("Use true or false.")]})


class AlertListView(AlertAPIView):
    @extend_schema(
        tags=TAGS,
        summary="My alerts",
        description=(
            "The alerts about the families you coordinate (and, for a team lead, those of "
            "the team escalated to you), the most urgent first; with `team=true` the alerts "
            "of your team, escalated ones first. Each alert states its rule, a one-sentence "
            "reason (Dutch or English, by Accept-Language), the signals behind it (type, "
            "date, source, amount; never a BSN), its due date and status. Only alerts of "
            "families you may see, about life domains you may see; a team lead also gets the "
            "team's alerts about families nobody in the team may see yet, without family "
            f"data (`visible: false`). At most {selectors.INBOX_LIMIT}. Every read is audited."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=list(selectors.STATUS_FILTERS),
                description="`active` (open or acknowledged, the default), a status, or `all`.",
            ),
            OpenApiParameter("team", bool, description="The team's alerts instead of your own."),
        ],
        responses={200: AlertSerializer(many=True), 400: _problem("Unknown filter."), 403: REFUSED},
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status") or "active"
        selector = selectors.team_inbox if _flag(request, "team") else selectors.my_inbox
        inbox = selector(user=request.user, status=status)
        return Response(AlertSerializer(inbox.lines, many=True).data)


class AlertAcknowledgeView(AlertAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Acknowledge an alert",
        description=(
            "You have seen the alert and take it on: open → acknowledged. Acknowledging "
            "again changes nothing; an alert acted on or dismissed is refused with 400. Read-"
            "only emergency access is refused with 403."
        ),
        request=None,
        responses={
            200: AlertSerializer,
            400: _problem("The alert is already closed."),
            403: CHANGE_REFUSED,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, alert_id: int) -> Response:
        services.acknowledge(user=request.user, item_id=alert_id)
        return Response(
            AlertSerializer(selectors.item_for_user(user=request.user, item_id=alert_id)).data
        )


class AlertDismissView(AlertAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Dismiss an alert",
        description=(
            "The alert needs no action; the reason is required and kept with the alert. An "
            "alert acted on or dismissed already is refused with 400."
        ),
        request=DismissRequestSerializer,
        responses={
            200: AlertSerializer,
            400: _problem("No reason, or the alert is already closed."),
            403: CHANGE_REFUSED,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, alert_id: int) -> Response:
        body = DismissRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.dismiss(user=request.user, item_id=alert_id, reason=body.validated_data["reason"])
        return Response(
            AlertSerializer(selectors.item_for_user(user=request.user, item_id=alert_id)).data
        )


# --- concern matches, for signal sources ------------------------------------------------------


class ConcernMatchListView(SignalSourceAPIView):
    @extend_schema(
        tags=["signals"],
        summary="Concern matches you are part of",
        description=(
            "When your organisation and at least one other are concerned about the same young "
            "person (or young people at one address, or with the same parent) and the family "
            "has no coordinator yet, Rits makes a concern match: each organisation sees the "
            "others' contact details (name, kind, phone, e-mail) and its own references of the "
            "signals concerned — nothing about the family or the young person. Get in touch "
            "with each other, then say so with POST /api/v1/concern-matches/{id}/in-touch. "
            "Newest first."
        ),
        responses={200: ConcernMatchSerializer(many=True), **PROBLEM_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        token = self.source_token(request)
        matches = alerts.concern_matches_for_source(
            organisation=token.organisation, actor=source_actor(token)
        )
        return Response(ConcernMatchSerializer(matches, many=True).data)


class ConcernMatchInTouchView(SignalSourceAPIView):
    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(as_serializer_error(exc))
        return super().handle_exception(exc)

    @extend_schema(
        tags=["signals"],
        summary="Say you have been in touch",
        description=(
            "The organisations of the match have been in touch with each other: the match is "
            "no longer waiting. Saying so again changes nothing. A match your organisation is "
            "not part of is not found (404)."
        ),
        request=InTouchRequestSerializer,
        responses={
            200: ConcernMatchSerializer,
            400: _problem("The note is too long."),
            404: _problem("Not found."),
            **PROBLEM_RESPONSES,
        },
    )
    def post(self, request: Request, match_id: int) -> Response:
        body = InTouchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = self.source_token(request)
        match = alerts.record_in_touch(
            organisation=token.organisation,
            match_id=match_id,
            note=body.validated_data["note"],
            actor=source_actor(token),
        )
        return Response(ConcernMatchSerializer(match).data)
