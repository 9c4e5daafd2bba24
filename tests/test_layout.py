"""The package layout the code is held to (docs/architecture.md): a kernel that imports no domain,
domains that import each other one way only, small modules and functions.

The import graph is read from the source (every `import`, at module level or inside a
function: an import deferred to run time still ties two packages together). Where the code does
not yet meet a rule, the exception is listed here by name; an exception that no longer applies
fails too, so that these lists only ever shrink.
"""

import ast
from collections import defaultdict
from pathlib import Path

SERVER = Path(__file__).resolve().parents[1] / "server"

# The kernel: what every domain builds on. It imports nothing of the product but itself.
KERNEL = {"core", "web", "vendor"}
# The domains from the bottom up. Each imports only the kernel, the domains listed before it,
# its own tables and, from `leniency` on, any domain's tables: the tables of the core loop
# (plans, inspections, orders, evidence, complaints, colour events) are the words its parts
# share; what a domain does with them stays in the domain.
LAYERS = [
    "storage",
    "audit",
    "org",
    "catalog",
    "ratelimit",
    "policy",
    "auth",
    "merchants",
    "leniency",
    "packets",
    "rectifications",
    "cases",
    "evidence",
    "colour",
    "complaints",
    "inspections",
    "planning",
    "public",
]
LOOP = LAYERS.index("leniency")
# Lower-layer tables a lower domain may read besides its own.
LOWER_TABLES = {"auth": {"org"}, "merchants": {"org"}}
# Import edges between packages that still close a cycle; each one is to be undone.
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
# Tables of data and generated migrations, not logic: their length is their content.
DATA_MODULES = {
    "core/i18n.py",
    "demo/catalog_data.py",
    "demo/names_data.py",
    "demo/scenario_data.py",
}
LONG_MODULES = {
    "demo/history.py",
    "migrations/packet_triggers.py",
}
LONG_FUNCTIONS = {
    "app.py:create_app",
    "packets/route_read.py:route_document",
    "migrations/packet_triggers.py:_postgresql",
}


def _sources() -> dict[str, ast.Module]:
    return {
        path.relative_to(SERVER).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(SERVER.rglob("*.py"))
        if "migrations/versions" not in path.as_posix()
    }


def _package(module: str) -> str:
    """`server.colour.engine` and `colour/engine.py` → `colour`; `server.app` → `app`; a
    domain's tables (`colour/models.py`, `evidence/recorder_models.py`) → `colour.models`."""
    parts = module.replace("/", ".").removesuffix(".py").split(".")
    if parts[0] == "server":
        parts = parts[1:]
    if len(parts) > 1 and parts[0] != "core" and parts[-1].endswith("models"):
        return f"{parts[0]}.models"
    return parts[0]


def _import_graph(sources: dict[str, ast.Module]) -> dict[str, dict[str, set[str]]]:
    """package → imported package → the modules whose imports make the edge."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for name, tree in sources.items():
        source = _package(name)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                if target.startswith("server.") and _package(target) != source:
                    graph[source][_package(target)].add(name)
    return graph


def _cycles(graph: dict[str, dict[str, set[str]]]) -> list[set[str]]:
    """The strongly connected groups of packages (Tarjan), those of more than one package."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, {}):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in list(graph):
        if node not in index:
            visit(node)
    return groups


def _allowed(position: int) -> set[str]:
    package = LAYERS[position]
    below = set(LAYERS[:position])
    tables = below | {package} | LOWER_TABLES.get(package, set())
    if position >= LOOP:
        tables |= set(LAYERS)
    return KERNEL | below | {f"{name}.models" for name in tables}


def test_the_kernel_and_the_domains_import_nothing_above_them():
    graph = _import_graph(_sources())
    rules = [(k, KERNEL) for k in KERNEL]
    rules += [(package, _allowed(i)) for i, package in enumerate(LAYERS)]
    # A domain's tables name only the kernel and other tables.
    rules += [
        (t, KERNEL | {n for n in graph if n.endswith(".models")})
        for t in graph
        if t.endswith(".models")
    ]
    wrong = [
        f"{package} imports {other} ({', '.join(sorted(graph[package][other]))})"
        for package, allowed in rules
        for other in graph.get(package, {})
        if other not in allowed
    ]
    assert not wrong, "\n".join(wrong)


def test_no_new_import_cycle_between_packages():
    graph = _import_graph(_sources())
    in_cycles = {(a, b) for group in _cycles(graph) for a in group for b in graph[a] if b in group}
    new = sorted(in_cycles - KNOWN_CYCLE_EDGES)
    assert not new, "new import cycles: " + "; ".join(
        f"{a} → {b} ({', '.join(sorted(graph[a][b]))})" for a, b in new
    )
    undone = sorted(KNOWN_CYCLE_EDGES - in_cycles)
    assert not undone, f"no longer in a cycle, strike from KNOWN_CYCLE_EDGES: {undone}"


def test_modules_and_functions_stay_small():
    sources = _sources()
    long_modules = {
        name
        for name in sources
        if name not in DATA_MODULES
        and len((SERVER / name).read_text(encoding="utf-8").splitlines()) > MAX_MODULE_LINES
    }
    long_functions = {
        f"{name}:{node.name}"
        for name, tree in sources.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or 0) - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert long_modules <= LONG_MODULES, (
        f"over {MAX_MODULE_LINES} lines: {long_modules - LONG_MODULES}"
    )
    assert long_functions <= LONG_FUNCTIONS, (
        f"over {MAX_FUNCTION_LINES} lines: {long_functions - LONG_FUNCTIONS}"
    )
    assert long_modules >= LONG_MODULES, f"now short, strike: {LONG_MODULES - long_modules}"
    assert long_functions >= LONG_FUNCTIONS, f"now short, strike: {LONG_FUNCTIONS - long_functions}"


# What builds a query: no module that serves routes uses it (docs/architecture.md, "How a
# request flows"): a route calls its domain's service or queries module.
SQL_NAMES = {"select", "func", "update", "insert", "delete", "text", "and_", "or_"}
# The health probes ask the database itself whether it answers and how far it is migrated.
SQL_IN_ROUTES = {"health.py"}


def _serves_routes(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "litestar"
        and any(alias.name in {"Controller", "get", "post"} for alias in node.names)
        for node in tree.body
    )


def test_no_sql_in_route_modules():
    wrong = sorted(
        f"{name}: {alias.name}"
        for name, tree in _sources().items()
        if _serves_routes(tree) and name not in SQL_IN_ROUTES
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").split(".")[0] in {"sqlmodel", "sqlalchemy"}
        for alias in node.names
        if alias.name in SQL_NAMES
    )
    assert not wrong, "route modules building queries:\n" + "\n".join(wrong)


def test_the_checks_see_what_they_are_meant_to():
    """The graph finds an import deferred into a function and tells a domain's tables from its
    logic; the cycle finder finds a cycle."""
    tree = ast.parse(
        "def f():\n    from server.planning.read import plan_document\n"
        "from server.planning.models import Plan\n"
    )
    graph = _import_graph(
        {"colour/x.py": tree, "planning/y.py": ast.parse("import server.colour.x")}
    )
    assert graph["colour"]["planning"] == {"colour/x.py"}
    assert graph["colour"]["planning.models"] == {"colour/x.py"}
    assert _cycles(graph) == [{"colour", "planning"}]
    assert "planning.models" in _allowed(LAYERS.index("colour"))
    assert "planning" not in _allowed(LAYERS.index("colour"))
    assert "colour.models" not in _allowed(LAYERS.index("merchants"))
