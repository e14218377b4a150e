"""fd.points: Evaluation counts promised by the SPEC, bounds that are never crossed, and the
seeds' worked examples."""
import numpy as np
import pytest

from fastdiff import points as P

from _points_functions import (N_DIM, f_exp, g_exp, h_exp, f_sincos, g_sincos, h_sincos, f_log,
                              g_log, F_vec, X_PTS, rel_rows, Counter)


def _poly_like(X):
    return np.sum(np.sin(X) + 0.3 * X ** 3, axis=-1) + np.prod(np.cos(0.2 * X), axis=-1)


BOUND = {
    "gradient": lambda n: 6 * n + 1,
    "hessian": lambda n: 2 * (2 * n * n + 1),
    "laplacian": lambda n: 3 * (2 * n + 1),
}


class TestEvaluationCounts:
    @pytest.mark.parametrize("n", [1, 3, 10])
    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian"])
    def test_nfev_matches_rows_and_bound(self, kind, n):
        X = np.random.default_rng(n).uniform(-1, 1, size=(37, n))
        c = Counter(_poly_like)
        r = getattr(P, kind)(c, X, full_output=True)
        assert c.rows % len(X) == 0, (c.rows, len(X))
        assert r.nfev == c.rows // len(X), (r.nfev, c.rows, len(X))
        assert r.nfev <= BOUND[kind](n), (kind, n, r.nfev, BOUND[kind](n))

    def test_jacobian_nfev_matches_rows(self):
        c = Counter(F_vec)
        r = P.jacobian(c, X_PTS[:50], full_output=True)
        assert r.nfev == c.rows // 50 and c.rows % 50 == 0
        assert r.nfev <= 6 * N_DIM + 1

    def test_single_point_nfev(self):
        c = Counter(f_exp)
        r = P.gradient(c, X_PTS[0], full_output=True)
        assert r.nfev == c.rows
        assert r.nfev <= 6 * N_DIM + 1

    def test_nfev_vectorized_false_counts_calls(self):
        c = Counter(lambda x: f_exp(x[None])[0], vectorized=False)
        r = P.gradient(c, X_PTS[:7], vectorized=False, full_output=True)
        assert c.calls == r.nfev * 7

    def test_not_adaptive_is_cheaper(self):
        c1, c2 = Counter(f_exp), Counter(f_exp)
        r1 = P.gradient(c1, X_PTS[:20], full_output=True)
        r2 = P.gradient(c2, X_PTS[:20], adaptive=False, full_output=True)
        assert r2.nfev == c2.rows // 20
        assert r2.nfev < r1.nfev
        # the acc stencil and the two more points per coordinate of the acc + 2
        # stencil whose difference estimates the truncation error (issue 15)
        assert r2.nfev <= 4 * N_DIM + 1

    def test_complex_step_nfev(self):
        c = Counter(f_exp)
        r = P.gradient(c, X_PTS[:20], method="complex", full_output=True)
        assert r.nfev == c.rows // 20
        assert r.nfev <= 6 * N_DIM + 1

    def test_batches_do_not_grow_with_N(self):
        # f is called on whole batches: the number of calls does not depend on N
        c_small, c_big = Counter(f_exp), Counter(f_exp)
        P.gradient(c_small, X_PTS[:10])
        P.gradient(c_big, X_PTS)
        assert c_big.calls == c_small.calls
        assert c_big.calls <= 10


