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
/// - `.automatic` (default): explicit while its step follows accuracy, implicit from the first
///   accepted step shorter than `stiffStepFraction`·t (the explicit step is then held by the
///   stiff local rates). Short runs stay explicit and cheap; long ones get the implicit step.
/// - `.implicit`: TR-BDF2 with Newton–Krylov stages (`TRBDF2`). L-stable, so its
///   step follows the smoothness of the rows in t — it grows like ≈ 0.05–0.1·t — and not the
///   stiff local rates (≈ α a² h'(0), ≈ 0.1·m late in a run).
/// - `.explicit`: Bogacki–Shampine 3(2) with an embedded error estimate. Its step is capped
///   by stability at ≈ 1.25 over the largest local rate.
public struct RatioGridSolver: Sendable {
    public enum Integrator: String, Sendable, CaseIterable {
        case automatic, implicit, explicit
    }

    /// Final time.
    public var duration: Double
    /// Largest accepted local error per step (max norm over the state).
    public var tolerance: Double = 1e-6
    /// Number of ratio nodes L.
    public var nodes: Int = 96
    /// Clustering A of the ratio nodes at θ = 0 and θ = 1.
    public var clustering: Double = 4
    public var integrator: Integrator = .automatic
    /// `.automatic` switches to the implicit integrator once an accepted explicit step is
    /// shorter than this fraction of t (an accuracy-limited step is ≈ 0.05–0.1·t).
    public var stiffStepFraction = 0.005
    /// First step.
    public var initialStep: Double = 1e-3
    /// Refuse runs whose history would need more than this.
    public var memoryLimitBytes: Double = 4e9
    /// Gradient flow cannot raise the training error, nor make it negative: e_train is the
    /// limit of the training risk, which decreases along the flow (arXiv:2502.21269). When an
    /// accepted step makes it negative or raises it by more than this fraction, the run ends at
    /// the row before, with a warning: the discrete system has lost stability there
    /// (`docs/long-time.md`, small e_train at t ≫ m). Stable runs show quadrature wiggles of up
    /// to ≈ 3e-3 relative; a loss of stability grows from ≈ 1% to 100% within a few steps.
    /// `nil`: never stop. Not applied with weight decay (the flow then descends the penalised
    /// risk, not e_train).
    public var trainErrorRiseTolerance: Double? = 1e-2

    public init(duration: Double) { self.duration = duration }

    /// Integrates `problem` on `[0, duration]`; one output row per accepted step.
    public func solve(_ problem: TrainingProblem, control: RunControl = RunControl()) throws -> DMFTSolution {
        try problem.validate()
        try problem.requireSymmetricStart(for: "the ratio-grid solver (--solver ratio)")
        try problem.refuse(
            [.frozenFirstLayer], in: "the ratio-grid solver (--solver ratio)",
            instead: "its grid starts from R(t,t⁺) = 1; use --solver uniform or long")
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
        var stepper = Stepper(
            equations: equations, tolerance: tolerance, memoryLimitBytes: memoryLimitBytes, isCancelled: control.isCancelled)
        var trajectory = Trajectory(observables: Observable.dmftColumns)
        var y = equations.initialState()
        var f = try equations.derivative(row: 0, time: 0, state: y)
        trajectory.append(equations.observables(row: 0))
        var t = 0.0, h = initialStep, lastReport = 0.0
        var implicitNow = integrator == .implicit
        var warnings: [String] = []
        let riseTolerance = problem.weightDecay == 0 ? trainErrorRiseTolerance : nil
        let trainError = Observable.dmftColumns.firstIndex(of: .trainError)!
        while t < duration * (1 - 1e-14) {
            if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
            h = min(h, duration - t)
            let step = implicitNow
                ? try stepper.implicit(t: t, y: y, f: f, h: h) : try stepper.bogackiShampine(t: t, y: y, f: f, h: h)
            if let accepted = step.accepted {
                let row = equations.observables(row: stepper.rows - 1)
                let before = trajectory.row(trajectory.count - 1)[trainError]
                if let riseTolerance, row[trainError] < 0 || row[trainError] > before + riseTolerance * abs(before) {
                    warnings.append(
                        "stopped at t = \(fmt(t)) of \(fmt(duration)): the next step took the train error from "
                            + "\(fmt(before)) to \(fmt(row[trainError])), which gradient flow cannot do; the discretisation "
                            + "has lost stability there (small train error at t ≫ m, docs/long-time.md)")
                    return DMFTSolution(trajectory: trajectory, warnings: warnings, twoTime: nil)
                }
                if integrator == .automatic && h < stiffStepFraction * (t + h) { implicitNow = true }
                t += h
                y = accepted.state
                f = accepted.derivative
                trajectory.append(row)
                if t - lastReport > 0.01 * duration { control.progress?(t / duration); lastReport = t }
            }
            h *= step.growth
            guard h > 1e-12 * max(t, min(1, duration)) else {
                throw DMFTError.diverged("the step fell below \(fmt(h)) at t = \(fmt(t)); the solution is not smooth there")
            }
        }
        return DMFTSolution(trajectory: trajectory, warnings: warnings, twoTime: nil)
    }
}

/// The accepted rows and the two integrators of `RatioGridSolver`.
private struct Stepper {
    let equations: RatioFrameEquations
    let tolerance: Double
    let memoryLimitBytes: Double
    /// Rows in the history (the newest is the last accepted one).
    private(set) var rows = 1
    private var trbdf2: TRBDF2

    init(equations: RatioFrameEquations, tolerance: Double, memoryLimitBytes: Double,
         isCancelled: (@Sendable () -> Bool)?) {
        self.equations = equations
        self.tolerance = tolerance
        self.memoryLimitBytes = memoryLimitBytes
        trbdf2 = TRBDF2(tolerance: tolerance, isCancelled: isCancelled)
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

    /// TR-BDF2 with Newton–Krylov stages (`TRBDF2`); its step is set by accuracy, not by the
    /// stiff local rates.
    mutating func implicit(t: Double, y: [Double], f: [Double], h: Double) throws -> Outcome {
        try checkMemory(rows: rows + 1)
        switch try trbdf2.step(equations, row: rows, t: t, y: y, f: f, h: h) {
        case .retry(let step):
            return Outcome(accepted: nil, growth: step / h)
        case .done(let next, let derivative, let error):
            let growth = min(3, max(0.2, 0.9 * pow(tolerance / max(error, 1e-300), 1.0 / 3)))
            guard error <= tolerance else { return Outcome(accepted: nil, growth: growth) }
            rows += 1
            return Outcome(accepted: (next, derivative), growth: growth)
        }
    }
}
