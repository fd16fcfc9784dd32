"""Batched inference: LiveChain.push_ready and BatchClassifier against chains alone."""

from __future__ import annotations

import numpy as np
import pytest
from _pipeline_helpers import synthetic_eeg

from eegstream import EEGStreamError
from eegstream.group import BatchClassifier, load_roster, parse_shard, shard_of
from eegstream.group.batch import weights_key
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import LiveChain

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# Three headsets: SEED's 62 channels at 200 Hz; 58 of them in reverse order at
# 250 Hz (4 interpolated); 62 at 160 Hz.
_FEWER = [c for c in SEED_CHANNELS if c not in ("PO5", "PO6", "CB1", "CB2")][::-1]
HEADSETS = (
    (list(SEED_CHANNELS), 200.0, 0),
    (_FEWER, 250.0, 1),
    (list(SEED_CHANNELS), 160.0, 2),
)


def make_chain(ckpt, labels, sfreq):
    return LiveChain.from_labels(ckpt, labels, sfreq, device="cpu", unit="uV")


def headset_data(labels, sfreq, seed, seconds=9.0):
    eeg = synthetic_eeg(seconds, seed=seed, sfreq=sfreq)
    rows = [SEED_CHANNELS.index(name) for name in labels]
    return eeg[rows], np.arange(eeg.shape[1]) / sfreq


def pushed(method, ckpt, labels, sfreq, seed, chunk=10):
    """What a fresh chain's ``method`` ("push" or "push_ready") returns in chunks."""
    push = getattr(make_chain(ckpt, labels, sfreq), method)
    data, times = headset_data(labels, sfreq, seed)
    out = []
    for i in range(0, data.shape[1], chunk):
        out += push(data[:, i : i + chunk], times[i : i + chunk])
    return out


def alone(ckpt, labels, sfreq, seed, chunk=10):
    return pushed("push", ckpt, labels, sfreq, seed, chunk)


def ready_steps(ckpt, labels, sfreq, seed, chunk=10):
    return pushed("push_ready", ckpt, labels, sfreq, seed, chunk)


def test_push_ready_gives_the_same_steps_unclassified(ckpt):
    labels, sfreq, seed = HEADSETS[1]
    ref = alone(ckpt, labels, sfreq, seed)
    got = ready_steps(ckpt, labels, sfreq, seed)
    assert len(got) == len(ref) > 3
    batch = BatchClassifier("cpu")
    key = batch.add(ckpt)
    for r, ready in zip(ref, got, strict=True):
        assert np.isnan(ready.result.probabilities).all()
        assert ready.sequence.shape == (60, 310)
        assert ready.result.timestamp == r.timestamp
        np.testing.assert_array_equal(ready.result.band_power, r.band_power)
        assert ready.result.quality == r.quality
        # A batch of one is the chain's own call: bit for bit.
        (p,) = batch.classify([key], [ready.sequence])
        np.testing.assert_array_equal(ready.finish(p).probabilities, r.probabilities)


def test_three_headsets_batched_equal_each_alone(ckpt):
    refs = [alone(ckpt, *h) for h in HEADSETS]
    readies = [ready_steps(ckpt, *h) for h in HEADSETS]
    batch = BatchClassifier("cpu")
    key = batch.add(ckpt)
    n = min(len(r) for r in readies)
    assert n >= 4
    for k in range(n):  # one tick: the k-th step of every headset, one call
        probs = batch.classify([key] * 3, [r[k].sequence for r in readies])
        for ref, p in zip(refs, probs, strict=True):
            np.testing.assert_array_equal(p, ref[k].probabilities)
    assert batch.calls == n and batch.n_models == 1


@pytest.mark.parametrize("model", ["tiny", "demo-seed-iv"])
def test_any_batch_is_bit_identical_to_each_chain_alone(model, ckpt):
    """Every step of three headsets, in batches of 1 to 17, against LiveChain."""
    from eegstream.model import load_checkpoint, resolve_model

    if model != "tiny":
        ckpt = load_checkpoint(resolve_model(model))
    refs = [r.probabilities for h in HEADSETS for r in alone(ckpt, *h)]
    seqs = [r.sequence for h in HEADSETS for r in ready_steps(ckpt, *h)]
    assert len(seqs) == len(refs) >= 17
    batch = BatchClassifier("cpu")
    key = batch.add(ckpt)
    for size in (1, 2, 3, 16, 17):
        probs = batch.classify([key] * size, seqs[:size])
        np.testing.assert_array_equal(np.stack(probs), np.stack(refs[:size]))


def test_same_weights_share_a_model_other_weights_do_not(ckpt, tmp_path):
    import torch

    from eegstream.model import Checkpoint

    same = Checkpoint(tmp_path / "copy.safetensors", ckpt.meta, dict(ckpt.state_dict))
    other_state = {k: v.clone() for k, v in ckpt.state_dict.items()}
    name = next(k for k, v in other_state.items() if v.dtype == torch.float32)
    other_state[name] += 1.0
    other = Checkpoint(tmp_path / "other.safetensors", ckpt.meta, other_state)
    assert weights_key(same) == weights_key(ckpt) != weights_key(other)
    batch = BatchClassifier("cpu")
    keys = [batch.add(c) for c in (ckpt, same, other)]
    assert batch.n_models == 2
    seqs = [r.sequence for r in ready_steps(ckpt, *HEADSETS[0])[:3]]
    probs = batch.classify(keys, seqs)
    assert batch.calls == 2  # ckpt and its copy in one call, the other alone
    assert not np.allclose(probs[2], probs[0])


def write(tmp_path, text):
    path = tmp_path / "wearers.toml"
    path.write_text(text)
    return path


def test_roster_maps_streams_to_wearers_and_models(tmp_path, tiny_checkpoint):
    roster = load_roster(
        write(
            tmp_path,
            f'[wearers.P01]\nsource_id = "cap-1"\n'
            f'[wearers.P02]\nstream = "Cap 2"\nmodel = "{tiny_checkpoint}"\n',
        )
    )
    assert roster.find("anything", "cap-1").name == "P01"
    assert roster.find("Cap 2", "x").model == tiny_checkpoint
    assert roster.find("Cap 3", "cap-3") is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[wearers.P01\n", "cannot read wearers file"),
        ('[wearers.P01]\nsource_id = "a"\n[wearers.P02]\nsource_id = "a"\n', "both"),
        ('[wearers.P01]\nsource_id = "a"\nmodel = "no-such-model"\n', "no model"),
        ('[wearers.P01]\nsource_id = "a"\nstream = "b"\n', "exactly one"),
        ('[wearers.P01]\nsourceid = "a"\n', "keys must be"),
        ('[wearers."bad name"]\nsource_id = "a"\n', "not usable"),
        ('[people.P01]\nsource_id = "a"\n', "no [wearers.NAME]"),
    ],
    ids=["toml", "two-wearers", "model", "both-keys", "key", "name", "table"],
)
def test_a_bad_roster_is_one_line(tmp_path, text, fragment):
    with pytest.raises(EEGStreamError, match=None) as err:
        load_roster(write(tmp_path, text))
    message = str(err.value)
    assert fragment in message and "\n" not in message


def test_shards_split_every_stream_once():
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/2", "3/2", "1", "a/b", "1/0"):
        with pytest.raises(EEGStreamError, match="--shard"):
            parse_shard(bad)
    ids = [f"cap-{i}" for i in range(40)]
    shards = [shard_of(s, 3) for s in ids]
    assert set(shards) == {1, 2, 3}
    assert shards == [shard_of(s, 3) for s in ids]  # stable: no coordination needed
