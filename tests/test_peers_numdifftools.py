"""fd.points against numdifftools' own test suite: the cases of
numdifftools/tests/test_numdifftools.py (numdifftools 0.11.2; classes
TestDerivative, TestJacobian, TestGradient, TestHessdiag, TestHessian), the
nd.Derivative cases of test_example_functions.py, test_invalid_outputs.py and
test_jacobian_complex_validation.py, ported as fastdiff tests and compared
with the analytic derivatives the numdifftools tests hardcode (numdifftools
itself is not imported).

Convention map (numdifftools -> fastdiff), applied wherever a case uses it:
* ``nd.Derivative(f, n=k)`` -> ``derivative(f, x, order=k)``; ``nd.Gradient``,
  ``nd.Jacobian``, ``nd.Hessian`` -> ``gradient``, ``jacobian``, ``hessian``;
  ``nd.Hessdiag`` -> the diagonal of ``hessian`` (fastdiff has no Hessdiag;
  its Hessian diagonal is the central second difference along each axis);
  ``nd.directionaldiff(f, x, v)`` (v normalised) -> ``directional`` (its
  default ``normalize=True``).
* ``order`` (accuracy order of the formula) -> ``acc=2*ceil(order/2)``:
  fastdiff's acc is even, so nd's odd forward/backward orders 1 and 3 run at
  acc 2 and 4 (one order better).  ``method="central2"`` (nd's second central
  Hessian formula) -> ``"central"`` (fastdiff has one).
* ``step=`` generators: fastdiff has a base step and a short fixed sequence
  (h, h/2, h/4 for first derivatives), re-evaluated with every step scaled by
  1/4, 1/16, ... (``maxiter`` rounds, default 8) only where the
  error estimate misses ``rtol``/``atol``.  A generator reaching small steps
  is ported as that refinement towards the tolerance the test asserts:
  MinStepGenerator(num_steps=15) -> ``rtol=1e-7`` (the log case);
  MaxStepGenerator(base_step=1e-4) (15 steps, 1e-4 down to 1.4e-7) ->
  ``step=1e-4, rtol=1e-4`` at the default maxiter and at 8 (Hamiltonian).  The
  other generators (fixed exact steps in TestHessdiag.test_fixed_step,
  num_steps=10 in test_hessian_cos_x_y_at_0_0) -> the automatic steps;
  ``num_steps=1`` (one step, no extrapolation) -> ``adaptive=False``.
* numdifftools calls f with one point x (n,) (or coordinate-first (n, N)
  arrays) and reads ``x[i]``; fastdiff calls it with (M, n) rows: wrappers
  read ``X[:, i]`` and return (M,) or (M, m).  nd's batches (x of shape
  (n, N), Jacobians (m, n, N)) -> N rows ``x.T``, results (N, m, n) moved to
  nd's layout.  A matrix-valued f (issue 25) is flattened to (M, 4) and its
  Jacobian reshaped back.  Extra arguments ``df(x, a, b=2)`` -> ``args=(a,),
  kwargs=dict(b=2)``.  ``estimate``/``error_estimate`` -> ``value``/``error``:
  tolerances nd builds from its error estimate use fastdiff's.
* hypothesis-drawn points (test_derivative_of_cos_x, test_scalar_to_vector,
  TestHessdiag.test_fixed_step) -> the test's @example points plus a fixed
  seeded sample of the same range, as one batch; each element is held to the
  tolerance nd applies to it.
* Tolerances: assert_allclose's defaults (rtol=1e-7, atol=0) unless the
  numdifftools test gives others; assert_array_almost_equal(decimal=d) ->
  |error| < 1.5 * 10**-d.
* Complex x: nd rejects it for complex-step methods (ValueError); fastdiff
  never differentiates at complex x (TypeError naming the dtype).  Complex
  valued f: both differentiate it with real-step methods (fastdiff: Re f
  and Im f in two runs; this port found it missing, a ValueError); the
  real-and-imaginary-parts route is ported too, at nd's tolerance.
* Test names follow numdifftools' (prefixed with jacobian_/hessian_/hessdiag_
  where several nd classes use the same name).

Not ported (fastdiff lacks the feature, or the semantics differ):
* TestRichardson (the coefficients of ``set_richardson_rule``),
  test_default_scale, test_derivative_with_step_options (``num_extrap``; its
  assertion at x = 0 is test_fun_with_additional_parameters' first half) and
  test_step_generators.py: step generators and extrapolation rules are
  internal in fastdiff.
* ``method="multicomplex"`` (every loop over it runs the other methods;
  test_issue_39's bicomplex Gradient runs with ``"complex"``).
* n-th derivatives by complex steps (n >= 2 with "complex" in
  test_high_order_derivative_cos, test_derivative_of_cos_x and the example
  functions up to n = 10; TestHessdiag.test_complex; complex Hessians in
  test_fun_with_additional_parameters, TestHessian.test_on_scalar_function,
  test_on_vector_valued_function, test_run_hamiltonian): fastdiff's complex
  step gives first derivatives only (its ValueError is asserted once).
* n = 0 (f itself: test_infinite_functions, test_high_order_derivative_cos):
  fastdiff's order >= 1 (ValueError, asserted).
* ``final_step`` of full_output (test_jacobian_fulloutput,
  test_gradient_fulloutput): it belongs to nd's step sequence.
* the "All-NaN slice" warning and _Limit._get_arg_min (test_invalid_outputs):
  fastdiff does not warn, and the selection is internal; "f is called once
  before any perturbation" (len(calls) == 1, test_jacobian_complex_validation):
  fastdiff calls f on whole batches.
* test_limits.py (nd.Limit, nd.Residue), test_extrapolation.py (Richardson,
  Dea, EpsAlg), test_fornberg.py (fd_weights, taylor, derivatives of sampled
  data: fd.stencil's tests cover Fornberg's weights), test_multicomplex.py,
  test_nd_algopy.py (algopy AD), test_nd_scipy.py and test_nd_statsmodels.py
  (wrappers of other backends; their cases repeat test_numdifftools.py's at
  looser tolerances), test_scripts.py, test_profile_numdifftools.py.
"""
import math

