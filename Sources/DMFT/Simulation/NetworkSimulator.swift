import CNumerics
import Foundation

/// Mini-batch SGD (or full-batch GD) on a real two-layer network
/// `f(x) = (1/m) Σ_i a_i σ(<w_i, x>)`, `‖w_i‖ = 1` (arXiv:2502.21269):
/// the "empirical" counterpart of the DMFT.
///
/// **Data.** `x ~ N(0, I_d)`, `y = φ(<u, x>) + τ ε` with a fixed unit vector `u` drawn uniformly
/// per run; a fixed training set of `n = round(α m d)` samples (`α = problem.alpha`). When
/// `problem.covariance.target == nil` the labels are pure noise, `y = τ ε`.
///
/// **σ and φ.** By default both are derived from the problem's covariance so that the network
/// realises exactly the given `h` and `φ̂`:
/// `σ(z) = Σ_k √h_k He_k(z)/√(k!)` and `φ(z) = Σ_k b_k He_k(z)/√(k!)` with `b_k = φ̂_k/√h_k`.
/// What `‖φ‖²` has beyond `Σ_k b_k²` (clamped at 0) — the part of the target that σ cannot see
/// — is added to the labels as extra independent Gaussian noise of that variance, which is
/// exactly how it enters the DMFT. With explicit `activation` / `target` functions (ReLU,
/// tanh, …) the network uses those, while the closed-form test error (and anything compared
/// with the DMFT) uses the problem's covariance: the caller is responsible for building the
/// problem with `CovarianceModel(activation:target:)` from the same functions. An explicit
/// `activation` together with a single-index problem requires an explicit `target` too.
///
/// **Training.** Each step takes a batch of `B = batchSize` samples *without replacement*: the
/// training set is visited in a random order that is redrawn every epoch; when fewer than `B`
/// unused samples remain, the (at most `B − 1`) leftovers are skipped and a new permutation is
/// drawn, so every batch holds `B` distinct samples. `batchSize == n` is full-batch GD. On
/// `R̂_batch = (1/2B) Σ_{μ∈batch} (y_μ − f(x_μ))²` one step does
/// `a ← a − κη (∇_a R̂_batch + (λ/m) a)` (unless the second layer is frozen; λ, κ the problem's
/// weight decay and learning-rate ratio: the penalty `(λ/2m)‖a‖²` joins the loss) and
/// `w_i ← normalise(w_i − η P⊥_{w_i} ∇_{w_i} R̂_batch)` (unless the first layer is frozen), both
/// gradients taken at the old parameters; `e_train` is the risk without the penalty. One step advances gradient-flow time (time factor `n/d`) by `η d/n`.
/// Initialisation: `w_i` iid uniform on the sphere, `a_i(0) = problem.initialSecondLayers[i]`
/// (a grouped start also shapes `W(0)`: `InitialGroups.shapeFirstLayer`).
/// SGD follows gradient flow only on time scales long compared with an epoch, `η d/B` in
/// gradient-flow time (within the first epoch every sample is new, so nothing is overfitted
/// yet); use full-batch GD (`batchSize = n`) with a small `η` where gradient flow itself is
/// wanted. With polynomial σ of degree ≥ 3 and small m, large steps can be unstable (a unit
/// aligns with one training sample, whose `|<w_i, x_μ>|` grows towards √d): seen at
/// `η = 0.1`, `m = 4`, `B = 100`, `d = 200` in 1 of 128 runs (none of 128 at `η = 0.05`). Non-finite values stop the
/// run with `DMFTError.diverged`.
///
/// **Observables** (`FiniteWidthObservables.columns`) are recorded at `t = 0`, every
/// `recordInterval` or `recordsPerDecade` times per decade (`recordSchedule`, at the nearest
/// step) and at the final step. `e_train` is measured on the
/// whole training set; `e_test` is the exact population risk for Gaussian data, in closed form
/// through the covariance. With `testSamples > 0` an extra column `e_test_sampled` holds the
/// test error measured on a fixed set of that many fresh samples (drawn from a separate random
/// stream, so it does not change the training run).
///
/// **Cost.** One step is two `B×d×m` matrix products (forward `Z = X_B Wᵀ`, backward
/// `∇W = Gᵀ X_B`) with OpenBLAS plus O(Bm + md) work, and allocates nothing; the `n×d×m`
/// training-error product is done only at record times. Runs are deterministic for a given
/// `seed` (bitwise, for a fixed BLAS thread count).
public struct NetworkSimulator: Sendable {
    /// Input dimension `d` (≥ 2).
    public var dimension: Int = 200
    /// SGD step size `η` (> 0).
    public var learningRate: Double = 0.1
    /// Mini-batch size `B`, in `1…n`; `n` gives full-batch GD.
    public var batchSize: Int = 100
    /// Final gradient-flow time.
    public var duration: Double
    /// Gradient-flow time between recorded rows (at least one step, `η d/n`); used unless
    /// `recordsPerDecade > 0`.
    public var recordInterval: Double
    /// Rows per decade of time on a logarithmic grid (`RecordSchedule.logarithmic`); 0 (default)
    /// records every `recordInterval` instead.
    public var recordsPerDecade: Int = 0
    /// The record grid these settings give.
    public var recordSchedule: RecordSchedule {
        recordsPerDecade > 0 ? .logarithmic(perDecade: recordsPerDecade) : .every(recordInterval)
    }
    /// Seed; run `r` uses `GaussianRandom.runSeed(seed, run: r)`.
    public var seed: UInt64
    /// Explicit activation σ; `nil` derives σ from the problem's `h` (see the type's documentation).
    public var activation: Activation? = nil
    /// Explicit link function φ; `nil` derives φ from the problem's `φ̂` and `‖φ‖²`.
    public var target: Activation? = nil
    /// Number of fresh samples for the sampled test error column `e_test_sampled` (0: none).
    public var testSamples: Int = 0

