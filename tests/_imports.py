"""The import graph of a package, read from its source (nothing is imported).

Every ``import`` statement counts, wherever it stands: at module level, inside
a function (a deferred import is still a dependency), under ``if
TYPE_CHECKING:`` (an annotation is a dependency a reader and mypy follow) or
in a ``try``. Importing ``a.b.c`` also runs the packages ``a.b`` and ``a``, so
it depends on them too (except on the importer's own packages, already
running). A package's lazy names (``_lazy.lazy_names(__name__, TABLE, ...)``
with ``TABLE`` a dict literal of name -> submodule) depend on those
submodules. Imports by a computed name (``importlib.import_module(f"...")``,
the CLI's commands and the dataset readers) are not seen.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

#: importer -> {imported: "file:line" of the first import of it}
Graph = dict[str, dict[str, str]]


def package_modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for the package in folder ``root`` (named after it)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def import_graph(root: Path) -> Graph:
    """Return which module of the package in ``root`` imports which of its others."""
    modules = package_modules(root)
    graph: Graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rpartition(".")[0]
        edges: dict[str, str] = {}
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, target in _imports(tree, here, modules, is_package):
            for module in _with_packages(_known(target, modules), name):
                edges.setdefault(module, f"{path.relative_to(root.parent)}:{line}")
        graph[name] = edges
    return graph


def _imports(
    tree: ast.Module, here: str, modules: Mapping[str, Path], is_package: bool
) -> Iterable[tuple[int, str]]:
    """(line, dotted name) of everything a module's source imports."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield node.lineno, sub if sub in modules else base
    if is_package:
        for line, submodule in _lazy_names(tree):
            yield line, f"{here}.{submodule}"


def _lazy_names(tree: ast.Module) -> Iterable[tuple[int, str]]:
    """(line, submodule) of each name of a ``lazy_names(__name__, TABLE, ...)``."""
    tables = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None))
            == "lazy_names"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Name)
            and node.args[1].id in tables
        ):
            for value in tables[node.args[1].id].values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield value.lineno, value.value


def _known(target: str, modules: Mapping[str, Path]) -> str | None:
    """The package's module that importing ``target`` runs last, if any."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _with_packages(module: str | None, importer: str) -> list[str]:
    """``module`` and the packages above it that the importer is not inside."""
    if module is None or module == importer:
        return []
    parts = module.split(".")
    above = [".".join(parts[:k]) for k in range(1, len(parts))]
    inside = importer.split(".")
    own = {".".join(inside[:k]) for k in range(1, len(inside) + 1)}
    return [*(m for m in above if m not in own), module]


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle ``[a, b, ..., a]`` per group of modules that import each other."""
    found = []
    for group in _strongly_connected(graph):
        if len(group) > 1:
            start = min(group)
            found.append([start, *_path(graph, group, start)])
    return found


def _strongly_connected(graph: Graph) -> list[set[str]]:
    """Tarjan's strongly connected components (iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, {}))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _path(graph: Graph, group: set[str], start: str) -> list[str]:
    """The shortest way from ``start`` back to itself inside ``group``."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in graph[node]:
            if child == start:
                path = [start]
                while node != start:
                    path.append(node)
                    node = came_from[node]
                return [*reversed(path[1:]), start]
            if child in group and child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"{start} is on no cycle")  # a group of 2+ always has one


def describe_cycle(graph: Graph, cycle: list[str]) -> str:
    """``a -> b (a.py:3) -> a (b.py:7)``: a cycle with where each import is."""
    steps = [
        f"{after} ({graph[before][after]})"
        for before, after in zip(cycle, cycle[1:], strict=False)
    ]
    return " -> ".join([cycle[0], *steps])


def read_layers(doc: Path, heading: str = "## Layers") -> list[list[str]]:
    """The layers written in ``doc``: the first fenced block after ``heading``.

    One layer a line, highest first; its units (a subpackage or module of the
    package, or the package itself for its ``__init__``) separated by
    spaces; ``#`` starts a comment.
    """
    text = doc.read_text(encoding="utf-8")
    block = text[text.index(heading) :].split("```")[1]
    lines = [line.split("#")[0].split() for line in block.splitlines()[1:]]
    return [line for line in lines if line]


def unit(module: str) -> str:
    """The layer unit of a module: its top subpackage or module, or the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def layer_problems(graph: Graph, layers: list[list[str]]) -> list[str]:
    """Imports that go up a layer or across one, and modules in no layer.

    ``layers`` is highest first; a module may import its own unit and the
    units of the layers below its own, never a unit of its own layer or above.
    """
    level = {name: -k for k, layer in enumerate(layers) for name in layer}
    problems = [
        f"{module}: its unit {unit(module)!r} is in no layer"
        for module in graph
        if unit(module) not in level
    ]
    for importer, edges in graph.items():
        for imported, where in edges.items():
            a, b = unit(importer), unit(imported)
            if a == b or a not in level or b not in level:
                continue
            if level[b] >= level[a]:
                way = "across its layer" if level[b] == level[a] else "up"
                problems.append(f"{importer} imports {imported} {way} ({where})")
    return problems


def imported_after(code: str, modules: Sequence[str]) -> list[str]:
    """Which of ``modules`` a fresh Python has imported once it has run ``code``."""
    report = f"print([m for m in {sorted(modules)!r} if m in sys.modules])"
    check = f"{code}\nimport sys\n{report}"
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    return ast.literal_eval(done.stdout.splitlines()[-1])
