"""Writing files and folders so that nothing is half-written or silently replaced.

Every writer in the package goes through these helpers: fit files (:mod:`bayes_scaling.io`),
the data cache (:mod:`bayes_scaling.datasets.retrieval`), the report folder
(:mod:`bayes_scaling.report`) and the CLI's tables and figures. A file is written to a
temporary name in its destination folder and renamed into place (``os.replace``, atomic
on one file system), so an interrupted run leaves either the old file or the new one; an
existing file is replaced only when the caller says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bayes_scaling.errors import OutputExistsError

#: Suffix of the temporary files (ignored by git; a leftover one is never read).
PARTIAL_SUFFIX = ".partial"


def ensure_writable(path: str | Path, *, overwrite: bool = False) -> Path:
    """Raise :class:`OutputExistsError` if ``path`` exists and ``overwrite`` is false.

    Call it before expensive work (sampling) so a refusal comes first, not last.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} already exists; pass overwrite=True (CLI: --force) "
                                "to replace it")
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place on success.

    Parameters
    ----------
    path : str or pathlib.Path
        Final destination.
    overwrite : bool, default False
        Replace an existing file; otherwise :class:`OutputExistsError` is raised
        before anything is written.
    """
    path = ensure_writable(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX,
                                    dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(path: str | Path, writer: Callable[[Path], object], *,
                 overwrite: bool = False) -> Path:
    """Call ``writer(tmp_path)`` and atomically move the result to ``path``."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        writer(tmp)
    return Path(path)


def partial_folder(out: Path) -> Path:
    """A new hidden temporary folder next to ``out``, to build a folder in before
    :func:`replace_folder` moves it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))


def replace_folder(tmp: Path, out: Path) -> None:
    """Move the folder ``tmp`` to ``out``, replacing ``out`` if it exists.

    The old folder is first moved aside (next to ``out``) and removed only once the new
    one is in place; if the final rename fails it is moved back. The caller decides
    whether ``out`` may be replaced.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.replace(out, old / out.name)
    try:
        os.replace(tmp, out)
    except OSError:
        os.replace(old / out.name, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
