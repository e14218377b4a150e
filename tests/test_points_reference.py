"""fd.points against fastdiff.reference.points: the twin written from the
documented step and Richardson rules, a per-point loop over fd.stencil
weights (values, error estimates and success agree to rounding)."""
import numpy as np
import pytest

import fastdiff as fd
from fastdiff import reference as ref

n = 6
A = 0.3 * np.arange(1, n + 1)


def f_scalar(p):
    return np.sum(np.exp(A * p), axis=1) + np.sum(np.sin(p[:, :-1]) * np.cos(p[:, 1:]), axis=1)


def f_vector(p):
    return np.stack([f_scalar(p), np.sum(p ** 3, axis=1), np.prod(np.cos(p), axis=1)], axis=1)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(3).uniform(-1, 1, (40, n))


CASES = [
    ("gradient", f_scalar, {}),
    ("gradient", f_scalar, {"method": "forward", "acc": 4}),
    ("gradient", f_scalar, {"adaptive": False, "bounds": (-1.0, 1.0)}),
    ("jacobian", f_vector, {}),
    ("jacobian", f_vector, {"method": "backward"}),
    ("hessian", f_scalar, {}),
    ("hessian", f_vector, {"acc": 4}),
    ("hessian", f_scalar, {"bounds": (-1.0, 1.0)}),
    ("laplacian", f_vector, {}),
    ("laplacian", f_scalar, {"method": "forward"}),
]


@pytest.mark.parametrize("name,f,kw", CASES)
def test_compiled_equals_numpy_twin(X, name, f, kw):
    got = getattr(fd.points, name)(f, X, full_output=True, **kw)
    want = getattr(ref.points, name)(f, X, full_output=True, **kw)
    scale = np.max(np.abs(want.value))
    # to rounding; where rounding moves the choice of Richardson level, the
    # two estimates still agree within their error estimates
    diff = np.abs(got.value - want.value)
    assert np.all(diff <= 1e-9 * np.abs(want.value) + 1e-12 * scale
                  + got.error + want.error), diff.max()
    assert np.mean(diff <= 1e-7 * np.abs(want.value) + 1e-12 * scale) > 0.99
    # the estimates are differences of nearly equal numbers: rounding (the
    # order of the sums) moves them, but not by more than a factor of 2
    ratio = got.error / np.where(want.error == 0, 1, want.error)
    assert np.all((ratio > 0.5) & (ratio < 2) | (np.abs(got.error - want.error) < 1e-15 * scale))
    np.testing.assert_allclose(got.step, want.step, rtol=1e-12)
    np.testing.assert_array_equal(got.success, want.success)


def test_directional_and_derivative_twins(X):
    v = np.random.default_rng(4).normal(size=n)
    np.testing.assert_allclose(fd.points.directional(f_scalar, X, v),
                               ref.points.directional(f_scalar, X, v), rtol=1e-9)
    x = np.linspace(-1, 1, 11).reshape(11, 1)
    np.testing.assert_allclose(fd.points.derivative(np.sin, x, 2),
                               ref.points.derivative(np.sin, x, 2), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("order, kw", [(3, {}), (5, {}), (7, {}),
                                       (5, {"method": "forward"}),
                                       (7, {"method": "backward"}),
                                       (4, {"bounds": (0.3, 2.5)})])
def test_high_order_derivative_twin(order, kw):
    # the step search of high orders (windows of levels), written twice
    x = np.linspace(0.3, 2.5, 23)
    with np.errstate(invalid="ignore", divide="ignore"):
        for f in (np.sin, np.log, lambda t: np.arctan(3 * t)):
            got = fd.points.derivative(f, x, order, full_output=True, **kw)
            want = ref.points.derivative(f, x, order, full_output=True, **kw)
            # (one-sided high-order stencils cancel ~1e4-fold: the order
            # of the sums moves values by a small share of their estimates)
            assert np.all(np.abs(got.value - want.value)
                          <= 1e-9 * np.abs(want.value) + 0.05 * (got.error + want.error))
            # (estimates to 10 %: the backward 7th derivative of arctan(3t)
            # at 2.2 differed by 5.6 % on another CPU, where f's own values
            # and the sums' rounding move by a few ulps; one-sided searches,
            # whose windows' estimates count their neighbours' differences
            # (`_richardson.SHIFTED`), pass more of that noise on: up to
            # 8 % here, 16.5 % for arctan's forward 7th at 1.4, and sqrt's
            # backward 6th at 0.8 took windows a level apart: estimates to
            # 25 %, one element of 23 may take another window)
            one_sided = "method" in kw
            np.testing.assert_allclose(got.error, want.error, rtol=0.25 if one_sided else 0.1)
            same = np.isclose(got.step, want.step, rtol=1e-12, atol=0)
            assert np.sum(~same) <= (1 if one_sided else 0), (x[~same], got.step[~same])


def test_directional_twin_with_mixed_scales_and_user_steps():
    # the step follows the coordinates v moves; user steps per point
    X = np.array([[1e6, 1.0, 0.5], [2.0, 3e3, -1.0], [0.1, 0.2, 0.3]])
    V_ = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 2.0], [1.0, 1.0, 1.0]])

    def f(p):
        return np.log(np.abs(p[:, 0])) + np.sin(p[:, 1]) * np.cos(p[:, 2])
    for kw in ({}, {"step": [[1e-3] * 3, [1e-2] * 3, [1e-4] * 3]}):
        got = fd.points.directional(f, X, V_, full_output=True, **kw)
        want = ref.points.directional(f, X, V_, full_output=True, **kw)
        np.testing.assert_allclose(got.value, want.value, rtol=1e-9)
        np.testing.assert_allclose(got.step, want.step, rtol=1e-12)
