"""The standard benchmark cases of ``fastdiff bench`` (see `fastdiff.bench`).

Each generator yields `Case` rows: the fastdiff call with its output
preallocated, the ``np.copyto`` baseline of the same array, the reference
twin and the installed peers.  The heat-equation helpers are shared with the
demo and ``benchmarks/bench_plans.py``.
"""
from __future__ import annotations

import numpy as np

from ._bench_util import have as _have


class Case:
    """One benchmark row.

    ``run`` is the fastdiff call (output preallocated), ``copy`` the np.copyto
    baseline for the same input, ``reference`` and ``peers`` callables to
    compare (``peers``: name -> callable); ``nbytes`` the bytes read and
    written by the operation, for the effective bandwidth.
    """

    def __init__(self, name, op, size, dtype, threads, run, copy, nbytes, reference=None,
                 peers=None, array_bytes=0, slow_repeat=1):
        self.name, self.op, self.size, self.dtype, self.threads = name, op, size, dtype, threads
        self.run, self.copy, self.nbytes = run, copy, nbytes
        self.reference, self.peers = reference, dict(peers or {})
        self.array_bytes = array_bytes
        self.slow_repeat = slow_repeat


def _grid_cases(fd, quick, threads):
    from fastdiff import reference as ref
    have_ndi = _have("scipy.ndimage")
    have_findiff = _have("findiff")
    if quick:
        sizes = [("2-D", (1024, 1024)), ("2-D", (2048, 2048)), ("3-D", (128, 128, 128)),
                 ("3-D", (256, 256, 256))]
        accs = (2, 4)
        thread_list = sorted({1, threads})
    else:
        sizes = [("2-D", (1024, 1024)), ("2-D", (4096, 4096)), ("3-D", (128, 128, 128)),
                 ("3-D", (256, 256, 256))]
        accs = (2, 4, 8)
        thread_list = sorted({1, threads})
    rng = np.random.default_rng(0)
    for dims, shape in sizes:
        label = "x".join(str(s) for s in shape)
        for dtype in ("float64", "float32"):
            u = rng.random(shape).astype(dtype)
            out = np.empty_like(u)
            copy_dst = np.empty_like(u)
            copy = (lambda u=u, d=copy_dst: np.copyto(d, u))
            for acc in accs:
                for nt in thread_list:
                    peers = {}
                    if acc == 2 and have_ndi:
                        from scipy import ndimage
                        peers["scipy.ndimage.laplace"] = (
                            lambda u=u: ndimage.laplace(u, mode="reflect"))
                    if acc == 2 and have_findiff:
                        import findiff
                        op = sum(findiff.Diff(ax, 1.0) ** 2 for ax in range(u.ndim))
                        peers["findiff"] = (lambda u=u, op=op: op(u))
                    yield Case(f"laplacian acc={acc}", "laplacian", label, dtype, nt,
                               (lambda u=u, o=out, a=acc, t=nt:
                                fd.grid.laplacian(u, acc=a, out=o, num_threads=t)),
                               copy, 2 * u.nbytes,
                               reference=(lambda u=u, a=acc: ref.laplacian(u, acc=a))
                               if acc == 2 else None,
                               peers=peers if nt == threads else {}, array_bytes=u.nbytes)
            k = u.ndim
            gout = np.empty((k,) + shape, dtype=dtype)
            gpeers = {"numpy.gradient": (lambda u=u: np.gradient(u, edge_order=2))}
            yield Case("gradient acc=2", "gradient", label, dtype, threads,
                       (lambda u=u, o=gout: fd.grid.gradient(u, out=o, num_threads=threads)),
                       copy, (1 + k) * u.nbytes, reference=(lambda u=u: ref.gradient(u)),
                       peers=gpeers, array_bytes=u.nbytes)
            if dims == "3-D":
                hout = np.empty((k, k) + shape, dtype=dtype)
                yield Case("hessian acc=2", "hessian", label, dtype, threads,
                           (lambda u=u, o=hout: fd.grid.hessian(u, out=o, num_threads=threads)),
                           copy, (1 + k * k) * u.nbytes,
                           reference=(lambda u=u: ref.hessian(u)), array_bytes=u.nbytes)


