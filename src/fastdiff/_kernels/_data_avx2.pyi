# Type stubs of fd.data's kernels, AVX2 build (the interface of _data.pyi).
import numpy as np

LIMITS: dict[str, int]

def order_queries(q: np.ndarray, lo: np.ndarray, hi: np.ndarray, nb: np.ndarray,
                  order: np.ndarray) -> None: ...
def grid_eval(vals: np.ndarray, vstr: np.ndarray, m: int, coords: np.ndarray,
              coff: np.ndarray, h: np.ndarray, q: np.ndarray, order: np.ndarray, q0: int,
              K: np.ndarray, G: np.ndarray, deg: int, use_nodes: bool, nstart: np.ndarray,
              nw: np.ndarray, nwoff: np.ndarray, GW: np.ndarray, lvl: np.ndarray,
              sorder: np.ndarray, sparent: np.ndarray, boff: np.ndarray, bsize: int,
              rsuf: np.ndarray, dest: np.ndarray, dcoef: np.ndarray, out: np.ndarray,
              ostride: int, cstride: int, nthreads: int) -> int: ...
def scattered_eval(P: np.ndarray, vals: np.ndarray, q: np.ndarray, nbr: np.ndarray,
                   dist: np.ndarray, E: np.ndarray, par: np.ndarray, var: np.ndarray,
                   C2: int, rscale: float, mono: np.ndarray, fact: np.ndarray,
                   order: np.ndarray, dest: np.ndarray, dcoef: np.ndarray, out: np.ndarray,
                   out2: np.ndarray, ostride: int, cstride: int, rcond: float,
                   ok: np.ndarray, nthreads: int) -> None: ...
def outside_hull(q: np.ndarray, eq: np.ndarray, tol: float, nthreads: int) -> int: ...
