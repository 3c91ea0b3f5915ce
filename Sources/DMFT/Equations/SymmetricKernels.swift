/// The symmetric-initialisation DMFT of Montanari & Urbani (arXiv:2502.21269, appendices C–D),
/// written once and pointwise: the self-energies `Σ_C`, `Σ_R`, the memory kernels `M^R_x`,
/// `M^C_x`, the right-hand sides of the one-time equations (ν, da/dt, dv/dt) and of the
/// two-time equations, the stiff local rate and the test error, each at one pair of times
/// `(t, s)`, as `docs/equations.md` states them. Solvers loop over their grids and call these;
/// the struct holds only the problem's constants, so the calls inline into the loops.
///
/// **Two forms.** `init(_:)` is the width-m system in the paper's variables. `init(infiniteWidth:)`
/// is the same system in the variables that stay O(1) as m → ∞ at fixed `ᾱ = αm` (appendix H,
/// `InfiniteWidthLimit`: `T = t/m`, `R̄_o = m R_o`, `ν̄ = mν`, α → ᾱ) with the O(1/m) terms
/// dropped. In those variables the pairs of neurons enter the self-energies, the kernels and the
/// one-time equations with other weights, and that is all that changes there:
///
/// | weight of | width m | m → ∞, rescaled |
/// |---|---|---|
/// | same (p) and other (q) neuron in Σ_C, the drift of a and the risk | 1/m, (m−1)/m | 0, 1 |
/// | same and other neuron in Σ_R, the response drift and the memory sums | 1/m, (m−1)/m | 1, 1 |
/// | the local part `X h'(C_d)` of `M^R_d` and of the stiff rate | 1 | 0 |
///
/// The two-time right-hand sides (`twoTimeRates`) are those of width m only: as m → ∞ whole
/// terms drop out of them, and `InfiniteWidthLimit` states the limit.
///
/// Notation at a pair `(t, s)`: `aT = a(t)`, `aS = a(s)`, `C_x = C_x(t,s)`, `R_x = R_x(t,s)`,
/// `X = X(t,s)` (the discrete `R_A`, `X(t,t) = 1`), `C_A = C_A(t,s)`, `weight` the grid's column
/// weight `η_s` of the memory integrals.
struct SymmetricKernels {
    /// Width m (only its O(1) role survives in the m → ∞ form).
    let m: Double
    /// `α = n/(md)`, or `ᾱ = αm` in the m → ∞ form.
    let alpha: Double
    /// Weights of the same-neuron and other-neuron pairs in `Σ_C`, the drift of a and the risk.
    let p: Double, q: Double
    /// Weights of the same pairs in `Σ_R`, the response drift and the memory sums of ν, v.
    let responseP: Double, responseQ: Double
    /// Weight of the local part `X h'(C_d)` of `M^R_d` (and of its term in the stiff rate).
    let localDiagonal: Double
    let h: PowerSeries
    let covariance: CovarianceModel
    let risk: PopulationRisk
    /// Weight decay λ and learning-rate ratio κ of the second layer (`TrainingProblem`).
    let weightDecay: Double, learningRateRatio: Double

    /// The width-m equations (`docs/equations.md`, Symmetric-initialisation DMFT).
    init(_ problem: TrainingProblem) {
        m = Double(problem.width)
        alpha = problem.alpha
        p = 1 / m
        q = (m - 1) / m
        (responseP, responseQ, localDiagonal) = (p, q, 1)
        (h, covariance, risk) = (problem.covariance.h, problem.covariance, PopulationRisk(problem))
        (weightDecay, learningRateRatio) = (problem.weightDecay, problem.learningRateRatio)
    }

    /// The m → ∞ equations at fixed `ᾱ = problem.alphaBar`, in the rescaled variables of
    /// `InfiniteWidthLimit` (the paper's appendix H).
    init(infiniteWidth problem: TrainingProblem) {
        m = Double(problem.width)
        alpha = problem.alphaBar
        (p, q, responseP, responseQ, localDiagonal) = (0, 1, 1, 1, 0)
        (h, covariance, risk) = (problem.covariance.h, problem.covariance, PopulationRisk(problem))
        (weightDecay, learningRateRatio) = (problem.weightDecay, problem.learningRateRatio)
    }

    /// `h(C)`, `h'(C)`, `h''(C)` at one correlation C.
    struct Covariances {
        let value: Double, slope: Double, curvature: Double
    }

    @inline(__always)
    func covariances(at c: Double) -> Covariances {
        Covariances(value: h(c), slope: h.derivative(c), curvature: h.secondDerivative(c))
    }

    // MARK: Self-energies and memory kernels

