import Foundation

/// The result of a long-time solve: the extrapolated observables and their error estimate.
public struct LongTimeSolution: Sendable {
    /// Richardson-extrapolated observables `2·fine − coarse` on the coarse grid (second order).
    public let trajectory: Trajectory
    /// Per column, the estimated error of `trajectory`: `max_t |R(η) − R(2η)|/3`, with `R(η)`
    /// the extrapolation from the coarse and fine passes and `R(2η)` the one from the
    /// decimated and coarse passes (evaluated on the decimated grid).
    public let errorEstimate: [String: Double]
    /// Per column, `max_t |fine − coarse|`: the error of the first-order fine pass.
    public let firstOrderDifference: [String: Double]
    /// Grid points of the adaptive (coarse) pass; the fine pass has twice as many intervals.
    public let coarsePoints: Int
    /// `false` when the 2η pass diverged and `errorEstimate` is `firstOrderDifference`, a looser bound.
    public let estimateFromThreePasses: Bool
    public let warnings: [String]

    /// The largest estimate over `e_train`, `e_test`, `a`, `v`.
    public var maxError: Double { Self.headline.compactMap { errorEstimate[$0] }.max() ?? .nan }

    /// The observables the tolerance and the headline error refer to.
    public static let headline = ["e_train", "e_test", "a", "v"]
}

/// A solver for the same symmetric DMFT as `UniformEulerSolver`, built to reach
/// t = Θ(m) (`docs/long-time.md`; design and measurements in `docs/long-time.md`):
///
/// 1. **Stiffness**: the local term `−(m−2)/m·α a² h'(C_o(t,t))·Y` of the `C_o`, `R_o`
///    equations is implicit (`GridStepper`), so the step is set by accuracy, not by
///    `1/(α a² h'(0))`, which grows like m once a ≈ √m.
/// 2. **Adaptive steps**: the first (coarse) pass takes steps in equal pairs of length
///    `η = √(2·tolerance/κ)`, with `κ` the largest second divided difference in the
///    first time of the stored two-time rows (off the diagonal) and of `a`, `v`,
///    `C_o(t,t)`; η grows by at most `maxGrowth` per pair and is capped at `maxStep`.
/// 3. **Order two and an error estimate**: two more passes on fixed grids, the coarse
///    grid with its pairs merged (decimated) and bisected (fine). Output: the Richardson
///    value `R(η) = 2·fine − coarse`; error estimate `|R(η) − R(2η)|/3`, the leading
///    O(η²) term of `R(η)`'s error.
///
/// Memory: six K×K arrays of doubles for the K fine-grid points (K ≈ 2 × coarse); work
/// O(K³), about 9× that of the coarse pass. With `checkpointPath`, the state is saved every
/// `checkpointInterval` seconds, and `solve(…, resume: true)` continues from it.
public struct LongTimeSolver: Sendable {
    /// Final time.
    public var duration: Double
    /// Target for the estimated error (absolute, on e_train, e_test, a, v).
    public var tolerance: Double = 1e-3
    /// Largest step of the coarse pass.
    public var maxStep: Double = 2
    /// Largest ratio between successive step pairs.
    public var maxGrowth: Double = 1.25
    /// First step; `nil` = `min(0.01, √tolerance / rate)` with the stiff rate at a(0).
    public var initialStep: Double?
    /// Refuse runs whose two-time arrays would need more than this (default 4 GB).
    public var memoryLimitBytes: Double = 4e9
    /// Where to keep a checkpoint (written atomically), or `nil` for none.
    public var checkpointPath: String?
    /// Seconds between checkpoints.
    public var checkpointInterval: Double = 60

    public init(duration: Double, tolerance: Double = 1e-3) {
        self.duration = duration
        self.tolerance = tolerance
    }

    /// The first step used when `initialStep` is not set.
    public func firstStep(for problem: TrainingProblem) -> Double {
        if let initialStep { return initialStep }
        let rate = problem.stiffRate(secondLayer: problem.initialSecondLayer)
        return min(0.01, rate > 0 ? tolerance.squareRoot() / rate : 0.01)
    }

