import CNumerics
import Foundation

/// Gradient descent on the Gaussian-process model (arXiv:2502.21269):
/// the finite-`d` system whose `n, d → ∞` limit the DMFT describes exactly.
///
/// For each sample `μ = 1…n` (`n = round(ᾱ d)`) and each degree `k` with `h_k > 0` an iid
/// standard Gaussian tensor `J^(k)_μ ∈ (R^d)^{⊗k}` is drawn. With `c_k = √h_k`:
/// - network output `f_μ = (1/m) Σ_i a_i g_μ(w_i)`, `g_μ(w) = Σ_k c_k <J^(k)_μ, w^{⊗k}>`,
///   so `E g_μ(w) g_μ(w') = h(<w,w'>)`;
/// - label `y_μ = Σ_k b_k <J^(k)_μ, u^{⊗k}> + ξ_μ + τ ε_μ` with `b_k = φ̂_k / c_k`, `ξ_μ`
///   Gaussian with variance `‖φ‖² − Σ_k b_k²` (so `E g_μ(w) y_μ = φ̂(<u,w>)` and
///   `E y_μ² = ‖φ‖² + τ²`), `ε_μ` standard Gaussian, `u` a unit vector drawn from the seed;
///   pure noise: `y_μ = τ ε_μ`.
///
/// Training is explicit gradient descent on `R̂ = (1/2n) Σ_μ (y_μ − f_μ)²` with the `n/d`
/// time factor: each step advances time by `step` and does, from one gradient evaluation,
/// `a ← a − κ·step·(n/d)·(∇_a R̂ + (λ/m) a)` (unless the second layer is frozen; λ, κ the
/// problem's weight decay and learning-rate ratio, so the penalty `(λ/2m)‖a‖²` joins R̂) and
/// `w_i ← normalise(w_i − step·(n/d)·P⊥_{w_i} ∇_{w_i} R̂)` (unless the first layer is frozen).
/// The time factor uses the actual `n/d`, which differs from `ᾱ` when `ᾱ d` is not an integer.
/// `e_train` is `R̂` without the penalty, as in the DMFT.
///
/// Storage: only the symmetric part `Sym J^(k)_μ` of each tensor is used (`<J, w^{⊗k}>` sees
/// nothing else, so every quantity has exactly the distribution of the iid-tensor model), but it
/// is kept as a dense `d^k` array: one realisation holds `n Σ_k d^k` doubles of tensors —
/// 12 MB at d = 100, n = 150 with degrees 1 and 2; a degree-3 term costs `8 n d³` bytes
/// (75 MB at d = 50, n = 75; 1.2 GB at d = 100, n = 150). See `memoryPerRealisation(_:)`.
///
/// Per step the dominant work is one pass over the tensors: for each degree `k ≥ 2` the
/// product `W · Jᵀ` (`m × d` times `d × n d^{k−1}`; a SIMD streaming kernel for `m ≤ 4`,
/// `dgemm` above), from which function values and all gradients follow with BLAS level-1/2
/// calls on `m n d^{k−2}`-sized buffers. Nothing is allocated inside the step loop (rows of the
/// recorded trajectory aside). Measured for B4 (d = 100, n = 150, m = 4, h = 0.1q + 0.5q²):
/// ≈ 1000 steps/s on one core, bound by the arithmetic of the contraction (baseline x86-64
/// code generation, no FMA), ≈ 4× the time of one BLAS `dgemv` pass over the same 12 MB.
public struct GaussianModelSimulator: Sendable {
    /// Input dimension `d` (≥ 2).
    public var dimension: Int
    /// Gradient-descent step `η_GD`, i.e. the gradient-flow time advanced per step.
    public var step: Double
    /// Final time; `duration/step` steps are taken (must be an integer up to rounding).
    public var duration: Double
    /// Observables are recorded at `t = 0, recordInterval, 2·recordInterval, …` and at
    /// `duration`; must be a multiple of `step` up to rounding.
    public var recordInterval: Double
    /// Master seed; realisation `r` uses `GaussianRandom.runSeed(seed, run: r)`.
    public var seed: UInt64
    /// Refuse settings whose tensors and work buffers, for all realisations held in memory at
    /// once, would need more than this many bytes (default 8 GB).
    public var memoryLimitBytes: Int = 8_000_000_000

