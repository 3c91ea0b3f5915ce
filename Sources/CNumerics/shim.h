#ifndef DMFT_CNUMERICS_SHIM_H
#define DMFT_CNUMERICS_SHIM_H
// One module for the system numerics libraries. BLAS is declared through GSL's
// standard CBLAS header (the same ABI OpenBLAS exports); OpenBLAS's own cblas.h is
// not included because its enum definitions clash with GSL's in one translation unit.
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <fftw3.h>

// OpenBLAS thread control (from OpenBLAS's cblas.h, declared here to avoid the clash above).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);

// LAPACK's LU factorisation and solve (exported by OpenBLAS).
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info);

// GSL exports its quadrature types as mutable globals; a function reads them safely.
static inline const gsl_integration_fixed_type *dmft_gauss_hermite_type(void) {
    return gsl_integration_fixed_hermite;
}
static inline const gsl_rng_type *dmft_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_odeiv2_step_type *dmft_ode_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
// Student-t quantiles for confidence intervals; GSL's trust-region nonlinear least-squares type.
#include <gsl/gsl_cdf.h>
static inline const gsl_multifit_nlinear_type *dmft_multifit_nlinear_trust(void) {
    return gsl_multifit_nlinear_trust;
}
#endif
