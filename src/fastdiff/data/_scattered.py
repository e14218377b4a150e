"""The scattered engine of ``fd.data``: samples at arbitrary points.

Around each query point: its ``k`` nearest samples (scipy's ``cKDTree``,
queried on every core), and the weighted least-squares polynomial of degree
``p`` through them in local coordinates ``(x - q) / R`` (``R`` 1.25 times
the distance of the farthest neighbour, weights ``(1 - (d/R)^2)^2``), solved
by the batch kernel ``_kernels/_data.pyx`` (normal equations in the scaled
monomial basis, Cholesky with a pivot check).

Choices, measured on smooth functions in 1-3 D:

* degree: 4 in up to 3 dimensions (a quadratic fit's Hessian errors are
  O(h), a quartic's O(h^3)), 3 in 4-5, 2 above;
* neighbours: 1.75 times the number of monomials (61 for a quartic in 3-D;
  on 10^5 samples of sin(3x)cos(2y)exp(z) in [0, 1]^3 the median Hessian
  error was the same from 60 to 80 neighbours, and fewer is faster; 1.5x
  left too few samples near the edges for a well-conditioned quartic);
* the fit one degree lower comes from the same factorisation (the leading
  block of the normal equations in graded order): it gives the error
  estimates.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .. import _validation as V
from .._kernels import data_kernels as _k
from ._grid_engine import destinations

#: radius of the weight function, in units of the farthest neighbour's distance
_RSCALE = 1.25
#: neighbours per monomial of the fit
_PER_MONOMIAL = 1.75
#: a pivot of the normal equations below this fraction of their largest
#: diagonal entry marks the neighbourhood ill-conditioned (outputs NaN,
#: success False)
_RCOND = 1e-13
#: queries per kernel call (their neighbour lists take k * 16 bytes each)
_CHUNK = 1 << 15
MAX_MONOMIALS = 210
#: queries are checked against the samples' convex hull up to this many
#: dimensions, above it against their bounding box: qhull's hull of 2,000
#: points in 8-D took 181 s and 1.5 GB (6-D, 20,000 points: 19 s)
HULL_MAX_NDIM = 5


def default_degree(n):
    return 4 if n <= 3 else 3 if n <= 5 else 2


def monomials(n, p):
    """Exponents (C, n) of all monomials of degree <= p, in graded order
    (degree 0, then 1, ...)."""
    out = []
    for deg in range(p + 1):
        for combo in itertools.combinations_with_replacement(range(n), deg):
            e = [0] * n
            for d in combo:
                e[d] += 1
            out.append(e)
    return np.array(out, dtype=np.int32).reshape(-1, n)


def _parents(E):
    """For each monomial a >= 1 (graded order): a lower one and the variable
    that multiplies it into a (its first nonzero exponent)."""
    index = {tuple(e): a for a, e in enumerate(E.tolist())}
    par = np.zeros(len(E), dtype=np.int32)
    var = np.zeros(len(E), dtype=np.int32)
    for a, e in enumerate(E.tolist()):
        if a == 0:
            continue
        d = next(i for i, v in enumerate(e) if v)
        lower = list(e)
        lower[d] -= 1
        par[a], var[a] = index[tuple(lower)], d
    return par, var


def n_monomials(n, p):
    return math.comb(n + p, p)


class ScatteredEngine:
    """Samples ``values`` (N, m) float64 at ``points`` (N, n)."""

    def __init__(self, points, values, degree, neighbours, nthreads):
        from scipy.spatial import cKDTree
        self.points = np.ascontiguousarray(points, dtype=np.float64)
        self.values = np.ascontiguousarray(values, dtype=np.float64)
        self.N, self.n = self.points.shape
        self.m = self.values.shape[1]
        self.degree = degree
        self.k = neighbours
        self.tree = cKDTree(self.points)
        self.E = monomials(self.n, degree)
        self.par, self.var = _parents(self.E)
        self.C2 = n_monomials(self.n, degree - 1) if degree > 0 else 0
        self._hull = None
        self._nthreads = nthreads

    def duplicates(self):
        """Index pairs (i, j) of samples at the same point (first one), or None."""
        d, j = self.tree.query(self.points, k=2, workers=-1)
        same = np.flatnonzero(d[:, 1] == 0.0)
        if len(same) == 0:
            return None
        i = int(same[0])
        return i, int(j[i, 1] if j[i, 1] != i else j[i, 0])

    def outside(self, q):
        """Index of the first query outside the convex hull of the samples, or -1."""
        if self.n == 1 or self.n > HULL_MAX_NDIM:
            # (above HULL_MAX_NDIM: the samples' bounding box)
            lo, hi = self.points.min(axis=0), self.points.max(axis=0)
            bad = np.any((q < lo) | (q > hi), axis=1)
        else:
            if self._hull is None:
                from scipy.spatial import ConvexHull, QhullError
                try:
                    self._hull = ConvexHull(self.points).equations
                except QhullError:
                    raise V.flat_cloud(self.N, self.n) from None
            scale = np.abs(self.points).max() + 1.0
            # (in the kernel: a BLAS product here left OpenBLAS threads
            # spinning on the cores the fits then run on)
            return _k.outside_hull(np.ascontiguousarray(q), np.ascontiguousarray(self._hull),
                                   1e-12 * scale, self._nthreads)
        idx = np.flatnonzero(bad)
        return int(idx[0]) if len(idx) else -1

    def evaluate(self, q, terms, out, ostride, cstride, nthreads, out2=None, check=None):
        """Like GridEngine.evaluate; ``out2`` (optional) receives the fit one
        degree lower.  Returns the (M,) bool array of well-conditioned fits."""
        alphas = [tuple(int(v) for v in a) for a, _ in terms]
        index = {tuple(e): c for c, e in enumerate(self.E.tolist())}
        mono = np.array([index[a] for a in alphas], dtype=np.int32)
        fact = np.array([float(np.prod([math.factorial(v) for v in a])) for a in alphas])
        order = np.array([sum(a) for a in alphas], dtype=np.int32)
        dest, dcoef = destinations(terms)
        M = q.shape[0]
        success = np.zeros(M, dtype=np.uint8)
        no2 = np.zeros(0)
        for c0 in range(0, M, _CHUNK):
            qc = np.ascontiguousarray(q[c0:c0 + _CHUNK], dtype=np.float64)
            if check is not None:
                check(qc, c0)
            dist, nbr = self.tree.query(qc, k=self.k, workers=nthreads)
            dist = np.ascontiguousarray(dist.reshape(len(qc), self.k))
            nbr = np.ascontiguousarray(nbr.reshape(len(qc), self.k), dtype=np.intp)
            o = out[c0 * ostride:(c0 + len(qc)) * ostride]
            o2 = out2[c0 * ostride:(c0 + len(qc)) * ostride] if out2 is not None else no2
            _k.scattered_eval(self.points, self.values, qc, nbr, dist, self.E, self.par,
                              self.var, self.C2,
                              _RSCALE, mono, fact, order, dest, dcoef, o, o2, ostride,
                              cstride, _RCOND, success[c0:c0 + len(qc)],
                              1 if len(qc) < 16 else nthreads)
        return success.astype(bool)


def _fit_at(engine, Q, nbr, dist, values, degree, terms, nthreads, lower=False):
    """(M, m, len(terms)) derivatives at Q from the given neighbour lists
    (and, with ``lower``, those of the fit one degree lower, from the same
    factorisation)."""
    E = monomials(engine.n, degree)
    par, var = _parents(E)
    index = {tuple(e): c for c, e in enumerate(E.tolist())}
    mono = np.array([index[a] for a in terms], dtype=np.int32)
    fact = np.array([float(np.prod([math.factorial(v) for v in a])) for a in terms])
    order = np.array([sum(a) for a in terms], dtype=np.int32)
    P = len(terms)
    dest = np.stack([np.arange(P), np.full(P, -1)], 1).astype(np.intp)
    dcoef = np.stack([np.ones(P), np.zeros(P)], 1)
    m = values.shape[1]
    out = np.empty(len(Q) * m * P)
    out2 = np.empty(len(Q) * m * P) if lower else np.zeros(0)
    ok = np.zeros(len(Q), dtype=np.uint8)
    _k.scattered_eval(engine.points, np.ascontiguousarray(values), Q, nbr, dist, E, par, var,
                      n_monomials(engine.n, degree - 1) if degree > 0 else 0, _RSCALE, mono,
                      fact, order, dest, dcoef, out, out2, m * P, P, _RCOND, ok, nthreads)
    bad = ~ok.astype(bool)
    res = out.reshape(len(Q), m, P)
    res[bad] = np.nan
    if not lower:
        return res
    res2 = out2.reshape(len(Q), m, P)
    res2[bad] = np.nan
    return res, res2


#: sample points the automatic neighbour count is chosen on
_AUTO_QUERIES = 600


def auto_neighbours(engine, nthreads):
    """Neighbours per fit for noisy samples: the count that minimises an
    estimate of the gradient's mean squared error.

    On up to 1,500 sample points of the central region (between the 10 %
    and 90 % quantiles of every coordinate) used as queries, for counts 1.3x
    apart
    (from what a fit of degree p + 1 needs up to 150x the monomials of p):
    the squared bias is the mean squared difference between the degree-p
    and degree-(p+1) gradients, less its noise part; the variance is
    sigma^2 times the mean squared gradient of the same fits applied to unit
    Gaussian noise (the fits are linear in the values).  sigma comes from the
    leave-one-out residuals of degree-p fits on 3x the monomials, divided by
    their value on unit noise.  (Leave-one-out error of the values alone
    picks far too many neighbours for derivatives.)"""
    rng = np.random.default_rng(0)
    N, n, p = engine.N, engine.n, engine.degree
    C, C1 = n_monomials(n, p), n_monomials(n, p + 1)
    # queries among the samples of the central region (between the 10 % and
    # 90 % quantiles of every coordinate): edge neighbourhoods are one-sided
    # and would pull the choice towards the edges' needs
    lo, hi = np.quantile(engine.points, [0.1, 0.9], axis=0)
    central = np.flatnonzero(np.all((engine.points >= lo) & (engine.points <= hi), axis=1))
    pool = central if len(central) >= min(N, _AUTO_QUERIES) // 2 else np.arange(N)
    sel = rng.choice(pool, size=min(len(pool), _AUTO_QUERIES), replace=False)
    Q = np.ascontiguousarray(engine.points[sel])
    kmax = min(N - 1, 150 * C)
    cands, k = [], C1 + 2
    while k <= kmax:
        cands.append(k)
        k = max(k + 1, int(k * 1.3))
    if not cands:
        return min(N, C + 1)
    dist, nbr = engine.tree.query(Q, k=kmax + 1, workers=nthreads)
    noise = rng.standard_normal((N, 1))
    y = engine.values
    m = y.shape[1]
    both = np.ascontiguousarray(np.concatenate([y, noise], axis=1))   # one solve for both
    grad = [tuple(int(d == e) for e in range(n)) for d in range(n)]
    zero = [(0,) * n]
    # the noise level: leave-one-out residuals at 3x the monomials
    k0 = min(kmax, 3 * C)
    d0 = np.ascontiguousarray(dist[:, 1:k0 + 1])
    j0 = np.ascontiguousarray(nbr[:, 1:k0 + 1], dtype=np.intp)
    res_y = _fit_at(engine, Q, j0, d0, y, p, zero, nthreads)[:, :, 0] - y[sel]
    res_n = _fit_at(engine, Q, j0, d0, noise, p, zero, nthreads)[:, :, 0] - noise[sel]
    s2 = np.nanmean(res_y ** 2, axis=0) / np.nanmean(res_n ** 2)     # per component
    best, best_k = np.inf, cands[0]
    for k in cands:
        d = np.ascontiguousarray(dist[:, :k])
        j = np.ascontiguousarray(nbr[:, :k], dtype=np.intp)
        # degree p + 1, and degree p from the leading block of the same factor
        hi_, lo_ = _fit_at(engine, Q, j, d, both, p + 1, grad, nthreads, lower=True)
        gq, nq = hi_[:, :m], hi_[:, m:]
        gp, np_ = lo_[:, :m], lo_[:, m:]
        var = np.nanmean(np_ ** 2)
        dvar = np.nanmean((np_ - nq) ** 2)
        b2 = np.nanmean((gp - gq) ** 2, axis=(0, 2)) * n - s2 * dvar * n
        score = float(np.sum(np.maximum(b2, 0.0) + s2 * var * n))
        if np.isfinite(score) and score < best:
            best, best_k = score, k
    return int(best_k)
