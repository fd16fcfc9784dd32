"""Input checks and the error's parameter spelling (library vs command line)."""

from __future__ import annotations

import math

import pytest

from eegstream import EEGStreamError
from eegstream._checks import check_number, check_value, parse_int_list
from eegstream.cli import build_parser
from eegstream.cli._options import cli_spelling


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("3", [3]), ("1,3,5-7", [1, 3, 5, 6, 7]), ("9, 2-3", [9, 2, 3])],
)
def test_int_lists(text: str, numbers: list[int]) -> None:
    assert parse_int_list(text, "trials") == numbers


@pytest.mark.parametrize("text", ["", "a", "0", "5-2", "1,,2", "1-2-3"])
def test_bad_int_lists_are_refused(text: str) -> None:
    with pytest.raises(EEGStreamError, match=f"bad (trials list|range).*{text!r}"):
        parse_int_list(text, "trials")


def test_check_value_lists_the_allowed() -> None:
    assert check_value(None, (None, "seed-vii"), "compat") is None
    with pytest.raises(EEGStreamError, match=r"^device must be one of 'cpu', 'cuda'"):
        check_value("tpu", ("cpu", "cuda"), "device")


@pytest.mark.parametrize(
    ("value", "kwargs", "match"),
    [
        (0.0, {"min": 0, "min_inclusive": False}, "must be a finite number > 0 s, "),
        (math.nan, {}, "timeout must be a finite number s, got nan"),
        (True, {}, "got True"),
        (2.5, {"integer": True}, "must be an integer"),
        (11, {"min": 1, "max": 10}, ">= 1 and <= 10 s, got 11"),
    ],
)
def test_check_number_states_rule_unit_and_value(value, kwargs, match) -> None:
    with pytest.raises(EEGStreamError, match=match):
        check_number(value, "timeout", unit="s", **kwargs)
    assert check_number(5, "timeout", unit="s", min=1, max=10) == 5


def test_errors_name_python_parameters_and_the_cli_its_flags() -> None:
    err = EEGStreamError(
        "unlabelled channels: pass {assume_seed_order} or set {unit}, not {x}",
        param="x",
        suggest={"assume_seed_order": True, "unit": "uV"},
    )
    assert str(err) == (
        "unlabelled channels: pass assume_seed_order=True or set unit='uV', not x"
    )
    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    assert err.render(cli_spelling(run)) == (
        "unlabelled channels: pass --assume-seed-order or set --unit uV, not x"
    )
    # Braces that name no parameter are left alone.
    assert str(EEGStreamError("{'a': 1}")) == "{'a': 1}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["streams", "--timeout", "0"], "--timeout must be a finite number > 0"),
        (["run", "--model", "m", "--timeout", "-1"], "--timeout must be"),
        (
            [
                "evaluate",
                "--model",
                "m",
                "--dataset",
                "seed",
                "--root",
                ".",
                "--chunk",
                "0",
            ],
            "--chunk must be an integer >= 1 samples",
        ),
    ],  # fmt: skip
)
def test_cli_names_its_flags_in_one_line(argv, message, capsys) -> None:
    from eegstream.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
