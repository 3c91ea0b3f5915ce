/// How the second-layer weights start (arXiv:2502.21269). The first layer always
/// starts iid uniform on the sphere.
public enum Initialization: Sendable, Equatable, CustomStringConvertible {
    /// `a_i(0) = a₀`, independent of the width (mean-field scaling).
    case meanField(a0: Double)
    /// `a_i(0) = γ₀ √m` (lazy / neural-tangent scaling).
    case lazy(gamma0: Double)
    /// Neurons in groups, each with its own `a_k(0)` (and `v_k(0)`): `InitialGroups`.
    case groups(InitialGroups)

    /// The common initial value `a(0)` for width `m`; for a grouped start the `a_k(0)` of
    /// largest magnitude (the scale the step-size estimates need).
    public func initialSecondLayer(width m: Int) -> Double {
        switch self {
        case .meanField(let a0): return a0
        case .lazy(let g): return g * Double(m).squareRoot()
        case .groups(let groups): return groups.secondLayer.max { abs($0) < abs($1) } ?? 0
        }
    }

    /// `a_i(0)` neuron by neuron for width `m`.
    public func initialSecondLayers(width m: Int) -> [Double] {
        if case .groups(let groups) = self { return groups.perNeuronSecondLayer }
        return Array(repeating: initialSecondLayer(width: m), count: m)
    }

    /// The groups of a grouped start; `nil` for the symmetric ones.
    public var groups: InitialGroups? {
        if case .groups(let groups) = self { return groups }
        return nil
    }

    public var description: String {
        switch self {
        case .meanField(let a0): return "meanfield(a0=\(a0))"
        case .lazy(let g): return "lazy(gamma0=\(g))"
        case .groups(let groups): return groups.description
        }
    }
}

/// What is being trained: a width-`m` two-layer network `f(x) = (1/m) Σ a_i σ(<w_i,x>)`
/// on `n = α m d` Gaussian samples by gradient flow with time factor `n/d`, in the
/// proportional limit `n, d → ∞`. One problem drives every solver and simulator.
public struct TrainingProblem: Sendable, Equatable {
    /// Width `m` (number of hidden units), ≥ 1.
    public var width: Int
    /// Overparametrisation ratio `α = n/(m d)` (so `ᾱ = n/d = α m`).
    public var alpha: Double
    /// Noise standard deviation `τ` (label noise `ε ~ N(0, τ²)`).
    public var noise: Double
    /// σ and the target, through their covariance functions.
    public var covariance: CovarianceModel
    /// Second-layer initialisation.
    public var initialization: Initialization
    /// `false` freezes the second layer at its initial value ("fixed γ" runs).
    public var trainSecondLayer: Bool
    /// `false` freezes the first layer at `W(0)`: random-features training of a
    /// (`docs/equations.md`, Training options).
    public var trainFirstLayer: Bool
    /// Weight decay `λ ≥ 0` on the second layer: the penalty `(λ/2m)‖a‖²` is added to the
    /// training risk, so `da_i/dt` gains `−α λ a_i` (times κ).
    public var weightDecay: Double
    /// Learning-rate ratio `κ > 0` of the second layer to the first: the a-equation is multiplied by κ.
    public var learningRateRatio: Double

    public init(
        width: Int, alpha: Double, noise: Double, covariance: CovarianceModel,
        initialization: Initialization, trainSecondLayer: Bool = true, trainFirstLayer: Bool = true,
        weightDecay: Double = 0, learningRateRatio: Double = 1
    ) throws {
        self.width = width
        self.alpha = alpha
        self.noise = noise
        self.covariance = covariance
        self.initialization = initialization
        self.trainSecondLayer = trainSecondLayer
        self.trainFirstLayer = trainFirstLayer
        self.weightDecay = weightDecay
        self.learningRateRatio = learningRateRatio
        try validate()
    }

