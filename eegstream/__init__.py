"""eegstream: real-time EEG emotion recognition over Lab Streaming Layer."""

from ._errors import EEGStreamError

__version__ = "0.1.0"

__all__ = ["EEGStreamError", "__version__"]
