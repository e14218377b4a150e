"""fd.points: The behaviour contract: vectorized=False, args/kwargs, exceptions, wrong
shapes, NaN isolation, chunking, shapes, steps, derivative, directional and
bad arguments."""
import numpy as np
import pytest

from fastdiff import points as P

from _points_functions import (N_DIM, _rowsum, f_exp, g_exp, f_sincos, f_nn, g_nn, FUNCS, F_vec,
                              J_vec, X_PTS, _rowwise, f_scalar, F_scalar, X_SMALL, ERR, Counter,
                              _coverage)


class TestVectorizedFalse:
    X = X_PTS[:12, :4]

    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian"])
    def test_equals_vectorized(self, kind):
        fs = F_scalar if kind == "jacobian" else f_scalar
        v1 = getattr(P, kind)(_rowwise(fs), self.X)
        v2 = getattr(P, kind)(fs, self.X, vectorized=False)
        assert v1.shape == v2.shape
        np.testing.assert_allclose(v2, v1, rtol=1e-14, atol=1e-14 * np.abs(v1).max())

    def test_vector_hessian_equals_vectorized(self):
        v1 = P.hessian(_rowwise(F_scalar), self.X)
        v2 = P.hessian(F_scalar, self.X, vectorized=False)
        assert v1.shape == v2.shape == (12, 3, 4, 4)
        np.testing.assert_allclose(v2, v1, rtol=1e-14, atol=1e-14 * np.abs(v1).max())

    def test_single_point_arguments(self):
        seen = []

        def fs(x):
            seen.append(np.shape(x))
            return f_scalar(x)
        P.gradient(fs, self.X[:3], vectorized=False)
        assert set(seen) == {(4,)}

    def test_full_output_equal(self):
        r1 = P.gradient(_rowwise(f_scalar), self.X, full_output=True)
        r2 = P.gradient(f_scalar, self.X, vectorized=False, full_output=True)
        assert r1.nfev == r2.nfev
        np.testing.assert_allclose(r2.value, r1.value, rtol=1e-14)
        np.testing.assert_array_equal(r2.success, r1.success)


class TestArgs:
    X = X_PTS[:10, :4]

    def test_args_kwargs_gradient(self):
        vec = _rowwise(f_scalar)
        G = P.gradient(vec, self.X, args=(2.0,), kwargs={"b": 3.0})
        G_ref = P.gradient(lambda X: vec(X, 2.0, b=3.0), self.X)
        np.testing.assert_array_equal(G, G_ref)
        G0 = P.gradient(vec, self.X)
        assert not np.allclose(G, G0)
        G2 = P.gradient(f_scalar, self.X, args=(2.0,), kwargs={"b": 3.0}, vectorized=False)
        np.testing.assert_allclose(G2, G, rtol=1e-14)

    @pytest.mark.parametrize("kind", ["hessian", "laplacian", "jacobian", "directional",
                                      "derivative"])
    def test_args_kwargs_everywhere(self, kind):
        got = {}

        def f(X, a, *, b):
            got["a"], got["b"] = a, b
            X = np.asarray(X)
            if kind == "derivative":
                return np.sin(a * X) + b
            if kind == "jacobian":
                return np.stack([np.sin(a * X[:, 0]), b * X[:, 1]], -1)
            return np.sum(np.sin(a * X), axis=-1) + b
        fn = getattr(P, kind)
        extra = (np.ones(4),) if kind == "directional" else ()
        x = self.X[:, 0] if kind == "derivative" else self.X
        fn(f, x, *extra, args=(1.5,), kwargs={"b": 0.5})
        assert got == {"a": 1.5, "b": 0.5}


class MyError(Exception):
    pass


class TestExceptions:
    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian",
                                      "derivative"])
    @pytest.mark.parametrize("vectorized", [True, False])
    def test_exception_propagates_unchanged(self, kind, vectorized):
        exc = MyError("boom: f failed at some point (code 42)")

        def f(X):
            raise exc
        x = X_PTS[:5, 0] if kind == "derivative" else X_PTS[:5, :3]
        kw = {} if kind == "derivative" else {"vectorized": vectorized}
        with pytest.raises(MyError, match=r"boom: f failed at some point \(code 42\)") as info:
            getattr(P, kind)(f, x, **kw)
        assert info.value is exc

    def test_exception_later_call(self):
        # raised only after some successful evaluations (e.g. in a later chunk)
        calls = [0]

        def f(X):
            calls[0] += 1
            if calls[0] > 2:
                raise KeyError("late")
            return f_exp(X)
        with pytest.raises(KeyError, match="late"):
            P.gradient(f, X_PTS, max_memory=4096)

    def test_exception_types_kept(self):
        def f(X):
            raise ZeroDivisionError("division by zero in f")
        with pytest.raises(ZeroDivisionError, match="division by zero in f"):
            P.gradient(f, X_PTS[:3])