def numpy_laplacian(u, out):
    """The NumPy slicing Laplacian (unit step, interior points): the baseline
    time-stepping codes use."""
    inner = tuple(slice(1, -1) for _ in range(u.ndim))
    acc = (-2.0 * u.ndim) * u[inner]
    for ax in range(u.ndim):
        lo = list(inner)
        hi = list(inner)
        lo[ax] = slice(0, -2)
        hi[ax] = slice(2, None)
        acc += u[tuple(lo)]
        acc += u[tuple(hi)]
    out[inner] = acc
    return out


def heat_setup(n=256, kappa=0.1):
    """The heat equation u_t = kappa*lap(u) on an n x n periodic unit square:
    (u0, h, dt, kappa), dt = 0.2 h^2 / kappa (stable explicit Euler)."""
    h = 1.0 / n
    dt = 0.2 * h * h / kappa
    x = np.arange(n) * h
    u0 = np.sin(2 * np.pi * x)[:, None] * np.cos(2 * np.pi * x)[None, :]
    return u0, h, dt, kappa


def heat_fastdiff(steps=1000):
    """Explicit Euler steps with one reused plan call per step (the README's loop)."""
    import fastdiff as fd
    D = fd.grid.D
    u0, h, dt, kappa = heat_setup()
    step = (1 + dt * kappa * (D(0)**2 + D(1)**2)).plan(u0.shape, spacing=h,
                                                       boundary="periodic")
    u, v = u0.copy(), np.empty_like(u0)
    for _ in range(steps):
        step(u, out=v)
        u, v = v, u
    return u


def heat_numpy(steps=1000):
    """NumPy slicing with a periodic ghost layer (the usual hand-written loop)."""
    u0, h, dt, kappa = heat_setup()
    n = u0.shape[0]
    g = np.empty((n + 2, n + 2))
    g[1:-1, 1:-1] = u0
    c = dt * kappa / h**2
    for _ in range(steps):
        g[0, 1:-1], g[-1, 1:-1] = g[-2, 1:-1], g[1, 1:-1]
        g[1:-1, 0], g[1:-1, -1] = g[1:-1, -2], g[1:-1, 1]
        c0 = g[1:-1, 1:-1]
        g[1:-1, 1:-1] = c0 + c * (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
                                  - 4 * c0)
    return g[1:-1, 1:-1].copy()


def _plan_cases(fd, quick, threads):
    """Reused plans across sizes (call overhead to DRAM), the fused Euler
    step and a variable-coefficient operator."""
    D = fd.grid.D
    sizes = [("1-D", (100,)), ("1-D", (1000,)), ("1-D", (100_000,)), ("2-D", (16, 16)),
             ("2-D", (32, 32)), ("2-D", (64, 64)),
             ("2-D", (256, 256)), ("2-D", (1024, 1024)), ("3-D", (32, 32, 32)),
             ("3-D", (64, 64, 64)), ("3-D", (128, 128, 128))]
    if not quick:
        sizes += [("2-D", (128, 128)), ("2-D", (512, 512)), ("2-D", (4096, 4096)),
                  ("3-D", (256, 256, 256))]
    rng = np.random.default_rng(1)
    for dims, shape in sorted(sizes, key=lambda s: (s[0], np.prod(s[1]))):
        label = "x".join(str(s) for s in shape)
        u = rng.random(shape)
        out = np.empty_like(u)
        dst = np.empty_like(u)
        L = sum((D(a)**2 for a in range(1, len(shape))), D(0)**2)
        plan = L.plan(shape)
        yield Case("laplacian plan acc=2", f"plan laplacian {dims}", label, "float64", threads,
                   (lambda u=u, o=out, p=plan: p(u, o)),
                   (lambda u=u, d=dst: np.copyto(d, u)), 2 * u.nbytes,
                   peers={"numpy slicing": (lambda u=u, o=dst: numpy_laplacian(u, o))},
                   array_bytes=u.nbytes)
    for shape in ([(128, 128, 128)] if quick else [(256, 256, 256)]):
        label = "x".join(str(s) for s in shape)
        u = rng.random(shape)
        out = rng.random(shape)
        dst = np.empty_like(u)
        copy = (lambda u=u, d=dst: np.copyto(d, u))
        L = (D(0)**2 + D(1)**2 + D(2)**2).plan(shape)
        yield Case("euler step (beta=1)", "plan euler step", label, "float64", threads,
                   (lambda u=u, o=out, p=L: p(u, o, alpha=1e-3, beta=1.0)), copy,
                   3 * u.nbytes, array_bytes=u.nbytes)
        kappa = 1.0 + rng.random(shape)
        V = (kappa * (D(0)**2 + D(1)**2 + D(2)**2) + 0.5 * D(0)).plan(shape)
        yield Case("kappa*lap + c*D0", "plan variable coefficient", label, "float64", threads,
                   (lambda u=u, o=out, p=V: p(u, o)), copy, 3 * u.nbytes,
                   array_bytes=u.nbytes)


