"""The scalp map of ``eegstream check``: each channel's state, as a PNG."""

from __future__ import annotations

import os
from pathlib import Path

from .._io import atomic_path
from ..montage import SEED_CHANNELS, positions_2d
from .signal_check import CheckResult

#: Marker colour of each state: usable, usable with a frequent problem,
#: marked bad, missing (interpolated).
STATE_COLOURS = {
    "ok": "#2ca02c",
    "warn": "#ff7f0e",
    "bad": "#d62728",
    "missing": "#7f7f7f",
}


def write_check_map(result: CheckResult, path: str | os.PathLike) -> Path:
    """Draw each checked channel at its SEED position, coloured by its state.

    Channels the check did not see (not in the stream, not needed) are drawn
    as small grey dots. The file is written atomically.

    Parameters
    ----------
    result : CheckResult
    path : path-like
        The PNG to write.

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    xy = positions_2d()
    index = {name: i for i, name in enumerate(SEED_CHANNELS)}
    fig = plt.figure(figsize=(6, 6.4))
    ax = fig.add_subplot(1, 1, 1)
    ax.add_patch(Circle((0, 0), 0.56, fill=False, color="black", lw=1.5))
    ax.plot([-0.05, 0, 0.05], [0.558, 0.62, 0.558], color="black", lw=1.5)  # nose
    seen = {c.name for c in result.channels}
    rest = [index[n] for n in SEED_CHANNELS if n not in seen]
    ax.scatter(xy[rest, 0], xy[rest, 1], s=8, color="#cccccc")
    for c in result.channels:
        x, y = xy[index[c.name]]
        ax.scatter([x], [y], s=260, color=STATE_COLOURS[_state(c)], zorder=2)
        ax.annotate(c.name, (x, y), ha="center", va="center", fontsize=6, zorder=3)
        if c.verdict not in ("ok", "missing"):
            ax.annotate(
                c.verdict,
                (x, y - 0.045),
                ha="center",
                va="top",
                fontsize=6,
                color=STATE_COLOURS[_state(c)],
                zorder=3,
            )
    handles = [
        Line2D([], [], ls="", marker="o", color=colour, label=label)
        for label, colour in zip(
            ("ok", "problem, usable", "bad (interpolated)", "missing (interpolated)"),
            STATE_COLOURS.values(),
            strict=True,
        )
    ]
    ax.legend(
        handles=handles,
        loc="lower center",
        ncol=2,
        fontsize=7,
        bbox_to_anchor=(0.5, -0.12),
        frameon=False,
    )
    verdict = "PASS" if result.passed else "FAIL"
    ax.set_title(
        f"signal check {verdict}: {result.out} of the model's channels missing or "
        f"bad (allowed {result.allowed}), {result.seconds:.0f} s",
        fontsize=9,
    )
    ax.set_xlim(-0.64, 0.64)
    ax.set_ylim(-0.64, 0.66)
    ax.set_aspect("equal")
    ax.axis("off")
    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    finally:
        plt.close(fig)
    return path


def _state(channel) -> str:
    if channel.verdict == "missing":
        return "missing"
    if not channel.usable:
        return "bad"
    return "ok" if channel.verdict == "ok" else "warn"