    /// Realisations `simulate` runs at once: 0 (default) one per processor core, each on one
    /// OpenBLAS thread; 1 one after the other with the caller's BLAS threading.
    public var concurrentRuns: Int = 0

    /// The column holding the test error measured on fresh samples (present when `testSamples > 0`).
    public static let sampledTestErrorColumn = "e_test_sampled"

    /// A simulator with the paper's defaults (`d = 200`, `η = 0.1`, `B = 100`).
    public init(
        dimension: Int = 200, learningRate: Double = 0.1, batchSize: Int = 100, duration: Double,
        recordInterval: Double, seed: UInt64 = 1
    ) {
        self.dimension = dimension
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.duration = duration
        self.recordInterval = recordInterval
        self.seed = seed
    }

    /// Training-set size `n = round(α m d)` for `problem`.
    public func sampleCount(_ problem: TrainingProblem) -> Int {
        boundedCount(problem.alpha * Double(problem.width) * Double(dimension))
    }

    /// Gradient-flow time advanced by one SGD step, `η d/n`.
    public func stepTime(_ problem: TrainingProblem) -> Double {
        learningRate * Double(dimension) / Double(sampleCount(problem))
    }

    /// Number of SGD steps to reach `duration`, `round(duration · n/(η d))`.
    public func stepCount(_ problem: TrainingProblem) -> Int {
        boundedCount(duration / stepTime(problem))
    }

    /// One realisation (deterministic in `seed` and `realisation`), its observables recorded
    /// in `FiniteWidthObservables.columns` order (plus `e_test_sampled` if `testSamples > 0`).
    /// - Parameters:
    ///   - initialSecondLayer: `a(0)` per unit (length `m`); `nil` uses `problem.initialSecondLayer`
    ///     for every unit.
    ///   - control: progress (fraction of this run's steps) and cancellation.
    /// - Throws: `DMFTError.invalidInput` for bad settings, `.diverged` when a value becomes
    ///   non-finite, `.cancelled`.
    public func run(
        _ problem: TrainingProblem, realisation: Int, initialSecondLayer: [Double]? = nil,
        control: RunControl = RunControl()
    ) throws -> Trajectory {
        try validate(problem)
        let trainer = try NetworkTrainer(
            problem: problem, simulator: self, realisation: realisation, initialSecondLayer: initialSecondLayer)
        return try trainer.train(duration: duration, schedule: recordSchedule, control: control)
    }

    /// The ensemble average (`EnsembleAverage`: means and `_se` standard errors) of realisations
    /// `0..<runs`. With `concurrentRuns ≠ 1` up to that many realisations run at once, each on a
    /// single OpenBLAS thread: for the shapes of one step (B ≈ 100) this beats one realisation
    /// at a time on multithreaded BLAS (measured on 2 cores at the B3 shapes: 2 concurrent runs
    /// give ≈ 1.5× the throughput of sequential runs on 2 BLAS threads, ≈ 1.8× on 1 thread).
    /// For that, OpenBLAS is switched to one thread process-wide while the runs execute and
    /// restored afterwards. Each realisation's numbers do not depend on the number of
    /// concurrent runs.
    /// `control.progress` gets the completed fraction of all steps; `control.isCancelled` is
    /// polled between steps. The first error of any run stops the others and is rethrown.
    public func simulate(_ problem: TrainingProblem, runs: Int, control: RunControl = RunControl()) throws -> Trajectory {
        guard runs >= 1 else { throw DMFTError.invalidInput("number of runs must be ≥ 1, got \(runs)") }
        guard concurrentRuns >= 0 else {
            throw DMFTError.invalidInput("concurrentRuns must be ≥ 0 (0: one per core), got \(concurrentRuns)")
        }
        try validate(problem)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let workers = min(runs, concurrentRuns == 0 ? cores : concurrentRuns)
        let trajectories = try EnsembleRunner.run(runs: runs, workers: workers, control: control) { r, inner in
            let trainer = try NetworkTrainer(problem: problem, simulator: self, realisation: r, initialSecondLayer: nil)
            return try trainer.train(duration: duration, schedule: recordSchedule, control: inner)
        }
        return EnsembleAverage.average(trajectories)
    }