import numpy as np
import pytest

from fastdiff import points as P

RTOL = 1e-7                     # numpy.testing.assert_allclose's default
METHODS = ["complex", "central", "forward", "backward"]


def acc_of(order):
    """nd's formula order -> fastdiff's even accuracy order"""
    return 2 * ((order + 1) // 2)


def rosen_rows(X):
    # numdifftools.testing.rosen (note 105, not 100), on rows
    return (1 - X[:, 0]) ** 2 + 105.0 * (X[:, 1] - X[:, 0] ** 2) ** 2


def quiet_log(x):
    # log outside its domain is NaN (without numpy's RuntimeWarning)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(x)


# --------------------------------------------------------------- TestDerivative

@pytest.mark.parametrize("v", [[1, -1], np.r_[1, -1] / np.sqrt(2)], ids=["v", "unit_v"])
def test_directional_diff(v):
    # TestDerivative.test_directional_diff and TestGradient.test_directional_diff
    x0, ref = [2, 3], 743.87633380824832
    np.testing.assert_allclose(P.directional(rosen_rows, x0, v), ref, rtol=RTOL)
    res = P.directional(rosen_rows, x0, v, full_output=True)
    np.testing.assert_allclose(res.value, ref, rtol=RTOL)
    unit = np.asarray(v, float) / np.linalg.norm(v)
    np.testing.assert_allclose(P.gradient(rosen_rows, x0) @ unit, ref, rtol=RTOL)


def test_infinite_functions():
    res = P.derivative(lambda x: np.inf * np.ones_like(x), np.zeros(1), full_output=True)
    assert np.isnan(res.value[0]) and not res.success[0]
    # nd's n = 0 returns f(0) = inf; fastdiff's order starts at 1
    with pytest.raises(ValueError, match="order"):
        P.derivative(lambda x: np.inf * np.ones_like(x), 0.0, order=0)


def test_complex_step_is_first_order_only():
    # the reason the complex cases with n >= 2 are not ported
    with pytest.raises(ValueError, match="first derivatives only"):
        P.derivative(np.cos, np.pi / 2, order=2, method="complex")


COS_HIGH = ([("complex", 1, 2)]
            + [("central", n, o) for n in range(1, 7) for o in (2, 4, 6, 8)]
            + [(m, n, o) for m in ("forward", "backward") for n in range(1, 6)
               for o in (2, 4, 6, 8)])


@pytest.mark.parametrize("method, n, order", COS_HIGH)
def test_high_order_derivative_cos(method, n, order):
    true_val = (0.0, -1.0, 0.0, 1.0, 0.0, -1.0, 0.0)[n]
    res = P.derivative(np.cos, np.pi / 2.0, order=n, acc=acc_of(order), method=method,
                       full_output=True)
    np.testing.assert_allclose(res.value, true_val, atol=1e-4)


COS_X = ([("complex", 1, 2)]
         + [("central", n, o) for n in range(1, 7) for o in (2, 4, 6)]
         + [(m, n, o) for m in ("forward", "backward") for n in range(1, 5)
            for o in (1, 2, 3, 4)])
# hypothesis' @example points of the nd test, its bounds, and a seeded sample
COS_X_POINTS = np.concatenate([
    [7.6564547238847105, 8.9428143931508, 2.2204460492503134e-14, 0.0, 10.0],
    np.linspace(0, 10, 41), np.random.default_rng(20240611).uniform(0, 10, 40)])


@pytest.mark.parametrize("method, n, order", COS_X)
def test_derivative_of_cos_x(method, n, order):
    x = COS_X_POINTS
    true_val = (-np.sin(x), -np.cos(x), np.sin(x), np.cos(x))[(n - 1) % 4]
    res = P.derivative(np.cos, x, order=n, acc=acc_of(order), method=method,
                       full_output=True)
    err = np.abs(res.value - true_val)
    tol = 1e-6 * np.abs(true_val) + 100 * res.error + 1e-14
    bad = err > tol
    assert not bad.any(), (x[bad], err[bad], res.error[bad])


FUN_ARGS = [(d, m) for d in ("Gradient", "Derivative", "Jacobian")
            for m in ("forward", "backward", "central", "complex")]
FUN_ARGS += [(d, m) for d in ("Hessdiag", "Hessian") for m in ("forward", "backward", "central")]


@pytest.mark.parametrize("dfun, method", FUN_ARGS)
def test_fun_with_additional_parameters(dfun, method):
    # issue #9: f(x, a, b=1) = b*a*x**3 at x = 0 and 1 (one batch), a = 1, b = 2
    kw = dict(method=method, args=(1.0,), kwargs=dict(b=2))
    if dfun == "Derivative":
        val = P.derivative(lambda x, a, b=1: b * a * x * x * x, np.array([0.0, 1.0]), **kw)
        assert val.shape == (2,)
    else:
        def func(X, a, b=1):
            return b * a * X[:, 0] * X[:, 0] * X[:, 0]
        X = np.array([[0.0], [1.0]])
        val = {"Gradient": P.gradient, "Jacobian": P.jacobian}.get(dfun, P.hessian)(func, X, **kw)
        assert val.shape == {"Gradient": (2, 1)}.get(dfun, (2, 1, 1))
        if dfun == "Hessdiag":
            val = np.diagonal(val, axis1=1, axis2=2)
        val = val.reshape(2)
    np.testing.assert_allclose(val[0], 0, atol=1e-13)
    np.testing.assert_allclose(val[1], 12 if dfun.startswith("Hess") else 6, rtol=RTOL)


def test_log_central_default_spoils_nothing_silently():
    # nd's default steps give NaN here; fastdiff's central stencil at the
    # default step leaves log's domain too (it returned NaN, flagged, until
    # the automatic refinement took non-finite estimates for truncation):
    # smaller steps now give 1000 to 6e-6, within the estimate
    res = P.derivative(quiet_log, np.array([0.001]), full_output=True)
    assert abs(res.value[0] - 1000.0) <= res.error[0] and res.success[0]
    assert abs(res.value[0] - 1000.0) < 1e-2


SIMPLE = [  # (name, f, x, options, truth, rtol, atol)
    ("cube", lambda x: x * x * x, 2 * np.ones((3, 2)), {}, 12.0, 1e-8, 0),   # issue 7
    ("exp", np.exp, 0.0, {}, 1.0, 1e-8, 0),
    ("sin", np.sin, np.linspace(0, 2.0 * np.pi, 13), {}, np.cos, RTOL, 1e-8),
    ("sinh_backward", np.sinh, 0.0, dict(method="backward"), 1.0, RTOL, 0),
    # MinStepGenerator(num_steps=15, offset=0, step_ratio=2) -> rtol refinement
    ("log_central", quiet_log, 0.001, dict(rtol=RTOL), 1000.0, RTOL, 0),
    ("log_forward", quiet_log, 0.001, dict(method="forward", rtol=RTOL), 1000.0, RTOL, 0),
]


@pytest.mark.parametrize("case", SIMPLE, ids=[c[0] for c in SIMPLE])
def test_simple_derivatives(case):
    # test_derivative_cube, _exp, _sin, test_backward_derivative_on_sinh,
    # test_central_and_forward_derivative_on_log
    name, f, x, kw, truth, rtol, atol = case
    val = P.derivative(f, x, **kw)
    assert np.shape(val) == np.shape(x)
    ref = truth(x) if callable(truth) else np.full(np.shape(x), truth)
    np.testing.assert_allclose(val, ref, rtol=rtol, atol=atol)


# ------------------------------------------------ test_invalid_outputs.py

@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_valid_derivatives_unchanged_by_invalid_output(method, n):
    # nd masks an output column; fastdiff's f sees one flat batch of stencil
    # points, so the invalid element is the one whose stencil lies near x = 1
    x = np.array([0.5, 1.0, 5.0])

    def masked_exp(p):
        return np.where(np.abs(p - 1.0) < 0.25, np.nan, np.exp(p))
    expected = P.derivative(np.exp, x, order=n, method=method, full_output=True)
    actual = P.derivative(masked_exp, x, order=n, method=method, full_output=True)
    assert np.isnan(actual.value[1]) and not actual.success[1]
    valid = [0, 2]
    for field in ("value", "error", "step", "success"):
        np.testing.assert_array_equal(getattr(actual, field)[valid],
                                      getattr(expected, field)[valid])


# ---------------------------------------------------------------- TestJacobian

SCALAR_TO_VECTOR_X = np.concatenate([
    [-1000.0, 1000.0, 0.0, 1e-300, -2.5e-7],
    np.linspace(-1000, 1000, 41), np.random.default_rng(68).uniform(-1000, 1000, 40)])


@pytest.mark.parametrize("method", METHODS)
def test_scalar_to_vector(method):
    # hypothesis over val in [-1000, 1000] -> a batch of N points with n = 1
    val = SCALAR_TO_VECTOR_X

    def fun(X):
        x = X[:, 0]
        return np.stack([x, x ** 2, x ** 3], axis=1)
    J = P.jacobian(fun, val[:, None], method=method)
    assert J.shape == (val.size, 3, 1)
    truth = np.stack([np.ones_like(val), 2 * val, 3 * val ** 2], axis=1)[:, :, None]
    np.testing.assert_allclose(J, truth, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_on_scalar_function(method):
    def fun(X):
        return X[:, 0] * X[:, 1] * X[:, 2] + np.exp(X[:, 0]) * X[:, 1]
    J = P.jacobian(fun, [3.0, 5.0, 7.0], method=method)
    assert J.shape == (1, 3)
    np.testing.assert_allclose(J, [[135.42768462, 41.08553692, 15.0]], rtol=RTOL)


@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("method", METHODS)
def test_jacobian_on_vector_valued_function(method, order):
    xdata = np.arange(0, 1, 0.1)
    ydata = 1 + 2 * np.exp(0.75 * xdata)

    def fun(C):
        return (C[:, :1] + C[:, 1:2] * np.exp(C[:, 2:3] * xdata) - ydata) ** 2
    J = P.jacobian(fun, [1, 2, 0.75], method=method, acc=acc_of(order))   # numerically 0
    np.testing.assert_allclose(J, np.zeros((ydata.size, 3)), atol=1e-12)


def test_on_matrix_valued_function():
    def fun(X):
        return np.stack([X[:, 0] ** 2 + X[:, 1] ** 2, X[:, 0] ** 3 + X[:, 1] ** 3], axis=1)

    def dfun(x):    # nd's layout: x (n, N...) -> (m, n, N...)
        x = np.asarray(x, float)
        return np.array([[2 * x[0], 2 * x[1]], [3 * x[0] ** 2, 3 * x[1] ** 2]])
    for x, tv in [([1, 2], [[2.0, 4.0], [3.0, 12.0]]), ([3, 4], [[6.0, 8.0], [27.0, 48.0]])]:
        np.testing.assert_allclose(P.jacobian(fun, x), tv, rtol=RTOL)
        np.testing.assert_allclose(P.jacobian(fun, x), dfun(x), rtol=RTOL)
    # nd's coordinate-first batches: x (n, N) -> rows x.T; (N, m, n) -> (m, n, N)
    tval0 = [[[2.0, 4.0], [6.0, 8.0]], [[3.0, 12.0], [27.0, 48.0]]]
    tval = [[[2.0, 4.0, 6.0, 8.0], [10.0, 12.0, 14.0, 16.0]],
            [[3.0, 12.0, 27.0, 48.0], [75.0, 108.0, 147.0, 192.0]]]
    for x, tv in [([[1, 2], [3, 4]], tval0), ([(1, 2, 3, 4), (5, 6, 7, 8)], tval)]:
        np.testing.assert_allclose(dfun(x), tv)
        J = P.jacobian(fun, np.asarray(x, float).T)
        assert J.shape == (len(x[0]), 2, 2)
        np.testing.assert_allclose(np.moveaxis(J, 0, -1), tv, rtol=RTOL)


@pytest.mark.parametrize("as_column", [True, False], ids=["(M,1)", "(M,)"])
def test_issue_68(as_column):
    # a function of shape (1,): fastdiff's (M, 1), and (M,) which counts as m = 1
    def fun(X):
        y = np.sum(X ** 2, axis=1) - 1
        return y[:, None] if as_column else y
    J = P.jacobian(fun, np.array([1.0, 2]))
    assert J.shape == (1, 2)
    np.testing.assert_allclose(J, [[2.0, 4.0]], rtol=RTOL)


def test_issue_25():
    # matrix-valued g: (2, 2) per point -> 4 columns, Jacobian reshaped back
    def g_fun(X):
        return np.concatenate([X, X], axis=1)        # out[0] = x, out[1] = x
    dg = P.jacobian(g_fun, np.array([1.0, 2.0])).reshape(2, 2, 2)
    np.testing.assert_allclose(dg, [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]],
                               rtol=RTOL, atol=0)

    def fun3(X):
        x0, x1, x2 = X.T
        return np.stack([x0 * x1 * x2 ** 2, x0 * x1 * x2], axis=1)
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).T     # nd: 2 points as columns
    tv = [[[18.0, 180.0], [9.0, 144.0], [12.0, 240.0]], [[6.0, 30.0], [3.0, 24.0], [2.0, 20.0]]]
    J = P.jacobian(fun3, x.T)                                # (N, m, n)
    np.testing.assert_allclose(np.moveaxis(J, 0, -1), tv, rtol=RTOL)


