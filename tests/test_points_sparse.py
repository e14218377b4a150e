"""Sparse Jacobians by column colouring (issue "Callables at scale")."""
import numpy as np
import pytest
import scipy.sparse as sp

import fastdiff as fd


def _tridiag(n):
    return sp.diags([np.ones(n - 1), np.ones(n), np.ones(n - 1)], [-1, 0, 1], format="csr")


def _F(P):
    out = -2 * P + P ** 3
    out[:, 1:] += P[:, :-1]
    out[:, :-1] += P[:, 1:]
    return out


def _J(x):
    n = len(x)
    return sp.diags([np.ones(n - 1), -2 + 3 * x ** 2, np.ones(n - 1)], [-1, 0, 1]).toarray()


@pytest.mark.parametrize("n", [3, 7, 50])
def test_banded_patterns_get_their_optimal_colouring(n):
    S = _tridiag(n)
    c = fd.points.color_columns(S)
    assert c.max() + 1 == 3
    for band in (2, 3):                     # pentadiagonal: 5 colours, heptadiagonal: 7
        B = sp.diags([np.ones(n - abs(k)) for k in range(-band, band + 1)],
                     list(range(-band, band + 1)), format="csr") if n > band else None
        if B is not None:
            assert fd.points.color_columns(B).max() + 1 == min(n, 2 * band + 1)
    dense = S.toarray().astype(bool)
    for j in range(n):                      # no two columns of a row alike
        for i in np.flatnonzero(dense[:, j]):
            row = np.flatnonzero(dense[i])
            assert len(set(c[row])) == len(row)


@pytest.mark.parametrize("kw", [{}, {"adaptive": False}, {"method": "forward"},
                                {"acc": 4}])
def test_tridiagonal_jacobian_matches_the_truth(kw):
    x = np.random.default_rng(0).uniform(-1, 1, 40)
    S = _tridiag(40)
    J = fd.points.jacobian(_F, x, sparsity=S, **kw)
    assert sp.isspmatrix_csr(J) and J.nnz == S.nnz
    np.testing.assert_allclose(J.toarray(), _J(x), atol=1e-6 if kw.get("method") else 1e-9)
    dense = fd.points.jacobian(_F, x, **kw)
    np.testing.assert_allclose(J.toarray(), dense, atol=1e-6 if kw.get("method") else 1e-9)


def test_full_output_batches_and_reused_colours():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (3, 30))
    S = _tridiag(30)
    c = fd.points.color_columns(S)
    calls = []

    def F(P):
        calls.append(len(P))
        return _F(P)
    r = fd.points.jacobian(F, X, sparsity=S, colors=c, full_output=True)
    assert isinstance(r.value, list) and len(r.value) == 3
    for i in range(3):
        err = np.abs(r.value[i].toarray() - _J(X[i]))
        assert np.all(err <= r.error[i].toarray() + 1e-15)
        assert r.success[i].toarray()[S.toarray() != 0].all()
    assert len(calls) == 1                  # the three points in one call of F
    assert r.nfev == 1 + 3 * 3 * 2          # 3 colour groups x 3 levels x 2 points


def test_a_grid_operator_matrix_is_a_pattern():
    # the residual of a discretised PDE built with fd.grid: its plan's matrix
    # is the Jacobian's pattern, no hand-written one
    n = 25
    plan = (fd.grid.D(0) ** 2).plan((n,), spacing=0.1)
    L = plan.matrix()

    def residual(P):
        return np.stack([plan(p) for p in P]) + P ** 3
    x = np.random.default_rng(2).uniform(0, 1, n)
    J = fd.points.jacobian(residual, x, sparsity=L)
    np.testing.assert_allclose(J.toarray(), L.toarray() + np.diag(3 * x ** 2), atol=1e-7)