class TestWrongShapes:
    def _last_rows(self):
        rows = []

        def track(X):
            X = np.asarray(X)
            rows.append(X.shape[0])
            return X
        return rows, track

    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian"])
    def test_too_long(self, kind):
        rows, track = self._last_rows()

        def f(X):
            X = track(X)
            return np.zeros(len(X) + 1)
        with pytest.raises(ValueError, match="shape") as info:
            getattr(P, kind)(f, X_PTS[:5, :3])
        assert str(rows[-1]) in str(info.value), (rows[-1], str(info.value))

    def test_too_short(self):
        with pytest.raises(ValueError, match="shape"):
            P.gradient(lambda X: np.zeros(len(X) - 1), X_PTS[:5, :3])

    def test_scalar_return(self):
        with pytest.raises(ValueError, match="shape"):
            P.gradient(lambda X: 1.0, X_PTS[:5, :3])

    def test_vector_for_gradient(self):
        with pytest.raises(ValueError, match="shape"):
            P.gradient(lambda X: np.zeros((len(X), 3)), X_PTS[:5, :3])

    def test_three_d_for_jacobian(self):
        with pytest.raises(ValueError, match="shape"):
            P.jacobian(lambda X: np.zeros((len(X), 2, 2)), X_PTS[:5, :3])

    def test_wrong_rows_for_jacobian(self):
        with pytest.raises(ValueError, match="shape"):
            P.jacobian(lambda X: np.zeros((len(X) + 2, 2)), X_PTS[:5, :3])

    def test_vectorized_false_wrong_shape(self):
        with pytest.raises(ValueError, match="shape"):
            P.gradient(lambda x: np.zeros(2), X_PTS[:5, :3], vectorized=False)

    def test_wrong_dtype(self):
        with pytest.raises(ValueError):
            P.gradient(lambda X: np.array(["a"] * len(X)), X_PTS[:5, :3])

    def test_derivative_wrong_shape(self):
        with pytest.raises(ValueError, match="shape"):
            P.derivative(lambda x: np.zeros(3), np.linspace(0, 1, 7).reshape(7, 1) + np.zeros((7, 2)))


class TestNaN:
    def _points(self):
        X = X_PTS[:40].copy()
        X[17] = 10.0          # far away from the others
        return X

    @staticmethod
    def f_nan(X):
        v = f_nn(X)
        return np.where(X[:, 0] > 5.0, np.nan, v)

    @staticmethod
    def F_nan(X):
        v = F_vec(X)
        return np.where((X[:, 0] > 5.0)[:, None], np.nan, v)

    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian"])
    def test_nan_only_spoils_its_point(self, kind):
        X = self._points()
        f, fc = (self.F_nan, F_vec) if kind == "jacobian" else (self.f_nan, f_nn)
        r = getattr(P, kind)(f, X, full_output=True)
        clean = getattr(P, kind)(fc, X, full_output=True)
        bad = np.zeros(len(X), bool)
        bad[17] = True
        assert not np.isfinite(r.value[17]).any(), r.value[17]
        assert not r.success[17].any()
        assert np.isfinite(r.value[~bad]).all()
        assert r.success[~bad].all()
        np.testing.assert_array_equal(r.value[~bad], clean.value[~bad])

    def test_nan_vectorized_false(self):
        X = self._points()[:20, :4]
        fs = lambda x: np.nan if x[0] > 5 else np.sum(np.sin(x))
        r = P.gradient(fs, X, vectorized=False, full_output=True)
        assert not np.isfinite(r.value[17]).any() and not r.success[17].any()
        others = np.delete(np.arange(20), 17)
        np.testing.assert_allclose(r.value[others], np.cos(X[others]), rtol=1e-9)
        assert r.success[others].all()

    def test_nan_single_point(self):
        r = P.gradient(self.f_nan, np.full(N_DIM, 10.0), full_output=True)
        assert r.value.shape == (N_DIM,)
        assert not np.isfinite(r.value).any() and not r.success.any()


