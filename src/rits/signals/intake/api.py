"""The signal intake API for machine clients of signal sources.

Only a source's API key (``Authorization: Token <key>``) opens these endpoints, and it
opens nothing else. Thin on purpose: read the request, call a service or selector,
answer. A delivery is stored as it came and answered at once with 202; the rows are
processed in the background and the report is read with GET."""

from pathlib import PurePath

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rits.api.parsers import ReadableJSONParser
from rits.core.intake.reading import Problem
from rits.core.params import query_int
from rits.core.problems import ProblemDetailsSerializer
from rits.signals import pipeline
from rits.signals.intake import clients, selectors, services
from rits.signals.intake.authentication import IsSignalSource, SignalSourceTokenAuthentication
from rits.signals.intake.serializers import (
    SignalBatchAcceptedSerializer,
    SignalBatchSerializer,
    SignalBatchUploadSerializer,
    SignalInputSerializer,
    SignalReceiptSerializer,
)
from rits.signals.models import BatchFormat

READ_BYTES = 1024 * 1024
# Room for the multipart envelope around a file of the largest allowed size.
MULTIPART_OVERHEAD = 64 * 1024
RAW_TYPES = {
    "text/csv": BatchFormat.CSV,
    "application/json": BatchFormat.JSON,
}

EXAMPLE_CSV = (
    "reference;signal_type;signal_date;since;amount_eur;crisis;bsn;surname;prefix;"
    "given_names;birth_date;postcode;house_number;house_number_suffix;city;risk_code;note\n"
    "HUUR-2026-0001;rent_arrears;2026-03-02;2025-12-01;1.234,56;ja;;Haile;;Selam;"
    "1990-05-17;3511 AB;12;bis;Utrecht;;Third month unpaid\n"
)
EXAMPLE_SIGNAL = {
    "reference": "HUUR-2026-0001",
    "signal_type": "rent_arrears",
    "signal_date": "2026-03-02",
    "since": "2025-12-01",
    "amount_eur": "1234.56",
    "crisis": True,
    "surname": "Haile",
    "given_names": "Selam",
    "birth_date": "1990-05-17",
    "postcode": "3511AB",
    "house_number": 12,
    "house_number_suffix": "bis",
    "city": "Utrecht",
}
PROBLEM_RESPONSES = {
    401: OpenApiResponse(
        ProblemDetailsSerializer,
        description="No API key, or a key that is wrong or revoked.",
    ),
    403: OpenApiResponse(
        ProblemDetailsSerializer,
        description="Not a signal source's API key, or the key of an organisation that is "
        "no signal source (any more).",
    ),
}


class ContentTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("Content too large.")
    default_code = "too_large"


class SignalSourceAPIView(APIView):
    authentication_classes = [SignalSourceTokenAuthentication]
    permission_classes = [IsSignalSource]

    def source_token(self, request: Request):
        return request.user.token


def _errors(problems: list[Problem]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field or "non_field_errors", []).append(problem.reason)
    return errors


class SignalView(SignalSourceAPIView):
    # Texts are checked per field by intake (a bad one is a problem of its field, as in a
    # file), so only the structure is checked here.
    parser_classes = [ReadableJSONParser]

    @extend_schema(
        summary="Deliver one signal",
        description=(
            "One signal as a JSON object, checked by the same rules as a row of a file "
            "(docs/signal-format.md). Answers 201 with the new signal's id. A reference this "
            "source sent before is not stored again: the answer is 200 with "
            '`"duplicate": true` and the id of the signal stored then, unchanged. The status '
            "is always `received`: what becomes of a signal after intake (whether it was "
            "linked to anyone) is never told to its source. A signal that does not pass is "
            "refused with 400 and every field at fault."
        ),
        request=SignalInputSerializer,
        responses={
            201: SignalReceiptSerializer,
            200: OpenApiResponse(
                SignalReceiptSerializer, description="Received before; nothing changed."
            ),
            400: OpenApiResponse(ProblemDetailsSerializer, description="The signal does not pass."),
            **PROBLEM_RESPONSES,
        },
        examples=[OpenApiExample("Rent arrears", value=EXAMPLE_SIGNAL, request_only=True)],
        tags=["signals"],
    )
    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": [_("Send one signal as a JSON object.")]})
        token = self.source_token(request)
        try:
            receipt = pipeline.receive_signal(
                source=token.organisation, data=data, actor=clients.source_actor(token)
            )
        except services.SignalRejected as exc:
            raise ValidationError(_errors(exc.problems)) from None
        intake = selectors.signal_intake(
            signal_id=receipt.signal_id,
            reference=receipt.reference,
            created=receipt.created,
            warnings=receipt.warnings,
        )
        return Response(
            SignalReceiptSerializer(intake).data,
            status=status.HTTP_201_CREATED if receipt.created else status.HTTP_200_OK,
        )


def _read_body(request: Request):
    stream = request.stream
    if stream is None:
        return
    while chunk := stream.read(READ_BYTES):
        yield chunk


def _format_of_upload(name: str) -> str | None:
    suffix = PurePath(name).suffix.lower()
    return {".csv": BatchFormat.CSV, ".json": BatchFormat.JSON}.get(suffix)