    /// Measured throughput for benchmarks: runs `steps` SGD steps on realisation 0 (set-up
    /// excluded, nothing recorded) with the caller's BLAS threading and returns steps per second
    /// of wall time.
    public func measureStepsPerSecond(_ problem: TrainingProblem, steps: Int) throws -> Double {
        let trainer = try benchmarkTrainer(problem, count: steps, what: "steps")
        let seconds = try Self.seconds { for _ in 0..<steps { try trainer.step() } }
        return Double(steps) / max(seconds, 1e-12)
    }

    /// Measured cost of one recorded row for benchmarks: seconds per row (the training error over
    /// all `n` samples plus the other observables), best of `records` rows on realisation 0 at
    /// `t = 0`, with the caller's BLAS threading.
    public func measureRecordSeconds(_ problem: TrainingProblem, records: Int) throws -> Double {
        let trainer = try benchmarkTrainer(problem, count: records, what: "records")
        var best = Double.infinity
        for _ in 0..<records { best = min(best, try Self.seconds { _ = try trainer.observables(time: 0) }) }
        return best
    }

    /// Realisation 0, set up for a benchmark of `count` repetitions.
    private func benchmarkTrainer(_ problem: TrainingProblem, count: Int, what: String) throws -> NetworkTrainer {
        guard count >= 1 else { throw DMFTError.invalidInput("\(what) must be ≥ 1, got \(count)") }
        try validate(problem)
        return try NetworkTrainer(problem: problem, simulator: self, realisation: 0, initialSecondLayer: nil)
    }

    /// Wall seconds of `work`.
    private static func seconds(_ work: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try work()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Floating-point operations of one SGD step, for GFLOP/s reporting: `4 B d m` for the two
    /// matrix products, plus `B m (8K + 6)` for a Hermite σ of degree `K` (recurrence, value and
    /// derivative; a flat `B m · 16` for other functions) and the output, residual, `∇a` and `G`,
    /// plus `8 m d + 2 m` for projection, update and renormalisation. The batch gather is a copy
    /// and is not counted.
    public func flopsPerStep(_ problem: TrainingProblem) -> Double {
        let b = Double(min(batchSize, max(sampleCount(problem), 1)))
        let d = Double(dimension), m = Double(problem.width)
        let degree: Int
        if let activation {
            if case .hermite(let c) = activation { degree = c.count } else { degree = -1 }
        } else {
            degree = problem.covariance.h.degree
        }
        let perEntry = degree >= 0 ? 8 * Double(degree) + 6 : 16
        return 4 * b * d * m + b * m * perEntry + 8 * m * d + 2 * m
    }

    /// Bytes one realisation allocates: the data, `(n + testSamples) × d`, plus the work
    /// matrices (3 of rows × m, rows = max(B, min(n, 1024))) and 4 of m × d.
    public func memoryPerRealisation(_ problem: TrainingProblem) -> Double {
        let n = Double(sampleCount(problem)), m = Double(problem.width), d = Double(dimension)
        let rows = max(Double(batchSize), min(n, 1024))
        return 8 * ((n + Double(testSamples)) * d + 3 * rows * m + 4 * m * d + n)
    }

    /// Throws `DMFTError.invalidInput` naming the first bad setting.
    public func validate(_ problem: TrainingProblem) throws {
        try problem.validate()
        guard dimension >= 2 else { throw DMFTError.invalidInput("dimension d must be ≥ 2, got \(dimension)") }
        guard learningRate.isFinite && learningRate > 0 else {
            throw DMFTError.invalidInput("learning rate η must be positive and finite, got \(learningRate)")
        }
        guard duration.isFinite && duration >= 0 else {
            throw DMFTError.invalidInput("duration must be ≥ 0 and finite, got \(duration)")
        }
        let n = sampleCount(problem)
        guard n >= 1 else {
            throw DMFTError.invalidInput(
                "n = round(α m d) = round(\(problem.alpha)·\(problem.width)·\(dimension)) is 0; increase α, m or d")
        }
        guard n < countLimit, stepCount(problem) < countLimit else {
            throw DMFTError.invalidInput("n = α m d = \(n) samples or \(stepCount(problem)) steps are beyond any run")
        }
        guard batchSize >= 1 && batchSize <= n else {
            throw DMFTError.invalidInput("batch size must be in 1…n = 1…\(n), got \(batchSize)")
        }
        let dt = stepTime(problem)
        guard recordsPerDecade > 0 || (recordInterval.isFinite && recordInterval >= dt * (1 - 1e-9)) else {
            throw DMFTError.invalidInput(
                "record interval \(recordInterval) must be finite and at least one step's gradient-flow time "
                    + "η d/n = \(fmt(dt))")
        }
        guard recordsPerDecade >= 0 && recordsPerDecade <= 1000 else {
            throw DMFTError.invalidInput("records per decade must be in 0…1000 (0: every record interval), got \(recordsPerDecade)")
        }
        guard testSamples >= 0 else { throw DMFTError.invalidInput("testSamples must be ≥ 0, got \(testSamples)") }
        let bytes = memoryPerRealisation(problem)
        guard bytes <= 16e9 else {
            throw DMFTError.invalidInput(
                "a run needs \(Int(bytes / 1e6)) MB (data (n + testSamples) × d = \(n + testSamples) × \(dimension), "
                    + "batch work matrices B × m = \(batchSize) × \(problem.width)); the limit is 16000 MB — reduce "
                    + "α, m, d, the batch size or testSamples")
        }
        if problem.covariance.target == nil {
            if let target {
                throw DMFTError.invalidInput(
                    "a target function (\(target)) was given but the problem is pure noise; build the problem "
                        + "with CovarianceModel(activation:target:)")
            }
        } else if activation != nil && target == nil {
            throw DMFTError.invalidInput(
                "with an explicit activation σ and a single-index problem, give the target φ explicitly too "
                    + "(φ cannot be recovered from φ̂ without σ's signed Hermite coefficients)")
        }
    }
}

// MARK: - Pointwise functions with derivatives

/// σ or φ in a form that evaluates value and derivative over buffers. Hermite series are
/// evaluated by the three-term recurrence of the normalised polynomials
/// `p_{k+1} = (z p_k − √k p_{k−1})/√(k+1)`, with `p_k' = √k p_{k−1}`.
struct PointwiseFunction: Sendable {
    enum Kind: Sendable {
        case hermite
        case linear, relu, tanh, erf
        case custom(@Sendable (Double) -> Double)
    }
    let kind: Kind
    /// Hermite: `c[k]` multiplies `p_k`, `k = 0…K` (`c[0] = 0`).
    let c: [Double]
    /// Hermite derivative: `dc[k] = c[k+1] √(k+1)` multiplies `p_k`, `k = 0…K−1`.
    let dc: [Double]
    /// `√k` and `1/√(k+1)` for the recurrence.
    let sqrtK: [Double]
    let invSqrtK1: [Double]

