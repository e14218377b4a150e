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
    if C > _scattered.MAX_MONOMIALS:
        raise ValueError(f"degree={degree} in {n}-D has {C} monomials; the scattered engine "
                         f"fits at most {_scattered.MAX_MONOMIALS} (lower the degree)")
    if smoothing is None:
        k = int(math.ceil(_scattered._PER_MONOMIAL * C))
    elif isinstance(smoothing, str) and smoothing == "auto":
        k = None
    else:
        w = V.data_smoothing(smoothing, 1)
        if not isinstance(w, list):
            raise ValueError(f"smoothing must be None, 'auto' or a number of neighbours, "
                             f"got {smoothing!r}")
        k = w[0]
        if k < C + 1:
            raise ValueError(f"smoothing={k} neighbours is too few for a degree-{degree} fit "
                             f"in {n}-D ({C} monomials): give at least {C + 1}")
    need = C + 1 if k is None else k
    if N < need:
        raise ValueError(f"points has {N} samples, but a degree-{degree} fit in {n}-D needs "
                         f"{need} neighbours per query (lower the degree or the smoothing)")
    is_complex = vals.dtype.kind == "c"
    if is_complex:
        vals = vals.view(np.float64).reshape(N, 2 * vals.shape[-1])
    engine = _scattered.ScatteredEngine(cloud, vals, degree, k or need, V.num_threads(None))
    dup = engine.duplicates()
    if dup is not None:
        raise ValueError(f"points {dup[0]} and {dup[1]} are the same point "
                         f"{cloud[dup[0]].tolist()}; remove or average duplicate samples")
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
        top = max(max(a) for a, _ in terms)
        if top > self.degree:
            raise ValueError(f"a {V.ordinal(top)} derivative needs degree >= {top}, got "
                             f"degree={self.degree}")

    def _check_chunk(self, qc, c0):
        finite = np.isfinite(qc).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise ValueError(f"q must be finite; query point {c0 + i} is {qc[i].tolist()}")
        if not self.extrapolate:
            i = self._engine.outside(qc)
            if i >= 0:
                raise ValueError(f"query point {c0 + i} {qc[i].tolist()} lies outside the "
                                 f"convex hull of the samples; pass extrapolate=True to "
                                 f"evaluate it anyway")

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
