"""One import direction: no cycle, nothing up or across the layers of internals.md."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from _imports import (
    cycles,
    describe_cycle,
    import_graph,
    imported_after,
    layer_problems,
    read_layers,
    unit,
)

import eegstream
from eegstream import pipeline

PACKAGE = Path(eegstream.__file__).parent
INTERNALS = Path(__file__).parents[1] / "docs" / "internals.md"


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE)
    found = [describe_cycle(graph, cycle) for cycle in cycles(graph)]
    assert not found, "import cycles:\n" + "\n".join(found)


def test_no_module_imports_its_layer_or_above() -> None:
    problems = layer_problems(import_graph(PACKAGE), read_layers(INTERNALS))
    assert not problems, "against docs/internals.md#layers:\n" + "\n".join(problems)


def test_the_layers_name_each_unit_of_the_package_once() -> None:
    named = [name for layer in read_layers(INTERNALS) for name in layer]
    units = {unit(module) for module in import_graph(PACKAGE)}
    assert sorted(named) == sorted(set(named)), "a unit in two layers"
    assert set(named) == units


def test_importing_the_pipeline_loads_no_lsl_recorder_or_qt() -> None:
    # The chain, its results and session logs are read offline (evaluation,
    # scripts); the threaded shell's pylsl and recorder load on first use.
    shell = ("pylsl", "eegstream.acquisition", "eegstream.files.labrecorder", "PySide6")
    assert imported_after("import eegstream.pipeline", shell) == []
    assert all(getattr(pipeline, name) for name in pipeline.__all__)


def _write(root: Path, files: dict[str, str]) -> Path:
    """Write a package ``pkg`` of ``files`` (path -> source) under ``root``."""
    for name, source in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root / "pkg"


# low < mid < high; mid/__init__ exports lazily (as eegstream.model does).
_CLEAN = {
    "__init__.py": "",
    "low.py": "import os\n",
    "mid/__init__.py": """
        from .._lazy import lazy_names
        from . import core
        _NAMES = {"Thing": "thing"}
        __getattr__, __dir__ = lazy_names(__name__, _NAMES, globals())
    """,
    "mid/core.py": "from ..low import os\nfrom .thing import Thing\n",
    "mid/thing.py": "from pkg import low\nclass Thing: ...\n",
    "_lazy.py": "def lazy_names(*args): ...\n",
    "high.py": "from .mid.core import Thing\nfrom . import mid\n",
}
_LAYERS = [["high"], ["mid"], ["pkg", "low", "_lazy"]]


def test_a_clean_package_passes(tmp_path) -> None:
    graph = import_graph(_write(tmp_path, _CLEAN))
    assert cycles(graph) == []
    assert layer_problems(graph, _LAYERS) == []
    # Relative, absolute, from-package and lazy imports all resolved; importing
    # pkg.mid.core runs pkg.mid too.
    assert set(graph["pkg.high"]) == {"pkg.mid", "pkg.mid.core"}
    assert set(graph["pkg.mid"]) == {"pkg._lazy", "pkg.mid.core", "pkg.mid.thing"}
    assert set(graph["pkg.mid.core"]) == {"pkg.low", "pkg.mid.thing"}
    assert graph["pkg.mid.thing"] == {"pkg.low": "pkg/mid/thing.py:1"}


@pytest.mark.parametrize(
    "planted",
    [
        "def f():\n    from .high import x\n",  # hidden inside a function
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.high\n",
        "try:\n    from pkg.mid.core import Thing\nexcept ImportError:\n    pass\n",
    ],
    ids=["in-function", "type-checking", "in-try"],
)
def test_a_planted_cycle_and_upward_import_are_found(tmp_path, planted) -> None:
    graph = import_graph(_write(tmp_path, {**_CLEAN, "low.py": planted}))
    [cycle] = cycles(graph)
    assert "pkg.low" in cycle and cycle[0] == cycle[-1]
    assert "pkg/low.py:" in describe_cycle(graph, cycle)
    problems = layer_problems(graph, _LAYERS)
    assert problems and all(p.startswith("pkg.low imports pkg.") for p in problems)
    assert all(" up (pkg/low.py:" in p for p in problems)


def test_a_cycle_inside_one_unit_is_found(tmp_path) -> None:
    files = {**_CLEAN, "mid/thing.py": "from . import core\nclass Thing: ...\n"}
    graph = import_graph(_write(tmp_path, files))
    assert cycles(graph) == [["pkg.mid.core", "pkg.mid.thing", "pkg.mid.core"]]
    assert layer_problems(graph, _LAYERS) == []  # one unit: only the cycle test sees it


def test_an_import_across_a_layer_or_from_an_unlisted_unit_is_refused(
    tmp_path,
) -> None:
    files = {**_CLEAN, "low.py": "from . import _lazy\n"}
    graph = import_graph(_write(tmp_path, files))
    assert layer_problems(graph, _LAYERS) == [
        "pkg.low imports pkg._lazy across its layer (pkg/low.py:1)"
    ]
    problems = layer_problems(graph, [["high"], ["mid"], ["pkg", "low"]])
    assert "pkg._lazy: its unit '_lazy' is in no layer" in problems


def test_the_real_package_with_a_planted_upward_import_fails(tmp_path) -> None:
    copy = tmp_path / "eegstream"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    montage = copy / "montage.py"
    montage.write_text(
        montage.read_text() + "\n\ndef _f():\n    from .pipeline import chain\n"
    )
    graph = import_graph(copy)
    assert any("eegstream.montage" in cycle for cycle in cycles(graph))
    problems = layer_problems(graph, read_layers(INTERNALS))
    assert problems == [
        "eegstream.montage imports eegstream.pipeline up (eegstream/montage.py:"
        f"{len(montage.read_text().splitlines())})",
        "eegstream.montage imports eegstream.pipeline.chain up (eegstream/montage.py:"
        f"{len(montage.read_text().splitlines())})",
    ]
