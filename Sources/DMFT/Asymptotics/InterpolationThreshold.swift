import Foundation

/// The gradient-flow interpolation threshold (arXiv:2502.21269, the paper's γ*_GF(α)):
/// with the second layer frozen, the training error decays to zero only on one side of a
/// threshold — for α below α*(γ₀), or for γ₀ above γ*(α) — and its relaxation time
/// `t_rel = inf{t : e_tr(t) < ε·τ²}` diverges there as `c |x* − x|^−ν`.
///
/// A scan solves the frozen-second-layer DMFT at each value of the scanned parameter with
/// `LongTimeSolver`, doubling the horizon until the training error crosses the level (or
/// `maxDuration` is reached), and fits the divergence with `PowerLawFit`. At finite width
/// it solves the full symmetric DMFT; at `m = ∞` the lazy regime-2 system of `LazyLimit`.
public struct InterpolationThresholdScan: Sendable {
    /// Which parameter is scanned.
    public enum Parameter: String, Sendable, CaseIterable {
        /// `α = n/(md)`: interpolation below α*, `t_rel` diverges as α ↑ α*.
        case alpha
        /// `γ₀ = a/√m` (lazy initialisation): interpolation above γ*, divergence as γ₀ ↓ γ*.
        case gamma0

        /// Where the threshold lies relative to the interpolating values.
        public var side: PowerLawFit.Side { self == .alpha ? .above : .below }
    }

    /// The relaxation time at one parameter value.
    public struct Point: Sendable, Equatable {
        /// The scanned parameter's value.
        public let value: Double
        /// `t_rel`, or `nil` if the level was not reached by `duration`.
        public let relaxationTime: Double?
        /// The training error at the end of the last run.
        public let finalTrainError: Double
        /// The horizon of the last run.
        public let duration: Double
        /// Why the last run stopped short of `duration` (memory limit, divergence), if it did.
        public let failure: String?

        public init(
            value: Double, relaxationTime: Double?, finalTrainError: Double, duration: Double, failure: String? = nil
        ) {
            (self.value, self.relaxationTime, self.finalTrainError) = (value, relaxationTime, finalTrainError)
            (self.duration, self.failure) = (duration, failure)
        }
    }

    public var parameter: Parameter
    /// Values of the parameter, any order.
    public var values: [Double]
    /// `true`: the m → ∞ lazy regime-2 system (needs a lazy initialisation); `false`: width m.
    public var infiniteWidth: Bool
    /// The level is `epsilon·τ²` (the paper: 1e-7); `τ` is the problem's noise.
    public var epsilon: Double = 1e-7
    /// Tolerance of each `LongTimeSolver` run.
    public var tolerance: Double = 1e-3
    /// First horizon; doubled while the level is not reached.
    public var initialDuration: Double = 25
    /// Longest horizon tried.
    public var maxDuration: Double = 400
    /// Memory limit of each solve; a value whose solve would exceed it is reported, not fatal.
    public var memoryLimitBytes: Double = 4e9

    public init(parameter: Parameter, values: [Double], infiniteWidth: Bool) {
        self.parameter = parameter
        self.values = values
        self.infiniteWidth = infiniteWidth
    }

    /// The problem solved at `value`: `base` with the parameter replaced and the second layer
    /// frozen, reduced to the lazy regime-2 system when `infiniteWidth`.
    public func problem(_ base: TrainingProblem, at value: Double) throws -> TrainingProblem {
        var p = base
        p.trainSecondLayer = false
        switch parameter {
        case .alpha: p.alpha = value
        case .gamma0:
            guard case .lazy = base.initialization else {
                throw DMFTError.invalidInput("scanning gamma0 needs a lazy initialisation (--init lazy)")
            }
            p.initialization = .lazy(gamma0: value)
        }
        try p.validate()
        return infiniteWidth ? try LazyLimit(p).regimeTwoProblem() : p
    }

    /// The first time the training error falls below `level`, interpolated linearly in
    /// log e between grid points; `nil` if it never does.
    public static func relaxationTime(_ trajectory: Trajectory, level: Double) -> Double? {
        let t = trajectory.time, e = trajectory[.trainError]!
        guard let k = e.firstIndex(where: { $0 < level }) else { return nil }
        guard k > 0, e[k] > 0, e[k - 1] > level else { return t[k] }
        let fraction = log(e[k - 1] / level) / log(e[k - 1] / e[k])
        return t[k - 1] + fraction * (t[k] - t[k - 1])
    }

    /// Relaxation times at every value, in increasing order of the value. `progress` is
    /// called after each value with the point just found.
    public func run(
        _ base: TrainingProblem, control: RunControl = RunControl(), progress: (@Sendable (Point) -> Void)? = nil
    ) throws -> [Point] {
        guard values.count >= 1, values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw DMFTError.invalidInput("scan values must be positive and finite, got \(values)")
        }
        guard Set(values).count == values.count else { throw DMFTError.invalidInput("scan values repeat: \(values)") }
        guard epsilon > 0, epsilon < 1, initialDuration > 0, maxDuration >= initialDuration else {
            throw DMFTError.invalidInput("need 0 < epsilon < 1 and 0 < initial duration ≤ max duration")
        }
        guard base.noise > 0 else {
            throw DMFTError.invalidInput("the relaxation level ε·τ² needs label noise τ > 0")
        }
        let level = epsilon * base.noise * base.noise
        var points: [Point] = []
        for value in values.sorted() {
            let problem = try self.problem(base, at: value)
            var duration = initialDuration
            while true {
                if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
                let trajectory: Trajectory
                do {
                    var solver = LongTimeSolver(duration: duration, tolerance: tolerance)
                    solver.memoryLimitBytes = memoryLimitBytes
                    trajectory = try solver.solve(problem, control: RunControl(isCancelled: control.isCancelled)).trajectory
                } catch let error as DMFTError where error != .cancelled {
                    // One value out of reach (memory, divergence) does not lose the others.
                    let point = Point(
                        value: value, relaxationTime: nil, finalTrainError: .nan, duration: duration,
                        failure: "\(error)")
                    points.append(point)
                    progress?(point)
                    break
                }
                let tRel = Self.relaxationTime(trajectory, level: level)
                if tRel != nil || duration >= maxDuration {
                    let point = Point(
                        value: value, relaxationTime: tRel, finalTrainError: trajectory[.trainError]!.last!,
                        duration: duration)
                    points.append(point)
                    progress?(point)
                    break
                }
                duration = min(2 * duration, maxDuration)
            }
            control.progress?(Double(points.count) / Double(values.count))
        }
        return points
    }

    /// Fits `t_rel = c |x* − x|^−ν` to the points that relaxed.
    /// - Throws: `DMFTError.invalidInput` with fewer than four relaxed points.
    public func fit(_ points: [Point], confidenceLevel: Double = 0.95) throws -> PowerLawFit {
        let relaxed = points.filter { $0.relaxationTime != nil }
        guard relaxed.count >= 4 else {
            throw DMFTError.invalidInput(
                "only \(relaxed.count) of \(points.count) values relaxed below the level: a fit of c, x*, ν needs "
                    + "at least 4 (move the scan away from the threshold or raise the maximum duration)")
        }
        return try PowerLawFit(
            x: relaxed.map(\.value), t: relaxed.map { $0.relaxationTime! }, side: parameter.side,
            confidenceLevel: confidenceLevel)
    }
}
