"""Official facts of the SEED family: classes, labels, file names, trial timing.

Every table here is copied from ``../shared/SEED_FORMATS.md`` (which names its
sources). Readers use them to know what a complete release holds; the
synthetic generator uses them to write the same names.
"""

from __future__ import annotations

#: File at the root of a folder written by the synthetic generator.
SYNTHETIC_MARKER = "SYNTHETIC_DATA.txt"

#: Dataset names accepted by :func:`eegstream.datasets.open_dataset`.
DATASETS: tuple[str, ...] = ("seed", "seed-iv", "seed-v", "seed-vii")

#: Class names per dataset; the index is the label id used everywhere.
CLASSES: dict[str, tuple[str, ...]] = {
    "seed": ("negative", "neutral", "positive"),
    "seed-iv": ("neutral", "sad", "fear", "happy"),
    "seed-v": ("disgust", "fear", "sad", "neutral", "happy"),
    "seed-vii": ("disgust", "fear", "sad", "neutral", "happy", "anger", "surprise"),
}

#: Subjects, sessions and trials per session of each full release.
N_SUBJECTS = {"seed": 15, "seed-iv": 15, "seed-v": 16, "seed-vii": 20}
N_SESSIONS = {"seed": 3, "seed-iv": 3, "seed-v": 3, "seed-vii": 4}
N_TRIALS = {"seed": 15, "seed-iv": 24, "seed-v": 15, "seed-vii": 20}

# ---------------------------------------------------------------- SEED (§2)
#: label.mat values per trial (1 positive, 0 neutral, -1 negative); id = value + 1.
SEED_LABEL_MAT = (1, 0, -1, -1, 0, 1, -1, 0, 1, 1, 0, -1, 0, 1, -1)
#: Trial lengths in seconds; Preprocessed_EEG holds 200 * T + 1 samples.
SEED_TRIAL_SECONDS = (
    235,
    233,
    206,
    238,
    185,
    195,
    237,
    216,
    265,
    237,
    235,
    233,
    235,
    238,
    206,
)
#: Clip start and end in the raw .cnt files, seconds (the same for every file).
SEED_RAW_STARTS = (
    27,
    290,
    551,
    784,
    1050,
    1262,
    1484,
    1748,
    1993,
    2287,
    2551,
    2812,
    3072,
    3335,
    3599,
)
SEED_RAW_ENDS = (
    262,
    523,
    757,
    1022,
    1235,
    1457,
    1721,
    1964,
    2258,
    2524,
    2786,
    3045,
    3307,
    3573,
    3805,
)
#: Variable-name prefix per subject (the same in all sessions).
SEED_PREFIX = {
    1: "djc",
    2: "jl",
    3: "jj",
    4: "lqj",
    5: "ly",
    6: "mhw",
    7: "phl",
    8: "sxy",
    9: "wk",
    10: "ww",
    11: "wsf",
    12: "wyw",
    13: "xyl",
    14: "ys",
    15: "zjy",
}
#: Recording dates per subject, sessions in order (sessions sort by date).
SEED_DATES = {
    1: ("20131027", "20131030", "20131107"),
    2: ("20140404", "20140413", "20140419"),
    3: ("20140603", "20140611", "20140629"),
    4: ("20140621", "20140702", "20140705"),
    5: ("20140411", "20140418", "20140506"),
    6: ("20130712", "20131016", "20131113"),
    7: ("20131027", "20131030", "20131106"),
    8: ("20140511", "20140514", "20140521"),
    9: ("20140620", "20140627", "20140704"),
    10: ("20131130", "20131204", "20131211"),
    11: ("20140618", "20140625", "20140630"),
    12: ("20131127", "20131201", "20131207"),
    13: ("20140527", "20140603", "20140610"),
    14: ("20140601", "20140615", "20140627"),
    15: ("20130709", "20131016", "20131105"),
}
#: Feature kinds of ExtractedFeatures*, in file order per trial.
SEED_FEATURE_KINDS = (
    "de_movingAve",
    "de_LDS",
    "psd_movingAve",
    "psd_LDS",
    "dasm_movingAve",
    "dasm_LDS",
    "rasm_movingAve",
    "rasm_LDS",
    "asm_movingAve",
    "asm_LDS",
    "dcau_movingAve",
    "dcau_LDS",
)
#: Rows of each feature family (62 channels, 27 hemispheric pairs, 23 caudal pairs).
SEED_FEATURE_ROWS = {"de": 62, "psd": 62, "dasm": 27, "rasm": 27, "asm": 54, "dcau": 23}

