"""The release's MATLAB files: list variables cheaply, load a few, fail clearly."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError


def list_variables(path: Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """Names, shapes and MATLAB classes of a .mat file's variables, in file order.

    Reads only the variable headers (seeking past the data), and checks that
    every variable's data lies inside the file, so a truncated download is
    reported here rather than as a missing variable later.

    Raises
    ------
    EEGStreamError
        If the file is not a MATLAB v5/v7 file or is truncated.
    """
    from scipy.io.matlab import matfile_version

    size = path.stat().st_size
    try:
        with open(path, "rb") as fh:
            version = matfile_version(fh)
    except Exception as err:  # noqa: BLE001 - any parse failure means "not a valid file"
        raise _not_mat(path, err) from None
    if version[0] != 1:
        kind = {0: "MATLAB v4", 2: "MATLAB v7.3 (HDF5)"}.get(version[0], "unknown")
        raise EEGStreamError(
            f"cannot read {path}: a {kind} file; the release's files are MATLAB "
            "v5/v7 (save -v7), re-save it in that format"
        )
    try:
        return _headers(path, size)
    except EEGStreamError:
        raise
    except (ImportError, AttributeError):
        # scipy moved its private reader: list without the truncation check.
        import scipy.io

        return {name: (shape, mclass) for name, shape, mclass in scipy.io.whosmat(path)}
    except Exception as err:  # noqa: BLE001 - any parse failure means "not a valid file"
        raise _not_mat(path, err) from None


def _headers(path: Path, size: int) -> dict[str, tuple[tuple[int, ...], str]]:
    """Walk the variable headers with scipy's v5 reader, checking data extents."""
    from scipy.io.matlab import _mio5

    out: dict[str, tuple[tuple[int, ...], str]] = {}
    with open(path, "rb") as fh:
        reader = _mio5.MatFile5Reader(fh, verify_compressed_data_integrity=False)
        reader.initialize_read()
        reader.read_file_header()
        while not reader.end_of_stream():
            header, next_position = reader.read_var_header()
            name = header.name.decode("latin1") if header.name else ""
            if next_position > size:
                raise EEGStreamError(
                    f"{path} is truncated: variable {name!r} ends at byte "
                    f"{next_position} but the file has {size} bytes; download it again"
                )
            shape = reader._matrix_reader.shape_from_header(header)
            mclass = _mio5.mclass_info.get(header.mclass, "unknown")
            out[name] = (tuple(int(n) for n in shape), mclass)
            fh.seek(next_position)
    return out


def _not_mat(path: Path, err: BaseException) -> EEGStreamError:
    return EEGStreamError(
        f"cannot read {path}: not a MATLAB v5/v7 .mat file or damaged "
        f"({_short(err)}); expected a .mat file as in the official release"
    )


def load_variables(path: Path, names: list[str]) -> dict[str, np.ndarray]:
    """Load only ``names`` from a .mat file.

    Raises
    ------
    EEGStreamError
        If the file cannot be read or lacks one of ``names``.
    """
    import scipy.io

    try:
        data = scipy.io.loadmat(
            path, variable_names=names, verify_compressed_data_integrity=False
        )
    except Exception as err:  # noqa: BLE001
        raise EEGStreamError(
            f"cannot read {path}: {_short(err)}; the file may be damaged, download "
            "it again"
        ) from None
    lacking = [n for n in names if n not in data]
    if lacking:
        raise EEGStreamError(
            f"{path} lacks the variable(s) {lacking}; it changed on disk?"
        )
    return {n: data[n] for n in names}


def numbered(
    path: Path,
    variables: dict[str, tuple[tuple[int, ...], str]],
    pattern: str,
    expected: str,
) -> dict[tuple[str, int], str]:
    """Parse variable names like ``djc_eeg3`` or ``de_LDS12`` with a regex.

    ``pattern`` has two groups: a name part and the trial number. Returns
    ``{(part, number): variable}``. Any variable that does not match is an
    error naming the file, the variable and ``expected``.
    """
    regex = re.compile(pattern)
    out = {}
    for name in variables:
        match = regex.fullmatch(name)
        if not match:
            raise EEGStreamError(
                f"{path}: unexpected variable {name!r}; expected {expected}"
            )
        out[(match.group(1), int(match.group(2)))] = name
    return out


def check_shape(
    path: Path, name: str, info: tuple[tuple[int, ...], str], rule: str, ok: bool
) -> None:
    """Raise naming the file, variable, its shape and the rule when ``ok`` is false."""
    if not ok:
        shape, mclass = info
        raise EEGStreamError(
            f"{path}: variable {name!r} has shape {shape} ({mclass}); expected {rule}"
        )


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__
