"""``python -m fastdiff demo``: a short tour on generated data, each result
checked (against ``fastdiff.reference``, analytic derivatives or peers) and
timed; the number of failed checks is the exit status."""
from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np


def _best_time(fn, repeat=5):
    """Best of ``repeat`` timed calls after one warm-up (the bench's timer)."""
    from fastdiff.bench import _best
    return _best(fn, repeat)


class _Checker:
    """Collects demo checks: one printed line each, failure remembered."""

    def __init__(self, out):
        self.out = out
        self.failed = 0
        self.count = 0

    def check(self, label, got, want, rtol, seconds=None, ref_seconds=None, scale=None):
        """Pass when max|got - want| <= rtol * scale (default: max|want|).

        ``got`` may be a callable: it is then timed (best of 3 after a warm-up)
        and its result checked.
        """
        if callable(got):
            fn = got
            got = fn()
            if seconds is None:
                seconds = _best_time(fn, repeat=3)
        got = np.asarray(got)
        want = np.asarray(want)
        if scale is None:
            scale = max(float(np.max(np.abs(want))), 1e-300) if want.size else 1.0
        err = float(np.max(np.abs(got - want))) / scale if want.size else 0.0
        ok = got.shape == want.shape and np.all(np.isfinite(got) == np.isfinite(want)) and err <= rtol
        self.count += 1
        if not ok:
            self.failed += 1
        timing = ""
        if seconds is not None:
            timing = f"{seconds * 1e3:9.2f} ms"
            if ref_seconds is not None:
                timing += f"  ({ref_seconds / seconds:5.1f}x reference)"
        print(f"  [{'ok' if ok else 'FAIL'}] {label:<66} err {err:8.1e}  {timing}", file=self.out)
        return ok


def _stencils(ck, out, fd, ref, size):
    """Stencil weights; the demo's 3-D field."""
    print("\nstencil weights", file=out)
    print(f"  {fd.stencil(1, acc=4)!r}", file=out)
    print(f"  {fd.stencil(2, offsets=[0, 1, 2, 3])!r}", file=out)

    n = size
    x = np.linspace(0.0, 2 * np.pi, n)
    h = x[1] - x[0]
    X, Y, Z = np.meshgrid(x, x, x, indexing="ij")
    u = np.sin(X) * np.cos(2 * Y) + np.exp(0.1 * Z)
    exact = np.stack([np.cos(X) * np.cos(2 * Y), -2 * np.sin(X) * np.sin(2 * Y), 0.1 * np.exp(0.1 * Z)])
    return SimpleNamespace(x=x, h=h, n=n, X=X, Y=Y, Z=Z, u=u, exact=exact)


def _gradient(ck, out, fd, ref, F):
    exact, h, n, u = F.exact, F.h, F.n, F.u
    print(f"\ngradient of a {n}^3 float64 field (uniform spacing h={h:.4f})", file=out)
    g_out = np.empty((3,) + u.shape)
    for acc in (2, 4, 6, 8):
        t = _best_time(lambda: fd.grid.gradient(u, spacing=h, acc=acc, out=g_out))
        tr = _best_time(lambda: ref.gradient(u, spacing=h, acc=acc), repeat=1)
        g = fd.grid.gradient(u, spacing=h, acc=acc)
        ck.check(f"gradient acc={acc} vs reference", g, ref.gradient(u, spacing=h, acc=acc),
                 1e-12, t, tr)
        err = np.max(np.abs(g - exact)) / np.max(np.abs(exact))
        print(f"         error vs the analytic gradient: {err:.1e}", file=out)

    t = _best_time(lambda: fd.grid.gradient(u, spacing=h, out=g_out))
    tn = _best_time(lambda: np.gradient(u, h, edge_order=2), repeat=2)
    ck.check("gradient acc=2 vs numpy.gradient(edge_order=2)",
             lambda: fd.grid.gradient(u, spacing=h),
             np.stack(np.gradient(u, h, edge_order=2)), 1e-12, t)
    print(f"         {tn / t:.1f}x faster than numpy.gradient", file=out)