class TestSeeds:
    def test_gradient_x2y_3lnxy(self):
        f = lambda X: X[:, 0] ** 2 * X[:, 1] + 3 * np.log(X[:, 0] * X[:, 1])
        X = np.random.default_rng(1).uniform(0.5, 3.0, size=(50, 2))
        x, y = X.T
        expect = np.stack([2 * x * y + 3 / x, x ** 2 + 3 / y], axis=1)
        np.testing.assert_allclose(P.gradient(f, X), expect, rtol=1e-10)
        np.testing.assert_allclose(P.gradient(f, [1.0, 2.0]), [4 + 3, 1 + 1.5], rtol=1e-10)

    def test_jacobian_x2y_5x_siny(self):
        F = lambda X: np.stack([X[:, 0] ** 2 * X[:, 1], 5 * X[:, 0] + np.sin(X[:, 1])], axis=1)
        X = np.random.default_rng(2).uniform(-2, 2, size=(50, 2))
        x, y = X.T
        expect = np.stack([np.stack([2 * x * y, x ** 2], -1),
                           np.stack([np.full_like(x, 5.0), np.cos(y)], -1)], axis=1)
        J = P.jacobian(F, X)
        assert J.shape == (50, 2, 2)
        np.testing.assert_allclose(J, expect, rtol=1e-9, atol=1e-10)

    def test_hessian_cubic_at_1_2(self):
        f = lambda X: X[:, 0] ** 3 - 2 * X[:, 0] * X[:, 1] - X[:, 1] ** 6
        H = P.hessian(f, np.array([1.0, 2.0]))
        assert H.shape == (2, 2)
        expect = np.array([[6.0, -2.0], [-2.0, -480.0]])
        assert np.linalg.norm(H - expect) <= 1e-6 * np.linalg.norm(expect), H

    def test_saddle(self):
        f = lambda X: X[:, 0] ** 2 - X[:, 1] ** 2
        H = P.hessian(f, np.zeros(2))
        ev = np.linalg.eigvalsh(H)
        assert ev[0] < 0 < ev[1]
        np.testing.assert_allclose(ev, [-2.0, 2.0], rtol=1e-6)
        np.testing.assert_allclose(P.gradient(f, np.zeros(2)), 0.0, atol=1e-12)

    def test_jacobian_x2_plus_y_xy(self):
        F = lambda X: np.stack([X[:, 0] ** 2 + X[:, 1], X[:, 0] * X[:, 1]], axis=1)
        J = P.jacobian(F, np.array([1.0, 2.0]))
        assert J.shape == (2, 2)
        np.testing.assert_allclose(J, [[2.0, 1.0], [2.0, 1.0]], rtol=1e-10)

    def test_partials_x2y_sin_xy(self):
        f = lambda X: X[:, 0] ** 2 * X[:, 1] + np.sin(X[:, 0] * X[:, 1])
        X = np.random.default_rng(3).uniform(-2, 2, size=(50, 2))
        x, y = X.T
        expect = np.stack([2 * x * y + y * np.cos(x * y), x ** 2 + x * np.cos(x * y)], 1)
        G = P.gradient(f, X)
        assert np.median(rel_rows(G, expect)) <= 1e-10
        np.testing.assert_allclose(G, expect, rtol=1e-8, atol=1e-9)

    def test_paraboloid(self):
        f = lambda X: X[:, 0] ** 2 + X[:, 1] ** 2
        X = np.array([[1.0, 1.0], [0.0, 0.0], [-1.0, 2.0]])
        np.testing.assert_allclose(P.gradient(f, X), [[2, 2], [0, 0], [-2, 4]],
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(P.hessian(f, X), np.broadcast_to(2 * np.eye(2), (3, 2, 2)),
                                   rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(P.laplacian(f, X), [4.0, 4.0, 4.0], rtol=1e-8)

    def test_chain_rule(self):
        def y(X):
            u1, u2 = X[:, 0] + X[:, 1], X[:, 0] - X[:, 1]
            return u1 ** 2 + u2 ** 2
        X = np.random.default_rng(4).uniform(-3, 3, size=(20, 2))
        np.testing.assert_allclose(P.gradient(y, X), 4 * X, rtol=1e-10, atol=1e-12)

    def test_monkey_saddle(self):
        f = lambda X: X[:, 0] ** 3 - 3 * X[:, 0] * X[:, 1] ** 2
        np.testing.assert_allclose(P.gradient(f, np.zeros(2)), 0.0, atol=1e-12)
        np.testing.assert_allclose(P.hessian(f, np.zeros(2)), np.zeros((2, 2)), atol=1e-6)


def _make_boxed(lo, hi):
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)

    def check(X):
        X = np.asarray(X)
        Xr = X.real
        if not (np.all(Xr >= lo) and np.all(Xr <= hi)):
            bad = Xr[~np.all((Xr >= lo) & (Xr <= hi), axis=-1)]
            raise AssertionError(f"f evaluated outside the box at {bad[:3]}")
        return X

    def f(X):
        X = check(X)
        return f_exp(X) + f_sincos(X)

    def F(X):
        X = check(X)
        return np.stack([f_exp(X), f_sincos(X), f_log(X)], axis=-1)

    return f, F


def g_box(X):
    return g_exp(X) + g_sincos(X)


def h_box(X):
    return h_exp(X) + h_sincos(X)


def _box_points(lo, hi, rng_seed=11):
    lo = np.broadcast_to(np.asarray(lo, float), (N_DIM,))
    hi = np.broadcast_to(np.asarray(hi, float), (N_DIM,))
    rng = np.random.default_rng(rng_seed)
    X = lo + (hi - lo) * rng.random((40, N_DIM))
    # points at distances 0, 1e-9, 1e-7, 1e-6 from the bounds, in some coordinates
    for k, d in enumerate([0.0, 1e-9, 1e-7, 1e-6, 5e-7, 0.0]):
        X[2 * k, k % N_DIM] = lo[k % N_DIM] + d
        X[2 * k, (k + 3) % N_DIM] = hi[(k + 3) % N_DIM] - d
        X[2 * k + 1, :] = lo + d if k % 2 == 0 else hi - d
    X = np.vstack([X, lo, hi, np.where(np.arange(N_DIM) % 2 == 0, lo, hi)])
    return X


BOXES = {
    "unit": (0.0, 1.0),
    "arrays": (-1.0 - 0.1 * np.arange(N_DIM), 0.5 + 0.1 * np.arange(N_DIM)),
}


class TestBounds:
    @pytest.mark.parametrize("box", list(BOXES))
    @pytest.mark.parametrize("method", ["central", "forward", "backward", "complex"])
    def test_gradient_inside(self, box, method):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        r = P.gradient(f, X, bounds=(lo, hi), method=method, full_output=True)
        err = rel_rows(r.value, g_box(X))
        assert err.max() <= 1e-7, (box, method, err.max(), X[err.argmax()])
        assert r.success.all()

    @pytest.mark.parametrize("box", list(BOXES))
    def test_gradient_not_adaptive_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        err = rel_rows(P.gradient(f, X, bounds=(lo, hi), adaptive=False), g_box(X))
        assert err.max() <= 1e-5, err.max()

    @pytest.mark.parametrize("box", list(BOXES))
    def test_gradient_acc4_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        err = rel_rows(P.gradient(f, X, bounds=(lo, hi), acc=4), g_box(X))
        assert err.max() <= 1e-7, err.max()

    @pytest.mark.parametrize("box", list(BOXES))
    def test_hessian_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        H = P.hessian(f, X, bounds=(lo, hi))
        err = rel_rows(H, h_box(X))
        assert np.median(err) <= 1e-6 and err.max() <= 1e-5, (np.median(err), err.max())

    @pytest.mark.parametrize("box", list(BOXES))
    def test_laplacian_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        Ht = h_box(X)
        L = P.laplacian(f, X, bounds=(lo, hi))
        scale = np.abs(np.diagonal(Ht, axis1=1, axis2=2)).sum(axis=1)
        lerr = np.abs(L - np.trace(Ht, axis1=1, axis2=2)) / scale
        assert np.median(lerr) <= 1e-8 and lerr.max() <= 1e-5, (np.median(lerr), lerr.max())

    @pytest.mark.parametrize("box", list(BOXES))
    def test_jacobian_inside(self, box):
        lo, hi = BOXES[box]
        _, F = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        Jt = np.stack([g_exp(X), g_sincos(X), g_log(X)], axis=1)
        err = rel_rows(P.jacobian(F, X, bounds=(lo, hi)), Jt)
        assert err.max() <= 1e-7, err.max()

    @pytest.mark.parametrize("box", list(BOXES))
    def test_directional_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        v = np.linspace(-1, 1, N_DIM)
        # keep the points whose line along +-v stays in the box for a length >= 0.02
        # (at a corner the line may leave the box both ways: see the next test)
        def room(s):
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(s * v > 0, (hi - X) / (s * v), np.where(s * v < 0, (lo - X) / (s * v), np.inf))
            return t.min(axis=1)
        keep = np.maximum(room(1.0), room(-1.0)) >= 0.02
        assert keep.sum() >= 20
        X = X[keep]
        d = P.directional(f, X, v, bounds=(lo, hi))
        true = g_box(X) @ (v / np.linalg.norm(v))
        np.testing.assert_allclose(d, true, rtol=1e-7, atol=1e-7 * np.abs(g_box(X)).max())

    def test_directional_line_leaves_box_both_ways(self):
        # at the corner (0, 0) of [0, 1]^2 the line along (1, -1) leaves the box
        # in both directions: an error naming the problem, or NaN with
        # success False -- never a silent number, never a stray RuntimeWarning
        f, _ = _make_boxed(0.0, 1.0)
        g = lambda X: f(np.hstack([X, np.full((len(X), N_DIM - 2), 0.5)]))
        X = np.array([[0.0, 0.0], [0.5, 0.5]])
        try:
            r = P.directional(g, X, np.array([1.0, -1.0]), bounds=(0.0, 1.0),
                              full_output=True)
        except ValueError as e:
            assert "bound" in str(e) or "v" in str(e)
            return
        assert not np.isfinite(r.value[0]) and not r.success[0]
        assert np.isfinite(r.value[1]) and r.success[1]

    def test_one_dimensional_derivative_inside(self):
        def f(x):
            x = np.asarray(x)
            assert np.all(x.real >= 0) and np.all(x.real <= 1), x
            return np.exp(x) * np.sin(3 * x)
        x = np.array([0.0, 1e-8, 1e-6, 0.3, 1 - 1e-6, 1.0])
        d = P.derivative(f, x, bounds=(0.0, 1.0))
        true = np.exp(x) * (np.sin(3 * x) + 3 * np.cos(3 * x))
        np.testing.assert_allclose(d, true, rtol=1e-7)
        d2 = P.derivative(f, x, order=2, bounds=(0.0, 1.0))
        true2 = np.exp(x) * (-8 * np.sin(3 * x) + 6 * np.cos(3 * x))
        np.testing.assert_allclose(d2, true2, rtol=1e-5, atol=1e-5)


def test_f_is_never_called_outside_bounds():
    # x + h*offset rounded an ulp past a bound the steps were fitted to
    # reach (a Hessian at acc=6 in [0, 0.3] called f at 0.30000000000000004;
    # a 7th derivative at 1 - 1e-12 in [0, 1] at -1.1e-16)
    from fastdiff import reference as ref
    rng = np.random.default_rng(0)
    for _ in range(60):
        lo, hi = 0.0, rng.uniform(0.1, 2)
        x = rng.uniform(lo, hi, (3, 2))
        x[0, 0], x[1, 1] = lo, hi

        def f(P):
            assert P.min() >= lo and P.max() <= hi, (P.min(), P.max())
            return np.sum(np.sqrt(P) + P ** 3, axis=1)

        def f1(t):
            assert t.min() >= lo and t.max() <= hi, (t.min(), t.max())
            return np.sqrt(t)
        acc = int(rng.choice([2, 4, 6]))
        for mod in (P, ref.points):
            mod.hessian(f, x, bounds=(lo, hi), acc=acc)
            mod.laplacian(f, x, bounds=(lo, hi), acc=6)
            mod.gradient(f, x, bounds=(lo, hi), acc=4)
            mod.derivative(f1, np.r_[x[:, 0], 1e-12, hi - 1e-12], int(rng.integers(1, 8)),
                           bounds=(lo, hi))


def test_hessian_plan_keys_are_compact():
    # rows keyed by n-vectors: n = 100 at acc=4 took 13 s to plan (now the
    # nonzero offsets only); the plan is the same table as before
    from fastdiff.points import _second
    M, IDX, WT = _second.plan((0, 1, 2, 0), 4, True)
    # every row is a distinct offset vector, touching one or two axes
    assert len({tuple(r) for r in M}) == len(M)
    assert set(np.count_nonzero(M, axis=1)) <= {1, 2}
    # the weights reproduce the stencils: d2/dx0^2 of x0^2 = 2, d2/dx0dx1 of x0 x1 = 1
    X = np.vstack([np.zeros(4), M])
    for i, j, q in ((0, 0, X[:, 0] ** 2), (0, 1, X[:, 0] * X[:, 1]), (2, 3, X[:, 2] * X[:, 3])):
        np.testing.assert_allclose(np.sum(WT[i, j] * q[IDX[i, j]]), 1.0 if i != j else 2.0,
                                   atol=1e-9)
    M60 = _second.plan((0,) * 60, 4, True)[0]
    assert M60.shape == (2 * 60 * 2 + 60 * 59 // 2 * 16, 60)