    func validate() throws {
        guard duration.isFinite && duration > 0 else {
            throw DMFTError.invalidInput("duration (tmax) must be positive, got \(duration)")
        }
        guard tolerance.isFinite && tolerance > 0 else {
            throw DMFTError.invalidInput("tolerance must be positive, got \(tolerance)")
        }
        guard maxStep.isFinite && maxStep > 0, maxGrowth > 1, checkpointInterval >= 0 else {
            throw DMFTError.invalidInput("maxStep must be positive, maxGrowth > 1, checkpointInterval ≥ 0")
        }
        if let initialStep, !(initialStep > 0 && initialStep.isFinite) {
            throw DMFTError.invalidInput("initial step must be positive, got \(initialStep)")
        }
    }

    /// The settings and the error estimate as the `solver` object of a run's sidecar.
    public func sidecarSettings(_ solution: LongTimeSolution) -> [String: String] {
        var settings = [
            "name": "long-time", "tmax": "\(duration)", "tolerance": "\(tolerance)", "max_step": "\(maxStep)",
            "max_growth": "\(maxGrowth)", "coarse_points": "\(solution.coarsePoints)",
            "fine_points": "\(2 * solution.coarsePoints - 1)", "order": "2 (Richardson)",
            "error_estimate": "\(solution.maxError)",
            "error_estimate_note": solution.estimateFromThreePasses
                ? "max over t of |R(η) − R(2η)|/3 for e_train, e_test, a, v"
                : "max over t of |fine − coarse| for e_train, e_test, a, v (the 2η pass diverged)",
        ]
        if let initialStep { settings["initial_step"] = "\(initialStep)" }
        for (name, value) in solution.errorEstimate { settings["error_estimate_" + name] = "\(value)" }
        for (name, value) in solution.firstOrderDifference { settings["first_order_difference_" + name] = "\(value)" }
        return settings
    }

    /// The three passes, in the order they run.
    enum Pass: Int, Codable { case coarse, decimated, fine }

    /// Integrates `problem` on `[0, duration]`. With `resume`, continues from the
    /// checkpoint at `checkpointPath` (which must have been written for the same problem
    /// and settings); the result is the same as an uninterrupted run's.
    public func solve(
        _ problem: TrainingProblem, control: RunControl = RunControl(), resume: Bool = false
    ) throws -> LongTimeSolution {
        try problem.validate()
        try problem.requireSymmetricStart(for: "the long-time solver (--solver long)")
        try validate()
        let fingerprint = Checkpoint.fingerprint(problem: problem, solver: self)
        var saved: Checkpoint? = nil
        if resume {
            guard let checkpointPath else { throw DMFTError.invalidInput("resuming needs a checkpoint file") }
            saved = try Checkpoint.read(from: checkpointPath, fingerprint: fingerprint)
            if let capacity = saved?.capacity, GridStepper.bytes(rows: capacity, keep: false) > memoryLimitBytes {
                throw DMFTError.invalidInput(
                    "checkpoint \(checkpointPath) holds \(capacity) grid rows, more than the memory limit of "
                        + "\(Int(memoryLimitBytes / 1e6)) MB allows")
            }
        }
        var finished = saved?.finished ?? []
        var progress = ProgressShare(control: control)
        while finished.count < 3 {
            let pass = Pass(rawValue: finished.count)!
            let grid = finished.first.map { Self.grid(for: pass, coarse: $0.times) }
            if let grid {
                let needed = GridStepper.bytes(rows: grid.count, keep: false)
                guard needed <= memoryLimitBytes else {
                    throw DMFTError.invalidInput(
                        "the \(pass) pass needs \(grid.count) grid points (\(Int(needed / 1e6)) MB, limit "
                            + "\(Int(memoryLimitBytes / 1e6)) MB); raise the tolerance or shorten tmax")
                }
            }
            var state = try saved?.restorePass(problem: problem)
                ?? PassState(stepper: try GridStepper(
                    problem: problem, capacity: grid?.count ?? 1024, implicitLocalTerms: true, keep: false))
            saved = nil
            do {
                try run(&state, pass: pass, grid: grid, finished: finished, fingerprint: fingerprint,
                        progress: &progress, control: control)
                finished.append(PassRecord(times: state.stepper.times, rows: state.rows))
            } catch DMFTError.diverged(let reason) where pass == .decimated {
                // Doubled steps can cross the stability limit where the coarse ones did not;
                // the output does not need this pass, only the sharper error estimate does.
                finished.append(PassRecord(times: [], rows: [], failure: reason))
            }
        }
        if let checkpointPath { try? FileManager.default.removeItem(atPath: checkpointPath) }
        return combine(coarse: finished[0].rows, decimated: finished[1], fine: finished[2].rows)
    }

