"""Personal models: calibrate, its honest estimate, the wearer store, the curve.

All data here is SYNTHETIC: a base logistic regression trained on subjects
1-5 of the small synthetic SEED-IV release, and a new wearer simulated with
a strong pattern of their own (``individual_rms``), recorded as a FIF file
with a stimulus program's markers.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import replace
from pathlib import Path

import mne
import numpy as np
import pytest
import torch
from _cli import help_text

from eegstream import EEGStreamError
from eegstream.calibration import blocked_folds, calibrate, cross_validate
from eegstream.calibration.adapt import AdaptSettings
from eegstream.calibration.gain import (
    design_min_p,
    gain_test,
    null_labellings,
    permutation_p,
    relabellings,
)
from eegstream.cli import main
from eegstream.datasets.synth_recording import STIM_LABEL_MAP, write_wearer_recording
from eegstream.features import NormaliserState, RunningNormaliser
from eegstream.model import (
    FeatureSource,
    StreamingClassifier,
    load_checkpoint,
    save_checkpoint,
)
from eegstream.training.data import TrialSteps
from eegstream.wearers import (
    load_wearer,
    save_normaliser_state,
    wearer_dir,
)

INDIVIDUAL_RMS = 0.8  # the wearer's own pattern, DE units (the release's: 0.35)


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One feature cache for the module (entries are keyed by their source)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def base_model(synthetic_seed_iv_small, tmp_path_factory, cache) -> Path:
    """A cross-subject logistic regression of subjects 1-5 (live recipe)."""
    folder = tmp_path_factory.mktemp("base")
    code = main(
        [
            "train", "--dataset", "seed-iv", "--root", str(synthetic_seed_iv_small),
            "--arch", "logreg", "--subjects", "1-5", "--protocol", "loso",
            "--name", "base", "--models-dir", str(folder / "models"),
            "--out", str(folder / "run"), "--cache-dir", str(cache),
        ]
    )  # fmt: skip
    assert code == 0
    return folder / "models" / "base.safetensors"


@pytest.fixture(scope="module")
def wearer(tmp_path_factory) -> Path:
    """Folder: the wearer's calibration session (3 x 20 s per class) and the map."""
    folder = tmp_path_factory.mktemp("wearer")
    write_wearer_recording(
        folder / "sub-07_ses-1_task-calib_eeg.fif",
        subject=7, segment_s=20, rest_s=4, individual_rms=INDIVIDUAL_RMS,
    )  # fmt: skip
    write_wearer_recording(
        folder / "shuffled" / "sub-07_ses-2_task-calib_eeg.fif",
        subject=7, segment_s=20, rest_s=4, individual_rms=INDIVIDUAL_RMS,
        shuffle_labels=True,
    )  # fmt: skip
    (folder / "map.toml").write_text(STIM_LABEL_MAP)
    return folder


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("EEGSTREAM_WEARERS", str(tmp_path / "wearers"))
    return tmp_path / "wearers"


