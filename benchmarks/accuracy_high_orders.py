"""What floating point allows for high-order derivatives, against what
``fd.points.derivative`` reaches (a script, not a pytest module).

    python benchmarks/accuracy_high_orders.py

For the classic functions of ``tests/test_points_estimates.py`` (sin, cos,
exp, log, sqrt, 1/x, tan, arctan at 28 interior points of [0.3, 3]; tan up
to 1.3) and orders 1-7 it prints the worst correct digits over the points
(elements where the true derivative is not near a root) of:

* the oracle: the best of every central stencil of accuracy 2-24 at every
  step of a log grid from 1e-4 to 2 (stencils kept inside f's domain),
  evaluated in float64 and chosen *knowing the true value* -- what one
  float64 finite-difference formula can give at best;
* ``derivative(f, x, order=k)`` at its defaults, and with ``rtol=1e-10``.

Correct digits: -log10 of the relative error.  Takes a minute or two.
"""
import math
import os
import sys

import numpy as np

import fastdiff as fd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from test_points_estimates import HIGH, XH  # noqa: E402

STEPS = np.logspace(-4, 0.3, 120)
ACCS = range(2, 26, 2)
POSITIVE = ("log", "sqrt", "inv")           # domain x > 0


def _points(name):
    return XH[XH < 1.31] if name == "tan" else XH


def _digits(value, truth):
    big = np.abs(truth) > 1e-3 * np.max(np.abs(truth))
    rel = np.abs(value - truth)[big] / np.abs(truth[big])
    return float(np.min(-np.log10(np.maximum(rel, 1e-17))))


def oracle(name, order):
    f, dk = HIGH[name]
    x = _points(name)
    truth = dk(x, order)
    best = np.full(len(x), np.inf)
    for acc in ACCS:
        st = fd.stencil(order, acc)
        off, w = st.offsets.astype(float), st.weights
        reach = off.max()
        for h in STEPS:
            with np.errstate(all="ignore"):
                D = f(x[:, None] + off[None, :] * h) @ w / h ** order
            ok = np.isfinite(D)
            if name in POSITIVE:
                ok &= x - reach * h > 0
            if name == "tan":
                ok &= x + reach * h < math.pi / 2
            err = np.abs(D - truth)
            best = np.where(ok & (err < best), err, best)
    return _digits(truth + best, truth)


def ours(name, order, **kw):
    f, dk = HIGH[name]
    x = _points(name)
    with np.errstate(all="ignore"):
        r = fd.points.derivative(f, x, order=order, full_output=True, **kw)
    return _digits(r.value, dk(x, order)), r.nfev


def main():
    names = sorted(HIGH)
    print("worst correct digits per function: oracle / default / rtol=1e-10 "
          "(evaluations per point of the two calls)")
    print("order  " + "  ".join(f"{n:>20}" for n in names) + "   worst: oracle default rtol")
    for order in range(1, 8):
        cells, worst = [], np.full(3, np.inf)
        for name in names:
            o = oracle(name, order)
            d, nd = ours(name, order)
            t, nt = ours(name, order, rtol=1e-10)
            worst = np.minimum(worst, [o, d, t])
            cells.append(f"{o:4.1f}/{d:4.1f}/{t:4.1f} ({nd}/{nt})".rjust(20))
        print(f"{order:5d}  " + "  ".join(cells)
              + "   {:6.1f} {:7.1f} {:4.1f}".format(*worst), flush=True)


if __name__ == "__main__":
    main()