class SignalBatchListView(SignalSourceAPIView):
    # Only multipart is parsed by DRF; a CSV or JSON body is streamed from the request as
    # it is (request.data would load and parse it whole, and refuse it above 2.5 MB).
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Deliver a batch of signals",
        description=(
            "A CSV file (multipart field `file`, or the body with `Content-Type: text/csv`) "
            "or a JSON array of signal objects (`application/json`). The delivery is stored "
            "as it came and answered at once with 202, the batch id and a Location header; "
            "the rows are processed in the background. Follow the batch with "
            "GET /api/v1/signal-batches/{id}. Good rows are accepted even when other rows "
            "are refused; a reference sent before is counted as a duplicate and changes "
            "nothing, so a batch can safely be sent again. Larger than "
            "RITS_SIGNAL_MAX_UPLOAD_MB (200 MB by default): 413.\n\n"
            "**CSV**: UTF-8 with or without BOM; comma or semicolon; a header row naming the "
            "columns in any order: `reference`, `signal_type`, `signal_date` (required), "
            "`since`, `amount_eur`, `crisis`, `bsn`, `surname`, `prefix`, `given_names`, "
            "`birth_date`, `postcode`, `house_number`, `house_number_suffix`, `city`, "
            "`risk_code`, `note` (as in SignalInputRequest). Unknown columns are ignored with "
            "a warning. Each row needs a `bsn`, or a name part (`surname` or `given_names`) "
            "with a `birth_date` or an address (a `postcode`, or a `house_number` with a "
            "`city`). A file that cannot be read as a whole (encoding, "
            "header, JSON syntax) ends as `failed` and nothing from it is accepted; otherwise "
            "every rejected row is reported with its line, field and reason. Every field, "
            "value and error: docs/signal-format.md."
        ),
        request={
            "multipart/form-data": SignalBatchUploadSerializer,
            "text/csv": OpenApiTypes.STR,
            "application/json": SignalInputSerializer(many=True),
        },
        responses={
            202: SignalBatchAcceptedSerializer,
            400: OpenApiResponse(ProblemDetailsSerializer, description="No file, or an empty one."),
            413: OpenApiResponse(ProblemDetailsSerializer, description="Too large."),
            415: OpenApiResponse(
                ProblemDetailsSerializer,
                description="Not multipart/form-data, text/csv or application/json.",
            ),
            **PROBLEM_RESPONSES,
        },
        examples=[
            OpenApiExample("CSV", value=EXAMPLE_CSV, request_only=True, media_type="text/csv"),
            # A single object: the document shows it as an item of the array.
            OpenApiExample(
                "JSON", value=EXAMPLE_SIGNAL, request_only=True, media_type="application/json"
            ),
            OpenApiExample(
                "Accepted",
                value={"id": 17, "status": "received", "url": "/api/v1/signal-batches/17"},
                response_only=True,
            ),
        ],
        tags=["signals"],
    )
    def post(self, request: Request) -> Response:
        limit = services.max_upload_bytes()
        declared = request.META.get("CONTENT_LENGTH") or ""
        # ASCII digits only (int() also reads "١٢"); a length that is no number is left to
        # the reading, which counts the bytes anyway.
        length = int(declared) if declared.isascii() and declared.isdigit() else 0
        # Refused before the body is read.
        if length > limit + MULTIPART_OVERHEAD:
            raise ContentTooLarge(services.too_large_reason())
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": [_("Send the signals in the form field 'file'.")]})
            if upload.size > limit:
                raise ContentTooLarge(services.too_large_reason())
            file_name = PurePath(upload.name or "").name
            content, fmt = upload.chunks(READ_BYTES), _format_of_upload(file_name)
        elif media_type in RAW_TYPES:
            file_name, content, fmt = "", _read_body(request), RAW_TYPES[media_type]
        else:
            raise UnsupportedMediaType(media_type or "none")
        token = self.source_token(request)
        try:
            batch = pipeline.receive_batch(
                source=token.organisation,
                content=content,
                file_name=file_name,
                fmt=fmt,
                token=token,
                actor=clients.source_actor(token),
            )
        except services.DeliveryRefused as exc:
            if exc.too_large:
                raise ContentTooLarge(exc.reason) from None
            raise ValidationError({"file": [exc.reason]}) from None
        delivery = selectors.delivery_of(batch, offset=None)
        url = reverse("api:signal-batch-detail", args=[delivery.id])
        return Response(
            SignalBatchAcceptedSerializer(
                {"id": delivery.id, "status": delivery.status, "url": url}
            ).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(url)},
        )


# The furthest a report can be paged: more lines than the largest delivery can have.
MAX_OFFSET = 10**9


class SignalBatchDetailView(SignalSourceAPIView):
    @extend_schema(
        summary="A batch's status and report",
        description=(
            "Status, counts and the per-row report of one of your own batches: how it was "
            "taken in, never what became of its signals afterwards. Another source's batch "
            "is not found (404), as is one that does not exist."
        ),
        parameters=[
            OpenApiParameter(
                "offset",
                OpenApiTypes.INT,
                description=f"First report line to return (0 to {MAX_OFFSET}).",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Report lines to return (0 to {selectors.REPORT_PAGE_SIZE}).",
            ),
        ],
        responses={
            200: SignalBatchSerializer,
            400: OpenApiResponse(
                ProblemDetailsSerializer, description="offset or limit out of range."
            ),
            404: OpenApiResponse(ProblemDetailsSerializer, description="Not found."),
            **PROBLEM_RESPONSES,
        },
        tags=["signals"],
    )
    def get(self, request: Request, batch_id: int) -> Response:
        offset = query_int(request, "offset", default=0, minimum=0, maximum=MAX_OFFSET)
        limit = query_int(
            request,
            "limit",
            default=selectors.REPORT_PAGE_SIZE,
            minimum=0,
            maximum=selectors.REPORT_PAGE_SIZE,
        )
        delivery = selectors.delivery_for_source(
            source=self.source_token(request).organisation,
            batch_id=batch_id,
            offset=offset,
            limit=limit,
        )
        return Response(SignalBatchSerializer(delivery).data)