    /// The grid of a fixed pass from the coarse grid (whose intervals come in equal pairs).
    static func grid(for pass: Pass, coarse: [Double]) -> [Double] {
        switch pass {
        case .coarse: return coarse
        case .decimated: return stride(from: 0, to: coarse.count, by: 2).map { coarse[$0] }
        case .fine:
            var fine: [Double] = [0]
            for k in 1..<coarse.count {
                fine.append(0.5 * (coarse[k - 1] + coarse[k]))
                fine.append(coarse[k])
            }
            return fine
        }
    }

    /// Richardson extrapolation (fine row 2k and decimated row k/2 are at coarse time k).
    /// Without the decimated pass (it diverged), the estimate is the first-order difference
    /// `|fine − coarse|`, which bounds the extrapolated error conservatively.
    private func combine(coarse: [[Double]], decimated: PassRecord, fine: [[Double]]) -> LongTimeSolution {
        var trajectory = Trajectory(observables: Observable.dmftColumns)
        let names = trajectory.names
        var estimate = [Double](repeating: 0, count: names.count)
        var difference = estimate
        for (k, coarseRow) in coarse.enumerated() {
            var row = coarseRow
            for c in 1..<row.count {
                row[c] = 2 * fine[2 * k][c] - coarseRow[c]
                difference[c] = max(difference[c], abs(fine[2 * k][c] - coarseRow[c]))
                if decimated.failure != nil {
                    estimate[c] = difference[c]
                } else if k % 2 == 0 {
                    let lower = 2 * coarseRow[c] - decimated.rows[k / 2][c]
                    estimate[c] = max(estimate[c], abs(row[c] - lower) / 3)
                }
            }
            trajectory.append(row)
        }
        func byName(_ values: [Double]) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: (1..<names.count).map { (names[$0], values[$0]) })
        }
        let errorEstimate = byName(estimate)
        let worst = LongTimeSolution.headline.compactMap { errorEstimate[$0] }.max() ?? 0
        var warnings: [String] = []
        if let failure = decimated.failure {
            warnings.append(
                "the 2η pass of the error estimate diverged (\(failure)); the estimate is the first-order "
                    + "difference |fine − coarse|, an upper bound an order larger than the usual one")
        }
        if worst > tolerance {
            warnings.append(
                "estimated error \(fmt(worst)) exceeds the tolerance \(fmt(tolerance)); "
                    + "rerun with a smaller tolerance")
        }
        return LongTimeSolution(
            trajectory: trajectory, errorEstimate: errorEstimate, firstOrderDifference: byName(difference),
            coarsePoints: coarse.count, estimateFromThreePasses: decimated.failure == nil, warnings: warnings)
    }

    /// Runs one pass to the end: on `grid` when given, else choosing steps adaptively.
    private func run(
        _ state: inout PassState, pass: Pass, grid: [Double]?, finished: [PassRecord], fingerprint: String,
        progress: inout ProgressShare, control: RunControl
    ) throws {
        var lastCheckpoint = Date()
        let first = firstStep(for: state.stepper.problem)
        while true {
            if let cancelled = control.isCancelled, cancelled() {
                // Nothing is lost on Ctrl-C: the state so far becomes the checkpoint.
                if let checkpointPath {
                    try Checkpoint(fingerprint: fingerprint, finished: finished, state: state).write(to: checkpointPath)
                }
                throw DMFTError.cancelled
            }
            let k = state.stepper.times.count - 1
            let next: Double?
            if let grid {
                next = k + 1 < grid.count ? grid[k + 1] : nil
            } else {
                next = try nextTime(after: k, of: state.stepper, first: first)
                let fineBytes = GridStepper.bytes(rows: 2 * (k + 2), keep: false)
                guard fineBytes <= memoryLimitBytes else {
                    throw DMFTError.invalidInput(
                        "at t = \(fmt(state.stepper.times[k])) the grid already has \(k + 1) points and the fine pass "
                            + "would need more than \(Int(memoryLimitBytes / 1e6)) MB; raise the tolerance or shorten tmax")
                }
            }
            let row = try state.stepper.advance(from: k, to: next)
            state.rows.append(row)
            guard let next else { break }
            progress.report(pass, fraction: grid.map { Double(k + 1) / Double($0.count - 1) } ?? next / duration)
            if let checkpointPath, Date().timeIntervalSince(lastCheckpoint) >= checkpointInterval {
                try Checkpoint(fingerprint: fingerprint, finished: finished, state: state).write(to: checkpointPath)
                lastCheckpoint = Date()
            }
        }
    }

    /// The next time of the coarse pass, or `nil` when row `k` is at `duration`. Steps come
    /// in equal pairs (so that merging pairs gives the decimated grid); a new step length is
    /// chosen at even `k`.
    private func nextTime(after k: Int, of stepper: GridStepper, first: Double) throws -> Double? {
        let t = stepper.times[k]
        if k % 2 == 1 { return t + stepper.steps[k - 1] }
        let remaining = duration - t
        if remaining <= 1e-12 * duration { return nil }
        var eta = first
        if k >= 2 {
            let curvature = max(stepper.rowCurvature, oneTimeCurvature(stepper, at: k))
            eta = min(maxStep, maxGrowth * stepper.steps[k - 1],
                      curvature > 0 ? (2 * tolerance / curvature).squareRoot() : maxStep)
            if eta < 1e-9 * max(1, t) {
                throw DMFTError.diverged("the adaptive step collapsed to \(fmt(eta)) at t = \(fmt(t))")
            }
        }
        // End exactly at `duration` without a sliver: one or two last pairs.
        if remaining <= 2 * eta { return t + 0.5 * remaining }
        if remaining <= 3 * eta { return t + 0.25 * remaining }
        return t + eta
    }

    /// Largest second divided difference of a, v, C_o(t,t) over rows k−2…k.
    private func oneTimeCurvature(_ s: GridStepper, at k: Int) -> Double {
        let h0 = s.steps[k - 2], h1 = s.steps[k - 1]
        func second(_ y0: Double, _ y1: Double, _ y2: Double) -> Double {
            abs((y2 - y1) / h1 - (y1 - y0) / h0) / (0.5 * (h0 + h1))
        }
        return max(
            second(s.a[k - 2], s.a[k - 1], s.a[k]), second(s.v[k - 2], s.v[k - 1], s.v[k]),
            second(s.co[k - 2, k - 2], s.co[k - 1, k - 1], s.co[k, k]))
    }
}

/// One pass in progress: the stepper and the observables of the rows done so far.
struct PassState {
    var stepper: GridStepper
    var rows: [[Double]] = []
}

/// A finished pass: its grid and observables, or why it stopped.
struct PassRecord: Codable {
    var times: [Double]
    var rows: [[Double]]
    var failure: String? = nil
}

/// Progress over the three passes; their O(K³) work is in the ratio 1 : 1/8 : 8.
private struct ProgressShare {
    let control: RunControl
    var last = -1.0

    init(control: RunControl) { self.control = control }

    mutating func report(_ pass: LongTimeSolver.Pass, fraction: Double) {
        let weights = [1.0, 0.125, 8.0], total = 9.125
        let done = weights.prefix(pass.rawValue).reduce(0, +)
        let value = (done + weights[pass.rawValue] * pow(min(fraction, 1), 3)) / total
        guard value >= last + 0.01 else { return }
        last = value
        control.progress?(value)
    }
}