def _modes(ck, out, fd, ref, F):
    h, n, u = F.h, F.n, F.u
    print("\nboundary modes, orders and dtypes", file=out)
    for mode in ("periodic", "reflect", "mirror", "nearest", "constant"):
        ck.check(f"second derivative, axis 1, boundary={mode}",
                 lambda: fd.grid.derivative(u, 1, 2, spacing=h, acc=4, boundary=mode),
                 ref.derivative(u, 1, 2, spacing=h, acc=4, boundary=mode), 1e-12)
    u32 = u.astype(np.float32)
    ck.check("float32 gradient acc=4", lambda: fd.grid.gradient(u32, spacing=h, acc=4),
             ref.gradient(u32, spacing=h, acc=4), 5e-5)
    xs = np.sort(np.random.default_rng(1).uniform(0, 2 * np.pi, n))
    xs[0], xs[-1] = 0.0, 2 * np.pi
    uc = np.sin(xs)[:, None, None] * u[0]
    ck.check("non-uniform coordinates, axis 0, acc=4",
             lambda: fd.grid.derivative(uc, 0, spacing=xs, acc=4),
             ref.derivative(uc, 0, spacing=xs, acc=4),
             1e-11)
    uz = (u + 1j * u[::-1]).astype(np.complex128)
    ck.check("complex128 third derivative, periodic",
             lambda: fd.grid.derivative(uz, 2, 3, spacing=h, boundary="periodic"),
             ref.derivative(uz, 2, 3, spacing=h, boundary="periodic"), 1e-12)


def _operators(ck, out, fd, ref, F):
    X, Y, Z, h, n, u = F.X, F.Y, F.Z, F.h, F.n, F.u
    print(f"\noperators on the {n}^3 field", file=out)
    lap_out = np.empty_like(u)
    for acc in (2, 4):
        t = _best_time(lambda: fd.grid.laplacian(u, spacing=h, acc=acc, out=lap_out))
        tr = _best_time(lambda: ref.laplacian(u, spacing=h, acc=acc), repeat=1)
        ck.check(f"laplacian acc={acc} vs reference",
                 lambda: fd.grid.laplacian(u, spacing=h, acc=acc),
                 ref.laplacian(u, spacing=h, acc=acc), 1e-12, t, tr)
    H = fd.grid.hessian(u, spacing=h, boundary="reflect")
    t = _best_time(lambda: fd.grid.hessian(u, spacing=h, boundary="reflect"), repeat=2)
    ck.check("hessian (reflect) vs reference", H,
             ref.hessian(u, spacing=h, boundary="reflect"), 1e-12, t)
    ck.check("laplacian = trace of the hessian", lambda: np.trace(H),
             fd.grid.laplacian(u, spacing=h, boundary="reflect"), 1e-12)
    vf = np.stack([u, np.cos(X) * Z, np.sin(Y) * X])
    ck.check("divergence vs reference", lambda: fd.grid.divergence(vf, spacing=h),
             ref.divergence(vf, spacing=h), 1e-12)
    ck.check("curl vs reference", lambda: fd.grid.curl(vf, spacing=h, boundary="periodic"),
             ref.curl(vf, spacing=h, boundary="periodic"), 1e-12)
    ck.check("curl of a gradient is 0 (periodic)",
             lambda: fd.grid.curl(fd.grid.gradient(u, spacing=h, boundary="periodic"), spacing=h,
                          boundary="periodic"), np.zeros((3,) + u.shape), 1e-12,
             scale=float(np.max(np.abs(u))) / h**2)
    ck.check("jacobian vs reference", lambda: fd.grid.jacobian(vf[:2], spacing=h, acc=4),
             ref.jacobian(vf[:2], spacing=h, acc=4), 1e-12)
    ck.check("directional derivative along (1, 2, 2)",
             lambda: fd.grid.directional(u, [1.0, 2.0, 2.0], spacing=h),
             ref.directional(u, [1.0, 2.0, 2.0], spacing=h), 1e-12)
    try:
        A = fd.grid.laplacian_matrix(u.shape, spacing=h, boundary="periodic")
    except ImportError:
        print("  (scipy not installed: sparse operator matrices skipped)", file=out)
    else:
        ck.check("laplacian_matrix @ u.ravel() = laplacian(u)",
                 lambda: (A @ u.ravel()).reshape(u.shape),
                 fd.grid.laplacian(u, spacing=h, boundary="periodic"), 1e-12)
        D = fd.grid.matrix(u.shape, 1, 2, spacing=h, acc=4)
        ck.check("matrix(order=1, axis=2) @ u.ravel() = derivative(u, 2)",
                 lambda: (D @ u.ravel()).reshape(u.shape),
                 fd.grid.derivative(u, 2, spacing=h, acc=4), 1e-12)


