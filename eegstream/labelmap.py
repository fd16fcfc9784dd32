"""Turn a stimulus program's markers into true labels: the label map.

A stimulus program (PsychoPy, Presentation, OpenSesame, ...) sends its own
marker strings. A label map, a small TOML file, says which of them start or
end a labelled segment and of which class::

    # One [[rule]] per kind of marker. An exact rule wins over match rules;
    # among match rules the first that matches wins.
    [[rule]]
    match = "stim_(happy|sad|neutral)"   # a regular expression, whole marker
    class = "$1"                         # the class: a name, or $1 / ${name}
    action = "start"                     # this marker starts a segment

    [[rule]]
    exact = "stim_end"                   # a literal marker (no regex escapes)
    action = "end"                       # this marker ends the open segment

A ``start`` also ends a segment still open; a segment still open at the end
of a recording ends there. Markers no rule matches are kept in logs but label
nothing. The replay's own JSON markers (:mod:`eegstream.protocol`:
``trial_start`` with a ``label``, ``trial_end``) label segments without a map.

One code path: the live pipeline (:class:`~eegstream.pipeline.markers.
MarkerListener`) calls :meth:`LabelMap.match` on each marker as it arrives;
training and evaluation on recordings call :func:`labelled_segments` on a
file's annotations (onsets in seconds from its first EEG sample).

A recording may hold several marker streams (an XDF file: the stimulus
program's, the replay's own ``<name>-markers``, ...). Each stream labels
segments on its own, so labels never depend on the order of markers of
different streams that fall together; which streams label is chosen by name
(``markers``), else by the label map (the streams its rules match), else
every stream with eegstream replay markers. Two chosen streams labelling the
same stretch differently are refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._errors import EEGStreamError
from ._io import read_toml
from .protocol import parse_marker

#: What a matched marker does to the current segment.
ACTIONS = ("start", "end")
_KEYS = {"match", "exact", "class", "action"}
_GROUP_REF = re.compile(r"\$(\d+|\{\w+\})")


@dataclass(frozen=True)
class MarkerMatch:
    """What one marker means: ``action`` ``"start"`` (with ``label``) or ``"end"``."""

    action: str
    label: str | None = None


@dataclass(frozen=True)
class Rule:
    """One rule of a label map.

    Attributes
    ----------
    pattern : re.Pattern
        Must match the whole marker string.
    label : str | None
        The class of a ``start`` rule; ``$1`` or ``${name}`` insert a group of
        ``pattern``. None for ``end`` rules.
    action : str
        ``"start"`` or ``"end"``.
    exact : bool
        Written as ``exact`` (a literal marker): tried before ``match`` rules.
    """

    pattern: re.Pattern
    label: str | None
    action: str
    exact: bool = False

    def apply(self, text: str) -> MarkerMatch | None:
        """Return what ``text`` means under this rule; None when it does not match."""
        m = self.pattern.fullmatch(text)
        if m is None:
            return None
        if self.label is None:
            return MarkerMatch(self.action)
        label = _GROUP_REF.sub(
            lambda g: m.group(_group_key(g.group(1))) or "", self.label
        )
        return MarkerMatch(self.action, label)


def _group_key(ref: str) -> int | str:
    return int(ref) if ref.isdigit() else ref.strip("{}")


@dataclass(frozen=True)
class LabelMap:
    """Rules from marker strings to labelled segments (see the module docstring).

    Attributes
    ----------
    rules : tuple of Rule
        In file order; exact rules are tried first, then the first match wins.
    source : str
        Where the rules come from (the file), for messages.
    """

    rules: tuple[Rule, ...]
    source: str = "label map"

    @classmethod
    def load(cls, path: str | os.PathLike) -> LabelMap:
        """Read a TOML label map.

        Raises
        ------
        EEGStreamError
            The file is missing, not TOML, or a rule is malformed (one line
            naming the file, the rule and what would be right).
        """
        doc = read_toml(
            path,
            "label map",
            ' (expected TOML with [[rule]] tables: match = "REGEX" or exact = "TEXT", '
            "class, action)",
        )
        return cls.from_dict(doc, source=str(path))

    @classmethod
    def from_dict(cls, doc: dict, source: str = "label map") -> LabelMap:
        """Build from a parsed document ``{"rule": [{...}, ...]}``."""
        rules = doc.get("rule")
        extra = sorted(set(doc) - {"rule"})
        if not isinstance(rules, list) or not rules or extra:
            raise EEGStreamError(
                f"{source}: expected one or more [[rule]] tables and nothing else"
                + (f" (unknown keys: {', '.join(extra)})" if extra else "")
            )
        return cls(tuple(_rule(r, i, source) for i, r in enumerate(rules, 1)), source)

    @property
    def classes(self) -> tuple[str, ...]:
        """The literal class names of ``start`` rules (templates left out)."""
        return tuple(
            dict.fromkeys(
                r.label
                for r in self.rules
                if r.label is not None and not _GROUP_REF.search(r.label)
            )
        )

    def match(self, text: str) -> MarkerMatch | None:
        """Return what a marker string means; None when no rule matches it."""
        for rule in sorted(self.rules, key=lambda r: not r.exact):
            found = rule.apply(text)
            if found is not None:
                return found
        return None


def _rule(raw: object, number: int, source: str) -> Rule:
    where = f"{source}: rule {number}"
    if not isinstance(raw, dict):
        raise EEGStreamError(f"{where} must be a table ([[rule]]), got {raw!r}")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise EEGStreamError(
            f"{where}: unknown keys {unknown}; a rule has match or exact, class, action"
        )
    if ("match" in raw) == ("exact" in raw):
        raise EEGStreamError(
            f"{where}: give exactly one of match (a regular expression) or exact "
            "(a literal marker)"
        )
    action = raw.get("action")
    if action not in ACTIONS:
        raise EEGStreamError(
            f"{where}: action must be one of {', '.join(ACTIONS)}; got {action!r}"
        )
    label = raw.get("class")
    if action == "start" and not (isinstance(label, str) and label):
        raise EEGStreamError(f'{where}: a start rule needs class = "NAME" (or "$1")')
    if action == "end" and label is not None:
        raise EEGStreamError(f"{where}: an end rule takes no class; remove it")
    text = raw.get("match", raw.get("exact"))
    if not isinstance(text, str):
        raise EEGStreamError(f"{where}: match/exact must be a string, got {text!r}")
    try:
        pattern = re.compile(text if "match" in raw else re.escape(text))
    except re.error as err:
        raise EEGStreamError(
            f"{where}: match {text!r} is not a regular expression ({err}); use "
            "exact = ... for a literal marker"
        ) from None
    if label is not None:
        for ref in _GROUP_REF.findall(label):
            key = _group_key(ref)
            known = (
                key in pattern.groupindex
                if isinstance(key, str)
                else key <= pattern.groups
            )
            if not known:
                raise EEGStreamError(
                    f"{where}: class {label!r} refers to group ${ref}, which match "
                    f"{text!r} does not have ({pattern.groups} groups)"
                )
    return Rule(pattern, label, action, exact="exact" in raw)


def interpret(text: str, label_map: LabelMap | None) -> MarkerMatch | None:
    """Return what one marker string means: a replay marker, else a map's rule.

    ``trial_start`` (with its ``label``) starts a segment; ``trial_end``,
    ``rest_start`` and ``session_end`` end it; other replay markers and
    markers no rule matches mean nothing (None).
    """
    marker = parse_marker(text)
    if marker is not None:
        if marker["event"] == "trial_start" and marker.get("label"):
            return MarkerMatch("start", str(marker["label"]))
        if marker["event"] in ("trial_end", "rest_start", "session_end"):
            return MarkerMatch("end")
        return None
    return label_map.match(text) if label_map is not None else None


@dataclass(frozen=True)
class LabelledSegment:
    """One labelled stretch of a recording.

    Attributes
    ----------
    onset, end : float
        Seconds from the recording's first sample.
    label : str
        The class name.
    marker : str
        The marker string that started it.
    stream : str
        The marker stream it came from (``""``: a file's one annotation set).
    """

    onset: float
    end: float
    label: str
    marker: str
    stream: str = ""


def labelled_segments(
    events: Iterable[tuple[float, str] | tuple[float, str, str]],
    end_s: float,
    label_map: LabelMap | None,
    *,
    classes: Sequence[str] | None = None,
    source: str = "the recording",
    markers: Sequence[str] | None = None,
) -> list[LabelledSegment]:
    """Labelled segments of a recording from its markers.

    Parameters
    ----------
    events : iterable of (float, str) or (float, str, str)
        Marker onsets (seconds from the first sample), strings and, for a
        file with several marker streams, each marker's stream name.
    end_s : float
        The recording's length in seconds (ends a segment still open).
    label_map : LabelMap | None
        The rules for foreign markers (replay markers need none).
    classes : sequence of str | None
        The allowed classes; a marker naming another one is an error.
    source : str
        The file, for messages.
    markers : sequence of str | None
        The marker streams that label segments; None: those the label map's
        rules match (without a map: those with replay markers).

    Returns
    -------
    list of LabelledSegment
        In time order, without empty segments.

    Raises
    ------
    EEGStreamError
        A marker maps to a class not in ``classes``; ``markers`` names a
        stream the file lacks; two labelling streams label one stretch
        differently (one line each, naming the file and the streams).
    """
    streams: dict[str, list[tuple[float, str]]] = {}
    for event in events:
        name = str(event[2]) if len(event) > 2 else ""
        streams.setdefault(name, []).append((float(event[0]), str(event[1])))
    chosen = labelling_streams(streams, label_map, markers, source)
    found = [
        seg
        for name in chosen
        for seg in _stream_segments(
            streams[name], end_s, label_map, classes, source, name
        )
    ]
    return _merge(found, source)


def labelling_streams(
    streams: dict[str, list[tuple[float, str]]],
    label_map: LabelMap | None,
    markers: Sequence[str] | None = None,
    source: str = "the recording",
) -> list[str]:
    """Names of the marker streams that label segments, sorted.

    Parameters
    ----------
    streams : dict of str to list of (float, str)
        Each marker stream's events.
    label_map : LabelMap | None
    markers : sequence of str | None
        Streams chosen by name; None: the streams whose markers the label
        map's rules match, or without a map those with replay markers.
    source : str
        The file, for messages.
    """
    if markers:
        missing = [m for m in markers if m not in streams]
        if missing:
            shown = ", ".join(repr(n) for n in sorted(streams) if n) or "none named"
            raise EEGStreamError(
                f"{source}: {{markers}} {missing[0]!r} names no marker stream of it "
                f"(its marker streams: {shown})",
                param="markers",
            )
        return sorted(set(markers))

    def labels(text: str) -> bool:
        if label_map is not None:
            return label_map.match(text) is not None
        return interpret(text, None) is not None

    return sorted(n for n, ev in streams.items() if any(labels(t) for _, t in ev))


def _stream_segments(
    events: list[tuple[float, str]],
    end_s: float,
    label_map: LabelMap | None,
    classes: Sequence[str] | None,
    source: str,
    stream: str,
) -> list[LabelledSegment]:
    """One marker stream's segments: a start opens one, the next marker ends it."""
    out: list[LabelledSegment] = []
    open_: tuple[float, str, str] | None = None
    for onset, text in sorted(events, key=lambda e: e[0]):
        found = interpret(text, label_map)
        if found is None:
            continue
        if open_ is not None and onset > open_[0]:
            out.append(
                LabelledSegment(open_[0], float(onset), open_[1], open_[2], stream)
            )
        open_ = None
        if found.action == "start":
            assert found.label is not None  # sanity check: start rules carry one
            if classes is not None and found.label not in classes:
                raise EEGStreamError(
                    f"{source}: marker {text!r} at {onset:.3f} s names class "
                    f"{found.label!r}, not one of {', '.join(classes)}; add it to "
                    "{classes} or change the label map",
                    param="classes",
                )
            open_ = (float(onset), found.label, text)
    if open_ is not None and end_s > open_[0]:
        out.append(LabelledSegment(open_[0], float(end_s), open_[1], open_[2], stream))
    return out


def _merge(found: list[LabelledSegment], source: str) -> list[LabelledSegment]:
    """Segments of every labelling stream in time order, one per stretch.

    Streams that label a stretch alike (a stimulus program and the replay
    marking the same clip) give it once, from the first stream by name; a
    stretch labelled differently is refused.
    """
    out: list[LabelledSegment] = []
    for seg in sorted(found, key=lambda g: (g.onset, g.stream)):
        clash = next(
            (
                o
                for o in out
                if o.stream != seg.stream and o.onset < seg.end and seg.onset < o.end
            ),
            None,
        )
        if clash is None:
            out.append(seg)
        elif clash.label != seg.label:
            raise EEGStreamError(
                f"{source}: marker streams {clash.stream!r} and {seg.stream!r} label "
                f"the same stretch differently ({clash.label!r} from "
                f"{clash.onset:.3f} s, {seg.label!r} from {seg.onset:.3f} s); choose "
                "the stream that labels segments with {markers}",
                param="markers",
            )
    return out
