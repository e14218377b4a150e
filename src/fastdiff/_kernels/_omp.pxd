# OpenMP shim: compiles with or without -fopenmp.
cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define FD_HAVE_OPENMP 1
    #else
    #define FD_HAVE_OPENMP 0
    static int omp_get_max_threads(void) { return 1; }
    static int omp_get_num_procs(void) { return 1; }
    #endif
    """
    int FD_HAVE_OPENMP
    int omp_get_max_threads() noexcept nogil
    int omp_get_num_procs() noexcept nogil