def test_personal_model_beats_base_on_held_out_segments(
    base_model, wearer, store, tmp_path, cache, capsys
):
    before = _sha(base_model)
    rec = wearer / "sub-07_ses-1_task-calib_eeg.fif"
    result = calibrate(
        base_model, [rec], wearer / "map.toml", out="p07", wearer="P07",
        models_folder=tmp_path / "models", cache_dir=cache, progress=False,
    )  # fmt: skip
    est = result.estimate
    assert result.improves and est.improves
    assert est.personal_accuracy > est.base_accuracy + 0.1, est.lines()
    assert est.personal_accuracy > 0.5  # chance 0.25
    # Whole segments held out: each segment in exactly one fold's test side.
    held = [k for f in est.folds for k in f.held_out]
    assert len(held) == len(set(held)) == 12 and len(est.folds) == 3
    assert result.minutes == pytest.approx(12 * 20 / 60, rel=0.01)
    # The personal checkpoint: whose, how, and it runs like any other.
    ckpt = load_checkpoint(result.checkpoint)
    assert ckpt.meta.personal and ckpt.meta.wearer == "P07"
    info = ckpt.meta.calibration
    assert info.base == "base" and info.base_sha256 == before and info.segments == 12
    assert info.method == "last-layer" and info.estimate["improves"]
    assert ckpt.meta.normaliser.mean != load_checkpoint(base_model).meta.normaliser.mean
    clf = StreamingClassifier(ckpt, device="cpu")
    eeg = mne.io.read_raw_fif(rec, verbose="error").get_data()[:, :1200] * 1e6
    steps = clf.push(eeg)
    assert len(steps) == 3 and np.allclose([p.sum() for _, p in steps], 1.0)
    print("\n".join(est.lines()))
    assert main(["info", "--model", str(result.checkpoint)]) == 0
    assert "personal   wearer P07: last-layer" in capsys.readouterr().out
    card = result.card.read_text()
    assert "P07" in card and "SYNTHETIC" in card and "Honest estimate" in card
    # The wearer store finds statistics and model again by name.
    found = load_wearer("P07")
    assert found.checkpoint is not None and _sha(found.checkpoint) == _sha(
        result.checkpoint
    )
    assert found.normaliser.count.min() > 0 and found.base == "base"
    assert result.wearer_dir == wearer_dir("P07") == store / "P07"
    assert _sha(base_model) == before  # the base is never modified


def test_shuffled_labels_do_not_beat_base_and_are_not_written(
    base_model, wearer, store, tmp_path, capsys, cache
):
    rec = wearer / "shuffled" / "sub-07_ses-2_task-calib_eeg.fif"
    args = [
        "calibrate", "--model", str(base_model), "--recording", str(rec),
        "--label-map", str(wearer / "map.toml"), "--out", "shuffled",
        "--models-dir", str(tmp_path / "models"), "--cache-dir", str(cache),
    ]  # fmt: skip
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "does NOT beat the base model" in out and "not written" in out
    assert not (tmp_path / "models" / "shuffled.safetensors").exists()
    assert main([*args, "--force", "--wearer", "S"]) == 0
    out = capsys.readouterr().out
    assert "--force: written although it does not" in out
    assert (
        load_checkpoint(tmp_path / "models" / "shuffled.safetensors").meta.wearer == "S"
    )


def test_blocked_folds_hold_out_whole_segments_of_every_class():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n_classes = int(rng.integers(2, 5))
        labels = rng.integers(0, n_classes, int(rng.integers(2 * n_classes, 30)))
        labels[: 2 * n_classes] = np.repeat(np.arange(n_classes), 2)
        rng.shuffle(labels)
        folds = blocked_folds(labels)
        flat = np.concatenate(folds)
        assert sorted(flat.tolist()) == list(range(len(labels)))  # each once
        for held in folds:
            train = np.setdiff1d(np.arange(len(labels)), held)
            assert set(labels[held]) == set(labels) == set(labels[train])
    with pytest.raises(EEGStreamError, match="too little data"):
        blocked_folds([0, 0, 1])


def test_resattentionet_methods_keep_what_they_should(
    wearer, tiny_checkpoint, tmp_path, cache
):
    rec = wearer / "sub-07_ses-1_task-calib_eeg.fif"
    base = load_checkpoint(tiny_checkpoint)
    before = _sha(tiny_checkpoint)
    for method in ("last-layer", "head", "full"):
        result = calibrate(
            tiny_checkpoint, [rec], wearer / "map.toml", out=f"tiny-{method}",
            force=True, method=method, settings=AdaptSettings(epochs=2),
            folds=2, alpha=0.5, permutations=1, models_folder=tmp_path,
            cache_dir=cache, progress=False,
        )  # fmt: skip
        personal = load_checkpoint(result.checkpoint).state_dict
        changed = {
            k for k, v in personal.items() if not torch.equal(v, base.state_dict[k])
        }
        encoder = {k for k in changed if k.startswith(("stem.", "encoder."))}
        assert changed, method
        if method == "full":
            assert encoder
        else:
            assert not encoder, (method, sorted(encoder)[:3])
        if method == "last-layer":
            assert all(k.startswith("classifier.3.") for k in changed)
    assert _sha(tiny_checkpoint) == before


