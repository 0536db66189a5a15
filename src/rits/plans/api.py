"""The family's plan under ``/api/v1/families/{family_id}/plan``.

Thin on purpose: reads go through ``rits.plans.selectors`` (access, visibility per life
domain and the audit event), writes through ``rits.plans.services`` (who may write,
validation, optimistic locking). Every write carries the plan's ``revision`` it is based
on; a stale one is refused with 409 and the current revision, and nothing is saved."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from rits.plans import selectors, services
from rits.plans.numbers import MAX_ID, MAX_REVISION, whole_number
from rits.plans.serializers import (
    AgreementChangedSerializer,
    AgreementChangeSerializer,
    AgreementListSerializer,
    AgreementRequestSerializer,
    AgreementSerializer,
    AssessmentCreatedSerializer,
    AssessmentListSerializer,
    AssessmentRequestSerializer,
    AssessmentSerializer,
    ComparisonSerializer,
    FamilyAgreementRequestSerializer,
    PlanProblemSerializer,
    PlanSerializer,
    VersionAgreedSerializer,
    VersionDetailSerializer,
    VersionListSerializer,
    VersionSerializer,
    page_context,
    visible_agreements,
)

TAGS = ["plans"]

# The services name a few fields after the model; the API names them after the body.
API_FIELD_NAMES = {"person": "person_id", "goal": "goal_id"}


class RevisionConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The plan was changed by someone else.")
    default_code = "conflict"

    def __init__(self, revision: int):
        super().__init__(
            _(
                "Someone else changed this plan after you loaded it; it is now at revision "
                "%(revision)d. Nothing was saved. Load the plan again, check your change "
                "against it and send it with the current revision."
            )
            % {"revision": revision}
        )
        self.revision = revision


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(PlanProblemSerializer, description=description)


NOT_FOUND = _problem("No such family, or you are not involved with it (or no such item).")
REFUSED = _problem("Not logged in, or not a professional.")
WRITE_ERRORS = {
    400: _problem("Invalid input; invalid_params names each field at fault. Nothing was saved."),
    403: _problem(
        "Not logged in, or your involvement does not allow this change (another life "
        "domain, coordinator only, or read-only emergency access)."
    ),
    404: NOT_FOUND,
    409: _problem(
        "Someone else changed the plan since the revision you sent. Nothing was saved; "
        "the body holds the current revision."
    ),
}
READ_ERRORS = {403: REFUSED, 404: NOT_FOUND}


class PlanAPIView(APIView):
    """Turns what the services raise into problem details: ``PlanConflict`` into 409
    with the current revision, other validation errors into 400 per field."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # An id no row can have is not found, rather than an overflow in the database.
        if any(isinstance(v, int) and v > MAX_ID for v in kwargs.values()):
            raise NotFound(_("Not found."))

    def handle_exception(self, exc):
        if isinstance(exc, services.PlanConflict):
            _grant, plan = selectors.plan_for_editing(
                user=self.request.user, family_id=self.kwargs["family_id"]
            )
            exc = RevisionConflict(plan.revision)
        elif isinstance(exc, DjangoValidationError):
            errors = as_serializer_error(exc)
            exc = ValidationError({API_FIELD_NAMES.get(k, k): v for k, v in errors.items()})
        response = super().handle_exception(exc)
        if isinstance(exc, RevisionConflict) and response is not None:
            response.data["revision"] = exc.revision
        return response


def _page(request: Request, family_id: int) -> selectors.PlanPage:
    return selectors.plan_page(user=request.user, family_id=family_id)


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- the plan -----------------------------------------------------------------------