    /// A simulator for dimension `dimension`, GD step `step`, run to `duration`, recording
    /// every `recordInterval`, seeded by `seed`.
    public init(dimension: Int, step: Double, duration: Double, recordInterval: Double, seed: UInt64) {
        self.dimension = dimension
        self.step = step
        self.duration = duration
        self.recordInterval = recordInterval
        self.seed = seed
    }

    /// Number of samples `n = round(ᾱ d)` used for `problem`.
    public func sampleCount(_ problem: TrainingProblem) -> Int {
        boundedCount(problem.alphaBar * Double(dimension))
    }

    /// Number of GD steps, `round(duration/step)`.
    public var stepCount: Int { boundedCount(duration / step) }

    /// Bytes one realisation allocates for its tensors and work buffers:
    /// `8 · [ n Σ_k d^k  +  m n Σ_{k≥2} d^{k−1}  +  m n d · #{k ≥ 3}  +  O(m n + n + m d) ]`
    /// over the degrees `k` with `h_k > 0` (`n` samples, width `m`). The first sum (the tensors)
    /// dominates: for `h = 0.1q + 0.5q²`, `d = 100`, `n = 150` it is 12 MB. `Int.max` if it
    /// overflows.
    public func memoryPerRealisation(_ problem: TrainingProblem) -> Int {
        let layout = BufferLayout(
            dimension: dimension, samples: sampleCount(problem), width: problem.width,
            degrees: GaussianModelRealisation.activeDegrees(problem.covariance.h))
        guard let doubles = layout?.totalDoubles else { return Int.max }
        let (bytes, overflow) = doubles.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        return overflow ? Int.max : bytes
    }

    /// One realisation (its own RNG seeded with `GaussianRandom.runSeed(seed, run: realisation)`),
    /// deterministic for a given seed and realisation index.
    /// - Parameters:
    ///   - initialSecondLayer: explicit `a(0)` (length `m`) for a non-symmetric start; `nil`
    ///     uses `problem.initialSecondLayers` (equal, or the groups' `a_k(0)`; a grouped problem
    ///     also shapes `W(0)`, `InitialGroups.shapeFirstLayer`).
    ///   - control: cancellation is polled every step; progress is reported per ~1% of steps.
    /// - Returns: columns `FiniteWidthObservables.columns` (`e_train` is `R̂` on the training
    ///   set, `e_test` the exact population risk of the current weights).
    /// - Throws: `DMFTError.invalidInput` for bad settings, `.diverged` if the weights or the
    ///   risk become non-finite, `.cancelled`.
    public func run(
        _ problem: TrainingProblem, realisation: Int, initialSecondLayer: [Double]? = nil,
        control: RunControl = RunControl()
    ) throws -> Trajectory {
        try validate(problem, initialSecondLayer: initialSecondLayer, concurrentRealisations: 1)
        return try integrate(problem, realisation: realisation, initialSecondLayer: initialSecondLayer, control: control)
    }

    /// `runs` realisations `0..<runs`, averaged with `EnsembleAverage` (mean of every observable
    /// plus a `<name>_se` standard-error column). Realisations run in parallel
    /// (`DispatchQueue.concurrentPerform`, one RNG each) and are averaged in realisation order,
    /// so the result does not depend on scheduling. While several realisations run at once,
    /// OpenBLAS is set to one thread (restored afterwards) so that BLAS threads are not nested
    /// inside the realisation-level parallelism.
    /// - Throws: as `run`; the first error of any realisation stops the others.
    public func simulate(
        _ problem: TrainingProblem, runs: Int, initialSecondLayer: [Double]? = nil,
        control: RunControl = RunControl()
    ) throws -> Trajectory {
        guard runs >= 1 else { throw DMFTError.invalidInput("number of realisations must be ≥ 1, got \(runs)") }
        let workers = min(runs, max(1, ProcessInfo.processInfo.activeProcessorCount))
        try validate(problem, initialSecondLayer: initialSecondLayer, concurrentRealisations: workers)
        let trajectories = try EnsembleRunner.run(runs: runs, workers: workers, control: control) { r, inner in
            try integrate(problem, realisation: r, initialSecondLayer: initialSecondLayer, control: inner)
        }
        return EnsembleAverage.average(trajectories)
    }

