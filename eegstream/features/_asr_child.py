"""Entry point of the ASR fit child process (see :mod:`.asr_fit`)."""

from eegstream.features.asr_fit import serve

if __name__ == "__main__":
    serve()