    /// `Σ_C(t,s) = τ² + ‖φ‖² − a(t)φ̂(v(t)) − a(s)φ̂(v(s)) + a(t)a(s)[p h(C_d) + q h(C_o)]`.
    @inline(__always)
    func sigmaC(aT: Double, aS: Double, phiHatT: Double, phiHatS: Double, cd: Double, co: Double) -> Double {
        risk.noiseAndSignal - aT * phiHatT - aS * phiHatS + aT * aS * (p * h(cd) + q * h(co))
    }

    /// `Σ_R(t,s) = a(t)a(s)[p h'(C_d) R_d + q h'(C_o) R_o]` (s < t).
    @inline(__always)
    func sigmaR(aT: Double, aS: Double, cd: Double, co: Double, rd: Double, ro: Double) -> Double {
        aT * aS * (responseP * h.derivative(cd) * rd + responseQ * h.derivative(co) * ro)
    }

    /// `η M^R_x(t,s) = α a(t)a(s)[X h'(C_x) + η C_A h''(C_x) R_x]`, x ∈ {d, o}, with `at` the
    /// covariances at `C_x` and `response = R_x` (the paper writes m/α for α in `M^R_o`; α is right).
    @inline(__always)
    func memoryR(aT: Double, aS: Double, x: Double, weight: Double, ca: Double, at c: Covariances, response: Double)
        -> Double
    {
        alpha * aT * aS * (x * c.slope + weight * ca * c.curvature * response)
    }

    /// `η M^C_x(t,s) = η α a(t)a(s) C_A h'(C_x)`, x ∈ {d, o}.
    @inline(__always)
    func memoryC(aT: Double, aS: Double, weight: Double, ca: Double, at c: Covariances) -> Double {
        weight * (alpha * aT * aS) * ca * c.slope
    }

    // MARK: One-time equations

    /// The integrals over `s ≤ t` of row t that the one-time equations need (left-rectangle
    /// sums with the column weights).
    struct RowIntegrals {
        /// `∫R_A(t,s) ds = Σ_s X(t,s)`.
        var response = 0.0
        /// `∫R_A(t,s) a(s)[p h(C_d) + q h(C_o)] ds` (`driftTerm`).
        var drift = 0.0
        /// `∫C_A(t,s) a(s)[p h'(C_d) R_d + q h'(C_o) R_o] ds` (`responseDriftTerm`).
        var responseDrift = 0.0
        /// `∫[p M^R_d + q M^R_o](t,s) v(s) ds` (`overlapMemoryTerm`).
        var overlapMemory = 0.0
        /// `∫[p M^R_d C_d + q M^R_o C_o + p M^C_d R_d + q M^C_o R_o](t,s) ds` (`multiplierMemoryTerm`).
        var multiplierMemory = 0.0
    }

    /// Integrand of `RowIntegrals.drift`: `X a(s)[p h(C_d) + q h(C_o)]`.
    @inline(__always)
    func driftTerm(x: Double, aS: Double, d: Covariances, o: Covariances) -> Double {
        x * aS * (p * d.value + q * o.value)
    }

    /// Integrand of `RowIntegrals.responseDrift`: `η C_A a(s)[p h'(C_d) R_d + q h'(C_o) R_o]`.
    @inline(__always)
    func responseDriftTerm(
        weight: Double, ca: Double, aS: Double, d: Covariances, o: Covariances, rd: Double, ro: Double
    ) -> Double {
        weight * ca * aS * (responseP * d.slope * rd + responseQ * o.slope * ro)
    }

    /// Integrand of `RowIntegrals.overlapMemory` from `mrd = ηM^R_d`, `mro = ηM^R_o`.
    @inline(__always)
    func overlapMemoryTerm(mrd: Double, mro: Double, v: Double) -> Double {
        (responseP * mrd + responseQ * mro) * v
    }

    /// Integrand of `RowIntegrals.multiplierMemory` from the four kernels times η.
    @inline(__always)
    func multiplierMemoryTerm(
        mrd: Double, mro: Double, mcd: Double, mco: Double, cd: Double, co: Double, rd: Double, ro: Double
    ) -> Double {
        responseP * mrd * cd + responseQ * mro * co + responseP * mcd * rd + responseQ * mco * ro
    }

    /// `α a φ̂'(v) ∫R_A`: the drive of v and of the correlations in the latent direction.
    @inline(__always)
    func source(a: Double, phiHatPrime: Double, _ row: RowIntegrals) -> Double {
        alpha * a * phiHatPrime * row.response
    }

    /// The Lagrange multiplier that keeps `C_d(t,t) = 1`:
    /// `ν = α a φ̂'(v) v ∫R_A − ∫[p M^R_d C_d + q M^R_o C_o + p M^C_d R_d + q M^C_o R_o]`.
    @inline(__always)
    func multiplier(a: Double, v: Double, phiHatPrime: Double, _ row: RowIntegrals) -> Double {
        alpha * a * phiHatPrime * v * row.response - row.multiplierMemory
    }

