"""Helpers of the command-line tests."""

from __future__ import annotations

import pytest

from eegstream.cli import main


def help_text(command: str, capsys: pytest.CaptureFixture) -> str:
    """Return what ``eegstream COMMAND --help`` prints; fail unless it exits 0."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out
