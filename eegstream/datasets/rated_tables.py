"""Official facts of the rated datasets: DEAP, DREAMER, AMIGOS, FACED.

Each fact names its source in ``docs/datasets-beyond-seed.md`` (the
datasets' own documentation and papers, cross-checked against TorchEEG's
readers). Channel names are SEED spellings (upper case); every EEG channel
of the four datasets is one of the 62 SEED channels.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Dataset names of this module, accepted by :func:`eegstream.datasets.open_dataset`.
RATED_DATASETS: tuple[str, ...] = ("deap", "dreamer", "amigos", "faced")
#: What labels can be made of (:mod:`eegstream.datasets.targets`).
TARGETS: tuple[str, ...] = (
    "valence",
    "arousal",
    "dominance",
    "liking",
    "quadrant",
    "category",
)
#: ``baseline`` values: keep only the clip, or also subtract the mean 1 s
#: segment of the release's baseline (DEAP's pre-trial, DREAMER's recording).
BASELINES: tuple[str, ...] = ("none", "subtract")


@dataclass(frozen=True)
class RatedRelease:
    """What one rated dataset's official release holds.

    Attributes
    ----------
    name : str
        Dataset name.
    pretty : str
        How the dataset spells itself.
    channels : tuple of str
        The EEG channels in the file's own order (SEED spellings).
    sfreq : float
        Sampling rate of the distributed (preprocessed) EEG, Hz.
    n_subjects : int
        Subjects of the full release.
    n_trials : int
        Trials (clips) per subject.
    ratings : tuple of str
        Rating scales in the order the files store them (empty: none).
    scale : tuple of float
        (lowest, highest) value of each rating scale.
    threshold : float | None
        Default split of a scale: a rating >= threshold is "high".
    baseline : str | None
        The baseline the release provides (None: none).
    """

    name: str
    pretty: str
    channels: tuple[str, ...]
    sfreq: float
    n_subjects: int
    n_trials: int
    ratings: tuple[str, ...]
    scale: tuple[float, float] | None
    threshold: float | None
    baseline: str | None


#: DEAP ``data_preprocessed_python``: the 32 EEG rows in DEAP's (Geneva) order.
DEAP_CHANNELS = (
    "FP1", "AF3", "F3", "F7", "FC5", "FC1", "C3", "T7", "CP5", "CP1", "P3",
    "P7", "PO3", "O1", "OZ", "PZ", "FP2", "AF4", "FZ", "F4", "F8", "FC6",
    "FC2", "CZ", "C4", "T8", "CP6", "CP2", "P4", "P8", "PO4", "O2",
)  # fmt: skip
#: Emotiv EPOC order of DREAMER and AMIGOS.
EPOC_CHANNELS = (
    "AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6",
    "F4", "F8", "AF4",
)  # fmt: skip
#: FACED ``Processed_data``: the 30 EEG rows first (then the mastoids A1, A2).
FACED_CHANNELS = (
    "FP1", "FP2", "FZ", "F3", "F4", "F7", "F8", "FC1", "FC2", "FC5", "FC6",
    "CZ", "C3", "C4", "T7", "T8", "CP1", "CP2", "CP5", "CP6", "PZ", "P3",
    "P4", "P7", "P8", "PO3", "PO4", "OZ", "O1", "O2",
)  # fmt: skip
#: FACED's nine categories, in its class-id order.
FACED_CATEGORIES = (
    "anger", "disgust", "fear", "sadness", "neutral", "amusement",
    "inspiration", "joy", "tenderness",
)  # fmt: skip
#: Category id of FACED clips 1-28 (3 clips per category, 4 neutral).
FACED_CLIP_CATEGORY = (
    (0,) * 3 + (1,) * 3 + (2,) * 3 + (3,) * 3 + (4,) * 4
    + (5,) * 3 + (6,) * 3 + (7,) * 3 + (8,) * 3
)  # fmt: skip
#: Valence class of each FACED category (0 negative, 1 neutral, 2 positive).
FACED_CATEGORY_VALENCE = (0, 0, 0, 0, 1, 2, 2, 2, 2)

#: DEAP: 3 s pre-trial baseline, then the 60 s clip.
DEAP_BASELINE_S = 3.0
DEAP_TRIAL_S = 60.0
#: DEAP's 40 rows: 32 EEG then 8 peripheral channels.
DEAP_ROWS = 40
#: AMIGOS ``joined_data`` columns: 14 EEG, ECG right, ECG left, GSR.
AMIGOS_COLUMNS = 17
#: AMIGOS self-assessment: 12 values per video, the first five on 1-9.
AMIGOS_SELF_ASSESSMENT = 12
#: AMIGOS: videos 1-16 short, 17-20 long (absent for some participants).
AMIGOS_SHORT = 16
#: FACED processed clips: 32 rows x 30 s at 250 Hz.
FACED_ROWS = 32
FACED_TRIAL_S = 30.0

RELEASES: dict[str, RatedRelease] = {
    "deap": RatedRelease(
        "deap",
        "DEAP",
        DEAP_CHANNELS,
        128.0,
        32,
        40,
        ("valence", "arousal", "dominance", "liking"),
        (1.0, 9.0),
        5.0,
        "pre-trial",
    ),
    "dreamer": RatedRelease(
        "dreamer",
        "DREAMER",
        EPOC_CHANNELS,
        128.0,
        23,
        18,
        ("valence", "arousal", "dominance"),
        (1.0, 5.0),
        3.0,
        "recording",
    ),
    "amigos": RatedRelease(
        "amigos",
        "AMIGOS",
        EPOC_CHANNELS,
        128.0,
        40,
        20,
        ("arousal", "valence", "dominance", "liking", "familiarity"),
        (1.0, 9.0),
        5.0,
        None,
    ),
    "faced": RatedRelease(
        "faced", "FACED", FACED_CHANNELS, 250.0, 123, 28, (), None, None, None
    ),
}