# ------------------------------------------------------------- SEED-IV (§3)
SEED_IV_LABELS = {
    1: (1, 2, 3, 0, 2, 0, 0, 1, 0, 1, 2, 1, 1, 1, 2, 3, 2, 2, 3, 3, 0, 3, 0, 3),
    2: (2, 1, 3, 0, 0, 2, 0, 2, 3, 3, 2, 3, 2, 0, 1, 1, 2, 1, 0, 3, 0, 1, 3, 1),
    3: (1, 2, 2, 1, 3, 3, 3, 1, 1, 2, 1, 0, 2, 3, 3, 0, 2, 3, 0, 0, 2, 0, 1, 0),
}
SEED_IV_PREFIX = {
    1: "cz",
    2: "ha",
    3: "hql",
    4: "ldy",
    5: "ly",
    6: "mhw",
    7: "mz",
    8: "qyt",
    9: "rx",
    10: "tyc",
    11: "whh",
    12: "wll",
    13: "wq",
    14: "zjd",
    15: "zjy",
}
#: Dates per subject for session folders 1, 2, 3.
SEED_IV_DATES = {
    1: ("20160518", "20161125", "20161126"),
    2: ("20150915", "20150920", "20151012"),
    3: ("20150919", "20151018", "20151101"),
    4: ("20151111", "20151118", "20151123"),
    5: ("20160406", "20160413", "20160420"),
    6: ("20150507", "20150511", "20150512"),
    7: ("20150715", "20150717", "20150721"),
    8: ("20151103", "20151110", "20151117"),
    9: ("20151028", "20151119", "20151209"),
    10: ("20151014", "20151021", "20151023"),
    11: ("20150916", "20150921", "20151011"),
    12: ("20150725", "20150804", "20150807"),
    13: ("20151115", "20151125", "20161130"),
    14: ("20151205", "20151208", "20151215"),
    15: ("20150508", "20150514", "20150527"),
}
#: 4-s feature windows per trial in session 1 (the only session with published
#: counts); the generator's default trial lengths are 4 * W + 2 s.
SEED_IV_WINDOWS_S1 = (
    42,
    23,
    49,
    32,
    22,
    40,
    38,
    52,
    36,
    42,
    12,
    27,
    54,
    42,
    64,
    35,
    17,
    44,
    35,
    12,
    28,
    28,
    43,
    34,
)
SEED_IV_FEATURE_KINDS = ("de_movingAve", "de_LDS", "psd_movingAve", "psd_LDS")

# -------------------------------------------------------------- SEED-V (§4)
SEED_V_LABELS = {
    1: (4, 1, 3, 2, 0, 4, 1, 3, 2, 0, 4, 1, 3, 2, 0),
    2: (2, 1, 3, 0, 4, 4, 0, 3, 2, 1, 3, 4, 1, 2, 0),
    3: (2, 1, 3, 0, 4, 4, 0, 3, 2, 1, 3, 4, 1, 2, 0),
}
#: trial_start_end_timestamp.txt, seconds from the start of each session's .cnt.
SEED_V_STARTS: dict[int, tuple[int, ...]] = {
    1: (
        30,
        132,
        287,
        555,
        773,
        982,
        1271,
        1628,
        1730,
        2025,
        2227,
        2435,
        2667,
        2932,
        3204,
    ),
    2: (
        30,
        299,
        548,
        646,
        836,
        1000,
        1091,
        1392,
        1657,
        1809,
        1966,
        2186,
        2333,
        2490,
        2741,
    ),
    3: (
        30,
        353,
        478,
        674,
        825,
        908,
        1200,
        1346,
        1451,
        1711,
        2055,
        2307,
        2457,
        2726,
        2888,
    ),
}
SEED_V_ENDS: dict[int, tuple[int, ...]] = {
    1: (
        102,
        228,
        524,
        742,
        920,
        1240,
        1568,
        1697,
        1994,
        2166,
        2401,
        2607,
        2901,
        3172,
        3359,
    ),
    2: (
        267,
        488,
        614,
        773,
        967,
        1059,
        1331,
        1622,
        1777,
        1908,
        2153,
        2302,
        2428,
        2709,
        2817,
    ),
    3: (
        321,
        418,
        643,
        764,
        877,
        1147,
        1284,
        1418,
        1679,
        1996,
        2275,
        2425,
        2664,
        2857,
        3066,
    ),
}
#: Recording dates per subject, sessions 1, 2, 3 (not chronological).
SEED_V_DATES = {
    1: ("20180804", "20180810", "20180808"),
    2: ("20180416", "20180419", "20180425"),
    3: ("20180414", "20180419", "20180424"),
    4: ("20180414", "20180417", "20180501"),
    5: ("20180719", "20180728", "20180723"),
    6: ("20180713", "20180731", "20180802"),
    7: ("20180411", "20180418", "20180422"),
    8: ("20180717", "20180802", "20180726"),
    9: ("20180724", "20180804", "20180728"),
    10: ("20180507", "20180524", "20180626"),
    11: ("20180510", "20180508", "20180522"),
    12: ("20180515", "20180508", "20180517"),
    13: ("20180720", "20180806", "20180725"),
    14: ("20180420", "20180423", "20180427"),
    15: ("20180724", "20180807", "20180730"),
    16: ("20180805", "20180815", "20180813"),
}
#: Non-EEG channels of the SEED and SEED-V raw .cnt files.
SEED_V_EXTRA_CHANNELS = ("M1", "M2", "VEO", "HEO")

