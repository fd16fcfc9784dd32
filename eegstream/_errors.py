"""The one exception type whose message is meant for the user."""


class EEGStreamError(Exception):
    """Bad input or an unmet condition, explained in one line.

    The command line prints ``str(err)`` after ``eegstream: error:`` and exits
    non-zero, without a traceback. Raise it at the public boundary with a
    message that names the problem, the offending value and what would be
    right.
    """
