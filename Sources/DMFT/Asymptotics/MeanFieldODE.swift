import CNumerics
import Foundation

/// A k-index target `y = φ(Uᵀx) + ε` (`U ∈ R^{d×k}` orthonormal) as the mean-field ODE sees it:
/// `φ̂(v) = E[φ(Uᵀx) σ(<w,x>)]`, which for a unit `w` depends only on `v = Uᵀw ∈ R^k`, its
/// gradient `∇φ̂`, and `‖φ‖² = E φ(Uᵀx)²`.
public struct MultiIndexTarget: Sendable {
    /// Number of latent directions `k ≥ 1`.
    public let indexCount: Int
    /// `‖φ‖² = E φ(Uᵀx)²`.
    public let phiNorm2: Double
    /// `φ̂(v)` for `v ∈ R^k`.
    public let phiHat: @Sendable ([Double]) -> Double
    /// `∇φ̂(v) ∈ R^k`.
    public let phiHatGradient: @Sendable ([Double]) -> [Double]

    /// Checks `k ≥ 1`, `‖φ‖² ≥ 0`, and that `φ̂` and `∇φ̂` are finite, with a gradient of length `k`,
    /// at `v = 0` and at `v = (1, …, 1)/(2√k)`.
    public init(
        indexCount: Int, phiNorm2: Double, phiHat: @escaping @Sendable ([Double]) -> Double,
        phiHatGradient: @escaping @Sendable ([Double]) -> [Double]
    ) throws {
        guard indexCount >= 1 else {
            throw DMFTError.invalidInput("a k-index target needs k ≥ 1 latent directions, got k = \(indexCount)")
        }
        guard phiNorm2.isFinite, phiNorm2 >= 0 else {
            throw DMFTError.invalidInput("‖φ‖² must be ≥ 0 and finite, got \(phiNorm2)")
        }
        (self.indexCount, self.phiNorm2, self.phiHat, self.phiHatGradient) = (indexCount, phiNorm2, phiHat, phiHatGradient)
        for x in [0, 0.5 / Double(indexCount).squareRoot()] {
            let v = Array(repeating: x, count: indexCount)
            guard phiHat(v).isFinite else { throw DMFTError.invalidInput("φ̂\(v) = \(phiHat(v)) is not finite") }
            _ = try gradient(at: v)
        }
    }

    /// `∇φ̂(v)`, checked to have length `k` and finite entries.
    func gradient(at v: [Double]) throws -> [Double] {
        let g = phiHatGradient(v)
        guard g.count == indexCount, g.allSatisfy(\.isFinite) else {
            throw DMFTError.invalidInput(
                "∇φ̂\(v) = \(g): the gradient of a k = \(indexCount) index target must have \(indexCount) finite entries")
        }
        return g
    }

    /// The additive target `φ(z) = (1/√k) Σ_j φ₁(z_j)` with `φ₁` the single-index target of
    /// `singleIndex`: `φ̂(v) = (1/√k) Σ_j φ̂₁(v_j)` and `‖φ‖² = ‖φ₁‖²` (the `z_j` are independent
    /// and `φ₁` is centred). A pure-noise model gives pure noise. Its `h` is the one to pair with it.
    public static func additive(_ singleIndex: CovarianceModel, indexCount k: Int) throws -> MultiIndexTarget {
        let scale = 1 / Double(max(k, 1)).squareRoot()
        return try MultiIndexTarget(
            indexCount: k, phiNorm2: singleIndex.phiNorm2,
            phiHat: { v in scale * v.reduce(0) { $0 + singleIndex.phiHat($1) } },
            phiHatGradient: { v in v.map { scale * singleIndex.phiHatDerivative($0) } })
    }

    /// Pure noise `y = ε` seen with `k` (irrelevant) directions: `φ̂ ≡ 0`, `‖φ‖² = 0`.
    public static func pureNoise(indexCount k: Int) throws -> MultiIndexTarget {
        try MultiIndexTarget(
            indexCount: k, phiNorm2: 0, phiHat: { _ in 0 }, phiHatGradient: { Array(repeating: 0, count: $0.count) })
    }
}