# ------------------------------------------------------------ SEED-VII (§5)
_VII_NAME = {
    "Happy": "happy",
    "Neutral": "neutral",
    "Disgust": "disgust",
    "Sad": "sad",
    "Anger": "anger",
    "Fear": "fear",
    "Surprise": "surprise",
}
_VII_SESSIONS = (
    (
        "Happy",
        "Neutral",
        "Disgust",
        "Sad",
        "Anger",
        "Anger",
        "Sad",
        "Disgust",
        "Neutral",
        "Happy",
    ),
    (
        "Anger",
        "Sad",
        "Fear",
        "Neutral",
        "Surprise",
        "Surprise",
        "Neutral",
        "Fear",
        "Sad",
        "Anger",
    ),
    (
        "Happy",
        "Surprise",
        "Disgust",
        "Fear",
        "Anger",
        "Anger",
        "Fear",
        "Disgust",
        "Surprise",
        "Happy",
    ),
    (
        "Disgust",
        "Sad",
        "Fear",
        "Surprise",
        "Happy",
        "Happy",
        "Surprise",
        "Fear",
        "Sad",
        "Disgust",
    ),
)
#: Emotion name of each video 1..80, as in emotion_label_and_stimuli_order.xlsx
#: (capitalised); mapped to class ids by name, never by position.
SEED_VII_VIDEO_EMOTIONS: tuple[str, ...] = tuple(
    name for session in _VII_SESSIONS for name in session * 2
)
#: Label id of each video 1..80 (index 0 is video 1).
SEED_VII_LABELS: tuple[int, ...] = tuple(
    CLASSES["seed-vii"].index(_VII_NAME[name]) for name in SEED_VII_VIDEO_EMOTIONS
)
#: Non-EEG channels of the SEED-VII raw .cnt files.
SEED_VII_EXTRA_CHANNELS = ("M1", "M2", "ECG", "HEO", "VEO")
#: Raw files whose triggers are wrong, with the wall-clock start of the
#: recording that save_info/<name>_trigger_info.csv times are relative to.
SEED_VII_TRIGGER_EXCEPTIONS = {"14_20221015_1": "14:25:34", "9_20221111_3": "14:01:27"}
SEED_VII_FEATURE_KINDS = ("psd", "de", "de_LDS")


def seed_vii_video(session: int, clip: int) -> int:
    """Video number 1..80 of clip ``clip`` (1..20) of ``session`` (1..4)."""
    return (session - 1) * 20 + clip


def play_order(dataset: str, session: int) -> tuple[int, ...] | None:
    """Trial numbers of one session in the order they were recorded.

    Every reader numbers trials in play order: SEED, SEED-IV and SEED-V trial
    ``n`` is the session's ``n``-th clip (cut in that order from the raw
    recording); SEED-VII clip ``i`` of session ``k`` is video
    :func:`seed_vii_video` ``(k, i)`` (the release's own extractor). The
    rated datasets (DEAP, DREAMER, AMIGOS, FACED): the order of their files,
    which is not always the presentation order (DEAP's is video order; its
    presentation order is in ``participant_ratings.csv``, not read).
    ``None`` for a dataset whose recording order is not known.
    """
    from .rated_tables import AMIGOS_SHORT, RATED_DATASETS, RELEASES

    if dataset in RATED_DATASETS:
        n = RELEASES[dataset].n_trials
        if dataset == "amigos":  # session 1: the short videos; 2: the long
            return tuple(
                range(1, AMIGOS_SHORT + 1) if session == 1 else range(17, n + 1)
            )
        return tuple(range(1, n + 1))
    if dataset not in N_TRIALS:
        return None
    clips = range(1, N_TRIALS[dataset] + 1)
    if dataset == "seed-vii":
        return tuple(seed_vii_video(session, i) for i in clips)
    return tuple(clips)
