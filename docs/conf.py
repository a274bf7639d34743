"""Sphinx configuration of the bayes_scaling documentation site (``make docs``).

The site has three parts: the user guide (``guide/``), the API reference generated from the
numpydoc docstrings of the public modules (``api/``), and a gallery (``gallery/``) of the
notebooks in ``notebooks/`` and the demo report, executed at build time with the quick
sampler settings that CI's notebook tier uses (``BAYES_SCALING_QUICK=1``).
"""

from __future__ import annotations

import filecmp
import importlib
import os
import shutil
import sys
from pathlib import Path

import bayes_scaling

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

# -- Gallery execution settings -------------------------------------------------------------
# Quick sampler settings, as `make notebooks`; figures through the inline backend so that
# they are stored in the executed notebooks (MPLBACKEND=Agg would drop them).
os.environ["BAYES_SCALING_QUICK"] = "1"
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
# Public tables come from the offline mirror beside the repository, as in the tests.
_mirror = ROOT.parent / "shared" / "datasets" / "raw"
if "BAYES_SCALING_DATA_MIRROR" not in os.environ and _mirror.is_dir():
    os.environ["BAYES_SCALING_DATA_MIRROR"] = str(_mirror)

# The notebooks stay in notebooks/ (committed without outputs); the gallery executes copies
# (git-ignored). A copy is rewritten only when its notebook changed, so Sphinx and the
# execution cache see unchanged notebooks as unchanged.
_copies = DOCS / "gallery" / "notebooks"
_copies.mkdir(parents=True, exist_ok=True)
_sources = {path.name: path for path in sorted((ROOT / "notebooks").glob("*.ipynb"))}
for stale in _copies.glob("*.ipynb"):
    if stale.name not in _sources:
        stale.unlink()
for name, source in _sources.items():
    copy = _copies / name
    if not copy.exists() or not filecmp.cmp(source, copy, shallow=False):
        shutil.copyfile(source, copy)

# -- Project information --------------------------------------------------------------------
project = "bayes_scaling"
author = "bayes_scaling developers"
copyright = "2026, bayes_scaling developers"
version = release = bayes_scaling.__version__

# -- General configuration ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
root_doc = "index"
default_role = "py:obj"

# Broken cross-references are errors (`make docs` passes -n). The site is built offline, so
# there is no intersphinx inventory of the libraries the signatures and docstrings name:
# references into them (and into the standard library) are not checked. References into
# bayes_scaling itself are.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|pandas|pd|xarray|xr|matplotlib|pymc|pm|pytensor|arviz|arviz_base|"
               r"arviz_stats|arviz_plots|scipy|pathlib|collections|typing|os|datetime|json|dataclasses)"
               r"(\..*)?"),
    (r"py:class", r"(str|int|float|bool|bytes|dict|list|tuple|set|object|type|None|callable|"
                  r"Any|Path|Sequence|Mapping|Iterable|Iterator|Callable|Literal|ClassVar|"
                  r"DataFrame|Dataset|DataArray|DataTree|Figure|Axes|ndarray|array-like|"
                  r"array_like|optional|default|sequence|mapping|iterable|path|path-like|"
                  r"file-like|scalar|ArrayLike|TensorVariable|Model)"),
]

# References into bayes_scaling that Sphinx cannot resolve as written (a bare name documented
# under its public module, or an internal helper a docstring names for readers of the code)
# are resolved by _resolve_package_reference below: to the public page when the object is
# documented there, else to unlinked code text when the object exists in the package.
# A target that names nothing in the package stays a broken reference, i.e. an error.

# -- autodoc / numpydoc ---------------------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_preserve_defaults = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- MyST / MyST-NB -------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_timeout = 1800  # seconds per cell; quick settings, 2 busy cores
nb_execution_raise_on_error = True  # a failing notebook fails the build
nb_execution_show_tb = True
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}

# -- HTML -----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"bayes_scaling {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_static_path: list[str] = []
html_show_sourcelink = False


# -- References into the package --------------------------------------------------------------
def _package_object(dotted: str) -> bool:
    """Whether ``dotted`` names a module, attribute, field or annotation in bayes_scaling."""
    if not dotted.startswith("bayes_scaling"):
        return False
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            fields = getattr(obj, "__dataclass_fields__", {})
            if hasattr(obj, attr):
                obj = getattr(obj, attr)
            elif attr in fields or attr in getattr(obj, "__annotations__", {}):
                obj = None  # a dataclass field or an annotated (class) attribute
            else:
                return False
        return True
    return False


def _candidates(node) -> list[str]:
    target = node["reftarget"].lstrip("~.")
    module, cls = node.get("py:module"), node.get("py:class")
    found = [target]
    if module and cls:
        found.append(f"{module}.{cls}.{target}")
    if module:
        found.append(f"{module}.{target}")
    # the public names first: a bare name documented under the package or a public module
    found += [f"bayes_scaling.{target}"]
    found += [f"{name}.{target}" for name in sorted(sys.modules)
              if name.startswith("bayes_scaling.")]
    return list(dict.fromkeys(found))


def _resolve_package_reference(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    candidates = _candidates(node)
    for candidate in candidates:
        for role in (node["reftype"], "obj"):
            resolved = domain.resolve_xref(env, node.get("refdoc", ""), app.builder, role,
                                           candidate, node, contnode)
            if resolved is not None:
                return resolved
    if any(_package_object(candidate) for candidate in candidates):
        return contnode  # exists in the package, not in the public reference: plain code
    return None


def setup(app):
    app.connect("missing-reference", _resolve_package_reference)
