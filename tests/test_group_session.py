"""A group session over real LSL: three headsets, one process, batched ticks."""

from __future__ import annotations

import numpy as np
import pylsl
import pytest
from _pipeline_helpers import ChildSource, synthetic_eeg, wait_until

from eegstream import EEGStreamError
from eegstream.group import GroupSession, StreamQuery, load_roster
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import LiveChain, read_log

SPEED = 4.0  # x real time: a hop of 1 s of EEG is 0.25 s of LSL time
_FEWER = [c for c in SEED_CHANNELS if c not in ("PO5", "PO6", "CB1", "CB2")][::-1]
# (labels, rate in Hz, seconds, seed): other rates and channel sets.
HEADSETS = (
    (list(SEED_CHANNELS), 200.0, 14.0, 0),
    (_FEWER, 250.0, 14.0, 1),
    (list(SEED_CHANNELS), 160.0, 8.0, 2),
)


def headset_data(labels, sfreq, seconds, seed):
    eeg = synthetic_eeg(seconds, seed=seed, sfreq=sfreq)
    return eeg[[SEED_CHANNELS.index(c) for c in labels]]


def sent(data, sfreq):
    """The data plus 1 s: a source process may end before its last chunk is out."""
    return np.concatenate([data, data[:, : int(sfreq)]], axis=1)


def alone(tiny_checkpoint, labels, sfreq, data):
    """The chain of `eegstream run` on this headset alone, over the same samples."""
    chain = LiveChain.from_labels(tiny_checkpoint, labels, sfreq, device="cpu")
    times = np.arange(data.shape[1]) / sfreq
    return [
        r.probabilities
        for i in range(0, data.shape[1], 10)
        for r in chain.push(data[:, i : i + 10], times[i : i + 10])
    ]


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_three_headsets_one_killed_and_back_the_others_miss_no_step(
    tiny_checkpoint, unique_id, tmp_path
):
    names = [f"{unique_id}-{k}" for k in range(3)]
    roster_path = tmp_path / "wearers.toml"
    roster_path.write_text(
        "".join(f'[wearers.P0{k}]\nsource_id = "{n}"\n' for k, n in enumerate(names))
    )
    datas = [headset_data(*h) for h in HEADSETS]
    sources = [
        ChildSource(n, sent(d, h[1]), h[1], h[0], source_id=n, speed=SPEED)
        for n, d, h in zip(names, datas, HEADSETS, strict=True)
    ]
    session = inlet = None
    log = tmp_path / "group.jsonl"
    try:
        session = GroupSession(
            tiny_checkpoint,
            streams=[StreamQuery(source_id=n) for n in names],
            roster=load_roster(roster_path),
            device="cpu",
            tick_wait_s=0.2,  # most of a hop: the sources start apart
            align_s=0.2,  # within a hop of LSL time at SPEED
            group_name=f"{unique_id}-group",
            log_path=log,
        ).start()
        inlet = pylsl.StreamInlet(
            pylsl.resolve_byprop("name", f"{unique_id}-group", timeout=5)[0]
        )
        inlet.open_stream(timeout=5)
        by = {m.wearer: m for m in session.members}
        assert sorted(by) == ["P00", "P01", "P02"]
        # P02's headset dies after its first steps, and comes back.
        assert wait_until(lambda: by["P02"].stats.steps >= 2, 30)
        sources[2].stop()
        assert wait_until(lambda: by["P02"].state == "lost", 10)
        lost_at = by["P02"].stats.steps
        sources[2] = ChildSource(
            names[2],
            sent(datas[2], 160.0),
            160.0,
            HEADSETS[2][0],
            source_id=names[2],
            speed=SPEED,
        )
        want = [
            len(alone(tiny_checkpoint, h[0], h[1], d))
            for h, d in zip(HEADSETS, datas, strict=True)
        ]
        ok = wait_until(
            lambda: (
                by["P00"].stats.steps >= want[0] and by["P01"].stats.steps >= want[1]
            ),
            60,
        )
        assert ok, (want, session.status_lines())
        assert wait_until(lambda: by["P02"].stats.steps > lost_at, 30)
        ticks, stamps = inlet.pull_chunk(timeout=1.0, max_samples=1000)
        inlet.close_stream()
        inlet = None
    finally:
        if inlet is not None:
            inlet.close_stream()
        if session is not None:
            session.stop()
        for source in sources:
            source.stop()
    records = read_log(log)
    steps = {
        w: [r for r in records if r["type"] == "step" and r["wearer"] == w]
        for w in ("P00", "P01", "P02")
    }
    classes = session.classes
    for k, wearer in enumerate(("P00", "P01")):  # the survivors: every step, as alone
        ref = alone(tiny_checkpoint, HEADSETS[k][0], HEADSETS[k][1], datas[k])
        got = [[r["probabilities"][c] for c in classes] for r in steps[wearer]]
        got = got[: len(ref)]  # the steps of the padding second are not compared
        assert len(got) == len(ref)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)  # batch rounding
        times = np.diff([r["time"] for r in steps[wearer]])
        np.testing.assert_allclose(times, 1 / SPEED, atol=0.02)  # no hop missing
    gaps = [r for r in records if r["type"] == "gap"]
    assert gaps and {r["wearer"] for r in gaps} == {"P02"}
    # The group outlet: every tick's steps within one hop of its stamp.
    ticks = np.asarray(ticks)
    n_classes = len(classes)
    dt = ticks[:, 3 * n_classes :]
    assert ticks.shape[1] == 3 * (n_classes + 1) and len(ticks) > 5
    assert np.nanmax(np.abs(dt)) < 1 / SPEED
    assert (np.isfinite(dt).sum(axis=1) >= 2).any()  # ticks do batch
    assert session.batch.calls == session.ticks < sum(len(v) for v in steps.values())


def test_a_stream_given_twice_is_refused_before_anything_starts(tiny_checkpoint):
    with pytest.raises(EEGStreamError, match="given twice"):
        GroupSession(
            tiny_checkpoint,
            streams=[StreamQuery(source_id="x"), StreamQuery(source_id="x")],
        )
