/// The grouped DMFT (`docs/equations.md`, Grouped DMFT): the general per-neuron equations of
/// Montanari & Urbani (arXiv:2502.21269, appendix C.1) for m neurons in K groups of sizes
/// `m_1…m_K` whose members start alike (`InitialGroups`). By permutation symmetry inside each
/// group the solution has, for neurons `i ∈ g`, `j ∈ h`:
/// `C_ii = C^d_g`, `R_ii = R^d_g` and, for `i ≠ j`, `C_ij = C^o_gh`, `R_ij = R^o_gh`, with
/// `a_i = a_g`, `v_i = v_g`, `ν_i = ν_g`. A sum `(1/m)Σ_l` over neurons then becomes the
/// term `l = i` plus, for every group h, `n_gh = m_h − δ_gh` copies of the term `l ∈ h, l ≠ i`;
/// in the equation of `C_ij`, `R_ij` (`i ≠ j`, `j ∈ h`) the terms `l = i`, `l = j` and
/// `c^k_gh = m_k − δ_kg − δ_kh` copies of `l ∈ k ∖ {i, j}`.
///
/// K = 1 is `SymmetricKernels` (`n_11 = m − 1`, `c^1_11 = m − 2`); the pointwise memory
/// kernels, the one-time right-hand sides (ν, da/dt, dv/dt) and the test error are that
/// type's functions, called here per group, so those formulas exist once.
///
/// Notation at a pair `(t, s)`: `κ_g(s) = (1/m)[a_g(s) h(C^d_g) + Σ_h n_gh a_h(s) h(C^o_gh)]`,
/// `ρ_g(s) = (1/m)[a_g(s) h'(C^d_g) R^d_g + Σ_h n_gh a_h(s) h'(C^o_gh) R^o_gh]`, `π_g = m_g/m`.
struct GroupedKernels {
    /// Number of groups K.
    let count: Int
    let m: Double
    /// `π_g = m_g/m`.
    let share: [Double]
    /// `n_gh = m_h − δ_gh` at `g·K + h`.
    let others: [Double]
    /// `c^k_gh = m_k − δ_kg − δ_kh` at `(g·K + h)·K + k`.
    let thirds: [Double]
    /// Whether two distinct neurons `i ∈ g`, `j ∈ h` exist (false only for g = h with `m_g = 1`).
    let exists: [Bool]
    /// The shared pointwise formulas (width m).
    let base: SymmetricKernels
    let groups: InitialGroups

    init(_ problem: TrainingProblem, groups: InitialGroups) {
        let k = groups.count
        count = k
        m = Double(problem.width)
        self.groups = groups
        let sizes = groups.sizes.map(Double.init)
        share = sizes.map { $0 / Double(problem.width) }
        var others = [Double](repeating: 0, count: k * k), thirds = [Double](repeating: 0, count: k * k * k)
        var exists = [Bool](repeating: true, count: k * k)
        for g in 0..<k {
            for h in 0..<k {
                others[g * k + h] = sizes[h] - (g == h ? 1 : 0)
                exists[g * k + h] = g != h || groups.sizes[g] >= 2
                for l in 0..<k {
                    thirds[(g * k + h) * k + l] = sizes[l] - (l == g ? 1 : 0) - (l == h ? 1 : 0)
                }
            }
        }
        (self.others, self.thirds, self.exists) = (others, thirds, exists)
        base = SymmetricKernels(problem)
    }

    /// The values of the unknowns at one pair `(t, s)`, gathered group by group (buffers the
    /// caller owns: `aT`, `aS`, `cd`, `rd` of length K; `co`, `ro` of length K², at `g·K + h`).
    struct Point {
        let aT: UnsafeMutablePointer<Double>, aS: UnsafeMutablePointer<Double>
        let cd: UnsafeMutablePointer<Double>, rd: UnsafeMutablePointer<Double>
        let co: UnsafeMutablePointer<Double>, ro: UnsafeMutablePointer<Double>
    }

    // MARK: Self-energies

    /// `(1/m)Σ_i a_i φ̂(v_i) = Σ_g π_g a_g φ̂(v_g)` at one time.
    @inline(__always)
    func meanDrive(a: UnsafePointer<Double>, v: UnsafePointer<Double>) -> Double {
        var sum = 0.0
        for g in 0..<count { sum += share[g] * a[g] * base.covariance.phiHat(v[g]) }
        return sum
    }

    /// `κ_g(s)` (with `h`) or `ρ_g(s)` (with `h'` and the responses) of group g.
    @inline(__always)
    private func pairSum(_ g: Int, _ p: Point, responses: Bool) -> Double {
        let h = base.h
        var sum = responses ? p.aS[g] * h.derivative(p.cd[g]) * p.rd[g] : p.aS[g] * h(p.cd[g])
        for l in 0..<count where exists[g * count + l] {
            let c = p.co[g * count + l]
            sum += others[g * count + l] * p.aS[l] * (responses ? h.derivative(c) * p.ro[g * count + l] : h(c))
        }
        return sum / m
    }