def _plans(ck, out, fd, ref, F):
    X, Y, h, u = F.X, F.Y, F.h, F.u
    print("\noperator expressions and reused plans (fd.grid.D)", file=out)
    Dx = fd.grid.D
    kappa = 1.0 + 0.5 * np.sin(X)
    A = kappa * (Dx(0)**2 + Dx(1)**2 + Dx(2)**2) - 2.0 * Dx(0) + 3.0
    ck.check("kappa(x)*lap(u) - 2 du/dx + 3u vs fastdiff.reference.apply",
             lambda: A(u, spacing=h, boundary="reflect"),
             ref.apply(A, u, spacing=h, boundary="reflect"), 1e-12)
    M3 = Dx(0)**2 * Dx(1)
    ck.check("d3u/dx2dy of sin(x)cos(2y) = 2 sin(x) sin(2y), acc=6",
             lambda: M3(u, spacing=h, acc=6),
             2 * np.sin(X) * np.sin(2 * Y), 30 * h**6)
    try:
        Am = kappa[:12, :10, :8] * (Dx(0)**2 + Dx(1)**2 + Dx(2)**2) - 2.0 * Dx(0) + 3.0
        pm = Am.plan((12, 10, 8), spacing=h, boundary="mirror")
        um = np.ascontiguousarray(u[:12, :10, :8])
        ck.check("plan.matrix() @ u.ravel() = plan(u) (coefficients included)",
                 lambda: (pm.matrix() @ um.ravel()).reshape(um.shape), pm(um), 1e-12)
    except ImportError:
        print("  (scipy not installed: plan.matrix skipped)", file=out)
    from fastdiff.bench import heat_fastdiff, heat_numpy, heat_setup
    u0, _, dt, kap = heat_setup()
    t = _best_time(heat_fastdiff, repeat=2)
    tn = _best_time(heat_numpy, repeat=1)
    decay = np.exp(-8 * np.pi**2 * kap * 1000 * dt)
    ck.check("heat equation, 1000 explicit steps on 256^2, one plan call per step",
             heat_fastdiff, heat_numpy(), 1e-12, t)
    err = np.max(np.abs(heat_fastdiff() - decay * u0))
    print(f"         {tn / t:.1f}x faster than NumPy slicing; error vs the exact "
          f"decay {err:.1e}", file=out)


def _seed_grid(ck, out, fd, ref, F):
    print("\nseed example: f = x^2 + y^2 on a 20x20 grid over [-2, 2]^2", file=out)
    s = np.linspace(-2, 2, 20)
    XX, YY = np.meshgrid(s, s, indexing="ij")
    gx, gy = fd.grid.gradient(XX**2 + YY**2, spacing=s[1] - s[0])
    ck.check("gradient equals (2x, 2y) at every grid point", lambda: np.stack([gx, gy]),
             np.stack([2 * XX, 2 * YY]), 1e-12)
    ck.check("hessian equals [[2, 0], [0, 2]] at every grid point",
             lambda: fd.grid.hessian(XX**2 + YY**2, spacing=s[1] - s[0]),
             np.broadcast_to(np.array([[2.0, 0], [0, 2.0]])[:, :, None, None], (2, 2, 20, 20)),
             1e-12)
    ck.check("laplacian equals 4 at every grid point",
             lambda: fd.grid.laplacian(XX**2 + YY**2, spacing=s[1] - s[0]),
             np.full((20, 20), 4.0), 1e-12)
    return s


