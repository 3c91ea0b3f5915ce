import Foundation

/// TR-BDF2 (Bank et al. 1985; Hosea & Shampine 1996): an L-stable, stiffly accurate
/// two-stage ESDIRK of order 2 — a trapezoidal stage to `t + γh`, then BDF2 to `t + h` —
/// with an embedded third-order estimate filtered through `(I − d·h·J)⁻¹`.
///
/// The stage equations `z − d·h·F(z) = rhs` are solved by Newton–Krylov: GMRES on
/// `(I − d·h·F'(z)) δ = residual` with `F'` applied by finite differences and, as
/// preconditioner, `I − d·h·J` for a finite-difference Jacobian `J` kept across steps.
/// Simplified Newton with `J` alone does not converge here: the ratio-frame right-hand
/// side is strongly nonlinear (memory integrals weigh products of rows by `t`), so `J`
/// goes stale within a step (`docs/long-time.md`, "The implicit integrator").
struct TRBDF2 {
    static let gamma = 2 - 2.0.squareRoot()
    static let d = gamma / 2
    static let w = 2.0.squareRoot() / 4
    /// `b − b̂` of the embedded pair.
    static let errorWeights = ((4 * w - 1) / 3, -1.0 / 3, 2 * d / 3)

    /// Largest accepted local error (max norm over the state).
    let tolerance: Double
    /// Newton stops when its estimated remaining error is below this fraction of `tolerance`.
    let newtonFraction = 0.2
    let maxNewtonIterations = 10
    let maxKrylovIterations = 30
    /// The Jacobian (only a preconditioner) is refreshed when the step has changed by more
    /// than this factor since it was computed, or when Newton fails.
    /// (Refreshing only on failure halves the cost at m = 10 but quadruples it at m = 100,
    /// L = 96, t = 2000, where Newton then fails often.)
    let jacobianStepRatio = 2.0

    private var jacobian: [Double]?      // column-major, at the step length `jacobianStep`
    private var jacobianStep = 0.0
    private var jacobianFresh = false
    private var factorised: (step: Double, lu: DenseLU)?

    /// Polled between right-hand-side evaluations (a Jacobian takes 4L + 2 of them).
    let isCancelled: (@Sendable () -> Bool)?

    init(tolerance: Double, isCancelled: (@Sendable () -> Bool)? = nil) {
        self.tolerance = tolerance
        self.isCancelled = isCancelled
    }

    private func checkCancelled() throws {
        if let isCancelled, isCancelled() { throw DMFTError.cancelled }
    }

    enum Result {
        /// The new state and its derivative (written as `row`), and the estimated local error.
        case done(state: [Double], derivative: [Double], error: Double)
        /// Newton did not converge; retry with this step.
        case retry(step: Double)
    }

    /// One step of length `h` from `(t, y)` with `f = F(t, y)`; the stages are evaluated as
    /// the provisional history `row`.
    mutating func step(_ eq: RatioFrameEquations, row: Int, t: Double, y: [Double], f: [Double], h: Double) throws -> Result {
        let n = y.count
        if jacobian == nil || (!jacobianFresh && abs(log(h / jacobianStep)) > log(jacobianStepRatio)) {
            try refreshJacobian(eq, row: row, time: t + h, state: y, step: h)
        }
        if factorised?.step != h {
            let dh = Self.d * h
            var m = jacobian!.map { -dh * $0 }
            for i in 0..<n { m[i * n + i] += 1 }
            guard let lu = DenseLU(columnMajor: m, n: n) else { return try failed(eq, row, t, y, h) }
            factorised = (h, lu)
        }
        let lu = factorised!.lu, dh = Self.d * h
        guard let (z1, f1) = try newton(eq, row: row, time: t + Self.gamma * h,
                                        rhs: (0..<n).map { y[$0] + dh * f[$0] },
                                        start: (0..<n).map { y[$0] + Self.gamma * h * f[$0] }, dh: dh, lu: lu)
        else { return try failed(eq, row, t, y, h) }
        let wh = Self.w * h
        guard let (z2, f2) = try newton(eq, row: row, time: t + h,
                                        rhs: (0..<n).map { y[$0] + wh * (f[$0] + f1[$0]) },
                                        start: (0..<n).map { z1[$0] + (1 - Self.gamma) * h * f1[$0] }, dh: dh, lu: lu)
        else { return try failed(eq, row, t, y, h) }
        let (e0, e1, e2) = Self.errorWeights
        let estimate = lu.solve((0..<n).map { h * (e0 * f[$0] + e1 * f1[$0] + e2 * f2[$0]) })
        jacobianFresh = false
        return .done(state: z2, derivative: f2, error: estimate.reduce(0) { max($0, abs($1)) })
    }