@pytest.mark.parametrize("kw, exc, msg", [
    ({"sparsity": np.ones((5, 4), bool)}, ValueError, r"sparsity has shape \(5, 4\)"),
    ({"sparsity": "x"}, TypeError, "sparsity must be a scipy.sparse matrix"),
    ({"colors": np.zeros(6, int)}, ValueError, "colors needs sparsity="),
    ({"sparsity": _tridiag(6), "colors": np.zeros(6, int)}, ValueError,
     "two columns that share row 0"),
    ({"sparsity": _tridiag(6), "colors": np.zeros(5, int)}, ValueError, "needs 6 colours"),
    ({"sparsity": _tridiag(6), "step": 0.1}, ValueError, "step is not used with sparsity"),
    ({"sparsity": _tridiag(6), "method": "complex"}, ValueError, "not supported with sparsity"),
    ({"sparsity": sp.eye(5, 6, format="csr")}, ValueError, "f returned 6 values per point"),
])
def test_sparsity_errors(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        fd.points.jacobian(_F, np.zeros(6), **kw)


def test_jacobian_and_hessian_vector_products():
    rng = np.random.default_rng(0)
    n = 8
    A = rng.standard_normal((n, n))
    A = A + A.T

    def f(P):
        return np.einsum("ij,jk,ik->i", P, A, P) / 2 + np.sum(np.sin(P), axis=1)
    X = rng.uniform(-1, 1, (5, n))
    v = rng.standard_normal(n)
    truth = np.stack([(A - np.diag(np.sin(x))) @ v for x in X])
    hv = fd.points.hvp(f, X, v, full_output=True)
    assert np.max(np.abs(hv.value - truth)) < 1e-7 * np.max(np.abs(truth))
    np.testing.assert_allclose(fd.points.hvp(f, X[0], v), truth[0], rtol=1e-7, atol=1e-7)
    # jvp of the gradient map = hvp; of a linear map = the matrix product
    M = rng.standard_normal((3, n))
    jv = fd.points.jvp(lambda P: P @ M.T, X, v)
    np.testing.assert_allclose(jv, np.tile(M @ v, (5, 1)), rtol=1e-9)
    calls = []

    def g(P):
        calls.append(len(P))
        return P @ M.T
    r = fd.points.jvp(g, X[0], v, full_output=True)
    assert r.nfev == sum(calls) == 7     # x and 3 levels x 2 points, whatever n
    with pytest.raises(ValueError, match="v has shape"):
        fd.points.jvp(g, X, np.ones(n + 1))


def test_poisson_residual_on_256_squared():
    # the 5-point pattern's optimum is 5 groups (largest-first greedy gave 9)
    N = 256
    plan = (fd.grid.D(0) ** 2 + fd.grid.D(1) ** 2).plan((N, N), spacing=1 / N,
                                                        boundary="constant")
    L = fd.grid.laplacian_matrix((N, N), spacing=1 / N, boundary="constant")

    def residual(P):
        return np.stack([plan(p.reshape(N, N)).ravel() for p in P]) + P ** 3
    u = np.random.default_rng(0).uniform(0, 1, N * N)
    colors = fd.points.color_columns(L)
    assert colors.max() + 1 == 5
    J = fd.points.jacobian(residual, u, sparsity=L, colors=colors)
    T = L + sp.diags(3 * u ** 2)
    assert abs(J - T).max() <= 1e-8 * abs(T).max()


def test_colouring_of_columns_sharing_many_rows():
    # the column intersection graph counted shared rows in int8: 256 shared
    # rows wrapped to 0, the edge vanished and every column got colour 0
    S = np.ones((256, 3), dtype=bool)
    assert sorted(fd.points.color_columns(S)) == [0, 1, 2]
    rng = np.random.default_rng(7)
    P = sp.random(600, 300, density=0.6, random_state=8, format="csr")
    colors = fd.points.color_columns(P)
    B = P.toarray() != 0
    for row in B:
        assert len(set(colors[row])) == row.sum()     # distinct colours in every row
    x = rng.uniform(-1, 1, 300)
    A = P.toarray()
    J = fd.points.jacobian(lambda X: np.sin(X) @ A.T, x, sparsity=P, colors=colors)
    np.testing.assert_allclose(J.toarray(), A * np.cos(x)[None, :], rtol=1e-9, atol=1e-12)


def test_colouring_kernel_matches_a_python_dsatur():
    # the Cython DSATUR against a plain-Python one (heapq, lazy deletion),
    # colour for colour, on stencil, random and banded patterns
    import heapq

    def dsatur_py(S):
        S = sp.csr_matrix(S, dtype=bool)
        G = (S.T.astype(np.int32) @ S.astype(np.int32)).tocsr()
        G.setdiag(0)
        G.eliminate_zeros()
        n = G.shape[0]
        deg = np.diff(G.indptr)
        colors = np.full(n, -1)
        seen = [set() for _ in range(n)]
        heap = [(0, -int(deg[j]), j) for j in range(n)]
        heapq.heapify(heap)
        while heap:
            s, _, j = heapq.heappop(heap)
            if colors[j] >= 0 or -s != len(seen[j]):
                continue
            c = 0
            while c in seen[j]:
                c += 1
            colors[j] = c
            for u in G.indices[G.indptr[j]:G.indptr[j + 1]]:
                if colors[u] < 0 and c not in seen[u]:
                    seen[u].add(c)
                    heapq.heappush(heap, (-len(seen[u]), -int(deg[u]), u))
        return colors
    for S in [fd.grid.laplacian_matrix((30, 40)), fd.grid.laplacian_matrix((12, 9), acc=4),
              sp.random(300, 200, density=0.05, random_state=1),
              sp.diags([np.ones(49), np.ones(50), np.ones(49)], [-1, 0, 1])]:
        np.testing.assert_array_equal(fd.points.color_columns(S), dsatur_py(S))


def test_duplicate_entries_in_the_pattern():
    # the review found it: a CSR pattern listing (0, 1) twice doubled J[0, 1]
    # and its own colouring was rejected
    S = sp.csr_matrix((np.ones(11, bool), np.array([0, 1, 1, 0, 1, 2, 1, 2, 3, 2, 3]),
                       np.array([0, 3, 6, 9, 11])), shape=(4, 4))

    def f(p):
        return np.stack([p[:, 0] ** 2 + p[:, 1], p[:, 0] + p[:, 1] ** 2 + p[:, 2],
                         p[:, 1] + p[:, 2] ** 2 + p[:, 3], p[:, 2] + p[:, 3] ** 2], 1)
    x = np.arange(1.0, 5.0)
    want = np.diag(2 * x) + np.diag(np.ones(3), 1) + np.diag(np.ones(3), -1)
    for colors in (None, fd.points.color_columns(S)):
        J = fd.points.jacobian(f, x, sparsity=S, colors=colors)
        np.testing.assert_allclose(J.toarray(), want, rtol=1e-10, atol=1e-12)


def test_masked_points_with_a_pattern_are_refused():
    xm = np.ma.masked_array([[0.3, 1.2], [1.0, -0.5]], mask=[[0, 0], [1, 0]])
    with pytest.raises(ValueError, match="carry no mask"):
        fd.points.jacobian(lambda p: p ** 2, xm, sparsity=np.ones((2, 2), bool))


def test_the_users_pattern_is_not_modified():
    # a CSR pattern with unsorted indices had them sorted in place (shared
    # with fastdiff's bool copy), which scrambled the user's values
    A = sp.csr_matrix((np.array([1.0, 2.0, 3.0]), np.array([2, 0, 1]), np.array([0, 3])),
                      shape=(1, 3))
    dense = A.toarray()
    fd.points.color_columns(A)
    fd.points.jacobian(lambda p: np.sum(p ** 2, axis=1, keepdims=True), np.ones(3), sparsity=A)
    np.testing.assert_array_equal(A.toarray(), dense)
    np.testing.assert_array_equal(A.indices, [2, 0, 1])


@pytest.mark.parametrize("form", ["int32", "int64", "explicit zero", "csc", "coo", "dense"])
def test_every_form_of_the_pattern_gives_the_same_jacobian(form):
    # canonical CSR patterns are used as given (no copy); the rest are
    # converted first: each must give the same Jacobian and entries
    n = 12
    x = np.random.default_rng(2).uniform(-1, 1, n)
    S = _tridiag(n)
    want = fd.points.jacobian(_F, x, sparsity=S).toarray()
    if form in ("int32", "int64"):
        P = S.copy()
        P.indices, P.indptr = S.indices.astype(form), S.indptr.astype(form)
        assert P.indices.dtype == form and P.indptr.dtype == form
    elif form == "explicit zero":
        # a stored zero is not in the pattern: J[0, 1] must not be computed
        P = S.copy()
        P.data[1] = 0.0
        want[0, 1] = 0.0
    elif form == "dense":
        P = S.toarray() != 0
    else:
        P = S.asformat(form)
    J = fd.points.jacobian(_F, x, sparsity=P)
    np.testing.assert_array_equal(J.toarray(), want)
    assert J.nnz == (S.nnz - 1 if form == "explicit zero" else S.nnz)


def test_a_nan_coordinate_spoils_only_its_column_step():
    # (each column steps by its own scale since 2026-12-02: a NaN spoiled
    # the step of its whole colour group before)
    x = np.linspace(-0.5, 0.5, 9)
    x[4] = np.nan
    S = _tridiag(9)
    r = fd.points.jacobian(_F, x, sparsity=S, full_output=True)
    st, pat = r.step.toarray(), S.toarray() != 0
    assert np.isnan(st[:, 4][pat[:, 4]]).all()
    others = np.delete(np.arange(9), 4)
    assert np.isfinite(st[:, others][pat[:, others]]).all()
    # rows that do not see x[4] are right in every column
    rows = [0, 1, 2, 6, 7, 8]
    J, want = r.value.toarray()[rows], _J(x)[rows]
    np.testing.assert_allclose(J, want, rtol=1e-9, atol=1e-12)
    assert np.count_nonzero(want) >= 12


def test_columns_of_one_group_step_by_their_own_scale():
    # a column at 1 grouped with one at 1e6 took the 1e6 column's step: its
    # derivative came out -9.3e-5 instead of cos(1), estimate 7e-7, success
    def F(P):
        return np.stack([np.log(P[:, 0]), np.sin(P[:, 1]), np.sin(P[:, 2]),
                         P[:, 3] ** 2], axis=1)
    for x in ([1e6, 1.0, 0.5, -3e4], [1e3, 1.0, 0.5, 0.2], [0.3, 0.2, 0.5, -0.1]):
        x = np.array(x)
        r = fd.points.jacobian(F, x, sparsity=sp.eye(4), full_output=True)
        d = fd.points.jacobian(F, x, full_output=True)
        assert fd.points.color_columns(sp.eye(4)).max() == 0      # one group
        np.testing.assert_allclose(r.value.diagonal(), d.value.diagonal(), rtol=1e-12)
        np.testing.assert_allclose(r.step.diagonal(), d.step.diagonal(), rtol=1e-12)
        np.testing.assert_allclose(r.error.diagonal(), d.error.diagonal(), rtol=0.05)
        truth = [1 / x[0], np.cos(x[1]), np.cos(x[2]), 2 * x[3]]
        assert np.all(np.abs(r.value.diagonal() - truth) <= r.error.diagonal())


def _corrupt(S, attr, pos, val):
    if isinstance(pos, slice):
        setattr(S, attr, val)          # (past scipy's constructor checks)
    else:
        getattr(S, attr)[pos] = val
    return S


def _lil_past(S):
    S.rows[0].append(7)
    S.data[0].append(1.0)
    return S


@pytest.mark.parametrize("make", [
    lambda: _corrupt(_tridiag(3)[:2], "indices", 1, 7),
    lambda: _corrupt(_tridiag(3)[:2], "indices", 1, -1),
    lambda: _corrupt(_tridiag(3)[:2], "indptr", 1, 6),
    lambda: _corrupt(_tridiag(3)[:2].tocsc(), "indices", 0, 5),
    lambda: _corrupt(_tridiag(3)[:2].tocoo(), "col", 0, 3),
    lambda: _corrupt(sp.bsr_matrix(_tridiag(4), blocksize=(2, 2)), "indices", 0, 5),
    lambda: _lil_past(_tridiag(3)[:2].tolil()),
    lambda: _corrupt(_tridiag(3)[:2].astype(float), "indptr", slice(None),
                     np.array([0.0, 2.0, 5.0]))],
    ids=["column past n", "negative column", "indptr decreasing", "csc row past m",
         "coo column past n", "bsr block past n", "lil column past n", "float indptr"])
def test_a_malformed_pattern_is_refused(make):
    # found in review: a CSR pattern listing column 7 of 3 reached the
    # colouring kernels unchecked and corrupted memory (double free); LIL
    # and BSR ones crashed in scipy's conversion or colouring
    S = make()
    for colors in (None, np.array([0, 1, 2])):
        with pytest.raises(ValueError, match="sparsity is not a valid"):
            fd.points.jacobian(lambda P: P[:, :2] * 2.0, np.ones(3), sparsity=S, colors=colors)
    with pytest.raises(ValueError, match="sparsity is not a valid"):
        fd.points.color_columns(S)


def test_pattern_fast_path_checks_the_matrix_not_its_flags():
    F = lambda P: np.stack([3 * P[:, 1], 5 * P[:, 1]], axis=1)   # noqa: E731
    # a stale cached canonical flag: row 0 lists column 1 twice after an
    # in-place edit; the duplicate is summed once, as for any pattern
    # (counted twice, J[0, 1] was 6)
    A = sp.csr_matrix(np.array([[1.0, 1.0], [0.0, 1.0]]))
    A.sum_duplicates()
    A.indices[:] = [1, 1, 1]
    J = fd.points.jacobian(F, np.zeros(2), sparsity=A)
    assert J.nnz == 2
    np.testing.assert_allclose(J.toarray(), [[0.0, 3.0], [0.0, 5.0]], atol=1e-9)
    # strided index arrays (the kernels need contiguous ones): copied first
    B = sp.csr_matrix(np.array([[1.0, 1.0], [0.0, 1.0]]))
    B.indices = np.repeat(B.indices, 2)[::2]
    assert not B.indices.flags.c_contiguous
    np.testing.assert_allclose(fd.points.jacobian(F, np.zeros(2), sparsity=B).toarray(),
                               [[0.0, 3.0], [0.0, 5.0]], atol=1e-9)
    # a canonical int32 CSR pattern is used without copying its indices
    from fastdiff.points._sparse import pattern
    C = _tridiag(8)
    assert np.shares_memory(pattern(C, 8).indices, C.indices)


def test_gather_and_conflict_kernels_take_int64_indices():
    # scipy downcasts most int64 index arrays, so call the kernels directly
    from fastdiff._kernels import _points as kern
    S = _tridiag(7)
    colors = fd.points.color_columns(S)
    value = np.random.default_rng(3).random((2, 3, 7))
    for dt in (np.int32, np.int64):
        ip, ix = S.indptr.astype(dt), S.indices.astype(dt)
        data = np.empty((2, S.nnz))
        kern.pattern_gather(value, ip, ix, colors, data, 2)
        rows = np.repeat(np.arange(7), np.diff(S.indptr))
        np.testing.assert_array_equal(data, value[:, colors[S.indices], rows])
        assert kern.colors_conflict(ip, ix, colors, 3) == (-1, True)
        assert kern.colors_conflict(ip, ix, np.zeros(7, np.int64), 1) == (0, True)
        # (colour 1 of 0..2 has no column)
        assert kern.colors_conflict(ip, ix, np.array([0, 2, 3, 0, 2, 3, 0]), 4) == (-1, False)


@pytest.mark.parametrize("dt", [np.int32, np.int64])
def test_canonical_check_kernel(dt):
    # the one pass that lets a user's CSR pattern be used without a copy
    from fastdiff._kernels import _points as kern
    a = lambda *v: np.array(v, dtype=dt)   # noqa: E731

    def canonical(ip, ix, n, data=np.empty(0)):   # (the status; no colours)
        return kern.csr_canonical_colors(ip, ix, n, np.empty(0, np.int64), 0, data, 1)[0]
    assert canonical(a(0, 2, 3), a(0, 2, 1), 3) == 2
    assert canonical(a(0, 2, 3), a(2, 0, 1), 3) == 1      # unsorted row
    assert canonical(a(0, 2, 3), a(1, 1, 1), 3) == 1      # repeated column
    assert canonical(a(0, 2, 3), a(0, 3, 1), 3) == 0      # column past n
    assert canonical(a(0, 2, 3), a(0, -1, 1), 3) == 0     # negative column
    assert canonical(a(0, 2, 1), a(0, 2, 1), 3) == 0      # indptr decreasing
    assert canonical(a(0, 2, 4), a(0, 2, 1), 3) == 0      # past the indices
    assert canonical(a(1, 2, 3), a(0, 2, 1), 3) == 0      # not from 0
    assert canonical(a(0), a(), 3) == 2                   # no rows
    assert canonical(a(0, 2, 3), a(0, 2, 1), 3, np.array([1.0, 0.0, 2.0])) == 1  # stored 0


@pytest.mark.parametrize("colors", [np.arange(4) * 10 ** 12, np.arange(4) * 1000,
                                    np.array([5, 7, 5, 9]), np.array([0, 2, 0, 2])])
def test_colours_need_not_be_numbered_from_zero(colors):
    # (10^12 raised MemoryError, 21.8 TiB; 0, 1000, ... evaluated 1001 groups)
    x = np.arange(1.0, 5.0)
    r = fd.points.jacobian(lambda P: P ** 2, x, sparsity=sp.eye(4), colors=colors,
                           full_output=True)
    k = len(np.unique(colors))
    assert r.nfev == 1 + 6 * k
    np.testing.assert_allclose(r.value.toarray(), np.diag(2 * x), rtol=1e-10)


def test_hvp_estimates_nfev_and_options():
    # the outer derivative took the inner gradient's values for float64 ones:
    # 27 % of estimates missed with adaptive=False, and nfev said 7 for 200
    rng = np.random.default_rng(1)

    def rosen(P):
        return np.sum(100 * (P[:, 1:] - P[:, :-1] ** 2) ** 2 + (1 - P[:, :-1]) ** 2, axis=1)

    def hess(x):
        n, H = len(x), np.zeros((len(x), len(x)))
        for i in range(n - 1):
            H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
            H[i, i + 1] = H[i + 1, i] = -400 * x[i]
            H[i + 1, i + 1] += 200
        return H
    for kw in ({}, {"adaptive": False}):
        cover = []
        for _ in range(40):
            x, v = rng.uniform(-1.5, 1.5, 4), rng.standard_normal(4)
            r = fd.points.hvp(rosen, x, v, full_output=True, **kw)
            cover.append(np.abs(r.value - hess(x) @ v) <= r.error)
        assert np.mean(cover) >= 0.95
    calls = []

    def counted(P):
        calls.append(len(P))
        return rosen(P)
    X = rng.uniform(-1, 1, (3, 4))
    r = fd.points.hvp(counted, X, np.ones(4), full_output=True)
    assert r.nfev >= sum(calls) / 3 > r.nfev - 9
    np.testing.assert_allclose(
        fd.points.hvp(lambda p: p[0] ** 2 * p[1], [1.0, 2.0], [1.0, 0.0], vectorized=False),
        [4.0, 2.0], rtol=1e-9)
    with pytest.raises(ValueError, match="hvp does not take method='complex'"):
        fd.points.hvp(rosen, X, np.ones(4), method="complex")
    # at the minimum (gradient 0) and in a batch led by it: accurate, covered
    # (a noise level taken from the gradient's relative error broke there)
    v = np.array([0.3, -0.7, 0.5, 1.1])
    Xs = np.array([np.ones(4), [0.5, 1.2, -0.3, 0.8]])
    for kw in ({"adaptive": False}, {}, {"rtol": 1e-8}):
        r = fd.points.hvp(rosen, Xs, v, full_output=True, **kw)
        truth = np.stack([hess(x) @ v for x in Xs])
        assert np.all(np.abs(r.value - truth) <= r.error)
        assert np.all(r.error < 1e-6 * np.abs(truth).max())
        assert r.success.all()


def test_user_colors_checked_in_one_pass_over_a_large_pattern():
    # a canonical CSR and the user's colours are checked by one kernel pass,
    # split over threads by ranges of rows: a conflict in the last range is
    # found, colours with gaps are renumbered, an unsorted CSR takes the
    # other path with the same results
    n = 30_000
    S = _tridiag(n).tocsr()
    c = fd.points.color_columns(S)
    x = np.random.default_rng(4).uniform(-1, 1, n)

    def F(P):
        out = P ** 3
        out[:, 1:] += P[:, :-1]
        out[:, :-1] -= P[:, 1:]
        return out
    J = fd.points.jacobian(F, x, sparsity=S, colors=c)
    want = sp.diags([np.ones(n - 1), 3 * x ** 2, -np.ones(n - 1)], [-1, 0, 1], format="csr")
    assert abs(J - want).max() < 1e-7          # (sparse: n^2 dense entries are 7 GB)
    gaps = fd.points.jacobian(F, x, sparsity=S, colors=10 * c)       # colours 0, 10, 20
    np.testing.assert_array_equal(gaps.data, J.data)
    bad = c.copy()
    bad[n - 5] = bad[n - 4]                     # (= the colour of column n - 7: row n - 6)
    with pytest.raises(ValueError, match=f"share row {n - 6} of sparsity"):
        fd.points.jacobian(F, x, sparsity=S, colors=bad)
    U = S.copy()
    U.indices[:2] = U.indices[1::-1]            # row 0 unsorted: not canonical
    U.has_sorted_indices = False
    assert abs(fd.points.jacobian(F, x, sparsity=U, colors=c) - J).max() == 0
    with pytest.raises(ValueError, match=f"share row {n - 6} of sparsity"):
        fd.points.jacobian(F, x, sparsity=U, colors=bad)
    # a stored zero (float data) is no entry of the pattern, with colours too
    Z = S.copy()
    Z.data[S.indptr[n // 2]] = 0.0              # row n/2's first entry
    got = fd.points.jacobian(F, x, sparsity=Z, colors=c)
    Z.eliminate_zeros()
    assert got.nnz == S.nnz - 1 and abs(got - fd.points.jacobian(F, x, sparsity=Z)).max() == 0