/// The neurons of the m → ∞ limit as `K` types: a fraction `π_i` of them starts at second-layer
/// weight `a_i(0)` and overlap `v_i(0) = Uᵀw_i(0)`, and neurons of one type move together.
/// One type is the symmetric form.
public struct MeanFieldInitialState: Sendable, Equatable {
    /// `π_i > 0`, summing to 1.
    public let weights: [Double]
    /// `a_i(0)` (mean-field scaling, taken at face value).
    public let secondLayer: [Double]
    /// `v_i(0)` with `‖v_i(0)‖ ≤ 1`; `nil` means all zero (`w_i(0)` uniform on the sphere, d → ∞).
    public let overlaps: [[Double]]?

    public init(weights: [Double], secondLayer: [Double], overlaps: [[Double]]? = nil) throws {
        guard !weights.isEmpty, secondLayer.count == weights.count, (overlaps?.count ?? weights.count) == weights.count
        else {
            throw DMFTError.invalidInput(
                "need one weight, a(0) and v(0) per neuron type (at least one type), got \(weights.count) weights, "
                    + "\(secondLayer.count) a(0) and \(overlaps.map { "\($0.count)" } ?? "default") v(0)")
        }
        guard weights.allSatisfy({ $0.isFinite && $0 > 0 }), abs(weights.reduce(0, +) - 1) <= 1e-9 else {
            throw DMFTError.invalidInput(
                "type weights π_i must be positive and sum to 1, got \(weights) (sum \(weights.reduce(0, +)))")
        }
        guard secondLayer.allSatisfy(\.isFinite) else {
            throw DMFTError.invalidInput("a_i(0) must be finite, got \(secondLayer)")
        }
        for v in overlaps ?? [] {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm <= 1 + 1e-12 else {
                throw DMFTError.invalidInput("‖v_i(0)‖ = \(norm) for v_i(0) = \(v): an overlap Uᵀw with ‖w‖ = 1 has norm ≤ 1")
            }
        }
        (self.weights, self.secondLayer, self.overlaps) = (weights, secondLayer, overlaps)
    }

    /// The symmetric form: every neuron starts at `a₀` and `v₀` (default 0).
    public static func symmetric(secondLayer a0: Double, overlap v0: [Double]? = nil) throws -> MeanFieldInitialState {
        try MeanFieldInitialState(weights: [1], secondLayer: [a0], overlaps: v0.map { [$0] })
    }
}

/// The m → ∞ mean-field training problem for a k-index target at fixed `α = n/(md)`
/// (Montanari & Urbani, arXiv:2502.21269), per neuron type `i = 1…K`:
/// `da_i/dt = α (φ̂(v_i) − Σ_j π_j a_j h(<v_i,v_j>))`,
/// `dv_i/dt = α a_i (I − v_i v_iᵀ)(∇φ̂(v_i) − Σ_j π_j a_j h'(<v_i,v_j>) v_j)`,
/// `e_tr = e_ts = ½[τ² + ‖φ‖² − 2 Σ_i π_i a_i φ̂(v_i) + Σ_{ij} π_i π_j a_i a_j h(<v_i,v_j>)]`.
/// It is the gradient flow `da_i/dt = −(α/π_i) ∂e/∂a_i`, `dv_i/dt = −(α/π_i)(I − v_i v_iᵀ) ∂e/∂v_i`.
/// With weight decay λ and learning-rate ratio κ (`TrainingProblem`), `da_i/dt = κα(… − λ a_i)`.
public struct MultiIndexMeanFieldProblem: Sendable {
    /// `α = n/(md) > 0`.
    public let alpha: Double
    /// Noise standard deviation `τ ≥ 0`.
    public let noise: Double
    /// `h(q) = E σ(G₁)σ(G₂)` at correlation `q` (e.g. `CovarianceModel.h`).
    public let h: PowerSeries
    public let target: MultiIndexTarget
    public let initialState: MeanFieldInitialState
    /// `false` freezes `a_i = a_i(0)`.
    public let trainSecondLayer: Bool
    /// Weight decay `λ ≥ 0` and learning-rate ratio `κ > 0` of the second layer (`TrainingProblem`).
    public let weightDecay: Double, learningRateRatio: Double