@pytest.mark.parametrize("n, method", [(500, m) for m in METHODS] + [(1000, "complex")])
def test_issue_27(n, method):
    # test_issue_27a/b (memory): exact zeros off the diagonal (atol=0)
    x = np.ones(n)
    J = P.jacobian(lambda X: X ** 2, x, method=method)
    np.testing.assert_allclose(J, 2 * np.diag(np.ones(n)), rtol=RTOL, atol=0)


@pytest.mark.parametrize("dfun", ["jacobian", "gradient"])
def test_fulloutput(dfun):
    # test_jacobian_fulloutput and test_gradient_fulloutput (issue 52):
    # f(x, y) = x + y at x = 1, y = 3.  Convention: nd asks an error estimate
    # below 1e-13; fastdiff's estimates include the rounding of f (= 4) over
    # the stencil (issue "Accuracy"), 2.8e-12 at the automatic steps, while
    # the value is 1 - 1.5e-13 (nd's bound would not cover that error); the
    # port asks the estimate to cover the error and stay at that rounding floor
    res = getattr(P, dfun)(lambda X, y: X[:, 0] + y, np.array([1.0]), args=(3,),
                           full_output=True)
    np.testing.assert_allclose(res.value, 1 if dfun == "gradient" else [[1]], rtol=RTOL)
    assert np.all(np.abs(res.value - 1) <= res.error) and np.all(res.error < 1e-11)