    /// Times `steps` GD steps (gradient evaluation + update) of realisation 0 of `problem`,
    /// excluding the set-up (drawing the tensors), and returns steps per second. For
    /// benchmarks (B4: d = 100, n = 150, m = 4, h = 0.1q + 0.5q²).
    public func measureStepRate(_ problem: TrainingProblem, steps: Int) throws -> Double {
        guard steps >= 1 else { throw DMFTError.invalidInput("steps must be ≥ 1, got \(steps)") }
        try validate(problem, initialSecondLayer: nil, concurrentRealisations: 1)
        let sim = try GaussianModelRealisation(
            problem: problem, dimension: dimension, samples: sampleCount(problem),
            seed: GaussianRandom.runSeed(seed, run: 0), initialSecondLayer: nil)
        let rate = step * Double(sim.n) / Double(dimension)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps {
            let risk = sim.evaluate()
            guard risk.isFinite else { throw DMFTError.diverged("empirical risk became non-finite") }
            try sim.update(rate: rate, problem)
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return Double(steps) / max(elapsed, 1e-12)
    }

    // MARK: - Validation and the time loop

    private var recordEvery: Int { boundedCount(recordInterval / step) }

    /// Throws `DMFTError.invalidInput` naming the first bad setting, including storage beyond
    /// `memoryLimitBytes` for `concurrentRealisations` at once.
    public func validate(_ problem: TrainingProblem, initialSecondLayer: [Double]? = nil, concurrentRealisations: Int = 1) throws {
        try problem.validate()
        guard dimension >= 2 else { throw DMFTError.invalidInput("dimension d must be ≥ 2, got \(dimension)") }
        guard step.isFinite && step > 0 else {
            throw DMFTError.invalidInput("GD step must be positive and finite, got \(step)")
        }
        guard duration.isFinite && duration > 0 else {
            throw DMFTError.invalidInput("duration must be positive and finite, got \(duration)")
        }
        let n = stepCount
        guard n >= 1 else { throw DMFTError.invalidInput("duration \(duration) is shorter than one step \(step)") }
        guard n < countLimit else { throw DMFTError.invalidInput("duration \(duration) needs too many steps of \(step)") }
        guard abs(Double(n) * step - duration) <= 1e-9 * duration else {
            throw DMFTError.invalidInput(
                "duration \(duration) is not a whole number of GD steps \(step) (ratio \(duration / step))")
        }
        guard recordInterval.isFinite && recordInterval > 0 else {
            throw DMFTError.invalidInput("record interval must be positive and finite, got \(recordInterval)")
        }
        let every = recordEvery
        guard every >= 1, abs(Double(every) * step - recordInterval) <= 1e-9 * recordInterval else {
            throw DMFTError.invalidInput(
                "record interval \(recordInterval) must be a positive multiple of the GD step \(step)")
        }
        let samples = sampleCount(problem)
        guard samples >= 1 else {
            throw DMFTError.invalidInput(
                "n = round(ᾱ d) = round(\(problem.alphaBar) · \(dimension)) is 0; increase d or α")
        }
        if let a0 = initialSecondLayer {
            guard a0.count == problem.width else {
                throw DMFTError.invalidInput(
                    "initial second layer has \(a0.count) entries for width m = \(problem.width)")
            }
            guard a0.allSatisfy(\.isFinite) else {
                throw DMFTError.invalidInput("initial second layer has a non-finite entry")
            }
        }
        let perRun = memoryPerRealisation(problem)
        let (total, overflow) = perRun.multipliedReportingOverflow(by: concurrentRealisations)
        guard !overflow && total <= memoryLimitBytes else {
            throw DMFTError.invalidInput(
                "the Gaussian-process model at d = \(dimension), n = \(samples), degrees "
                    + "\(GaussianModelRealisation.activeDegrees(problem.covariance.h)) needs "
                    + "\(perRun == Int.max ? "more than 2^63" : String(perRun / 1_000_000)) MB per realisation "
                    + "(× \(concurrentRealisations) in parallel; limit \(memoryLimitBytes / 1_000_000) MB); "
                    + "reduce d or the degree of h")
        }
    }

    /// `run`, additionally handing the realisation to `atStart` right after the gradient
    /// evaluation at t = 0 (tests use it for zero-mean control variates).
    func run(
        _ problem: TrainingProblem, realisation: Int, atStart: @escaping (GaussianModelRealisation) -> Void
    ) throws -> Trajectory {
        try validate(problem, initialSecondLayer: nil, concurrentRealisations: 1)
        return try integrate(
            problem, realisation: realisation, initialSecondLayer: nil, control: RunControl(), atStart: atStart)
    }

    /// The time loop of one realisation. Assumes `validate` passed.
    private func integrate(
        _ problem: TrainingProblem, realisation: Int, initialSecondLayer: [Double]?,
        control: RunControl, atStart: ((GaussianModelRealisation) -> Void)? = nil
    ) throws -> Trajectory {
        let sim = try GaussianModelRealisation(
            problem: problem, dimension: dimension, samples: sampleCount(problem),
            seed: GaussianRandom.runSeed(seed, run: realisation), initialSecondLayer: initialSecondLayer)
        let steps = stepCount
        let every = recordEvery
        let rate = step * Double(sim.n) / Double(dimension)
        var trajectory = Trajectory(names: FiniteWidthObservables.names(for: problem))
        trajectory.reserveCapacity(steps / every + 2)
        let reportEvery = max(1, steps / 100)
        var divergence: DivergenceGuard?
        for k in 0...steps {
            if let isCancelled = control.isCancelled, isCancelled() { throw DMFTError.cancelled }
            let t = Double(k) * step
            let risk = sim.evaluate()
            if k == 0 {
                divergence = DivergenceGuard(initialTrainError: risk, learningRate: step, timePerStep: step, problem: problem)
            }
            try divergence?.check(trainError: risk, at: t)
            if k == 0 { atStart?(sim) }
            if k % every == 0 || k == steps {
                trajectory.append(sim.observables(time: t, trainError: risk, problem: problem))
            }
            if k == steps { break }
            do {
                try sim.update(rate: rate, problem)
            } catch DMFTError.diverged(let why) {
                throw DMFTError.diverged(
                    "\(why) at t = \(fmt(t)) (d = \(dimension)); "
                        + DivergenceGuard.advice(learningRate: step, timePerStep: step, problem: problem))
            }
            if (k + 1) % reportEvery == 0 { control.progress?(Double(k + 1) / Double(steps + 1)) }
        }
        control.progress?(1)
        return trajectory
    }
}

/// Sizes of every buffer one realisation allocates (in doubles).
struct BufferLayout {
    let tensor: [Int]      // per active degree: n d^k
    let product: [Int]     // per active degree: m n d^{k−1} for k ≥ 2, else 0
    let contracted: [Int]  // per active degree: m n d for k ≥ 3, else 0
    let scratch: Int       // 2 d^{k_max − 2} for k_max ≥ 4, else 0
    let small: Int         // G (m n), residual and labels (2n), a, ∇a (2m), W, W0, ∇W (3 m d), d-vectors

