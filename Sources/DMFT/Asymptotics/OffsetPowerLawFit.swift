import CNumerics
import Foundation

/// Least-squares fit of a finite-size law `y(x) = y∞ + A·x^(−κ)` (κ > 0) to data `(x_j, y_j)`,
/// `x_j > 0`: the extrapolation of a quantity measured at growing sizes `x` (e.g. the onset
/// time over the width, `t₀(m; c)/m = t*(c) + A(c)·m^(−κ)`).
///
/// For fixed κ the model is linear in `(y∞, A)`, so the residual sum of squares is profiled
/// over κ: a log grid of `exponentRange` locates the minimum, golden-section search refines
/// it. A minimum at either end of the range throws: the data do not determine κ there.
///
/// Uncertainties: covariance `s² (JᵀJ)⁻¹` of `(y∞, A, κ)` at the optimum, with the Jacobian
/// `J_j = (1, x_j^(−κ), −A x_j^(−κ) log x_j)` and `s² = RSS/(N − 3)`; intervals are
/// `estimate ± t_{N−3}((1 + level)/2) · standard error` (Student t). These linearised intervals
/// are approximate for a nonlinear model with few points, and with N = 4 they rest on one
/// degree of freedom: they are wide, as they should be.
public struct OffsetPowerLawFit: Sendable, Equatable {
    /// The limit `y∞` as `x → ∞`.
    public let limit: Double
    /// The amplitude `A` of the correction.
    public let amplitude: Double
    /// The exponent `κ` of the correction.
    public let exponent: Double
    /// Standard errors of `y∞`, `A`, `κ`.
    public let limitStandardError: Double, amplitudeStandardError: Double, exponentStandardError: Double
    /// Confidence intervals of `y∞`, `A`, `κ` at `confidenceLevel`.
    public let limitInterval: ClosedRange<Double>, amplitudeInterval: ClosedRange<Double>,
        exponentInterval: ClosedRange<Double>
    /// Confidence level of the intervals (e.g. 0.95).
    public let confidenceLevel: Double
    /// Residual sum of squares.
    public let residualSumOfSquares: Double
    /// Degrees of freedom `N − 3`.
    public let degreesOfFreedom: Int