# ---------------------------------------------------------------- TestGradient

@pytest.mark.parametrize("method", ["complex", "central"])
def test_issue_39(method):
    # nd's bicomplex (multicomplex) Gradient; fastdiff's complex step, and central
    def fun(X):
        return 1.0 / (np.exp(X[:, 0]) + np.cos(X[:, 1]) + 10)
    np.testing.assert_allclose(P.gradient(fun, [1.0, 2.0], method=method),
                               [-0.017961123762187736, 0.0060082083648822], rtol=RTOL)


@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("method", METHODS)
def test_gradient(method, order):
    d = P.gradient(lambda X: np.sum(X ** 2, axis=1), [1, 2, 3], method=method,
                   acc=acc_of(order))
    np.testing.assert_allclose(d, [2.0, 4.0, 6.0], rtol=RTOL)


# ---------------------------------------------------------------- TestHessdiag

def hessdiag_fun(X):
    return X[:, 0] + X[:, 1] ** 2 + X[:, 2] ** 3


def hessdiag_true(x):
    x = np.atleast_2d(x)
    return np.stack([np.zeros(len(x)), np.full(len(x), 2.0), 6 * x[:, 2]], axis=1)


HESSDIAG_CASES = [(m, o) for o in (2, 4, 6) for m in ("central", "forward", "backward")]
# hypothesis over [-100, 100]^3 -> its @example points and a seeded sample
HESSDIAG_POINTS = np.concatenate([
    [(0.0, 16.003907623933742, 68.02057249966789), (1, 2, 3),
     (1.2009289063e-314, 1.2009289063e-314, 1.2009289063e-314),
     (88.01663712016305, 88.01663712016305, 88.01663712016305),
     (0.0, 19.945812226807096, 54.11322414875562)],
    np.random.default_rng(3).uniform(-100, 100, (30, 3))])


