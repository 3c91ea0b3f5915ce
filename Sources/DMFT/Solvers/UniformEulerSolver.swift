import CNumerics
import Foundation

/// Hooks a long computation calls back into: progress reports and cancellation.
public struct RunControl: Sendable {
    /// Called with the completed fraction in [0, 1], at most about every 1%.
    public var progress: (@Sendable (Double) -> Void)?
    /// Polled between steps; returning `true` stops the run with `DMFTError.cancelled`.
    public var isCancelled: (@Sendable () -> Bool)?

    public init(progress: (@Sendable (Double) -> Void)? = nil, isCancelled: (@Sendable () -> Bool)? = nil) {
        self.progress = progress
        self.isCancelled = isCancelled
    }
}

/// The two-time functions of a symmetric DMFT run on its grid (for inspection and
/// tests). Row `k` of each holds the values at `(t_k, t_s)` for `s = 0…k`.
public struct TwoTimeFunctions: Sendable {
    /// The grid times `t_k`.
    public let times: [Double]
    public let diagonalCorrelation: [[Double]]      // C_d
    public let offDiagonalCorrelation: [[Double]]   // C_o
    public let diagonalResponse: [[Double]]         // R_d
    public let offDiagonalResponse: [[Double]]      // R_o
    /// `C_A` row by row as the solver computed it (incrementally, with BLAS).
    public let residualCorrelation: [[Double]]
    /// `(I + Σ_R W)⁻¹ = R_A W` with `W = diag(t_{s+1} − t_s)`, unit lower triangular
    /// (`(I + ηΣ_R)⁻¹ = η R_A` on a uniform grid).
    public let residualResponseTimesStep: [[Double]]
    /// `Σ_C`, full rows `s = 0…k`.
    public let sigmaC: [[Double]]
}

/// The result of a DMFT solve: the observables, plus anything the user should know.
public struct DMFTSolution: Sendable {
    public let trajectory: Trajectory
    /// Warnings about the run (e.g. a step near the explicit stability limit).
    public let warnings: [String]
    /// Present when requested with `keepTwoTimeFunctions`.
    public let twoTime: TwoTimeFunctions?
}

/// The paper's uniform-grid scheme (appendix D; arXiv:2502.21269) for the
/// symmetric-initialisation DMFT (`docs/equations.md`): forward Euler in the later time, rectangle sums
/// for the memory integrals, `R_A = η⁻¹(I + ηΣ_R)⁻¹` by forward substitution and
/// `C_A = −(I + ηΣ_R)⁻¹ Σ_C (I + ηΣ_R)⁻ᵀ`. First order in η, O(N²) memory, O(N³) work.
///
/// The O(k²) work of step k is done by BLAS (OpenBLAS): triangular and general
/// matrix–vector and two-row matrix–matrix products against the stored history. No
/// allocation happens inside the time loop.
///
/// Memory: six (N+1)² arrays of doubles, N = duration/step; N = 5000 needs 1.2 GB,
/// N = 10⁴ 4.8 GB. Explicit Euler is stable only for `step · α a² (2h'(0) + h'(1)/m) ≲ 2`.
public struct UniformEulerSolver: Sendable {
    /// Requested time step; the step used is `gridStep` (≤ this), so that the grid ends at `duration`.
    public var step: Double
    /// Final time; the grid is `t_k = k·gridStep`, `k = 0…N`, `N = ⌈duration/step⌉`.
    public var duration: Double
    /// Refuse runs whose two-time arrays would need more than this (default 8 GB).
    public var memoryLimitBytes: Int = 8_000_000_000
    /// Keep the two-time functions in the solution (only sensible for small N).
    public var keepTwoTimeFunctions = false

    public init(step: Double, duration: Double) {
        self.step = step
        self.duration = duration
    }

    /// A step for which the explicit scheme is comfortably stable at the initial
    /// condition: `min(0.05, 0.5 / rate)` with the stiff rate of `problem` at `a(0)`.
    public static func suggestedStep(for problem: TrainingProblem) -> Double {
        let rate = problem.stiffRate(secondLayer: problem.initialSecondLayer)
        return min(0.05, rate > 0 ? 0.5 / rate : 0.05)
    }

    /// Number of steps `N = ⌈duration/step⌉` (capped at 10⁹ for absurd inputs, which `solve` refuses).
    public var stepCount: Int {
        min(boundedCount(duration / step * (1 - 1e-12), .up), 1_000_000_000)
    }

    /// The step actually used, `duration/N`: the requested step, or slightly less when
    /// `duration` is not a multiple of it.
    public var gridStep: Double { duration / Double(max(stepCount, 1)) }