def test_a_network_with_the_mean_readout_adapts_beside_it(wearer, tmp_path, cache):
    from eegstream.model._testing import untrained_checkpoint

    base_path = untrained_checkpoint(tmp_path / "ro.safetensors", readout="mean")
    base = load_checkpoint(base_path).state_dict
    for method in ("head", "full"):
        result = calibrate(
            base_path, [wearer / "sub-07_ses-1_task-calib_eeg.fif"],
            wearer / "map.toml", out=f"ro-{method}", force=True, method=method,
            settings=AdaptSettings(epochs=2), folds=2, alpha=0.5, permutations=1,
            models_folder=tmp_path, cache_dir=cache, progress=False,
        )  # fmt: skip
        personal = load_checkpoint(result.checkpoint).state_dict
        readout = {
            k for k in personal
            if k.startswith("mean_readout.") and not torch.equal(personal[k], base[k])
        }  # fmt: skip
        # The wearer's own read-out with every weight; kept when only the head is.
        assert bool(readout) == (method == "full"), method


def _fewer_channels(src: Path, dst: Path, keep: int) -> Path:
    raw = mne.io.read_raw_fif(src, preload=True, verbose="error")
    raw.pick(raw.ch_names[:keep]).save(dst, verbose="error")
    return dst


def test_bad_input_is_one_line_exit_2_and_base_untouched(
    base_model, wearer, tmp_path, capsys, cache
):
    rec = wearer / "sub-07_ses-1_task-calib_eeg.fif"
    (tmp_path / "SYNTHETIC_DATA.txt").write_text("synthetic\n")
    one = tmp_path / "one.toml"
    one.write_text(
        '[[rule]]\nexact = "stim_happy"\nclass = "happy"\naction = "start"\n'
        '[[rule]]\nexact = "stim_end"\naction = "end"\n'
    )
    joy = tmp_path / "joy.toml"
    joy.write_text(STIM_LABEL_MAP.replace('"$1"', '"joy_$1"'))
    none = tmp_path / "none.toml"
    none.write_text(
        '[[rule]]\nexact = "trigger 7"\nclass = "happy"\naction = "start"\n'
    )
    short = write_wearer_recording(
        tmp_path / "short" / "sub-07_ses-3_eeg.fif", subject=7, segments_per_class=1,
        segment_s=6, rest_s=4,
    )  # fmt: skip
    merged = tmp_path / "merged.toml"  # happy alone, the three others as sad
    merged.write_text(
        '[[rule]]\nexact = "stim_happy"\nclass = "happy"\naction = "start"\n'
        '[[rule]]\nmatch = "stim_(sad|fear|neutral)"\nclass = "sad"\n'
        'action = "start"\n[[rule]]\nexact = "stim_end"\naction = "end"\n'
    )
    few = _fewer_channels(rec, tmp_path / "few_eeg.fif", 20)
    official = tmp_path / "official.safetensors"
    ck = load_checkpoint(base_model)
    save_checkpoint(
        official,
        ck.state_dict,
        replace(ck.meta, features=FeatureSource("official", "de_LDS")),
    )
    before = _sha(base_model)
    stim = wearer / "map.toml"
    cases = [
        ([rec], none, {}, ["matches no marker", "stim_happy"]),
        ([rec], one, {}, ["at least 2 classes", "happy (3)"]),
        ([rec], joy, {}, ["'joy_happy'", "not classes of base model"]),
        ([short], stim, {}, ["too little data", "needs >= 2 per class"]),
        ([few], stim, {}, ["lack 42 of the 62 channels", "--channels-from"]),
        ([rec], stim, {"model": official}, ["precomputed features"]),
        ([rec], stim, {"out": "base"}, ["--out 'base' is the base model's"]),
        ([rec], stim, {"wearer": "a/b"}, ["--wearer name 'a/b'"]),
        ([rec], stim, {"method": "head"}, ["--method 'head' cannot adapt a logreg"]),
        ([rec], stim, {"alpha": 0}, ["--alpha must be", "> 0 and <= 0.5, got 0"]),
        ([rec], stim, {"alpha": 0.6}, ["--alpha must be", "<= 0.5, got 0.6"]),
        ([rec], stim, {"permutations": 5}, [
            "--permutations 5 cannot reach --alpha 0.05", "at least 19"]),
        ([short], merged, {}, ["class 'happy' has 1 segment(s)", "record 1 more"]),
        ([short], stim, {"permutations": 99}, [
            "too little data", "relabels whole segments", "record 1 more"]),
    ]  # fmt: skip
    for recs, lmap, extra, expected in cases:
        args = {"model": base_model, "out": "p", **extra}
        argv = ["calibrate", "--recording", *map(str, recs), "--label-map", str(lmap)]
        for k, v in args.items():
            argv += [f"--{k}", str(v)]
        argv += ["--models-dir", str(base_model.parent), "--cache-dir", str(cache)]
        code = main(argv)
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1, err
        assert all(e in err for e in expected), (expected, err)
    assert _sha(base_model) == before
    assert not (base_model.parent / "p.safetensors").exists()


