"""Versions of the linkage model: linking uses the active one and records it on what it
decides, holds its signals when the model cannot be used, and a model trained on the
region (``train_linkage_model``) is saved inactive until activated."""

import datetime
import json
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from rits.audit.models import AuditEvent
from rits.signals import linking, pipeline
from rits.signals.linking import matcher, model, model_versions, normalise, training
from rits.signals.linking.model import LinkageModelUnavailable
from rits.signals.models import (
    LinkageModel,
    LinkMethod,
    LinkReview,
    Signal,
    SignalLink,
    SignalStatus,
)
from rits.signals.tests.test_linking import household, make_signal
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_matcher():
    matcher.process_matcher().forget_population()


def _default() -> dict:
    return model.read_default()


def _stored(version: str, document: dict, *, active: bool = True, **fields) -> LinkageModel:
    return LinkageModel.objects.create(
        version=version,
        format=fields.pop("format", model.MODEL_FORMAT),
        origin="trained",
        document=model.splink_settings(document),
        active=active,
        **fields,
    )


def test_without_a_trained_model_the_default_decides_and_is_recorded(landlord):
    family, mother = household()
    reviewed_family, _ = household(surname="Haile", given="Selam", number=40)
    signal = make_signal(landlord)

    linking.link_signals()

    signal.refresh_from_db()
    version = _default()[model.VERSION_KEY]
    assert version == "default-4"
    links = SignalLink.objects.filter(signal=signal)
    reviews = LinkReview.objects.filter(signal=signal)
    assert {(x.method, x.model_version) for x in links} | {
        ("review", r.model_version) for r in reviews
    } <= {(LinkMethod.PROBABILISTIC, version), (LinkMethod.HOUSEHOLD, ""), ("review", version)}
    assert links.exists() or reviews.exists()


def test_a_bsn_link_records_no_model(landlord):
    bsn = factories.valid_bsn(3)
    family, mother = household(bsn=bsn)
    signal = make_signal(landlord, bsn=bsn, surname="Someone")

    linking.link_signals()

    assert list(
        SignalLink.objects.filter(signal=signal).values_list("method", "model_version")
    ) == [(LinkMethod.BSN, "")]


def test_the_active_model_links_and_its_version_is_on_the_link(landlord):
    family, mother = household()
    _stored("2026-01-01T00:00:00Z-0000beef", _default())
    signal = make_signal(landlord)

    linking.link_signals()

    link = SignalLink.objects.get(signal=signal, person=mother)
    assert link.method == LinkMethod.PROBABILISTIC
    assert link.model_version == "2026-01-01T00:00:00Z-0000beef"


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ({"format": "rits-0/splink-4"}, "format"),
        ({"document": {"link_type": "link_only"}}, "no comparisons"),
        ({"document": "not a model"}, "no comparisons"),
        ({"splink": {"comparisons": [{"output_column_name": "x"}]}}, "Splink cannot read"),
        ({"no_u": True}, "no u_probability"),
    ],
)
def test_a_model_that_cannot_be_used_holds_the_batch(landlord, broken, reason, caplog):
    family, mother = household()
    document = _default()
    if "splink" in broken:
        document = broken["splink"]
    if broken.get("no_u"):
        del document["comparisons"][0]["comparison_levels"][1]["u_probability"]
    row = _stored("bad-1", document, format=broken.get("format", model.MODEL_FORMAT))
    if "document" in broken:
        LinkageModel.objects.filter(pk=row.pk).update(document=broken["document"])
    batch_signals = [make_signal(landlord) for _ in range(3)]

    with pytest.raises(LinkageModelUnavailable, match=reason):
        linking.link_signals()
    report = pipeline.run_for_signals([s.pk for s in batch_signals])

    assert report.error.startswith("linking held: linkage model bad-1") and reason in report.error
    assert "linking held" in caplog.text
    # Nothing guessed: the signals wait, unlinked and not looked at, for a usable model.
    assert not SignalLink.objects.exists() and not LinkReview.objects.exists()
    assert set(Signal.objects.values_list("status", "linked_at")) == {(SignalStatus.RECEIVED, None)}

    # Another model made active: the next run links them.
    model_versions.activate_model("default-4", actor=_actor())
    assert pipeline.run_for_signals([s.pk for s in batch_signals]).error == ""
    assert set(SignalLink.objects.values_list("model_version", flat=True)) == {"default-4"}