def _sampled(ck, out, fd, ref, F):
    s = F
    print("\nsampled data (fd.data): the seed's flattened meshgrid, queries between nodes",
          file=out)
    X2, Y2 = np.meshgrid(s, s)
    pts = np.column_stack([X2.flatten(), Y2.flatten()])
    fit = fd.data.fit(pts, (X2**2 + Y2**2).flatten())
    tq = np.array([[1.0, 1.0], [0.0, 0.0], [-1.0, 2.0]])
    ck.check("gradient at (1, 1), (0, 0), (-1, 2) = (2, 2), (0, 0), (-2, 4)",
             lambda: fit.gradient(tq), np.array([[2.0, 2], [0, 0], [-2, 4]]), 1e-10,
             scale=1.0)
    ck.check("hessian at (0, 0) = [[2, 0], [0, 2]]", lambda: fit.hessian(np.zeros((1, 2)))[0],
             np.array([[2.0, 0], [0, 2.0]]), 1e-10, scale=1.0)
    ck.check("laplacian at (0, 0) and (1, 1) = 4", lambda: fit.laplacian(tq[[1, 0]]),
             np.full(2, 4.0), 1e-10)
    vfit = fd.data.fit(pts, np.column_stack([(X2**2 + Y2).flatten(), (X2 * Y2).flatten()]))
    ck.check("jacobian of (x^2 + y, xy) at (1, 2) = [[2, 1], [2, 1]]",
             lambda: vfit.jacobian(np.array([[1.0, 2.0]]))[0],
             np.array([[2.0, 1.0], [2.0, 1.0]]), 1e-10)
    Xi, Yi = np.meshgrid(s, s, indexing="ij")
    nfit = fd.data.fit((s, s), Xi**2 * Yi + np.sin(Xi * Yi), acc=6)
    Qr = np.random.default_rng(4).uniform(-1.8, 1.8, (100_000, 2))
    a_, b_ = Qr[:, 0], Qr[:, 1]
    t = _best_time(lambda: nfit.derivative(Qr, (1, 1)), repeat=3)
    ck.check("d2f/dxdy of x^2 y + sin(xy), 1e5 random points, acc=6 (abs err)",
             lambda: nfit.derivative(Qr, (1, 1)),
             2 * a_ + np.cos(a_ * b_) - a_ * b_ * np.sin(a_ * b_), 1.5e-3, t, scale=1.0)

    try:
        import scipy.spatial  # noqa: F401  (the scattered engine's k-d tree)
    except ImportError:
        print("\nscattered samples (fd.data): skipped, scipy is not installed", file=out)
    else:
        print("\nscattered samples (fd.data): the seed's functions at 400 random points",
              file=out)
        Ps = np.random.default_rng(0).uniform(-2, 2, (400, 2))
        sfit = fd.data.fit(Ps, Ps[:, 0]**2 + Ps[:, 1]**2)
        tq2 = np.array([[1.0, 1.0], [0.0, 0.0], [-1.0, 1.5]])
        ck.check("gradient at (1, 1), (0, 0), (-1, 1.5) = (2, 2), (0, 0), (-2, 3)",
                 lambda: sfit.gradient(tq2), np.array([[2.0, 2], [0, 0], [-2, 3]]), 1e-9,
                 scale=1.0)
        vsfit = fd.data.fit(Ps, np.column_stack([Ps[:, 0]**2 + Ps[:, 1], Ps[:, 0] * Ps[:, 1]]))
        ck.check("jacobian of (x^2 + y, xy) at (1, 1.5) = [[2, 1], [1.5, 1]]",
                 lambda: vsfit.jacobian(np.array([[1.0, 1.5]]))[0],
                 np.array([[2.0, 1.0], [1.5, 1.0]]), 1e-9)
        Pn = np.random.default_rng(5).uniform(-2, 2, (4000, 2))
        nsfit = fd.data.fit(Pn, Pn[:, 0]**2 * Pn[:, 1] + np.sin(Pn[:, 0] * Pn[:, 1]))
        Qs = np.random.default_rng(6).uniform(-1.5, 1.5, (2000, 2))
        a2, b2 = Qs[:, 0], Qs[:, 1]
        ck.check("d2f/dxdy of x^2 y + sin(xy), 4000 samples (abs err <= 1e-2)",
                 lambda: nsfit.derivative(Qs, (1, 1)),
                 2 * a2 + np.cos(a2 * b2) - a2 * b2 * np.sin(a2 * b2), 1e-2, scale=1.0)


