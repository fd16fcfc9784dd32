"""Helpers of the command-line tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from eegstream.cli import main


def help_text(command: str, capsys: pytest.CaptureFixture) -> str:
    """Return what ``eegstream COMMAND --help`` prints; fail unless it exits 0."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def assert_features_refused(
    dataset: str,
    root: Path,
    cache: Path,
    capsys: pytest.CaptureFixture,
    message: str,
    extra: Sequence[str] = (),
) -> None:
    """Assert ``eegstream features`` refuses ``root`` and caches nothing.

    It must exit 2 with one line on stderr that holds ``message``; ``extra``
    are further options.
    """
    argv = ["--dataset", dataset, "--root", str(root), "--cache-dir", str(cache)]
    assert main(["features", *argv, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not cache.exists()
