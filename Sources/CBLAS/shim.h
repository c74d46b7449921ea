// CBLAS through Debian's libblas-dev. At run time libblas.so.3 resolves, through
// Debian's alternatives, to OpenBLAS (libopenblas0) when it is installed.
#include <cblas.h>