    /// `Σ_{k≥1} coefficients[k−1] p_k`.
    init(hermite coefficients: [Double]) {
        kind = .hermite
        let full = [0] + coefficients
        c = full
        let k = full.count - 1
        dc = (0..<max(k, 0)).map { full[$0 + 1] * Double($0 + 1).squareRoot() }
        sqrtK = (0...max(k, 1)).map { Double($0).squareRoot() }
        invSqrtK1 = (0...max(k, 1)).map { 1 / Double($0 + 1).squareRoot() }
    }

    private init(kind: Kind) {
        self.kind = kind
        c = []; dc = []; sqrtK = []; invSqrtK1 = []
    }

    init(_ activation: Activation) {
        switch activation {
        case .hermite(let coefficients): self.init(hermite: coefficients)
        case .linear: self.init(kind: .linear)
        case .relu: self.init(kind: .relu)
        case .tanh: self.init(kind: .tanh)
        case .erf: self.init(kind: .erf)
        case .custom(_, let f): self.init(kind: .custom(f))
        }
    }

    /// Hermite degree `K` (0 for other kinds).
    var degree: Int { c.isEmpty ? 0 : c.count - 1 }

    /// `f(z)`.
    func value(_ z: Double) -> Double {
        var v = 0.0
        withUnsafePointer(to: z) { zp in
            withUnsafeMutablePointer(to: &v) { vp in apply(zp, count: 1, value: vp, derivative: nil) }
        }
        return v
    }

    /// `f'(z)`.
    func derivative(_ z: Double) -> Double {
        var v = 0.0, dv = 0.0
        withUnsafePointer(to: z) { zp in
            withUnsafeMutablePointer(to: &v) { vp in
                withUnsafeMutablePointer(to: &dv) { dp in apply(zp, count: 1, value: vp, derivative: dp) }
            }
        }
        return dv
    }

