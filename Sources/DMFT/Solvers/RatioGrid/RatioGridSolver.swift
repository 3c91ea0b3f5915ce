import Foundation

/// The symmetric DMFT on a grid in the time ratio θ = s/t (`docs/long-time.md`, "Second
/// design"): rows of L nodes at adaptive step times, memory integrals by quadrature on the
/// same nodes, `∂₂` from the exchanged and adjoint equations (`RatioFrameEquations`).
///
/// Status: experimental. It agrees with the uniform solver extrapolated in η (see
/// `RatioGridSolverTests`) but does not yet reach the long-time targets of the design; the
/// measurements are in `docs/long-time.md`.
///
/// Integrators:
/// - `.explicit`: Bogacki–Shampine 3(2) with an embedded error estimate. Its step is capped
///   by stability at ≈ 1.25 over the largest local rate (≈ α a² h'(0) late in a run).
/// - `.exponential`: ETD2RK (Cox–Matthews) on the closed-form local rates of the ratio
///   frame, diagonal in the mean and relative modes; error by step doubling. Not capped by
///   the local rates.
public struct RatioGridSolver: Sendable {
    public enum Integrator: String, Sendable, CaseIterable {
        case explicit, exponential
    }

    /// Final time.
    public var duration: Double
    /// Largest accepted local error per step (max norm over the state).
    public var tolerance: Double = 1e-6
    /// Number of ratio nodes L.
    public var nodes: Int = 96
    /// Clustering A of the ratio nodes at θ = 0 and θ = 1.
    public var clustering: Double = 4
    public var integrator: Integrator = .explicit
    /// First step.
    public var initialStep: Double = 1e-3
    /// Refuse runs whose history would need more than this.
    public var memoryLimitBytes: Double = 4e9

    public init(duration: Double) { self.duration = duration }

    /// Integrates `problem` on `[0, duration]`; one output row per accepted step.
    public func solve(_ problem: TrainingProblem, control: RunControl = RunControl()) throws -> DMFTSolution {
        try problem.validate()
        guard duration.isFinite && duration > 0 && duration < 1e12 else {
            throw DMFTError.invalidInput("duration (tmax) must be positive and below 1e12, got \(duration)")
        }
        guard tolerance.isFinite && tolerance > 0 && tolerance < 1 else {
            throw DMFTError.invalidInput("tolerance must be in (0, 1), got \(tolerance)")
        }
        guard (16...2048).contains(nodes) else {
            throw DMFTError.invalidInput("the ratio grid needs 16…2048 nodes, got \(nodes)")
        }
        let grid = try RatioGrid(count: nodes, clustering: clustering)
        let equations = RatioFrameEquations(problem: problem, grid: grid)
        var stepper = Stepper(equations: equations, tolerance: tolerance, memoryLimitBytes: memoryLimitBytes)
        var trajectory = Trajectory(observables: Observable.dmftColumns)
        var y = equations.initialState()
        var f = try equations.derivative(row: 0, time: 0, state: y)
        trajectory.append(equations.observables(row: 0))
        var t = 0.0, h = initialStep, lastReport = 0.0
        while t < duration * (1 - 1e-14) {
            if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
            h = min(h, duration - t)
            let step: Stepper.Outcome
            switch integrator {
            case .explicit: step = try stepper.bogackiShampine(t: t, y: y, f: f, h: h)
            case .exponential: step = try stepper.exponential(t: t, y: y, f: f, h: h)
            }
            if let accepted = step.accepted {
                t += h
                y = accepted.state
                f = accepted.derivative
                trajectory.append(equations.observables(row: stepper.rows - 1))
                if t - lastReport > 0.01 * duration { control.progress?(t / duration); lastReport = t }
            }
            h *= step.growth
            guard h > 1e-12 * max(t, min(1, duration)) else {
                throw DMFTError.diverged("the step fell below \(fmt(h)) at t = \(fmt(t)); the solution is not smooth there")
            }
        }
        return DMFTSolution(trajectory: trajectory, warnings: [], twoTime: nil)
    }
}

/// The accepted rows and the two integrators of `RatioGridSolver`.
private struct Stepper {
    let equations: RatioFrameEquations
    let tolerance: Double
    let memoryLimitBytes: Double
    /// Rows in the history (the newest is the last accepted one).
    private(set) var rows = 1

