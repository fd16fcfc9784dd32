"""Dialogs for what ``eegstream live`` was not told: which stream, which model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6 import QtWidgets

from .._errors import EEGStreamError
from ._qt import dark_palette


class _TablePicker(QtWidgets.QDialog):
    """A table of choices with Refresh, OK and Cancel; a double-click accepts."""

    def __init__(self, title: str, columns: Sequence[str], empty: str) -> None:
        super().__init__()
        self.setWindowTitle(title)
        self.setPalette(dark_palette())
        self.resize(820, 360)
        self.empty = empty
        self.table = QtWidgets.QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels(list(columns))
        self.table.setSelectionBehavior(
            QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.table.setSelectionMode(
            QtWidgets.QAbstractItemView.SelectionMode.SingleSelection
        )
        self.table.setEditTriggers(
            QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.message = QtWidgets.QLabel("")
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.refresh_button = self.buttons.addButton(
            "Refresh", QtWidgets.QDialogButtonBox.ButtonRole.ResetRole
        )
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.refresh_button.clicked.connect(self.reload)
        self.table.cellDoubleClicked.connect(self.accept)
        self.rows: list = []

    def rows_and_cells(self) -> list[tuple[object, Sequence[str]]]:
        """(choice, cell texts) per row; subclasses list what is available."""
        raise NotImplementedError

    def reload(self) -> None:
        """List the choices again."""
        pairs = self.rows_and_cells()
        self.rows = [choice for choice, _ in pairs]
        self.table.setRowCount(len(pairs))
        for i, (_, cells) in enumerate(pairs):
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QtWidgets.QTableWidgetItem(str(text)))
        self.table.resizeColumnsToContents()
        if pairs:
            self.table.selectRow(0)
        self.message.setText("" if pairs else self.empty)
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(
            bool(pairs)
        )

    def selected(self) -> object | None:
        """Return the chosen row's item, or None."""
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None


class StreamPicker(_TablePicker):
    """Choose one of the LSL streams visible now.

    Parameters
    ----------
    list_streams : callable
        Returns the visible streams as
        :class:`~eegstream.acquisition.StreamSummary` (default
        :func:`eegstream.acquisition.list_streams`).
    """

    def __init__(self, list_streams: Callable[[], list] | None = None) -> None:
        super().__init__(
            "eegstream live: choose an EEG stream",
            ("name", "type", "channels", "rate", "format", "source_id", "host"),
            "no LSL stream visible: start the headset's app or `eegstream replay`, "
            "then Refresh",
        )
        if list_streams is None:
            from ..acquisition import list_streams as visible_streams

            list_streams = visible_streams
        self._list = list_streams
        self.reload()

    def rows_and_cells(self) -> list[tuple[object, Sequence[str]]]:  # noqa: D102
        streams = [s for s in self._list() if s.channel_format != "string"]
        return [
            (
                s,
                (
                    s.name,
                    s.type,
                    str(s.channel_count),
                    "irregular" if not s.nominal_srate else f"{s.nominal_srate:g} Hz",
                    s.channel_format,
                    s.source_id,
                    s.hostname,
                ),
            )
            for s in streams
        ]


class ModelPicker(_TablePicker):
    """Choose a checkpoint from a models folder.

    Parameters
    ----------
    folder : path-like | None
        Where to look (default :func:`eegstream.model.models_dir`).
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        from ..model import models_dir

        self.folder = Path(folder) if folder is not None else models_dir()
        super().__init__(
            "eegstream live: choose a model",
            ("name", "classes", "dataset", "protocol", "file"),
            f"no checkpoint in {self.folder}: train one with `eegstream train`",
        )
        self.reload()

    def rows_and_cells(self) -> list[tuple[object, Sequence[str]]]:  # noqa: D102
        from ..model import load_checkpoint

        out: list[tuple[object, Sequence[str]]] = []
        for path in sorted(self.folder.glob("*.safetensors")):
            try:
                meta = load_checkpoint(path).meta
            except EEGStreamError as err:  # listed, but not choosable as good
                out.append((path, (path.stem, f"unreadable: {err}", "", "", path.name)))
                continue
            out.append(
                (
                    path,
                    (
                        path.stem,
                        ", ".join(meta.classes),
                        meta.dataset.name,
                        meta.protocol.name if meta.protocol is not None else "none",
                        path.name,
                    ),
                )
            )
        return out


def pick(dialog: _TablePicker) -> object | None:
    """Run ``dialog`` modally; the chosen item, or None when cancelled."""
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return dialog.selected()
