import CNumerics
import Foundation

/// Least-squares fit of a divergence law `t(x) = c · |x* − x|^(−ν)` to positive data
/// `(x_j, t_j)` (e.g. relaxation times near a threshold), with the threshold `x*` beyond all
/// data on a known side.
///
/// The fit is done in log space (relative errors): the residuals are
/// `r_j = log t_j − [log c − ν log|x* − x_j|]`, minimised over `(log c, ν, θ)` with
/// `x* = max x + e^θ` (`.above`) or `x* = min x − e^θ` (`.below`), so no iterate can cross
/// the data. The start is the best point of a log grid in `e^θ` (from 10⁻⁶ to 10⁴ times the
/// data span) on which `(log c, ν)` are solved exactly by linear least squares; GSL's
/// trust-region Levenberg–Marquardt (`gsl_multifit_nlinear`, analytic Jacobian) refines it.
///
/// Uncertainties: covariance `s² (JᵀJ)⁻¹` in `(log c, ν, θ)` with `s² = χ²/(N − 3)`, mapped
/// to `(log c, ν, x*)` by the delta method (`dx*/dθ = ±e^θ`). Intervals are
/// `estimate ± t_{N−3}((1+level)/2) · standard error` (Student t), for `ν` and `log c`
/// directly; the interval for `c` is that of `log c` exponentiated (asymmetric, always
/// positive); the interval for `x*` is the symmetric delta-method interval in `x*` itself
/// (it may reach into the data range when `x*` is poorly determined). These are the usual
/// linearised intervals, approximate for a nonlinear model with few points.
public struct PowerLawFit: Sendable, Equatable {
    /// On which side of the data the threshold lies.
    public enum Side: Sendable, Equatable {
        /// `x* > max x_j` (the time diverges as `x` increases towards `x*`).
        case above
        /// `x* < min x_j` (the time diverges as `x` decreases towards `x*`).
        case below
    }

    /// Side of the data on which the threshold was sought.
    public let side: Side
    /// Estimated threshold `x*`.
    public let threshold: Double
    /// Estimated exponent `ν`.
    public let exponent: Double
    /// Estimated amplitude `c`.
    public let amplitude: Double
    /// `log c` (the fitted parameter; `amplitude = exp(logAmplitude)`).
    public let logAmplitude: Double

    /// Standard error of `x*` (delta method from the `θ` parametrisation).
    public let thresholdStandardError: Double
    /// Standard error of `ν`.
    public let exponentStandardError: Double
    /// Standard error of `log c` (a relative error of `c`).
    public let logAmplitudeStandardError: Double
    /// Standard error of `c` by the delta method, `c · se(log c)`.
    public var amplitudeStandardError: Double { amplitude * logAmplitudeStandardError }

    /// Confidence level of the intervals below (e.g. 0.95).
    public let confidenceLevel: Double
    /// Two-sided Student-t quantile used for the intervals, `t_{N−3}((1 + level)/2)`.
    public let tQuantile: Double
    /// Confidence interval for `x*` (symmetric, delta method in `x*`).
    public let thresholdInterval: ClosedRange<Double>
    /// Confidence interval for `ν` (symmetric).
    public let exponentInterval: ClosedRange<Double>
    /// Confidence interval for `c`: the symmetric interval of `log c`, exponentiated.
    public let amplitudeInterval: ClosedRange<Double>

    /// Covariance of `(log c, ν, x*)` (row-major 3×3), scaled by `χ²/(N − 3)`.
    public let covariance: [[Double]]
    /// Residual sum of squares in log space, `Σ r_j²`.
    public let chiSquared: Double
    /// Degrees of freedom `N − 3`.
    public let degreesOfFreedom: Int
    /// Levenberg–Marquardt iterations GSL performed.
    public let iterations: Int

    /// Fits the law to `x` and `t` (same length `N ≥ 4`, distinct `x`, finite `t > 0`).
    /// Throws `DMFTError.invalidInput` for bad data or a level outside (0, 1), and
    /// `DMFTError.diverged` when GSL does not converge, when the optimum lies more than 10⁴
    /// data spans away (no finite threshold: e.g. exponential growth, or the wrong side) or
    /// closer than 10⁻⁶ spans to the data edge (e.g. flat data, `ν → 0`), or when the Jacobian
    /// is singular there. The sign of `ν` is not constrained.
    public init(x: [Double], t: [Double], side: Side, confidenceLevel: Double = 0.95) throws {
        let n = x.count
        guard t.count == n else {
            throw DMFTError.invalidInput("power-law fit: x has \(n) points but t has \(t.count)")
        }
        guard n >= 4 else {
            throw DMFTError.invalidInput(
                "power-law fit needs at least 4 points (3 parameters plus one degree of freedom), got \(n)")
        }
        guard x.allSatisfy(\.isFinite) else { throw DMFTError.invalidInput("power-law fit: x must be finite") }
        guard t.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw DMFTError.invalidInput("power-law fit: every t must be finite and positive")
        }
        let sorted = x.sorted()
        for k in 1..<n where sorted[k] == sorted[k - 1] {
            throw DMFTError.invalidInput("power-law fit: duplicate x = \(sorted[k]); average repeated points first")
        }
        guard confidenceLevel.isFinite, confidenceLevel > 0, confidenceLevel < 1 else {
            throw DMFTError.invalidInput("power-law fit: confidence level must be in (0, 1), got \(confidenceLevel)")
        }

