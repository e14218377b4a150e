"""The ladder of steps and accuracies: the refinement round of central
derivatives of order >= 4 towards a user's tolerance (points/_ladder.py)."""
import numpy as np
import pytest

import fastdiff as fd
from fastdiff.points._ladder import (LADDER_ACCS, LADDER_SPLIT, LADDER_STEPS, LADDER_TOP,
                                     ladder_factors)

from test_points_estimates import HIGH, XH


@pytest.mark.parametrize("order", [3, 4, 5, 6, 7])
@pytest.mark.parametrize("name", sorted(HIGH))
def test_estimates_cover_the_errors(name, order):
    # every estimate covers its error, also where wide stencils at large
    # steps cross a pole (tan at 1.3, 1/x at 0.3: without the agreement
    # with the first pass, the 6th and 7th derivatives lost every digit
    # there, estimates covering 91-96 %)
    f, dk = HIGH[name]
    x = XH[XH < 1.31] if name == "tan" else XH
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = fd.points.derivative(f, x, order=order, full_output=True)
        r = fd.points.derivative(f, x, order=order, full_output=True, rtol=1e-10)
    truth = dk(x, order)
    assert np.all(np.abs(r.value - truth) <= r.error + 1e-14 * np.abs(truth))
    assert np.all(r.error <= plain.error)
    np.testing.assert_array_equal(r.success, r.error <= 1e-10 * np.abs(r.value))
    # one ladder round on top of the first pass
    K = 2 * ((order - 1) // 2 + LADDER_ACCS[-1] // 2)
    assert r.nfev == plain.nfev + 1 + LADDER_STEPS * K


@pytest.mark.parametrize("order, digits", [(4, 12.0), (5, 11.0), (6, 10.5), (7, 10.0)])
@pytest.mark.parametrize("name", ["sin", "cos", "exp"])
def test_entire_functions_reach_what_floating_point_allows(name, order, digits):
    # an oracle picking the best central stencil of accuracy 2-24 at 120
    # steps knowing the truth gets 11.5-13.6 digits here (its median error
    # over 15 jitters of each step, without the luck of rounding: 11.1-13.3);
    # the widening rounds before the ladder got 5.7-9.7 (orders 4-7), the
    # ladder by halves picking its smallest estimate 9.5-12.3, pooling by
    # sqrt(2) steps 10.3-12.9
    f, dk = HIGH[name]
    r = fd.points.derivative(f, XH, order=order, full_output=True, rtol=1e-10)
    truth = dk(XH, order)
    big = np.abs(truth) > 1e-3 * np.max(np.abs(truth))
    rel = np.abs(r.value - truth)[big] / np.abs(truth[big])
    assert np.max(rel) < 10.0 ** -digits


def test_bounds_keep_every_stencil_inside():
    # the ladder's wide stencils at large steps stay inside ``bounds``
    seen = []

    def f(x):
        seen.append(np.min(x))
        return np.sqrt(x)

    x = np.array([0.05, 0.3, 2.0])
    r = fd.points.derivative(f, x, order=4, bounds=(0, np.inf), rtol=1e-10, full_output=True)
    assert min(seen) >= 0.0
    truth = -15 / 16 * x ** -3.5
    assert np.all(np.abs(r.value - truth) <= r.error)
    assert np.max(np.abs(r.value - truth) / np.abs(truth)) < 1e-7


def test_chunks_of_points_give_the_same_result():
    # the points in several chunks (max_memory): the same values as in one
    x = np.linspace(0.2, 2.0, 7).reshape(7, 1) * np.array([1.0, 1.3])
    one = fd.points.derivative(np.sin, x, order=5, rtol=1e-11, full_output=True)
    many = fd.points.derivative(np.sin, x, order=5, rtol=1e-11, full_output=True,
                                max_memory=30_000)     # (2-3 points per block)
    np.testing.assert_array_equal(one.value, many.value)
    np.testing.assert_array_equal(one.error, many.error)
    truth = np.cos(x)
    assert one.value.shape == (7, 2)
    assert np.all(np.abs(one.value - truth) <= one.error)
    assert np.max(np.abs(one.value - truth) / np.abs(truth)) < 1e-9


def test_steps_come_from_the_ladder():
    # the steps reported are those of the pair of smallest estimate: a
    # ladder factor (2^(LADDER_TOP - j / LADDER_SPLIT)) times the searched
    # step 0.125 max(|x|, 1)
    x = np.array([0.7, 1.9])
    r = fd.points.derivative(np.sin, x, order=6, rtol=1e-10, full_output=True)
    ratio = r.step / (0.125 * np.maximum(np.abs(x), 1.0))
    j = (LADDER_TOP - np.log2(ratio)) * LADDER_SPLIT
    np.testing.assert_allclose(j, np.round(j), atol=1e-9)
    assert np.all((j >= 0) & (j <= LADDER_STEPS - 1))
    np.testing.assert_allclose(ladder_factors()[np.round(j).astype(int)], ratio, rtol=1e-12)


def test_maxiter_zero_and_user_steps_skip_the_ladder():
    x = np.array([0.7, 1.9])
    plain = fd.points.derivative(np.exp, x, order=4, full_output=True)
    none = fd.points.derivative(np.exp, x, order=4, rtol=1e-12, maxiter=0, full_output=True)
    assert none.nfev == plain.nfev
    np.testing.assert_array_equal(none.value, plain.value)
    # a user's step bounds the steps (the ladder reaches 4x the top step)
    user = fd.points.derivative(np.exp, x, order=4, rtol=1e-12, step=0.05, full_output=True)
    assert np.all(user.step <= 0.05)


def test_pool_weights_the_values_of_the_smallest_estimates():
    from fastdiff.points._ladder import LADDER_POOL, _pool
    vals = np.array([[1.0, 2.0, 3.0, 4.0],          # 1 and 2 pooled, 3 beyond the pool
                     [5.0, 6.0, 7.0, 8.0],          # all estimates infinite: the first
                     [1.0, 9.0, 2.0, 3.0],          # an estimate of 0: its value alone
                     [np.nan, 1.0, 2.0, 3.0]])      # an infinite estimate never pooled
    E = np.array([[1.0, 2.0, LADDER_POOL * 1.01, 0.5 * LADDER_POOL],
                  [np.inf] * 4,
                  [1.0, 0.0, 1.0, 1.0],
                  [np.inf, 1.0, 1.0, np.inf]])
    value, err, pick = _pool(vals, E)
    w = np.array([1.0, 0.25, 0.0, 4 / LADDER_POOL ** 2])
    np.testing.assert_allclose(value[0], (w @ vals[0]) / w.sum())
    np.testing.assert_allclose(err[0], (w @ E[0]) / w.sum())
    assert err[0] <= E[0, 3] and err[0] >= E[0, 0]
    assert value[1] == 5.0 and err[1] == np.inf
    assert value[2] == 9.0 and err[2] == 0.0
    assert value[3] == 1.5 and err[3] == 1.0
    np.testing.assert_array_equal(pick[:, 0], [0, 0, 1, 1])


@pytest.mark.parametrize("order", [3, 7])
def test_ladder_stays_within_max_memory(order):
    # its tables of every (accuracy, step) pair count against max_memory:
    # 4 of them per point were counted, 6.2-6.5 were alive at the peak (9.7
    # MiB traced for max_memory = 8 MiB)
    import tracemalloc
    x = np.linspace(0.5, 2.0, 2000)
    fd.points.derivative(np.sin, x[:5], order=order, rtol=1e-10)     # (warm caches)
    mm = 1 << 20
    tracemalloc.start()
    try:
        r = fd.points.derivative(np.sin, x, order=order, rtol=1e-10, max_memory=mm,
                                 full_output=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # (beside the result, arrays of its size: the first pass's values,
    # estimates and steps, the refinement's state per point)
    out = r.value.nbytes + r.error.nbytes + r.step.nbytes + r.success.nbytes
    assert peak <= mm + 4 * out
    assert np.max(np.abs(r.value - np.sin(x + order * np.pi / 2))) < 1e-8
