# Grid kernels, AVX2 build: the same code as _grid.pyx (_grid_impl.pxi),
# compiled with -mavx2.  Imported only on CPUs that support AVX2.  Results
# are bitwise identical to the baseline build (no FMA contraction, the same
# operation order; only the vector width differs).
include "_grid_impl.pxi"
