"""EEG files: any file read as one Recording, XDF, and LSL recorded with LabRecorder.

- :mod:`.reading`: :func:`~.reading.load_recording` reads EDF, BDF, FIF,
  BrainVision, EEGLAB, Neuroscan ``.cnt``, XDF, ... as one
  :class:`~.reading.Recording` (µV, SEED names, any rate).
- :mod:`.xdf`: what eegstream reads from an XDF file (the EEG stream, its
  markers, the synthetic flag).
- :mod:`.labrecorder`: :class:`~.labrecorder.Recorder` records LSL streams
  into one XDF with LabRecorder and reads back what it holds.

Exporting to BIDS is :mod:`eegstream.bids`; a folder of recordings read as a
dataset, :mod:`eegstream.datasets.recordings`.
"""
