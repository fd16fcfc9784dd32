"""Sphinx configuration of eegstream's documentation (``make docs``)."""

from importlib.metadata import version as _version

project = "eegstream"
author = "the eegstream developers"
release = _version("eegstream")
version = release

extensions = [
    "myst_parser",  # the pages are Markdown
    "numpydoc",  # the docstrings are numpydoc
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# Reports and recipe figures are linked from the pages, not pages themselves.
exclude_patterns = ["_build", "**/report.md", "demo-*-report*"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # the numpydoc sections state types and shapes
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
myst_heading_anchors = 3
# No internet at build time: references to other projects stay plain text.
intersphinx_mapping: dict = {}

html_theme = "pydata_sphinx_theme"
html_title = "eegstream"
html_theme_options = {"navigation_depth": 2, "show_toc_level": 2}