def _points(ck, out, fd, ref, F):
    print("\nblack-box functions at batches of points (fd.points)", file=out)
    f1 = lambda p: p[:, 0] ** 2 * p[:, 1] + 3 * np.log(p[:, 0] * p[:, 1])  # noqa: E731
    P2 = np.random.default_rng(2).uniform(0.5, 2.0, (2000, 2))
    t = _best_time(lambda: fd.points.gradient(f1, P2), repeat=3)
    ck.check("gradient of x^2 y + 3 ln(xy) = (2xy + 3/x, x^2 + 3/y)",
             lambda: fd.points.gradient(f1, P2),
             np.stack([2 * P2[:, 0] * P2[:, 1] + 3 / P2[:, 0], P2[:, 0] ** 2 + 3 / P2[:, 1]],
                      axis=1), 1e-10, t)
    f2 = lambda p: np.stack([p[:, 0] ** 2 * p[:, 1], 5 * p[:, 0] + np.sin(p[:, 1])], axis=1)  # noqa: E731
    x0 = np.array([1.5, 0.5])
    ck.check("jacobian of (x^2 y, 5x + sin y) = [[2xy, x^2], [5, cos y]]",
             lambda: fd.points.jacobian(f2, x0),
             np.array([[1.5, 2.25], [5.0, np.cos(0.5)]]), 1e-10)
    f3 = lambda p: p[:, 0] ** 3 - 2 * p[:, 0] * p[:, 1] - p[:, 1] ** 6  # noqa: E731
    ck.check("hessian of x^3 - 2xy - y^6 at (1, 2) = [[6, -2], [-2, -480]]",
             lambda: fd.points.hessian(f3, [1.0, 2.0]),
             np.array([[6.0, -2.0], [-2.0, -480.0]]), 1e-7)
    f4 = lambda p: np.sum(np.sin(p) * np.exp(0.1 * p), axis=1)  # noqa: E731
    P10 = np.random.default_rng(3).uniform(-2, 2, (500, 10))
    ck.check("laplacian vs fastdiff.reference.points", lambda: fd.points.laplacian(f4, P10),
             ref.points.laplacian(f4, P10), 1e-9)
    ck.check("complex-step gradient of sum(sin) = cos",
             lambda: fd.points.gradient(lambda p: np.sum(np.sin(p), axis=1), P10,
                                        method="complex"), np.cos(P10), 1e-14)
    ck.check("directional derivative of x^2 + y^2 along (1, 1) = (2x + 2y)/sqrt(2)",
             lambda: fd.points.directional(lambda p: p[:, 0] ** 2 + p[:, 1] ** 2, P2, [1.0, 1.0]),
             (2 * P2[:, 0] + 2 * P2[:, 1]) / np.sqrt(2), 1e-10)
    xs1 = np.linspace(0, 3, 31)
    ck.check("second derivative of sin, elementwise = -sin",
             lambda: fd.points.derivative(np.sin, xs1, 2), -np.sin(xs1), 1e-7)


def demo(out=sys.stdout, size=96):
    """A short tour on generated data, checked against ``fastdiff.reference``.

    Returns the number of failed checks.
    """
    import fastdiff as fd
    from fastdiff import reference as ref

    print(f"fastdiff {fd.__version__} demo  (OpenMP: {fd.openmp_enabled()}, "
          f"threads: {fd._config.config()['max_threads']})", file=out)
    ck = _Checker(out)

    F = _stencils(ck, out, fd, ref, size)
    _gradient(ck, out, fd, ref, F)
    _modes(ck, out, fd, ref, F)
    _operators(ck, out, fd, ref, F)
    _plans(ck, out, fd, ref, F)
    s = _seed_grid(ck, out, fd, ref, F)
    _sampled(ck, out, fd, ref, s)
    _points(ck, out, fd, ref, F)
    print(f"\n{ck.count - ck.failed} of {ck.count} checks passed", file=out)
    return ck.failed

