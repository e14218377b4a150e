"""Compiled kernels (Cython + OpenMP). Private: use fastdiff.grid / fastdiff.points."""
