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
* neighbours: twice the number of monomials (1.5x left too few samples near
  the edges of the cloud for a well-conditioned quartic; 3x blurred);
* the fit one degree lower comes from the same factorisation (the leading
  block of the normal equations in graded order): it gives the error
  estimates.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .._kernels import data_kernels as _k

#: radius of the weight function, in units of the farthest neighbour's distance
_RSCALE = 1.25
#: neighbours per monomial of the fit
_PER_MONOMIAL = 2.0
#: a pivot of the normal equations below this fraction of their largest
#: diagonal entry marks the neighbourhood ill-conditioned (outputs NaN,
#: success False)
_RCOND = 1e-13
#: queries per kernel call (their neighbour lists take k * 16 bytes each)
_CHUNK = 1 << 15
MAX_MONOMIALS = 210


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
        if self.n == 1:
            lo, hi = self.points[:, 0].min(), self.points[:, 0].max()
            bad = (q[:, 0] < lo) | (q[:, 0] > hi)
        else:
            if self._hull is None:
                from scipy.spatial import ConvexHull
                self._hull = ConvexHull(self.points).equations
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
        dest = np.full((len(terms), 2), -1, dtype=np.intp)
        dcoef = np.zeros((len(terms), 2))
        for p, (_, ds) in enumerate(terms):
            for j, (off, cf) in enumerate(ds):
                dest[p, j] = off
                dcoef[p, j] = cf
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


def auto_neighbours(engine, nthreads):
    """Neighbours per fit for noisy samples, by cross-validation.

    Leave-one-out on up to 2,000 samples: each is predicted from its k
    nearest other samples by the degree-p fit; the candidate k (1.3x apart,
    from the monomial count + 2 up to 12x it or N - 1) with the smallest
    mean squared prediction error wins.  Then scaled by 1.5: a derivative
    wants a wider neighbourhood than a value (its variance grows faster as
    the fit narrows)."""
    rng = np.random.default_rng(0)
    N = engine.N
    C = len(engine.E)
    sel = rng.choice(N, size=min(N, 2000), replace=False)
    kmax = min(N - 1, 12 * C)
    cands, k = [], C + 2
    while k <= kmax:
        cands.append(k)
        k = max(k + 1, int(k * 1.3))
    if not cands:
        return min(N - 1, C + 1)
    Q = engine.points[sel]
    dist, nbr = engine.tree.query(Q, k=cands[-1] + 1, workers=nthreads)
    terms = [((0,) * engine.n, [(0, 1.0)])]
    mono = np.zeros(1, dtype=np.int32)
    best, best_k = np.inf, cands[0]
    for k in cands:
        d = np.ascontiguousarray(dist[:, 1:k + 1])
        j = np.ascontiguousarray(nbr[:, 1:k + 1], dtype=np.intp)
        out = np.empty(len(sel) * engine.m)
        ok = np.zeros(len(sel), dtype=np.uint8)
        _k.scattered_eval(engine.points, engine.values, np.ascontiguousarray(Q), j, d,
                          engine.E, engine.par, engine.var, engine.C2, _RSCALE, mono, np.ones(1),
                          np.zeros(1, dtype=np.int32), np.array([[0, -1]], dtype=np.intp),
                          np.array([[1.0, 0.0]]), out, np.zeros(0), engine.m, 1, _RCOND, ok,
                          nthreads)
        res = out.reshape(len(sel), engine.m) - engine.values[sel]
        good = ok.astype(bool) & np.isfinite(res).all(axis=1)
        if good.sum() < len(sel) // 2:
            continue
        score = float(np.mean(res[good] ** 2))
        if score < best:
            best, best_k = score, k
    return int(min(N, math.ceil(1.5 * best_k)))