    init?(dimension d: Int, samples n: Int, width m: Int, degrees: [Int]) {
        func power(_ k: Int) -> Int? {
            var r = 1
            for _ in 0..<k {
                let (p, o) = r.multipliedReportingOverflow(by: d)
                if o { return nil }
                r = p
            }
            return r
        }
        func product(_ xs: Int...) -> Int? {
            var r = 1
            for x in xs {
                let (p, o) = r.multipliedReportingOverflow(by: x)
                if o { return nil }
                r = p
            }
            return r
        }
        var tensor: [Int] = [], prod: [Int] = [], contracted: [Int] = []
        var scratch = 0
        for k in degrees {
            guard let dk = power(k), let dk1 = power(k - 1), let t = product(n, dk) else { return nil }
            tensor.append(t)
            if k >= 2 {
                guard let p = product(m, n, dk1) else { return nil }
                prod.append(p)
            } else {
                prod.append(0)
            }
            guard let q = product(m, n, d) else { return nil }
            contracted.append(k >= 3 ? q : 0)
            if k >= 4, let s = power(k - 2) { scratch = max(scratch, 2 * s) }
        }
        self.tensor = tensor
        self.product = prod
        self.contracted = contracted
        self.scratch = scratch
        self.small = m * n + 2 * n + 2 * m + 3 * m * d + 2 * d
    }

    var totalDoubles: Int? {
        var total = small + scratch
        for x in tensor + product + contracted {
            let (s, o) = total.addingReportingOverflow(x)
            if o { return nil }
            total = s
        }
        return total
    }
}

/// The tensors, weights and work buffers of one realisation. Not thread-safe; one per run.
final class GaussianModelRealisation {
    let d: Int, n: Int, m: Int
    /// Degrees `k` with `h_k > 0` and their `c_k = √h_k`.
    let degrees: [Int]
    let c: [Double]
    /// The latent direction (nil for pure noise).
    let u: [Double]?