def test_normaliser_state_round_trip_and_wearer_store(store):
    rng = np.random.default_rng(1)
    rows = rng.normal(5, 2, (40, 6))
    rows[3, 2] = np.nan
    norm = RunningNormaliser(np.zeros(6), np.ones(6), 30)
    norm.transform(rows)
    state = norm.state()
    direct = NormaliserState.from_steps(rows)
    np.testing.assert_allclose(state.mean, direct.mean)
    np.testing.assert_allclose(state.var, direct.var)
    assert state.count[2] == 39 and state.count[0] == 40
    again = RunningNormaliser(np.zeros(6), np.ones(6), 30)
    again.load_state(state)
    nxt = rng.normal(5, 2, 6)
    np.testing.assert_allclose(again.step(nxt), norm.step(nxt))
    with pytest.raises(EEGStreamError, match="another model's channels"):
        RunningNormaliser(np.zeros(3), np.ones(3)).load_state(state)
    save_normaliser_state("P01", state)
    found = load_wearer("P01")
    assert found.checkpoint is None and found.name == "P01"
    np.testing.assert_array_equal(found.normaliser.count, state.count)
    with pytest.raises(EEGStreamError, match=r"no wearer 'P02' .*known: P01"):
        load_wearer("P02")


def test_statistics_of_other_feature_settings_are_refused(tiny_checkpoint, store):
    meta = load_checkpoint(tiny_checkpoint).meta
    rows = np.random.default_rng(2).normal(5, 2, (40, meta.n_features))
    state = dataclasses.replace(
        NormaliserState.from_steps(rows), key=meta.statistics_key
    )
    save_normaliser_state("P03", state)
    assert load_wearer("P03").normaliser.key == meta.statistics_key
    other = dataclasses.replace(
        meta, feature_config=meta.feature_config.replace(hop_s=2.0)
    )
    assert other.statistics_key != meta.statistics_key  # same feature count
    zeros, ones = np.zeros(meta.n_features), np.ones(meta.n_features)
    RunningNormaliser(zeros, ones).load_state(state, key=meta.statistics_key)
    with pytest.raises(EEGStreamError, match="other feature settings or channels"):
        RunningNormaliser(zeros, ones).load_state(state, key=other.statistics_key)


