"""What every dataset reader returns: a :class:`Dataset` of lazy :class:`Trial` s.

A reader (one module per dataset) scans a release folder without loading any
signal, checks names, keys and shapes, and builds one :class:`Trial` per
(subject, session, trial) it finds. Signals are read only when
:meth:`Trial.eeg` or :meth:`Trial.official_features` is called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from ..montage import SEED_CHANNELS


@dataclass(frozen=True, eq=False)
class Trial:
    """One watched clip of one subject in one session.

    Attributes
    ----------
    dataset : str
        ``"seed"``, ``"seed-iv"``, ``"seed-v"`` or ``"seed-vii"``.
    subject, session : int
        1-based subject and session numbers as the release numbers them.
    trial : int
        1-based trial number within the session (SEED-VII: the video 1-80).
    label : int
        Class id, an index into the dataset's ``classes``.
    label_name : str
        ``classes[label]``.
    duration_s : float
        Length of the EEG in seconds (from the official features' window
        count when the release part holding EEG is absent).
    key : str
        Unique id within the dataset, e.g. ``"s03_sess2_t07"``.
    eeg_source, feature_source : Path | None
        The file :meth:`eeg` and :meth:`official_features` read, or None.
    ratings : mapping of str to float | None
        The subject's self-assessment of the clip (rated datasets: DEAP,
        DREAMER, AMIGOS), by scale name; None where the release has none.
    """

    dataset: str
    subject: int
    session: int
    trial: int
    label: int
    label_name: str
    duration_s: float
    key: str
    eeg_source: Path | None = None
    feature_source: Path | None = None
    _load_eeg: Callable[[], np.ndarray] | None = field(default=None, repr=False)
    _load_features: Callable[[str | None], np.ndarray] | None = field(
        default=None, repr=False
    )
    ratings: Mapping[str, float] | None = None

    def eeg(self) -> np.ndarray:
        """Read this trial's EEG.

        Returns
        -------
        array of float64, shape (62, n_samples)
            Microvolts, 200 Hz, SEED channel order.

        Raises
        ------
        EEGStreamError
            If the release part holding EEG is absent, or its file is damaged.
        """
        if self._load_eeg is None:
            raise EEGStreamError(
                f"{self.dataset} trial {self.key}: no EEG found for it (the folder "
                "holding preprocessed or raw EEG is missing); official features may "
                "still be available via official_features()"
            )
        return self._load_eeg()

    def official_features(self, kind: str | None = None) -> np.ndarray:
        """Read the features shipped with the release for this trial.

        Parameters
        ----------
        kind : str | None
            Feature name as the release spells it: SEED and SEED-IV
            ``"de_LDS"``, ``"de_movingAve"``, ``"psd_LDS"``,
            ``"psd_movingAve"``; SEED-VII ``"de_LDS"``, ``"de"``, ``"psd"``;
            SEED-V ``"de"`` (its only kind). ``None`` is the dataset's
            smoothed DE (``"de_LDS"``; SEED-V ``"de"``).

        Returns
        -------
        array of float64, shape (n_windows, 62, 5)
            Windows x channels (SEED order) x bands (delta ... gamma),
            whatever the file's own axis order.

        Raises
        ------
        EEGStreamError
            If the release has no feature files, or no such kind.
        """
        if self._load_features is None:
            raise EEGStreamError(
                f"{self.dataset} trial {self.key}: no official feature file found for "
                "it (the release's feature folder is missing); use eeg() and "
                "eegstream.features instead"
            )
        return self._load_features(kind)


@dataclass
class Dataset:
    """The trials found in one release folder.

    Attributes
    ----------
    name : str
        Dataset name (one of ``DATASETS``).
    root : Path
        The folder read.
    classes : tuple of str
        Class names; the index is the label id.
    trials : list of Trial
        Sorted by subject, session, trial.
    found : list of str
        One line per release part found (folder, file count).
    missing : list of str
        One line per expected part not found (folders, subjects, sessions).
    synthetic : bool
        True for a folder written by :func:`eegstream.datasets.synth.generate`
        (it holds ``SYNTHETIC_DATA.txt``): NOT real EEG.
    channels : tuple of str
        The SEED channels the release records, in SEED order; the rows of
        ``Trial.eeg()`` for the others are NaN.
    target : dict | None
        How ratings became labels (rated datasets): ``target``,
        ``threshold``, ``classes``, ``baseline``; None for the SEED family.
    """

    name: str
    root: Path
    classes: tuple[str, ...]
    trials: list[Trial]
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    synthetic: bool = False
    channels: tuple[str, ...] = SEED_CHANNELS
    target: dict | None = None

    @property
    def subjects(self) -> list[int]:
        """Subject numbers present, ascending."""
        return sorted({t.subject for t in self.trials})

    @property
    def sessions(self) -> list[tuple[int, int]]:
        """(subject, session) pairs present, ascending."""
        return sorted({(t.subject, t.session) for t in self.trials})

    def trial(self, key: str) -> Trial:
        """Return the trial with this ``key``."""
        for t in self.trials:
            if t.key == key:
                return t
        raise EEGStreamError(f"no trial {key!r} in {self.name} at {self.root}")

    def describe(self) -> str:
        """Several lines: what was found and what is missing."""
        n_eeg = sum(t._load_eeg is not None for t in self.trials)
        n_feat = sum(t._load_features is not None for t in self.trials)
        counts = np.bincount(
            [t.label for t in self.trials], minlength=len(self.classes)
        )
        per_class = ", ".join(
            f"{c} {n}" for c, n in zip(self.classes, counts, strict=True)
        )
        lines = [
            ("SYNTHETIC (not real EEG) " if self.synthetic else "")
            + f"{self.name} at {self.root}: {len(self.trials)} trials of "
            f"{_plural(len(self.subjects), 'subject')}, "
            f"{_plural(len(self.sessions), 'session')} "
            f"({n_eeg} with EEG, {n_feat} with official features)",
            f"  classes: {per_class}",
        ]
        if self.target is not None:
            lines.append(f"  target: {self.target['described']}")
            lines.append(
                f"  channels: {len(self.channels)} of the 62 SEED channels "
                f"({', '.join(self.channels)})"
            )
        lines += [f"  found: {line}" for line in self.found]
        lines += [f"  missing: {line}" for line in self.missing] or [
            "  missing: nothing"
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Dataset {self.name!r} at {str(self.root)!r}: {len(self.trials)} trials, "
            f"{len(self.subjects)} subjects>"
        )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def make_key(subject: int, session: int, trial: int) -> str:
    """Trial key, e.g. ``s03_sess2_t07``: sorts like (subject, session, trial)."""
    return f"s{subject:02d}_sess{session}_t{trial:02d}"