    /// A failed Newton solve: with a stale Jacobian, refresh it and retry the same step;
    /// with a fresh one, halve the step.
    private mutating func failed(_ eq: RatioFrameEquations, _ row: Int, _ t: Double, _ y: [Double], _ h: Double) throws -> Result {
        if jacobianFresh { return .retry(step: h / 2) }
        try refreshJacobian(eq, row: row, time: t + h, state: y, step: h)
        return .retry(step: h)
    }

    /// `J = ∂F/∂y` by forward differences, evaluated as `row` at `time` so that the newest
    /// interval of the history has the step's length.
    private mutating func refreshJacobian(_ eq: RatioFrameEquations, row: Int, time: Double, state y: [Double], step h: Double) throws {
        let n = y.count
        let f0 = try eq.derivative(row: row, time: time, state: y)
        var j = [Double](repeating: 0, count: n * n)
        var yp = y
        for c in 0..<n {
            if c % 16 == 0 { try checkCancelled() }
            let delta = 1e-7 * max(1, abs(y[c]))
            yp[c] = y[c] + delta
            let fp = try eq.derivative(row: row, time: time, state: yp)
            for r in 0..<n { j[c * n + r] = (fp[r] - f0[r]) / delta }
            yp[c] = y[c]
        }
        jacobian = j
        jacobianStep = h
        jacobianFresh = true
        factorised = nil
    }

    /// Solves `z − dh·F(time, z) = rhs`; nil when Newton stalls or leaves the finite numbers.
    private mutating func newton(_ eq: RatioFrameEquations, row: Int, time: Double, rhs: [Double], start: [Double],
                                 dh: Double, lu: DenseLU) throws -> ([Double], [Double])? {
        let n = start.count
        var z = start
        guard var fz = try? eq.derivative(row: row, time: time, state: z) else { return nil }
        var previous: Double?
        for _ in 0..<maxNewtonIterations {
            try checkCancelled()
            let residual = (0..<n).map { rhs[$0] + dh * fz[$0] - z[$0] }
            let zNorm = z.reduce(0) { max($0, abs($1)) }
            let base = fz, point = z
            let dz: [Double]
            do {
                dz = try gmres(
                    operator: { v in
                        let vNorm = v.reduce(0) { max($0, abs($1)) }
                        guard vNorm > 0 else { return v }
                        let eps = 1e-7 * max(1, zNorm) / vNorm
                        let fv = try eq.derivative(row: row, time: time, state: (0..<n).map { point[$0] + eps * v[$0] })
                        return (0..<n).map { v[$0] - dh * (fv[$0] - base[$0]) / eps }
                    },
                    preconditioner: lu.solve, rhs: residual, relativeTolerance: 1e-3, maxIterations: maxKrylovIterations)
            } catch DMFTError.diverged { return nil }
            for i in 0..<n { z[i] += dz[i] }
            guard let f = try? eq.derivative(row: row, time: time, state: z) else { return nil }
            fz = f
            let size = dz.reduce(0) { max($0, abs($1)) }
            guard size.isFinite else { return nil }
            let target = newtonFraction * tolerance
            if size < target { return (z, fz) }
            if let previous {
                let rate = size / previous
                if rate >= 0.9 { return nil }
                if rate / (1 - rate) * size < target { return (z, fz) }
            }
            previous = size
        }
        return nil
    }
}