class TestChunking:
    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian"])
    def test_chunked_equals_unchunked(self, kind):
        X = X_PTS[:60]
        f = F_vec if kind == "jacobian" else f_nn
        c_big, c_small = Counter(f), Counter(f)
        r1 = getattr(P, kind)(c_big, X, full_output=True)
        r2 = getattr(P, kind)(c_small, X, max_memory=4096, full_output=True)
        np.testing.assert_array_equal(r2.value, r1.value)
        np.testing.assert_array_equal(r2.error, r1.error)
        np.testing.assert_array_equal(r2.success, r1.success)
        assert r1.nfev == r2.nfev
        assert c_small.rows == c_big.rows
        assert c_small.calls > c_big.calls
        assert c_small.max_rows < c_big.max_rows

    def test_chunked_single_point_hessian(self):
        # one point's Hessian stencil (n = 10) is larger than 4096 bytes
        a = P.hessian(f_nn, X_PTS[0], max_memory=4096)
        b = P.hessian(f_nn, X_PTS[0])
        np.testing.assert_array_equal(a, b)

    def test_chunked_vector_laplacian_and_directional(self):
        X = X_PTS[:30]
        np.testing.assert_array_equal(P.laplacian(F_vec, X, max_memory=4096),
                                      P.laplacian(F_vec, X))
        v = np.linspace(1, 2, N_DIM)
        np.testing.assert_array_equal(P.directional(F_vec, X, v, max_memory=4096),
                                      P.directional(F_vec, X, v))

    def test_chunked_derivative(self):
        x = np.linspace(-3, 3, 2000).reshape(40, 50)
        np.testing.assert_array_equal(P.derivative(np.sin, x, max_memory=4096),
                                      P.derivative(np.sin, x))


class TestShapes:
    def test_single_point_shapes(self):
        x = X_PTS[0]
        assert P.gradient(f_nn, x).shape == (N_DIM,)
        assert P.hessian(f_nn, x).shape == (N_DIM, N_DIM)
        assert np.ndim(P.laplacian(f_nn, x)) == 0
        assert P.jacobian(F_vec, x).shape == (4, N_DIM)
        assert P.hessian(F_vec, x).shape == (4, N_DIM, N_DIM)
        assert P.laplacian(F_vec, x).shape == (4,)
        assert np.ndim(P.directional(f_nn, x, np.ones(N_DIM))) == 0
        assert P.directional(F_vec, x, np.ones(N_DIM)).shape == (4,)

    def test_single_point_equals_batch_row(self):
        x = X_PTS[3]
        np.testing.assert_allclose(P.gradient(f_nn, x), P.gradient(f_nn, X_PTS[3:4])[0],
                                   rtol=1e-15)
        np.testing.assert_allclose(P.hessian(f_nn, x), P.hessian(f_nn, X_PTS[3:4])[0],
                                   rtol=1e-15)

    def test_batch_shapes(self):
        X = X_PTS[:7]
        assert P.gradient(f_nn, X).shape == (7, N_DIM)
        assert P.hessian(f_nn, X).shape == (7, N_DIM, N_DIM)
        assert P.laplacian(f_nn, X).shape == (7,)
        assert P.jacobian(F_vec, X).shape == (7, 4, N_DIM)
        assert P.laplacian(F_vec, X).shape == (7, 4)
        assert P.directional(f_nn, X, np.ones(N_DIM)).shape == (7,)
        assert P.directional(F_vec, X, np.ones((7, N_DIM))).shape == (7, 4)
        assert P.gradient(f_nn, X[:1]).shape == (1, N_DIM)

    def test_one_coordinate(self):
        f = lambda X: np.sin(X[:, 0])
        x = np.linspace(-1, 1, 9)[:, None]
        G = P.gradient(f, x)
        assert G.shape == (9, 1)
        np.testing.assert_allclose(G[:, 0], np.cos(x[:, 0]), rtol=1e-10)
        H = P.hessian(f, x)
        assert H.shape == (9, 1, 1)
        np.testing.assert_allclose(H[:, 0, 0], -np.sin(x[:, 0]), rtol=1e-6, atol=1e-7)

    def test_list_and_int_input(self):
        f = lambda X: X[:, 0] ** 2 * X[:, 1]
        G_list = P.gradient(f, [[1, 2], [3, 4]])
        G_arr = P.gradient(f, np.array([[1.0, 2.0], [3.0, 4.0]]))
        assert G_list.dtype == np.float64
        np.testing.assert_array_equal(G_list, G_arr)
        np.testing.assert_allclose(G_arr, [[4, 1], [24, 9]], rtol=1e-10)

    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian",
                                      "derivative"])
    def test_empty_batch(self, kind):
        # N = 0 points: an empty result of the right shape (NumPy convention),
        # or at least a ValueError naming x -- never an IndexError/AttributeError
        f = {"jacobian": lambda X: np.stack([X[:, 0], X[:, 1]], -1),
             "derivative": np.sin}.get(kind, lambda X: _rowsum(np.sin(X)))
        x = np.zeros((0, 4))
        expect = {"gradient": (0, 4), "hessian": (0, 4, 4), "laplacian": (0,),
                  "jacobian": (0, 2, 4), "derivative": (0, 4)}[kind]
        try:
            out = getattr(P, kind)(f, x)
        except ValueError as e:
            assert "x" in str(e)
            return
        assert out.shape == expect

    def test_input_not_modified(self):
        X = X_PTS[:5].copy()
        X0 = X.copy()
        P.gradient(f_nn, X)
        P.hessian(f_nn, X)
        np.testing.assert_array_equal(X, X0)

    def test_non_contiguous_input(self):
        big = np.asfortranarray(np.repeat(X_PTS[:8], 2, axis=0))
        X = big[::2]
        np.testing.assert_array_equal(P.gradient(f_nn, X),
                                      P.gradient(f_nn, np.ascontiguousarray(X)))


