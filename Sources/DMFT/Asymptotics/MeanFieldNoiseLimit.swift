import Foundation

/// Pure noise with a mean-field initialisation `a(0) = a₀ = O(1)`, as m → ∞ at fixed α, on
/// the time scale `s = t/√m` (arXiv:2502.21269; the paper's appendix G).
///
/// Each first-layer vector performs gradient ascent on the same random function
/// `F(w) = (1/d) Σ_μ y_μ σ(<w, x_μ>) = τ√ᾱ·H(√d w)/d`, where `H` is a spherical mixed p-spin
/// Hamiltonian with `E H(σ)H(σ') = N h(σ·σ'/N)`, at speed `a τ√ᾱ/m`; its linear part is
/// absorbed by the network's own linear component on the fast scale, which leaves the
/// covariance `ξ = h̃ = h − h'(0)q`. So in the p-spin time `θ` with `dθ/ds = τ√α |a|` the first
/// layer follows the zero-temperature Cugliandolo–Kurchan flow (`SphericalSpinGlassFlow`) of
/// `ξ = h̃`, and the second layer grows with the energy reached,
/// `d|a|/ds = τ√α ε(θ)`, `ε = −e ≥ 0`, i.e. `|a(θ)|² = a₀² + 2∫_0^θ ε`,
/// `s(θ) = ∫_0^θ dθ'/(τ√α |a(θ')|)`. As θ → ∞, `ε → −E` and `a` grows linearly in s with slope
/// `A∞ = −τ√α E`; for `h̃ = c² q^k`, `E = −2c√((k−1)/k)`. Train and test error stay at τ²/2 to
/// leading order on this scale.
public struct MeanFieldNoiseLimit: Sendable {
    /// `α = n/(md)`.
    public let alpha: Double
    /// Noise `τ > 0`.
    public let noise: Double
    /// `a₀ ≠ 0`.
    public let initialSecondLayer: Double
    /// The p-spin covariance `ξ = h̃ = h − h'(0) q`.
    public let xi: PowerSeries
    /// Refuse p-spin runs whose two-time storage would need more than this.
    public var memoryLimitBytes = 4_000_000_000

    /// The limit of a pure-noise, mean-field-initialised problem with a trained second layer.
    public init(_ problem: TrainingProblem) throws {
        try problem.validate()
        guard problem.covariance.isPureNoise else {
            throw DMFTError.invalidInput("the t = Θ(√m) p-spin regime is derived for pure noise (omit --phihat)")
        }
        guard case .meanField(let a0) = problem.initialization, a0 != 0 else {
            throw DMFTError.invalidInput("the t = Θ(√m) p-spin regime needs a mean-field initialisation with a0 ≠ 0")
        }
        try problem.refuse(
            TrainingOption.allCases, in: "the p-spin regime (asymptotics pspin)",
            instead: "it is derived for plain gradient flow on both layers; solve at finite m (dmft solve)")
        guard problem.trainSecondLayer else {
            throw DMFTError.invalidInput("with a frozen second layer nothing happens on the t = Θ(√m) scale")
        }
        guard problem.noise > 0 else { throw DMFTError.invalidInput("pure noise needs τ > 0") }
        let xi = problem.covariance.h.withoutLinearTerm
        guard xi.coefficients.contains(where: { $0 > 0 }) else {
            throw DMFTError.invalidInput("h has no non-linear part (h̃ ≡ 0): the p-spin regime is trivial")
        }
        (alpha, noise, initialSecondLayer, self.xi) = (problem.alpha, problem.noise, a0, xi)
    }

    /// Rate of p-spin time per unit `s = t/√m` and per unit `|a|`: `τ√α`.
    public var timeRate: Double { noise * alpha.squareRoot() }

    /// `A∞ = −τ√α E` for an asymptotic p-spin energy `E`.
    public func asymptoticSlope(energy: Double) -> Double { -timeRate * energy }

    /// `A∞` with the threshold energy `E = −2c√((k−1)/k)` when `h̃ = c² q^k` is a single power
    /// (k ≥ 2), `nil` for a mixture (its asymptotic energy has no closed form).
    public var thresholdSlope: Double? {
        let powers = xi.coefficients.indices.filter { xi.coefficients[$0] > 0 }
        guard powers.count == 1, let k = powers.first else { return nil }
        let c = xi.coefficients[k].squareRoot()
        return asymptoticSlope(energy: SphericalSpinGlassFlow.thresholdEnergy(c: c, k: k))
    }

    /// The reduced trajectory from a CK solution extrapolated in its step, to p-spin time
    /// `pSpinDuration` with step `pSpinStep`. Columns: `t` (= s = t/√m), `a`, `Cd_t0`
    /// (= C(θ(s), 0)), `theta` (p-spin time) and `energy` (p-spin energy per spin e(θ)).
    public func solve(pSpinStep: Double, pSpinDuration: Double, control: RunControl = RunControl()) throws -> Trajectory {
        var solver = SphericalSpinGlassFlow(xi: xi, step: pSpinStep, duration: pSpinDuration)
        solver.memoryLimitBytes = memoryLimitBytes
        let flow = try solver.solveExtrapolated(control: control)
        var trajectory = Trajectory(names: ["t", "a", Observable.diagonalCorrelationToStart.rawValue, "theta", "energy"])
        let sign: Double = initialSecondLayer > 0 ? 1 : -1
        var a2 = initialSecondLayer * initialSecondLayer, s = 0.0
        var previous = (theta: 0.0, energy: 0.0, inverseSpeed: 1 / (timeRate * abs(initialSecondLayer)))
        for (i, theta) in flow.times.enumerated() {
            let e = flow.energy[i]
            if i > 0 {
                let d = theta - previous.theta
                a2 -= d * (e + previous.energy)  // trapezoid for 2∫ε dθ, ε = −e
            }
            let inverseSpeed = 1 / (timeRate * a2.squareRoot())
            if i > 0 { s += 0.5 * (theta - previous.theta) * (inverseSpeed + previous.inverseSpeed) }
            trajectory.append([s, sign * a2.squareRoot(), flow.correlationToStart[i], theta, e])
            previous = (theta, e, inverseSpeed)
        }
        return trajectory
    }
}
