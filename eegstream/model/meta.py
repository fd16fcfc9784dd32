"""The checkpoint header, typed: parsed once at load, written back unchanged.

A checkpoint's ``meta`` JSON (see :mod:`eegstream.model.checkpoint`) becomes a
frozen :class:`CheckpointMeta` with nested specs for the parts other modules
read (normaliser, feature source, dataset, protocol and its split, metrics).
``CheckpointMeta.from_dict(d).to_dict() == d`` for every header eegstream
writes; headers of the older, string-valued form (``"dataset": "untrained"``,
``"protocol": "none"``) still load.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from .._errors import EEGStreamError
from .._records import Record
from ..features import FeatureConfig
from ..features.normalise import NORMALISER_MODES
from ..montage import ChannelSet
from ..quality.settings import QualitySettings

REQUIRED_KEYS = (
    "arch",
    "arch_params",
    "feature_config",
    "channels",
    "classes",
    "normaliser",
    "max_missing_channels",
    "dataset",
    "protocol",
    "metrics",
    "created",
    "eegstream_version",
)
#: Top-level keys with a typed field; every other key is kept in ``provenance``.
_TYPED_KEYS = (*REQUIRED_KEYS, "features", "wearer", "calibration", "quality")


@dataclass(frozen=True)
class Split(Record):
    """One train/validation/test partition of subjects.

    Attributes
    ----------
    name : str
        ``"paper-seed42"`` or ``"loso-s7"``.
    train, val, test : tuple of int
        Subject ids, sorted, pairwise disjoint.
    """

    name: str
    train: tuple[int, ...]
    val: tuple[int, ...]
    test: tuple[int, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Split:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            str(data["name"]),
            _ints(data["train"]),
            _ints(data["val"]),
            _ints(data["test"]),
        )


@dataclass(frozen=True)
class FeatureSource:
    """Where a model's training features came from.

    Attributes
    ----------
    kind : "own" | "official"
        eegstream's DE of the raw EEG, or a release's precomputed features.
    official_kind : str | None
        The release's feature set (e.g. ``"de_LDS"``) when ``kind`` is
        ``"official"``.
    """

    kind: str = "own"
    official_kind: str | None = None

    def __str__(self) -> str:
        """``"own"`` or ``"official:<official_kind>"``, as stored."""
        return self.kind if self.kind == "own" else f"official:{self.official_kind}"

    @classmethod
    def parse(cls, text: str) -> FeatureSource:
        """Inverse of :func:`str`."""
        if text == "own":
            return cls()
        kind, _, official = text.partition(":")
        if kind != "official" or not official:
            raise ValueError(f"features must be 'own' or 'official:KIND', got {text!r}")
        return cls("official", official)


@dataclass(frozen=True)
class NormaliserSpec(Record):
    """The training population's feature statistics and how they were applied.

    Attributes
    ----------
    mode : "subject" | "running"
        Normalisation in training; live always runs the running normaliser.
    mean, std : tuple of float, length n_features
        Population mean and SD of each feature (DE units).
    prior_steps : float
        Weight of the population statistics, in steps, in the running estimate.
    """

    mode: str
    mean: tuple[float, ...]
    std: tuple[float, ...]
    prior_steps: float = 30.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NormaliserSpec:
        """Rebuild from :meth:`to_dict` output."""
        if data.get("mode") not in NORMALISER_MODES:
            raise ValueError(
                f"normaliser mode {data.get('mode')!r} is unknown; "
                f"expected one of {NORMALISER_MODES}"
            )
        return cls(
            data["mode"],
            tuple(map(float, data["mean"])),
            tuple(map(float, data["std"])),
            float(data.get("prior_steps", 30.0)),
        )


@dataclass(frozen=True)
class DatasetInfo(Record):
    """The data a model was trained on.

    Attributes
    ----------
    name : str
        Dataset layout (``"seed-iv"``) or ``"untrained"``.
    synthetic : bool
        Whether the data came from :mod:`eegstream.datasets.synth`.
    subjects : tuple of int
        The subjects present in the training folder (all splits).
    target : mapping | None
        A rated dataset's labels: ``target``, ``threshold``, ``baseline``,
        ``classes``, ``described`` (:mod:`eegstream.datasets.targets`);
        None for the SEED family and recordings.
    """

    omit_none = ("target",)

    name: str
    synthetic: bool = False
    subjects: tuple[int, ...] = ()
    target: Mapping[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | str) -> DatasetInfo:
        """Rebuild from :meth:`to_dict` output or an older header's bare name."""
        if isinstance(data, str):
            return cls(data)
        return cls(
            str(data["name"]),
            bool(data.get("synthetic", False)),
            _ints(data.get("subjects", ())),
            dict(data["target"]) if data.get("target") else None,
        )