class TestStep:
    def test_fixed_step_central(self):
        X = X_PTS[:10]
        h = 1e-3
        G = P.gradient(f_exp, X, step=h, adaptive=False)
        E = np.eye(N_DIM)
        manual = np.stack([(f_exp(X + h * E[i]) - f_exp(X - h * E[i])) / (2 * h)
                           for i in range(N_DIM)], axis=1)
        np.testing.assert_allclose(G, manual, rtol=1e-9)

    def test_step_per_coordinate(self):
        X = X_PTS[:10]
        h = np.linspace(1e-4, 1e-3, N_DIM)
        G = P.gradient(f_exp, X, step=h, adaptive=False)
        E = np.eye(N_DIM)
        manual = np.stack([(f_exp(X + h[i] * E[i]) - f_exp(X - h[i] * E[i])) / (2 * h[i])
                           for i in range(N_DIM)], axis=1)
        np.testing.assert_allclose(G, manual, rtol=1e-9)

    def test_step_per_element(self):
        X = X_PTS[:10]
        h = np.full(X.shape, 1e-3)
        np.testing.assert_array_equal(P.gradient(f_exp, X, step=h, adaptive=False),
                                      P.gradient(f_exp, X, step=1e-3, adaptive=False))

    def test_user_step_for_badly_scaled_function(self):
        # f varies on a scale of 1e-6: the remedy is an absolute base step
        X = X_PTS[:10, :3] * 1e-6
        f = lambda X: _rowsum(np.sin(1e6 * X))
        r = P.gradient(f, X, step=1e-8, full_output=True)
        true = 1e6 * np.cos(1e6 * X)
        np.testing.assert_allclose(r.value, true, rtol=1e-9)
        assert r.success.all()

    @pytest.mark.parametrize("method,sign", [("forward", 1), ("backward", -1)])
    def test_one_sided_direction(self, method, sign):
        x = X_PTS[0]
        seen = []

        def f(X):
            seen.append(np.array(X, copy=True))
            return f_exp(X)
        P.gradient(f, x, method=method)
        D = sign * (np.vstack(seen) - x)
        assert np.all(D >= -1e-15), D.min()


