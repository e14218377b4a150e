"""Every bad argument gets a ValueError/TypeError that names it."""
import re

import numpy as np
import pytest

import fastdiff as fd
from fastdiff import reference as ref

u3 = np.random.default_rng(0).random((6, 7, 8))


@pytest.mark.parametrize("mod", [fd.grid, ref], ids=["grid", "reference"])
class TestGridErrors:
    def test_too_few_points_message(self, mod):
        u = np.zeros((5, 3))
        with pytest.raises(ValueError, match=r"axis 1 has 3 points, but a second derivative "
                                             r"with acc=4 and one-sided boundaries needs at least 6"):
            mod.derivative(u, 1, 2, acc=4)

    def test_too_few_points_gradient(self, mod):
        with pytest.raises(ValueError, match=r"axis 0 has 2 points.*needs at least 3"):
            mod.gradient(np.zeros((2, 5)))

    @pytest.mark.parametrize("acc", [3, 0, -2, 1])
    def test_bad_acc_value(self, mod, acc):
        with pytest.raises(ValueError, match=rf"acc must be an even integer >= 2, got {acc}"):
            mod.derivative(u3, 0, acc=acc)

    @pytest.mark.parametrize("acc", [2.0, "2", None, True])
    def test_bad_acc_type(self, mod, acc):
        with pytest.raises(TypeError, match="acc must be an even integer"):
            mod.gradient(u3, acc=acc)

    @pytest.mark.parametrize("order", [0, -1])
    def test_bad_order_value(self, mod, order):
        with pytest.raises(ValueError, match=rf"order must be an integer >= 1, got {order}"):
            mod.derivative(u3, 0, order)

    @pytest.mark.parametrize("order", [1.5, "1", True])
    def test_bad_order_type(self, mod, order):
        with pytest.raises(TypeError, match="order must be an integer"):
            mod.derivative(u3, 0, order)

    @pytest.mark.parametrize("axis", [3, -4])
    def test_axis_out_of_range(self, mod, axis):
        with pytest.raises(ValueError, match=rf"axis {axis} is out of range for an array with 3 dimensions"):
            mod.derivative(u3, axis)

    def test_axis_not_int(self, mod):
        with pytest.raises(TypeError, match="axis must be an integer"):
            mod.derivative(u3, 1.0)

    def test_axes_repeated(self, mod):
        with pytest.raises(ValueError, match=r"axes must not repeat an axis, got \(0, -3\)"):
            mod.gradient(u3, axes=(0, -3))

    def test_axes_out_of_range(self, mod):
        with pytest.raises(ValueError, match="axes 5 is out of range"):
            mod.gradient(u3, axes=(0, 5))

    def test_axes_empty(self, mod):
        with pytest.raises(ValueError, match="axes must name at least one axis"):
            mod.gradient(u3, axes=())

    def test_unknown_mode(self, mod):
        with pytest.raises(ValueError, match=r"boundary 'clamp' is not a known mode"):
            mod.derivative(u3, 0, boundary="clamp")

    def test_mode_list_length(self, mod):
        with pytest.raises(ValueError, match="boundary has 2 entries, but 3 axes are differentiated"):
            mod.gradient(u3, boundary=["periodic", "mirror"])

    def test_mode_not_string(self, mod):
        with pytest.raises(TypeError, match="boundary"):
            mod.derivative(u3, 0, boundary=3)

    @pytest.mark.parametrize("h", [0.0, -1.0, np.nan, np.inf])
    def test_bad_spacing_value(self, mod, h):
        with pytest.raises(ValueError, match="spacing must be a positive finite step"):
            mod.derivative(u3, 0, spacing=h)

    def test_spacing_wrong_count(self, mod):
        with pytest.raises(ValueError, match="spacing has 2 entries, but 3 axes are differentiated"):
            mod.gradient(u3, spacing=[1.0, 2.0])

    def test_spacing_bad_type(self, mod):
        with pytest.raises(TypeError, match="spacing must be a positive number"):
            mod.derivative(u3, 0, spacing="1")

    def test_coordinates_wrong_length(self, mod):
        with pytest.raises(ValueError, match=r"spacing\[1\] has 5 coordinates, but the axis has 7 points"):
            mod.gradient(u3, spacing=[1.0, np.arange(5.0), 1.0])

    def test_coordinates_not_monotonic(self, mod):
        x = np.array([0, 1, 3, 2, 4, 5, 6.0])
        with pytest.raises(ValueError, match=r"spacing\[1\] coordinates must be strictly monotonic"):
            mod.gradient(u3, spacing=[1.0, x, 1.0])

    def test_coordinates_repeated(self, mod):
        x = np.array([0, 1, 1, 2, 4, 5, 6.0])
        with pytest.raises(ValueError, match="strictly monotonic"):
            mod.derivative(u3, 1, spacing=x)

    def test_coordinates_nan(self, mod):
        x = np.array([0, 1, np.nan, 2, 4, 5, 6.0])
        with pytest.raises(ValueError, match="coordinates must be finite"):
            mod.derivative(u3, 1, spacing=x)

    def test_coordinates_with_periodic(self, mod):
        x = np.array([0, 1, 3, 4, 6, 7, 9.5])
        with pytest.raises(ValueError, match=r"boundary 'periodic' on axis 1 needs a uniform grid"):
            mod.derivative(u3, 1, spacing=x, boundary="periodic")

    def test_nonuniform_too_few_points(self, mod):
        x = np.array([0.0, 1.0, 3.0])
        with pytest.raises(ValueError, match=r"axis 0 has 3 points, but a second derivative with "
                                             r"acc=2 on a non-uniform grid needs at least 4"):
            mod.derivative(np.zeros(3), 0, 2, spacing=x)

    @pytest.mark.parametrize("bad", [np.array(["a", "b", "c"]), np.zeros(3, dtype=object),
                                     np.zeros(3, dtype="datetime64[s]"),
                                     np.zeros(3, dtype=np.longdouble)])
    def test_bad_dtype(self, mod, bad):
        with pytest.raises(TypeError, match=re.escape(f"u has dtype {bad.dtype}, but fastdiff needs")):
            mod.derivative(bad, 0, boundary="periodic")

    def test_not_an_array(self, mod):
        with pytest.raises(TypeError, match="u must be an array of numbers, got str"):
            mod.gradient("abc")

    def test_zero_d(self, mod):
        with pytest.raises(ValueError, match="u must have at least one dimension, got a 0-d array"):
            mod.gradient(np.float64(3.0))

    def test_cval_type(self, mod):
        with pytest.raises(TypeError, match="cval must be a number"):
            mod.derivative(u3, 0, boundary="constant", cval="0")

    def test_complex_cval_real_input(self, mod):
        with pytest.raises(TypeError, match="cval is complex"):
            mod.derivative(u3, 0, boundary="constant", cval=1j)

    def test_out_wrong_shape(self, mod):
        with pytest.raises(ValueError, match=r"out has shape \(6, 7\), but the result has shape \(6, 7, 8\)"):
            mod.derivative(u3, 0, out=np.empty((6, 7)))

    def test_out_wrong_dtype(self, mod):
        with pytest.raises(ValueError, match="out has dtype float32, but the result has dtype float64"):
            mod.gradient(u3, out=np.empty((3,) + u3.shape, dtype=np.float32))

    def test_out_not_array(self, mod):
        with pytest.raises(TypeError, match="out must be a numpy array, got list"):
            mod.derivative(np.zeros(5), 0, out=[0.0] * 5)

    def test_out_read_only(self, mod):
        o = np.empty_like(u3)
        o.setflags(write=False)
        with pytest.raises(ValueError, match="out is read-only"):
            mod.derivative(u3, 0, out=o)

    def test_out_overlaps_input(self, mod):
        u = u3.copy()
        with pytest.raises(ValueError, match="out overlaps the input"):
            mod.derivative(u, 0, out=u)

    def test_num_threads_zero(self, mod):
        with pytest.raises(ValueError, match="num_threads must be None or a non-zero integer, got 0"):
            mod.gradient(u3, num_threads=0)

    def test_num_threads_type(self, mod):
        with pytest.raises(TypeError, match="num_threads must be None or a non-zero integer"):
            mod.gradient(u3, num_threads=1.5)

    def test_num_threads_too_negative(self, mod):
        with pytest.raises(ValueError, match="leaves no threads"):
            mod.gradient(u3, num_threads=-1000)


