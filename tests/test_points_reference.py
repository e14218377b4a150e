"""fd.points (compiled layout/combine kernels) against fastdiff.reference.points
(the same algorithm with plain NumPy kernels)."""
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
    assert got.nfev == want.nfev
    scale = np.max(np.abs(want.value))
    np.testing.assert_allclose(got.value, want.value, rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_array_equal(got.success, want.success)


def test_directional_and_derivative_twins(X):
    v = np.random.default_rng(4).normal(size=n)
    np.testing.assert_allclose(fd.points.directional(f_scalar, X, v),
                               ref.points.directional(f_scalar, X, v), rtol=1e-9)
    x = np.linspace(-1, 1, 11).reshape(11, 1)
    np.testing.assert_allclose(fd.points.derivative(np.sin, x, 2),
                               ref.points.derivative(np.sin, x, 2), rtol=1e-9, atol=1e-12)


def test_twin_does_not_leak_into_compiled_calls(X):
    """The kernel choice is scoped to the reference call."""
    from fastdiff import points
    ref.points.gradient(f_scalar, X)
    assert points._KERNELS.get() is points._compiled
