"""The UI components: what they render, that user text is escaped, and the attributes
assistive technology relies on."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.utils import translation

from rits.components import dates

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def render(source: str, **context) -> str:
    with translation.override("en"):
        return Template("{% load components %}" + source).render(Context(context))


# --- field ----------------------------------------------------------------------------


class ExampleForm(forms.Form):
    surname = forms.CharField(label="Surname", help_text="As in the <BRP>")
    nickname = forms.CharField(label="Nickname", required=False)
    agrees = forms.BooleanField(label="Agrees", required=False)
    colour = forms.ChoiceField(
        label="Colour", choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect
    )


def test_field_links_help_text_and_errors_to_the_input():
    form = ExampleForm(data={"surname": ""})
    html = render("{% field form.surname %}", form=form)
    assert '<label class="utrecht-form-label" for="id_surname">Surname</label>' in html
    assert 'id="id_surname_helptext"' in html and 'id="id_surname_error"' in html
    assert 'aria-describedby="id_surname_helptext id_surname_error"' in html
    assert 'aria-invalid="true"' in html
    assert "(optional)" not in html  # required: no marker
    assert "As in the &lt;BRP&gt;" in html  # help text escaped


def test_field_marks_an_optional_field_and_leaves_a_valid_one_uninvalid():
    form = ExampleForm(data={"surname": "Haile"})
    form.is_valid()
    html = render("{% field form.nickname %}", form=form)
    assert "(optional)" in html
    assert "aria-invalid" not in html and "aria-describedby" not in html


def test_field_radio_buttons_are_a_fieldset_with_a_legend():
    html = render("{% field form.colour %}", form=ExampleForm(data={}))
    assert "<fieldset" in html and '<legend class="utrecht-form-fieldset__legend">Colour' in html
    assert 'aria-describedby="id_colour_error"' in html
    assert html.count('type="radio"') == 2


def test_field_checkbox_has_its_label_after_the_box():
    html = render("{% field form.agrees %}", form=ExampleForm())
    assert html.index('type="checkbox"') < html.index('for="id_agrees"')


def test_field_escapes_the_submitted_value():
    html = render("{% field form.surname %}", form=ExampleForm(data={"surname": '"><script>'}))
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html


# --- data table, flag, badges, card -----------------------------------------------------


def test_data_table_has_a_caption_and_column_headers():
    html = render(
        '{% data_table "Name" "Role" caption=caption id="people" %}<tr><td>x</td></tr>{% enddata_table %}',
        caption="People & roles",
    )
    assert 'class="utrecht-table rits-table"' in html
    assert (
        '<caption class="utrecht-table__caption rits-caption" id="people-caption">People &amp; roles</caption>'
        in html
    )
    assert '<th scope="col">Name</th><th scope="col">Role</th>' in html
    assert '<tbody class="utrecht-table__body"><tr><td>x</td></tr></tbody>' in html


def test_a_scrolling_table_is_a_named_focusable_region():
    html = render('{% data_table "A" caption="Wide" id="w" scroll=True %}{% enddata_table %}')
    assert 'tabindex="0" role="region" aria-label="Table: Wide"' in html
    hidden = render(
        '{% data_table "A" caption="Only for readers" caption_hidden=True %}{% enddata_table %}'
    )
    assert "rits-visually-hidden" in hidden and "Only for readers" in hidden


def test_every_table_scrolls_in_its_own_named_region_unless_told_not_to():
    # A narrow screen (issue 11): the table scrolls, not the page.
    plain = render('{% data_table "A" caption="Members" id="m" %}{% enddata_table %}')
    assert (
        'class="rits-table-scroll" tabindex="0" role="region" aria-label="Table: Members"' in plain
    )
    untitled = render('{% data_table "A" %}{% enddata_table %}')
    assert 'role="region" aria-label="Table"' in untitled
    bare = render('{% data_table "A" caption="Short" scroll=False %}{% enddata_table %}')
    assert "rits-table-scroll" not in bare


def test_flag_carries_its_meaning_in_words_and_escapes_them():
    html = render('{% flag text "stale" %}', text="<b>stale</b>")
    assert (
        html.strip()
        == '<strong class="rits-flag rits-flag--stale">&lt;b&gt;stale&lt;/b&gt;</strong>'
    )
    assert 'rits-flag--overdue">crisis' in render('{% flag "crisis" "crisis" %}')
    with pytest.raises(TemplateSyntaxError):
        render('{% flag "x" kind %}', kind='overdue" onclick="x')


def test_domain_badges_name_the_domains_in_the_reader_language():
    html = render("{% domain_badges domains %}", domains=["finances", "no-such", "housing"])
    assert html.count('class="rits-badge"') == 2
    assert ">Finances<" in html and ">Housing<" in html and "no-such" not in html
    with translation.override("nl"):
        dutch = Template("{% load components %}{% domain_badges d %}").render(
            Context({"d": ["housing"]})
        )
    assert ">Wonen<" in dutch


def test_domain_badges_follow_the_life_domain_order_whatever_order_they_come_in():
    from rits.core.domains import LifeDomain

    shuffled = ["safety", "housing", "finances", "mental_health", "housing", "addiction"]
    with translation.override("en"):
        html = render("{% domain_badges domains %}", domains=shuffled)
        expected = [str(d.label) for d in LifeDomain if d.value in shuffled]
    shown = re.findall(r'class="rits-badge"[^>]*>([^<]+)<', html)
    assert shown == expected


def test_card_is_a_section_named_by_its_heading():
    html = render('{% card heading=h id="x" heading_level=3 %}<p>in</p>{% endcard %}', h="<i>T</i>")
    assert '<section class="rits-card" id="x" aria-labelledby="x-heading">' in html
    assert '<h3 class="utrecht-heading-3" id="x-heading">&lt;i&gt;T&lt;/i&gt;</h3>' in html
    assert "<p>in</p>" in html


# --- date -------------------------------------------------------------------------------


def test_date_renders_a_time_element_for_a_date():
    html = render("{% date d %}", d=datetime.date(2026, 3, 1))
    assert html == '<time datetime="2026-03-01">01-03-2026</time>'
    assert render("{% date d %}", d=None) == ""


def test_date_shows_a_utc_time_in_local_time_across_the_dst_change():
    summer = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)  # 02:30 CEST
    winter = datetime.datetime(2026, 10, 25, 4, 30, tzinfo=datetime.UTC)  # 05:30 CET
    assert render('{% date t "time" %}', t=summer) == (
        '<time datetime="2026-10-25T02:30:00+02:00">02:30</time>'
    )
    assert render('{% date t "datetime" %}', t=winter) == (
        '<time datetime="2026-10-25T05:30:00+01:00">25-10-2026 05:30</time>'
    )


def test_date_long_style_names_the_month_in_the_reader_language():
    d = datetime.date(2026, 12, 2)
    assert "Dec. 2, 2026" in render('{% date d "long" %}', d=d)
    with translation.override("nl"):
        assert dates.human_value(d, "long") == "2 december 2026"


def test_date_refuses_an_unknown_style():
    with pytest.raises(ValueError):
        dates.human_value(datetime.date(2026, 1, 1), "fancy")


# --- work item card, progress, pagination ------------------------------------------------


class Item:
    id = 7
    title = "Rent arrears"
    reason = "<script>x</script>"
    due_date = datetime.date(2026, 1, 5)
    overdue = True
    status_label = "Open"
    assignee = ""
    visible = False
    escalated = True
    crisis = False


def test_work_item_card_shows_what_why_when_and_who_without_family_data_when_not_visible():
    html = render("{% work_item_card item %}<p>more</p>{% endwork_item_card %}", item=Item())
    assert 'aria-labelledby="alert-7-title"' in html and 'id="alert-7-title"' in html
    assert "&lt;script&gt;" in html and "<script>x" not in html
    assert 'dir="auto"' in html  # a reason in Arabic reads right to left
    assert ">escalated to the team lead<" in html and ">overdue<" in html
    assert '<time datetime="2026-01-05">05-01-2026</time>' in html
    assert "no coordinator yet" in html and "not involved with" in html
    assert "<p>more</p>" in html
    assert "<a " not in html  # no link to a family it may not name


def test_work_item_card_links_the_family_when_given():
    html = render(
        '{% work_item_card item link="/families/1/" link_text=name %}{% endwork_item_card %}',
        item=Item(),
        name="Gezin <Haile>",
    )
    assert '<a class="utrecht-link" href="/families/1/"><bdi>Gezin &lt;Haile&gt;</bdi></a>' in html


def test_progress_is_a_labelled_progressbar_with_its_value():
    html = render('{% progress 42 id="bar" label="Progress" %}')
    assert 'role="progressbar"' in html and 'aria-valuenow="42"' in html
    assert 'aria-valuemin="0" aria-valuemax="100"' in html
    assert '<label class="utrecht-form-label" for="bar" id="bar-label">Progress</label>' in html
    assert 'aria-live="polite">42%' in html
    assert 'aria-valuenow="0"' in render('{% progress None id="b" label="P" %}')


def test_pagination_marks_the_current_page_and_keeps_the_other_parameters():
    page = Paginator(list(range(100)), 10).page(3)
    request = RequestFactory().get("/log/", {"status": "open", "q": "a&b", "page": "3"})
    html = render("{% pagination page %}", page=page, request=request)
    assert '<nav class="rits-pagination" aria-label="Pages">' in html
    current = re.findall(r'<a [^>]*aria-current="page"[^>]*>', html)
    assert len(current) == 1 and "page=3" in current[0]
    assert 'href="?status=open&amp;q=a%26b&amp;page=4" rel="next"' in html
    assert 'href="?status=open&amp;q=a%26b&amp;page=2" rel="prev"' in html


def test_pagination_keeps_the_parameters_it_is_given_instead_of_the_address():
    # A search that was posted keeps its search in the page links, never a BSN.
    from django.http import QueryDict

    page = Paginator(list(range(30)), 10).page(1)
    request = RequestFactory().post("/families/", {"q": "123456782"})
    html = render(
        "{% pagination page query=keep %}",
        page=page,
        request=request,
        keep=QueryDict("q=Bakker&sort=-name"),
    )
    assert 'href="?q=Bakker&amp;sort=-name&amp;page=2"' in html
    assert "123456782" not in html


def test_sortable_headers_link_to_the_other_order_and_say_how_it_is_sorted():
    from django.http import QueryDict

    from rits.core.listing import Sorting, SortKey

    sorting = Sorting({"name": SortKey("Name", ("name",)), "age": SortKey("Age", ("age",))}, "name")
    order = sorting.choose("-name")
    headers = sorting.headers(order, QueryDict("q=a%26b&page=3"), "name", "age", "Notes")
    html = render(
        "{% data_table header_list=headers caption='People' %}{% enddata_table %}",
        headers=headers,
    )
    assert (
        '<th scope="col" aria-sort="descending"><a class="utrecht-link rits-sort" href="?q=a%26b&amp;sort=name">Name'
        in html
    )
    assert (
        '<th scope="col"><a class="utrecht-link rits-sort" href="?q=a%26b&amp;sort=age">Age</a></th>'
        in html
    )
    assert '<th scope="col">Notes</th>' in html
    assert "page=" not in html  # a new order starts at the first page


def test_sorting_takes_only_its_own_keys():
    from rits.core.listing import Sorting, SortKey

    sorting = Sorting({"name": SortKey("Name", ("name",))}, "name")
    for bad in ("", None, "id", "-", "--name", "name__len", " -password", "name;"):
        assert sorting.choose(bad) == sorting.default
    assert sorting.order_by(sorting.choose("-name")) == ["-name", "-id"]
    with pytest.raises(ValueError):
        Sorting({"name": SortKey("Name", ("name",))}, "age")


def test_pagination_of_one_page_renders_nothing():
    page = Paginator([1, 2], 10).page(1)
    assert render("{% pagination page %}", page=page).strip() == ""


def test_every_component_documents_its_variables():
    from rits.components.templatetags import components

    for name in ("field", "flag", "date_tag", "domain_badges", "progress", "pagination"):
        doc = getattr(components, name).__doc__
        assert "Usage:" in doc and "+ " in doc, name
    for name in ("card", "data_table", "work_item_card"):
        doc = getattr(components, name).__doc__
        assert "Usage:" in doc and "+ " in doc and "- " in doc, name
