"""fd.points: Accuracy against analytic derivatives, the error estimates of full_output, and
derivatives that vanish."""
import numpy as np
import pytest

from fastdiff import points as P

from _points_functions import (N_DIM, N_PTS, f_exp, f_nn, h_nn, FUNCS, FNAMES, _VEC, F_vec, J_vec,
                              H_vec, X_PTS, rel_rows, cached, _coverage)


class TestAccuracy:
    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_central(self, name):
        f, g, _ = FUNCS[name]
        G = cached("gradient", name)
        assert G.shape == (N_PTS, N_DIM)
        err = rel_rows(G, g(X_PTS))
        assert np.median(err) <= 1e-10, (name, np.median(err))
        assert err.max() <= 1e-8, (name, err.max(), X_PTS[err.argmax()])

    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_acc4(self, name):
        f, g, _ = FUNCS[name]
        err = rel_rows(P.gradient(f, X_PTS, acc=4), g(X_PTS))
        assert np.median(err) <= 1e-10, (name, np.median(err))
        assert err.max() <= 1e-8, (name, err.max())

    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_complex_step(self, name):
        f, g, _ = FUNCS[name]
        err = rel_rows(P.gradient(f, X_PTS, method="complex"), g(X_PTS))
        assert err.max() <= 1e-13, (name, err.max(), X_PTS[err.argmax()])

    @pytest.mark.parametrize("method", ["forward", "backward"])
    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_one_sided_methods(self, name, method):
        f, g, _ = FUNCS[name]
        err = rel_rows(P.gradient(f, X_PTS, method=method), g(X_PTS))
        assert np.median(err) <= 1e-8, (name, method, np.median(err))
        assert err.max() <= 1e-6, (name, method, err.max())

    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_not_adaptive(self, name):
        f, g, _ = FUNCS[name]
        err = rel_rows(P.gradient(f, X_PTS, adaptive=False), g(X_PTS))
        assert np.median(err) <= 1e-7, (name, np.median(err))

    @pytest.mark.parametrize("name", FNAMES)
    def test_hessian(self, name):
        f, _, h = FUNCS[name]
        H = cached("hessian", name)
        assert H.shape == (N_PTS, N_DIM, N_DIM)
        err = rel_rows(H, h(X_PTS))
        assert np.median(err) <= 1e-6, (name, np.median(err))
        assert err.max() <= 1e-4, (name, err.max(), X_PTS[err.argmax()])

    @pytest.mark.parametrize("kw", [{"acc": 4}, {"method": "forward"}, {"method": "backward"}],
                             ids=["acc4", "forward", "backward"])
    @pytest.mark.parametrize("name", ["exp", "tanh_net"])
    def test_hessian_other_settings(self, name, kw):
        # acc and method are common keyword arguments (SPEC); only "complex"
        # is restricted to first derivatives
        f, _, h = FUNCS[name]
        err = rel_rows(P.hessian(f, X_PTS[:50], **kw), h(X_PTS[:50]))
        assert np.median(err) <= 1e-6, (name, kw, np.median(err))

    @pytest.mark.parametrize("kw", [{"acc": 4}, {"method": "forward"}, {"method": "backward"}],
                             ids=["acc4", "forward", "backward"])
    def test_laplacian_other_settings(self, kw):
        L = P.laplacian(f_nn, X_PTS[:50], **kw)
        Ht = h_nn(X_PTS[:50])
        scale = np.abs(np.diagonal(Ht, axis1=1, axis2=2)).sum(axis=1)
        err = np.abs(L - np.trace(Ht, axis1=1, axis2=2)) / scale
        assert np.median(err) <= 1e-7, (kw, np.median(err))

    @pytest.mark.parametrize("name", FNAMES)
    def test_hessian_symmetric(self, name):
        H = cached("hessian", name)
        np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))

    @pytest.mark.parametrize("name", FNAMES)
    def test_laplacian(self, name):
        f, _, h = FUNCS[name]
        L = cached("laplacian", name)
        assert L.shape == (N_PTS,)
        Ht = h(X_PTS)
        true = np.trace(Ht, axis1=1, axis2=2)
        scale = np.abs(np.diagonal(Ht, axis1=1, axis2=2)).sum(axis=1)
        err = np.abs(L - true) / scale
        assert np.median(err) <= 1e-8, (name, np.median(err))
        assert err.max() <= 1e-6, (name, err.max(), X_PTS[err.argmax()])

    @pytest.mark.parametrize("name", FNAMES)
    def test_laplacian_is_trace_of_hessian(self, name):
        L = cached("laplacian", name)
        H = cached("hessian", name)
        scale = np.abs(np.diagonal(H, axis1=1, axis2=2)).sum(axis=1)
        np.testing.assert_array_less(np.abs(L - np.trace(H, axis1=1, axis2=2)), 1e-5 * scale)

    def test_jacobian(self):
        J = cached("jacobian", "vec")
        assert J.shape == (N_PTS, 4, N_DIM)
        err = rel_rows(J, J_vec(X_PTS))
        assert np.median(err) <= 1e-10, np.median(err)
        assert err.max() <= 1e-8, err.max()

    def test_jacobian_complex_step(self):
        err = rel_rows(P.jacobian(F_vec, X_PTS, method="complex"), J_vec(X_PTS))
        assert err.max() <= 1e-13, err.max()

    @pytest.mark.parametrize("method", ["forward", "backward"])
    def test_jacobian_one_sided(self, method):
        err = rel_rows(P.jacobian(F_vec, X_PTS, method=method), J_vec(X_PTS))
        assert np.median(err) <= 1e-8, np.median(err)

    def test_jacobian_rows_equal_gradients(self):
        J = cached("jacobian", "vec")
        for k, f in enumerate(_VEC):
            G = P.gradient(f, X_PTS)
            np.testing.assert_allclose(J[:, k, :], G, rtol=1e-9,
                                       atol=1e-10 * np.abs(G).max())

    def test_vector_hessian(self):
        H = cached("hessian", "vec")
        assert H.shape == (N_PTS, 4, N_DIM, N_DIM)
        Ht = H_vec(X_PTS)
        for k in range(4):
            err = rel_rows(H[:, k], Ht[:, k])
            assert np.median(err) <= 1e-6, (k, np.median(err))
        np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))

    def test_vector_laplacian(self):
        L = cached("laplacian", "vec")
        assert L.shape == (N_PTS, 4)
        Ht = H_vec(X_PTS)
        true = np.trace(Ht, axis1=2, axis2=3)
        scale = np.abs(np.diagonal(Ht, axis1=2, axis2=3)).sum(axis=-1)
        err = np.abs(L - true) / scale
        assert np.median(err) <= 1e-8, np.median(err)


