"""A :class:`PlainSource` in a process of its own (see ``ChildSource``).

Run as ``python _source_process.py SPEC.json``: prints ``ready`` once its
outlet exists, then pushes its data and keeps the outlet open until killed,
or until its standard input closes (the test process is gone).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
from _pipeline_helpers import PlainSource


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    data = np.load(spec.pop("data"))
    PlainSource(data=data, **spec).start()
    print("ready", flush=True)
    sys.stdin.read()  # until killed, or end of file: the test process died
    os._exit(0)  # no outlet teardown (see ChildSource)


if __name__ == "__main__":
    main(sys.argv[1])