        let xMin = sorted[0], xMax = sorted[n - 1]
        let edge = side == .above ? xMax : xMin
        // Distance of each point from the data edge next to the threshold: |x* − x_j| = e^θ + d_j.
        let d = x.map { side == .above ? xMax - $0 : $0 - xMin }
        let y = t.map { log($0) }
        let span = xMax - xMin

        // Starting point: for each θ on a log grid, (log c, ν) by linear least squares.
        var best: (ssr: Double, p: [Double])? = nil
        let gridPoints = 201
        let lo = log(span) + log(Self.minimumGridDistance), hi = log(span) + log(Self.maximumDistance)
        for k in 0..<gridPoints {
            let theta = lo + (hi - lo) * Double(k) / Double(gridPoints - 1)
            let L = d.map { Self.logDistance(theta, $0) }
            let (a, nu, ssr) = Self.linearFit(L: L, y: y)
            if ssr.isFinite, best == nil || ssr < best!.ssr { best = (ssr, [a, nu, theta]) }
        }
        guard let start = best else {
            throw DMFTError.diverged("power-law fit: no finite starting point on the θ grid")
        }
        let farAway = DMFTError.diverged(
            "power-law fit: the least-squares optimum runs off to x* → ∞ on the \(side) side (more than "
                + "\(Int(Self.maximumDistance)) data spans away): these data show no divergence at a finite "
                + "threshold there (check the side, or whether t grows at all)")
        if start.p[2] >= hi { throw farAway }

        // Nonlinear refinement with GSL.
        final class Context {
            let d: [Double], y: [Double]
            init(d: [Double], y: [Double]) { self.d = d; self.y = y }
        }
        let context = Unmanaged.passRetained(Context(d: d, y: y))
        defer { context.release() }
        var fdf = gsl_multifit_nlinear_fdf(
            f: { p, params, f in
                let c = Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue()
                let (a, nu, theta) = (p!.pointee.data[0], p!.pointee.data[p!.pointee.stride],
                                      p!.pointee.data[2 * p!.pointee.stride])
                let f = f!.pointee
                for j in 0..<c.d.count {
                    f.data[j * f.stride] = c.y[j] - a + nu * PowerLawFit.logDistance(theta, c.d[j])
                }
                return Int32(GSL_SUCCESS)
            },
            df: { p, params, J in
                let c = Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue()
                let (nu, theta) = (p!.pointee.data[p!.pointee.stride], p!.pointee.data[2 * p!.pointee.stride])
                let J = J!.pointee
                for j in 0..<c.d.count {
                    let row = J.data + j * J.tda
                    row[0] = -1                                            // ∂r/∂(log c)
                    row[1] = PowerLawFit.logDistance(theta, c.d[j])        // ∂r/∂ν
                    row[2] = nu * PowerLawFit.edgeWeight(theta, c.d[j])    // ∂r/∂θ
                }
                return Int32(GSL_SUCCESS)
            },
            fvv: nil, n: n, p: 3, params: context.toOpaque(), nevalf: 0, nevaldf: 0, nevalfvv: 0)

        var parameters = gsl_multifit_nlinear_default_parameters()
        guard let w = gsl_multifit_nlinear_alloc(dmft_multifit_nlinear_trust(), &parameters, n, 3) else {
            throw DMFTError.invalidInput("power-law fit: GSL could not allocate a workspace")
        }
        defer { gsl_multifit_nlinear_free(w) }
        guard let p0 = gsl_vector_alloc(3) else {
            throw DMFTError.invalidInput("power-law fit: GSL could not allocate a vector")
        }
        defer { gsl_vector_free(p0) }
        for i in 0..<3 { gsl_vector_set(p0, i, start.p[i]) }
        var status = gsl_multifit_nlinear_init(p0, &fdf, w)
        guard status == GSL_SUCCESS else {
            throw DMFTError.diverged("power-law fit: GSL init failed: \(String(cString: gsl_strerror(status)))")
        }
        var info: Int32 = 0
        let maxIterations = 500
        status = gsl_multifit_nlinear_driver(maxIterations, Self.xtol, Self.gtol, Self.ftol, nil, nil, &info, w)
        guard status == GSL_SUCCESS else {
            // The driver reports "no progress on the first iteration" as GSL_EMAXITER with info = GSL_ENOPROG.
            let reason = status == GSL_EMAXITER && info == GSL_ENOPROG
                ? "GSL found no step that improves on the starting point: \(String(cString: gsl_strerror(info)))"
                : "GSL status: \(String(cString: gsl_strerror(status)))"
            throw DMFTError.diverged(
                "power-law fit did not converge after \(gsl_multifit_nlinear_niter(w)) iterations (\(reason)); "
                    + "the data may not show a divergence at a finite x* on the \(side) side")
        }
        let solution = gsl_multifit_nlinear_position(w)!
        let a = gsl_vector_get(solution, 0), nu = gsl_vector_get(solution, 1), theta = gsl_vector_get(solution, 2)
        let residuals = gsl_multifit_nlinear_residual(w)!
        var chi2 = 0.0
        for j in 0..<n { let r = gsl_vector_get(residuals, j); chi2 += r * r }
        guard a.isFinite, nu.isFinite, theta.isFinite, chi2.isFinite else {
            throw DMFTError.diverged("power-law fit converged to non-finite parameters")
        }
        if theta >= hi { throw farAway }
        if theta < lo {
            throw DMFTError.diverged(
                "power-law fit: the least-squares optimum collapses x* onto the data edge x = \(edge) "
                    + "(closer than 10⁻⁶ data spans, ν = \(nu)): these data show no resolvable divergence")
        }