    /// The Hermite series by the recurrence, vectorised across elements: blocks of 64 values
    /// (their `p_{k−1}`, `p_k` in a 1 kB stack buffer), degree by degree, so each inner loop is
    /// independent across elements instead of one latency-bound chain per element.
    private func applyHermite(
        _ z: UnsafePointer<Double>, count: Int, value: UnsafeMutablePointer<Double>,
        derivative: UnsafeMutablePointer<Double>?
    ) {
        let k = c.count - 1
        guard k >= 1 else {
            value.update(repeating: 0, count: count)
            derivative?.update(repeating: 0, count: count)
            return
        }
        let block = 64
        c.withUnsafeBufferPointer { c in
            dc.withUnsafeBufferPointer { dc in
                sqrtK.withUnsafeBufferPointer { sq in
                    invSqrtK1.withUnsafeBufferPointer { isq in
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * block) { scratch in
                            var start = 0
                            while start < count {
                                let len = min(block, count - start)
                                let x = z + start, v = value + start
                                var prev = scratch.baseAddress!, cur = prev + block   // p_{j−2}, p_{j−1}
                                let c1 = c[1]
                                for i in 0..<len {
                                    prev[i] = 1
                                    cur[i] = x[i]
                                    v[i] = c1 * x[i]
                                }
                                if let derivative {
                                    let dv = derivative + start
                                    let d0 = dc[0], d1 = k >= 2 ? dc[1] : 0
                                    for i in 0..<len { dv[i] = d0 + d1 * x[i] }
                                }
                                var j = 2
                                while j <= k {
                                    // p_j = (x p_{j−1} − √(j−1) p_{j−2}) / √j, written over p_{j−2}.
                                    let s = sq[j - 1], r = isq[j - 1], cj = c[j]
                                    if let derivative, j < k {
                                        let dv = derivative + start, dj = dc[j]
                                        for i in 0..<len {
                                            let pn = (x[i] * cur[i] - s * prev[i]) * r
                                            prev[i] = pn
                                            v[i] += cj * pn
                                            dv[i] += dj * pn
                                        }
                                    } else {
                                        for i in 0..<len {
                                            let pn = (x[i] * cur[i] - s * prev[i]) * r
                                            prev[i] = pn
                                            v[i] += cj * pn
                                        }
                                    }
                                    swap(&prev, &cur)
                                    j += 1
                                }
                                start += len
                            }
                        }
                    }
                }
            }
        }
    }

    /// `value[i] = f(z[i])` and, if given, `derivative[i] = f'(z[i])` for `i < count`.
    /// Custom closures are differentiated by central differences (step `6·10⁻⁶ max(1, |z|)`).
    func apply(
        _ z: UnsafePointer<Double>, count: Int, value: UnsafeMutablePointer<Double>,
        derivative: UnsafeMutablePointer<Double>?
    ) {
        switch kind {
        case .hermite:
            applyHermite(z, count: count, value: value, derivative: derivative)
        case .linear:
            for i in 0..<count {
                value[i] = z[i]
                derivative?[i] = 1
            }
        case .relu:
            let shift = 1 / (2 * Double.pi).squareRoot()
            for i in 0..<count {
                let x = z[i]
                value[i] = max(x, 0) - shift
                derivative?[i] = x > 0 ? 1 : 0
            }
        case .tanh:
            for i in 0..<count {
                let t = Foundation.tanh(z[i])
                value[i] = t
                derivative?[i] = 1 - t * t
            }
        case .erf:
            let scale = 2 / Double.pi.squareRoot()
            for i in 0..<count {
                let x = z[i]
                value[i] = Foundation.erf(x)
                derivative?[i] = scale * Foundation.exp(-x * x)
            }
        case .custom(let f):
            for i in 0..<count {
                let x = z[i]
                value[i] = f(x)
                if let derivative {
                    let h = 6e-6 * max(1, abs(x))
                    derivative[i] = (f(x + h) - f(x - h)) / (2 * h)
                }
            }
        }
    }
}

// MARK: - One realisation

/// The state and preallocated work buffers of one SGD realisation. Not thread-safe.
final class NetworkTrainer {
    let problem: TrainingProblem
    let m: Int, d: Int, n: Int, batch: Int
    let eta: Double
    let sigma: PointwiseFunction
    /// Latent direction (always drawn, so pure-noise and single-index runs share W(0) and X).
    let u: [Double]
    let isPureNoise: Bool
    private let rng: GaussianRandom

    /// Training inputs (n×d, row-major) and labels.
    let x: UnsafeMutablePointer<Double>
    let y: UnsafeMutablePointer<Double>
    /// First layer (m×d, rows of unit norm), its initial value, second layer.
    let w: UnsafeMutablePointer<Double>
    let w0: UnsafeMutablePointer<Double>
    let a: UnsafeMutablePointer<Double>
    /// Euclidean gradients of `R̂_batch` from the last `batchGradient` call.
    let gradA: UnsafeMutablePointer<Double>
    let gradW: UnsafeMutablePointer<Double>
    /// Gathered batch (B×d) and labels (unused when B = n).
    private let xb: UnsafeMutablePointer<Double>
    private let yb: UnsafeMutablePointer<Double>
    /// Rows of the work matrices: max(B, evaluation chunk).
    private let rows: Int
    private let z: UnsafeMutablePointer<Double>     // rows×m pre-activations
    private let s: UnsafeMutablePointer<Double>     // rows×m activations
    private let sp: UnsafeMutablePointer<Double>    // B×m derivatives, then G
    private let r: UnsafeMutablePointer<Double>     // rows: outputs, then residuals
    private let perm: UnsafeMutablePointer<Int>
    private var permPosition: Int
    /// Fresh test samples (testSamples×d) and labels, if any.
    let testCount: Int
    private let xt: UnsafeMutablePointer<Double>?
    private let yt: UnsafeMutablePointer<Double>?
    private(set) var steps = 0
    /// Set from the training error at t = 0 when training starts.
    private var divergence: DivergenceGuard?

