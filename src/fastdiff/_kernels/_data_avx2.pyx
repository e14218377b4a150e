# fd.data kernels, AVX2 build: the same code as _data.pyx (_data_impl.pxi),
# compiled with -mavx2.  Imported only on CPUs that support AVX2.
include "_data_impl.pxi"