class TestDerivative:
    x = np.random.default_rng(5).uniform(-3, 3, size=(5, 7))

    def test_sin_2d(self):
        d = P.derivative(np.sin, self.x)
        assert d.shape == (5, 7)
        np.testing.assert_allclose(d, np.cos(self.x), rtol=1e-9, atol=1e-11)
        assert np.max(np.abs(d - np.cos(self.x))) <= 1e-10

    def test_exp_3d(self):
        x = np.random.default_rng(6).uniform(-2, 2, size=(2, 3, 4))
        d = P.derivative(np.exp, x)
        assert d.shape == x.shape
        np.testing.assert_allclose(d, np.exp(x), rtol=1e-10)

    def test_scalar_x(self):
        d = P.derivative(np.exp, 1.0)
        assert np.ndim(d) == 0
        assert abs(float(d) - np.e) <= 1e-10 * np.e

    def test_one_d(self):
        x = np.linspace(0.1, 3, 50)
        np.testing.assert_allclose(P.derivative(np.log, x), 1 / x, rtol=1e-10)

    def test_order2(self):
        d2 = P.derivative(np.sin, self.x, order=2)
        assert d2.shape == (5, 7)
        assert np.max(np.abs(d2 + np.sin(self.x))) <= 1e-6 * np.max(np.abs(np.sin(self.x)))
        np.testing.assert_allclose(P.derivative(np.exp, self.x, order=2), np.exp(self.x),
                                   rtol=1e-6)

    def test_order3(self):
        d3 = P.derivative(np.sin, self.x, order=3)
        assert np.max(np.abs(d3 + np.cos(self.x))) <= 1e-4
        np.testing.assert_allclose(P.derivative(np.exp, self.x, order=3), np.exp(self.x),
                                   rtol=1e-4)

    def test_complex_step(self):
        d = P.derivative(np.sin, self.x, method="complex")
        np.testing.assert_allclose(d, np.cos(self.x), rtol=1e-13, atol=1e-15)

    @pytest.mark.parametrize("method", ["forward", "backward"])
    def test_one_sided(self, method):
        d = P.derivative(np.exp, self.x, method=method)
        np.testing.assert_allclose(d, np.exp(self.x), rtol=1e-8)

    @pytest.mark.parametrize("kw", [{"acc": 4}, {"method": "forward"}, {"method": "backward"}],
                             ids=["acc4", "forward", "backward"])
    def test_order2_other_settings(self, kw):
        np.testing.assert_allclose(P.derivative(np.exp, self.x, order=2, **kw), np.exp(self.x),
                                   rtol=1e-6)

    def test_full_output(self):
        r = P.derivative(np.exp, self.x, full_output=True)
        assert r.value.shape == r.error.shape == r.success.shape == self.x.shape
        assert r.success.all()
        true_err = np.abs(r.value - np.exp(self.x))
        frac, _ = _coverage(r.error, true_err, np.exp(self.x), 1e-14)
        assert frac >= 0.9

    def test_polynomial_orders(self):
        x = np.linspace(-1, 2, 11)
        f = lambda t: t ** 4 - 2 * t ** 3 + t
        np.testing.assert_allclose(P.derivative(f, x), 4 * x ** 3 - 6 * x ** 2 + 1,
                                   rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(P.derivative(f, x, order=2), 12 * x ** 2 - 12 * x,
                                   rtol=1e-6, atol=1e-6)


class TestDirectional:
    X = X_PTS[:50]

    @pytest.mark.parametrize("name", ["exp", "tanh_net", "rational"])
    def test_normalized(self, name):
        f, g, _ = FUNCS[name]
        v = np.linspace(-1, 2, N_DIM)
        d = P.directional(f, self.X, v)
        G = g(self.X)
        true = G @ v / np.linalg.norm(v)
        assert d.shape == (50,)
        np.testing.assert_allclose(d, true, rtol=1e-9,
                                   atol=1e-10 * np.linalg.norm(G, axis=1).max())

    def test_not_normalized(self):
        v = np.linspace(-1, 2, N_DIM)
        d = P.directional(f_nn, self.X, v, normalize=False)
        true = g_nn(self.X) @ v
        np.testing.assert_allclose(d, true, rtol=1e-9,
                                   atol=1e-10 * np.abs(true).max())

    def test_per_point_directions(self):
        V = np.random.default_rng(8).standard_normal((50, N_DIM))
        G = g_nn(self.X)
        d = P.directional(f_nn, self.X, V)
        true = np.sum(G * V, axis=1) / np.linalg.norm(V, axis=1)
        np.testing.assert_allclose(d, true, rtol=1e-9, atol=1e-10 * np.abs(true).max())
        d2 = P.directional(f_nn, self.X, V, normalize=False)
        np.testing.assert_allclose(d2, np.sum(G * V, axis=1), rtol=1e-9,
                                   atol=1e-10 * np.abs(true).max())

    def test_vector_function(self):
        v = np.linspace(1, 2, N_DIM)
        d = P.directional(F_vec, self.X, v)
        true = J_vec(self.X) @ (v / np.linalg.norm(v))
        assert d.shape == (50, 4)
        np.testing.assert_allclose(d, true, rtol=1e-9, atol=1e-10 * np.abs(true).max())

    def test_equals_gradient_dot(self):
        v = np.linspace(-1, 2, N_DIM)
        G = P.gradient(f_sincos, self.X)
        d = P.directional(f_sincos, self.X, v)
        np.testing.assert_allclose(d, G @ v / np.linalg.norm(v), rtol=1e-8,
                                   atol=1e-9 * np.abs(G).max())

    def test_complex_step(self):
        v = np.linspace(-1, 2, N_DIM)
        d = P.directional(f_nn, self.X, v, method="complex")
        np.testing.assert_allclose(d, g_nn(self.X) @ v / np.linalg.norm(v), rtol=1e-12,
                                   atol=1e-13)

    def test_single_point(self):
        x = X_PTS[0]
        v = np.ones(N_DIM)
        d = P.directional(f_exp, x, v, normalize=False)
        assert np.ndim(d) == 0
        assert abs(float(d) - g_exp(x[None])[0].sum()) <= 1e-9 * abs(g_exp(x[None])[0].sum())


class TestBadArguments:
    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian",
                                      "derivative", "directional"])
    def test_f_not_callable(self, kind):
        extra = (np.ones(3),) if kind == "directional" else ()
        with pytest.raises(ERR, match="f must be callable"):
            getattr(P, kind)(np.ones(3), X_SMALL, *extra)

    def test_x_ndim_3(self):
        with pytest.raises(ValueError, match="x"):
            P.gradient(f_exp, np.zeros((2, 3, 4)))
        with pytest.raises(ValueError, match="x"):
            P.hessian(f_exp, np.zeros((2, 3, 4)))

    @pytest.mark.parametrize("acc", [1, 3, 0, -2])
    def test_bad_acc(self, acc):
        with pytest.raises(ERR, match="acc"):
            P.gradient(f_exp, X_SMALL, acc=acc)

    def test_unknown_method(self):
        with pytest.raises(ValueError, match="method"):
            P.gradient(f_exp, X_SMALL, method="centered-ish")

    @pytest.mark.parametrize("kind", ["hessian", "laplacian"])
    def test_complex_second_derivative(self, kind):
        with pytest.raises(ValueError, match="method|complex"):
            getattr(P, kind)(f_exp, X_SMALL, method="complex")

    def test_complex_derivative_order2(self):
        with pytest.raises(ValueError, match="method|complex|order"):
            P.derivative(np.sin, np.ones(3), order=2, method="complex")

    def test_num_threads_zero(self):
        with pytest.raises(ValueError, match="num_threads"):
            P.gradient(f_exp, X_SMALL, num_threads=0)

    @pytest.mark.parametrize("mm", [0, -1])
    def test_max_memory(self, mm):
        with pytest.raises(ValueError, match="max_memory"):
            P.gradient(f_exp, X_SMALL, max_memory=mm)

    @pytest.mark.parametrize("bounds", [(1.0, 1.0), (2.0, -2.0),
                                        (np.zeros(3), np.array([1.0, 0.0, 1.0]))])
    def test_bounds_lower_ge_upper(self, bounds):
        with pytest.raises(ValueError, match="bounds"):
            P.gradient(f_exp, np.full((2, 3), 0.5), bounds=bounds)

    def test_bounds_wrong_length(self):
        with pytest.raises(ValueError, match="bounds"):
            P.gradient(f_exp, np.full((2, 3), 0.5), bounds=(np.zeros(2), np.ones(2)))

    def test_x_outside_bounds(self):
        with pytest.raises(ValueError, match="bounds|x"):
            P.gradient(f_exp, np.array([[0.5, 0.5, 1.5]]), bounds=(0.0, 1.0))
        with pytest.raises(ValueError, match="bounds|x"):
            P.gradient(f_exp, np.array([[-1e-9, 0.5, 0.5]]), bounds=(0.0, 1.0))

    def test_directional_bad_v_shape(self):
        with pytest.raises(ValueError, match="v"):
            P.directional(f_exp, X_SMALL, np.ones(4))

    def test_directional_zero_v(self):
        # a zero direction cannot be normalised: error or 0, never a silent NaN
        try:
            d = P.directional(f_exp, X_SMALL, np.zeros(3))
        except ValueError:
            return
        assert np.all(np.isfinite(d))

    def test_bad_order(self):
        with pytest.raises(ERR, match="order"):
            P.derivative(np.sin, np.ones(3), order=0)


