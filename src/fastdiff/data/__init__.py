"""Derivatives of sampled data, at the samples or anywhere between them.

``fit(points, values)`` prepares samples on a tensor grid (coordinate
arrays, or a point cloud that is a complete grid in any row order) and
returns a `Fit` whose methods ``gradient``, ``jacobian``, ``hessian``,
``laplacian``, ``directional``, ``derivative`` and ``__call__`` (the values)
evaluate at query points or, with ``q=None``, at the samples.

Layout: ``_api`` (fit, Fit, Result), ``_grid_engine`` (what the batch kernel
``_kernels/_data.pyx`` reads).
"""
from ._api import Fit, Result, fit

__all__ = ["fit", "Fit", "Result"]
