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
  float64 finite-difference formula can give at best, luck included: of
  1,440 formulas whose rounding errors are nearly independent draws, the
  one whose error happens to cancel is picked;
* the typical oracle: the same choice made on each formula's *median*
  error over `JITTERS` steps within 1e-7 of the grid's (the same formula,
  other rounding errors) -- what the best formula gives without that luck,
  the yardstick of "where floating point allows it";
* ``derivative(f, x, order=k)`` at its defaults, and with ``rtol=1e-10``.

Then, for one-sided derivatives (``method="forward"``/``"backward"``) of
orders 5-7 at their defaults: the worst and the median correct digits per
function, and the share of elements whose error the estimate covers.

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


def _digits(value, truth, stat=np.min):
    big = np.abs(truth) > 1e-3 * np.max(np.abs(truth))
    rel = np.abs(value - truth)[big] / np.abs(truth[big])
    return float(stat(-np.log10(np.maximum(rel, 1e-17))))


#: steps per formula of the typical oracle (relative jitter within 1e-7)
JITTERS = 15


def oracles(name, order):
    """(oracle, typical oracle): worst correct digits over the points."""
    f, dk = HIGH[name]
    x = _points(name)
    truth = dk(x, order)
    lucky = np.full(len(x), np.inf)
    typical = np.full(len(x), np.inf)
    jitter = 1 + 1e-7 * np.random.default_rng(order).uniform(-1, 1, JITTERS)
    jitter[0] = 1.0
    for acc in ACCS:
        st = fd.stencil(order, acc)
        off, w = st.offsets.astype(float), st.weights
        reach = off.max()
        for h0 in STEPS:
            hs = h0 * jitter
            with np.errstate(all="ignore"):
                D = f(x[:, None, None] + off * hs[:, None]) @ w / hs ** order
            err = np.abs(D - truth[:, None])                  # (points, jitters)
            ok = np.all(np.isfinite(err), axis=1)
            if name in POSITIVE:
                ok &= x - reach * hs.max() > 0
            if name == "tan":
                ok &= x + reach * hs.max() < math.pi / 2
            med = np.median(err, axis=1)
            lucky = np.where(ok & (err[:, 0] < lucky), err[:, 0], lucky)
            typical = np.where(ok & (med < typical), med, typical)
    return _digits(truth + lucky, truth), _digits(truth + typical, truth)


def ours(name, order, **kw):
    f, dk = HIGH[name]
    x = _points(name)
    with np.errstate(all="ignore"):
        r = fd.points.derivative(f, x, order=order, full_output=True, **kw)
    return _digits(r.value, dk(x, order)), r.nfev


def main():
    names = sorted(HIGH)
    print("worst correct digits per function: oracle / typical oracle / default / rtol=1e-10 "
          "(evaluations per point of the two calls)")
    print("order  " + "  ".join(f"{n:>25}" for n in names)
          + "   worst: oracle typical default rtol")
    short = []
    for order in range(1, 8):
        cells, worst = [], np.full(4, np.inf)
        for name in names:
            o, ty = oracles(name, order)
            d, nd = ours(name, order)
            t, nt = ours(name, order, rtol=1e-10)
            worst = np.minimum(worst, [o, ty, d, t])
            cells.append(f"{o:4.1f}/{ty:4.1f}/{d:4.1f}/{t:4.1f} ({nd}/{nt})".rjust(25))
            if ty >= 10 and t < 10:
                short.append(f"{name} order {order}: {t:.2f} (typical oracle {ty:.1f})")
        print(f"{order:5d}  " + "  ".join(cells)
              + "   {:6.1f} {:8.1f} {:7.1f} {:4.1f}".format(*worst), flush=True)
    print("rtol=1e-10 short of 10 digits where the typical oracle reaches 10: "
          + ("; ".join(short) if short else "none"))
    one_sided(names)


def one_sided(names):
    print("\none-sided, default settings: worst/median correct digits per function "
          "(evaluations per point; estimates covering the errors)")
    print("method    order  " + "  ".join(f"{n:>9}" for n in names))
    for method in ("forward", "backward"):
        for order in (5, 6, 7):
            cells, covered, total = [], 0, 0
            for name in names:
                f, dk = HIGH[name]
                x = _points(name)
                with np.errstate(all="ignore"):
                    r = fd.points.derivative(f, x, order=order, method=method, full_output=True)
                truth = dk(x, order)
                cells.append(f"{_digits(r.value, truth):4.1f}/"
                             f"{_digits(r.value, truth, np.median):4.1f}")
                ok = np.abs(r.value - truth) <= r.error + 1e-13 * np.abs(truth)
                covered, total = covered + ok.sum(), total + ok.size
            print(f"{method:9} {order:5d}  " + "  ".join(c.rjust(9) for c in cells)
                  + f"   ({r.nfev}; {100 * covered / total:.1f} %)", flush=True)


if __name__ == "__main__":
    main()