    /// `da/dt = κ{α φ̂(v)∫R_A − α∫R_A a(s)[p h(C_d) + q h(C_o)] − α∫C_A a(s)[p h'(C_d)R_d + q h'(C_o)R_o] − αλa}`
    /// at second-layer value `a = a(t)` (κ, λ: the training options, `secondLayerRateWithOptions`).
    @inline(__always)
    func secondLayerRate(secondLayer a: Double, phiHat: Double, _ row: RowIntegrals) -> Double {
        secondLayerRateWithOptions(
            fit: alpha * phiHat * row.response - alpha * row.drift - alpha * row.responseDrift, secondLayer: a,
            alpha: alpha, weightDecay: weightDecay, ratio: learningRateRatio)
    }

    /// `dv/dt = −ν v + α a φ̂'(v)∫R_A − ∫[p M^R_d + q M^R_o](t,s) v(s) ds`, with `source` from `source`.
    @inline(__always)
    func overlapRate(nu: Double, v: Double, source: Double, _ row: RowIntegrals) -> Double {
        -nu * v + source - row.overlapMemory
    }

    // MARK: Two-time equations (width m)

    /// Memory integrals against one two-time function Y at a column t': `d = ∫ηM_d(t,s) Y(·)`,
    /// `o = ∫ηM_o(t,s) Y(·)` (for `M^R`, `Y(s,t')`; for `M^C`, `Y(t',s)`).
    typealias KernelPair = (d: Double, o: Double)

    /// `∂_t C_d, ∂_t C_o, ∂_t R_d, ∂_t R_o` at `(t, t')` of width m, from the values there, the
    /// drive `source · v(t')` and the memory integrals `rY = ∫M^R Y(s,t')`, `cY = ∫M^C Y(t',s)`
    /// (`docs/equations.md`; the δ source of `R_d` is the caller's):
    /// ```
    /// ∂C_d = −ν C_d + source v(t') − [p M^R_d C_d + q M^R_o C_o] − [p M^C_d R_d + q M^C_o R_o]
    /// ∂C_o = −ν C_o + source v(t') − p[M^R_d C_o + M^R_o C_d + (m−2) M^R_o C_o]
    ///                               − p[M^C_d R_o + M^C_o R_d + (m−2) M^C_o R_o]
    /// ∂R_d = −ν R_d − [p M^R_d R_d + q M^R_o R_o]
    /// ∂R_o = −ν R_o − p[M^R_d R_o + M^R_o R_d + (m−2) M^R_o R_o]
    /// ```
    @inline(__always)
    func twoTimeRates(
        nu: Double, source: Double, vColumn: Double, cd: Double, co: Double, rd: Double, ro: Double,
        rCd: KernelPair, rCo: KernelPair, rRd: KernelPair, rRo: KernelPair, cRd: KernelPair, cRo: KernelPair
    ) -> (cd: Double, co: Double, rd: Double, ro: Double) {
        let mMinus2 = m - 2
        return (
            cd: -nu * cd + source * vColumn - (p * rCd.d + q * rCo.o) - (p * cRd.d + q * cRo.o),
            co: -nu * co + source * vColumn - p * (rCo.d + rCd.o + mMinus2 * rCo.o)
                - p * (cRo.d + cRd.o + mMinus2 * cRo.o),
            rd: -nu * rd - (p * rRd.d + q * rRo.o),
            ro: -nu * ro - p * (rRo.d + rRd.o + mMinus2 * rRo.o))
    }

    /// Rate of the stiff local term of the `C_o`, `R_o` equations, `−(m−2)/m · α a(t)² h'(C_o(t,t))`
    /// times the unknown (the δ part of `R_A` in `M^R_o`), from `ηM^R_o(t,t)`; never negative.
    @inline(__always)
    func localRate(offDiagonalKernelAtEqualTimes mro: Double) -> Double {
        max(0, p * (m - 2) * mro)
    }

    /// Rate of the fastest local term at second-layer value a: `α a² (2h'(C_o(t,t)) + h'(1)/m)`,
    /// the off-diagonal local term doubled in the equal-time update of `C_o(t,t)` plus the
    /// diagonal one (`C_d(t,t) = 1`). Explicit Euler needs `step · rate ≲ 2`.
    func stiffRate(secondLayer a: Double, equalTimeOverlap co: Double = 0) -> Double {
        alpha * a * a * (2 * h.derivative(co) + localDiagonal * h.derivative(1) / m)
    }

    // MARK: Observables

    /// The test error at time t: `PopulationRisk.symmetric` with these p, q and `C_o = C_o(t,t)`.
    @inline(__always)
    func testError(secondLayer a: Double, phiHat: Double, equalTimeOverlap co: Double) -> Double {
        risk.symmetric(secondLayer: a, phiHat: phiHat, offDiagonalOverlap: co, p: p, q: q)
    }
}
