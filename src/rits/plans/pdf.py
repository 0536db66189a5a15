"""The plan as a plain-language PDF for the family, in Dutch or English.

The PDF is made with WeasyPrint from a Django template (HTML + CSS). Everything it needs
is in the document itself: it never fetches a URL or a file, and it uses the system's
fonts through fontconfig (DejaVu Sans on Debian). What it shows is what the requesting
professional may see of the plan (``selectors.plan_document``, audited as an export)."""

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from rits.plans import selectors
from rits.plans.models import Agreement, AgreementStatus, Assessment
from rits.plans.scale import assessment_scale, scale_step
from rits.plans.selectors import PlanPage, is_overdue, owner_name_for

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

# The status of an agreement in the words a family would use.
STATUS_WORDS = {
    AgreementStatus.OPEN: gettext_lazy("Still to do"),
    AgreementStatus.DONE: gettext_lazy("Done"),
    AgreementStatus.NOT_DONE: gettext_lazy("Did not happen"),
    AgreementStatus.CHANGED: gettext_lazy("Changed"),
}


@dataclass
class AgreementLine:
    who: str
    what: str
    by_when: date
    status: str
    note: str
    overdue: bool


@dataclass
class ScoreLine:
    whom: str
    score: int
    label: str
    description: str
    explanation: str
    assessed_on: date
    assessed_by: str


@dataclass
class DomainSection:
    label: str
    scores: list[ScoreLine]


@dataclass
class Maker:
    name: str
    organisation: str
    phone: str
    email: str
    is_coordinator: bool


def _agreement_lines(page: PlanPage) -> list[AgreementLine]:
    agreements: list[Agreement] = [a for g in page.goals for a in g.agreements]
    agreements += page.loose_agreements
    agreements.sort(key=lambda a: (a.due_date, a.pk))
    lines = []
    for a in agreements:
        overdue = is_overdue(a, page.today)
        status = STATUS_WORDS.get(a.status, a.get_status_display())
        lines.append(
            AgreementLine(
                who=owner_name_for(a, page.owners_in_view),
                what=a.action,
                by_when=a.due_date,
                status=_("Still to do: the date has passed") if overdue else str(status),
                note=a.status_note,
                overdue=overdue,
            )
        )
    return lines


def _score_line(whom: str, assessment: Assessment) -> ScoreLine:
    step = scale_step(assessment.score)
    return ScoreLine(
        whom=whom,
        score=assessment.score,
        label=str(step.label) if step else "",
        description=str(step.description) if step else "",
        explanation=assessment.explanation,
        assessed_on=assessment.assessed_on,
        assessed_by=assessment.assessed_by_name,
    )


def _domain_sections(page: PlanPage) -> tuple[list[DomainSection], list[str]]:
    """The life domains someone looked at, with their scores in words; and the labels of
    the (visible) domains nobody looked at yet."""
    sections, not_looked_at = [], []
    for row in page.domains:
        if not row.looked_at:
            not_looked_at.append(str(row.label))
            continue
        scores = []
        if row.household:
            scores.append(_score_line(_("The whole family"), row.household))
        scores += [
            _score_line(m.membership.person.full_name, m.assessment)
            for m in row.members
            if m.assessment
        ]
        sections.append(DomainSection(str(row.label), scores))
    return sections, not_looked_at


def _maker(page: PlanPage) -> Maker:
    """Whom the family can ask about this plan: its coordinator, or else whoever printed it."""
    coordinator = selectors.family_coordinator(grant=page.grant)
    if coordinator is not None and coordinator.professional_id:
        professional = coordinator.professional
        return Maker(
            name=professional.name,
            organisation=coordinator.organisation.name,
            phone=professional.phone or coordinator.organisation.phone,
            email=professional.email,
            is_coordinator=True,
        )
    professional = page.grant.professional
    return Maker(
        name=professional.name,
        organisation=professional.organisation.name,
        phone=professional.phone or professional.organisation.phone,
        email=professional.email,
        is_coordinator=False,
    )


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string: a translation may hold any character."""
    escaped = "".join(
        f"\\{ord(c):x} " if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F else c for c in text
    )
    return f'"{escaped}"'


def _page_number_css() -> str:
    """The page numbers in the bottom margin, in the active language."""
    parts = []
    # Translators: the page number at the bottom of each page of the printed plan.
    text = _("Page %(page)s of %(pages)s")
    for piece in re.split(r"(%\(pages?\)s)", text):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return "@page { @bottom-right { content: " + " ".join(parts) + "; } }"


def _no_fetching_fetcher():
    """A URL fetcher that refuses everything: the document holds all it needs, and a
    plan must never make the server fetch a URL or read a file."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"the plan's PDF fetches nothing ({url[:60]})")

    return NoFetching()


def language_of(request) -> str:
    lang = request.GET.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def render_plan_pdf(page: PlanPage, *, lang: str) -> bytes:
    """The plan as a PDF, written in ``lang`` (the family's own words stay as they are)."""
    # Imported on first use: WeasyPrint loads Pango when imported, and the rest of Rits
    # should start (and fail here only) on a machine without it.
    import weasyprint

    with translation.override(lang):
        domain_sections, not_looked_at = _domain_sections(page)
        version = page.current_version
        scale = assessment_scale()
        context = {
            "page": page,
            "lang": lang,
            "family": page.grant.family,
            "version": version,
            "agreements": _agreement_lines(page),
            "domain_sections": domain_sections,
            "not_looked_at": not_looked_at,
            "trusted": [c for c in page.crisis_contacts if c.is_trusted_person],
            "other_contacts": [c for c in page.crisis_contacts if not c.is_trusted_person],
            "show_safety": page.sees_safety
            and bool(page.working_well or page.worries or page.needs),
            # Whoever does not see every life domain prints a part of the plan only.
            # and so does whoever cannot see some part that is there.
            "partial_copy": not page.sees_family_group_plan or page.hides_parts,
            "scale_low": scale[0].score,
            "scale_high": scale[-1].score,
            "maker": _maker(page),
        }
        html = render_to_string("plans/plan_pdf.html", context)
        fetcher = _no_fetching_fetcher()
        return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
            stylesheets=[weasyprint.CSS(string=_page_number_css(), url_fetcher=fetcher)],
            pdf_variant="pdf/ua-1",
        )


@login_required
@require_GET
def plan_pdf(request, family_id: int):
    page = selectors.plan_document(user=request.user, family_id=family_id)
    lang = language_of(request)
    pdf = render_plan_pdf(page, lang=lang)
    version = page.current_version
    filename = f"plan-{int(family_id)}" + (f"-v{version.number}" if version else "") + ".pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = lang
    return response
