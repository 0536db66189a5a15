"""How well linking did against a known truth: for ``signals.py``, which knows the truth
because it generated the signals (a test in ``src/rits/signals/tests/test_linking.py``
holds it to its definition)."""

from rits.signals.models import SignalLink


def evaluate_links(truth: dict[int, int | None]) -> tuple[float, float]:
    """Precision and recall of the person links against a known truth (signal id ->
    the id of the person it is really about, or ``None`` for someone Rits does not know),
    for the benchmark.

    Precision: of the (signal, person) links made, the share that is right. Recall: of
    the signals about a known person, the share linked to that person. Only links to a
    person count (a family-level review is no link); a signal still in review counts as not
    linked."""
    made = correct = 0
    found: set[int] = set()
    ids = sorted(truth)
    for start in range(0, len(ids), 10_000):
        rows = (
            SignalLink.objects.filter(signal_id__in=ids[start : start + 10_000])
            .exclude(person_id=None)
            .order_by()
            .values_list("signal_id", "person_id")
            .distinct()
        )
        for signal_id, person_id in rows:
            made += 1
            if truth.get(signal_id) == person_id:
                correct += 1
                found.add(signal_id)
    known = sum(1 for person in truth.values() if person is not None)
    precision = correct / made if made else 1.0
    recall = len(found) / known if known else 1.0
    return precision, recall