    /// Gradient-flow time advanced per SGD step, `η d/n`.
    var timePerStep: Double { eta * Double(d) / Double(n) }

    init(problem: TrainingProblem, simulator sim: NetworkSimulator, realisation: Int, initialSecondLayer: [Double]?)
        throws
    {
        try sim.validate(problem)
        self.problem = problem
        m = problem.width
        d = sim.dimension
        n = sim.sampleCount(problem)
        batch = sim.batchSize
        eta = sim.learningRate
        let cov = problem.covariance
        isPureNoise = cov.target == nil
        if let initialSecondLayer {
            guard initialSecondLayer.count == m, initialSecondLayer.allSatisfy(\.isFinite) else {
                throw DMFTError.invalidInput(
                    "initial second layer must have m = \(m) finite entries, got \(initialSecondLayer.count)")
            }
        }

        // σ: explicit, or Σ √h_k p_k.
        let hc = cov.h.coefficients
        sigma = sim.activation.map(PointwiseFunction.init) ?? PointwiseFunction(hermite: hc.dropFirst().map { $0.squareRoot() })
        // φ and the label noise it does not explain.
        var phi: PointwiseFunction? = nil
        var extraVariance = 0.0
        if let t = cov.target {
            if let explicit = sim.target {
                phi = PointwiseFunction(explicit)
            } else {
                let pc = t.phiHat.coefficients
                var b = [Double](repeating: 0, count: max(pc.count - 1, 0))
                for k in 1..<pc.count where pc[k] != 0 { b[k - 1] = pc[k] / hc[k].squareRoot() }
                phi = PointwiseFunction(hermite: b)
                extraVariance = max(0, t.phiNorm2 - b.reduce(0) { $0 + $1 * $1 })
            }
        }

        rng = GaussianRandom(seed: GaussianRandom.runSeed(sim.seed, run: realisation))
        u = rng.unitVector(d)
        w = .allocate(capacity: m * d)
        w0 = .allocate(capacity: m * d)
        for i in 0..<m {
            let wi = rng.unitVector(d)
            for k in 0..<d { w[i * d + k] = wi[k] }
        }
        problem.initialization.groups?.shapeFirstLayer(w, dimension: d, direction: u)
        w0.update(from: w, count: m * d)
        a = .allocate(capacity: m)
        let a0 = problem.initialSecondLayers
        for i in 0..<m { a[i] = initialSecondLayer?[i] ?? a0[i] }

        x = .allocate(capacity: n * d)
        y = .allocate(capacity: n)
        NetworkTrainer.drawData(
            x: x, y: y, count: n, d: d, u: u, phi: phi, extraVariance: extraVariance, tau: problem.noise, rng: rng)

        testCount = sim.testSamples
        if testCount > 0 {
            let testRNG = GaussianRandom(
                seed: GaussianRandom.runSeed(sim.seed ^ 0x5445_5354_5345_5421, run: realisation))
            let xt = UnsafeMutablePointer<Double>.allocate(capacity: testCount * d)
            let yt = UnsafeMutablePointer<Double>.allocate(capacity: testCount)
            NetworkTrainer.drawData(
                x: xt, y: yt, count: testCount, d: d, u: u, phi: phi, extraVariance: extraVariance,
                tau: problem.noise, rng: testRNG)
            self.xt = xt
            self.yt = yt
        } else {
            xt = nil
            yt = nil
        }

        gradA = .allocate(capacity: m)
        gradA.initialize(repeating: 0, count: m)
        gradW = .allocate(capacity: m * d)
        gradW.initialize(repeating: 0, count: m * d)
        let gathered = batch < n ? batch : 0
        xb = .allocate(capacity: max(gathered * d, 1))
        yb = .allocate(capacity: max(gathered, 1))
        rows = max(batch, min(n, 1024))
        z = .allocate(capacity: rows * m)
        s = .allocate(capacity: rows * m)
        sp = .allocate(capacity: batch * m)
        r = .allocate(capacity: rows)
        perm = .allocate(capacity: n)
        for i in 0..<n { perm[i] = i }
        permPosition = n  // forces a shuffle before the first batch
    }

    deinit {
        for p in [x, y, w, w0, a, gradA, gradW, xb, yb, z, s, sp, r] { p.deallocate() }
        perm.deallocate()
        xt?.deallocate()
        yt?.deallocate()
    }