    /// Throws `DMFTError.invalidInput` with a message naming the bad parameter.
    public func validate() throws {
        guard width >= 1 else { throw DMFTError.invalidInput("width m must be ≥ 1, got \(width)") }
        guard alpha.isFinite && alpha > 0 else {
            throw DMFTError.invalidInput("alpha = n/(m d) must be positive and finite, got \(alpha)")
        }
        guard noise.isFinite && noise >= 0 else {
            throw DMFTError.invalidInput("noise τ must be ≥ 0 and finite, got \(noise)")
        }
        guard weightDecay.isFinite && weightDecay >= 0 else {
            throw DMFTError.invalidInput("weight decay λ must be ≥ 0 and finite, got \(weightDecay)")
        }
        guard learningRateRatio.isFinite && learningRateRatio > 0 else {
            throw DMFTError.invalidInput(
                "learning-rate ratio κ must be positive and finite, got \(learningRateRatio) "
                    + "(a second layer that does not move is --freeze-second-layer)")
        }
        guard trainFirstLayer || trainSecondLayer else {
            throw DMFTError.invalidInput(
                "--freeze-first-layer with --freeze-second-layer leaves nothing to train; freeze at most one layer")
        }
        if !trainSecondLayer, weightDecay != 0 || learningRateRatio != 1 {
            throw DMFTError.invalidInput(
                "--weight-decay and --lr-ratio act on the second layer, which --freeze-second-layer keeps fixed")
        }
        switch initialization {
        case .meanField(let a0):
            guard a0.isFinite else { throw DMFTError.invalidInput("a0 must be finite, got \(a0)") }
        case .lazy(let g):
            guard g.isFinite else { throw DMFTError.invalidInput("gamma0 must be finite, got \(g)") }
        case .groups(let groups):
            try groups.validate(width: width)
            if groups.overlap.contains(where: { $0 != 0 }) && covariance.target == nil {
                throw DMFTError.invalidInput(
                    "--group-v0 sets overlaps with the target direction, but the problem is pure noise (no --phihat or --target)")
            }
        }
    }

    /// Refuses a grouped start in a method that only knows the symmetric DMFT.
    public func requireSymmetricStart(for method: String) throws {
        guard let groups = initialization.groups else { return }
        throw DMFTError.invalidInput(
            "\(method) integrates the symmetric DMFT only (all a_i(0) equal, independent first layers); "
                + "the grouped start \(groups.description) needs the uniform solver (--solver uniform)")
    }

    /// The training options this problem sets away from plain gradient flow on both layers.
    public var trainingOptions: [TrainingOption] {
        TrainingOption.allCases.filter { $0.isSet(in: self) }
    }

    /// Refuses the training options `options` when set: `method` does not implement them.
    public func refuse(_ options: [TrainingOption], in method: String, instead: String) throws {
        let set = options.filter { $0.isSet(in: self) }
        guard !set.isEmpty else { return }
        throw DMFTError.invalidInput(
            "\(method) does not take \(set.map(\.flag).joined(separator: ", ")); \(instead)")
    }

    /// `ᾱ = n/d = α m`.
    public var alphaBar: Double { alpha * Double(width) }
    /// `a(0)` (for a grouped start, the `a_k(0)` of largest magnitude).
    public var initialSecondLayer: Double { initialization.initialSecondLayer(width: width) }
    /// `a_i(0)` neuron by neuron.
    public var initialSecondLayers: [Double] { initialization.initialSecondLayers(width: width) }

    /// Test (= train) error at t = 0 (`v = 0`, `C_o = 0`): `½[τ² + ‖φ‖² + a₀² h(1)/m]`.
    public var initialError: Double {
        SymmetricKernels(self).testError(
            secondLayer: initialSecondLayer, phiHat: covariance.phiHat(0), equalTimeOverlap: 0)
    }

    /// Rate of the fastest local (stiff) term of the uniform scheme at second-layer value
    /// `a`: `α a² h'(0)`, doubled in the equal-time update of `C_o(t,t)`
    /// (`docs/long-time.md`), plus the diagonal term `α a² h'(1)/m` (`SymmetricKernels.stiffRate`).
    public func stiffRate(secondLayer a: Double) -> Double {
        SymmetricKernels(self).stiffRate(secondLayer: a)
    }
}

/// A training option beyond plain gradient flow on both layers (`docs/equations.md`, Training options).
public enum TrainingOption: String, CaseIterable, Sendable {
    case weightDecay, learningRateRatio, frozenFirstLayer

    /// The command-line flag that sets it.
    public var flag: String {
        switch self {
        case .weightDecay: return "--weight-decay"
        case .learningRateRatio: return "--lr-ratio"
        case .frozenFirstLayer: return "--freeze-first-layer"
        }
    }

    /// Whether `problem` sets it away from its default.
    public func isSet(in problem: TrainingProblem) -> Bool {
        switch self {
        case .weightDecay: return problem.weightDecay != 0
        case .learningRateRatio: return problem.learningRateRatio != 1
        case .frozenFirstLayer: return !problem.trainFirstLayer
        }
    }
}

/// The second layer's rate under the training options, from `fit`, its rate under plain
/// gradient flow on the training risk with time factor `alpha` (per neuron):
/// `κ(fit − α λ a)` (`docs/equations.md`, Training options). Every DMFT form and the
/// mean-field ODE take their `da/dt` from here.
@inline(__always)
func secondLayerRateWithOptions(fit: Double, secondLayer a: Double, alpha: Double, weightDecay: Double, ratio: Double) -> Double {
    ratio * (fit - alpha * weightDecay * a)
}