def test_a_design_too_small_is_not_written_and_says_so(
    base_model, tmp_path, capsys, cache
):
    rec = write_wearer_recording(
        tmp_path / "two" / "sub-07_ses-4_eeg.fif", subject=7, segments_per_class=2,
        segment_s=12, rest_s=3, individual_rms=INDIVIDUAL_RMS,
    )  # fmt: skip
    lmap = tmp_path / "two.toml"  # two classes of two segments each
    lmap.write_text(STIM_LABEL_MAP.replace("(\\\\w+)", "(happy|sad)"))
    code = main(
        [
            "calibrate", "--model", str(base_model), "--recording", str(rec),
            "--label-map", str(lmap), "--out", "small",
            "--models-dir", str(tmp_path / "models"), "--cache-dir", str(cache),
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "not enough segments to tell: 4 segments allow at best p = 0.25" in out
    assert "record 3 more segment(s) of each class" in out
    assert not (tmp_path / "models" / "small.safetensors").exists()


def test_cards_made_before_the_gain_test_still_load(
    base_model, wearer, tmp_path, cache, capsys
):
    result = calibrate(
        base_model, [wearer / "sub-07_ses-1_task-calib_eeg.fif"], wearer / "map.toml",
        out="new", force=True, models_folder=tmp_path, cache_dir=cache,
        progress=False,
    )  # fmt: skip
    ckpt = load_checkpoint(result.checkpoint)
    new = ckpt.meta.calibration.estimate
    assert new["test"]["p_value"] == result.estimate.test.p_value
    assert new["unit"] == "segment" and new["test"]["n_segments"] == 12
    # The header of a personal model written before: per-window estimate, no test.
    old = {
        "method": "last-layer", "unit": "window", "base_accuracy": 0.3,
        "personal_accuracy": 0.44, "difference": {"mean": 0.117, "sd": 0.121},
        "chance": 0.25, "improves": True,
        "folds": [{"fold": 1, "held_out": ["a"], "n_windows": 16, "base": 0.3,
                   "personal": 0.44}],
    }  # fmt: skip
    meta = replace(ckpt.meta, calibration=replace(ckpt.meta.calibration, estimate=old))
    before = save_checkpoint(tmp_path / "old.safetensors", ckpt.state_dict, meta)
    again = load_checkpoint(before)
    assert again.meta.calibration.estimate == old
    capsys.readouterr()
    assert main(["info", "--model", str(before)]) == 0
    assert "no gain test: calibrated before it was made" in capsys.readouterr().out
    assert main(["info", "--model", str(result.checkpoint)]) == 0
    assert f"p = {result.estimate.test.p_value:.3g}" in capsys.readouterr().out


def test_old_checkpoints_load_without_wearer(tiny_checkpoint):
    meta = load_checkpoint(tiny_checkpoint).meta
    assert meta.wearer is None and meta.calibration is None and not meta.personal
    assert "wearer" not in meta.to_dict() and "calibration" not in meta.to_dict()
    shipped = (
        Path(__file__).resolve().parents[1] / "models" / "demo-seed-iv.safetensors"
    )
    assert load_checkpoint(shipped).meta.wearer is None


def test_calibrate_curve_writes_plot_and_table(
    synthetic_seed_iv_small, tmp_path, capsys, cache
):
    code = main(
        [
            "calibrate-curve", "--dataset", "seed-iv",
            "--root", str(synthetic_seed_iv_small), "--held-out", "6",
            "--minutes", "1,3", "--out", str(tmp_path / "curve"),
            "--cache-dir", str(cache),
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert (tmp_path / "curve" / "calibration_curve.png").stat().st_size > 1000
    assert "SYNTHETIC DATA" in out and out.count("\n") >= 4
    import json

    doc = json.loads((tmp_path / "curve" / "calibration_curve.json").read_text())
    assert doc["minutes"] == [0.0, 1.0, 3.0] and doc["subjects"] == [6]
    assert doc["base"][0][0] == doc["personal"][0][0]  # k = 0: the base model
    assert doc["control"][0][0] == doc["base"][0][0] and doc["unit"] == "segment"
    # Each point with its interval around it; the shuffled-label control drawn.
    for name in ("base", "personal", "control"):
        for (lo, hi), mean in zip(doc["intervals"][name], doc[name][0], strict=True):
            assert lo <= mean <= hi and hi - lo > 0, (name, lo, mean, hi)
    assert "control: shuffled labels" in out and "95% CI" in out


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_train_and_evaluate_take_markers(command, capsys):
    assert "--markers NAME" in help_text(command, capsys)


@pytest.mark.parametrize("command", ["calibrate", "calibrate-curve"])
def test_help_is_complete(command, capsys):
    text = help_text(command, capsys)
    flags = ("--model", "--recording", "--label-map", "--wearer", "--force",
             "--alpha", "--permutations", "--markers")  # fmt: skip
    for flag in flags if command == "calibrate" else ("--dataset", "--minutes"):
        assert flag in text


# -- the gain test -------------------------------------------------------------


def _simulated_wearer(
    seed: int, per_class: int, n_classes: int = 4, pattern: float = 0.0
) -> list[TrialSteps]:
    """Feature steps of one simulated wearer (SYNTHETIC), segments in time order.

    Each 20 s segment (16 steps) has a level of its own on every feature, so
    its windows agree with each other (the segment, not the window, is the
    unit); ``pattern`` adds a class pattern the base model has never seen.
    """
    rng = np.random.default_rng([27, seed])
    own = rng.normal(0, 1, (n_classes, 310))
    labels = np.concatenate([rng.permutation(n_classes) for _ in range(per_class)])
    return [
        TrialSteps(
            key=f"s{i}",
            subject=1,
            session=1,
            trial=i + 1,
            label=int(c),
            steps=(
                rng.normal(0, 1, 310) + pattern * own[c] + rng.normal(0, 0.3, (16, 310))
            ).astype(np.float32),
        )  # fmt: skip
        for i, c in enumerate(labels)
    ]


def _test_of(base_model: Path, trials: list[TrialSteps], **kw):
    ckpt = load_checkpoint(base_model)
    return cross_validate(
        ckpt.build(), ckpt.arch, ckpt.normaliser(), trials, ckpt.feature_config,
        "last-layer", progress=False, **kw,
    ).test  # fmt: skip


def test_random_segment_labels_are_refused_at_the_stated_rate(base_model):
    # 16 wearers whose labels mean nothing, at alpha 0.2: about 3.2 false gains
    # are expected; 8 or more has probability 0.7 % at a true 20 %.
    tests = [
        _test_of(base_model, _simulated_wearer(seed, 3), alpha=0.2, permutations=19)
        for seed in range(16)
    ]
    gains = sum(t.improves for t in tests)
    p = np.array([t.p_value for t in tests])
    assert gains <= 7, p.round(3)
    assert (p > 0.5).any() and len(set(p.tolist())) > 4  # not a degenerate null
    assert all(t.n_segments == 12 and not t.exact for t in tests)


def test_a_strong_planted_pattern_is_a_gain(base_model):
    test = _test_of(base_model, _simulated_wearer(1, 3, pattern=2.0))
    assert test.improves and test.p_value <= 0.05 and test.gain > 0.2, test.describe()
    assert test.ci[0] > 0 and test.permutations == 199
    assert "p = " in test.verdict() and "12 independent segments" in test.verdict()


def test_a_design_too_small_says_not_enough_segments(base_model):
    # Two classes, two segments each.
    trials = [t for t in _simulated_wearer(2, 2, pattern=2.0) if t.label < 2]
    test = _test_of(base_model, trials)
    # 2 folds of one segment per class: 2 x 2 relabellings, p >= 1/4.
    assert test.exact and test.n_relabellings == 4 and not test.can_tell
    assert test.min_p == 0.25 and not test.improves and test.p_value >= 0.25
    # 5 per class: 5 folds, 2**5 = 32 relabellings, p can reach 1/32.
    assert test.more_per_class == 3
    assert "not enough segments to tell" in test.verdict()
    assert "record 3 more segment(s) of each class" in test.verdict()


def test_relabellings_are_counted_and_enumerated_exactly():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n_classes = int(rng.integers(2, 4))
        labels = np.repeat(np.arange(n_classes), rng.integers(2, 4, n_classes))
        rng.shuffle(labels)
        folds = blocked_folds(labels, 3)
        rows, exact = null_labellings(labels, folds, 10_000, rng)
        assert exact and len(rows) == relabellings(labels, folds)
        assert len({tuple(r) for r in rows}) == len(rows)  # each once
        assert (rows == labels).all(1).sum() == 1  # the observed among them
        for f in folds:  # each fold keeps its class counts
            assert (np.sort(rows[:, f], 1) == np.sort(labels[f])).all()
        counts = np.bincount(labels).tolist()
        if min(counts) == max(counts):
            assert design_min_p(counts, 3) == 1 / len(rows)
    rows, exact = null_labellings(np.repeat(np.arange(4), 5), blocked_folds(
        np.repeat(np.arange(4), 5)), 99, rng)  # fmt: skip
    assert not exact and rows.shape == (99, 20)
    assert permutation_p(0.5, np.array([0.1, 0.6, 0.5]), exact=False) == 3 / 4
    assert permutation_p(0.5, np.array([0.1, 0.6, 0.5, 0.2]), exact=True) == 2 / 4


def test_the_label_maps_stream_labels_and_the_replays_is_ignored(
    base_model, tmp_path, capsys, cache
):
    # As `eegstream record` keeps them: the stimulus program's markers (random
    # classes here) and the replay's own (the class the EEG holds), 10 µs apart.
    rec = write_wearer_recording(
        tmp_path / "both" / "sub-07_ses-5_eeg.fif", subject=7, segment_s=12,
        rest_s=3, shuffle_labels=True, marker_streams=("psychopy", "rec-markers"),
    )  # fmt: skip
    lmap = tmp_path / "map.toml"
    lmap.write_text(STIM_LABEL_MAP)
    argv = [
        "calibrate", "--model", str(base_model), "--recording", str(rec),
        "--label-map", str(lmap), "--out", "both", "--force",
        "--models-dir", str(tmp_path / "models"), "--cache-dir", str(cache),
    ]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert (
        "12 labelled segments (stream 'psychopy': fear 3, happy 3, neutral 3, sad 3; "
        "ignored: 'rec-markers')" in out
    )
    assert main([*argv, "--markers", "rec-markers", "--out", "replay"]) == 0
    assert "(stream 'rec-markers': fear 3" in capsys.readouterr().out
    written = load_checkpoint(tmp_path / "models" / "replay.safetensors")
    assert "--markers rec-markers" in written.meta.provenance["command"]
    for command in (
        [*argv, "--markers", "psychopy", "--markers", "rec-markers", "--out", "x"],
        ["evaluate", "--model", str(base_model), "--recordings", str(rec),
         "--label-map", str(lmap), "--markers", "psychopy", "--markers",
         "rec-markers"],
    ):  # fmt: skip
        assert main(command) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "label the same stretch" in err, err
        assert "'psychopy' and 'rec-markers'" in err and "--markers" in err
    assert not (tmp_path / "models" / "x.safetensors").exists()


def test_a_personal_model_no_better_than_a_good_base_is_not_a_gain():
    # Relabelled, a good base loses its structure and the null gains fall
    # below zero: the permutation test alone would call +1 point a gain.
    rng = np.random.default_rng(5)
    observed = rng.normal(0.01, 0.08, 12)
    null = rng.normal(-0.15, 0.05, 199)
    test = gain_test(
        observed, null, exact=False, alpha=0.05, n_relabellings=10**6,
        counts=[3, 3, 3, 3], max_folds=5,
    )  # fmt: skip
    assert test.p_permutation == 1 / 200 and test.p_paired > 0.05
    assert test.p_value == test.p_paired and not test.improves
    assert test.ci[0] < 0 < test.ci[1] and test.ci_level == pytest.approx(0.9)
    assert f"p = {test.p_paired:.3g}" in test.verdict() and "does NOT" in test.verdict()
