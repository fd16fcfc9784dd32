"""A :class:`PlainSource` in a process of its own (see ``ChildSource``).

Run as ``python _source_process.py SPEC.json``: prints ``ready`` once its
outlet exists, then pushes its data and keeps the outlet open until killed.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import numpy as np
from _pipeline_helpers import PlainSource


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    data = np.load(spec.pop("data"))
    PlainSource(data=data, **spec).start()
    print("ready", flush=True)
    threading.Event().wait()  # until the test kills this process


if __name__ == "__main__":
    main(sys.argv[1])