@pytest.mark.parametrize("method, order", HESSDIAG_CASES)
def test_hessdiag_fixed_step(method, order):
    # nd's fixed MinStepGenerator -> fastdiff's automatic step (see the map)
    x = HESSDIAG_POINTS
    res = P.hessian(hessdiag_fun, x, method=method, acc=order, full_output=True)
    val = np.diagonal(res.value, axis1=1, axis2=2)
    err = np.diagonal(res.error, axis1=1, axis2=2)
    for i in range(len(x)):      # nd: atol = 100 * max(error_estimate), per point
        np.testing.assert_allclose(val[i], hessdiag_true(x[i])[0], rtol=1e-5,
                                   atol=100 * err[i].max(), err_msg=str(x[i]))


@pytest.mark.parametrize("method, order", HESSDIAG_CASES)
def test_hessdiag_default_step(method, order):
    res = P.hessian(hessdiag_fun, [1, 2, 3], method=method, acc=order, full_output=True)
    val, err = np.diagonal(res.value), np.diagonal(res.error)
    tol = min(1e-8, err.max())
    np.testing.assert_allclose(val, [0.0, 2.0, 18.0], rtol=RTOL, atol=tol)


# ----------------------------------------------------------------- TestHessian

@pytest.mark.parametrize("maxiter", [None, 8])
def test_run_hamiltonian(maxiter):
    # tests/hamiltonian.py: two ions in a harmonic trap.  Its xopt (fmin with
    # xtol=1e-10) is the analytic equilibrium +-(C / (4 m w^2))**(1/3) here,
    # and its constants are scipy.constants' (CODATA 2022).
    C = (4 * np.pi * 8.8541878188e-12) ** (-1) * 1.602176634e-19 ** 2
    m, w = 39.96 * 1.66e-27, 2 * np.pi * 1000000

    def potential(X):
        return 0.5 * m * w ** 2 * np.sum(X ** 2, axis=1) + C / np.abs(X[:, 0] - X[:, 1])
    a = (C / (4 * m * w ** 2)) ** (1 / 3)
    xopt = np.array([-a, a])
    true_h = np.array([[5.23748385e-12, -2.61873829e-12], [-2.61873829e-12, 5.23748385e-12]])
    # MaxStepGenerator(base_step=1e-4): 15 steps from 1e-4 down to 1.4e-7 ->
    # step=1e-4 refined towards the test's rtol; fastdiff's rounds divide the
    # step by 4: 7 rounds reach 3e-9 and success (error 2.8e-6; the default
    # maxiter was 4 until 2026-12-03: error 9.4e-5, estimates 8 %, success
    # False; scipy.differentiate's default maxiter is 10)
    kw = {} if maxiter is None else {"maxiter": maxiter}
    res = P.hessian(potential, xopt, step=1e-4, rtol=1e-4, full_output=True, **kw)
    assert np.all(np.abs((res.value - true_h) / true_h) < 1e-4)
    assert np.all(res.success)


