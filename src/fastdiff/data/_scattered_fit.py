"""`ScatteredFit`: the fit of a point cloud that is not a grid."""
from __future__ import annotations

import math

import numpy as np

from .. import _validation as V
from ._fit import Fit, Result

__all__ = ["ScatteredFit", "scattered_fit"]


def scattered_fit(cloud, vals, vector, smoothing, degree, extrapolate):
    """The fit of a point cloud that is not a grid."""
    try:
        from . import _scattered
    except ImportError as exc:   # pragma: no cover - scipy is installed in the tests
        raise ImportError("fd.data on scattered points needs scipy (pip install scipy)") \
            from exc
    N, n = cloud.shape
    if degree is None:
        degree = _scattered.default_degree(n)
    C = _scattered.n_monomials(n, degree)
    k = V.scattered_options(smoothing, degree, n, N, C, _scattered.MAX_MONOMIALS)
    if k == 0:     # the default: a fixed number of neighbours per monomial
        k = int(math.ceil(_scattered._PER_MONOMIAL * C))
    need = C + 1 if k is None else k
    V.scattered_samples(N, n, degree, need)
    is_complex = vals.dtype.kind == "c"
    if is_complex:
        vals = vals.view(np.float64).reshape(N, 2 * vals.shape[-1])
    engine = _scattered.ScatteredEngine(cloud, vals, degree, k or need, V.num_threads(None))
    V.scattered_duplicates(engine.duplicates(), cloud)
    if k is None:
        engine.k = _scattered.auto_neighbours(engine, V.num_threads(None))
    return ScatteredFit(engine, vector, is_complex, bool(extrapolate))


class ScatteredFit(Fit):
    """A `Fit` of scattered samples (see `fit`): the same methods; ``window``
    is the number of neighbours of each local fit, ``degree`` its degree."""

    def __init__(self, engine, vector, is_complex, extrapolate):
        super().__init__(engine, vector, is_complex, extrapolate)
        self.acc = None
        self.window = engine.k
        self.degree = engine.degree

    def __repr__(self):
        comps = f", {self.ncomp} components" if self._vector else ""
        return (f"<fastdiff.data.Fit: {self._engine.N} scattered points in {self.ndim}-D"
                f"{comps}, degree {self.degree}, {self.window} neighbours>")

    def _check_nodes(self, terms, *unused):
        # (the local fits' monomials have total degree <= degree: a mixed
        # derivative's total order counts, (1, 1) at degree 1 was a KeyError)
        V.data_derivative_degree(max(sum(a) for a, _ in terms), self.degree)

    def _check_chunk(self, qc, c0):
        V.data_query_chunk(qc, c0, None, "")
        if not self.extrapolate:
            from ._scattered import HULL_MAX_NDIM
            V.data_query_chunk(qc, c0, self._engine.outside(qc),
                               "the convex hull of the samples" if self.ndim <= HULL_MAX_NDIM
                               else "the bounding box of the samples")

    def _fits(self, q, terms, tail, num_threads, lower):
        nthreads = V.num_threads(num_threads)
        self._check_nodes(terms)
        e = self._engine
        if q is None:
            Q, single, check = e.points, False, None
        else:
            Q, single = V.data_queries(q, self.ndim)
            check = self._check_chunk
        M = Q.shape[0]
        size = int(np.prod(tail)) if tail else 1
        out = np.empty((M, e.m) + tuple(tail))
        out2 = np.empty((M, e.m) + tuple(tail)) if lower else None
        success = e.evaluate(Q, terms, out.reshape(-1), e.m * size, size, nthreads,
                             out2=None if out2 is None else out2.reshape(-1), check=check)
        return out, out2, success, (M,), single

    def _raw(self, q, terms, tail, num_threads, *unused):
        out, _, _, lead, single = self._fits(q, terms, tail, num_threads, False)
        return out, lead, single

    def _run(self, q, terms, tail, full_output, num_threads, keep_comp=False):
        out, out2, success, lead, single = self._fits(q, terms, tail, num_threads,
                                                      full_output)
        value = self._shape(out, lead, single, keep_comp)
        if not full_output:
            return value
        other = self._shape(out2, lead, single, keep_comp)
        err = 2.0 * np.abs(other - value) + 8 * np.finfo(float).eps * (
            np.abs(value) + np.abs(other))
        ok = success.reshape(success.shape + (1,) * (value.ndim - (0 if single else 1)))
        if single:
            ok = ok[0]
        return Result(value, err, np.isfinite(value) & np.isfinite(err) & ok)
