"""``POST /api/v1/family-imports``: the administrator's way to onboard a caseload.

Thin on purpose: check the role, read the uploads, call
:func:`rits.families.importing.import_families`, return its report. The import runs
synchronously for now; files are limited in size so that a request stays short."""

from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rits.access.rules import require_role
from rits.audit.services import Actor
from rits.core.problems import ProblemDetailsSerializer
from rits.families import importing
from rits.organisations.models import ProfessionalRole


def _check_size(upload: UploadedFile) -> UploadedFile:
    if upload.size > importing.MAX_FILE_BYTES:
        raise serializers.ValidationError(
            _(
                "This file is larger than %(max)d MB. Split it into smaller files and import "
                "them one after the other."
            )
            % {"max": importing.MAX_FILE_BYTES // (1024 * 1024)}
        )
    return upload


class FamilyImportSerializer(serializers.Serializer):
    persons = serializers.FileField(
        help_text="CSV, one row per person (see docs/import-format.md). At most 20 MB."
    )
    involvements = serializers.FileField(
        required=False,
        help_text="CSV, one row per involvement (see docs/import-format.md). At most 20 MB.",
    )
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Check everything and report what would happen, without saving anything.",
    )

    def validate_persons(self, upload: UploadedFile) -> UploadedFile:
        return _check_size(upload)

    def validate_involvements(self, upload: UploadedFile) -> UploadedFile:
        return _check_size(upload)


class ImportProblemSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(help_text="Line in the file, counting the header as line 1.")
    field = serializers.CharField(
        allow_null=True, help_text="The column at fault; null when the whole line is."
    )
    reason = serializers.CharField(help_text="Never contains the content of a cell.")


class ImportFileSummarySerializer(serializers.Serializer):
    file = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    error = serializers.CharField(help_text="Why the file could not be read; empty when it could.")


class ImportFamilySummarySerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    persons = ImportFileSummarySerializer()
    involvements = ImportFileSummarySerializer(allow_null=True)
    families = ImportFamilySummarySerializer()
    rejected = ImportProblemSerializer(many=True)
    warnings = ImportProblemSerializer(many=True)


def _source(upload: UploadedFile) -> importing.ImportSource:
    # Only the base name, shortened: it is repeated in every line of the report.
    name = PurePath(upload.name or "upload.csv").name[:100]
    return importing.ImportSource(name=name, content=upload.read())


class FamilyImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import families",
        description=(
            "Import families, persons and involvements from CSV files, for administrators. "
            "Rows are keyed by the region's references, so sending the same files again "
            "changes nothing. Every rejected row is reported with its line, field and "
            "reason; the other rows are imported. A file that cannot be read (wrong "
            "encoding, missing columns) is refused with 400 and nothing is imported. "
            "An import never registers an involvement for the importing user, and an "
            "involvement it adds to a family that already existed waits for the approval "
            "of the family's coordinator or a privacy officer. A dry run checks against "
            "the families you may see only, so it reveals nothing about the others. "
            "The format is described in docs/import-format.md."
        ),
        request={"multipart/form-data": FamilyImportSerializer},
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(
                ProblemDetailsSerializer,
                description="A file is missing, too large or unreadable; nothing was imported.",
            ),
            403: OpenApiResponse(
                ProblemDetailsSerializer,
                description="Not logged in, or not an administrator.",
            ),
        },
        examples=[
            OpenApiExample(
                "Report",
                response_only=True,
                value={
                    "dry_run": False,
                    "persons": {
                        "file": "persons.csv",
                        "rows": 3,
                        "created": 2,
                        "updated": 0,
                        "unchanged": 0,
                        "rejected": 1,
                        "error": "",
                    },
                    "involvements": None,
                    "families": {"created": 1, "updated": 0, "unchanged": 0},
                    "rejected": [
                        {
                            "file": "persons.csv",
                            "line": 4,
                            "field": "bsn",
                            "reason": "This is not a valid BSN (it fails the 11-proef).",
                        }
                    ],
                    "warnings": [],
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        # Before the upload is parsed: others are refused without reading their files.
        require_role(request.user, ProfessionalRole.ADMINISTRATOR)
        form = FamilyImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        involvements = form.validated_data.get("involvements")
        report = importing.import_families(
            persons=_source(form.validated_data["persons"]),
            involvements=_source(involvements) if involvements else None,
            actor=Actor.for_user(request.user),
            user=request.user,
            dry_run=form.validated_data["dry_run"],
        )
        if report.unreadable:
            errors = {"persons": report.persons.error}
            if report.involvements is not None:
                errors["involvements"] = report.involvements.error
            raise ValidationError({name: [error] for name, error in errors.items() if error})
        return Response(ImportReportSerializer(report.as_dict()).data)