def test_a_missing_default_holds_linking(landlord, monkeypatch, tmp_path):
    household()
    make_signal(landlord)
    monkeypatch.setattr(model, "MODEL_PATH", tmp_path / "linkage_model.json")

    with pytest.raises(LinkageModelUnavailable, match="default linkage_model.json is missing"):
        linking.link_signals()
    with pytest.raises(CommandError, match="pending signals"):
        call_command("process_signal_batches")

    assert not SignalLink.objects.exists()
    assert Signal.objects.get().status == SignalStatus.RECEIVED


def _actor():
    from rits.audit.services import Actor

    return Actor.system("test")


# --- training -----------------------------------------------------------------------------

SURNAMES = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Haile", "Yilmaz"]
_letters = random.Random(5)
# Rare names, each of another shape.
SURNAMES += [
    "".join(_letters.choice("bcdfghklmnprstvwz") + _letters.choice("aeiou") for _ in range(4))
    for _ in range(100)
]
GIVEN = ["Sem", "Emma", "Noah", "Julia", "Liam", "Mila", "Selam", "Mohammed", "Tess", "Daan"]


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1 :]


@pytest.fixture
def small_region(landlord):
    """About 300 people in 100 families, and 150 signals: most about one of them (some
    with a typo or another address), the rest about strangers."""
    rng = random.Random(12)
    municipality = factories.MunicipalityFactory()
    people = []
    for f in range(100):
        surname = rng.choice(SURNAMES)
        family = factories.FamilyFactory(
            municipality=municipality,
            postcode=f"35{f % 40:02d}AB",
            house_number=f + 1,
        )
        for _ in range(3):
            person = factories.PersonFactory(
                surname=surname,
                given_names=rng.choice(GIVEN),
                birth_date=datetime.date(
                    1970 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 28)
                ),
            )
            factories.MembershipFactory(family=family, person=person)
            people.append((person, family))
    for n in range(150):
        if n < 120:
            person, family = rng.choice(people)
            surname = person.surname if rng.random() < 0.9 else _typo(person.surname, rng)
            moved = rng.random() < 0.15
            make_signal(
                landlord,
                surname=surname,
                given_names=person.given_names,
                birth_date=person.birth_date,
                postcode="9999ZZ" if moved else family.postcode,
                house_number=family.house_number,
            )
        else:
            make_signal(
                landlord,
                surname=rng.choice(SURNAMES),
                given_names=rng.choice(GIVEN),
                birth_date=datetime.date(1960 + rng.randrange(50), 1 + n % 12, 1 + n % 28),
                postcode=f"12{n % 50:02d}CD",
                house_number=n,
            )
    return people


def _train(monkeypatch, **options):
    monkeypatch.setattr(training, "MIN_PEOPLE", 100)
    monkeypatch.setattr(training, "MIN_SIGNALS", 50)
    call_command("train_linkage_model", "--pairs", "20000", **options)


