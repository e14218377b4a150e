"""Finite-difference derivatives of arrays sampled on rectilinear grids.

* the functions (``derivative``, ``gradient``, ``laplacian``, ``hessian``,
  ``divergence``, ``curl``, ``jacobian``, ``directional``, ``matrix``,
  ``laplacian_matrix``) -- each builds a plan and runs it;
* operator expressions ``D(axis, order)`` with ``+``, ``-``, ``*``, ``**``,
  callable like the functions, with ``.plan(shape, ...)`` for reuse;
* ``Plan`` -- the validated, reusable object between the API and the kernel.

Layout: ``_plan`` (AxisOp, Term, Plan, builders, matrices), ``_tables`` (1-D
operator tables), ``_execute`` (the only importer of the kernels), ``_api``
(the functions), ``_ops`` (expressions).
"""
from ._api import (curl, derivative, directional, divergence, gradient, hessian, jacobian,
                   laplacian, laplacian_matrix, matrix)
from ._ops import D, Operator
from ._plan import Plan

__all__ = ["derivative", "gradient", "laplacian", "hessian", "divergence", "curl",
           "jacobian", "directional", "matrix", "laplacian_matrix", "D", "Operator", "Plan"]
