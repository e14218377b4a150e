# Grid kernels, AVX-512 build: the same code as _grid.pyx (_grid_impl.pxi),
# compiled with -mavx512f and 512-bit vectors preferred.  Imported only on
# CPUs that support AVX-512F.  Results are bitwise identical to the other
# builds (no FMA contraction, the same operation order; only the vector
# width differs).
include "_grid_impl.pxi"
