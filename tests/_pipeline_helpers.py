"""Helpers of the acquisition and pipeline tests: plain pylsl sources, collectors."""

from __future__ import annotations

import inspect
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pylsl


class PlainSource:
    """A pylsl outlet pushing an array from a thread, as a headset app would.

    Waits for a consumer before the first sample (so the reader sees every
    sample), then pushes ``chunk`` samples at a time at ``speed`` x real time,
    stamping each chunk with the time of its last sample.
    """

    def __init__(
        self,
        name: str,
        data: np.ndarray,
        sfreq: float,
        labels: Sequence[str] | None,
        *,
        source_id: str | None = None,
        unit: str | None = "microvolts",
        speed: float = 4.0,
        chunk: int = 10,
        fmt: int = pylsl.cf_float32,
        stream_type: str = "EEG",
    ) -> None:
        info = pylsl.StreamInfo(
            name, stream_type, data.shape[0], sfreq, fmt, source_id or name
        )
        if labels is not None:
            info.set_channel_labels(list(labels))
        if unit is not None:
            info.set_channel_units(unit)
        self.outlet = pylsl.StreamOutlet(info, chunk_size=chunk)
        self.data = data
        self.sfreq, self.speed, self.chunk = sfreq, speed, chunk
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> PlainSource:
        self._thread.start()
        return self

    def _run(self) -> None:
        if not self.outlet.wait_for_consumers(10.0):
            return
        t0 = pylsl.local_clock()
        x = np.ascontiguousarray(self.data.T)
        for i in range(0, x.shape[0], self.chunk):
            if self._stop.is_set():
                return
            due = t0 + (i + self.chunk) / self.sfreq / self.speed
            time.sleep(max(0.0, due - pylsl.local_clock()))
            piece = x[i : i + self.chunk]
            self.outlet.push_chunk(piece, due)
            self.sent = i + piece.shape[0]

    def wait(self, timeout: float = 30.0) -> None:
        self._thread.join(timeout)

    def stop(self) -> None:
        """Stop pushing and destroy the outlet (the stream disappears)."""
        self._stop.set()
        if self._thread.ident is not None:  # started
            self._thread.join(5.0)
        self.outlet = None