@dataclass(frozen=True)
class ProtocolSpec(Record):
    """How a model was trained and selected.

    Attributes
    ----------
    name : str
        Split protocol: ``"paper"`` or ``"loso"``.
    repeats : int
        Splits drawn (paper protocol).
    control : str | None
        ``"shuffled-labels"`` for a control run.
    features : FeatureSource
        The training features.
    normaliser : str
        Normaliser mode in training.
    prior_steps : float
        The running normaliser's prior weight.
    split : Split | None
        The split of the saved model (the best on validation).
    """

    name: str
    repeats: int = 1
    control: str | None = None
    features: FeatureSource = FeatureSource()
    normaliser: str = "subject"
    prior_steps: float = 30.0
    split: Split | None = None

    omit_none = ("split",)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: the features as their text (:class:`FeatureSource`)."""
        return {**super().to_dict(), "features": str(self.features)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProtocolSpec:
        """Rebuild from :meth:`to_dict` output."""
        split = data.get("split")
        return cls(
            str(data["name"]),
            int(data.get("repeats", 1)),
            data.get("control"),
            FeatureSource.parse(data.get("features", "own")),
            str(data.get("normaliser", "subject")),
            float(data.get("prior_steps", 30.0)),
            Split.from_dict(split) if split else None,
        )


@dataclass(frozen=True)
class HeldOutScore(Record):
    """Trial-level scores of the saved model on its test subjects."""

    accuracy: float
    macro_f1: float
    n: int


@dataclass(frozen=True)
class CheckpointMetrics(Record):
    """The training run's figures kept in the checkpoint.

    Attributes
    ----------
    test : HeldOutScore | None
        The saved model on its split's test subjects.
    test_subjects : tuple of int | None
        Those subjects.
    summary : mapping
        Over-splits summary (``test_accuracy``, ``test_macro_f1``: mean, sd,
        n; ``chance``), as in ``metrics.json``.
    """

    test: HeldOutScore | None = None
    test_subjects: tuple[int, ...] | None = None
    summary: Mapping[str, Any] = field(default_factory=dict)

    omit_none = ("test", "test_subjects")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; absent figures (and an empty summary) are left out."""
        out = super().to_dict()
        if not self.summary:
            del out["summary"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckpointMetrics:
        """Rebuild from :meth:`to_dict` output."""
        test = data.get("test")
        subjects = data.get("test_subjects")
        return cls(
            HeldOutScore(
                float(test["accuracy"]), float(test["macro_f1"]), int(test["n"])
            )
            if test
            else None,
            _ints(subjects) if subjects is not None else None,
            dict(data.get("summary") or {}),
        )


@dataclass(frozen=True)
class CalibrationInfo:
    """How a personal model was adapted from its base model (``eegstream calibrate``).

    Attributes
    ----------
    base : str
        The base model's name.
    base_sha256 : str
        The base checkpoint file's SHA-256 (the base is never modified).
    method : str
        The adaptation method (:data:`eegstream.calibration.METHODS`).
    minutes : float
        Labelled calibration EEG used, in minutes.
    segments : int
        Labelled segments used.
    classes : tuple of str
        The classes present in the calibration data.
    estimate : mapping
        The blocked cross-validation estimate
        (:meth:`eegstream.calibration.CalibrationEstimate.to_dict`).
    recordings : tuple of str
        File names of the calibration recordings.
    """

    base: str
    base_sha256: str
    method: str
    minutes: float
    segments: int
    classes: tuple[str, ...]
    estimate: Mapping[str, Any] = field(default_factory=dict)
    recordings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "base": self.base,
            "base_sha256": self.base_sha256,
            "method": self.method,
            "minutes": self.minutes,
            "segments": self.segments,
            "classes": list(self.classes),
            "estimate": dict(self.estimate),
            "recordings": list(self.recordings),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibrationInfo:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            str(data["base"]),
            str(data["base_sha256"]),
            str(data["method"]),
            float(data["minutes"]),
            int(data["segments"]),
            tuple(map(str, data["classes"])),
            dict(data.get("estimate") or {}),
            tuple(map(str, data.get("recordings", ()))),
        )