    // Per active degree: the symmetrised tensors of all samples (n blocks of d^k, row-major),
    // the product P = W · Jᵀ (row i: n blocks of d^{k−1}) and, for k ≥ 3, the fully
    // contracted Q[i, μ, ·] = Sym J_μ(w_i, …, w_i, ·).
    private let tensors: [UnsafeMutablePointer<Double>]
    private let products: [UnsafeMutablePointer<Double>?]
    private let contracted: [UnsafeMutablePointer<Double>?]
    private let scratchA: UnsafeMutablePointer<Double>?, scratchB: UnsafeMutablePointer<Double>?

    let y: UnsafeMutablePointer<Double>        // labels, n
    let w: UnsafeMutablePointer<Double>        // m × d, rows unit norm
    let w0: UnsafeMutablePointer<Double>       // initial W
    let a: UnsafeMutablePointer<Double>        // m
    let g: UnsafeMutablePointer<Double>        // G[i, μ] = g_μ(w_i), m × n
    let residual: UnsafeMutablePointer<Double> // r_μ = f_μ − y_μ, n
    let gradA: UnsafeMutablePointer<Double>    // ∇_a R̂, m
    let gradW: UnsafeMutablePointer<Double>    // ∇_W R̂ (unprojected), m × d
    private let linearGrad: UnsafeMutablePointer<Double>  // Σ_μ r_μ J^(1)_μ, d
    private let zeroRow: UnsafeMutablePointer<Double>     // d zeros (padding for streamingProduct)
    private var owned: [UnsafeMutablePointer<Double>] = []

    static func activeDegrees(_ h: PowerSeries) -> [Int] {
        h.coefficients.indices.filter { $0 >= 1 && h.coefficients[$0] > 0 }
    }

    /// Draws, in this order from one RNG: W(0) (m unit vectors), u (if there is a target), the
    /// tensors degree by degree and sample by sample, then per sample the target's extra
    /// Gaussian (if any) and the label noise.
    init(problem: TrainingProblem, dimension: Int, samples: Int, seed: UInt64, initialSecondLayer: [Double]?) throws {
        d = dimension
        n = samples
        m = problem.width
        let hc = problem.covariance.h.coefficients
        degrees = Self.activeDegrees(problem.covariance.h)
        c = degrees.map { hc[$0].squareRoot() }
        guard let layout = BufferLayout(dimension: d, samples: n, width: m, degrees: degrees) else {
            throw DMFTError.invalidInput("tensor storage overflows at d = \(d)")
        }
        func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        var owned: [UnsafeMutablePointer<Double>] = []
        func own(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = allocate(count)
            owned.append(p)
            return p
        }
        tensors = layout.tensor.map { own($0) }
        products = layout.product.map { $0 > 0 ? own($0) : nil }
        contracted = layout.contracted.map { $0 > 0 ? own($0) : nil }
        scratchA = layout.scratch > 0 ? own(layout.scratch / 2) : nil
        scratchB = layout.scratch > 0 ? own(layout.scratch / 2) : nil
        y = own(n)
        w = own(m * d)
        w0 = own(m * d)
        a = own(m)
        g = own(m * n)
        residual = own(n)
        gradA = own(m)
        gradW = own(m * d)
        linearGrad = own(d)
        zeroRow = own(d)
        self.owned = owned

        let rng = GaussianRandom(seed: seed)
        for i in 0..<m {
            let wi = rng.unitVector(d)
            for j in 0..<d { w[i * d + j] = wi[j]; w0[i * d + j] = wi[j] }
        }
        let a0 = initialSecondLayer ?? problem.initialSecondLayers
        for i in 0..<m { a[i] = a0[i] }
        u = problem.covariance.target == nil ? nil : rng.unitVector(d)
        if let groups = problem.initialization.groups {
            groups.shapeFirstLayer(w, dimension: d, direction: u)
            w0.update(from: w, count: m * d)
        }

        for (index, k) in degrees.enumerated() {
            var size = 1
            for _ in 0..<k { size *= d }
            rng.fillNormal(UnsafeMutableBufferPointer(start: tensors[index], count: n * size))
            if k >= 2 {
                let symmetriser = Symmetriser(degree: k, dimension: d)
                for mu in 0..<n { symmetriser.symmetrise(tensors[index] + mu * size) }
            }
        }

        // Labels.
        let tau = problem.noise
        var extraSD = 0.0
        var b = [Double](repeating: 0, count: degrees.count)
        if let target = problem.covariance.target {
            let pc = target.phiHat.coefficients
            var explained = 0.0
            for (index, k) in degrees.enumerated() where k < pc.count {
                b[index] = pc[k] / c[index]
                explained += b[index] * b[index]
            }
            extraSD = max(target.phiNorm2 - explained, 0).squareRoot()
        }
        for mu in 0..<n {
            var value = 0.0
            if let u {
                for (index, k) in degrees.enumerated() where b[index] != 0 {
                    var size = 1
                    for _ in 0..<k { size *= d }
                    value += b[index] * Self.fullContraction(tensors[index] + mu * size, degree: k, dimension: d, with: u)
                }
                if extraSD > 0 { value += extraSD * rng.normal() }
            }
            y[mu] = value + tau * rng.normal()
        }
    }

