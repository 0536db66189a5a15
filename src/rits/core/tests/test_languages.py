"""Languages are chosen by name, named in the reader's language and in themselves."""

from django.utils import translation

from rits.core import languages
from rits.core.templatetags.rits import own_language_name
from rits.families.forms import MemberForm


def test_a_language_is_named_in_the_readers_language_and_in_itself():
    with translation.override("nl"):
        assert languages.language_name("ti") == "Tigrinya — ትግርኛ"
        assert languages.language_name("ar") == "Arabisch — العربية"
        assert languages.language_name("nl") == "Nederlands"
    with translation.override("en"):
        assert languages.language_name("ar") == "Arabic — العربية"
        assert languages.language_name("prs") == "Dari — دری"


def test_every_language_on_the_list_has_a_name_in_dutch_and_english():
    for code in languages.SPOKEN_LANGUAGES:
        for reader in ("nl", "en"):
            with translation.override(reader):
                assert languages.name_in_reader_language(code) != code, (code, reader)


def test_the_list_is_sorted_by_name_in_the_readers_language():
    with translation.override("nl"):
        names = [name for _, name in languages.language_choices()]
    assert names == sorted(names, key=str.casefold)
    assert names.index("Arabisch — العربية") < names.index("Nederlands")


def test_an_unknown_code_is_shown_as_itself_and_kept_for_a_person_who_has_it():
    assert languages.language_name("qqq") == "qqq"
    form = MemberForm(initial={"languages": ["qqq", "nl"]})
    assert ("qqq", "qqq") in form.fields["languages"].choices
    assert "qqq" not in dict(MemberForm().fields["languages"].choices)


def test_the_own_name_is_left_out_where_it_equals_the_readers_name():
    with translation.override("nl"):
        assert own_language_name("nl") == ""
        assert own_language_name("ti") == "ትግርኛ"
