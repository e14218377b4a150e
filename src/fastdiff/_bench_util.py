"""Helpers shared by `fastdiff.bench` and its cases."""
from __future__ import annotations

import importlib


def have(module):
    """Whether ``module`` imports (an optional peer)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