class ChildSource:
    """A :class:`PlainSource` in a child process, killed as a crashing headset app is.

    liblsl can crash the process that destroys an outlet while an inlet still
    reads it (sccn/liblsl#218, a race in the outlet's teardown); a killed
    process destroys nothing, its sockets just close. Tests that lose their
    source mid-stream use this one. Takes :class:`PlainSource`'s arguments
    and starts at once (the outlet exists when the constructor returns).
    """

    def __init__(self, *args, **kwargs) -> None:
        spec = inspect.signature(PlainSource).bind(*args, **kwargs).arguments
        self._dir = Path(tempfile.mkdtemp(prefix="eegstream-test-source-"))
        np.save(self._dir / "data.npy", spec["data"])
        spec["data"] = str(self._dir / "data.npy")
        if spec.get("labels") is not None:
            spec["labels"] = list(spec["labels"])
        (self._dir / "spec.json").write_text(json.dumps(spec))
        self.proc = subprocess.Popen(
            [sys.executable, str(_SOURCE_PROCESS), str(self._dir / "spec.json")],
            stdin=subprocess.PIPE,  # closed if this process dies: the child ends
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            self.stop()
            raise RuntimeError(f"the source process of {spec['name']!r} did not start")

    def stop(self) -> None:
        """Kill the process (SIGKILL): the stream disappears mid-stream."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        shutil.rmtree(self._dir, ignore_errors=True)


_SOURCE_PROCESS = Path(__file__).with_name("_source_process.py")


def stop_all(*parts) -> None:
    """Stop ``parts`` in the order given, skipping None (one never started).

    Give the reader (pipeline, inlet) first: inlets close before the
    outlets they read.
    """
    for part in parts:
        if part is not None:
            part.stop()


def open_inlet(name: str) -> pylsl.StreamInlet:
    """Open an inlet on the stream named ``name`` (e.g. a pipeline's outlet)."""
    inlet = pylsl.StreamInlet(pylsl.resolve_byprop("name", name, timeout=5)[0])
    inlet.open_stream(timeout=5)
    return inlet


def collect(q: queue.Queue, until, timeout: float = 30.0) -> list:
    """Drain ``q`` until ``until(results)`` is true (or ``timeout`` s pass)."""
    results: list = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not until(results):
        try:
            results.append(q.get(timeout=0.1))
        except queue.Empty:
            pass
    return results


def first_steps(model, stream: str, player, n: int) -> tuple:
    """Run a pipeline (no outlets) on ``stream`` until ``n`` steps; then stop it.

    ``player`` (the stream's source) is stopped after the pipeline. It must
    loop (``loop=True``): a replay that ends closes its outlet, and liblsl
    then drops the samples the pipeline's inlet had not pulled yet (a
    ``LostError`` on the next pull). On a loaded machine a sped-up replay of
    a few seconds ended before the pipeline had pulled any: no step came.
    Returns the stopped pipeline and its steps (fewer than ``n`` if they did
    not come).
    """
    from eegstream.pipeline import LivePipeline

    if player.n_passes is not None:
        raise ValueError("first_steps needs a player that loops (loop=True)")

    pipe = LivePipeline(model, stream=stream, device="cpu", outlets=False)
    try:
        results = pipe.subscribe()
        pipe.start()
        got = collect(results, lambda r: len(r) >= n)
    finally:
        pipe.stop()
        player.stop()
    return pipe, got


def synthetic_eeg(seconds: float, seed: int = 0, sfreq: float = 200.0) -> np.ndarray:
    """Make SYNTHETIC EEG (noise + 10 Hz rhythm, ~10 µV, 62 ch), exact in float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sfreq)) / sfreq
    x = 10 * rng.standard_normal((62, t.size)) + 6 * np.sin(2 * np.pi * 10 * t)
    return x.astype(np.float32).astype(np.float64)


def n_steps(n_samples: int, window: int = 800, hop: int = 200) -> int:
    """Hops a window of ``window`` samples completes in ``n_samples``."""
    return (n_samples - window) // hop + 1


def wait_until(predicate, timeout: float = 15.0) -> bool:
    """Poll ``predicate()`` every 10 ms until true or ``timeout`` s pass."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def personal_checkpoint(
    path,
    *,
    wearer: str = "alice",
    classes: Sequence[str] = ("neutral", "sad", "fear", "happy"),
    cfg=None,
    channels: Sequence[str] | None = None,
    seed: int = 1,
    mean: float = 5.0,
    std: float = 2.0,
):
    """Write an UNTRAINED stand-in of a personal model: its header names ``wearer``.

    Another network than the ``tiny_checkpoint`` fixture's (``seed``), the
    same feature settings unless ``cfg``/``channels`` are given, population
    statistics ``mean``/``std`` for every feature (the fixture's: 5 and 2).
    """
    from eegstream.model import load_checkpoint, save_checkpoint
    from eegstream.model._testing import untrained_checkpoint
    from eegstream.model.meta import CheckpointMeta
    from eegstream.montage import SEED_CHANNELS

    ckpt = load_checkpoint(
        untrained_checkpoint(
            path, tuple(classes), cfg, seed=seed, channels=channels or SEED_CHANNELS
        )
    )
    header = ckpt.meta.to_dict()
    n = ckpt.meta.n_features
    header["normaliser"] = {
        **header["normaliser"],
        "mean": [mean] * n,
        "std": [std] * n,
    }
    header["wearer"] = wearer  # the calibration's header key
    return save_checkpoint(path, ckpt.state_dict, CheckpointMeta.from_dict(header))


PACKAGE_LSL_CFG = Path(__file__).resolve().parents[1] / "eegstream" / "lsl_api.cfg"


def labrecorder_lsl_config(monkeypatch) -> Path:
    """Give subprocesses (LabRecorderCLI) eegstream's LSL configuration, kept local.

    A machine-scope query reaches one program only (a unicast to the
    multicast port): the other programs' streams are found through the
    configuration's unicast waves. This process read its own already.
    """
    path = Path(tempfile.gettempdir()) / f"eegstream-recorder-tests-{os.getpid()}.cfg"
    path.write_text(
        PACKAGE_LSL_CFG.read_text() + "\n[multicast]\nResolveScope = machine\n\n"
        "[ports]\nIPv6 = disable\nPortRange = 256\n"
    )
    monkeypatch.setenv("LSLAPICFG", str(path))
    return path