def test_training_saves_an_inactive_model_with_term_frequencies(small_region, monkeypatch, capsys):
    _train(monkeypatch)

    trained = LinkageModel.objects.get()
    assert trained.origin == "trained" and not trained.active
    assert trained.format == model.MODEL_FORMAT
    assert trained.training["people"] == 300 and trained.training["signals"] == 150
    # The region's prior, estimated: 120 of the 300 x 150 pairs are true (2.7e-3), far
    # from the default's 5e-6 for a region of 100,000 people.
    assert 1e-3 < trained.training["prior"] < 5e-3
    assert trained.document["probability_two_random_records_match"] == trained.training["prior"]
    # The date of birth that differs keeps its hand-set m: EM cannot tell a father and a
    # son of one name at one address from one person with a wrong date of birth.
    assert training.levels(trained.document)[("birth_date", "disagree")][0] == 0.001
    assert sum(m for (c, _label), (m, _u) in training.levels(trained.document).items()
               if c == "birth_date") == pytest.approx(1.0)  # fmt: skip
    assert [r["blocking_rule"] for r in trained.training["em"]] == [
        list(rule) for rule in training.EM_RULES
    ]
    for comparison in trained.document["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert 0 < level["m_probability"] <= 1 and 0 < level["u_probability"] <= 1
    tf = {
        (c["output_column_name"], lvl["label_for_charts"]): lvl["tf_adjustment_column"]
        for c in trained.document["comparisons"]
        for lvl in c["comparison_levels"]
        if lvl.get("tf_adjustment_column")
    }
    assert tf == training.TERM_FREQUENCY_LEVELS
    # Only values several members share: no name that points to one person.
    shared = Counter(normalise.split_surname(p.surname, "")[1] for p, _family in small_region)
    assert set(trained.term_frequencies["surname"]) == {
        name for name, count in shared.items() if count >= training.TF_MIN_COUNT
    }
    assert "jansen" in trained.term_frequencies["surname"]
    out = capsys.readouterr().out
    assert "300 people, 150 signals" in out and "not active" in out
    assert AuditEvent.objects.filter(object_type="signal.linkage_model").count() == 1
    # Linking goes on with the default until the trained model is activated.
    assert model.refresh_active_model().version == "default-4"


def test_a_fixed_prior_keeps_the_default_one(small_region, monkeypatch):
    _train(monkeypatch, fixed_prior=True)

    assert LinkageModel.objects.get().training["prior"] == training.PRIOR


def test_a_level_the_region_hardly_shows_does_not_bound_the_looser_ones():
    document = {
        "comparisons": [
            {
                "output_column_name": "given_names",
                "comparison_levels": [
                    {"label_for_charts": "agree: the same", "m_probability": 0.7,
                     "u_probability": 0.005},
                    # EM found no call names: m at the floor, a factor below 1.
                    {"label_for_charts": "close: a call name of the same name",
                     "m_probability": 0.0, "u_probability": 0.002},
                    {"label_for_charts": "close: similar", "m_probability": 0.2,
                     "u_probability": 0.01},
                    {"label_for_charts": "disagree", "m_probability": 0.1,
                     "u_probability": 0.983},
                ],
            }
        ]
    }  # fmt: skip

    training.floor_and_order(document, m_floor=training.M_FLOOR)

    levels = training.levels(document)
    m, u = levels[("given_names", "close: similar")]
    assert u == 0.01 and m / u > 10  # still evidence for a match
    m_agree, u_agree = levels[("given_names", "agree: the same")]
    assert m / u <= m_agree / u_agree


def test_an_empty_term_frequency_column_still_loads():
    # A small region where no postcode is shared by TF_MIN_COUNT members.
    document = training._settings("link_only", term_frequencies=True).get_settings("duckdb")
    document = document.as_dict()
    training.floor_and_order(document, fallback=training._default_levels())
    assert model.tf_columns(document) == ["given", "postcode", "surname"]
    loaded = model.load_model(
        document,
        version="v",
        format=model.MODEL_FORMAT,
        term_frequencies={"surname": {"jansen": 0.1}, "given": {}, "postcode": {}},
    )
    assert loaded.term_frequencies["postcode"] == {}


def test_activating_a_trained_model_switches_linking_to_it(small_region, monkeypatch, landlord):
    _train(monkeypatch)
    trained = LinkageModel.objects.get()
    family, mother = household(surname="Oudenaarden", given="Selam", postcode="3511AB", number=200)
    signal = make_signal(landlord, surname="Oudenaarden", postcode="3511AB", house_number=200)

    call_command("activate_linkage_model", trained.version)

    trained.refresh_from_db()
    assert trained.active
    event = AuditEvent.objects.filter(object_type="signal.linkage_model", action="update").get()
    assert event.detail == {"version": trained.version, "previous": ""}
    linking.link_signals(signal_ids=[signal.pk])
    # Linked or put up for review (a model of 300 people is not very sure of anyone),
    # by the trained model.
    decided = [
        *SignalLink.objects.filter(signal=signal, person=mother),
        *LinkReview.objects.filter(signal=signal, person=mother),
    ]
    assert [d.model_version for d in decided] == [trained.version]

    # And back to the default, which then is a row of its own; one active at a time.
    call_command("activate_linkage_model", "default-4")
    assert list(LinkageModel.objects.filter(active=True).values_list("version", flat=True)) == [
        "default-4"
    ]


def test_a_dry_run_saves_nothing(small_region, monkeypatch, capsys):
    _train(monkeypatch, dry_run=True)

    assert not LinkageModel.objects.exists()
    assert "dry run" in capsys.readouterr().out


def test_training_refuses_too_little_data(landlord):
    household()
    make_signal(landlord)

    with pytest.raises(CommandError, match=r"2 people \(at least 200\) and 1 signals"):
        call_command("train_linkage_model")
    assert not LinkageModel.objects.exists()


def test_an_unknown_version_is_refused():
    with pytest.raises(CommandError, match="no linkage model has version 'nope'"):
        call_command("activate_linkage_model", "nope")


def test_the_default_carries_its_version_and_format():
    document = json.loads(model.MODEL_PATH.read_text(encoding="utf-8"))
    assert document[model.VERSION_KEY] == "default-4"
    assert document[model.FORMAT_KEY] == model.MODEL_FORMAT
    assert model.VERSION_KEY not in model.linkage_model()
