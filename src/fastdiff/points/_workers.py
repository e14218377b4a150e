"""``workers=``: a non-vectorized f evaluated in parallel.

The stencil points of a batch are split into chunks of rows; each chunk is
evaluated by a picklable `Rows` (f row by row) through ``workers``: an int
(a ``multiprocessing`` pool of that size, made for the batch with the default
start method) or any map-like callable (``Pool.map``, an executor's ``map``,
``distributed.Client.get_executor().map``).  The rows are evaluated exactly
as the serial loop would, so the results are identical; an exception raised
by f in a worker comes back with its type and message.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle

import numpy as np

from .. import _validation as V

__all__ = ["Rows", "evaluate_rows"]

#: chunks per worker (a few, so that uneven costs of f balance)
CHUNKS_PER_WORKER = 4


class Rows:
    """f on each row of a chunk of points (picklable when f is)."""

    def __init__(self, f, args, kwargs):
        self.f, self.args, self.kwargs = f, args, kwargs

    def __call__(self, rows):
        return [self.f(p, *self.args, **self.kwargs) for p in rows]


def evaluate_rows(workers, f, args, kwargs, P):
    """f at every row of P through ``workers``: a list of f's values."""
    rows = Rows(f, args, kwargs)
    n = workers if isinstance(workers, int) else (os.cpu_count() or 1)
    chunks = np.array_split(P, max(1, min(len(P), n * CHUNKS_PER_WORKER)))
    if not isinstance(workers, int):
        parts = list(workers(rows, chunks))
    else:
        try:
            pickle.dumps(rows)
        except Exception as exc:
            raise V.unpicklable_f(exc) from None
        with multiprocessing.get_context().Pool(workers) as pool:
            parts = pool.map(rows, chunks)
    return [v for part in parts for v in part]
