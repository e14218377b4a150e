"""fd.stencil against known finite-difference tables and exact moment conditions."""
import math
from fractions import Fraction as F

import numpy as np
import pytest

import fastdiff as fd

# (order, acc) -> central weights, offsets -m..m (Fornberg 1988, Table 1)
CENTRAL = {
    (1, 2): [F(-1, 2), 0, F(1, 2)],
    (1, 4): [F(1, 12), F(-2, 3), 0, F(2, 3), F(-1, 12)],
    (1, 6): [F(-1, 60), F(3, 20), F(-3, 4), 0, F(3, 4), F(-3, 20), F(1, 60)],
    (1, 8): [F(1, 280), F(-4, 105), F(1, 5), F(-4, 5), 0,
             F(4, 5), F(-1, 5), F(4, 105), F(-1, 280)],
    (2, 2): [1, -2, 1],
    (2, 4): [F(-1, 12), F(4, 3), F(-5, 2), F(4, 3), F(-1, 12)],
    (2, 6): [F(1, 90), F(-3, 20), F(3, 2), F(-49, 18), F(3, 2), F(-3, 20), F(1, 90)],
    (3, 2): [F(-1, 2), 1, 0, -1, F(1, 2)],
    (3, 4): [F(1, 8), -1, F(13, 8), 0, F(-13, 8), 1, F(-1, 8)],
    (4, 2): [1, -4, 6, -4, 1],
    (4, 4): [F(-1, 6), 2, F(-13, 2), F(28, 3), F(-13, 2), 2, F(-1, 6)],
}

# (order, offsets) -> weights
GIVEN_OFFSETS = [
    (1, [0, 1, 2], [F(-3, 2), 2, F(-1, 2)]),
    (1, [0, 1, 2, 3], [F(-11, 6), 3, F(-3, 2), F(1, 3)]),
    (2, [0, 1, 2, 3], [2, -5, 4, -1]),
    (1, [-2, -1, 0], [F(1, 2), -2, F(3, 2)]),
    (1, [-0.5, 0.5], [-1, 1]),
    (1, [-1.5, -0.5, 0.5, 1.5], [F(1, 24), F(-9, 8), F(9, 8), F(-1, 24)]),
    (2, [-1.5, -0.5, 0.5, 1.5], [F(1, 2), F(-1, 2), F(-1, 2), F(1, 2)]),
    (1, [0, 0.5, 2], [-F(5, 2), F(8, 3), F(-1, 6)]),
]


def as_float(weights):
    return np.array([float(w) for w in weights])


@pytest.mark.parametrize("order, acc", sorted(CENTRAL))
def test_central_table(order, acc):
    st = fd.stencil(order, acc=acc)
    expected = as_float(CENTRAL[order, acc])
    m = len(expected) // 2
    np.testing.assert_array_equal(st.offsets, np.arange(-m, m + 1))
    np.testing.assert_allclose(st.weights, expected, rtol=1e-15, atol=0)
    assert st.weights.dtype == np.float64
    assert st.order == order
    assert st.accuracy == acc
    assert len(st) == len(expected)


def test_default_accuracy_is_two():
    assert fd.stencil(1) == fd.stencil(1, acc=2)
    assert fd.stencil(1) != fd.stencil(1, acc=4)


