"""Pure-NumPy versions of the point-batch kernels (``_kernels/_points.pyx``).

Same signatures and meaning; used by ``fastdiff.reference.points`` so that the
compiled layout and combination are checked against plain array code.
"""
import numpy as np


def layout(X, dirs, OFF, hl, P, nthreads):
    """P[i, 0] = x_i; P[i, 1 + (l*k + j)*K + t] = x_i + hl[l,i,j] * OFF[i,j,t] * d_ij."""
    N, n = X.shape
    k, K = OFF.shape[1], OFF.shape[2]
    L = hl.shape[0]
    if N == 0:
        return
    D = np.broadcast_to(np.eye(n), (N, n, n)) if dirs.shape[0] == 0 else dirs
    disp = hl[:, :, :, None] * OFF[None]                                 # (L, N, k, K)
    pts = X[None, :, None, None, :] + disp[..., None] * D[None, :, :, None, :]
    P[:, 0] = X
    P[:, 1:] = np.moveaxis(pts, 0, 1).reshape(N, L * k * K, n)


def combine(F, W, W0, hl, order, D, nthreads):
    """D[l, i, j] = (W0[i,j] f(x_i) + sum_t W[i,j,t] F[i, 1+(l*k+j)*K+t]) / hl^order."""
    N, rows, m = F.shape
    k, K = W.shape[1], W.shape[2]
    L = hl.shape[0]
    if N == 0:
        return
    Fs = np.moveaxis(F[:, 1:].reshape(N, L, k, K, m), 1, 0)              # (L, N, k, K, m)
    S = np.einsum("ijt,lijtq->lijq", W, Fs) + W0[None, :, :, None] * F[None, :, 0, None, :]
    D[...] = S / hl[..., None] ** order


def layout2(X, h, L, I, J, P, nthreads):
    """Second-derivative stencil points, in the order of ``_points.layout2``."""
    N, n = X.shape
    if N == 0:
        return
    pts = [X[:, None, :]]
    for lev in range(L):
        E = np.eye(n)[None] * (h / 2.0 ** lev)[:, :, None]                 # (N, n, n)
        pts += [X[:, None, :] - E, X[:, None, :] + E]
        if len(I):
            Ei, Ej = E[:, I, :], E[:, J, :]
            pts += [X[:, None, :] + Ei + Ej, X[:, None, :] + Ei - Ej,
                    X[:, None, :] - Ei + Ej, X[:, None, :] - Ei - Ej]
    P[...] = np.concatenate(pts, axis=1)
