# fd.data kernels, baseline build (SSE2 on x86-64).  The code is in
# _data_impl.pxi; _data_avx2.pyx compiles the same code with -mavx2, and
# fastdiff._kernels picks the build the CPU supports at import.
include "_data_impl.pxi"