@dataclass(frozen=True)
class CheckpointMeta:
    """A checkpoint's header: what the live path must reproduce, and provenance.

    Attributes
    ----------
    arch : str
        Registered architecture name.
    arch_params : mapping
        Keyword arguments of :func:`~eegstream.model.build_model`.
    feature_config : FeatureConfig
        The feature settings the model was trained on.
    channels : tuple of str
        EEG channel names in feature order.
    classes : tuple of str
        Class names in label-id order.
    normaliser : NormaliserSpec
        The training population's statistics.
    max_missing_channels : int
        How many channels the live path may interpolate before refusing.
    dataset : DatasetInfo
        The training data.
    protocol : ProtocolSpec | None
        How the model was trained; None for an untrained model.
    metrics : CheckpointMetrics
        Held-out figures (empty for an untrained model).
    created : str
        ISO 8601 UTC time of writing.
    eegstream_version : str
        The version that wrote it.
    features : FeatureSource
        The training features.
    wearer : str | None
        Whose personal model this is (``eegstream calibrate``); None for a
        cross-subject model. Headers without the key load as None.
    calibration : CalibrationInfo | None
        How the personal model was adapted; None for a cross-subject model.
    quality : QualitySettings | None
        The signal checks' settings (:attr:`quality_settings`); None in
        headers written before they existed (the defaults apply).
    provenance : mapping
        Every other header key, as written (``train_config``, ``best_epoch``,
        ``run``, ``command``, ...).
    """

    arch: str
    arch_params: Mapping[str, Any]
    feature_config: FeatureConfig
    channels: tuple[str, ...]
    classes: tuple[str, ...]
    normaliser: NormaliserSpec
    max_missing_channels: int
    dataset: DatasetInfo
    protocol: ProtocolSpec | None
    metrics: CheckpointMetrics
    created: str
    eegstream_version: str
    features: FeatureSource = FeatureSource()
    wearer: str | None = None
    calibration: CalibrationInfo | None = None
    quality: QualitySettings | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def quality_settings(self) -> QualitySettings:
        """The signal checks' settings: the header's, else the defaults."""
        return self.quality if self.quality is not None else QualitySettings()

    @property
    def personal(self) -> bool:
        """Whether this is a personal model, calibrated for one wearer."""
        return self.calibration is not None

    @property
    def n_features(self) -> int:
        """Features per step (channels x bands)."""
        return len(self.channels) * len(self.feature_config.bands)

    @property
    def statistics_key(self) -> str:
        """What a wearer's normaliser statistics are of: feature settings, channels.

        Statistics saved under one key scale no model with another (same
        feature count or not); see :class:`~eegstream.features.NormaliserState`.
        """
        return f"{self.feature_config.hash()}:{','.join(self.channels)}"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-able header, as stored in the file.

        ``wearer`` and ``calibration`` are written only for a personal model,
        so every other header is unchanged; ``quality`` when the header
        has it (every header :func:`checkpoint_meta` makes).
        """
        optional: dict[str, Any] = {}
        if self.wearer is not None:
            optional["wearer"] = self.wearer
        if self.calibration is not None:
            optional["calibration"] = self.calibration.to_dict()
        if self.quality is not None:
            optional["quality"] = self.quality.to_dict()
        return {
            **self.provenance,
            **optional,
            "arch": self.arch,
            "arch_params": dict(self.arch_params),
            "feature_config": self.feature_config.to_dict(),
            "channels": list(self.channels),
            "classes": list(self.classes),
            "normaliser": self.normaliser.to_dict(),
            "max_missing_channels": self.max_missing_channels,
            "dataset": self.dataset.to_dict(),
            "protocol": self.protocol.to_dict() if self.protocol else None,
            "metrics": self.metrics.to_dict(),
            "created": self.created,
            "eegstream_version": self.eegstream_version,
            "features": str(self.features),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckpointMeta:
        """Parse a stored header.

        Raises
        ------
        EEGStreamError
            When a required key is missing or a value has the wrong form.
        """
        missing = [k for k in REQUIRED_KEYS if k not in data]
        if missing:
            raise EEGStreamError(
                f"checkpoint header lacks {missing}; required: {list(REQUIRED_KEYS)}"
            )
        protocol = data["protocol"]
        try:
            return cls(
                arch=str(data["arch"]),
                arch_params=dict(data["arch_params"]),
                feature_config=FeatureConfig.from_dict(data["feature_config"]),
                channels=tuple(map(str, data["channels"])),
                classes=tuple(map(str, data["classes"])),
                normaliser=NormaliserSpec.from_dict(data["normaliser"]),
                max_missing_channels=int(data["max_missing_channels"]),
                dataset=DatasetInfo.from_dict(data["dataset"]),
                # Older untrained checkpoints say "none" (a string).
                protocol=ProtocolSpec.from_dict(protocol)
                if isinstance(protocol, Mapping)
                else None,
                metrics=CheckpointMetrics.from_dict(data["metrics"] or {}),
                created=str(data["created"]),
                eegstream_version=str(data["eegstream_version"]),
                features=FeatureSource.parse(data.get("features", "own")),
                wearer=None if data.get("wearer") is None else str(data["wearer"]),
                calibration=CalibrationInfo.from_dict(data["calibration"])
                if data.get("calibration")
                else None,
                quality=QualitySettings.from_dict(data["quality"])
                if data.get("quality") is not None
                else None,
                provenance={k: v for k, v in data.items() if k not in _TYPED_KEYS},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise EEGStreamError(
                f"checkpoint header is malformed ({type(err).__name__}: {err})"
            ) from None


def checkpoint_meta(
    *,
    arch: str,
    arch_params: Mapping[str, Any],
    feature_config: FeatureConfig,
    classes: Sequence[str],
    normaliser: NormaliserSpec,
    dataset: DatasetInfo,
    protocol: ProtocolSpec | None,
    metrics: CheckpointMetrics | None = None,
    max_missing_channels: int = 6,
    channels: Sequence[str] | None = None,
    features: FeatureSource | None = None,
    wearer: str | None = None,
    calibration: CalibrationInfo | None = None,
    quality: QualitySettings | None = None,
    **provenance: Any,
) -> CheckpointMeta:
    """Assemble a checkpoint header, stamped with the time and eegstream version.

    Parameters
    ----------
    normaliser : NormaliserSpec
        The training population's statistics.
    dataset : DatasetInfo
        The training data (``DatasetInfo("untrained")`` for none).
    protocol : ProtocolSpec | None
        How the model was trained; None for an untrained model.
    max_missing_channels : int
        How many channels the live path may interpolate before refusing.
    channels : sequence of str | None
        Channel names in feature order; None: the 62 SEED channels.
    wearer : str | None
        Whose personal model this is (None: a cross-subject model).
    calibration : CalibrationInfo | None
        How a personal model was adapted from its base.
    quality : QualitySettings | None
        The signal checks' settings (None: the defaults, written out).
    **provenance
        Extra JSON-able training provenance (train_config, run, command, ...).
    """
    return CheckpointMeta(
        arch=arch,
        arch_params=dict(arch_params),
        feature_config=feature_config,
        channels=ChannelSet.of(channels).names,
        classes=tuple(classes),
        normaliser=normaliser,
        max_missing_channels=int(max_missing_channels),
        dataset=dataset,
        protocol=protocol,
        metrics=metrics or CheckpointMetrics(),
        created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        eegstream_version=__version__,
        features=features or FeatureSource(),
        wearer=wearer,
        calibration=calibration,
        quality=quality if quality is not None else QualitySettings(),
        provenance=provenance,
    )


def _ints(values: Sequence[Any]) -> tuple[int, ...]:
    return tuple(int(v) for v in values)