def test_complex_valued_f_with_real_steps():
    # found by the numdifftools port: a complex f raised "f must return real
    # numbers"; Re f and Im f are now differentiated (two runs, nfev both)
    import scipy.sparse as sp
    x = np.array([[0.2, 0.5], [1.0, -0.3]])

    def f(p):
        return np.exp(1j * p[:, 0]) * p[:, 1] ** 2
    want = np.stack([1j * np.exp(1j * x[:, 0]) * x[:, 1] ** 2,
                     2 * np.exp(1j * x[:, 0]) * x[:, 1]], axis=1)
    r = P.gradient(f, x, full_output=True)
    np.testing.assert_allclose(r.value, want, rtol=1e-10)
    assert r.value.dtype == complex and r.success.all()
    assert np.all(np.abs(r.value - want) <= r.error)
    assert r.nfev == 2 * P.gradient(lambda p: np.real(f(p)), x, full_output=True).nfev
    d = P.derivative(lambda t: np.exp(2j * t), np.linspace(0, 1, 5))
    np.testing.assert_allclose(d, 2j * np.exp(2j * np.linspace(0, 1, 5)), rtol=1e-10)
    H = P.hessian(lambda p: (1 + 2j) * np.sum(p ** 3, axis=1), x[0])
    np.testing.assert_allclose(H, (1 + 2j) * np.diag(6 * x[0]), rtol=1e-7, atol=1e-9)
    S = sp.diags([np.ones(3), np.ones(4), np.ones(3)], [-1, 0, 1], format="csr")
    J = P.jacobian(lambda p: np.exp(1j * p), np.linspace(0, 1, 4), sparsity=S)
    assert J.nnz == S.nnz       # the pattern kept (explicit zeros included)
    np.testing.assert_allclose(J.diagonal(), 1j * np.exp(1j * np.linspace(0, 1, 4)), rtol=1e-10)
    with pytest.raises(ValueError, match="real-valued at real points"):
        P.gradient(f, x, method="complex")


