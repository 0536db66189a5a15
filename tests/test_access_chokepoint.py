"""The fence, deny-by-default: no module under ``src/rits`` touches a table of family
data unless it is named below, with the reason it may.

Family data is derived from the apps, not listed by hand: every model of the family
apps, emergency access, the audit log, and every model with a foreign-key path to
``Family`` (so a new app's models are fenced the day they exist). A module "touches" a
table when it uses any manager of such a model (``objects``, ``all_objects``,
``_default_manager``, ``_meta.default_manager``, ...), passes one to
``get_object_or_404``/``get_list_or_404`` or an admin's ``register``, names one as a
class's ``model =``/``queryset =`` or as a ``model=``/``queryset=`` argument, asks
``apps.get_model`` for one, or names its table in a string (raw SQL). Reverse related managers (``family.members``) are
out of scope: they start from an object that access already handed out.

Everything else (views, API, serializers, forms, template tags, PDF, tasks) asks a
selector, which asks ``rits.access``. A new module is refused until it is named here."""

import ast
import importlib
import re
from fnmatch import fnmatch
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.db.models.manager import ManagerDescriptor
from simple_history.manager import HistoryDescriptor

SRC = Path(__file__).resolve().parent.parent / "src" / "rits"

# The apps whose every model is family data; others' models are when they lead to Family.
FAMILY_APPS = {"families", "plans", "signals", "worklist"}
ALSO_FAMILY_DATA = {"access.EmergencyAccess", "audit.AuditEvent"}

# Module (fnmatch pattern on the dotted name) -> why it may touch family data itself.
ALLOWED = {
    # the owners
    "rits.families.services": "every write of the families app",
    "rits.families.selectors": "every read of the families app, through access",
    "rits.families.grants": "the grounds families gives access on (the access registry asks it)",
    "rits.portal.grants": "the grounds of family members and their network (asked by access)",
    "rits.portal.selectors": "every read of the family portal, through access (citizen grants)",
    "rits.portal.services": (
        "every write of the portal: matches a DigiD login to its Person by BSN pseudonym "
        "(before any grant exists), citizens' accounts, and the network's invitations"
    ),
    "rits.families.importing.plan": (
        "the family import, run as the system: loads the families, persons, members and "
        "involvements its rows refer to (all involvements, also those awaiting approval)"
    ),
    "rits.families.importing.write": "the family import, run as the system: bulk writes",
    "rits.plans.services": "every write of a plan (reads members and network for owners)",
    "rits.plans.selectors": "every read of a plan, through access",
    "rits.plans.content": "the plan's text for a family, read by the plan selectors",
    "rits.signals.intake.services": "intake: writes of the signals app",
    "rits.signals.intake.clients": "machine-client keys of signal sources (issue, revoke, authenticate)",
    "rits.signals.intake.selectors": "the deliveries a source or its staff may see",
    "rits.signals.alerts": "raising alerts with their signals, and the concern match",
    "rits.signals.linking.review": "the review queue's service and selectors (through access)",
    "rits.signals.notices": "who hears of an alert: read after it is raised, as the system",
    "rits.worklist.services": "every write of a work item (raising, status, escalation)",
    "rits.worklist.selectors": "every read of work items (the inboxes, one item), through access",
    "rits.access.*": "the one door: decides who sees which family",
    "rits.audit.services": "writes the audit log",
    "rits.audit.append_only_sql": "the audit log's append-only triggers",
    "rits.*.migrations.*": "schema and data migrations run as the system",
    # the system: pipeline stages that work on all families without a person's grant
    "rits.signals.pipeline": "the signal pipeline run as the system",
    "rits.signals.linking.services": "linking signals to families, as the system",
    "rits.signals.linking.population": "the known members linking compares signals with",
    "rits.signals.linking.matcher": "whether linking's snapshot of the members is still fresh",
    "rits.signals.linking.store": "writes what linking decided (links, reviews, timeline)",
    "rits.signals.linking.training": (
        "reads the members and recent signals to train the linkage model, as the system"
    ),
    "rits.signals.linking.model": "reads the active linkage model (no family's data in it)",
    "rits.signals.linking.model_versions": "saves and activates linkage model versions",
    "rits.signals.rules.facts": "the facts the rules read in bulk, as the system",
    "rits.signals.rules.runner": "the rules over linked signals (claims them, assigns alerts)",
    "rits.signals.retention": "retention deletes expired signals, as the system",
    "rits.demo.*": "builds the synthetic demo region",
    # front ends of services, run by an operator on the command line
    "rits.families.management.commands.*": "operator commands over the families services",
    "rits.signals.management.commands.*": "operator commands over the signal services",
}