    /// Rows `x_μ ~ N(0, I_d)` and labels `φ(<u,x_μ>) + √extra ξ_μ + τ ε_μ` (φ = 0 for pure noise).
    private static func drawData(
        x: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>, count: Int, d: Int, u: [Double],
        phi: PointwiseFunction?, extraVariance: Double, tau: Double, rng: GaussianRandom
    ) {
        rng.fillNormal(UnsafeMutableBufferPointer(start: x, count: count * d))
        let noiseScale = (tau * tau + extraVariance).squareRoot()
        for mu in 0..<count {
            var label = noiseScale * rng.normal()
            if let phi {
                var proj = 0.0
                for k in 0..<d { proj += x[mu * d + k] * u[k] }
                label += phi.value(proj)
            }
            y[mu] = label
        }
    }

    // MARK: Gradients and steps

    /// `R̂ = (1/2b) Σ_μ (y_μ − f(x_μ))²` on the `b` rows `xs` (b ≤ B), writing the Euclidean
    /// gradients `∇_a R̂` into `gradA` and `∇_W R̂` into `gradW`. No allocation.
    @discardableResult
    func batchGradient(_ xs: UnsafePointer<Double>, _ ys: UnsafePointer<Double>, count b: Int) -> Double {
        precondition(b <= batch)
        let mi = Int32(m), di = Int32(d), bi = Int32(b)
        let invM = 1 / Double(m)
        // Z = X_b Wᵀ  (b×m).
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, bi, mi, di, 1, xs, di, w, di, 0, z, mi)
        sigma.apply(z, count: b * m, value: s, derivative: sp)
        // f = S a / m, residual r = y − f.
        cblas_dgemv(CblasRowMajor, CblasNoTrans, bi, mi, invM, s, mi, a, 1, 0, r, 1)
        var loss = 0.0
        for mu in 0..<b {
            let res = ys[mu] - r[mu]
            r[mu] = res
            loss += res * res
        }
        let scale = -1 / (Double(b) * Double(m))
        // ∇_a R̂ = −(1/(b m)) Sᵀ r.
        cblas_dgemv(CblasRowMajor, CblasTrans, bi, mi, scale, s, mi, r, 1, 0, gradA, 1)
        // G_μi = r_μ a_i σ'(z_μi);  ∇_W R̂ = −(1/(b m)) Gᵀ X_b.
        for mu in 0..<b {
            let rmu = r[mu]
            let row = sp + mu * m
            for i in 0..<m { row[i] *= rmu * a[i] }
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, mi, di, bi, scale, sp, mi, xs, di, 0, gradW, di)
        return loss / (2 * Double(b))
    }

    /// One SGD step on the next batch. Throws `.diverged` if the batch loss is not finite.
    func step() throws {
        let loss: Double
        if batch == n {
            loss = batchGradient(x, y, count: n)
        } else {
            if permPosition + batch > n {
                // Fisher–Yates reshuffle at the start of each epoch.
                var i = n - 1
                while i > 0 {
                    let j = rng.uniformInt(i + 1)
                    let tmp = perm[i]
                    perm[i] = perm[j]
                    perm[j] = tmp
                    i -= 1
                }
                permPosition = 0
            }
            for k in 0..<batch {
                let mu = perm[permPosition + k]
                (xb + k * d).update(from: x + mu * d, count: d)
                yb[k] = y[mu]
            }
            permPosition += batch
            loss = batchGradient(xb, yb, count: batch)
        }
        guard loss.isFinite else { throw diverged("the batch loss became \(loss)") }
        try divergence?.check(batchLoss: loss, at: Double(steps) * timePerStep)
        if problem.trainSecondLayer {
            // The penalty (λ/2m)‖a‖² and the learning-rate ratio κ (`docs/equations.md`, Training options).
            let stepA = eta * problem.learningRateRatio, decay = problem.weightDecay / Double(m)
            var sum = 0.0
            for i in 0..<m {
                a[i] -= stepA * (gradA[i] + decay * a[i])
                sum += a[i]
            }
            guard sum.isFinite else { throw diverged("second layer a is no longer finite") }
        }
        for i in 0..<m where problem.trainFirstLayer {
            let wi = w + i * d, gi = gradW + i * d
            // w ← w − η (g − <g,w> w) = (1 + η<g,w>) w − η g, then renormalise.
            let grow = 1 + eta * dot(gi, wi, d)
            for k in 0..<d { wi[k] = grow * wi[k] - eta * gi[k] }
            var norm2 = dot(wi, wi, d)
            if !(norm2.isFinite && norm2 > 1e-200) {
                // Overflow or underflow of ‖w_i‖²: rescale by the largest entry first.
                var largest = 0.0
                for k in 0..<d {
                    guard wi[k].isFinite else { throw diverged("first-layer weights are no longer finite") }
                    largest = max(largest, abs(wi[k]))
                }
                guard largest > 0 else { throw diverged("a first-layer row became zero") }
                norm2 = 0
                for k in 0..<d {
                    wi[k] /= largest
                    norm2 += wi[k] * wi[k]
                }
            }
            let inv = 1 / norm2.squareRoot()
            for k in 0..<d { wi[k] *= inv }
        }
        steps += 1
    }

    /// `<x, y>` over `n` entries with four independent accumulators (vectorisable).
    @inline(__always)
    private func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var k = 0
        while k + 4 <= n {
            s0 += x[k] * y[k]
            s1 += x[k + 1] * y[k + 1]
            s2 += x[k + 2] * y[k + 2]
            s3 += x[k + 3] * y[k + 3]
            k += 4
        }
        while k < n {
            s0 += x[k] * y[k]
            k += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    private func diverged(_ what: String) -> DMFTError {
        DMFTError.diverged(
            "\(what) at SGD step \(steps) (gradient-flow time \(fmt(Double(steps) * timePerStep))); "
                + DivergenceGuard.advice(learningRate: eta, timePerStep: timePerStep, problem: problem))
    }

    /// `(mean, standard error)` of `½(y − f(x))²` over `count` rows, evaluated in chunks.
    private func halfSquaredError(_ xs: UnsafePointer<Double>, _ ys: UnsafePointer<Double>, count: Int)
        -> (mean: Double, standardError: Double)
    {
        let mi = Int32(m), di = Int32(d)
        var sum = 0.0, sum2 = 0.0
        var start = 0
        while start < count {
            let b = min(rows, count - start)
            let xc = xs + start * d
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(b), mi, di, 1, xc, di, w, di, 0, z, mi)
            sigma.apply(z, count: b * m, value: s, derivative: nil)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(b), mi, 1 / Double(m), s, mi, a, 1, 0, r, 1)
            for mu in 0..<b {
                let e = ys[start + mu] - r[mu]
                let q = 0.5 * e * e
                sum += q
                sum2 += q * q
            }
            start += b
        }
        let c = Double(count)
        let mean = sum / c
        let variance = count > 1 ? max(0, (sum2 - c * mean * mean) / (c - 1)) : 0
        return (mean, (variance / c).squareRoot())
    }

    /// `e_train = (1/2n) Σ_μ (y_μ − f(x_μ))²` over the whole training set.
    func trainError() -> Double { halfSquaredError(x, y, count: n).mean }

    /// Test error on the fresh samples, with its sampling standard error (`nil` without samples).
    func sampledTestError() -> (mean: Double, standardError: Double)? {
        guard let xt, let yt else { return nil }
        return halfSquaredError(xt, yt, count: testCount)
    }

    /// Current values as arrays (for observables and tests).
    var weights: [Double] { Array(UnsafeBufferPointer(start: w, count: m * d)) }
    var initialWeights: [Double] { Array(UnsafeBufferPointer(start: w0, count: m * d)) }
    var secondLayer: [Double] { Array(UnsafeBufferPointer(start: a, count: m)) }

    /// The observables at gradient-flow time `time`, with `e_test_sampled` appended if there is
    /// a test set. Throws `.diverged` if any value is non-finite.
    func observables(time: Double) throws -> [Double] {
        var row = FiniteWidthObservables.row(
            time: time, trainError: trainError(), w: weights, w0: initialWeights, a: secondLayer,
            u: isPureNoise ? nil : u, dimension: d, problem: problem)
        if let sampled = sampledTestError() { row.append(sampled.mean) }
        guard row.allSatisfy(\.isFinite) else { throw diverged("non-finite observables") }
        return row
    }

    /// Trains to `duration`, recording at `t = 0`, every `recordInterval` and at the last step.
    func train(duration: Double, recordInterval: Double, control: RunControl) throws -> Trajectory {
        try train(duration: duration, schedule: .every(recordInterval), control: control)
    }

    /// Trains to `duration`, recording at the steps of `schedule` (always `t = 0` and the last step).
    func train(duration: Double, schedule: RecordSchedule, control: RunControl) throws -> Trajectory {
        let dt = timePerStep
        let total = boundedCount(duration / dt)
        let recordSteps = schedule.steps(duration: duration, timePerStep: dt)

        var names = FiniteWidthObservables.names(for: problem)
        if testCount > 0 { names.append(NetworkSimulator.sampledTestErrorColumn) }
        var trajectory = Trajectory(names: names)
        trajectory.reserveCapacity(recordSteps.count)
        let reportEvery = max(1, total / 100)
        for target in recordSteps {
            while steps < target {
                if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
                try step()
                if steps % reportEvery == 0 { control.progress?(Double(steps) / Double(max(total, 1))) }
            }
            let row = try observables(time: Double(steps) * dt)
            if let divergence {
                try divergence.check(trainError: row[1], at: row[0])
            } else {
                divergence = DivergenceGuard(
                    initialTrainError: row[1], learningRate: eta, timePerStep: dt, problem: problem)
            }
            trajectory.append(row)
        }
        control.progress?(1)
        return trajectory
    }
}
