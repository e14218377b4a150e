"""``fastdiff.reference.points``: the point-batch functions with the
compiled layout/combination kernels replaced by plain NumPy
(``_points_numpy``).  Same signatures and results (to rounding) as
``fastdiff.points``; the step selection and Richardson logic are shared."""
import functools

from . import _points_numpy, points as _points

__all__ = ["derivative", "gradient", "jacobian", "hessian", "laplacian", "directional",
           "Result"]

Result = _points.Result


def _twin(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _points._using_kernels(_points_numpy):
            return fn(*args, **kwargs)
    wrapper.__doc__ = (f"Pure-NumPy twin of :func:`fastdiff.points.{fn.__name__}` "
                       f"(same arguments).")
    return wrapper


derivative = _twin(_points.derivative)
gradient = _twin(_points.gradient)
jacobian = _twin(_points.jacobian)
hessian = _twin(_points.hessian)
laplacian = _twin(_points.laplacian)
directional = _twin(_points.directional)
