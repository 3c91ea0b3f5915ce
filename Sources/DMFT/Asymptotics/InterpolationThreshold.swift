import Foundation

/// The gradient-flow interpolation threshold (arXiv:2502.21269, the paper's γ*_GF(α) and, in
/// its appendix H.1, ᾱ_GF(m)): with the second layer frozen, the training error decays to zero
/// only on one side of a threshold — for α (or ᾱ = n/d) below it, or for γ₀ above γ*(α) — and
/// its relaxation time `t_rel = inf{t : e_tr(t) < ε·τ²}` diverges there as `c |x* − x|^−ν`
/// (the paper's Eq. H.2).
///
/// A scan solves the frozen-second-layer DMFT at each value of the scanned parameter, doubling
/// the horizon until the training error crosses the level (or `maxDuration` is reached), and
/// fits the divergence with `PowerLawFit`. Which system is solved is `width`: the full
/// symmetric DMFT at the problem's width (`LongTimeSolver`), the lazy regime-2 system of
/// `LazyLimit` (m = ∞ at fixed α, lazy initialisation), or the fixed-ᾱ infinite-width system of
/// `InfiniteWidthLimit` (m = ∞ at fixed ᾱ, mean-field initialisation; the paper's appendix H.2).
///
/// **Time unit.** A scan of `alphaBar` measures every time — `t_rel`, the horizons — in
/// `T = t/m`, the time of the fixed-ᾱ limit: at finite m the solver runs to `m·duration` and
/// the crossing time is divided by m (the paper plots `t_rel/m` in its Figure 32, and
/// `t_rel(ᾱ, m) ≈ m L*(c) (ᾱ_GF(m) − ᾱ)^−ν`). Scans of `alpha` and `gamma0` use t.
public struct InterpolationThresholdScan: Sendable {
    /// Which parameter is scanned.
    public enum Parameter: String, Sendable, CaseIterable {
        /// `α = n/(md)`: interpolation below α*, `t_rel` diverges as α ↑ α*.
        case alpha
        /// `γ₀ = a/√m` (lazy initialisation): interpolation above γ*, divergence as γ₀ ↓ γ*.
        case gamma0
        /// `ᾱ = n/d = αm` (mean-field initialisation, the paper's appendix H): interpolation
        /// below ᾱ_GF(m), divergence as ᾱ ↑ ᾱ_GF(m); times in `T = t/m`.
        case alphaBar = "alphabar"

        /// Where the threshold lies relative to the interpolating values.
        public var side: PowerLawFit.Side { self == .gamma0 ? .below : .above }
    }

    /// Which system is solved at each value.
    public enum Width: String, Sendable, CaseIterable {
        /// The full symmetric DMFT at the problem's width m (`LongTimeSolver`).
        case finite
        /// m → ∞ at fixed α with a lazy initialisation: the regime-2 system of `LazyLimit`
        /// (`LongTimeSolver`). Scans `alpha` or `gamma0`.
        case lazyRegimeTwo = "lazy-2"
        /// m → ∞ at fixed ᾱ with a mean-field initialisation: `InfiniteWidthLimit` on its
        /// uniform grid of step `infiniteWidthStep` in T. Scans `alphaBar`.
        case infiniteWidth = "infinite-width"

        /// `false` for `finite`.
        public var isInfinite: Bool { self != .finite }
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
    /// The system solved at each value.
    public var width: Width
    /// The level is `epsilon·τ²` (the paper: 1e-7); `τ` is the problem's noise.
    public var epsilon: Double = 1e-7
    /// Tolerance of each `LongTimeSolver` run (finite width, lazy-2).
    public var tolerance: Double = 1e-3
    /// Step in T of each `InfiniteWidthLimit` run; nil: `InfiniteWidthLimit.suggestedStep`.
    public var infiniteWidthStep: Double? = nil
    /// First horizon (in the scan's time unit); doubled while the level is not reached.
    public var initialDuration: Double = 25
    /// Longest horizon tried.
    public var maxDuration: Double = 400
    /// Memory limit of each solve; a value whose solve would exceed it is reported, not fatal.
    public var memoryLimitBytes: Double = 4e9

    public init(parameter: Parameter, values: [Double], width: Width) {
        self.parameter = parameter
        self.values = values
        self.width = width
    }

    /// The time unit of the scan in units of t: m for an `alphaBar` scan at finite width
    /// (times are `T = t/m`), else 1.
    public func timeUnit(_ base: TrainingProblem) -> Double {
        parameter == .alphaBar && width == .finite ? Double(base.width) : 1
    }

