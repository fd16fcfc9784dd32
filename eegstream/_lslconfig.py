"""Keep liblsl's INFO lines off users' terminals unless they configured LSL."""

from __future__ import annotations

import os
from pathlib import Path

# Where liblsl looks for a configuration file when LSLAPICFG is unset.
_USER_CONFIGS = (
    Path("lsl_api.cfg"),
    Path.home() / "lsl_api" / "lsl_api.cfg",
    Path("/etc/lsl_api/lsl_api.cfg"),
)


def quiet_liblsl() -> None:
    """Point liblsl at eegstream's config (warnings and errors only) if none exists.

    Must run before liblsl's first call in the process; a user's own
    ``LSLAPICFG`` or ``lsl_api.cfg`` always wins.
    """
    if "LSLAPICFG" in os.environ or any(p.is_file() for p in _USER_CONFIGS):
        return
    os.environ["LSLAPICFG"] = str(Path(__file__).with_name("lsl_api.cfg"))