    deinit { for p in owned { p.deallocate() } }

    /// `<T, x^{⊗k}>` for a `d^k` row-major tensor (set-up only; allocates).
    static func fullContraction(_ t: UnsafeMutablePointer<Double>, degree k: Int, dimension d: Int, with x: [Double]) -> Double {
        var current = Array(UnsafeBufferPointer(start: t, count: (0..<k).reduce(1) { r, _ in r * d }))
        var length = current.count
        while length > 1 {
            let rows = length / d
            var next = [Double](repeating: 0, count: rows)
            for r in 0..<rows {
                var s = 0.0
                for j in 0..<d { s += current[r * d + j] * x[j] }
                next[r] = s
            }
            current = next
            length = rows
        }
        return current[0]
    }

    /// Computes at the current (a, W): `G`, the residual, `∇_a R̂`, `∇_W R̂` (unprojected), and
    /// returns `R̂`. No allocation.
    func evaluate() -> Double {
        let m32 = Int32(m), n32 = Int32(n), d32 = Int32(d)
        let nm = Double(n) * Double(m)
        // Values G[i, μ] = Σ_k c_k <J^(k)_μ, w_i^{⊗k}>.
        g.update(repeating: 0, count: m * n)
        for (index, k) in degrees.enumerated() {
            let ck = c[index]
            let tensor = tensors[index]
            if k == 1 {
                // G += c_1 W Jᵀ  (J: n × d).
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m32, n32, d32, ck, w, d32, tensor, d32, 1, g, n32)
                continue
            }
            var block = 1  // d^{k−1}
            for _ in 0..<(k - 1) { block *= d }
            let cols = n * block
            let product = products[index]!
            // P = W · Jᵀ with J viewed as (n d^{k−1}) × d: row i holds Sym J_μ(·, …, ·, w_i).
            if m <= Self.streamingWidthLimit {
                streamingProduct(tensor, rows: cols, into: product)
            } else {
                cblas_dgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, m32, Int32(cols), d32, 1, w, d32, tensor, d32, 0,
                    product, Int32(cols))
            }
            let q = k == 2 ? product : contracted[index]!
            if k >= 3 { contractDown(product, block: block, into: q) }
            // G[i, μ] += c_k <Q[i, μ, ·], w_i>.
            for i in 0..<m {
                cblas_dgemv(CblasRowMajor, CblasNoTrans, n32, d32, ck, q + i * n * d, d32, w + i * d, 1, 1, g + i * n, 1)
            }
        }
        // r = (1/m) Gᵀ a − y, R̂ = |r|²/(2n).
        cblas_dgemv(CblasRowMajor, CblasTrans, m32, n32, 1 / Double(m), g, n32, a, 1, 0, residual, 1)
        cblas_daxpy(n32, -1, y, 1, residual, 1)
        let risk = cblas_ddot(n32, residual, 1, residual, 1) / (2 * Double(n))
        // ∇_a R̂ = (1/(m n)) G r.
        cblas_dgemv(CblasRowMajor, CblasNoTrans, m32, n32, 1 / nm, g, n32, residual, 1, 0, gradA, 1)
        // ∇_{w_i} R̂ = (a_i/(m n)) Σ_μ r_μ Σ_k c_k k Q^(k)[i, μ, ·].
        gradW.update(repeating: 0, count: m * d)
        for (index, k) in degrees.enumerated() {
            let ck = c[index]
            if k == 1 {
                cblas_dgemv(CblasRowMajor, CblasTrans, n32, d32, ck, tensors[index], d32, residual, 1, 0, linearGrad, 1)
                for i in 0..<m { cblas_daxpy(d32, a[i] / nm, linearGrad, 1, gradW + i * d, 1) }
                continue
            }
            let q = k == 2 ? products[index]! : contracted[index]!
            for i in 0..<m {
                cblas_dgemv(
                    CblasRowMajor, CblasTrans, n32, d32, ck * Double(k) * a[i] / nm, q + i * n * d, d32,
                    residual, 1, 1, gradW + i * d, 1)
            }
        }
        return risk
    }

    /// Up to this width `W · Jᵀ` is computed by `streamingProduct` (one pass over the tensors,
    /// ≈ memory bandwidth); above it by `dgemm`. For m ≤ 4, OpenBLAS's dgemm with such a thin
    /// `W` runs at well under the streaming rate (measured at d = 100, n = 150, m = 4 on one
    /// thread: dgemm 2.7 ms, this kernel 1.7 ms, a plain dgemv pass over the same data 0.56 ms).
    static let streamingWidthLimit = 4

    /// `P[i, r] = <J_r, w_i>` for every row `J_r` (length d) of the `rows × d` matrix at `source`,
    /// all `i < m ≤ 4`, reading the matrix once (SIMD dot products, four units at a time).
    private func streamingProduct(_ source: UnsafePointer<Double>, rows: Int, into product: UnsafeMutablePointer<Double>) {
        let raw = UnsafeRawPointer(source)
        let w0 = UnsafeRawPointer(w)
        // Units beyond m read the (zero) scratch row and are not stored.
        let w1 = m > 1 ? UnsafeRawPointer(w + d) : UnsafeRawPointer(zeroRow)
        let w2 = m > 2 ? UnsafeRawPointer(w + 2 * d) : UnsafeRawPointer(zeroRow)
        let w3 = m > 3 ? UnsafeRawPointer(w + 3 * d) : UnsafeRawPointer(zeroRow)
        let vectorEnd = d & ~3
        let stride8 = MemoryLayout<Double>.stride
        for r in 0..<rows {
            let offset = r * d
            var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
            var j = 0
            while j < vectorEnd {
                let x = raw.loadUnaligned(fromByteOffset: (offset + j) * stride8, as: SIMD4<Double>.self)
                let byte = j * stride8
                s0 += x * w0.loadUnaligned(fromByteOffset: byte, as: SIMD4<Double>.self)
                s1 += x * w1.loadUnaligned(fromByteOffset: byte, as: SIMD4<Double>.self)
                s2 += x * w2.loadUnaligned(fromByteOffset: byte, as: SIMD4<Double>.self)
                s3 += x * w3.loadUnaligned(fromByteOffset: byte, as: SIMD4<Double>.self)
                j += 4
            }
            var t0 = s0.sum(), t1 = s1.sum(), t2 = s2.sum(), t3 = s3.sum()
            while j < d {
                let x = source[offset + j]
                t0 += x * w0.load(fromByteOffset: j * stride8, as: Double.self)
                t1 += x * w1.load(fromByteOffset: j * stride8, as: Double.self)
                t2 += x * w2.load(fromByteOffset: j * stride8, as: Double.self)
                t3 += x * w3.load(fromByteOffset: j * stride8, as: Double.self)
                j += 1
            }
            product[r] = t0
            if m > 1 { product[rows + r] = t1 }
            if m > 2 { product[2 * rows + r] = t2 }
            if m > 3 { product[3 * rows + r] = t3 }
        }
    }

    /// For degree ≥ 3: contracts each `d^{k−1}` block `P[i, μ]` with `w_i` down to a d-vector.
    private func contractDown(_ product: UnsafeMutablePointer<Double>, block: Int, into q: UnsafeMutablePointer<Double>) {
        let d32 = Int32(d)
        for i in 0..<m {
            let wi = w + i * d
            for mu in 0..<n {
                var source = UnsafePointer(product + (i * n + mu) * block)
                var length = block
                var useA = true
                while length > d {
                    let rows = length / d
                    let target: UnsafeMutablePointer<Double> = rows == d ? q + (i * n + mu) * d : (useA ? scratchA! : scratchB!)
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), d32, 1, source, d32, wi, 1, 0, target, 1)
                    source = UnsafePointer(target)
                    length = rows
                    useA.toggle()
                }
            }
        }
    }

    /// One GD step from the gradients of the last `evaluate()` with the training options of
    /// `problem`: `a ← a − κ·rate·(∇_a R̂ + (λ/m) a)`, `w_i ← normalise(w_i − rate P⊥ ∇_{w_i} R̂)`,
    /// each unless frozen. Throws `.diverged` on a non-finite weight.
    func update(rate: Double, _ problem: TrainingProblem) throws {
        let d32 = Int32(d)
        for i in 0..<m where problem.trainFirstLayer {
            let wi = w + i * d, gi = gradW + i * d
            let radial = cblas_ddot(d32, gi, 1, wi, 1)
            cblas_daxpy(d32, -radial, wi, 1, gi, 1)
            cblas_daxpy(d32, -rate, gi, 1, wi, 1)
            let norm = cblas_dnrm2(d32, wi, 1)
            guard norm.isFinite && norm > 0 else {
                throw DMFTError.diverged("first-layer weight \(i) became \(norm.isFinite ? "zero" : "non-finite")")
            }
            cblas_dscal(d32, 1 / norm, wi, 1)
        }
        if problem.trainSecondLayer {
            if problem.weightDecay > 0 { cblas_daxpy(Int32(m), problem.weightDecay / Double(m), a, 1, gradA, 1) }
            cblas_daxpy(Int32(m), -rate * problem.learningRateRatio, gradA, 1, a, 1)
            for i in 0..<m where !a[i].isFinite {
                throw DMFTError.diverged("second-layer weight \(i) became non-finite")
            }
        }
    }

    /// The observable row at the current state.
    func observables(time: Double, trainError: Double, problem: TrainingProblem) -> [Double] {
        FiniteWidthObservables.row(
            time: time, trainError: trainError, w: Array(UnsafeBufferPointer(start: w, count: m * d)),
            w0: Array(UnsafeBufferPointer(start: w0, count: m * d)), a: Array(UnsafeBufferPointer(start: a, count: m)),
            u: u, dimension: d, problem: problem)
    }

    // MARK: test hooks

    /// Sets `a` and `W` (rows not renormalised) for gradient checks.
    func setState(a newA: [Double], w newW: [Double]) {
        for i in 0..<m { a[i] = newA[i] }
        for j in 0..<(m * d) { w[j] = newW[j] }
    }

    /// `R̂` and its unconstrained gradients at `(a, W)` (`W` rows need not be unit vectors).
    func riskAndGradient(a newA: [Double], w newW: [Double]) -> (risk: Double, gradA: [Double], gradW: [Double]) {
        setState(a: newA, w: newW)
        let risk = evaluate()
        return (risk, Array(UnsafeBufferPointer(start: gradA, count: m)), Array(UnsafeBufferPointer(start: gradW, count: m * d)))
    }
}

