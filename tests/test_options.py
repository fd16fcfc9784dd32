"""One table of options: parser defaults, reproduce lines and hidden aliases."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import pytest
from _cli import help_text
from _imports import imported_after

from eegstream.cli import COMMANDS, build_parser
from eegstream.features import ConditioningSettings, FeatureConfig
from eegstream.training.config import RECIPES, RunOptions, TrainConfig
from eegstream.training.options import TRAIN_OPTIONS, reproduce_command


def _subparser(name: str):
    return build_parser()._subparsers._group_actions[0].choices[name]


def _expected(values, opt):
    # What parsing ``opt`` gives for ``values``: a none_flag is "value is None";
    # an option below a None (conditioning off) keeps its default.
    for part in opt.attr.split("."):
        if values is None:
            return opt.default
        values = getattr(values, part)
    return values is None if opt.none_flag else values


def test_train_parser_defaults_are_the_dataclasses_or_the_recipes() -> None:
    from eegstream.cli._options import run_options

    args = _subparser("train").parse_args(["--dataset", "seed", "--root", "r"])
    opts, defaults = run_options(args), RunOptions("seed", Path("r"))
    live = RECIPES["live"]
    for opt in TRAIN_OPTIONS:
        if opt.attr is None or opt.required or opt.attr in ("subjects", "recipe"):
            continue
        if opt.attr in live:
            expected = live[opt.attr] is None if opt.none_flag else live[opt.attr]
        else:
            expected = _expected(defaults, opt)
        assert _expected(opts, opt) == expected, opt.flag
    assert opts.recipe == "live"


@pytest.mark.parametrize(
    "conditioning",
    [None, ConditioningSettings(highpass_hz=None, lowpass_hz=45, line_freq=60)],
    ids=["off", "custom"],
)
def test_reproduce_command_parses_back_to_the_same_run(conditioning) -> None:
    from eegstream.cli._options import run_options

    opts = RunOptions(
        "seed-iv",
        Path("/data/seed iv"),
        protocol="loso",
        normaliser="running",
        subjects=[1, 2, 5],
        feature_config=FeatureConfig(
            hop_s=0.5, smoothing="none", conditioning=conditioning
        ),
        train=TrainConfig(lr=1e-3, epochs=7, select_on="loss"),
        max_missing_channels=3,
        recipe="paper",
    )
    words = shlex.split(reproduce_command(opts))
    assert words[:2] == ["eegstream", "train"]
    assert "--epochs" in words and "--seed" not in words  # defaults left out
    back = run_options(build_parser().parse_args(words[1:]))
    for opt in TRAIN_OPTIONS:
        if opt.attr is None:
            continue
        expected = _expected(opts, opt)
        assert _expected(back, opt) == expected, opt.flag
    assert (back.feature_config, back.train, back.subjects, back.recipe) == (
        opts.feature_config,
        opts.train,
        opts.subjects,
        opts.recipe,
    )


@pytest.mark.parametrize("command", ["features", "evaluate", "train"])
def test_cache_dir_has_the_old_spelling_as_a_hidden_alias(command, capsys) -> None:
    parser = _subparser(command)
    assert "--cache " not in parser.format_help()
    assert "--cache-dir" in parser.format_help()
    required = {
        "features": ["--dataset", "seed"],
        "evaluate": ["--model", "m", "--dataset", "seed", "--root", "r"],
        "train": ["--dataset", "seed", "--root", "r"],
    }[command]
    for flag in ("--cache", "--cache-dir"):
        args = parser.parse_args([*required, flag, "c"])
        assert args.cache_dir == Path("c")


def test_every_registered_model_can_be_trained_and_is_offered() -> None:
    from eegstream.model import MODELS
    from eegstream.training.config import ARCHS
    from eegstream.training.fit import BASELINE, TRAINERS

    assert set(ARCHS) == set(TRAINERS) == set(MODELS) and BASELINE in MODELS


def test_pipeline_options_offer_the_pipelines_units_and_devices() -> None:
    from eegstream.model.options import DEVICES
    from eegstream.protocol import UNIT_CHOICES

    for command in ("run", "live"):
        actions = {a.dest: a for a in _subparser(command)._actions}
        assert tuple(actions["unit"].choices) == UNIT_CHOICES
        assert tuple(actions["device"].choices) == DEVICES


@pytest.mark.parametrize("command", [c.replace("_", "-") for c in COMMANDS])
def test_every_command_documents_every_option(command, capsys) -> None:
    text = help_text(command, capsys)
    for action in _subparser(command)._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue  # a positional, or a hidden alias
        assert action.help, f"{command} {action.option_strings[0]} has no help"
        assert action.option_strings[0] in text


def test_parsing_every_command_imports_no_heavy_library():
    # Every `eegstream ...` starts by building the parser: a second or more of
    # torch (or MNE, Qt, liblsl) there is paid by every command, even --help.
    code = (
        "from eegstream.cli import build_parser\n"
        "build_parser().parse_args(['train', '--dataset', 'seed-iv', '--root', 'x'])"
    )
    heavy = ("torch", "scipy", "mne", "pylsl", "PySide6", "ray")
    assert imported_after(code, heavy) == []