    /// `Σ_C(t,s) = τ² + ‖φ‖² − A(t) − A(s) + Σ_g π_g a_g(t) κ_g(s)`, `A = meanDrive`.
    @inline(__always)
    func sigmaC(_ p: Point, driveT: Double, driveS: Double) -> Double {
        var sum = 0.0
        for g in 0..<count { sum += share[g] * p.aT[g] * pairSum(g, p, responses: false) }
        return base.risk.noiseAndSignal - driveT - driveS + sum
    }

    /// `Σ_R(t,s) = Σ_g π_g a_g(t) ρ_g(s)` (s < t).
    @inline(__always)
    func sigmaR(_ p: Point) -> Double {
        var sum = 0.0
        for g in 0..<count { sum += share[g] * p.aT[g] * pairSum(g, p, responses: true) }
        return sum
    }

    // MARK: Memory kernels and the one-time integrals

    /// Row index, within kernel block b, of `M_{gb,o}` (g < K) and of `M_{b,d}` (K): block b holds
    /// the kernels that multiply the two-time functions whose neuron l lies in group b.
    @inline(__always) func blockRow(block b: Int, row r: Int) -> Int { b * (count + 1) + r }

    /// At column s of row t: `ηM^R`, `ηM^C` of every group and pair into column s of the kernel
    /// blocks (`responseKernels[blockRow·stride + s]`, likewise `correlationKernels`; pairs that
    /// do not exist get 0), and the column's terms of each group's `RowIntegrals`:
    /// `∫R_A = Σ X`, `drift_g = Σ X κ_g`, `responseDrift_g = Σ ηC_A ρ_g`,
    /// `overlapMemory_g = (1/m)Σ[ηM^R_{g,d} v_g + Σ_h n_gh ηM^R_{gh,o} v_h]`,
    /// `multiplierMemory_g = (1/m)Σ[ηM^R_{g,d} C^d_g + Σ_h n_gh ηM^R_{gh,o} C^o_gh + ηM^C_{g,d} R^d_g + Σ_h n_gh ηM^C_{gh,o} R^o_gh]`.
    @inline(__always)
    func memoryColumn(
        _ s: Int, _ p: Point, vS: UnsafePointer<Double>, x: Double, weight: Double, ca: Double,
        responseKernels: UnsafeMutablePointer<Double>, correlationKernels: UnsafeMutablePointer<Double>, stride: Int,
        sums: UnsafeMutablePointer<SymmetricKernels.RowIntegrals>
    ) {
        let k = count
        for g in 0..<k {
            let cov = base.covariances(at: p.cd[g])
            let mrd = base.memoryR(aT: p.aT[g], aS: p.aS[g], x: x, weight: weight, ca: ca, at: cov, response: p.rd[g])
            let mcd = base.memoryC(aT: p.aT[g], aS: p.aS[g], weight: weight, ca: ca, at: cov)
            let dRow = blockRow(block: g, row: k) * stride + s
            responseKernels[dRow] = mrd
            correlationKernels[dRow] = mcd
            var overlap = mrd * vS[g], multiplier = mrd * p.cd[g] + mcd * p.rd[g]
            for h in 0..<k {
                let pair = g * k + h, oRow = blockRow(block: h, row: g) * stride + s
                guard exists[pair] else {
                    responseKernels[oRow] = 0
                    correlationKernels[oRow] = 0
                    continue
                }
                let c = base.covariances(at: p.co[pair])
                let mro = base.memoryR(aT: p.aT[g], aS: p.aS[h], x: x, weight: weight, ca: ca, at: c, response: p.ro[pair])
                let mco = base.memoryC(aT: p.aT[g], aS: p.aS[h], weight: weight, ca: ca, at: c)
                responseKernels[oRow] = mro
                correlationKernels[oRow] = mco
                overlap += others[pair] * mro * vS[h]
                multiplier += others[pair] * (mro * p.co[pair] + mco * p.ro[pair])
            }
            sums[g].response += x
            sums[g].drift += x * pairSum(g, p, responses: false)
            sums[g].responseDrift += weight * ca * pairSum(g, p, responses: true)
            sums[g].overlapMemory += overlap / m
            sums[g].multiplierMemory += multiplier / m
        }
    }

    // MARK: Two-time equations

    /// The memory integrals at one column t' of row t: for a two-time function Y whose neuron l
    /// lies in group b, `P_Y[r] = Σ_s (kernel block b, row r)(t,s) Y(·)` — against `Y(s,t')` for
    /// `M^R` and `Y(t',s)` for `M^C`; rows r < K are `M_{rb,o}`, row K is `M_{b,d}`. `value(Y, r)`
    /// reads it for `Y` = `.cd(h)`, `.co(g, h)`, `.rd(h)`, `.ro(g, h)`.
    enum Function { case cd(Int), co(Int, Int), rd(Int), ro(Int, Int) }