    public init(
        alpha: Double, noise: Double, h: PowerSeries, target: MultiIndexTarget, initialState: MeanFieldInitialState,
        trainSecondLayer: Bool = true, weightDecay: Double = 0, learningRateRatio: Double = 1
    ) throws {
        guard weightDecay.isFinite, weightDecay >= 0 else {
            throw DMFTError.invalidInput("weight decay λ must be ≥ 0 and finite, got \(weightDecay)")
        }
        guard learningRateRatio.isFinite, learningRateRatio > 0 else {
            throw DMFTError.invalidInput("learning-rate ratio κ must be positive and finite, got \(learningRateRatio)")
        }
        guard alpha.isFinite, alpha > 0 else {
            throw DMFTError.invalidInput("alpha = n/(m d) must be positive and finite, got \(alpha)")
        }
        guard noise.isFinite, noise >= 0 else { throw DMFTError.invalidInput("noise τ must be ≥ 0 and finite, got \(noise)") }
        guard h.coefficients.allSatisfy(\.isFinite) else {
            throw DMFTError.invalidInput("h has a non-finite coefficient: \(h.coefficients)")
        }
        if let v = initialState.overlaps?.first(where: { $0.count != target.indexCount }) {
            throw DMFTError.invalidInput("v(0) = \(v) has \(v.count) entries, the target has k = \(target.indexCount)")
        }
        (self.alpha, self.noise, self.h, self.target) = (alpha, noise, h, target)
        (self.initialState, self.trainSecondLayer) = (initialState, trainSecondLayer)
        (self.weightDecay, self.learningRateRatio) = (weightDecay, learningRateRatio)
    }
}

/// The m → ∞ mean-field ODE at fixed α, integrated by GSL's adaptive Runge–Kutta–Prince–Dormand
/// (8,9) to the relative/absolute `tolerance`: for a single-index `TrainingProblem`
/// (arXiv:2502.21269: `dv/dt = α a (1 − v²)(φ̂'(v) − a h'(v²) v)`,
/// `da/dt = κα (φ̂(v) − a h(v²) − λa)`, `e_tr = e_ts = ½[τ² + ‖φ‖² − 2aφ̂(v) + a² h(v²)]`, the initialisation's
/// `a(0)` taken at face value; λ, κ the training options, 0 and 1 by default), or for a k-index
/// `MultiIndexMeanFieldProblem` with K neuron types.
public struct MeanFieldODE: Sendable {
    /// Final time.
    public var duration: Double
    /// Time between output rows.
    public var outputInterval: Double
    /// Local error tolerance (relative and absolute).
    public var tolerance: Double = 1e-10

    public init(duration: Double, outputInterval: Double) {
        self.duration = duration
        self.outputInterval = outputInterval
    }