def test_num_threads_negative_means_cpu_count_relative():
    import os
    got = fd.grid.gradient(u3, num_threads=-1)
    np.testing.assert_array_equal(got, fd.grid.gradient(u3, num_threads=os.cpu_count()))


def test_stencil_errors():
    with pytest.raises(ValueError, match="offsets must be distinct"):
        fd.stencil(1, offsets=[0, 1, 1])
    with pytest.raises(ValueError, match="offsets has 2 points, but a derivative of order 2 needs at least 3"):
        fd.stencil(2, offsets=[0, 1])
    with pytest.raises(ValueError, match="acc must be an even integer >= 2, got 5"):
        fd.stencil(1, acc=5)
    with pytest.raises(TypeError, match="offsets must be a 1-D sequence of real numbers"):
        fd.stencil(1, offsets=[[0, 1], [2, 3]])


_x = np.linspace(0.0, 1.0, 12)
_fit2 = fd.data.fit((_x, _x), np.add.outer(_x, _x ** 2))
_rng = np.random.default_rng(3)
_cloud = _rng.random((200, 2))
_sfit = fd.data.fit(_cloud, _cloud[:, 0] ** 2)


@pytest.mark.parametrize("call, exc, message", [
    # fd.data: engine limits and options
    (lambda: fd.data.fit(_x, _x, degree=99), ValueError, r"degree=99: at most \d+"),
    (lambda: fd.data.fit(_x, _x, extrapolate=1), TypeError, "extrapolate must be True or False"),
    (lambda: _fit2.derivative(0.5 * np.ones(2), (99, 0)), ValueError,
     r"orders=\(99, 0\): at most order \d+ per axis"),
    (lambda: _fit2.evaluate(None, "curl"), ValueError, "what: unknown quantity 'curl'"),
    (lambda: _fit2.directional(np.full((2, 2), 0.5), np.ones((3, 2))), ValueError,
     r"v has 3 directions; one per query point needs q of shape \(3, 2\), got 2 query"),
    (lambda: _fit2.gradient([0.5, np.nan]), ValueError, r"q must be finite; query point 0"),
    (lambda: _fit2.gradient([[0.5, 0.5], [0.5, 2.0]]), ValueError,
     r"query point 1 \[0.5, 2.0\] lies outside the sampled box"),
    (lambda: _sfit.gradient([[0.5, 0.5], [3.0, 0.5]]), ValueError,
     r"query point 1 \[3.0, 0.5\] lies outside the convex hull of the samples"),
    (lambda: _sfit.derivative([0.5, 0.5], (0, 5)), ValueError,
     r"a fifth derivative needs degree >= 5, got degree=\d"),
    (lambda: fd.data.fit(_rng.random((400, 3)), np.ones(400), degree=10), ValueError,
     r"degree=10 in 3-D has 286 monomials; the scattered engine fits at most"),
    (lambda: fd.data.fit(_cloud, _cloud[:, 0], smoothing=3), ValueError,
     r"smoothing=3 neighbours is too few for a degree-\d fit in 2-D"),
    (lambda: fd.data.fit(_cloud[:8], _cloud[:8, 0]), ValueError,
     r"points has 8 samples, but a degree-\d fit in 2-D needs \d+ neighbours"),
    (lambda: fd.data.fit((_x, _x), np.ones((12, 12)), smoothing=40).gradient(), ValueError,
     r"smoothing window 40 on axis 0 is longer than the axis \(12 samples\)"),
    (lambda: fd.data.fit((_x, _x), np.ones((12, 12)), smoothing=3, degree=3).gradient(),
     ValueError,
     r"smoothing window 3 on axis 0 is too short for degree 3"),
    # operators and plans
    (lambda: fd.grid.D(0, 30)(np.ones(200), acc=36, boundary="periodic"), ValueError,
     r"acc=36: a derivative stencil 65 taps wide, wider than the kernel's 64 taps"),
    (lambda: fd.grid.hessian(np.ones((80, 80)), acc=32), ValueError,
     r"acc=32: the operator reads 1089 samples per output element, more than the kernel's"),
    (lambda: fd.grid.D(0).plan((5,), dtype=np.str_), TypeError, "dtype .* is not supported"),
    (lambda: fd.grid.D(0) + "x", TypeError,
     "the term added must be an operator, a real number or a real array, got str"),
    (lambda: fd.grid.D(0) * "x", TypeError, "cannot multiply an operator by str"),
    (lambda: fd.grid.D(0) / np.ones(3), TypeError, "can only be divided by a number"),
    (lambda: 1j * fd.grid.D(0), TypeError, "complex coefficients are not supported"),
    (lambda: fd.grid.D(0).plan((5,))(np.ones(5), alpha=np.inf), ValueError,
     "alpha must be finite"),
    (lambda: fd.grid.D(0).plan((5,))(np.ones(6)), ValueError,
     r"u has shape \(6,\), but the plan was made for shape \(5,\)"),
    (lambda: fd.grid.D(0).plan((5,))(np.ones(5), beta=1.0), ValueError,
     r"beta=1.0 needs out="),
    (lambda: fd.grid.curl(np.ones((0, 4, 4))), ValueError, r"v has no components"),
    (lambda: fd.grid.divergence(np.ones(4)), ValueError, r"v must be a stack of fields"),
])
def test_moved_messages(call, exc, message):
    with pytest.raises(exc, match=message):
        call()
