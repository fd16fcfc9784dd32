"""The Qt dashboard of ``eegstream live``: a view over a running LivePipeline.

- :class:`DashboardModel` (Qt-free): drains the pipeline's subscriber queue,
  health and EEG snapshot into plain arrays.
- :class:`MainWindow` and its widgets (PySide6, pyqtgraph) draw that model.
- :func:`check_display`: fail with a clear message where Qt cannot draw.

Importing this package does not import Qt; the window and widgets are
imported from their modules (``eegstream.dashboard.window``) by ``live``.
"""

from ._display import check_display
from .model import DEFAULT_TRACES, Changes, DashboardModel, Segment

__all__ = ["DEFAULT_TRACES", "Changes", "DashboardModel", "Segment", "check_display"]
