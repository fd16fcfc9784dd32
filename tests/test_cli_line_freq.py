"""``--line-freq`` means one thing in every command: the mains frequency of the EEG."""

from __future__ import annotations

import argparse

import pytest

from eegstream.cli import build_parser
from eegstream.features.options import LINE_FREQ_HELP, line_freq_value

# Every command with the option (run over LSL, a file or a group: one parser).
COMMANDS = ("run", "live", "check", "train", "features", "export")


def _line_freq(command: str) -> argparse.Action:
    parser = build_parser()._subparsers._group_actions[0].choices[command]
    (action,) = [a for a in parser._actions if "--line-freq" in a.option_strings]
    return action


@pytest.mark.parametrize("command", COMMANDS)
def test_line_freq_is_the_mains_frequency_50_or_60_everywhere(command) -> None:
    action = _line_freq(command)
    assert action.help is not None and action.help.startswith(LINE_FREQ_HELP)
    values = {float(c) for c in (action.choices or ()) if c != "auto"}
    if action.choices is None:  # a conditioning setting, checked by its dataclass
        assert action.metavar == "{50,60}"
    else:
        assert values == {50.0, 60.0}
    # Not given: the model's where a model runs, else the settings' 50 Hz
    # (train: the recipe's settings, 50 Hz when conditioning is on).
    assert action.default in (None, 50.0, argparse.SUPPRESS)


def test_line_freq_value_reads_what_the_pipeline_takes() -> None:
    assert line_freq_value("50") == 50.0 and line_freq_value("60") == 60.0
    assert line_freq_value("auto") == "auto" and line_freq_value(None) is None


def test_export_refuses_a_line_frequency_that_is_no_mains(capsys) -> None:
    parser = build_parser()
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["export", "rec.edf", "--bids", "b", "--line-freq", "55"])
    assert exit_.value.code == 2
    assert "--line-freq" in capsys.readouterr().err
