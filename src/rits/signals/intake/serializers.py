"""Serializers of the signal intake API. The rows themselves are checked by
``rits.signals.intake.parsing`` (one set of rules for files, arrays and single signals); the
input serializer here describes that format in the OpenAPI document.

The answers are written from ``selectors.Delivery`` and ``selectors.SignalIntake``, what
a source may see of its deliveries: how they were taken in, never what became of a
signal afterwards (linked or not, alerts)."""

from rest_framework import serializers

from rits.signals.models import BatchFormat, BatchStatus, SignalStatus, SignalType
from rits.signals.types import RISK_CODES

FORMAT_HELP = "See docs/signal-format.md for every field, the accepted values and the errors."


class SignalInputSerializer(serializers.Serializer):
    """One signal: a JSON object with the columns of the file format."""

    reference = serializers.CharField(
        max_length=100,
        help_text="Your own unique id of this signal. Sending a reference again never makes "
        "a second signal.",
    )
    signal_type = serializers.ChoiceField(choices=SignalType.choices)
    signal_date = serializers.DateField(
        help_text="When the signal arose: YYYY-MM-DD (or DD-MM-YYYY); not in the future."
    )
    since = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Since when the situation exists (e.g. the first unpaid month); not after "
        "signal_date.",
    )
    amount_eur = serializers.CharField(
        required=False,
        allow_null=True,
        help_text='Amount in euros, not negative, at most two decimals: "1234.56", '
        '"1.234,56" or a JSON number.',
    )
    crisis = serializers.BooleanField(
        required=False,
        help_text="Eviction, cut-off or loss of insurance is threatened. true/false (also "
        '"ja"/"nee", "1"/"0"); empty is false.',
    )
    bsn = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Optional; must pass the 11-proef. Stored encrypted; never repeated in any "
        "answer or report.",
    )
    surname = serializers.CharField(required=False, allow_blank=True, max_length=200)
    prefix = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="e.g. 'van', 'de'."
    )
    given_names = serializers.CharField(required=False, allow_blank=True, max_length=200)
    birth_date = serializers.DateField(required=False, allow_null=True)
    postcode = serializers.CharField(
        required=False, allow_blank=True, help_text="Dutch postcode, e.g. 3511 AB."
    )
    house_number = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    house_number_suffix = serializers.CharField(required=False, allow_blank=True, max_length=10)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    risk_code = serializers.ChoiceField(
        choices=[(c, c) for c in RISK_CODES],
        required=False,
        allow_blank=True,
        help_text="Verwijsindex risk category (a–l); required for risk_registration and only "
        "allowed there.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Free text, stored as text: never interpreted as HTML or a formula.",
    )


class SignalProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text="In a CSV file the line (the header is line 1); in a JSON array the "
        "position of the object (the first is 1)."
    )
    reference = serializers.CharField(
        allow_blank=True, help_text="The row's reference, when it could be read."
    )
    field = serializers.CharField(
        allow_null=True, help_text="The field at fault; null when the whole row is."
    )
    reason = serializers.CharField(help_text="Never contains the content of a field.")


# Written from a ``selectors.SignalIntake``.
class SignalReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[(SignalStatus.RECEIVED.value, SignalStatus.RECEIVED.label)],
        help_text="Always received: what becomes of a signal after intake is not told to "
        "its source.",
    )
    duplicate = serializers.BooleanField(
        help_text="true when this reference had been received before; nothing was changed."
    )
    warnings = SignalProblemSerializer(many=True)


class SignalBatchUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A CSV file or a JSON array of signal objects. " + FORMAT_HELP
    )


class SignalBatchAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    url = serializers.CharField(help_text="Where to follow the batch (also the Location header).")


class SignalBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file_name = serializers.CharField()
    format = serializers.ChoiceField(choices=BatchFormat.choices)
    status = serializers.ChoiceField(
        choices=BatchStatus.choices,
        help_text="received → processing → done; failed when the file as a whole could not "
        "be read (then nothing from it was accepted) or when processing stopped on an "
        "error (then the rows in the counts were taken in, the rest was not): see error.",
    )
    received_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    size_bytes = serializers.IntegerField()
    rows = serializers.IntegerField(help_text="Rows read so far.")
    accepted = serializers.IntegerField(help_text="Rows stored as a new signal.")
    duplicates = serializers.IntegerField(
        help_text="Good rows whose reference had been received before (or earlier in this "
        "batch); nothing was changed for them."
    )
    rejected = serializers.IntegerField(help_text="Rows refused; see report.")
    error = serializers.CharField(
        allow_blank=True,
        help_text="Why the batch failed (the file could not be read, or processing stopped); "
        "empty when it did not.",
    )
    warnings = SignalProblemSerializer(
        many=True, help_text="Remarks that did not stop the file, e.g. ignored columns."
    )
    report_total = serializers.IntegerField(help_text="Number of lines in the whole report.")
    report = SignalProblemSerializer(
        many=True,
        help_text="One line per problem of a rejected row (a row can have several), in line "
        "order; a page of at most `limit` lines from `offset`.",
    )