    /// The trajectory with columns t, e_train, e_test, a, v (`a` frozen when the problem
    /// freezes the second layer). `control.isCancelled` is polled between output rows.
    public func solve(_ problem: TrainingProblem, control: RunControl = RunControl()) throws -> Trajectory {
        try problem.validate()
        try problem.requireSymmetricStart(for: "the mean-field ODE")
        try problem.refuse(
            [.frozenFirstLayer], in: "the mean-field ODE",
            instead: "with W(0) frozen, v = 0 and a does not move as m → ∞; solve at finite m (dmft solve)")
        let p = problem, cov = problem.covariance, h = cov.h, risk = PopulationRisk(problem)
        return try integrate(
            from: [problem.initialSecondLayer, 0], control: control,
            columns: [Observable.time, .trainError, .testError, .secondLayer, .overlap].map(\.rawValue),
            derivative: { y, dydt in
                let (a, v) = (y[0], y[1])
                dydt[0] = p.trainSecondLayer
                    ? secondLayerRateWithOptions(
                        fit: p.alpha * (cov.phiHat(v) - a * h(v * v)), secondLayer: a, alpha: p.alpha,
                        weightDecay: p.weightDecay, ratio: p.learningRateRatio)
                    : 0
                dydt[1] = p.alpha * a * (1 - v * v) * (cov.phiHatDerivative(v) - a * h.derivative(v * v) * v)
            },
            row: { t, y in
                let (a, v) = (y[0], y[1])
                // m → ∞: no same-neuron pairs (p = 0), and <w_i,w_j> = C_o(t,t) = v² for i ≠ j.
                let e = risk.symmetric(secondLayer: a, phiHat: cov.phiHat(v), offDiagonalOverlap: v * v, p: 0, q: 1)
                return [t, e, e, a, v]
            })
    }

    /// The trajectory with columns t, e_train, e_test, a = Σ π_i a_i and v = Σ π_i v_i1 (the mean
    /// overlap with the first latent direction; the single-index v for k = 1). Unless K = k = 1,
    /// a_l1 = Σ π_i |a_i| follows, then per type a_1 … a_K and the components v_i_j
    /// (type i = 1…K, direction j = 1…k).
    public func solve(_ problem: MultiIndexMeanFieldProblem, control: RunControl = RunControl()) throws -> Trajectory {
        let flow = MeanFieldFlow(problem: problem), pi = problem.initialState.weights
        let (K, k) = (pi.count, problem.target.indexCount)
        let perType = K * k > 1
        var names = [Observable.time, .trainError, .testError, .secondLayer, .overlap].map(\.rawValue)
        if perType {
            names += [Observable.secondLayerL1.rawValue] + (1...K).map { "a_\($0)" }
                + (1...K).flatMap { i in (1...k).map { "v_\(i)_\($0)" } }
        }
        let v0 = problem.initialState.overlaps ?? Array(repeating: Array(repeating: 0, count: k), count: K)
        return try integrate(
            from: problem.initialState.secondLayer + v0.joined(), control: control, columns: names,
            derivative: flow.derivative,
            row: { t, y in
                let (a, v) = flow.unpack(y)
                let e = flow.error(a, v)
                let row = [t, e, e, dot(pi, a), zip(pi, v).reduce(0) { $0 + $1.0 * $1.1[0] }]
                return perType ? row + [zip(pi, a).reduce(0) { $0 + $1.0 * abs($1.1) }] + y : row
            })
    }

