"""Fixed colours and sizes of the dashboard (dark theme, OpenBCI-GUI-like). Qt-free."""

from __future__ import annotations

from collections.abc import Sequence

BACKGROUND = "#16181d"
PANEL = "#1f2229"
FOREGROUND = "#d8dce3"
MUTED = "#8a909c"
GRID_ALPHA = 0.15

STATE_COLOURS = {
    "ok": "#3fb950",
    "connecting": "#d29922",
    "lost": "#f85149",
    "stopped": "#8a909c",
}
ERROR = "#f85149"
SYNTHETIC = "#d29922"  # the badge of simulated EEG
CONTAMINATED = "#f0883e"  # a reading the signal checks flag (artifact, held)
BAD_CHANNEL = "#f85149"  # a channel marked bad (and interpolated)

# One colour per emotion name, the same in every session and for every dataset
# (SEED's "positive" shares happy's gold), so a colour can be read across a room.
CLASS_COLOURS = {
    "happy": "#f2c12e",
    "positive": "#f2c12e",
    "neutral": "#9aa4b2",
    "sad": "#3a7bd5",
    "negative": "#3a7bd5",
    "fear": "#a46bd8",
    "disgust": "#4caf50",
    "anger": "#e5484d",
    "surprise": "#ff8c2e",
}
# For class names outside the table, by position among the unknown ones.
_SPARE = ("#1fb5ad", "#e86fa9", "#b5a642", "#6f86ff", "#c97b4a")
UNKNOWN_LABEL = "#5c6370"

# Bands as OpenBCI GUI colours them: delta to gamma.
BAND_COLOURS = ("#8c6bd8", "#3a7bd5", "#3fb950", "#f2c12e", "#e5484d")


def class_colours(classes: Sequence[str]) -> dict[str, str]:
    """Map each class name to its fixed colour.

    Parameters
    ----------
    classes : sequence of str
        Class names in the model's id order.

    Returns
    -------
    dict of str to str
        ``"#rrggbb"`` per class name; known emotion names (case ignored)
        always get the same colour.
    """
    out: dict[str, str] = {}
    spare = iter(_SPARE * (1 + len(classes) // len(_SPARE)))
    for name in classes:
        out[name] = CLASS_COLOURS.get(name.strip().lower()) or next(spare)
    return out