    /// The problem solved at `value`: `base` with the parameter replaced and the second layer
    /// frozen, reduced to the lazy regime-2 system for `.lazyRegimeTwo`. For `alphaBar` the
    /// problem keeps its width and gets `α = ᾱ/m` (`InfiniteWidthLimit` reads ᾱ = αm back).
    /// - Throws: `DMFTError.invalidInput` if the scan, the width and the initialisation do not fit.
    public func problem(_ base: TrainingProblem, at value: Double) throws -> TrainingProblem {
        let isLazy: Bool = { if case .lazy = base.initialization { return true } else { return false } }()
        switch (width, parameter) {
        case (.lazyRegimeTwo, .alphaBar):
            throw DMFTError.invalidInput(
                "the lazy regime-2 system is the m → ∞ limit at fixed α; scan alpha or gamma0 with it "
                    + "(for a scan of ᾱ = n/d at m = ∞ use the infinite-width system with a mean-field initialisation)")
        case (.lazyRegimeTwo, _) where !isLazy:
            throw DMFTError.invalidInput("the lazy regime-2 system needs a lazy initialisation (--init lazy)")
        case (.infiniteWidth, let scanned) where scanned != .alphaBar:
            throw DMFTError.invalidInput(
                "the infinite-width system is the m → ∞ limit at fixed ᾱ = n/d: scan alphabar, not \(scanned.rawValue)")
        case (.infiniteWidth, _) where isLazy:
            throw DMFTError.invalidInput(
                "the fixed-ᾱ infinite-width system needs a mean-field initialisation a(0) = a0 (--init meanfield); "
                    + "the m → ∞ system of a lazy initialisation is lazy-2")
        default: break
        }
        try base.refuse(
            TrainingOption.allCases, in: "the interpolation threshold",
            instead: "its scan trains the first layer with the second frozen")
        var p = base
        p.trainSecondLayer = false
        switch parameter {
        case .alpha: p.alpha = value
        case .alphaBar: p.alpha = value / Double(base.width)
        case .gamma0:
            guard isLazy else {
                throw DMFTError.invalidInput("scanning gamma0 needs a lazy initialisation (--init lazy)")
            }
            p.initialization = .lazy(gamma0: value)
        }
        try p.validate()
        return width == .lazyRegimeTwo ? try LazyLimit(p).regimeTwoProblem() : p
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

    /// The frozen-second-layer solution of `problem` up to `duration` (in t for the
    /// long-time solver, in T for the infinite-width system, which stops once the training
    /// error is below `level`).
    func trajectory(_ problem: TrainingProblem, duration: Double, level: Double, control: RunControl) throws
        -> Trajectory
    {
        switch width {
        case .finite, .lazyRegimeTwo:
            var solver = LongTimeSolver(duration: duration, tolerance: tolerance)
            solver.memoryLimitBytes = memoryLimitBytes
            return try solver.solve(problem, control: control).trajectory
        case .infiniteWidth:
            var solver = InfiniteWidthLimit(
                step: infiniteWidthStep ?? InfiniteWidthLimit.suggestedStep(for: problem), duration: duration)
            solver.memoryLimitBytes = memoryLimitBytes
            solver.stopBelowTrainError = level
            return try solver.solve(problem, control: control)
        }
    }

    /// Relaxation times at every value, in increasing order of the value, in the scan's time
    /// unit (`timeUnit`). `progress` is called after each value with the point just found.
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
        if let step = infiniteWidthStep, !(step.isFinite && step > 0) {
            throw DMFTError.invalidInput("the infinite-width step must be positive and finite, got \(step)")
        }
        guard base.noise > 0 else {
            throw DMFTError.invalidInput("the relaxation level ε·τ² needs label noise τ > 0")
        }
        let level = epsilon * base.noise * base.noise
        let unit = timeUnit(base)
        var points: [Point] = []
        for value in values.sorted() {
            let problem = try self.problem(base, at: value)
            var duration = initialDuration
            while true {
                if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
                let trajectory: Trajectory
                do {
                    trajectory = try self.trajectory(
                        problem, duration: duration * unit, level: level,
                        control: RunControl(isCancelled: control.isCancelled))
                } catch let error as DMFTError where error != .cancelled {
                    // One value out of reach (memory, divergence) does not lose the others.
                    let point = Point(
                        value: value, relaxationTime: nil, finalTrainError: .nan, duration: duration,
                        failure: "\(error)")
                    points.append(point)
                    progress?(point)
                    break
                }
                let tRel = Self.relaxationTime(trajectory, level: level).map { $0 / unit }
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