    /// Bytes of two-time storage a run of the symmetric DMFT needs.
    public var memoryNeeded: Double {
        Double(keepTwoTimeFunctions ? 7 : 6) * Double(stepCount + 1) * Double(stepCount + 1) * 8
    }

    /// Bytes of two-time storage a run of `problem` needs (the grouped DMFT stores
    /// `2K + 2·#pairs + 2` arrays for K groups).
    public func memoryNeeded(for problem: TrainingProblem) -> Double {
        guard let groups = problem.initialization.groups else { return memoryNeeded }
        return GroupedGridStepper.bytes(rows: stepCount + 1, groups: groups, keep: keepTwoTimeFunctions)
    }

    /// Integrates `problem` on `[0, duration]`.
    /// - Throws: `DMFTError.invalidInput` for bad settings, `.diverged` if the solution
    ///   leaves the admissible set (it never returns non-finite values), `.cancelled`.
    public func solve(_ problem: TrainingProblem, control: RunControl = RunControl()) throws -> DMFTSolution {
        try problem.validate()
        guard step.isFinite && step > 0 else { throw DMFTError.invalidInput("time step must be positive, got \(step)") }
        guard duration.isFinite && duration > 0 else {
            throw DMFTError.invalidInput("duration (tmax) must be positive, got \(duration)")
        }
        guard stepCount >= 1 else { throw DMFTError.invalidInput("tmax \(duration) is shorter than one step \(step)") }
        let memoryNeeded = memoryNeeded(for: problem)
        guard memoryNeeded <= Double(memoryLimitBytes) else {
            throw DMFTError.invalidInput(
                "N = \(stepCount) steps need \(Int(memoryNeeded / 1e6)) MB of two-time storage (limit "
                    + "\(memoryLimitBytes / 1_000_000) MB); increase the step or shorten tmax")
        }
        var warnings: [String] = []
        let eta = gridStep
        if abs(eta - step) > 1e-12 * step {
            warnings.append("dt reduced from \(step) to \(eta) so that the grid ends at tmax = \(duration)")
        }
        let rate0 = problem.stiffRate(secondLayer: problem.initialSecondLayer)
        if eta * rate0 > 1 {
            warnings.append(
                "dt = \(fmt(eta)) is near or beyond the explicit-Euler stability limit at t = 0 "
                    + "(dt·α a²(2h'(0)+h'(1)/m) = \(fmt(eta * rate0)) > 1); dt ≤ \(fmt(0.5 / rate0)) is safe")
        }
        if let groups = problem.initialization.groups {
            return try solveGrouped(problem, groups: groups, step: eta, warnings: warnings, control: control)
        }
        var state = try GridStepper(
            problem: problem, capacity: stepCount + 1, implicitLocalTerms: false, keep: keepTwoTimeFunctions)
        var trajectory = Trajectory(observables: Observable.dmftColumns)
        trajectory.reserveCapacity(stepCount + 1)
        let reportEvery = max(1, stepCount / 100)
        for k in 0...stepCount {
            if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
            let row = try state.advance(from: k, to: k == stepCount ? nil : Double(k + 1) * eta)
            trajectory.append(row)
            if k % reportEvery == 0 || k == stepCount { control.progress?(Double(k) / Double(stepCount)) }
        }
        return DMFTSolution(trajectory: trajectory, warnings: warnings, twoTime: state.twoTimeFunctions())
    }

    /// The grouped DMFT (`GroupedGridStepper`) on the same grid; columns `GroupedObservables.dmftColumns`.
    private func solveGrouped(
        _ problem: TrainingProblem, groups: InitialGroups, step eta: Double, warnings: [String], control: RunControl
    ) throws -> DMFTSolution {
        var state = try GroupedGridStepper(
            problem: problem, groups: groups, capacity: stepCount + 1, keep: keepTwoTimeFunctions)
        var trajectory = Trajectory(names: GroupedObservables.dmftColumns(groups))
        trajectory.reserveCapacity(stepCount + 1)
        let reportEvery = max(1, stepCount / 100)
        for k in 0...stepCount {
            if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
            trajectory.append(try state.advance(from: k, step: k == stepCount ? nil : eta))
            if k % reportEvery == 0 || k == stepCount { control.progress?(Double(k) / Double(stepCount)) }
        }
        return DMFTSolution(trajectory: trajectory, warnings: warnings, twoTime: nil)
    }
}

func fmt(_ x: Double) -> String { String(format: "%.4g", x) }
