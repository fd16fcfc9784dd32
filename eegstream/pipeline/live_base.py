"""The state of a live pipeline session, shared by its parts.

:class:`PipelineBase` holds what :class:`~eegstream.pipeline.LivePipeline`
was given (the model, the stream query, the options) and what a session
holds while it runs (inlet, chain, outlets, log, statistics), with
:meth:`~PipelineBase._reset_variables` defining "off". The pipeline's parts
are mixins over it, one job each:

- :mod:`~eegstream.pipeline.live_outputs`: where each step goes;
- :mod:`~eegstream.pipeline.live_views`: what callers read;
- :mod:`~eegstream.pipeline.live_model`: the model switch, the wearer's
  statistics;
- :mod:`~eegstream.pipeline.live_recording`: XDF recordings, the live
  calibration;

and :mod:`~eegstream.pipeline.live` adds the threads.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Sequence
from pathlib import Path

from .._errors import EEGStreamError
from ..acquisition import InletThread, StreamSummary
from ..features import RunningNormaliser
from ..features.config import FeatureConfig
from ..features.normalise import NormaliserState
from ..files.labrecorder import Recorder, RecordingReport
from ..labelmap import LabelMap
from ..model import Checkpoint, StreamingClassifier
from ..model.predict import as_checkpoint
from ..protocol import RESOLVE_TIMEOUT_S
from ..quality import DEFAULT_POLICY, ArtifactPolicy, check_policy
from .chain import LiveChain
from .channels import ChannelPlan
from .held_outlet import HeldOutlet
from .live_calibration import LiveCalibration
from .markers import MarkerListener, find_trial
from .model_switch import ModelSwitcher, checkpoint_wearer
from .outlets import ResultOutlets
from .resample import StreamingResampler
from .results import ModelSwitch
from .session_log import SessionLog
from .stats import SessionStats
from .units import check_unit_option


class PipelineBase:
    """A live pipeline's options and session state (see the module notes).

    Takes :class:`~eegstream.pipeline.LivePipeline`'s parameters.
    """

    def __init__(
        self,
        checkpoint: Checkpoint | str | os.PathLike,
        *,
        stream: str | None = None,
        stream_type: str | None = None,
        source_id: str | None = None,
        assume_seed_order: bool = False,
        unit: str = "auto",
        log_path: str | os.PathLike | None = None,
        device: str = "auto",
        outlets: bool = True,
        resolve_timeout: float = RESOLVE_TIMEOUT_S,
        buffer_s: float = 30.0,
        lost_after_s: float = 0.5,
        markers: Sequence[str] | None = None,
        label_map: LabelMap | str | os.PathLike | None = None,
        line_freq: float | str | None = None,
        wearer: str | None = None,
        wearer_state: NormaliserState | None = None,
        artifacts: str = DEFAULT_POLICY,
        asr: bool | None = None,
    ) -> None:
        check_unit_option(unit)
        self.artifacts = check_policy(artifacts)
        self.asr_option = asr
        #: The classifier running now; a model switch replaces it. It lives as
        #: long as the pipeline, across start() calls.
        self.classifier = StreamingClassifier(as_checkpoint(checkpoint), device=device)
        self.wearer_name = wearer
        #: Warnings about the wearer's saved state (shown with the chain's).
        self.wearer_notes: list[str] = []
        if wearer_state is not None:
            try:
                self.normaliser.load_state(
                    wearer_state, key=self.checkpoint.meta.statistics_key
                )
            except EEGStreamError as err:
                self.wearer_notes.append(
                    f"wearer {wearer!r}: {err}; starting from the model's statistics"
                )
        #: Models switched to, in order (switch_model); kept across start() calls.
        self.switches: list[ModelSwitch] = []
        self.classes = tuple(self.checkpoint.classes)
        self.query = {
            "name": stream,
            "stream_type": stream_type,
            "source_id": source_id,
        }
        self.assume_seed_order = bool(assume_seed_order)
        self.unit_option = unit
        self.line_freq_option = line_freq
        self.log_path = Path(log_path) if log_path is not None else None
        self.use_outlets = bool(outlets)
        self.resolve_timeout = float(resolve_timeout)
        self.buffer_s = float(buffer_s)
        self.lost_after_s = float(lost_after_s)
        self.marker_streams = tuple(markers) if markers is not None else None
        self.label_map = model_label_map(label_map, self.classes)
        self._subscribers: list[queue.Queue] = []
        self._sub_lock = threading.Lock()
        self._reset_variables()

    def _reset_variables(self) -> None:
        """Define "off": nothing connected, no counts."""
        self.inlet: InletThread | None = None
        self.markers: list[MarkerListener] = []
        self.outlets: ResultOutlets | None = None
        self.held_outlet: HeldOutlet | None = None
        self.policy = ArtifactPolicy(self.artifacts)
        self.log: SessionLog | None = None
        self.recorder: Recorder | None = None
        #: What the XDF recording holds, once stop() closed it (None without one).
        self.recording: RecordingReport | None = None
        #: The live calibration, once start_calibration() made it.
        self.calibration: LiveCalibration | None = None
        self._switcher = ModelSwitcher()
        self._summary: StreamSummary | None = None
        # The signal chain, made by start().
        self.chain: LiveChain | None = None
        self.stats = SessionStats(self.classes)
        self.synthetic = False
        self._declared_unit: str | None = None
        self._logged_warnings = 0  # the chain's warnings already logged
        self._worker: threading.Thread | None = None
        # Set while the worker turns a block into steps (see busy).
        self._taking = threading.Event()
        self._stop = threading.Event()
        self._error: str | None = None
        self._stopped = False
        self._last_state = "connecting"
        self._last_health_log = 0.0
        self._started_wall = 0.0
        self._started_mono = 0.0
        self._stopped_mono: float | None = None

    @property
    def checkpoint(self) -> Checkpoint:
        """The model running now."""
        return self.classifier.checkpoint

    @property
    def cfg(self) -> FeatureConfig:
        """The feature settings served: the chain's once started, else the model's.

        The chain's have the line frequency and ASR decided.
        """
        return self.chain.cfg if self.chain is not None else self.classifier.cfg

    @property
    def plan(self) -> ChannelPlan | None:
        """How the stream's channels become the model's (None before start())."""
        return self.chain.plan if self.chain is not None else None

    @property
    def resampler(self) -> StreamingResampler | None:
        """The chain's resampler (None before start())."""
        return self.chain.resampler if self.chain is not None else None

    @property
    def unit(self) -> str | None:
        """The stream's unit once decided (after its first second), else None."""
        return self.chain.unit if self.chain is not None else None

    @property
    def unit_source(self) -> str | None:
        """Why: ``option``, ``description``, ``amplitude`` or ``default``; or None."""
        return None if self.chain is None else self.chain.unit_source

    @property
    def wearer(self) -> str | None:
        """Whose session it is: the personal model's wearer, else ``wearer=``."""
        return checkpoint_wearer(self.checkpoint) or self.wearer_name

    @property
    def warnings(self) -> list[str]:
        """What the user should know about the stream (also logged)."""
        return list(self.chain.warnings) if self.chain is not None else []

    @property
    def normaliser(self) -> RunningNormaliser:
        """The running normaliser in use: the wearer's statistics so far."""
        normaliser = self.classifier.features.normaliser
        assert normaliser is not None  # sanity check: every checkpoint has one
        return normaliser

    def _check_running(self, method: str) -> None:
        if self._summary is None or self._stopped or self._worker is None:
            raise EEGStreamError(f"{method}: start() the pipeline first")

    def _trial(self, start: float, end: float) -> tuple[str, float] | None:
        """Return (label, onset) of the first listener with a trial holding it."""
        return find_trial(self.markers, start, end, 0.5 / self.cfg.sfreq)

    def _log(self, record_type: str, **fields) -> None:
        if self.log is not None:
            self.log.write(record_type, **fields)


def model_label_map(
    label_map: LabelMap | str | os.PathLike | None, classes: tuple[str, ...]
) -> LabelMap | None:
    """Load a label map and check its literal classes against the model's.

    Parameters
    ----------
    label_map : LabelMap | path-like | None
        The map, or its TOML file; None: none.
    classes : tuple of str
        The model's classes.

    Raises
    ------
    EEGStreamError
        The file cannot be read, or a rule names a class the model lacks.
    """
    if label_map is None or isinstance(label_map, LabelMap):
        lmap = label_map
    else:
        lmap = LabelMap.load(label_map)
    unknown = [c for c in (lmap.classes if lmap else ()) if c not in classes]
    if lmap is not None and unknown:
        raise EEGStreamError(
            f"{lmap.source}: class {unknown[0]!r} is not a class of the model "
            f"({', '.join(classes)}); name one of them in the rule"
        )
    return lmap