    init(equations: RatioFrameEquations, tolerance: Double, memoryLimitBytes: Double) {
        self.equations = equations
        self.tolerance = tolerance
        self.memoryLimitBytes = memoryLimitBytes
    }

    struct Outcome {
        /// The new state and its derivative, when the step was accepted (its row is stored).
        var accepted: (state: [Double], derivative: [Double])?
        /// Factor for the next step.
        var growth: Double
    }

    private func growth(error: Double, order: Double) -> Double {
        min(4, max(0.2, 0.9 * pow(tolerance / max(error, 1e-300), 1 / order)))
    }

    private func checkMemory(rows: Int) throws {
        let bytes = Double(rows) * RatioFrameEquations.bytesPerRow(nodes: equations.grid.count)
        guard bytes <= memoryLimitBytes else {
            throw DMFTError.invalidInput(
                "the ratio-grid history needs \(Int(bytes / 1e6)) MB (limit \(Int(memoryLimitBytes / 1e6)) MB); "
                    + "loosen the tolerance or use fewer nodes")
        }
    }

    /// Bogacki–Shampine 3(2), FSAL; stages are written as the provisional row `rows`.
    mutating func bogackiShampine(t: Double, y: [Double], f k1: [Double], h: Double) throws -> Outcome {
        try checkMemory(rows: rows + 1)
        let n = y.count
        let k2 = try equations.derivative(row: rows, time: t + 0.5 * h, state: (0..<n).map { y[$0] + 0.5 * h * k1[$0] })
        let k3 = try equations.derivative(row: rows, time: t + 0.75 * h, state: (0..<n).map { y[$0] + 0.75 * h * k2[$0] })
        let next = (0..<n).map { y[$0] + h * (2.0 / 9 * k1[$0] + 1.0 / 3 * k2[$0] + 4.0 / 9 * k3[$0]) }
        let k4 = try equations.derivative(row: rows, time: t + h, state: next)
        var error = 0.0
        for i in 0..<n {
            error = max(error, abs(h * (-5.0 / 72 * k1[i] + 1.0 / 12 * k2[i] + 1.0 / 9 * k3[i] - 1.0 / 8 * k4[i])))
        }
        guard error <= tolerance else { return Outcome(accepted: nil, growth: growth(error: error, order: 3)) }
        rows += 1
        return Outcome(accepted: (next, k4), growth: growth(error: error, order: 3))
    }

    /// ETD2RK on the local rates, one full step against two half steps; the half-step row
    /// is kept in the history, the result is Richardson-corrected.
    mutating func exponential(t: Double, y: [Double], f: [Double], h: Double) throws -> Outcome {
        try checkMemory(rows: rows + 2)
        let last = rows - 1
        _ = try equations.derivative(row: last, time: t, state: y)   // rates and fields of the start row
        let rates = LocalRates(equations: equations, row: last)
        let full = try etd2(from: t, y, f, h, rates, provisional: rows)
        let half = try etd2(from: t, y, f, h / 2, rates, provisional: rows)
        let fHalf = try equations.derivative(row: rows, time: t + h / 2, state: half)
        let two = try etd2(from: t + h / 2, half, fHalf, h / 2, rates, provisional: rows + 1)
        var error = 0.0
        for i in 0..<y.count { error = max(error, abs(two[i] - full[i]) / 3) }
        guard error <= tolerance else { return Outcome(accepted: nil, growth: growth(error: error, order: 3)) }
        let next = (0..<y.count).map { two[$0] + (two[$0] - full[$0]) / 3 }
        let fNext = try equations.derivative(row: rows + 1, time: t + h, state: next)
        rows += 2
        return Outcome(accepted: (next, fNext), growth: growth(error: error, order: 3))
    }

    /// `a = y + h φ₁ F(y)`, `y⁺ = a + h φ₂ (F(a) − F(y) + κ(a − y))` with κ the local rates.
    private func etd2(from t: Double, _ y: [Double], _ f: [Double], _ h: Double, _ rates: LocalRates,
                      provisional row: Int) throws -> [Double] {
        let n = y.count
        let phi1F = rates.apply(phi1, h, f)
        let a = (0..<n).map { y[$0] + h * phi1F[$0] }
        let fa = try equations.derivative(row: row, time: t + h, state: a)
        let kappaDiff = rates.apply({ -$0 }, 1, (0..<n).map { a[$0] - y[$0] })
        let correction = rates.apply(phi2, h, (0..<n).map { fa[$0] - f[$0] + kappaDiff[$0] })
        return (0..<n).map { a[$0] + h * correction[$0] }
    }
}