    /// Integrates `dy/dt = derivative(y)` from `y(0) = y0`, recording `row(t, y)` every
    /// `outputInterval` and at `duration`. An error thrown by `derivative` ends the run with it.
    private func integrate(
        from y0: [Double], control: RunControl, columns: [String],
        derivative: @escaping (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws -> Void,
        row: (Double, [Double]) -> [Double]
    ) throws -> Trajectory {
        guard duration.isFinite, duration > 0 else { throw DMFTError.invalidInput("duration must be positive") }
        guard outputInterval.isFinite, outputInterval > 0 else {
            throw DMFTError.invalidInput("output interval must be positive")
        }
        guard tolerance.isFinite, tolerance > 0, tolerance < 1 else {
            throw DMFTError.invalidInput("tolerance must be in (0, 1)")
        }
        final class Context {
            let derivative: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws -> Void
            let dimension: Int
            var failure: Error?
            init(_ f: @escaping (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws -> Void, _ n: Int) {
                (derivative, dimension) = (f, n)
            }
        }
        let context = Unmanaged.passRetained(Context(derivative, y0.count))
        defer { context.release() }
        var system = gsl_odeiv2_system(
            function: { _, y, dydt, params in
                let c = Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue()
                let out = UnsafeMutableBufferPointer(start: dydt!, count: c.dimension)
                do { try c.derivative(UnsafeBufferPointer(start: y!, count: c.dimension), out) } catch {
                    c.failure = error
                    return Int32(GSL_EBADFUNC)
                }
                return Int32(out.allSatisfy(\.isFinite) ? GSL_SUCCESS : GSL_EBADFUNC)
            },
            jacobian: nil, dimension: y0.count, params: context.toOpaque())
        guard let driver = gsl_odeiv2_driver_alloc_y_new(
            &system, dmft_ode_rk8pd(), min(outputInterval, 1e-3), tolerance, tolerance)
        else { throw DMFTError.invalidInput("GSL could not allocate an ODE driver") }
        defer { gsl_odeiv2_driver_free(driver) }

        var trajectory = Trajectory(names: columns)
        var y = y0
        var t = 0.0
        let rows = boundedCount(duration / outputInterval, .up)
        guard rows < countLimit else { throw DMFTError.invalidInput("duration/output interval gives too many rows") }
        for k in 0...rows {
            let target = min(Double(k) * outputInterval, duration)
            if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
            if target > t {
                let status = gsl_odeiv2_driver_apply(driver, &t, target, &y)
                if let failure = context.takeUnretainedValue().failure { throw failure }
                guard status == GSL_SUCCESS, y.allSatisfy(\.isFinite) else {
                    throw DMFTError.diverged("mean-field ODE failed at t = \(fmt(t)) (GSL status \(status))")
                }
            }
            trajectory.append(row(target, y))
            if target >= duration { break }
        }
        return trajectory
    }
}

/// The vector field of the K-type mean-field ODE on `y = (a_1 … a_K, v_1, …, v_K)`.
private struct MeanFieldFlow {
    let problem: MultiIndexMeanFieldProblem
    var risk: PopulationRisk { PopulationRisk(noise: problem.noise, phiNorm2: problem.target.phiNorm2, h: problem.h) }
    var pi: [Double] { problem.initialState.weights }
    var k: Int { problem.target.indexCount }

    func unpack<C: RandomAccessCollection<Double>>(_ y: C) -> (a: [Double], v: [[Double]]) where C.Index == Int {
        let K = pi.count, k = k
        return (Array(y[0..<K]), (0..<K).map { Array(y[(K + $0 * k)..<(K + ($0 + 1) * k)]) })
    }

    func derivative(_ y: UnsafeBufferPointer<Double>, _ dydt: UnsafeMutableBufferPointer<Double>) throws {
        let (a, v) = unpack(y), (pi, k, h, alpha) = (pi, k, problem.h, problem.alpha)
        for i in a.indices {
            var fit = problem.target.phiHat(v[i]), g = try problem.target.gradient(at: v[i])
            for j in a.indices {
                let q = dot(v[i], v[j]), c = pi[j] * a[j]
                fit -= c * h(q)
                for l in 0..<k { g[l] -= c * h.derivative(q) * v[j][l] }
            }
            dydt[i] = problem.trainSecondLayer
                ? secondLayerRateWithOptions(
                    fit: alpha * fit, secondLayer: a[i], alpha: alpha, weightDecay: problem.weightDecay,
                    ratio: problem.learningRateRatio)
                : 0
            let radial = dot(v[i], g)
            for l in 0..<k { dydt[a.count + i * k + l] = alpha * a[i] * (g[l] - v[i][l] * radial) }
        }
    }

    /// The population risk with the π-weighted sums over types; `<w_i,w_j> = <v_i,v_j>` (d → ∞).
    func error(_ a: [Double], _ v: [[Double]]) -> Double {
        var linear = 0.0, quadratic = 0.0
        for i in a.indices {
            linear += pi[i] * a[i] * problem.target.phiHat(v[i])
            for j in a.indices { quadratic += pi[i] * pi[j] * a[i] * a[j] * problem.h(dot(v[i], v[j])) }
        }
        return risk.testError(linear: linear, quadratic: quadratic)
    }
}

private func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