# (complex-valued f raised ValueError "f must return real numbers" until the
# real-step methods differentiated Re f and Im f; the real-x cases then
# failed on accuracy only, as their real-and-imaginary-parts twins below:
# the Hessian of 1j*|x|^2 at randn(3) [seed 35] erred 2.1e-11 (central) to
# 4.9e-10 against nd's atol 1e-11, all rounding, from 37 and 85 evaluations
# (nd 0.11.2: 2e-15 central and 8e-14 forward from 271 and 136).  Since
# 2026-12-03 a Hessian whose estimates are all rounding grows its steps at
# default settings (4x per round, two rounds at most): 111 and 255
# evaluations, errors 2e-13 (central) to 1.7e-12.)
@pytest.mark.parametrize("offset", [0, 1j], ids=["real", "cx"])
@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_complex_hessian_issue_35(method, offset):
    # nd's complex-step methods raise ValueError on this f, the others give 2j*I
    def foo(X):
        return 1j * np.sum(X * X, axis=1)
    x = np.random.default_rng(35).standard_normal(3) + offset
    if offset:          # complex x: fastdiff never differentiates there
        with pytest.raises(TypeError, match="real"):
            P.hessian(foo, x, method=method)
        return
    np.testing.assert_allclose(P.hessian(foo, x, method=method), 2j * np.eye(3), atol=1e-11)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_complex_hessian_issue_35_parts(method):
    # fastdiff's route for a complex f at real x: its parts as a vector function
    def parts(X):
        y = 1j * np.sum(X * X, axis=1)
        return np.stack([y.real, y.imag], axis=1)
    res = P.hessian(parts, np.random.default_rng(35).standard_normal(3), method=method,
                    full_output=True)
    H = res.value
    np.testing.assert_allclose(H[0] + 1j * H[1], 2j * np.eye(3), atol=1e-11)
    # the grown steps' estimates cover the (rounding) errors, and say so
    assert np.all(np.abs(H[1] - 2 * np.eye(3)) <= res.error[1])
    assert np.all(res.error[1] < 1e-9) and np.all(res.step[1] > 0.01)
    assert res.nfev == {"central": 3 * 37, "forward": 3 * 85, "backward": 3 * 85}[method]


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_complex_hessian_issue_35_parts_with_tolerance(method):
    # the case above with a tolerance: the estimates are all rounding, so the
    # rounds grow the steps (4x each) instead of shrinking them; until then
    # atol=1e-12 spent 148-425 evaluations on smaller steps and gained
    # nothing (errors 3.9e-11 central, 3.3e-10 forward); now 5e-15 to 1e-13
    def parts(X):
        y = 1j * np.sum(X * X, axis=1)
        return np.stack([y.real, y.imag], axis=1)
    x = np.random.default_rng(35).standard_normal(3)
    res = P.hessian(parts, x, method=method, atol=1e-12, full_output=True)
    H = res.value
    np.testing.assert_allclose(H[0] + 1j * H[1], 2j * np.eye(3), atol=1e-11)
    assert np.all(np.abs(H[1] - 2 * np.eye(3)) <= res.error[1])
    if method == "central":
        assert np.all(res.success)


@pytest.mark.parametrize("adaptive", [True, False], ids=["num_steps=10", "num_steps=1"])
@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_hessian_cos_x_y_at_0_0(method, adaptive):
    H = P.hessian(lambda X: np.cos(X[:, 0] - X[:, 1]), [0, 0], method=method,
                  adaptive=adaptive)
    np.testing.assert_allclose(H, [[-1.0, 1.0], [1.0, -1.0]], rtol=RTOL)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_hessian_on_scalar_function(method):
    def fun(X):
        x, y, z = X.T
        return x * y * z + np.exp(x) * y
    x, y, z = 3.0, 5.0, 7.0
    ref = [[np.exp(x) * y, np.exp(x) + z, y], [np.exp(x) + z, 0, x], [y, x, 0]]
    np.testing.assert_allclose(P.hessian(fun, [x, y, z], method=method), ref, atol=1e-4)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_hessian_on_vector_valued_function(method):
    def fun(X):
        xy = X[:, 0] * X[:, 1]
        return np.stack([np.cos(xy), np.sin(xy)], axis=1)
    x, y = 3.0, 5.0
    c, s = np.cos(x * y), np.sin(x * y)
    ref = [[[-y * y * c, -x * y * c - s], [-x * y * c - s, -x * x * c]],
           [[-y * y * s, c - x * y * s], [c - x * y * s, -x * x * s]]]
    H = P.hessian(fun, [x, y], method=method)
    assert H.shape == (2, 2, 2)
    np.testing.assert_allclose(H, ref, atol=1e-4)


