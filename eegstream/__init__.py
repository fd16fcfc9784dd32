"""eegstream: real-time EEG emotion recognition over Lab Streaming Layer."""

from ._errors import EEGStreamError
from ._sys_info import sys_info
from ._version import __version__

__all__ = ["EEGStreamError", "__version__", "sys_info"]
