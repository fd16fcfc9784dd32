"""Print pip constraints pinning every direct dependency to its floor.

``make test-lowest`` installs with them: each dependency of pyproject.toml
(and the ``dev`` extra) at the lowest version its range admits, everything
they pull in at the newest (uv's ``--resolution lowest-direct``).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def floors(pyproject: Path) -> list[str]:
    """Return ``name==floor`` for each requirement that has a ``>=`` floor."""
    project = tomllib.loads(pyproject.read_text())["project"]
    pins = []
    for req in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        found = re.match(r"^([A-Za-z0-9_.-]+)\s*(?:\[.*\])?\s*.*>=\s*([^,;\s]+)", req)
        if found is None:
            sys.exit(f"no >= floor in requirement {req!r}: give it one")
        pins.append(f"{found[1]}=={found[2]}")
    return pins


if __name__ == "__main__":
    print("\n".join(floors(Path(__file__).resolve().parents[1] / "pyproject.toml")))