@pytest.mark.parametrize("order, acc", [(1, 2), (1, 6), (2, 4), (3, 4), (4, 2)])
def test_central_weights_have_exact_symmetry(order, acc):
    w = fd.stencil(order, acc=acc).weights
    np.testing.assert_array_equal(w, (-1) ** order * w[::-1])
    if order % 2:
        assert w[len(w) // 2] == 0.0


@pytest.mark.parametrize("order, offsets, expected", GIVEN_OFFSETS)
def test_given_offsets(order, offsets, expected):
    st = fd.stencil(order, offsets=offsets)
    np.testing.assert_array_equal(st.offsets, offsets)
    np.testing.assert_allclose(st.weights, as_float(expected), rtol=1e-15, atol=1e-15)
    assert st.order == order


@pytest.mark.parametrize("order, offsets, accuracy", [
    (1, [0, 1, 2], 2),
    (1, [0, 1, 2, 3], 3),
    (2, [0, 1, 2, 3], 2),
    (1, [-0.5, 0.5], 2),              # symmetric: one order for free
    (2, [-1.5, -0.5, 0.5, 1.5], 2),   # symmetric, but no bonus for this parity
    (2, [-1, 0, 1], 2),
])
def test_given_offsets_accuracy(order, offsets, accuracy):
    assert fd.stencil(order, offsets=offsets).accuracy == accuracy


def test_acc_is_ignored_with_offsets():
    assert fd.stencil(1, acc=8, offsets=[0, 1, 2]) == fd.stencil(1, offsets=[0, 1, 2])


def test_unsorted_offsets_keep_their_order():
    st = fd.stencil(1, offsets=[2, 0, 1])
    np.testing.assert_array_equal(st.offsets, [2, 0, 1])
    np.testing.assert_allclose(st.weights, [-0.5, -1.5, 2.0], rtol=1e-15)


def moment_errors(st):
    """|sum(w * o**k) / k! - delta(k, order)| in exact arithmetic, relative to
    the size of the terms, for k = 0 .. len - 1."""
    offs = [F(float(o)) for o in st.offsets]
    wts = [F(float(w)) for w in st.weights]  # the float64 weights, exactly
    errs = []
    for k in range(len(offs)):
        terms = [w * o**k / math.factorial(k) for w, o in zip(wts, offs)]
        scale = sum(abs(t) for t in terms)
        exact = 1 if k == st.order else 0
        errs.append(float(abs(sum(terms) - exact) / max(scale, 1)))
    return errs


@pytest.mark.parametrize("order, acc", [(6, 16), (5, 14), (4, 12), (1, 16), (2, 16)])
def test_high_order_moments_exact_to_rounding(order, acc):
    st = fd.stencil(order, acc=acc)
    assert len(st) == 2 * ((order + 1) // 2 - 1 + acc // 2) + 1
    errs = moment_errors(st)
    assert max(errs) <= 1e-12, errs


def test_moment_check_detects_a_perturbed_weight():
    st = fd.stencil(6, acc=16)
    st.weights[3] *= 1 + 1e-9
    assert max(moment_errors(st)) > 1e-12


def test_high_order_one_sided_moments():
    st = fd.stencil(6, offsets=np.arange(22))
    assert max(moment_errors(st)) <= 1e-12


def test_weights_are_rounded_once():
    # the float weights are the correctly rounded exact ones
    exact = [F(1, 280), F(-4, 105), F(1, 5), F(-4, 5), 0]
    np.testing.assert_array_equal(fd.stencil(1, acc=8).weights[:5], as_float(exact))


def test_repr_shows_offsets_and_weights():
    r = repr(fd.stencil(1))
    assert r.startswith("Stencil(")
    assert "order=1" in r
    assert "offsets=[-1, 0, 1]" in r
    assert "weights=[-0.5, 0, 0.5]" in r
    r = repr(fd.stencil(1, offsets=[-0.5, 0.5]))
    assert "offsets=[-0.5, 0.5]" in r
    assert "weights=[-1, 1]" in r


def test_repr_round_trips_weights():
    st = fd.stencil(2, acc=6)
    text = repr(st).split("weights=[")[1].rstrip("])")
    np.testing.assert_array_equal([float(t) for t in text.split(",")], st.weights)


def test_call_applies_stencil():
    st = fd.stencil(1, acc=4)
    assert st(np.exp, 0.3, 1e-2) == pytest.approx(np.exp(0.3), rel=1e-9)
    st2 = fd.stencil(2, acc=2)
    assert st2(lambda x: x**3, 2.0, 0.5) == pytest.approx(12.0, rel=1e-13)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(order=0), ValueError, "order must be an integer >= 1, got 0"),
    (dict(order=-2), ValueError, "order must be"),
    (dict(order=1.5), TypeError, "order must be an integer"),
    (dict(order=True), TypeError, "order must be an integer"),
    (dict(order=1, acc=3), ValueError, "acc must be an even integer >= 2, got 3"),
    (dict(order=1, acc=0), ValueError, "acc must be an even integer >= 2, got 0"),
    (dict(order=1, acc=-2), ValueError, "acc must be an even integer"),
    (dict(order=1, acc=2.0), TypeError, "acc must be an even integer"),
    (dict(order=1, acc="4"), TypeError, "acc must be an even integer"),
    (dict(order=1, offsets=[0, 1, 1]), ValueError, "offsets must be distinct"),
    (dict(order=1, offsets=[0.5, 0.5, 2.0]), ValueError, "offsets must be distinct"),
    (dict(order=1, offsets=[0]), ValueError, r"offsets has 1 points.*needs at least 2"),
    (dict(order=3, offsets=[0, 1, 2]), ValueError, r"offsets has 3 points.*needs at least 4"),
    (dict(order=1, offsets=[0, np.inf]), ValueError, "offsets must be finite"),
    (dict(order=1, offsets=[[0, 1], [2, 3]]), TypeError, "offsets must be a 1-D sequence"),
    (dict(order=1, offsets=[0, 1j]), TypeError, "offsets must be a 1-D sequence"),
])
def test_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fd.stencil(**kwargs)
