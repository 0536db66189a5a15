"""The rules: what the signals linked to a family mean for its coordinator.

Third stage of the pipeline ``intake → link → rules → alert → inbox → action``. Each rule
is a small named object with a ``code`` (configuration, audit, the alert's ``rule``), a
``title`` and ``findings(facts)``: what it concludes about one family, each finding with
the signals behind it, one plain sentence saying why (rendered in Dutch and English and
stored with the alert), whether it is a crisis (due sooner) and a ``key`` that makes the
alert unique, so that running the rules again never doubles an alert while a genuinely
new situation raises a new one.

**Rules decide, the pipeline routes.** The catalogue of rules and the facts they read are
in ``rule_catalogue.py``, the working-day calendar in ``rits.worklist.working_days``; this package
loads the facts (``facts``), evaluates the rules into findings (``runner.evaluate``: the
``WorkItemDraft`` and ``ConcernMatchDraft`` objects of ``findings``) and hands them to a
router, which ``signals.pipeline`` gives (it raises the alerts). The package never
imports the alerts. Two entry points:

- :func:`run_rules` evaluates the families of linked signals the rules have not seen yet
  (``Signal.rules_run_at`` empty), in chunks of one transaction each, the router writing
  in that transaction; an interrupted run resumes where it stopped. A chunk is a constant
  number of queries however many signals, families and alerts: its facts are read in
  bulk (``load_facts``) and its findings routed at once.
- :func:`run_daily_rules` runs the date-driven rules (turning 18). Escalating overdue
  alerts is not a rule: the pipeline's daily run does it.

A rule is switched off for a region with ``RITS_RULES_DISABLED``; its periods and the
working days alerts are due in are settings too (docs/configuration.md).

Public surface: :func:`run_rules`, :func:`run_daily_rules`, :func:`evaluate`,
:func:`load_facts`, :class:`RulesReport`, :class:`Findings` and the drafts."""

from rits.signals.rules.facts import load_facts
from rits.signals.rules.findings import ConcernMatchDraft, Findings
from rits.signals.rules.runner import RulesReport, evaluate, run_daily_rules, run_rules

__all__ = [
    "ConcernMatchDraft",
    "Findings",
    "RulesReport",
    "evaluate",
    "load_facts",
    "run_daily_rules",
    "run_rules",
]
