"""Deterministic grid calls whose results are pinned bitwise (tests/data/grid_hashes.json).

The hashes were computed by fastdiff before plans existed (commit de59783);
the three non-uniform ones again when interior rows on non-uniform grids
became centred and odd-width (issue "Accuracy", SPEC);
``python tests/_bitwise_cases.py > tests/data/grid_hashes.json`` rewrites them.
"""
import hashlib
import json

import numpy as np


def cases(fd):
    rng = np.random.default_rng(2024)
    u3 = rng.standard_normal((17, 20, 23))
    u2 = rng.standard_normal((40, 33)).astype(np.float32)
    c2 = rng.standard_normal((25, 30)) + 1j * rng.standard_normal((25, 30))
    v3 = rng.standard_normal((3, 12, 14, 16))
    x = np.cumsum(rng.uniform(0.5, 1.5, 20))
    g = fd.grid
    out = []
    for mode in ("one-sided", "periodic", "constant", "nearest", "reflect", "mirror"):
        for acc in (2, 4):
            kw = dict(acc=acc, boundary=mode, cval=0.5 if mode == "constant" else 0.0)
            out += [(f"lap3 {mode} {acc}", lambda kw=kw: g.laplacian(u3, spacing=0.3, **kw)),
                    (f"hes3 {mode} {acc}", lambda kw=kw: g.hessian(u3, **kw)),
                    (f"grad2f {mode} {acc}", lambda kw=kw: g.gradient(np.asfortranarray(u2), **kw)),
                    (f"der3 {mode} {acc}", lambda kw=kw: g.derivative(u3[:, ::-2], 1, 3, **kw)),
                    (f"lapc {mode} {acc}", lambda kw=kw: g.laplacian(c2, **kw)),
                    (f"curl {mode} {acc}", lambda kw=kw: g.curl(v3, **kw)),
                    (f"div {mode} {acc}", lambda kw=kw: g.divergence(v3, **kw)),
                    (f"jac {mode} {acc}", lambda kw=kw: g.jacobian(v3[:2], **kw)),
                    (f"dir {mode} {acc}", lambda kw=kw: g.directional(u3, [1, -2, 0.5], **kw))]
    out += [("nonuniform lap", lambda: g.laplacian(u3[:, :, :20], spacing=[0.1, 0.2, x])),
            ("nonuniform hes", lambda: g.hessian(u3[:, :, :20], spacing=[0.1, 0.2, x], acc=4)),
            ("nonuniform der", lambda: g.derivative(u3[:, :, :20], 2, 2, spacing=x, acc=6))]
    return out


def digest(a):
    a = np.ascontiguousarray(a)
    return hashlib.sha256(a.tobytes() + str(a.dtype).encode() + str(a.shape).encode()).hexdigest()


if __name__ == "__main__":
    import fastdiff as fd
    print(json.dumps({name: digest(f()) for name, f in cases(fd)}, indent=1))
