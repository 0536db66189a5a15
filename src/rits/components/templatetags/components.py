"""The UI components: NL Design System (Utrecht) markup, right-to-left and WCAG solved
once, for the professional pages and the coming family portal. Each tag documents its
variables like Open Inwoner's components: ``+`` required, ``-`` optional.

Load with ``{% load components %}``. Block components (``card``, ``data_table``,
``work_item_card``) take their inner HTML as ``contents``."""

from django import template
from django.template.base import token_kwargs
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rits.components import dates, registry
from rits.core.domains import LifeDomain, in_order

register = template.Library()


# --- block components -------------------------------------------------------------------


class ComponentNode(template.Node):
    """Renders ``template_name`` with what ``prepare(*args, contents=..., **kwargs)``
    returns, in a fresh context (like an inclusion tag), the block's inner HTML as
    ``contents`` (rendered in the page's own context)."""

    def __init__(self, nodelist, template_name, prepare, args, kwargs):
        self.nodelist = nodelist
        self.template_name = template_name
        self.prepare = prepare
        self.args = args
        self.kwargs = kwargs

    def render(self, context):
        args = [a.resolve(context) for a in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        values = self.prepare(*args, contents=mark_safe(self.nodelist.render(context)), **kwargs)  # noqa: S308 (rendered by the template engine, so escaped)
        new = context.new(values)
        if "csrf_token" in context:
            new["csrf_token"] = context["csrf_token"]
        return context.template.engine.get_template(self.template_name).render(new)


def block_component(name: str, template_name: str):
    def decorator(prepare):
        def compile_tag(parser, token):
            bits = token.split_contents()[1:]
            args, kwargs = [], {}
            for bit in bits:
                found = token_kwargs([bit], parser)
                if found:
                    kwargs.update(found)
                elif kwargs:
                    raise template.TemplateSyntaxError(
                        f"{name}: a positional argument after keyword arguments"
                    )
                else:
                    args.append(parser.compile_filter(bit))
            nodelist = parser.parse((f"end{name}",))
            parser.delete_first_token()
            return ComponentNode(nodelist, template_name, prepare, args, kwargs)

        compile_tag.__doc__ = prepare.__doc__
        register.tag(name, compile_tag)
        return prepare

    return decorator


@block_component("card", "components/card.html")
def card(heading="", *, contents, id="", heading_level=2, extra_class=""):
    """A card: a section with a heading that names it for screen readers.

    Usage:
        {% card heading=_("Members") id="members" %}…{% endcard %}

    Variables:
        + heading: string | the card's title (also its accessible name).
        + id: string | the section's id; the heading's id is ``<id>-heading``.
        - heading_level: int | 2 (default), 3 or 4.
        - extra_class: string | more classes on the section (e.g. "rits-reminders").
    """
    return {
        "heading": heading,
        "id": id,
        "heading_level": heading_level if heading_level in (2, 3, 4) else 2,
        "extra_class": extra_class,
        "contents": contents,
    }


@block_component("data_table", "components/data_table.html")
def data_table(
    *headers,
    contents,
    caption="",
    caption_hidden=False,
    id="",
    extra_class="",
    scroll=True,
    header_list=(),
):
    """A data table (Utrecht table): a caption, column headers with ``scope="col"``, the
    rows given as the block's contents (``<tr>`` elements).

    Usage:
        {% data_table _("Name") _("Role") caption=_("Members") %}<tr>…</tr>{% enddata_table %}

    Variables:
        + headers: strings | the column headers, in order (positional).
        - header_list: list | the headers as one list instead, e.g. the sortable ones of
          ``rits.core.listing.Sorting.headers`` (a link, ``aria-sort`` on the sorted one).
        + caption: string | what the table shows; every table needs one.
        - caption_hidden: bool | the caption for screen readers only.
        - id: string | the table's id (the caption's id is ``<id>-caption``).
        - extra_class: string | more classes on the table.
        - scroll: bool | True (default): wrap it in a focusable region that scrolls sideways
          on a narrow screen (WCAG 1.4.10), named by the caption (or "Table" without one).
          For a main list, give ``extra_class="rits-table--stack"`` and a ``data-label`` on
          each cell instead: on a narrow screen each row becomes a block of labelled lines.
    """
    return {
        "scroll": scroll,
        "headers": list(headers) + list(header_list),
        "caption": caption,
        "caption_hidden": caption_hidden,
        "id": id or f"table-{slugify(str(caption))[:40] or 'data'}",
        "extra_class": extra_class,
        "contents": contents,
    }


@block_component("work_item_card", "components/work_item_card.html")
def work_item_card(item, *, contents, link="", link_text="", heading_level=2):
    """A work item (an alert today; later an agenda item, a placement request, an iJw
    deadline): what it is, why, when it is due and who has it. A line that is not
    ``visible`` shows no family data at all.

    Usage:
        {% work_item_card line link=family_url link_text=line.family.name %}…{% endwork_item_card %}

    Variables:
        + item: object | with ``id``, ``title``, ``reason``, ``due_date``, ``overdue``,
          ``status_label``, ``assignee``, ``visible``, ``escalated``, ``crisis``.
        - link: url | where the title's second part links to (the family).
        - link_text: string | the text of that link.
        - heading_level: int | 2 (default) or 3.
        - contents: html | more of the card (details, actions), from the block.
    """
    return {
        "item": item,
        "link": link,
        "link_text": link_text,
        "heading_level": 3 if heading_level == 3 else 2,
        "contents": contents,
    }


# --- inclusion components ---------------------------------------------------------------


def _input_type(field) -> str:
    return getattr(field.field.widget, "input_type", "") or ""


@register.inclusion_tag("components/field.html")
def field(bound_field, **kwargs):
    """One form field: its label (with "(optional)" when not required), help text and
    errors next to it, linked to the input with ``aria-describedby`` and
    ``aria-invalid``. Radio buttons and multiple checkboxes become a fieldset with a
    legend.

    Usage:
        {% field form.surname %}

    Variables:
        + bound_field: BoundField | the form's field.
    """
    f = bound_field
    described = []
    if f.help_text:
        described.append(f"{f.auto_id}_helptext")
    if f.errors:
        described.append(f"{f.auto_id}_error")
    attrs = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if f.errors:
        attrs["aria-invalid"] = "true"
    kind = _input_type(f)
    multiple = getattr(f.field.widget, "allow_multiple_selected", False)
    if kind == "radio" or (kind == "checkbox" and multiple):
        kind = "choices"
    return {
        "field": f,
        "kind": kind,
        "described_by": " ".join(described),
        "optional": not f.field.required and not getattr(f.field, "conditionally_required", False),
        "widget": "" if kind == "choices" else f.as_widget(attrs=attrs),
        "inline": getattr(f.field, "inline", False),
    }


FLAG_KINDS = {"overdue", "stale", "not-looked-at", "trusted", "crisis", "escalated", "family"}


@register.inclusion_tag("components/flag.html")
def flag(text, kind="overdue"):
    """A flag: a short word that marks something needing attention. The meaning is in
    the word, not only in the colour (WCAG 1.4.1).

    Usage:
        {% flag _("overdue") %}  {% flag _("stale") "stale" %}

    Variables:
        + text: string | the word (escaped).
        - kind: string | one of overdue (default), stale, not-looked-at, trusted,
          crisis, escalated; chooses the colour.
    """
    if kind not in FLAG_KINDS:
        raise template.TemplateSyntaxError(f"flag: unknown kind {kind!r}")
    # crisis and escalated are overdue-coloured: the same urgency.
    css = "overdue" if kind in {"crisis", "escalated"} else kind
    return {"text": text, "kind": css}


@register.simple_tag(name="date")
def date_tag(value, style="date"):
    """A date or time in a ``<time>`` element: machine-readable (ISO 8601, with the UTC
    offset for a time) and shown in the reader's local time (TIME_ZONE) and language.
    Nothing for an empty value.

    Usage:
        {% date agreement.due_date %}  {% date event.occurred_at "datetime" %}

    Variables:
        + value: date or datetime.
        - style: string | date (default, 02-12-2026), datetime (02-12-2026 14:30),
          seconds, time (14:30), long (2 december 2026), long_datetime.
    """
    if value in (None, ""):
        return ""
    return dates.time_element(value, style)


@register.inclusion_tag("components/domain_badges.html")
def domain_badges(domains, label=""):
    """The life domains as badges, by their translated names (unknown codes left out).

    Usage:
        {% domain_badges involvement.domains %}

    Variables:
        + domains: list | life-domain codes (rits.core.domains.LifeDomain).
        - label: string | a text for screen readers before the list.
    """
    labels = [LifeDomain(d).label for d in in_order(domains) if d in LifeDomain.values]
    return {"labels": labels, "label": label}


@register.inclusion_tag("components/progress.html")
def progress(value, *, id, label, max=100, live=True):
    """Progress of long work (an intake batch, later a matching job) as a progress bar
    with ``role="progressbar"``, ``aria-valuenow``, a visible label and the percentage
    in words, announced politely when ``live``.

    Usage:
        {% progress batch.percent id="batch-progress-bar" label=_("Progress") %}

    Variables:
        + value: number | how far (0..max).
        + id: string | the bar's id.
        + label: string | the visible label.
        - max: number | 100 (default).
        - live: bool | announce changes (aria-live="polite"); True by default.
    """
    value = value or 0
    percent = round(100 * value / max) if max else 0
    return {"value": value, "max": max, "id": id, "label": label, "live": live, "percent": percent}


@register.inclusion_tag("components/pagination.html", takes_context=True)
def pagination(context, page, param="page", label="", query=None):
    """Links to the other pages of a list: a ``nav`` with a name, the current page marked
    with ``aria-current="page"``; every other query parameter of the address is kept.

    Usage:
        {% pagination page_obj %}

    Variables:
        + page: django.core.paginator.Page.
        - param: string | the query parameter for the page number ("page").
        - label: string | the navigation's name ("Pages").
        - query: QueryDict | the parameters to keep instead of the address's own (a list
          whose search was posted keeps its search, but never a BSN).
    """
    request = context.get("request")
    if query is None:
        query = request.GET.copy() if request is not None else None

    def href(number: int) -> str:
        if query is None:
            return f"?{param}={number}"
        q = query.copy()
        q[param] = str(number)
        return "?" + q.urlencode()

    paginator = page.paginator
    links = [
        {"ellipsis": True}
        if n == paginator.ELLIPSIS
        else {"number": n, "href": href(n), "current": n == page.number}
        for n in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return {
        "page": page,
        "links": links if paginator.num_pages > 1 else [],
        "previous": href(page.previous_page_number()) if page.has_previous() else "",
        "next": href(page.next_page_number()) if page.has_next() else "",
        "label": label or _("Pages"),
    }


# --- composition: panels and the menu ------------------------------------------------


@register.simple_tag(takes_context=True)
def panel(context, shown: registry.ShownPanel):
    """One registered panel (``registry.family_panels`` and friends): its template with
    the page's context plus what its context function returned.

    Usage:
        {% for p in panels %}{% panel p %}{% endfor %}

    Variables:
        + shown: registry.ShownPanel.
    """
    with context.push(**shown.context):
        return context.template.engine.get_template(shown.template).render(context)


@register.inclusion_tag("components/main_menu.html", takes_context=True)
def main_menu(context):
    """The main menu: the items the apps registered (``registry.register_nav``) that this
    professional may see, the current page marked.

    Usage:
        {% main_menu %}
    """
    return {"items": registry.nav_for(context.get("request"), context.get("professional"))}