class PlanView(PlanAPIView):
    @extend_schema(
        tags=TAGS,
        summary="The family's plan",
        description=(
            "The plan as you may see it: the life domains of your involvement (each with the "
            "household's and every member's newest score, or visibly not looked at), the "
            "safety mapping only when your involvement covers safety, goals touching your "
            "life domains, agreements touching them or owned by your organisation, the "
            "crisis contacts and the versions. The family's own plan (family group plan) "
            "text shows only to who sees every life domain. Every read is audited. When the "
            "family has no plan yet, the revision is 0 and the lists are empty."
        ),
        responses={200: PlanSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, family_id: int) -> Response:
        page = _page(request, family_id)
        return Response(PlanSerializer(page, context=page_context(page)).data)


# --- assessments --------------------------------------------------------------------


class AssessmentsView(PlanAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Current assessments",
        description=(
            "The newest score per life domain and member (or household), within the life "
            "domains of your involvement."
        ),
        responses={200: AssessmentListSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, family_id: int) -> Response:
        page = _page(request, family_id)
        assessments = [
            a
            for row in page.domains
            for a in [row.household, *(m.assessment for m in row.members)]
            if a is not None
        ]
        return Response(
            {
                "revision": page.plan.revision,
                "assessments": AssessmentSerializer(assessments, many=True).data,
            }
        )

    @extend_schema(
        tags=TAGS,
        summary="Assess a life domain",
        description=(
            "Score one life domain for one family member, or for the household when "
            "person_id is left out. A new score never overwrites an old one: the newest "
            "counts. Only within the life domains of your involvement."
        ),
        request=AssessmentRequestSerializer,
        responses={201: AssessmentCreatedSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, family_id: int) -> Response:
        grant, _plan = selectors.plan_for_editing(user=request.user, family_id=family_id)
        data = _valid(AssessmentRequestSerializer, request)
        assessment = services.assess_domain(
            user=request.user,
            grant=grant,
            revision=data["revision"],
            domain=data["domain"],
            score=data["score"],
            explanation=data["explanation"],
            person_id=data.get("person_id"),
            assessed_on=data.get("assessed_on"),
        )
        return Response(
            {
                "revision": assessment.plan.revision,
                "assessment": AssessmentSerializer(assessment).data,
            },
            status=status.HTTP_201_CREATED,
        )


# --- agreements ---------------------------------------------------------------------


class AgreementsView(PlanAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Agreements",
        description=(
            "Who does what by when: the agreements touching the life domains of your "
            "involvement, and those your organisation is party to."
        ),
        responses={200: AgreementListSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, family_id: int) -> Response:
        page = _page(request, family_id)
        agreements = AgreementSerializer(
            visible_agreements(page), many=True, context=page_context(page)
        ).data
        return Response(
            {
                "revision": page.plan.revision,
                "agreements": agreements,
                "hidden_agreements": page.hidden_agreements,
            }
        )

    @extend_schema(
        tags=TAGS,
        summary="Make an agreement",
        description=(
            "Who does what by when: a professional involved with the family, a family "
            "member or a network member (see owner). The date must be today or later, and "
            "the life domains within your involvement."
        ),
        request=AgreementRequestSerializer,
        responses={201: AgreementChangedSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, family_id: int) -> Response:
        grant, _plan = selectors.plan_for_editing(user=request.user, family_id=family_id)
        data = _valid(AgreementRequestSerializer, request)
        agreement = services.add_agreement(
            user=request.user,
            grant=grant,
            revision=data["revision"],
            data=services.AgreementData(
                action=data["action"],
                owner=data["owner"],
                due_date=data["due_date"],
                domains=data["domains"],
                kind=data["kind"],
                goal_id=data.get("goal_id"),
            ),
        )
        return Response(
            _agreement_changed(grant, agreement),
            status=status.HTTP_201_CREATED,
        )


def _agreement_changed(grant, agreement) -> dict:
    return {
        "revision": agreement.plan.revision,
        "agreement": AgreementSerializer(
            agreement,
            context={
                "grant": grant,
                "today": timezone.localdate(),
                "owners_in_view": selectors.shown_owner_ids(grant),
            },
        ).data,
    }


class AgreementDetailView(PlanAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Change an agreement",
        description=(
            "Change an agreement or record how it went (status done, not done or changed, "
            "with a note). Only the fields sent change. Its owner may change it, and "
            "whoever's involvement covers all of its life domains. An agreement you do not "
            "see is answered with 404."
        ),
        request=AgreementChangeSerializer,
        responses={200: AgreementChangedSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, family_id: int, agreement_id: int) -> Response:
        grant, _plan = selectors.plan_for_editing(user=request.user, family_id=family_id)
        agreement = selectors.agreement_for_editing(grant=grant, agreement_id=agreement_id)
        data = _valid(AgreementChangeSerializer, request)
        changed = services.update_agreement(
            user=request.user,
            grant=grant,
            revision=data["revision"],
            agreement_id=agreement.pk,
            data=services.AgreementData(
                action=data.get("action", agreement.action),
                owner=data.get("owner", agreement.owner_key),
                due_date=data.get("due_date", agreement.due_date),
                domains=data.get("domains", agreement.domains),
                kind=data.get("kind", agreement.kind),
                goal_id=data["goal_id"] if "goal_id" in data else agreement.goal_id,
                status=data.get("status", agreement.status),
                status_note=data.get("status_note", agreement.status_note),
            ),
        )
        return Response(_agreement_changed(grant, changed))


# --- versions -----------------------------------------------------------------------


class VersionsView(PlanAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Versions of the plan",
        description=(
            "Every version, newest first, with whether and how the family agreed with it. "
            "The newest is the current one; while the family has not agreed with it, it "
            "follows every change."
        ),
        responses={200: VersionListSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, family_id: int) -> Response:
        page = _page(request, family_id)
        current = page.current_version
        return Response(
            {
                "revision": page.plan.revision,
                "current_version": current.number if current else None,
                "versions": VersionSerializer(page.versions, many=True).data,
            }
        )


class VersionDetailView(PlanAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="families_plan_version_retrieve",
        summary="One version of the plan",
        description=(
            "What the plan said in this version, limited to what you may see now (the same "
            "rules as the current plan). Audited."
        ),
        responses={200: VersionDetailSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, family_id: int, number: int) -> Response:
        detail = selectors.version_detail(user=request.user, family_id=family_id, number=number)
        return Response(VersionDetailSerializer(detail).data)


class FamilyAgreementView(PlanAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Record the family's agreement",
        description=(
            "The family agrees with the current version: who, how, and with an interpreter "
            "for which language. A version that is no longer current cannot be agreed with "
            "(400, field number). The coordinator only. The next change of the plan starts "
            "a new version."
        ),
        request=FamilyAgreementRequestSerializer,
        responses={200: VersionAgreedSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, family_id: int, number: int) -> Response:
        grant, _plan = selectors.plan_for_editing(user=request.user, family_id=family_id)
        data = _valid(FamilyAgreementRequestSerializer, request)
        try:
            version = services.record_family_agreement(
                user=request.user,
                grant=grant,
                revision=data["revision"],
                version_number=number,
                agreed_by=data["agreed_by"],
                method=data["method"],
                interpreter_language=data.get("interpreter_language", ""),
                note=data.get("note", ""),
            )
        except services.PlanConflict:
            raise
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            # Not the current version (or no plan yet): the version in the path is at fault.
            raise ValidationError({"number": exc.messages}) from None
        return Response(
            {"revision": version.plan.revision, "version": VersionSerializer(version).data}
        )


class ComparisonView(PlanAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Compare two versions",
        description=(
            "What was added, removed or changed between two versions, section by section, "
            "limited to what you may see. Audited."
        ),
        parameters=[
            OpenApiParameter("from", int, required=True, description="The older version."),
            OpenApiParameter("to", int, required=True, description="The newer version."),
        ],
        responses={
            200: ComparisonSerializer,
            400: _problem("Not two versions of this plan."),
            **READ_ERRORS,
        },
    )
    def get(self, request: Request, family_id: int) -> Response:
        errors, numbers = {}, {}
        for name in ("from", "to"):
            raw = request.query_params.get(name, "")
            number = whole_number(raw, minimum=1, maximum=MAX_REVISION)
            if number is not None:
                numbers[name] = number
            else:
                errors[name] = [_("Give a version number, e.g. %(name)s=1.") % {"name": name}]
        if errors:
            # Access first: an uninvolved professional learns nothing from a 400.
            selectors.plan_for_editing(user=request.user, family_id=family_id)
            raise ValidationError(errors)
        comparison = selectors.compare_versions(
            user=request.user, family_id=family_id, older=numbers["from"], newer=numbers["to"]
        )
        return Response(ComparisonSerializer(comparison).data)