def test_directional_steps_follow_the_coordinates_v_moves():
    # x = (1e6, 1), v = (0, 1): the step scaled with max |x| = 1e6 and the
    # value was -9.3e-5 instead of cos 1, with success=True
    f = lambda Q: np.log(Q[:, 0]) + np.sin(Q[:, 1])             # noqa: E731
    for x0 in (1e6, 1e4, 1.0):
        for fn in (P.directional, P.jvp):
            r = fn(f, [x0, 1.0], [0.0, 1.0], full_output=True)
            assert abs(r.value - np.cos(1.0)) <= r.error < 1e-10
    # a small v_j on a large x_j still moves it (weighting the scale by
    # |v_j| dropped it below x_j's ulp: 5.0 for 6.0, success=True)
    g = lambda Q: 1e8 * (Q[:, 0] - 1e6) + 3 * Q[:, 1] + Q[:, 1] ** 2    # noqa: E731
    r = P.jvp(g, [1e6, 1.0], [1e-8, 1.0], full_output=True)
    assert abs(r.value - 6.0) <= r.error < 1e-4
    # per-point user steps: each point's own (the largest step was used for all)
    r = P.directional(f, [[2.0, 1.0], [2.0, 1.0]], [1.0, 0.0],
                      step=[[1e-4, 1e-4], [0.5, 0.5]], full_output=True)
    assert r.step[0] < 1e-4 < r.step[1]


