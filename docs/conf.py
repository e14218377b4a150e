"""Sphinx configuration of fastdiff's documentation (built in the tests with
warnings as errors: ``tests/test_docs.py``)."""
import fastdiff

project = "fastdiff"
author = "the fastdiff developers"
copyright = "2026, the fastdiff developers"
version = release = fastdiff.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "api/generated/*.md"]
autosummary_generate = True
autodoc_typehints = "none"          # the numpydoc Parameters sections say it
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
myst_heading_anchors = 3
html_theme = "alabaster"
suppress_warnings = ["myst.xref_missing", "myst.header"]
