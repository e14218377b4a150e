"""Build the Cython kernels with -O3 and OpenMP (serial fallback with a warning).

Environment switches:
  FASTDIFF_NO_OPENMP=1  force a serial build
  FASTDIFF_DEBUG=1      bounds checking and assertions on, -O1 -g
"""
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

DEBUG = os.environ.get("FASTDIFF_DEBUG", "0") not in ("", "0")
NO_OPENMP = os.environ.get("FASTDIFF_NO_OPENMP", "0") not in ("", "0")

# (module, extra compile flags): the AVX2 build is the same code as _grid
KERNELS = [("_grid", []), ("_grid_avx2", ["-mavx2"]),
           ("_grid_avx512", ["-mavx2", "-mavx512f", "-mavx512vl", "-mprefer-vector-width=512"]),
           ("_points", []), ("_data", []), ("_data_avx2", ["-mavx2"])]

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": False,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
}


def _compiles(cc, flags, src):
    """Compile and link a tiny C program with the given compiler and flags."""
    tmp = tempfile.mkdtemp()
    try:
        path = os.path.join(tmp, "t.c")
        with open(path, "w") as fh:
            fh.write(src)
        cmd = list(cc) + list(flags) + [path, "-o", os.path.join(tmp, "t")]
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return res.returncode == 0
    except OSError:
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# OpenMP flags of the common compilers, tried in order: (compile, link)
_OPENMP_FLAGS = [(["-fopenmp"], ["-fopenmp"]),                       # gcc, clang
                 (["-fopenmp=libomp"], ["-fopenmp=libomp"]),         # clang with libomp
                 (["-qopenmp"], ["-qopenmp"]),                       # Intel
                 (["-Xpreprocessor", "-fopenmp"], ["-lomp"])]        # Apple clang + libomp


def _openmp_flags(cc):
    """(compile flags, link flags) that build an OpenMP program with the
    configured compiler command ``cc`` (its own flags included), or None."""
    src = ("#include <omp.h>\nint main(void){\n#pragma omp parallel\n"
           "{ (void)omp_get_thread_num(); }\nreturn 0;}\n")
    for cflags, lflags in _OPENMP_FLAGS:
        if _compiles(cc, cflags + lflags, src):
            return cflags, lflags
    return None


def _compiler_supports_avx2(cc):
    src = ("#include <immintrin.h>\nint main(void){ __m256d a = _mm256_set1_pd(1.0);\n"
           "a = _mm256_add_pd(a, a); return (int)_mm256_cvtsd_f64(a) - 2; }\n")
    return _compiles(cc, ["-mavx2"], src)


def _compiler_supports_avx512(cc):
    src = ("#include <immintrin.h>\nint main(void){ __m512d a = _mm512_set1_pd(1.0);\n"
           "a = _mm512_add_pd(a, a); return (int)_mm512_reduce_add_pd(a) - 16; }\n")
    return _compiles(cc, ["-mavx512f"], src)


class BuildExt(build_ext):
    def build_extensions(self):
        # the configured compiler with its own flags (-pthread, -fPIC, ...)
        cc = list(self.compiler.compiler_so) if hasattr(self.compiler, "compiler_so") \
            else ["cc"]
        omp = None if NO_OPENMP else _openmp_flags(cc)
        use_omp = omp is not None
        if not use_omp:
            why = "FASTDIFF_NO_OPENMP is set" if NO_OPENMP else f"compiler {cc[0]!r} has no OpenMP"
            msg = f"fastdiff: building WITHOUT OpenMP ({why}); kernels will run on one thread"
            warnings.warn(msg)
            print("WARNING: " + msg, file=sys.stderr)
        opt = ["-O1", "-g"] if DEBUG else ["-O3"]
        cflags = opt + ["-ffp-contract=off", "-fno-math-errno"]
        if use_omp:
            cflags += omp[0]
        lflags = list(omp[1]) if use_omp else []
        avx2 = _compiler_supports_avx2(cc)
        avx512 = avx2 and _compiler_supports_avx512(cc)
        if not avx2:
            print("note: no -mavx2 support; building only the baseline kernels", file=sys.stderr)
            self.extensions = [e for e in self.extensions if not e.name.endswith("_avx2")]
        if not avx512:
            print("note: no -mavx512f support; no AVX-512 kernels", file=sys.stderr)
            self.extensions = [e for e in self.extensions if not e.name.endswith("_avx512")]
        for ext in self.extensions:
            ext.extra_compile_args = cflags + EXTRA_FLAGS.get(ext.name, [])
            ext.extra_link_args = lflags
        build_info = {"openmp": use_omp, "debug": DEBUG, "avx2_kernels": avx2,
                      "avx512_kernels": avx512,
                      "compile_args": cflags, "link_args": lflags,
                      "compiler": cc[0]}
        # into the build (an install), or beside the sources for an in-place
        # development build (``build_ext --inplace``, editable installs);
        # ``pip install .`` writes nothing into the source tree
        base = os.path.join("src") if self.inplace else self.build_lib
        target = os.path.join(base, "fastdiff", "_build_info.py")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as fh:
            fh.write("# generated by setup.py\nBUILD_INFO = %r\n" % (build_info,))
        super().build_extensions()


EXTRA_FLAGS = {f"fastdiff._kernels.{name}": flags for name, flags in KERNELS}

extensions = [
    Extension(
        f"fastdiff._kernels.{name}",
        [f"src/fastdiff/_kernels/{name}.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
        + ([] if DEBUG else [("CYTHON_WITHOUT_ASSERTIONS", None)]),
    )
    for name, _flags in KERNELS
]

setup(
    ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES,
                          annotate=os.environ.get("FASTDIFF_ANNOTATE", "0") == "1"),
    cmdclass={"build_ext": BuildExt},
)