@pytest.mark.parametrize("v", [[1e155, 0.0], [3e200, 4e200], [1e-160, 0.0], [1e-170, 0.0]])
def test_directional_of_huge_and_tiny_directions(v):
    # |v|^2 overflowed (value 0, success=True) or underflowed ("the zero vector")
    g = lambda Q: np.sin(Q[:, 0]) + 3 * Q[:, 1]                 # noqa: E731
    u = np.array(v) / np.hypot(*v)
    r = P.directional(g, [1.0, 2.0], v, full_output=True)
    truth = u[0] * np.cos(1.0) + 3 * u[1]
    assert abs(r.value - truth) <= r.error < 1e-10


@pytest.mark.parametrize("kw, exc, msg", [
    ({"v": [np.nan, 1.0]}, ValueError, "v must be finite"),
    ({"v": [np.inf, 1.0]}, ValueError, "v must be finite"),
    ({"v": "ab"}, TypeError, "v must be an array of real numbers"),
    ({"v": [1j, 1.0]}, TypeError, "v must be an array of real numbers"),
    ({"v": np.ma.array([1.0, 1.0], mask=[0, 1])}, TypeError, "v is a masked array with"),
    ({"v": [0.0, 0.0]}, ValueError, "zero vector"),
    ({"v": [1.0, 0.0], "step": np.full(7, 1e-3)}, ValueError, "step must be a scalar"),
    ({"v": [1.0, 0.0], "step": [-5.0, 1e-3]}, ValueError, "step must be positive"),
])
def test_directional_argument_errors(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        P.directional(lambda Q: Q[:, 0], [1.0, 2.0], **kw)


@pytest.mark.parametrize("name, kw, exc, msg", [
    ("gradient", {"step": -1}, ValueError, "step must be positive"),
    ("hessian", {"step": -1}, ValueError, "step must be positive"),
    ("gradient", {"rtol": -1}, ValueError, "rtol must be None"),
    ("laplacian", {"bounds": 5}, TypeError, "bounds must be a pair"),
    ("jacobian", {"sparsity": "garbage"}, TypeError, "sparsity must be"),
    ("directional", {"v": [1, 2]}, ValueError, "v has shape"),
    ("jacobian", {"step": [1.0, 2.0]}, ValueError, "step must be a scalar"),
])
def test_an_empty_batch_is_checked_like_any_other(name, kw, exc, msg):
    # (N = 0 returned [] before any check)
    with pytest.raises(exc, match=msg):
        getattr(P, name)(lambda Q: np.sum(Q, axis=1), np.empty((0, 3)), **kw)


def test_empty_batches_keep_the_result_types():
    import scipy.sparse as sp
    with pytest.raises(ValueError, match="gradient needs a scalar function"):
        P.gradient(lambda Q: Q, np.empty((0, 3)))
    assert P.jacobian(lambda Q: Q, np.empty((0, 3)), sparsity=sp.eye(3)) == []
    assert P.jacobian(lambda Q: Q, np.empty((0, 3)), sparsity=sp.eye(3),
                      full_output=True).value == []
    assert P.jacobian(lambda Q: Q, np.zeros((2, 3)), sparsity=sp.eye(3))[0].shape == (3, 3)


@pytest.mark.parametrize("step", ["a", 1e-3j, True, [np.nan]])
def test_step_of_the_wrong_kind(step):
    exc = ValueError if isinstance(step, list) else TypeError
    for fn in (P.gradient, P.hessian):
        with pytest.raises(exc, match="step must be"):
            fn(lambda Q: np.sum(Q, axis=1), [1.0, 2.0], step=step)
    with pytest.raises(exc, match="step must be"):
        P.derivative(np.sin, 1.0, step=step)


def test_kwargs_max_memory_and_x_kinds():
    f = lambda Q: np.sum(Q ** 2, axis=1)                        # noqa: E731
    np.testing.assert_allclose(P.gradient(f, [1.0, 2.0], max_memory=np.inf), [2.0, 4.0])
    with pytest.raises(TypeError, match="kwargs must be None or a dict"):
        P.gradient(f, [1.0, 2.0], kwargs=[1])
    for x in ("1.0", np.array([1.0], dtype=object)):     # (as gradient: strings were parsed)
        with pytest.raises(TypeError, match="x must hold real numbers"):
            P.derivative(np.sin, x)


def test_an_unmasked_masked_v_is_its_data():
    f = lambda Q: Q[:, 0] + 2 * Q[:, 1]                           # noqa: E731
    np.testing.assert_allclose(P.directional(f, [1.0, 2.0], np.ma.array([1.0, 0.0])), 1.0)