def _points_f(p):
    a = 0.1 * np.arange(1, p.shape[-1] + 1)
    return (np.sum(np.exp(a * p), axis=-1) + np.sum(np.sin(p[..., :-1]) * np.cos(p[..., 1:]),
                                                    axis=-1))


def _points_cases(fd, quick, threads):
    from fastdiff import reference as ref
    n = 10
    N = 2000 if quick else 10_000
    X = np.random.default_rng(1).uniform(-2, 2, (N, n))
    r = fd.points.gradient(_points_f, X, full_output=True)
    P = np.repeat(X, r.nfev, axis=0) + 1e-3
    peers = {}
    if _have("scipy.differentiate"):
        from scipy import differentiate
        peers["scipy.differentiate.jacobian"] = (
            lambda: differentiate.jacobian(lambda z: _points_f(np.moveaxis(z, 0, -1)), X.T))
    yield Case("points gradient n=10", "points", f"N={N}", "float64", threads,
               lambda: fd.points.gradient(_points_f, X, num_threads=threads),
               lambda: _points_f(P), X.nbytes + r.value.nbytes,
               reference=lambda: ref.points.gradient(_points_f, X), peers=peers)
    Nh = 200 if quick else 1000
    Xh = X[:Nh]
    rh = fd.points.hessian(_points_f, Xh, full_output=True)
    Ph = np.repeat(Xh, rh.nfev, axis=0) + 1e-3
    hpeers = {}
    if _have("numdifftools"):
        import numdifftools as nd
        H = nd.Hessian(lambda z: _points_f(z[None])[0])
        sample = Xh[:10]
        # per-point loop on 10 points, scaled to the batch
        hpeers["numdifftools.Hessian (per point)"] = (
            lambda: [H(x) for x in sample], Nh / len(sample))
    yield Case("points hessian n=10", "points", f"N={Nh}", "float64", threads,
               lambda: fd.points.hessian(_points_f, Xh, num_threads=threads),
               lambda: _points_f(Ph), Xh.nbytes + rh.value.nbytes,
               reference=lambda: ref.points.hessian(_points_f, Xh), peers=hpeers)


def _tridiagonal_f(P):
    """F_i = x_{i-1} - 2 x_i + x_{i+1} + x_i^3 on the rows of P (issue 16)."""
    out = -2 * P + P * P * P
    out[:, 1:] += P[:, :-1]
    out[:, :-1] += P[:, 1:]
    return out


def _sparse_cases(fd, quick, threads):
    """A sparse Jacobian by colouring (tridiagonal F, 3 colour groups; copy:
    its F evaluations alone; peer: scipy's approx_derivative with its own
    groups)."""
    import scipy.sparse as sp
    n = 20_000 if quick else 100_000
    S = sp.diags([np.ones(n - 1), np.ones(n), np.ones(n - 1)], [-1, 0, 1], format="csr")
    x = np.random.default_rng(2).uniform(-1, 1, n)
    colors = fd.points.color_columns(S)
    rows = fd.points.jacobian(_tridiagonal_f, x, sparsity=S, colors=colors,
                              full_output=True).nfev
    P = np.tile(x, (rows, 1))
    peers = {"fastdiff.points.color_columns (once per pattern)":
             lambda: fd.points.color_columns(S)}
    if _have("scipy.optimize"):
        from scipy.optimize._numdiff import approx_derivative, group_columns
        groups = group_columns(S)
        peers["scipy approx_derivative 3-point, its sparsity groups"] = (
            lambda: approx_derivative(lambda v: _tridiagonal_f(v[None])[0], x,
                                      sparsity=(S, groups), method="3-point"))
    yield Case("points sparse jacobian", "points", f"tridiagonal n={n}", "float64", threads,
               lambda: fd.points.jacobian(_tridiagonal_f, x, sparsity=S, colors=colors,
                                          num_threads=threads),
               lambda: _tridiagonal_f(P), x.nbytes + 3 * n * 8, peers=peers)


