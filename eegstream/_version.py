"""The version of eegstream (one place; the package and ``sys_info`` read it)."""

__version__ = "0.1.0"
