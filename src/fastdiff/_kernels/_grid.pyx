# Grid kernels, baseline build (SSE2 on x86-64).  The code is in
# _grid_impl.pxi; _grid_avx2.pyx compiles the same code with -mavx2, and
# fastdiff._kernels picks the build the CPU supports at import.
include "_grid_impl.pxi"


cdef extern from *:
    """
    static int fd_cpu_has_avx512(void) {
    #if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    #else
        return 0;
    #endif
    }
    static int fd_cpu_has_avx2(void) {
    #if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    #else
        return 0;
    #endif
    }
    """
    int fd_cpu_has_avx2() noexcept nogil
    int fd_cpu_has_avx512() noexcept nogil


def cpu_has_avx2():
    """True when this CPU can run the AVX2 build of the kernels."""
    return bool(fd_cpu_has_avx2())


def cpu_has_avx512():
    """True when this CPU can run the AVX-512 build of the kernels."""
    return bool(fd_cpu_has_avx512())
