import Foundation

/// The m → ∞ limit at fixed α of the lazy initialisation `a_i(0) = γ₀√m` with the second
/// layer frozen (arXiv:2502.21269; the paper's appendix F).
///
/// - Regime 1, `t̂ = m t = O(1)`: the network fits the linear (Hermite degree 1) parts of
///   its own random initial function and of the target. Closed forms, `κ = αγ₀²h'(0)`:
///   `e(t̂) = ½[τ'² + γ₀²h̃(1) + (φ̂'(0)²/h'(0) + γ₀²h'(0)) e^{−2κt̂}]` (train = test),
///   `√m·v(t̂) = φ̂'(0)/(γ₀h'(0)) (1 − e^{−κt̂})`,
///   `m·C_o(t̂) = φ̂'(0)²/(γ₀²h'(0)²) (1 − e^{−κt̂})² + e^{−2κt̂} − 1`,
///   with `h̃(q) = h(q) − h'(0)q` and the effective noise `τ'² = τ² + ‖φ‖² − φ̂'(0)²/h'(0)`.
///   Derivation: the linear residual `b₁u − γ₀c₁W̄` (`W̄ = m^{-1/2} Σ w_i`) obeys
///   `d/dt̂ = −κ ·`, and the degree ≥ 2 parts do not move on this scale. For pure noise these
///   are the paper's regime-1 forms (arXiv:2502.21269, appendix F).
/// - Regime 2, `t = O(1)`: pure-noise DMFT of a single effective neuron with covariance
///   `h̃`, second layer `γ₀` and noise `τ'` — exactly the symmetric DMFT (`docs/equations.md`) at m = 1
///   (the off-diagonal parts of the m-neuron equations only carry the linear direction
///   W̄, which regime 1 has already relaxed, and so drop out together with `h'(0)q`). The
///   single-index problem maps onto it through `τ'` (the paper's F.21–F.27 with their
///   memory kernels multiplied by γ₀², which the printed equations lack; without it the
///   system does not match the full DMFT as m grows, see `docs/asymptotics.md`).
public struct LazyLimit: Sendable, Equatable {
    /// `α = n/(m d)`.
    public let alpha: Double
    /// Noise `τ`.
    public let noise: Double
    /// σ and the target.
    public let covariance: CovarianceModel
    /// `γ₀ = a(0)/√m`, frozen.
    public let gamma0: Double

    /// The limit of a lazily initialised problem (its width is irrelevant).
    /// - Throws: `DMFTError.invalidInput` if the initialisation is not lazy.
    public init(_ problem: TrainingProblem) throws {
        try problem.validate()
        guard case .lazy(let g) = problem.initialization else {
            throw DMFTError.invalidInput("the lazy limit needs a lazy initialisation (--init lazy), got \(problem.initialization)")
        }
        guard g != 0 else { throw DMFTError.invalidInput("the lazy limit needs gamma0 ≠ 0") }
        try problem.refuse(
            TrainingOption.allCases, in: "the lazy limit",
            instead: "its regimes keep a frozen at γ₀√m and train W; solve at finite m (dmft solve)")
        alpha = problem.alpha
        noise = problem.noise
        covariance = problem.covariance
        gamma0 = g
    }

    /// `h'(0)`, the weight of the linear Hermite component of σ.
    public var linearWeight: Double { covariance.h.derivative(0) }

    /// The part of the target's variance the linear fit of regime 1 removes, `φ̂'(0)²/h'(0)`
    /// (zero if σ has no linear component, for then φ̂'(0) = c₁b₁ = 0).
    public var linearTargetPower: Double {
        let d = covariance.phiHatDerivative(0)
        return linearWeight > 0 ? d * d / linearWeight : 0
    }

    /// The effective noise `τ' = √(τ² + ‖φ‖² − φ̂'(0)²/h'(0))`: what the non-linear part
    /// of the target looks like to the lazy network after regime 1.
    public var effectiveNoise: Double {
        (noise * noise + covariance.phiNorm2 - linearTargetPower).squareRoot()
    }

    /// `h̃(1) = h(1) − h'(0)`.
    public var nonlinearPower: Double { covariance.h(1) - linearWeight }

    /// The regime-1 test-error plateau `½(τ² + ‖φ‖² − φ̂'(0)²/h'(0) + γ₀²(h(1) − h'(0)))`, which
    /// is also the test error throughout regime 2 (the paper's (2.7)).
    public var regimeOneTestPlateau: Double {
        0.5 * (effectiveNoise * effectiveNoise + gamma0 * gamma0 * nonlinearPower)
    }

    /// Decay rate `κ = αγ₀²h'(0)` of the linear residual in `t̂ = m t`.
    public var regimeOneRate: Double { alpha * gamma0 * gamma0 * linearWeight }

    /// Regime 1 at `t̂ = m t`: columns `t` (= t̂), `e_train`, `e_test`, `sqrt_m_v` (= √m·v),
    /// `m_Co_tt` (= m·C_o(t,t)) — the scaled quantities that have an m → ∞ limit (named apart
    /// from `v` and `Co_tt` so that a plot never mixes them with unscaled ones).
    public func regimeOne(times: [Double]) -> Trajectory {
        let kappa = regimeOneRate
        let g2 = gamma0 * gamma0, h1 = linearWeight
        let vLimit = h1 > 0 ? covariance.phiHatDerivative(0) / (gamma0 * h1) : 0
        var out = Trajectory(names: [Observable.time, .trainError, .testError].map(\.rawValue) + Self.regimeOneScaledColumns)
        for t in times {
            let decay = exp(-kappa * t)
            let e = regimeOneTestPlateau + 0.5 * (linearTargetPower + g2 * h1) * decay * decay
            let sqrtMv = vLimit * (1 - decay)
            out.append([t, e, e, sqrtMv, sqrtMv * sqrtMv + decay * decay - 1])
        }
        return out
    }

    /// Names of the scaled columns of `regimeOne`: √m·v and m·C_o(t,t).
    public static let regimeOneScaledColumns = ["sqrt_m_v", "m_Co_tt"]

    /// The regime-2 effective problem: pure noise `τ'`, covariance `h̃`, width 1, second
    /// layer frozen at `γ₀`, same α. Solve it with any symmetric-DMFT solver; its time is `t`.
    /// - Throws: `DMFTError.invalidInput` if σ is linear (`h̃ ≡ 0`: nothing happens in regime 2).
    public func regimeTwoProblem() throws -> TrainingProblem {
        let hTilde = covariance.h.withoutLinearTerm
        guard hTilde.coefficients.contains(where: { $0 > 0 }) else {
            throw DMFTError.invalidInput(
                "h has no non-linear part (h̃ = h − h'(0)q ≡ 0): the lazy network is linear and regime 2 is trivial")
        }
        return try TrainingProblem(
            width: 1, alpha: alpha, noise: effectiveNoise,
            covariance: CovarianceModel(h: Array(hTilde.coefficients.dropFirst())),
            initialization: .meanField(a0: gamma0), trainSecondLayer: false)
    }
}
