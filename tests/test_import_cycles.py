"""No import cycles: none between files, none between apps.

The graph is read from the source with ``ast`` (nothing is imported): every ``import``
and ``from … import`` of a ``rits`` module in ``src/rits``, at module level or inside a
function (a function-level import is the usual way to hide a cycle, and it is still
one). Tests and migrations are left out.

Between apps (``rits.<app>``) the imports go one way: the platform (core, components,
access, audit, api, ...) below the domains, the vocabularies they share (life domains,
BSNs) in core, and the project's urlconf composing the domains' API endpoints, so that
``rits.api`` routes to none of them."""

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = SRC / "rits"


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).parts
        if "tests" in relative or "migrations" in relative or path.name == "conftest.py":
            continue
        found[_module_of(path)] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The ``rits`` modules one import statement names (``from rits.x import y`` names
    the module ``rits.x.y`` when there is one, else ``rits.x``)."""
    names: set[str] = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            names.add(alias.name)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            names.add(sub if sub in known else target)
    result = set()
    for name in names:
        # The nearest module of ours: ``import rits.a.b`` depends on ``rits.a.b``.
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name.startswith("rits.") and name != module:
            result.add(name)
    return result


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _imported(node, module, is_package, known)
        graph[module] = edges
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components of more than one node (or with an edge to itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def app_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    apps: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        app = module.split(".")[1] if "." in module else module
        apps[app]
        for target in targets:
            other = target.split(".")[1]
            if other != app:
                apps[app].add(other)
    return dict(apps)


def test_no_import_cycle_between_files():
    graph = import_graph()
    assert len(graph) > 50 and graph["rits.signals.rules"], "the graph was not read"
    cycles = [sorted(c) for c in strongly_connected(graph)]
    assert cycles == [], f"files that import each other (directly or round about): {cycles}"


def test_no_import_cycle_between_apps():
    apps = app_graph(import_graph())
    assert "families" in apps["plans"] and "core" in apps["access"], "the graph was not read"
    cycles = [sorted(c) for c in strongly_connected(apps)]
    assert cycles == [], f"apps that import each other (directly or round about): {cycles}"


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_cycle_check_sees_function_level_and_relative_imports(tmp_path):
    # The graph reader itself: a cycle hidden in a function, through a relative import.
    package = tmp_path / "rits" / "demo_app"
    package.mkdir(parents=True)
    (tmp_path / "rits" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from rits.demo_app import b\n")
    (package / "b.py").write_text("def f():\n    from . import a\n")
    known = {"rits", "rits.demo_app", "rits.demo_app.a", "rits.demo_app.b"}
    tree = ast.parse((package / "b.py").read_text())
    [node] = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert _imported(node, "rits.demo_app.b", False, known) == {"rits.demo_app.a"}
    graph = {"rits.demo_app.a": {"rits.demo_app.b"}, "rits.demo_app.b": {"rits.demo_app.a"}}
    assert strongly_connected(graph) == [{"rits.demo_app.a", "rits.demo_app.b"}]


# The modules that queue tasks, each under the one rule of pipeline.py's docstring (the
# task is queued in the transaction that stores the work).
QUEUING = {
    "rits.scheduling.services": "the daily schedule: a job's task with the claim of its day",
    "rits.signals.pipeline": "the signal pipeline's stages",
}


def test_work_is_queued_in_one_place():
    # No other module queues a task itself.
    queuing = sorted(
        module
        for module, path in _modules().items()
        if any(
            isinstance(node, ast.Attribute) and node.attr == "enqueue"
            for node in ast.walk(ast.parse(path.read_text()))
        )
    )
    assert queuing == sorted(QUEUING)


def test_the_rules_decide_and_never_raise_alerts_themselves():
    # Rules return findings and the pipeline routes them (signals/rules/__init__.py): no
    # module of the rules imports the alerts, directly or through another module.
    graph = import_graph()
    rules = [module for module in graph if module.startswith("rits.signals.rules")]
    reached = set().union(*(_reach(graph, module) for module in rules))
    assert rules and "rits.signals.alerts" not in reached