# ------------------------------------- test_jacobian_complex_validation.py

@pytest.mark.parametrize("full_output", [False, True])
@pytest.mark.parametrize("dfun", ["jacobian", "gradient"])
def test_complex_output_rejected(dfun, full_output):
    # (this port found it: Im f(x + ih)/h gave [5e20, 2.5e20], success True)
    def fun(X):
        return np.sum((1 + 1j) * X ** 2, axis=1)
    with pytest.raises(ValueError, match="complex"):
        getattr(P, dfun)(fun, [1.0, 2.0], method="complex", full_output=full_output)


@pytest.mark.parametrize("dfun", ["jacobian", "gradient"])
def test_complex_variable_rejected(dfun):
    # nd: ValueError "complex variable was given"; fastdiff: TypeError (dtype)
    with pytest.raises(TypeError, match="real"):
        getattr(P, dfun)(lambda X: np.sum(X ** 2, axis=1), np.array([1j, 2.0]),
                         method="complex")


@pytest.mark.parametrize("dfun", ["jacobian", "gradient"])
def test_real_valued_function_still_accepted(dfun):
    actual = getattr(P, dfun)(lambda X: np.sum(X ** 2, axis=1), [1.0, 2.0], method="complex")
    assert isinstance(actual, np.ndarray) and actual.dtype == np.float64
    np.testing.assert_allclose(actual, [[2, 4]] if dfun == "jacobian" else [2, 4], rtol=RTOL)


def test_real_value_with_complex_dtype_accepted():
    actual = P.jacobian(lambda X: np.sum(X ** 2, axis=1) + 0j, [1.0, 2.0], method="complex")
    np.testing.assert_allclose(actual, [[2, 4]], rtol=RTOL)


def test_central_complex_output_unchanged():
    actual = P.jacobian(lambda X: (1 + 1j) * X ** 2, [1.0, 2.0], method="central")
    np.testing.assert_allclose(actual, np.diag([2 + 2j, 4 + 4j]), rtol=RTOL)


# ------------------------------------------- test_example_functions.py

def _periodic(f, period):
    # sin, cos, sinh, cosh: the n-th derivative cycles through `period`
    return lambda n: period[(period.index(f) + n) % len(period)]


def _arcsin(n):
    d = lambda x: 1.0 / np.sqrt(1 - x ** 2)                           # noqa: E731
    return [None, d, lambda x: x * d(x) ** 3,
            lambda x: d(x) ** 3 * (1 + 3 * (x * d(x)) ** 2)][n] if n <= 3 else None


def _arcsinh(n):
    d = lambda x: 1.0 / np.sqrt(1 + x ** 2)                           # noqa: E731
    return [None, d, lambda x: -x * d(x) ** 3,
            lambda x: (3 * (x * d(x)) ** 2 - 1) * d(x) ** 3][n] if n <= 3 else None


def _arctan(n):
    d = lambda x: 1.0 / (1 + x ** 2)                                  # noqa: E731
    return [None, d, lambda x: -2 * x * d(x) ** 2,
            lambda x: 2 * (4.0 * x ** 2 * d(x) - 1.0) * d(x) ** 2,
            lambda x: (1.0 - 2 * x ** 2 * d(x)) * 24 * x * d(x) ** 3][n] if n <= 4 else None


def _tan(n):
    t = np.tan
    return [None, lambda x: 1.0 / np.cos(x) ** 2, lambda x: 2 * t(x) / np.cos(x) ** 2,
            lambda x: 2 * (t(x) ** 2 + 1) * (3 * t(x) ** 2 + 1),
            lambda x: 8 * t(x) * (t(x) ** 2 + 1) * (3 * t(x) ** 2 + 2)][n] if n <= 4 else None


def _tanh(n):
    th, ch = np.tanh, np.cosh
    return [None, lambda x: 1.0 / ch(x) ** 2, lambda x: -2 * np.sinh(x) / ch(x) ** 3,
            lambda x: 4 * (th(x) / ch(x)) ** 2 - 2.0 / ch(x) ** 4,
            lambda x: 8 * th(x) * (th(x) ** 2 - 1) * (3 * th(x) ** 2 - 2)][n] if n <= 4 else None