    /// Fits the law to `x` (positive, distinct) and `y` (finite), `N ≥ 4` points. Throws
    /// `DMFTError.invalidInput` for bad data and `DMFTError.diverged` when the best κ lies at
    /// an end of `exponentRange` or the Jacobian is singular there.
    public init(
        x: [Double], y: [Double], confidenceLevel: Double = 0.95, exponentRange: ClosedRange<Double> = 0.02...8
    ) throws {
        let n = x.count
        guard y.count == n else { throw DMFTError.invalidInput("offset power-law fit: \(n) x values but \(y.count) y values") }
        guard n >= 4 else {
            throw DMFTError.invalidInput("offset power-law fit needs at least 4 points (3 parameters plus one degree of freedom), got \(n)")
        }
        guard x.allSatisfy({ $0.isFinite && $0 > 0 }), y.allSatisfy(\.isFinite) else {
            throw DMFTError.invalidInput("offset power-law fit: x must be finite and positive, y finite")
        }
        guard Set(x).count == n else { throw DMFTError.invalidInput("offset power-law fit: the x values must be distinct") }
        guard confidenceLevel > 0, confidenceLevel < 1 else {
            throw DMFTError.invalidInput("offset power-law fit: confidence level must be in (0, 1), got \(confidenceLevel)")
        }
        guard exponentRange.lowerBound > 0, exponentRange.upperBound.isFinite else {
            throw DMFTError.invalidInput("offset power-law fit: the exponent range must be positive and finite")
        }

        let logX = x.map { log($0) }
        func profile(_ kappa: Double) -> (limit: Double, amplitude: Double, rss: Double) {
            let u = logX.map { exp(-kappa * $0) }
            let mu = u.reduce(0, +) / Double(n), my = y.reduce(0, +) / Double(n)
            var suu = 0.0, suy = 0.0
            for j in 0..<n { suu += (u[j] - mu) * (u[j] - mu); suy += (u[j] - mu) * (y[j] - my) }
            let amplitude = suu > 0 ? suy / suu : 0, limit = my - amplitude * mu
            var rss = 0.0
            for j in 0..<n { let r = y[j] - limit - amplitude * u[j]; rss += r * r }
            return (limit, amplitude, rss)
        }
        // Grid in log κ, then golden section between the neighbours of the best grid point.
        let points = 401
        let lo = log(exponentRange.lowerBound), hi = log(exponentRange.upperBound)
        let grid = (0..<points).map { exp(lo + (hi - lo) * Double($0) / Double(points - 1)) }
        let rss = grid.map { profile($0).rss }
        let best = rss.indices.min { rss[$0] < rss[$1] }!
        guard best > 0, best < points - 1 else {
            throw DMFTError.diverged(
                "offset power-law fit: the best exponent lies at the end of \(exponentRange) "
                    + "(\(best == 0 ? "no decay" : "a correction that vanishes at once")): the data do not determine κ")
        }
        var a = grid[best - 1], b = grid[best + 1]
        let ratio = (sqrt(5) - 1) / 2
        for _ in 0..<200 where b - a > 1e-13 * b {
            let c = b - ratio * (b - a), d = a + ratio * (b - a)
            if profile(c).rss < profile(d).rss { b = d } else { a = c }
        }
        let kappa = (a + b) / 2
        let fit = profile(kappa)
        (limit, amplitude, exponent) = (fit.limit, fit.amplitude, kappa)
        residualSumOfSquares = fit.rss
        degreesOfFreedom = n - 3
        self.confidenceLevel = confidenceLevel

        var jtj = [[Double]](repeating: [0, 0, 0], count: 3)
        for j in 0..<n {
            let u = exp(-kappa * logX[j])
            let row = [1, u, -fit.amplitude * u * logX[j]]
            for p in 0..<3 { for q in 0..<3 { jtj[p][q] += row[p] * row[q] } }
        }
        guard let inverse = Self.inverse3(jtj) else {
            throw DMFTError.diverged("offset power-law fit: singular Jacobian at the optimum (κ = \(kappa))")
        }
        let s2 = fit.rss / Double(degreesOfFreedom)
        let se = (0..<3).map { sqrt(max(0, s2 * inverse[$0][$0])) }
        (limitStandardError, amplitudeStandardError, exponentStandardError) = (se[0], se[1], se[2])
        let q = gsl_cdf_tdist_Pinv(0.5 * (1 + confidenceLevel), Double(degreesOfFreedom))
        limitInterval = (limit - q * se[0])...(limit + q * se[0])
        amplitudeInterval = (amplitude - q * se[1])...(amplitude + q * se[1])
        exponentInterval = (exponent - q * se[2])...(exponent + q * se[2])
    }

    /// The fitted law at `x`.
    public func callAsFunction(_ x: Double) -> Double { limit + amplitude * pow(x, -exponent) }

    /// Inverse of a 3×3 matrix (adjugate over determinant); nil when (numerically) singular.
    static func inverse3(_ m: [[Double]]) -> [[Double]]? {
        // Cofactors C[i][j]; the inverse is C transposed over the determinant.
        let c = [
            [m[1][1] * m[2][2] - m[1][2] * m[2][1], m[1][2] * m[2][0] - m[1][0] * m[2][2], m[1][0] * m[2][1] - m[1][1] * m[2][0]],
            [m[0][2] * m[2][1] - m[0][1] * m[2][2], m[0][0] * m[2][2] - m[0][2] * m[2][0], m[0][1] * m[2][0] - m[0][0] * m[2][1]],
            [m[0][1] * m[1][2] - m[0][2] * m[1][1], m[0][2] * m[1][0] - m[0][0] * m[1][2], m[0][0] * m[1][1] - m[0][1] * m[1][0]],
        ]
        let det = m[0][0] * c[0][0] + m[0][1] * c[0][1] + m[0][2] * c[0][2]
        let scale = m.flatMap { $0 }.map(abs).max() ?? 0
        guard det.isFinite, abs(det) > 1e-14 * scale * scale * scale else { return nil }
        return (0..<3).map { i in (0..<3).map { j in c[j][i] / det } }
    }
}
