"""``--shard K/N``: N machines split a room's streams by source_id, uncoordinated.

Each stream belongs to shard ``crc32(source_id) mod N + 1`` (its name when it
has no source_id): every machine computes the same split from the stream
alone, so N processes started with ``--shard 1/N`` .. ``--shard N/N`` on any
machines of the network take every stream exactly once.
"""

from __future__ import annotations

import re
import zlib

from .._errors import EEGStreamError

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``"K/N"`` (1 <= K <= N) into ``(K, N)``.

    Raises
    ------
    EEGStreamError
        Not of that form, or K outside 1..N.
    """
    match = _SHARD.fullmatch(text or "")
    if match is None:
        raise EEGStreamError(
            f"--shard must be K/N, this machine's share K of N (e.g. 1/2), got {text!r}"
        )
    k, n = int(match[1]), int(match[2])
    if not 1 <= k <= n:
        raise EEGStreamError(
            f"--shard {text}: K must be between 1 and N={n} (e.g. 1/{max(n, 1)}), "
            f"got {k}"
        )
    return k, n


def shard_of(source_id: str, n: int) -> int:
    """Return the shard (1..n) a stream with this source_id belongs to."""
    return zlib.crc32(source_id.encode("utf-8")) % n + 1