/// The closed-form local rates of the ratio-frame equations, frozen at the start of a step:
/// per node, in the mean mode `A⁺ = A_d + (m−1)A_o` and the relative mode `A⁻ = A_d − A_o`,
/// `κ_C = ν(t) + θν(θt) + (Λ^±(t) + θΛ^±(θt))/m` and `κ_R = ν(t) − θν(θt) + (Λ^±(t) − θΛ^±(θt))/m`
/// with `Λ⁺ = Λ_d + (m−1)Λ_o`, `Λ⁻ = Λ_d − Λ_o`; `C_o(t,t)` has `2(ν + (Λ_d + (m−2)Λ_o)/m)`,
/// `v` has `ν + (Λ_d + (m−1)Λ_o)/m`, `a` none. (Measured equal to the Jacobian's diagonal.)
private struct LocalRates {
    let nodes: Int, m: Double
    let cPlus: [Double], cMinus: [Double], rPlus: [Double], rMinus: [Double]
    let coEqualTime: Double, overlap: Double

    init(equations: RatioFrameEquations, row: Int) {
        let r = equations.localRates(row: row)
        let m = equations.m, theta = equations.grid.nodes
        nodes = theta.count
        self.m = m
        let plus = r.lambdaD + (m - 1) * r.lambdaO, minus = r.lambdaD - r.lambdaO
        let plusP = (0..<nodes).map { r.lambdaDPrime[$0] + (m - 1) * r.lambdaOPrime[$0] }
        let minusP = (0..<nodes).map { r.lambdaDPrime[$0] - r.lambdaOPrime[$0] }
        cPlus = (0..<nodes).map { r.nu + theta[$0] * r.nuPrime[$0] + (plus + theta[$0] * plusP[$0]) / m }
        cMinus = (0..<nodes).map { r.nu + theta[$0] * r.nuPrime[$0] + (minus + theta[$0] * minusP[$0]) / m }
        rPlus = (0..<nodes).map { r.nu - theta[$0] * r.nuPrime[$0] + (plus - theta[$0] * plusP[$0]) / m }
        rMinus = (0..<nodes).map { r.nu - theta[$0] * r.nuPrime[$0] + (minus - theta[$0] * minusP[$0]) / m }
        coEqualTime = 2 * (r.nu + (r.lambdaD + (m - 2) * r.lambdaO) / m)
        overlap = r.nu + plus / m
    }

    /// `fn(−h κ) · x` component by component (in the mode basis for the two-time parts).
    func apply(_ fn: (Double) -> Double, _ h: Double, _ x: [Double]) -> [Double] {
        let l = nodes
        var out = x
        for (base, plus, minus) in [(0, cPlus, cMinus), (2 * l, rPlus, rMinus)] {
            for j in 0..<(l - 1) {
                let d = x[base + j], o = x[base + l + j]
                let yp = fn(-h * plus[j]) * (d + (m - 1) * o)
                let ym = fn(-h * minus[j]) * (d - o)
                out[base + j] = (yp + (m - 1) * ym) / m
                out[base + l + j] = (yp - ym) / m
            }
        }
        let none = fn(0)
        out[l - 1] = none * x[l - 1]
        out[2 * l - 1] = fn(-h * coEqualTime) * x[2 * l - 1]
        out[3 * l - 1] = none * x[3 * l - 1]
        out[4 * l - 1] = none * x[4 * l - 1]
        out[4 * l] = none * x[4 * l]
        out[4 * l + 1] = fn(-h * overlap) * x[4 * l + 1]
        return out
    }
}

/// `φ₁(z) = (eᶻ − 1)/z`.
private func phi1(_ z: Double) -> Double { abs(z) < 1e-5 ? 1 + z / 2 + z * z / 6 : expm1(z) / z }
/// `φ₂(z) = (eᶻ − 1 − z)/z²`.
private func phi2(_ z: Double) -> Double {
    abs(z) < 1e-3 ? 0.5 + z / 6 + z * z / 24 : (expm1(z) - z) / (z * z)
}