# Involvement.all_objects also returns involvements that give no access (pending or
# rejected approval): only access and the families app's own modules may see them.
ALL_INVOLVEMENTS = ("rits.access.*", "rits.families.*")


@cache
def family_models() -> frozenset[type[models.Model]]:
    every = apps.get_models(include_auto_created=True)
    found = {
        m for m in every if m._meta.app_label in FAMILY_APPS or m._meta.label in ALSO_FAMILY_DATA
    }
    family = apps.get_model("families", "Family")
    # Whatever leads to Family through foreign keys (a new app's models included).
    leads = {family}
    changed = True
    while changed:
        changed = False
        for model in every:
            if model in leads:
                continue
            if any(f.related_model in leads for f in model._meta.fields if f.is_relation):
                leads.add(model)
                changed = True
    return frozenset(found | leads)


@cache
def manager_names(model: type[models.Model]) -> frozenset[str]:
    names = {"_default_manager", "_base_manager"} | {m.name for m in model._meta.managers}
    for klass in model.__mro__:
        for name, value in vars(klass).items():
            # ``Person.history`` (django-simple-history) reaches the historical copies,
            # which are family data like the rows they copy
            if isinstance(value, ManagerDescriptor | models.Manager | HistoryDescriptor):
                names.add(name)
    return frozenset(names)


@cache
def family_tables() -> frozenset[str]:
    return frozenset(m._meta.db_table for m in family_models())