def _data_cases(fd, quick, threads):
    """fd.data's grid engine: values and gradient at random queries in a cube
    (against scipy's RegularGridInterpolator), and smoothed derivatives at
    the nodes of a large grid (against fd.grid.derivative with as many taps)."""
    n, M = (96, 100_000) if quick else (192, 1_000_000)
    x = np.linspace(0, 1, n)
    rng = np.random.default_rng(5)
    V = rng.random((n, n, n))
    q = rng.random((M, 3)) * 0.98 + 0.01
    fit = fd.data.fit((x, x, x), V, acc=4)
    out, src = np.empty((M, 4)), rng.random((M, 4))
    peers = {}
    if _have("scipy.interpolate"):
        from scipy.interpolate import RegularGridInterpolator as RGI
        lin = RGI((x, x, x), V, method="linear")
        peers["RegularGridInterpolator linear (values only)"] = lambda: lin(q)
        if not quick:
            def cubic():
                r = RGI((x, x, x), V, method="cubic")
                return [r(q, nu=nu) for nu in [(1, 0, 0), (0, 1, 0), (0, 0, 1)]]
            peers["RegularGridInterpolator cubic gradient (with build)"] = cubic
    for nt in sorted({1, threads}):
        yield Case("data value+gradient acc=4", "data", f"{n}^3 M={M}", "float64", nt,
                   (lambda nt=nt: fit.value_and_gradient(q, num_threads=nt)),
                   (lambda: np.copyto(out, src)), q.nbytes + out.nbytes,
                   peers=peers if nt == threads else None)
    Ns = 20_000 if quick else 100_000
    P = rng.uniform(0, 1, (Ns, 3))
    v = np.sin(3 * P[:, 0]) * np.cos(2 * P[:, 1]) * np.exp(P[:, 2])
    Qs = rng.uniform(0.1, 0.9, (Ns, 3))
    speers = {}
    if _have("scipy.interpolate"):
        from scipy.interpolate import RBFInterpolator
        speers["RBFInterpolator neighbors=30 (values only)"] = (
            lambda: RBFInterpolator(P, v, neighbors=30)(Qs))
        from fastdiff import reference as ref
        sub = Qs[:Ns // 200]
        speers["fastdiff.reference.data (on 0.5 % of the queries, scaled)"] = (
            lambda: (lambda r: (r.gradient(sub), r.hessian(sub)))(ref.data.fit(P, v)),
            Ns / len(sub))
        sout, ssrc = np.empty((Ns, 12)), rng.random((Ns, 12))
        for nt in sorted({1, threads}):
            yield Case("data scattered grad+hessian", "data", f"3-D N=M={Ns}", "float64", nt,
                       (lambda nt=nt: fd.data.fit(P, v).evaluate(Qs, ("gradient", "hessian"),
                                                                 num_threads=nt)),
                       (lambda: np.copyto(sout, ssrc)), P.nbytes + Qs.nbytes + sout.nbytes,
                       peers=speers if nt == threads else None)
    ns = 1024 if quick else 4096
    xs = np.linspace(0, 1, ns)
    u = rng.random((ns, ns))
    sm = fd.data.fit((xs, xs), u, smoothing=11, degree=3)
    dst = np.empty_like(u)
    yield Case("data smoothed d/dx (w=11)", "data", f"{ns}x{ns}", "float64", threads,
               (lambda: sm.derivative(None, (1, 0), num_threads=threads)),
               (lambda: np.copyto(dst, u)), 2 * u.nbytes,
               peers={"fd.grid.derivative, 21 taps": (
                   lambda: fd.grid.derivative(u, 0, acc=20, spacing=xs[1],
                                              num_threads=threads))},
               array_bytes=u.nbytes)


def standard_cases(quick=False, threads=None):
    """The standard set (a generator of `Case`)."""
    import fastdiff as fd
    from fastdiff._validation import num_threads as _nt
    threads = _nt(threads)
    yield from _grid_cases(fd, quick, threads)
    yield from _plan_cases(fd, quick, threads)
    yield from _points_cases(fd, quick, threads)
    yield from _sparse_cases(fd, quick, threads)
    yield from _data_cases(fd, quick, threads)