    /// `∂_t C^d_g`, `∂_t R^d_g` at `(t, t')` (the δ source of `R^d` is the caller's):
    /// ```
    /// ∂C^d_g = −ν_g C^d_g + source_g v_g(t') − (1/m)[M^R_{g,d} C^d_g + Σ_k n_gk M^R_{gk,o} C^o_kg]
    ///                                         − (1/m)[M^C_{g,d} R^d_g + Σ_k n_gk M^C_{gk,o} R^o_gk]
    /// ∂R^d_g = −ν_g R^d_g − (1/m)[M^R_{g,d} R^d_g + Σ_k n_gk M^R_{gk,o} R^o_kg]
    /// ```
    /// `byR(Y, r)` is the `M^R` integral against Y, `byC(Y, r)` the `M^C` one.
    @inline(__always)
    func diagonalRates(
        _ g: Int, nu: Double, source: Double, vColumn: Double, cd: Double, rd: Double,
        byR: (Function, Int) -> Double, byC: (Function, Int) -> Double
    ) -> (cd: Double, rd: Double) {
        let k = count
        var memoryC = byR(.cd(g), k) + byC(.rd(g), k)
        var memoryR = byR(.rd(g), k)
        for l in 0..<k where exists[g * k + l] {
            let n = others[g * k + l]
            memoryC += n * (byR(.co(l, g), g) + byC(.ro(g, l), g))
            memoryR += n * byR(.ro(l, g), g)
        }
        return (cd: -nu * cd + source * vColumn - memoryC / m, rd: -nu * rd - memoryR / m)
    }

    /// `∂_t C^o_gh`, `∂_t R^o_gh` at `(t, t')`, `i ∈ g`, `j ∈ h`, `i ≠ j`:
    /// ```
    /// ∂C^o_gh = −ν_g C^o_gh + source_g v_h(t') − (1/m)[M^R_{g,d} C^o_gh + M^R_{gh,o} C^d_h + Σ_k c^k_gh M^R_{gk,o} C^o_kh]
    ///                                           − (1/m)[M^C_{g,d} R^o_hg + M^C_{gh,o} R^d_h + Σ_k c^k_gh M^C_{gk,o} R^o_hk]
    /// ∂R^o_gh = −ν_g R^o_gh − (1/m)[M^R_{g,d} R^o_gh + M^R_{gh,o} R^d_h + Σ_k c^k_gh M^R_{gk,o} R^o_kh]
    /// ```
    @inline(__always)
    func offDiagonalRates(
        _ g: Int, _ h: Int, nu: Double, source: Double, vColumn: Double, co: Double, ro: Double,
        byR: (Function, Int) -> Double, byC: (Function, Int) -> Double
    ) -> (co: Double, ro: Double) {
        let k = count
        var memoryC = byR(.co(g, h), k) + byR(.cd(h), g) + byC(.ro(h, g), k) + byC(.rd(h), g)
        var memoryR = byR(.ro(g, h), k) + byR(.rd(h), g)
        for l in 0..<k {
            let c = thirds[(g * k + h) * k + l]
            guard c > 0 else { continue }
            memoryC += c * (byR(.co(l, h), g) + byC(.ro(h, l), g))
            memoryR += c * byR(.ro(l, h), g)
        }
        return (co: -nu * co + source * vColumn - memoryC / m, ro: -nu * ro - memoryR / m)
    }

    // MARK: Observables

    /// The test error at time t from `a_g`, `v_g` and `C^o_gh(t,t)` (`PopulationRisk`):
    /// linear `Σ_g π_g a_g φ̂(v_g)`, quadratic `Σ_g π_g a_g [a_g h(1) + Σ_h n_gh a_h h(C^o_gh)]/m`.
    func testError(a: [Double], v: [Double], equalTimeOverlap co: (Int, Int) -> Double) -> Double {
        let h = base.h
        var quadratic = 0.0
        for g in 0..<count {
            var inner = a[g] * h(1)
            for l in 0..<count where exists[g * count + l] { inner += others[g * count + l] * a[l] * h(co(g, l)) }
            quadratic += share[g] * a[g] * inner / m
        }
        var linear = 0.0
        for g in 0..<count { linear += share[g] * a[g] * base.covariance.phiHat(v[g]) }
        return base.risk.testError(linear: linear, quadratic: quadratic)
    }

    /// Rate of the fastest local term (`SymmetricKernels.stiffRate` at the largest |a_g|).
    func stiffRate(secondLayer a: [Double]) -> Double {
        base.stiffRate(secondLayer: a.map(abs).max() ?? 0)
    }
}