@cache
def _resolve_dotted(dotted: str):
    """The object a dotted name stands for (``rits.families.models.Family``), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr, None)
        return found
    return None


def module_name(path: Path) -> str:
    relative = path.relative_to(SRC.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def allowed(module: str, patterns) -> bool:
    return any(fnmatch(module, pattern) for pattern in patterns)


class _Module:
    """One module's source, with its imported and aliased names resolved to models."""

    def __init__(self, path: Path, module: str):
        self.path, self.module = path, module
        self.shown = module.replace(".", "/") + (
            "/__init__.py" if path.name == "__init__.py" else ".py"
        )
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        self.names: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.names[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    if alias.name == "*":
                        for name, value in vars(importlib.import_module(base)).items():
                            if isinstance(value, type) and value in family_models():
                                self.names[name] = f"{base}.{name}"
                    else:
                        self.names[alias.asname or alias.name] = f"{base}.{alias.name}"
        self.aliases: dict[str, type[models.Model]] = {}
        for node in ast.walk(self.tree):  # Model = Family, and the like
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                model = self.model_of(node.value)
                if isinstance(target, ast.Name) and model is not None:
                    self.aliases[target.id] = model

    def dotted(self, node) -> str | None:
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def model_of(self, node) -> type[models.Model] | None:
        if isinstance(node, ast.Name) and node.id in getattr(self, "aliases", {}):
            return self.aliases[node.id]
        dotted = self.dotted(node)
        if not dotted or not dotted.startswith("rits."):
            return None
        found = _resolve_dotted(dotted)
        return found if isinstance(found, type) and found in family_models() else None

    def where(self, node) -> str:
        return f"{self.shown}:{node.lineno}"


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for stmt in body if isinstance(body, list) else []:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                ids.add(id(stmt.value))
    return ids


def touches(source: _Module) -> list[tuple[str, str]]:
    """Every place ``source`` reaches a family-data table itself: (where, what)."""
    found = []
    docstrings = _docstrings(source.tree)
    tables = family_tables()
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Attribute):
            model = source.model_of(node.value)
            if model is not None and node.attr in manager_names(model):
                found.append((source.where(node), f"{model.__name__}.{node.attr}"))
            if (
                node.attr in {"db_table", "default_manager", "base_manager"}
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "_meta"
                and (model := source.model_of(node.value.value)) is not None
            ):
                found.append((source.where(node), f"{model.__name__}._meta.{node.attr}"))
        elif isinstance(node, ast.Call):
            func = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            # get_object_or_404(Family, ...), and admin.site.register(Family): the admin
            # would show every family to whoever may use it
            if func in {"get_object_or_404", "get_list_or_404", "register"} and node.args:
                model = source.model_of(node.args[0])
                if model is not None:
                    found.append((source.where(node), f"{func}({model.__name__})"))
            # DetailView.as_view(model=Family), ...(queryset=Family.objects...)
            for keyword in node.keywords:
                if keyword.arg in {"model", "queryset"}:
                    model = source.model_of(keyword.value)
                    if model is not None:
                        found.append((source.where(node), f"{keyword.arg}={model.__name__}"))
            if func == "get_model" and node.args and isinstance(node.args[0], ast.Constant):
                label = str(node.args[0].value)
                name = node.args[1].value if len(node.args) > 1 else ""
                label = f"{label}.{name}" if name else label
                try:
                    model = apps.get_model(label)
                except (LookupError, ValueError):
                    model = None
                if model in family_models():
                    found.append((source.where(node), f"get_model({label!r})"))
        elif isinstance(node, ast.ClassDef) and node.name != "Meta":
            # A form's or serializer's ``Meta.model`` only describes fields; a generic
            # view's ``model =`` or ``queryset =`` queries the table.
            for stmt in node.body:
                if isinstance(stmt, ast.Assign | ast.AnnAssign):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    named = {getattr(t, "id", "") for t in targets}
                    if {"model", "queryset"} & named and stmt.value is not None:
                        model = source.model_of(stmt.value)
                        if model is not None:
                            found.append((source.where(stmt), f"model = {model.__name__}"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", node.value)) & tables
            for table in sorted(named):
                found.append((source.where(node), f"table {table} in a string"))
    return found


def all_involvements(source: _Module) -> list[tuple[str, str]]:
    involvement = apps.get_model("families", "Involvement")
    return [
        (source.where(node), "Involvement.all_objects")
        for node in ast.walk(source.tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "all_objects"
        and source.model_of(node.value) is involvement
    ]


def production_modules() -> list[_Module]:
    paths = sorted(
        p
        for p in SRC.rglob("*.py")
        if "tests" not in p.relative_to(SRC).parts and not p.name.startswith("test_")
    )
    return [_Module(p, module_name(p)) for p in paths]


@cache
def _all_touches() -> dict[str, list[tuple[str, str]]]:
    return {m.module: touches(m) for m in production_modules()}


def test_no_module_outside_the_allow_list_touches_family_data():
    touched = _all_touches()
    assert len(touched) > 100, "the check found too few modules to be meaningful"
    offenders = [
        f"{where} {what} (in {module})"
        for module, hits in touched.items()
        if not allowed(module, ALLOWED)
        for where, what in hits
    ]
    assert not offenders, (
        "query family data through a selector that asks rits.access, or name the module "
        "in ALLOWED with the reason it may:\n" + "\n".join(offenders)
    )


def test_every_allow_list_entry_is_still_needed():
    touched = _all_touches()
    stale = [
        pattern
        for pattern in ALLOWED
        if not any(fnmatch(module, pattern) and hits for module, hits in touched.items())
    ]
    assert not stale, f"these entries allow modules that touch no family data: {stale}"


def test_only_access_and_families_see_every_involvement():
    offenders = [
        f"{where} {what}"
        for source in production_modules()
        if not allowed(source.module, ALL_INVOLVEMENTS)
        for where, what in all_involvements(source)
    ]
    assert not offenders, (
        "Involvement.all_objects includes involvements that give no access; use "
        "Involvement.objects or ask rits.access:\n" + "\n".join(offenders)
    )


def test_family_data_is_derived_from_the_apps():
    labels = {m._meta.label for m in family_models()}
    # every app's models that lead to a family, not only the families app's
    assert {
        "families.Family",
        "families.Involvement",
        "plans.Plan",
        "plans.Agreement",
        "plans.Goal",
        "plans.SafetyItem",
        "signals.Signal",
        "signals.SignalLink",
        "signals.LinkReview",
        "signals.Alert",
        "signals.ConcernMatch",
        "worklist.WorkItem",
        "signals.SignalBatch",
        "access.EmergencyAccess",
        "audit.AuditEvent",
        # the historical copies of django-simple-history are family data too
        "families.HistoricalPerson",
        "families.HistoricalMembership",
        "families.HistoricalNetworkMember",
        "families.HistoricalFamily",
    } <= labels
    assert "history" in manager_names(apps.get_model("families", "Person"))
    assert "organisations.Professional" not in labels
    assert {"objects", "all_objects", "_default_manager", "_base_manager"} <= manager_names(
        apps.get_model("families", "Involvement")
    )


def test_templates_do_not_reach_into_managers():
    # A template like {{ family.memberships.all }} on a family obtained through access is
    # fine; reaching the whole table through a model's manager is not possible in a
    # template, but querying related sets of *unrelated* objects is, so keep templates to
    # what the selector prefetched: no custom manager access.
    offenders = []
    for path in SRC.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.objects\b", text):
            offenders.append(str(path.relative_to(SRC)))
    assert not offenders


BAD_MODULE = '''
"""A docstring naming families_family is fine."""
import rits.plans.models
from django.shortcuts import get_object_or_404
from rits.families import models as family_models
from rits.families.models import Family, Involvement as Inv
from rits.signals.models import Alert

Model = Alert


def view(request, pk):
    Family.objects.all()
    Inv.all_objects.filter(pk=pk)
    family_models.Person._default_manager.count()
    rits.plans.models.Agreement._base_manager.count()
    Model.objects.get(pk=pk)
    get_object_or_404(Alert, pk=pk)
    cursor.execute(f"SELECT * FROM plans_plan WHERE id = {pk}")
    return Family._meta.db_table, Alert._meta.default_manager


site.register(Alert)
urlpatterns = [path("x", DetailView.as_view(model=Family))]


class V(DetailView):
    model = Family
    queryset = Alert.objects.all()

    class Meta:
        model = Family
'''


@pytest.mark.parametrize("name", ["views_inbox.py", "pdf.py", "serializers_alerts.py", "x.py"])
def test_the_check_catches_every_way_in_whatever_the_file_name(tmp_path, name):
    bad = tmp_path / "rits" / "signals" / name
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_MODULE)
    source = _Module(bad, f"rits.signals.{bad.stem}")
    found = sorted((int(where.rpartition(":")[2]), what) for where, what in touches(source))
    assert found == [
        (13, "Family.objects"),
        (14, "Involvement.all_objects"),
        (15, "Person._default_manager"),
        (16, "Agreement._base_manager"),
        (17, "Alert.objects"),
        (18, "get_object_or_404(Alert)"),
        (19, "table plans_plan in a string"),
        (20, "Alert._meta.default_manager"),
        (20, "Family._meta.db_table"),
        (23, "register(Alert)"),
        (24, "model=Family"),
        (28, "model = Family"),
        (29, "Alert.objects"),
    ]
    assert not allowed(source.module, ALLOWED)
    assert [what for _where, what in all_involvements(source)] == ["Involvement.all_objects"]
    assert not allowed(source.module, ALL_INVOLVEMENTS)


def test_the_check_catches_the_history_of_family_data(tmp_path):
    bad = tmp_path / "rits" / "signals" / "history.py"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "from rits.families.models import Person, Membership\n"
        "Person.history.all()\n"
        "Membership.history.model.objects.count()\n"
        "x = 'families_historicalperson'\n"
    )
    source = _Module(bad, "rits.signals.history")
    found = sorted(what for _where, what in touches(source))
    assert found == [
        "HistoricalMembership.objects",
        "Membership.history",
        "Person.history",
        "table families_historicalperson in a string",
    ]