def _log(n, shift=0.0, scale=1.0, nmax=4):
    # (-1)**(n+1) (n-1)! / (x + shift)**n / scale
    if n > nmax:
        return None
    return lambda x: (-1) ** (n + 1) * math.factorial(n - 1) / (x + shift) ** n / scale


def _sqrt(n):
    if n > 5:
        return None
    fact = 0.5 * (-1) ** (n + 1) * np.prod(np.arange(0.5, n - 1))
    return lambda x: fact / np.sqrt(x) ** (2 * n - 1)


TRIG = [np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)]
HYP = [np.sinh, np.cosh]
# numdifftools.example_functions: name -> (f, n -> n-th derivative or None)
EXAMPLES = {
    "cos": (np.cos, _periodic(TRIG[1], TRIG)), "sin": (np.sin, _periodic(TRIG[0], TRIG)),
    "tan": (np.tan, _tan), "cosh": (np.cosh, _periodic(HYP[1], HYP)),
    "sinh": (np.sinh, _periodic(HYP[0], HYP)), "tanh": (np.tanh, _tanh),
    "arcsinh": (np.arcsinh, _arcsinh), "exp": (np.exp, lambda n: np.exp),
    "expm1": (np.expm1, lambda n: np.exp),
    "exp2": (np.exp2, lambda n: lambda x: np.exp2(x) * np.log(2) ** n),
    "square": (np.square, lambda n: [None, lambda x: 2 * x, lambda x: 2 + 0 * x][n]
               if n <= 2 else (lambda x: 0 * x)),
    "sqrt": (np.sqrt, _sqrt), "log": (np.log, _log),
    "log1p": (np.log1p, lambda n: _log(n, shift=1.0, nmax=5)),
    "log10": (np.log10, lambda n: _log(n, scale=np.log(10))),
    "log2": (np.log2, lambda n: _log(n, scale=np.log(2))),
    "arccos": (np.arccos, lambda n: (lambda d: d and (lambda x: -d(x)))(_arcsin(n))),
    "arcsin": (np.arcsin, _arcsin), "arctan": (np.arctan, _arctan),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_first_order_derivative(name, method):
    f, df = EXAMPLES[name]
    x = 0.5
    val = P.derivative(f, x, method=method)
    assert abs(val - df(1)(x)) < 1.5e-7                   # decimal=7


# nd.Derivative: n = 1..10, n > 7 for "complex" only; fastdiff: complex n = 1
HIGH = [(name, m, n) for name in EXAMPLES for n in range(1, 8) for m in METHODS
        if EXAMPLES[name][1](n) is not None and (m != "complex" or n == 1)]


# (forward/backward 7th derivatives of cos, sin, sinh, exp, expm1 and the
# forward 5th of sqrt failed nd's criterion (errors 0.016-0.034) until
# one-sided derivatives of order >= 5 searched the step with wider stencils;
# the backward 5th of sqrt (error 0.041) until their levels went by sqrt(2)
# instead of halves, 2026-12-03: now 4.0e-4)


def test_sqrt_backward_5th_derivative_across_points():
    # the case sqrt-backward-5 below at 8 points instead of nd's one: nd
    # 0.11.2 passes its own criterion (error < 1.5 10^-dm, dm from its
    # estimate) at 5 of them (relative errors 1.3e-6 at 0.5, its lucky
    # point, 1.1e-3 to 2.9e-3 at 0.4, 0.6 and 0.7, where it fails); fastdiff
    # at 7 (0.4: error 0.018 of 202), relative errors 5.4e-6 to 9.0e-5 (105
    # evaluations; with the halving levels 1.8e-4 to 6e-4, 57 evaluations,
    # passing at 6; the best equispaced backward formula, chosen knowing
    # the truth, typically errs 4.6e-5 at 0.5)
    xs = np.array([0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.5, 2.0])
    with np.errstate(invalid="ignore"):     # (the widest steps reach below 0)
        res = P.derivative(np.sqrt, xs, order=5, method="backward", full_output=True)
    truth = _sqrt(5)(xs)
    err = np.abs(res.value - truth)
    assert np.all(err <= res.error)
    assert np.max(err / np.abs(truth)) < 2e-4
    dm = np.maximum((-np.log10(res.error + 1e-16)).astype(int) - 1, 2)
    assert np.sum(err < 1.5 * 10.0 ** -dm) >= 7


@pytest.mark.parametrize("name, method, n", HIGH)
def test_high_order_derivative(name, method, n):
    f, df = EXAMPLES[name]
    x = 0.5
    with np.errstate(invalid="ignore"):     # (sqrt: the widest backward steps reach below 0)
        res = P.derivative(f, x, order=n, method=method, full_output=True)
    min_dm = {"complex": 2, "forward": 2, "backward": 2, "central": 4}[method]
    dm = max(int(-np.log10(res.error + 1e-16)) - 1, min_dm)
    assert abs(res.value - df(n)(x)) < 1.5 * 10.0 ** -dm, (res.value, df(n)(x), res.error, dm)
