"""The live pipeline over a recording, as fast as the CPU allows: ``run --file``.

:class:`FilePipeline` is a :class:`~eegstream.pipeline.LivePipeline` whose
samples come from a :class:`~eegstream.files.reading.Recording` instead of an LSL
inlet, synchronously and without outlets. Everything after the inlet is the
live pipeline's own code: the :class:`~eegstream.pipeline.LiveChain`, the
step, unit and warning records, the statistics and the summary, so its
session log has the live log's records and fields (one more in
``session_start``: ``file``), and a researcher sees what the model would
have said, step by step, about an old session.

- **Timestamps**: seconds into the recording (its first sample at 0), or, for
  an XDF recording, the EEG stream's own (dejittered) LSL timestamps
  (:meth:`Recording.timestamps <eegstream.files.reading.Recording.timestamps>`).
- **Latency**: each block of samples "arrives" when it is pushed, so a step's
  ``latency_s`` is the CPU time the chain took to make it.
- **Markers**: an XDF recording's marker streams are followed as the live
  pipeline follows LSL ones (:class:`~eegstream.pipeline.markers.MarkerListener`),
  each marker taken before the block of EEG it falls in: ``marker`` records,
  and true labels (the replay's trial markers, or ``label_map`` rules) on the
  steps, so the summary has the accuracy a live run over its replay would.
- **ASR**: fitted in this thread (the same fit as live, where a child
  process fits it), since the run waits for it anyway.
- **Failure**: the log is removed, whatever stopped the run (an error,
  Ctrl-C): no partial log is left behind.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from .._errors import EEGStreamError
from ..acquisition import Block, StreamSummary
from ..labelmap import LabelMap
from ..model import Checkpoint
from ..quality import DEFAULT_POLICY
from .chain import LiveChain
from .channels import recording_rows
from .live import LivePipeline
from .markers import MarkerListener
from .results import Health, SessionSummary

if TYPE_CHECKING:
    from ..files.reading import Recording

#: Seconds of recording per block pushed: at most one step (hop 1 s) per
#: block, so a step's latency is its own CPU time.
BLOCK_S = 0.1


class FilePipeline(LivePipeline):
    """Run the live pipeline over a recording; write the same session log.

    Parameters
    ----------
    checkpoint : Checkpoint | str | path-like
        The model.
    recording : Recording
        EEG in µV at the file's own rate and channel names
        (``load_recording(path, sfreq=None, seed_order=False)``).
    log_path : path-like | None
        The JSON Lines session log to write (a new file); ``None``: none.
    device : "auto" | "cpu" | "cuda"
        Where the model runs.
    line_freq : None | 50 | 60 | "auto"
        As for :class:`~eegstream.pipeline.LivePipeline`.
    assume_seed_order : bool
        As for :class:`~eegstream.pipeline.LivePipeline`.
    markers : sequence of str | None
        The recording's marker streams to follow (by name); ``None``: all.
    label_map : LabelMap | path-like | None
        As for :class:`~eegstream.pipeline.LivePipeline`.
    artifacts : "flag" | "hold" | "off"
        As for :class:`~eegstream.pipeline.LivePipeline` (no outlets here).
    asr : bool | None
        As for :class:`~eegstream.pipeline.LivePipeline`.

    Raises
    ------
    EEGStreamError
        A marker stream the recording lacks; a label map naming classes the
        model does not have.

    Examples
    --------
    ::

        recording = load_recording("S001R03.edf", sfreq=None, seed_order=False)
        summary = FilePipeline("demo-seed-iv", recording, log_path="s.jsonl").run()
    """

    def __init__(
        self,
        checkpoint: Checkpoint | str | os.PathLike,
        recording: Recording,
        *,
        log_path: str | os.PathLike | None = None,
        device: str = "auto",
        line_freq: float | str | None = None,
        assume_seed_order: bool = False,
        markers: Sequence[str] | None = None,
        label_map: LabelMap | str | os.PathLike | None = None,
        artifacts: str = DEFAULT_POLICY,
        asr: bool | None = None,
    ) -> None:
        super().__init__(
            checkpoint,
            unit="uV",  # the readers give microvolts
            log_path=log_path,
            device=device,
            outlets=False,
            line_freq=line_freq,
            assume_seed_order=assume_seed_order,
            markers=markers,
            label_map=label_map,
            artifacts=artifacts,
            asr=asr,
        )
        unknown = sorted(set(markers or ()) - set(recording.markers))
        if unknown:
            found = ", ".join(map(repr, recording.markers)) or "none"
            raise EEGStreamError(
                f"{recording.path.name} has no marker stream {unknown[0]!r}; its "
                f"marker streams: {found}"
            )
        self.source = recording
        self.stream_name = recording.stream or recording.path.name or "(in memory)"
        self._pushed = 0

    def run(self, *, progress: bool = False) -> SessionSummary:
        """Push the whole recording through the chain; return the summary.

        Parameters
        ----------
        progress : bool
            Show a progress bar on stderr (when it is a terminal).

        Returns
        -------
        SessionSummary
            As the live pipeline's; ``duration_s`` is the run's wall time.

        Raises
        ------
        EEGStreamError
            Channels the model cannot use, a rate too low for its bands, an
            unusable log path; nothing is left behind.
        """
        from tqdm import tqdm

        self._reset_variables()
        self._pushed = 0
        try:
            chain = self._open()
            rec = self.source
            n = rec.data.shape[1]
            block = max(1, round(BLOCK_S * rec.sfreq))
            times = rec.timestamps()
            _, data = recording_rows(rec)  # the rows the chain was built for
            pending = self._recording_markers(times)
            with tqdm(
                total=n,
                unit="s",
                unit_scale=1 / rec.sfreq,  # counts samples, shows seconds
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s "
                "[{elapsed}<{remaining}, {rate_fmt}]",
                desc=self.stream_name,
                disable=None if progress else True,
                leave=False,
            ) as bar:
                for i in range(0, n, block):
                    stop = min(i + block, n)
                    arrival = np.full(stop - i, time.perf_counter())
                    self._pushed = stop
                    while pending and pending[-1][0] <= times[stop - 1]:
                        ts, listener, text = pending.pop()
                        listener.add(ts, text)
                    for listener in self.markers:
                        for ts, marker in listener.drain():
                            self._log("marker", time=ts, marker=marker)
                    self._take(chain, Block(i, data[:, i:stop], times[i:stop], arrival))
                    bar.update(stop - i)
        except BaseException:
            self._discard()
            raise
        self.stop()
        return self.summary()

    def _open(self) -> LiveChain:
        """Build the chain for the recording, open the log, write its header."""
        rec = self.source
        if self.classifier.device == "cpu":
            # One intra-op thread, as live (LivePipeline._connect): on the shared
            # 2-core machine 2 threads stalled steps for up to 1.7 s.
            torch.set_num_threads(1)
        self.classifier.warm_up()
        # Nothing to keep on time: the run waits for an ASR fit anyway, so it
        # runs in this thread, not in the lower-priority child a loaded
        # machine starves (a 5 s fit took 100 s beside three busy processes).
        self.classifier.features.set_background_fit(False)
        self.chain = chain = LiveChain.from_recording(
            self.checkpoint,
            rec,
            classifier=self.classifier,
            clock=time.perf_counter,
            line_freq=self.line_freq_option,
            assume_seed_order=self.assume_seed_order,
            checks=self.artifacts != "off",
            asr=self.asr_option,
        )
        self.synthetic = rec.synthetic
        self._declared_unit = "uV"
        self._summary = summary = StreamSummary(
            name=self.stream_name,
            type="EEG",
            channel_count=chain.plan.n_stream_channels,
            nominal_srate=rec.sfreq,
            channel_format="double64",  # what the chain is fed
            source_id="",
            hostname="",
            uid="",
        )
        self._open_outputs(summary, chain)
        self._log("health", **self.health().to_dict())
        return chain

    def _recording_markers(
        self, times: np.ndarray
    ) -> list[tuple[float, MarkerListener, str]]:
        """Make a listener per marker stream; return its markers, newest first."""
        pending = []
        for name, markers in self.source.markers.items():
            if self.marker_streams is not None and name not in self.marker_streams:
                continue
            listener = MarkerListener(name=name, label_map=self.label_map)
            self.markers.append(listener)
            for onset, text in markers:
                index = min(round(onset * self.source.sfreq), len(times) - 1)
                pending.append((float(times[index]), listener, text))
        pending.sort(key=lambda m: m[0], reverse=True)
        return pending

    def _session_header(self, summary: StreamSummary, chain: LiveChain) -> dict:
        return {
            **super()._session_header(summary, chain),
            "file": str(self.source.path),
        }

    def _discard(self) -> None:
        """Close and remove the log of a run that did not finish."""
        log, self.log = self.log, None
        self._stopped = True
        if log is not None:
            log.close()
            log.path.unlink(missing_ok=True)

    def health(self) -> Health:
        """Return the live pipeline's health, with the recording as the stream."""
        state = "ok" if self.chain is not None else "connecting"
        return dataclasses.replace(
            super().health(),
            state="stopped" if self._stopped else state,
            stream_name=self.stream_name,
            nominal_rate=self.source.sfreq,
            samples_received=self._pushed,
        )