/// Replaces a `d^k` row-major tensor by its symmetric part (average over the `k!` index
/// permutations), in place.
struct Symmetriser {
    let k: Int, d: Int
    private let permutations: [[Int]]
    private let strides: [Int]

    init(degree k: Int, dimension d: Int) {
        self.k = k
        self.d = d
        func permute(_ prefix: [Int], _ rest: [Int]) -> [[Int]] {
            rest.isEmpty ? [prefix] : rest.indices.flatMap { j in
                var r = rest
                let x = r.remove(at: j)
                return permute(prefix + [x], r)
            }
        }
        permutations = permute([], Array(0..<k))
        var s = [Int](repeating: 1, count: k)
        for j in stride(from: k - 2, through: 0, by: -1) { s[j] = s[j + 1] * d }
        strides = s
    }

    func symmetrise(_ t: UnsafeMutablePointer<Double>) {
        if k == 2 {
            for i in 0..<d {
                for j in (i + 1)..<d {
                    let mean = 0.5 * (t[i * d + j] + t[j * d + i])
                    t[i * d + j] = mean
                    t[j * d + i] = mean
                }
            }
            return
        }
        var index = [Int](repeating: 0, count: k)   // non-decreasing multi-index
        var positions = [Int](repeating: 0, count: permutations.count)
        let scale = 1 / Double(permutations.count)
        while true {
            var sum = 0.0
            for (p, perm) in permutations.enumerated() {
                var pos = 0
                for j in 0..<k { pos += index[perm[j]] * strides[j] }
                positions[p] = pos
                sum += t[pos]
            }
            // Repeated positions (repeated indices) are summed once per permutation, which is
            // exactly the permutation average.
            let mean = sum * scale
            for pos in positions { t[pos] = mean }
            // Next non-decreasing multi-index.
            var j = k - 1
            while j >= 0 && index[j] == d - 1 { j -= 1 }
            if j < 0 { break }
            index[j] += 1
            for l in (j + 1)..<k { index[l] = index[j] }
        }
    }
}
