"""Locate the packaged ``priors/`` and ``datasets/`` folders.

In a built wheel they live at ``bayes_scaling/_data/{priors,datasets}`` (mapped there by
``pyproject.toml``); in a source checkout or editable install they are the top-level
``priors/`` and ``datasets/`` folders next to the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder holding packaged resources ``name`` (``"priors"`` or ``"datasets"``).

    Parameters
    ----------
    name : {"priors", "datasets"}
        Which resource folder.

    Returns
    -------
    pathlib.Path
        An existing directory.

    Raises
    ------
    FileNotFoundError
        If neither the wheel location nor the source-checkout location exists.
    """
    if name not in {"priors", "datasets"}:
        raise ValueError(f"unknown resource folder {name!r}; valid: 'priors', 'datasets'")
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"packaged resource folder {name!r} not found next to {_PACKAGE_DIR}; "
        "the installation is incomplete (reinstall bayes_scaling)"
    )
