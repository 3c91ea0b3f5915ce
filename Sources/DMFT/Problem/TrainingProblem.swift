/// How the second-layer weights start (arXiv:2502.21269). The first layer always
/// starts iid uniform on the sphere.
public enum Initialization: Sendable, Equatable, CustomStringConvertible {
    /// `a_i(0) = a₀`, independent of the width (mean-field scaling).
    case meanField(a0: Double)
    /// `a_i(0) = γ₀ √m` (lazy / neural-tangent scaling).
    case lazy(gamma0: Double)

    /// The common initial value `a(0)` for width `m`.
    public func initialSecondLayer(width m: Int) -> Double {
        switch self {
        case .meanField(let a0): return a0
        case .lazy(let g): return g * Double(m).squareRoot()
        }
    }

    public var description: String {
        switch self {
        case .meanField(let a0): return "meanfield(a0=\(a0))"
        case .lazy(let g): return "lazy(gamma0=\(g))"
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

    public init(
        width: Int, alpha: Double, noise: Double, covariance: CovarianceModel,
        initialization: Initialization, trainSecondLayer: Bool = true
    ) throws {
        self.width = width
        self.alpha = alpha
        self.noise = noise
        self.covariance = covariance
        self.initialization = initialization
        self.trainSecondLayer = trainSecondLayer
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
        switch initialization {
        case .meanField(let a0):
            guard a0.isFinite else { throw DMFTError.invalidInput("a0 must be finite, got \(a0)") }
        case .lazy(let g):
            guard g.isFinite else { throw DMFTError.invalidInput("gamma0 must be finite, got \(g)") }
        }
    }

    /// `ᾱ = n/d = α m`.
    public var alphaBar: Double { alpha * Double(width) }
    /// `a(0)`.
    public var initialSecondLayer: Double { initialization.initialSecondLayer(width: width) }

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
