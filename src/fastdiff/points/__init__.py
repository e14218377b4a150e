"""Derivatives of black-box functions at batches of points.

Points are rows: ``x`` has shape (n,) for one point or (N, n) for N points.
Every stencil point of every input point in a chunk is laid out in one
(M, n) array, f is called once per chunk, and the returned values are
combined with the stencil weights (the array f receives is reused for the
next chunk: f must not keep it after returning).  With ``adaptive=True``
(default) the derivative is computed at a short geometric sequence of steps
(h, h/2, h/4 for first derivatives) and Richardson-extrapolated; per element
the estimate with the smallest estimated error is kept.

Layout: ``_api`` (the public functions), ``_drive`` (steps per block, the
blocks, ``rtol`` refinement), ``_engine`` (blocks, the chunk loop, first
derivatives), ``_second`` (Hessians, Laplacians), ``_sparse`` (sparse
Jacobians by column colouring), ``_steps`` (step rules), ``_richardson``,
``_masks`` (masked arrays), ``_complexf`` (complex-valued f),
``_products`` (`jvp`, `hvp`), ``_evaluate`` (calling f, `Result`).
"""
from ._api import (color_columns, derivative, directional, gradient, hessian, jacobian,
                   laplacian)
from ._evaluate import Result
from ._products import hvp, jvp

__all__ = ["Result", "derivative", "gradient", "jacobian", "hessian", "laplacian",
           "directional", "color_columns", "jvp", "hvp"]