class TestErrorEstimates:
    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_error_covers_true_error(self, name):
        f, g, _ = FUNCS[name]
        r = P.gradient(f, X_PTS, full_output=True)
        assert isinstance(r, P.Result)
        G = g(X_PTS)
        assert r.value.shape == r.error.shape == r.success.shape == G.shape
        assert r.success.dtype == bool and r.success.all()
        assert np.all(np.isfinite(r.error)) and np.all(r.error >= 0)
        # full_output does not change the value
        np.testing.assert_array_equal(r.value, cached("gradient", name))
        true_err = np.abs(r.value - G)
        scale = np.abs(G).max(axis=1, keepdims=True)
        frac, cnt = _coverage(r.error, true_err, scale, 1e-14)
        assert frac >= 0.9, (name, frac, cnt)

    def test_jacobian_error_covers_true_error(self):
        r = P.jacobian(F_vec, X_PTS, full_output=True)
        J = J_vec(X_PTS)
        assert r.value.shape == r.error.shape == r.success.shape == J.shape
        true_err = np.abs(r.value - J)
        scale = np.abs(J).max(axis=2, keepdims=True)
        frac, cnt = _coverage(r.error, true_err, scale, 1e-14)
        assert frac >= 0.9, (frac, cnt)

    @pytest.mark.parametrize("name", FNAMES)
    def test_hessian_error_covers_true_error(self, name):
        f, _, h = FUNCS[name]
        r = P.hessian(f, X_PTS, full_output=True)
        Ht = h(X_PTS)
        assert r.value.shape == r.error.shape == r.success.shape == Ht.shape
        true_err = np.abs(r.value - Ht)
        scale = np.abs(Ht).max(axis=(1, 2), keepdims=True)
        frac, cnt = _coverage(r.error, true_err, scale, 1e-12)
        assert frac >= 0.9, (name, frac, cnt)

    @pytest.mark.parametrize("name", FNAMES)
    def test_laplacian_error_covers_true_error(self, name):
        f, _, h = FUNCS[name]
        r = P.laplacian(f, X_PTS, full_output=True)
        Ht = h(X_PTS)
        true = np.trace(Ht, axis1=1, axis2=2)
        true_err = np.abs(r.value - true)
        scale = np.abs(np.diagonal(Ht, axis1=1, axis2=2)).sum(axis=1)
        frac, cnt = _coverage(r.error, true_err, scale, 1e-13)
        assert frac >= 0.9, (name, frac, cnt)

    def test_result_fields(self):
        r = P.gradient(f_exp, X_PTS[:5], full_output=True)
        assert isinstance(r.nfev, (int, np.integer)) and not isinstance(r.nfev, bool)
        step = np.asarray(r.step)
        assert step.ndim >= 1 and np.all(np.isfinite(step)) and np.all(step > 0)
        r1 = P.gradient(f_exp, X_PTS[0], full_output=True)
        assert r1.value.shape == r1.error.shape == r1.success.shape == (N_DIM,)


class TestZeroDerivative:
    def test_constant_function(self):
        const = lambda X: np.full(len(X), 3.25)
        X = X_PTS[:30]
        r = P.gradient(const, X, full_output=True)
        assert np.all(np.abs(r.value) <= 1e-12)
        assert r.success.all()
        assert np.all(np.isfinite(r.error))
        r_other = P.gradient(f_exp, X, full_output=True)
        assert r.nfev <= r_other.nfev
        rh = P.hessian(const, X, full_output=True)
        assert np.all(np.abs(rh.value) <= 1e-8) and rh.success.all()
        rl = P.laplacian(const, X, full_output=True)
        assert np.all(np.abs(rl.value) <= 1e-8) and rl.success.all()

    def test_unused_coordinates(self):
        f = lambda X: np.sum(np.sin(X[:, :5]), axis=-1)
        X = X_PTS[:30]
        r = P.gradient(f, X, full_output=True)
        assert np.all(np.abs(r.value[:, 5:]) <= 1e-12), np.abs(r.value[:, 5:]).max()
        assert r.success.all()
        err = rel_rows(r.value[:, :5], np.cos(X[:, :5]))
        assert err.max() <= 1e-8
        H = P.hessian(f, X)
        assert np.all(np.abs(H[:, 5:, :]) <= 1e-8) and np.all(np.abs(H[:, :, 5:]) <= 1e-8)
        J = P.jacobian(lambda X: np.stack([f(X), X[:, 0] * 0.0], -1), X)
        assert np.all(np.abs(J[:, 1]) <= 1e-12)

    def test_linear_function_exact(self):
        a = np.arange(1.0, N_DIM + 1)
        f = lambda X: X @ a + 2.0
        G = P.gradient(f, X_PTS[:30])
        np.testing.assert_allclose(G, np.broadcast_to(a, G.shape), rtol=1e-10)