        // Covariance (JᵀJ)⁻¹ in (log c, ν, θ); epsrel = 0 so no direction is silently dropped.
        guard let cov = gsl_matrix_alloc(3, 3) else {
            throw DMFTError.invalidInput("power-law fit: GSL could not allocate a matrix")
        }
        defer { gsl_matrix_free(cov) }
        status = gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0, cov)
        let dof = n - 3
        let s2 = chi2 / Double(dof)
        let dxdtheta = (side == .above ? 1.0 : -1.0) * exp(theta)
        let scale = [1.0, 1.0, dxdtheta]
        var covariance = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 {
            for j in 0..<3 { covariance[i][j] = s2 * gsl_matrix_get(cov, i, j) * scale[i] * scale[j] }
        }
        guard status == GSL_SUCCESS, covariance.joined().allSatisfy(\.isFinite),
              (0..<3).allSatisfy({ covariance[$0][$0] >= 0 })
        else {
            throw DMFTError.diverged(
                "power-law fit: the Jacobian is singular at the optimum (ν = \(nu)); "
                    + "x* is not identifiable from these data")
        }

        let q = gsl_cdf_tdist_Pinv(0.5 * (1 + confidenceLevel), Double(dof))
        let seA = covariance[0][0].squareRoot(), seNu = covariance[1][1].squareRoot()
        let seX = covariance[2][2].squareRoot()
        let xStar = edge + dxdtheta

        self.side = side
        self.threshold = xStar
        self.exponent = nu
        self.logAmplitude = a
        self.amplitude = exp(a)
        self.thresholdStandardError = seX
        self.exponentStandardError = seNu
        self.logAmplitudeStandardError = seA
        self.confidenceLevel = confidenceLevel
        self.tQuantile = q
        self.thresholdInterval = (xStar - q * seX)...(xStar + q * seX)
        self.exponentInterval = (nu - q * seNu)...(nu + q * seNu)
        self.amplitudeInterval = exp(a - q * seA)...exp(a + q * seA)
        self.covariance = covariance
        self.chiSquared = chi2
        self.degreesOfFreedom = dof
        self.iterations = Int(gsl_multifit_nlinear_niter(w))
    }

    /// The fitted law `c · |x* − x|^(−ν)` at `x` (infinite at `x = x*` when `ν > 0`).
    public func predicted(at x: Double) -> Double {
        amplitude * pow(abs(threshold - x), -exponent)
    }

    /// Grid for the starting point: distances `e^θ` from the data edge to `x*` between these
    /// multiples of the data span. An optimum beyond `maximumDistance` spans is rejected.
    static let minimumGridDistance = 1e-6, maximumDistance = 1e4

    // GSL stopping tolerances: relative step 1e-12, scaled gradient 1e-13 (ftol unused).
    static let xtol = 1e-12, gtol = 1e-13, ftol = 0.0

    /// `log(e^θ + d)` for `d ≥ 0`, finite for every finite θ.
    @inline(__always) static func logDistance(_ theta: Double, _ d: Double) -> Double {
        theta > 0 ? theta + log1p(d * exp(-theta)) : log(exp(theta) + d)
    }

    /// `∂ log(e^θ + d)/∂θ = e^θ/(e^θ + d)`, evaluated without overflow.
    @inline(__always) static func edgeWeight(_ theta: Double, _ d: Double) -> Double {
        theta > 0 ? 1 / (1 + d * exp(-theta)) : exp(theta) / (exp(theta) + d)
    }

    /// Ordinary least squares `y ≈ a − ν L`: returns `(a, ν, residual sum of squares)`.
    static func linearFit(L: [Double], y: [Double]) -> (Double, Double, Double) {
        let m = Double(L.count)
        let Lbar = L.reduce(0, +) / m, ybar = y.reduce(0, +) / m
        var sLL = 0.0, sLy = 0.0
        for j in 0..<L.count {
            sLL += (L[j] - Lbar) * (L[j] - Lbar)
            sLy += (L[j] - Lbar) * (y[j] - ybar)
        }
        guard sLL > 0 else { return (ybar, 0, .infinity) }
        let slope = sLy / sLL
        let a = ybar - slope * Lbar
        var ssr = 0.0
        for j in 0..<L.count { let r = y[j] - a - slope * L[j]; ssr += r * r }
        return (a, -slope, ssr)
    }
}
