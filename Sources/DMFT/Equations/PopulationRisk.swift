/// The population risk (test error) of `f(x) = (1/m) Σ_i a_i σ(<w_i,x>)` on Gaussian data
/// with target `y = φ(<u,x>) + ε` (Montanari & Urbani, arXiv:2502.21269, eq. (C.25) with the
/// a's it drops restored; `docs/equations.md`, Observables):
/// ```
/// e_ts = ½[τ² + ‖φ‖² − 2·(1/m)Σ_i a_i φ̂(v_i) + (1/m²)Σ_ij a_i a_j h(<w_i,w_j>)]
/// ```
/// It holds for Gaussian data whatever σ and φ are, through their covariances h and φ̂.
/// Every solver and simulator reports its test error through this one formula.
struct PopulationRisk {
    /// `τ² + ‖φ‖²`, the risk of the zero predictor.
    let noiseAndSignal: Double
    /// `h(q) = E σ(G₁)σ(G₂)` at correlation q.
    let h: PowerSeries

    init(noise: Double, phiNorm2: Double, h: PowerSeries) {
        noiseAndSignal = noise * noise + phiNorm2
        self.h = h
    }

    init(_ problem: TrainingProblem) {
        self.init(noise: problem.noise, phiNorm2: problem.covariance.phiNorm2, h: problem.covariance.h)
    }

    /// The per-neuron form, from the two averages `linear = (1/m)Σ_i a_i φ̂(v_i)` and
    /// `quadratic = (1/m²)Σ_ij a_i a_j h(<w_i,w_j>)` (for neuron types of weight π_i, the
    /// π-weighted sums).
    @inline(__always)
    func testError(linear: Double, quadratic: Double) -> Double {
        0.5 * (noiseAndSignal - 2 * linear + quadratic)
    }

    /// The symmetric form, every `a_i = a` and `v_i = v`: the pairs `i = j` (weight p, overlap 1)
    /// and `i ≠ j` (weight q, overlap `C_o`) give `½[τ² + ‖φ‖² − 2aφ̂(v) + a²(p h(1) + q h(C_o))]`.
    /// Width m: `p = 1/m`, `q = (m−1)/m`, `C_o = C_o(t,t)`; m → ∞: `p = 0`, `q = 1`.
    @inline(__always)
    func symmetric(secondLayer a: Double, phiHat: Double, offDiagonalOverlap co: Double, p: Double, q: Double)
        -> Double
    {
        testError(linear: a * phiHat, quadratic: a * a * (p * h(1) + q * h(co)))
    }
}
