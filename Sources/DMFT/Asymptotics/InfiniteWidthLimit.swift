import CNumerics
import Foundation

/// The symmetric DMFT (arXiv:2502.21269) in the limit m → ∞ at fixed `ᾱ = n/d = αm`
/// with a mean-field initialisation `a(0) = a₀ = O(1)`, on the time scale `T = t/m` (the
/// paper's appendix H).
///
/// **Units and scalings.** Time is `T = t/m`; the response functions and multipliers are
/// rescaled so that they stay O(1): `R̄_o = m R_o`, `ν̄ = m ν`, `R̄_A = m R_A`, `Σ̄_R = m Σ_R`,
/// while `C_d`, `C_o`, `C_A = C̄_A`, `Σ_C`, `R_d`, `a` and `v` are unchanged. Keeping the O(1)
/// terms of the symmetric DMFT of `docs/equations.md` (with `∫ds = m∫dS`, `α = ᾱ/m`, `p = 1/m → 0`, `q → 1`) gives, with all
/// kernels at `(T,S)` and `aa = a(T)a(S)`:
/// ```
/// Σ_C = τ² + ‖φ‖² − a(T)φ̂(v(T)) − a(S)φ̂(v(S)) + aa h(C_o)
/// Σ̄_R = aa [h'(C_d) R_d + h'(C_o) R̄_o],  R̄_A = (1 + Σ̄_R)⁻¹,  C̄_A = −R̄_A Σ_C R̄_Aᵀ
/// K_d = ᾱ aa C̄_A h''(C_d) R_d,   K_o = ᾱ aa [R̄_A h'(C_o) + C̄_A h''(C_o) R̄_o]
/// N_d = ᾱ aa C̄_A h'(C_d),        N_o = ᾱ aa C̄_A h'(C_o),    src = ᾱ a φ̂'(v) ∫_0^T R̄_A
/// ∂_T C_d(T,T') = −ν̄ C_d + src v(T') − ∫_0^T [K_d C_d + K_o C_o](S,T') − ∫_0^{T'} [N_d R_d + N_o R̄_o](T',S)
/// ∂_T C_o(T,T') = −ν̄ C_o + src v(T') − ∫_0^T (K_d + K_o) C_o(S,T') − ∫_0^{T'} N_o (R_d + R̄_o)(T',S)
/// ∂_T R_d(T,T') = −ν̄ R_d + δ(T−T') − ∫_{T'}^T K_d R_d(S,T')
/// ∂_T R̄_o(T,T') = −ν̄ R̄_o − ∫_{T'}^T [K_d R̄_o + K_o (R_d + R̄_o)](S,T')
/// ν̄ = src v − ∫_0^T [K_d C_d + K_o C_o + N_d R_d + N_o R̄_o](T,S) dS        (C_d(T,T) = 1)
/// dv/dT = −ν̄ v + src − ∫_0^T (K_d + K_o)(T,S) v(S) dS
/// da/dT = ᾱ [φ̂(v)∫R̄_A − ∫R̄_A(T,S) a(S) h(C_o) − ∫C̄_A(T,S) a(S)(h'(C_d)R_d + h'(C_o)R̄_o)]
/// ```
/// `K_o` contains the δ part of `R̄_A`, a local term `ᾱ a(T)² h'(C_o(T,T))` times the unknown
/// at `(T,T')`. `C_o(T,T)` moves with twice the first-time derivative; start `C_d(0,0) = 1`,
/// `C_o(0,0) = 0`, `v(0) = 0`, `a(0) = a₀`. Observables: `e_tr = −½ C̄_A(T,T)`,
/// `e_ts = ½[τ² + ‖φ‖² − 2aφ̂(v) + a² h(C_o(T,T))]` (both `½(τ² + ‖φ‖²)` at T = 0).
/// The full DMFT at width m approaches this system with an O(1/m) gap. The self-energies,
/// kernels, one-time equations and the test error are `SymmetricKernels(infiniteWidth:)`, the
/// width-m functions with the weights of the rescaled limit; only the two-time right-hand
/// sides, in which whole terms vanish as m → ∞, are written out here (`InfiniteWidthStepper`).
///
/// **Discretisation.** The project's baseline scheme (`GridStepper`, `docs/equations.md`) on the uniform grid
/// `T_k = kη`: forward Euler in the first time, left-rectangle sums, `R̄_A = X/η` with
/// `X = (I + ηΣ̄_R)⁻¹` by forward substitution (the discrete δ is `X[k,k] = 1`),
/// `C̄_A = −X Σ_C Xᵀ`, and the response jump `R(T_k,T_k) = 0`, `R_d(T_{k+1},T_k) = 1`. It is
/// the m → ∞ limit of the uniform SymmDMFT scheme at step `mη` in t. First order in η, six
/// (N+1)² arrays of doubles, O(N³) work (BLAS). Explicit Euler is stable for
/// `η · 2ᾱ a² h'(C_o(T,T)) ≲ 2` (`stiffRate`).
///
/// **Which problem.** The `TrainingProblem` supplies `ᾱ = problem.alphaBar` (= α·m: the limit
/// is taken at the ᾱ of the given problem; its width only defines ᾱ and plays no other role),
/// τ, the covariance (h, φ̂, ‖φ‖²), `a₀` (the initialisation must be `.meanField`) and
/// `trainSecondLayer` (frozen: `da/dT = 0`), the weight decay and the learning-rate ratio
/// (`da/dT` gains `−ᾱλa`, all times κ: `docs/equations.md`, Training options).
///
/// **Output.** A `Trajectory` with the columns `InfiniteWidthLimit.columns` (those of
/// `Observable.dmftColumns` except `gamma = a/√m`, which is 0 in the limit): `t` holds
/// `T = t/m`, `e_train`, `e_test`, `a`, `v`, `Cd_t0 = C_d(T,0)`, `Co_tt = C_o(T,T)` as in
/// the full DMFT, and `m_nu` holds `ν̄ = mν`, the multiplier per unit of T.
public struct InfiniteWidthLimit: Sendable {
    /// Requested step in T; the step used is `gridStep` (≤ this), so that the grid ends at `duration`.
    public var step: Double
    /// Final time `T_max` (in units of T = t/m).
    public var duration: Double
    /// Refuse runs whose two-time arrays would need more than this (default 4 GB).
    public var memoryLimitBytes: Double = 4e9
    /// If set, the run ends at the first grid time where the training error is below this
    /// level (a relaxation-time scan needs nothing after the crossing; the work to reach T
    /// grows as T³). `solveWithTwoTimeFunctions` always runs to `duration`.
    public var stopBelowTrainError: Double? = nil

    public init(step: Double, duration: Double) {
        self.step = step
        self.duration = duration
    }

    /// The columns of the output, in order: `Observable.dmftColumns` without `gamma`, and with
    /// `m_nu` (= ν̄ = mν) in place of `nu` so that a plot never mixes it with a finite-m ν.
    public static let columns: [String] = Observable.dmftColumns.filter { $0 != .gamma }
        .map { $0 == .lagrangeMultiplier ? "m_nu" : $0.rawValue }

    /// Number of steps `N = ⌈duration/step⌉` (capped at 10⁹ for absurd inputs, which `solve` refuses).
    public var stepCount: Int {
        min(boundedCount(duration / step * (1 - 1e-12), .up), 1_000_000_000)
    }

    /// The step actually used, `duration/N`.
    public var gridStep: Double { duration / Double(max(stepCount, 1)) }

    /// Bytes of two-time storage a run needs (seven arrays when the two-time functions are kept).
    public func memoryNeeded(keepingTwoTimeFunctions keep: Bool = false) -> Double {
        Double(keep ? 7 : 6) * Double(stepCount + 1) * Double(stepCount + 1) * 8
    }

    /// Rate of the stiffest local term: the δ part of `R̄_A` in `K_o` acts on `C_o`, `R̄_o`
    /// with rate `ᾱ a² h'(C_o(T,T))`, doubled in the equal-time update of `C_o(T,T)`.
    public static func stiffRate(_ problem: TrainingProblem, secondLayer a: Double, equalTimeOverlap co: Double = 0)
        -> Double
    {
        SymmetricKernels(infiniteWidth: problem).stiffRate(secondLayer: a, equalTimeOverlap: co)
    }

    /// A step comfortably inside the explicit stability region at T = 0:
    /// `min(0.05, 0.5/stiffRate)` at `a₀`.
    public static func suggestedStep(for problem: TrainingProblem) -> Double {
        let rate = stiffRate(problem, secondLayer: problem.initialSecondLayer)
        return min(0.05, rate > 0 ? 0.5 / rate : 0.05)
    }

    /// Integrates the limit system of `problem` on `[0, duration]` (T units).
    /// - Throws: `DMFTError.invalidInput` for bad settings (including a lazy initialisation),
    ///   `.diverged` if the solution leaves the admissible set (never returns non-finite
    ///   values), `.cancelled`.
    public func solve(_ problem: TrainingProblem, control: RunControl = RunControl()) throws -> Trajectory {
        try run(problem, control: control, keep: false).trajectory
    }

    /// As `solve`, also returning the two-time functions on the grid: `times` are T,
    /// `offDiagonalResponse` holds `R̄_o = m R_o`, `residualResponseTimesStep` holds
    /// `X = η R̄_A`, `residualCorrelation` holds `C̄_A`.
    public func solveWithTwoTimeFunctions(_ problem: TrainingProblem, control: RunControl = RunControl()) throws
        -> (trajectory: Trajectory, twoTime: TwoTimeFunctions)
    {
        let result = try run(problem, control: control, keep: true)
        return (result.trajectory, result.twoTime!)
    }

    private func validate(_ problem: TrainingProblem, keep: Bool) throws {
        try problem.validate()
        try problem.refuse(
            [.frozenFirstLayer], in: "the infinite-width limit",
            instead: "with W(0) frozen, C_o = 0 and a does not move on the t = Θ(m) scale; solve at finite m (dmft solve)")
        guard case .meanField = problem.initialization else {
            throw DMFTError.invalidInput(
                "the fixed-ᾱ infinite-width limit is derived for a mean-field initialisation a(0) = a₀ = O(1); "
                    + "got \(problem.initialization)")
        }
        guard step.isFinite && step > 0 else { throw DMFTError.invalidInput("time step must be positive, got \(step)") }
        guard duration.isFinite && duration > 0 else {
            throw DMFTError.invalidInput("duration (T_max, in units of t/m) must be positive, got \(duration)")
        }
        guard stepCount >= 1, stepCount < 1_000_000_000 else {
            throw DMFTError.invalidInput("T_max = \(duration) with step \(step) gives \(stepCount) steps")
        }
        let needed = memoryNeeded(keepingTwoTimeFunctions: keep)
        guard needed <= memoryLimitBytes else {
            throw DMFTError.invalidInput(
                "N = \(stepCount) steps need \(Int(needed / 1e6)) MB of two-time storage (limit "
                    + "\(Int(memoryLimitBytes / 1e6)) MB); increase the step or shorten T_max")
        }
    }

    private func run(_ problem: TrainingProblem, control: RunControl, keep: Bool) throws
        -> (trajectory: Trajectory, twoTime: TwoTimeFunctions?)
    {
        try validate(problem, keep: keep)
        let n = stepCount
        let stepper = try InfiniteWidthStepper(problem: problem, step: gridStep, rows: n + 1, keep: keep)
        var trajectory = Trajectory(names: Self.columns)
        trajectory.reserveCapacity(n + 1)
        let reportEvery = max(1, n / 100)
        let trainErrorColumn = Self.columns.firstIndex(of: Observable.trainError.rawValue)!
        for k in 0...n {
            if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
            let row = try stepper.advance(from: k, last: k == n)
            trajectory.append(row)
            if k % reportEvery == 0 || k == n { control.progress?(Double(k) / Double(n)) }
            if let level = stopBelowTrainError, row[trainErrorColumn] < level, !keep { break }
        }
        return (trajectory, keep ? stepper.twoTimeFunctions() : nil)
    }
}

/// The grid state of `InfiniteWidthLimit`: the two-time history (row = later time) and the
/// row buffers of one step. Rows are appended one per `advance`.
private final class InfiniteWidthStepper {
    let equations: SymmetricKernels  // the m → ∞ form
    let eta: Double
    let problem: TrainingProblem
    let rows: Int

    let cd: TwoTimeArray, co: TwoTimeArray   // symmetric, both triangles stored
    let rd: TwoTimeArray, ro: TwoTimeArray   // R_d and R̄_o, strictly lower (causal)
    let x: TwoTimeArray                      // X = (I + ηΣ̄_R)⁻¹ = η R̄_A, unit lower triangular
    let sigmaC: TwoTimeArray                 // Σ_C, both triangles
    let caStore: TwoTimeArray?               // C̄_A rows, on request
    var a: [Double], v: [Double]

    /// One contiguous block of row buffers, `slots × rows`; the pairs (3,4), (5,6), (8,9),
    /// (10,11), (13,14) are read and written as two-row matrices with leading dimension `rows`.
    private let buffer: UnsafeMutablePointer<Double>
    private static let slots = 17
    private func slot(_ i: Int) -> UnsafeMutablePointer<Double> { buffer + i * rows }
    private var sigmaR: UnsafeMutablePointer<Double> { slot(0) }
    private var ca: UnsafeMutablePointer<Double> { slot(1) }
    private var w: UnsafeMutablePointer<Double> { slot(2) }
    // Kernels times the column weight η on row k (K_o with the discrete δ X[k,k] = 1).
    private var kd: UnsafeMutablePointer<Double> { slot(3) }
    private var ko: UnsafeMutablePointer<Double> { slot(4) }
    private var nd: UnsafeMutablePointer<Double> { slot(5) }
    private var no: UnsafeMutablePointer<Double> { slot(6) }
    // Memory sums against the history, indexed by the second time l.
    private var kdCd: UnsafeMutablePointer<Double> { slot(7) }   // Σ_s K_d[s] C_d(s,l)
    private var kdCo: UnsafeMutablePointer<Double> { slot(8) }   // Σ_s K_d[s] C_o(s,l)
    private var koCo: UnsafeMutablePointer<Double> { slot(9) }   // Σ_s K_o[s] C_o(s,l)
    private var kdRd: UnsafeMutablePointer<Double> { slot(10) }  // Σ_s K_d[s] R_d(s,l)
    private var koRd: UnsafeMutablePointer<Double> { slot(11) }  // Σ_s K_o[s] R_d(s,l)
    private var kRo: UnsafeMutablePointer<Double> { slot(12) }   // Σ_s (K_d + K_o)[s] R̄_o(s,l)
    private var ndRd: UnsafeMutablePointer<Double> { slot(13) }  // Σ_s N_d[s] R_d(l,s)
    private var noRd: UnsafeMutablePointer<Double> { slot(14) }  // Σ_s N_o[s] R_d(l,s)
    private var noRo: UnsafeMutablePointer<Double> { slot(15) }  // Σ_s N_o[s] R̄_o(l,s)
    private var weights: UnsafeMutablePointer<Double> { slot(16) }  // the column weight η of every s

    init(problem: TrainingProblem, step: Double, rows: Int, keep: Bool) throws {
        self.problem = problem
        equations = SymmetricKernels(infiniteWidth: problem)
        eta = step
        self.rows = rows
        cd = try TwoTimeArray(size: rows)
        co = try TwoTimeArray(size: rows)
        rd = try TwoTimeArray(size: rows)
        ro = try TwoTimeArray(size: rows)
        x = try TwoTimeArray(size: rows)
        sigmaC = try TwoTimeArray(size: rows)
        caStore = keep ? try TwoTimeArray(size: rows) : nil
        buffer = .allocate(capacity: Self.slots * rows)
        buffer.initialize(repeating: 0, count: Self.slots * rows)
        a = [problem.initialSecondLayer]
        v = [0]
        a.reserveCapacity(rows)
        v.reserveCapacity(rows)
        cd[0, 0] = 1
        weights.update(repeating: step, count: rows)
    }

    deinit { buffer.deallocate() }

    /// Everything at row `k` (the last one stored); unless `last`, also appends row `k+1`.
    /// Returns the observables in `InfiniteWidthLimit.columns` order.
    func advance(from k: Int, last: Bool) throws -> [Double] {
        let ld = Int32(rows), kk = Int32(k + 1)
        let eq = equations
        let ak = a[k], vk = v[k]
        let phiHatK = eq.covariance.phiHat(vk)
        let cdRow = cd.row(k), coRow = co.row(k), rdRow = rd.row(k), roRow = ro.row(k)
        let history = TwoTimeRow(cd: cdRow, co: coRow, rd: rdRow, ro: roRow)

        // 1–3. Σ_C, Σ̄_R, row k of X = (I + ηΣ̄_R)⁻¹ and of C̄_A = −X Σ_C Xᵀ.
        eq.selfEnergyRow(
            k, a: a, v: v, weights: weights, history, sigmaC: sigmaC, x: x, caStore: caStore,
            sigmaR: sigmaR, ca: ca, scratch: w)
        let xRow = x.row(k)

        // 4. Kernels times η (K_d = η M^R_d without its O(1/m) local part, K_o = η M^R_o,
        //    N_x = η M^C_x, all at ᾱ), and the one-time sums of row k.
        let sums = eq.memoryRow(
            k, a: a, v: v, weights: weights, history, x: xRow, ca: ca, responseKernels: kd, correlationKernels: nd,
            stride: rows)
        let phiHatPrimeK = eq.covariance.phiHatDerivative(vk)
        let source = eq.source(a: ak, phiHatPrime: phiHatPrimeK, sums)
        let nu = eq.multiplier(a: ak, v: vk, phiHatPrime: phiHatPrimeK, sums)

        let trainError = -0.5 * ca[k]
        let testError = eq.testError(secondLayer: ak, phiHat: phiHatK, equalTimeOverlap: coRow[k])
        let row = [Double(k) * eta, trainError, testError, ak, vk, cdRow[0], coRow[k], nu]
        try checkAdmissible(k: k, row: row)
        if last { return row }

        // 5. One-time functions at k+1.
        let da = eq.secondLayerRate(secondLayer: ak, phiHat: phiHatK, sums)
        let dv = eq.overlapRate(nu: nu, v: vk, source: source, sums)
        a.append(problem.trainSecondLayer ? ak + eta * da : ak)
        v.append(vk + eta * dv)

        // 6. Memory sums against the history (s, l = 0…k), two kernel rows at a time where
        //    they share a matrix ([K_d; K_o] and [N_d; N_o] are adjacent rows of the buffer).
        //    C_d, C_o are symmetric, so Σ_s K[s] C(s,l) = (K C)[l]; the responses are strictly
        //    lower triangular: Σ_s K[s] R(s,l) = (K R)[l] and Σ_s N[s] R(l,s) = (N Rᵀ)[l].
        cblas_dgemv(CblasRowMajor, CblasNoTrans, kk, kk, 1, cd.base, ld, kd, 1, 0, kdCd, 1)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, kk, kk, 1, kd, ld, co.base, ld, 0, kdCo, ld)
        for s in 0...k {
            kdRd[s] = kd[s]; koRd[s] = ko[s]; kRo[s] = kd[s] + ko[s]
            ndRd[s] = nd[s]; noRd[s] = no[s]; noRo[s] = no[s]
        }
        cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, 2, kk, 1, rd.base, ld, kdRd, ld)
        cblas_dtrmv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, kk, ro.base, ld, kRo, 1)
        cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, 2, kk, 1, rd.base, ld, ndRd, ld)
        cblas_dtrmv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, kk, ro.base, ld, noRo, 1)

        // 7. Euler step to row k+1. These are the m → ∞ limits of `SymmetricKernels.twoTimeRates`
        //    in the rescaled variables, which keep other terms than width m does (see above).
        let next = k + 1
        let cdNext = cd.row(next), coNext = co.row(next), rdNext = rd.row(next), roNext = ro.row(next)
        var dCdDiagonal = 0.0, dCoDiagonal = 0.0
        for l in 0...k {
            let dCd = -nu * cdRow[l] + source * v[l] - kdCd[l] - koCo[l] - ndRd[l] - noRo[l]
            let dCo = -nu * coRow[l] + source * v[l] - kdCo[l] - koCo[l] - noRd[l] - noRo[l]
            let dRd = -nu * rdRow[l] - kdRd[l]
            let dRo = -nu * roRow[l] - kRo[l] - koRd[l]
            cdNext[l] = cdRow[l] + eta * dCd
            coNext[l] = coRow[l] + eta * dCo
            rdNext[l] = rdRow[l] + eta * dRd
            roNext[l] = roRow[l] + eta * dRo
            if l == k { (dCdDiagonal, dCoDiagonal) = (dCd, dCo) }
        }
        rdNext[k] += 1  // δ(T − T'): R_d(T_{k+1}, T_k) = 1
        // Equal times move with twice the first-time derivative. For C_d that derivative is
        // zero by the choice of ν̄ (up to rounding), so C_d(T,T) = 1 is kept, not imposed.
        cdNext[next] = cdRow[k] + 2 * eta * dCdDiagonal
        coNext[next] = coRow[k] + 2 * eta * dCoDiagonal
        for l in 0...next {
            cd[l, next] = cdNext[l]
            co[l, next] = coNext[l]
        }
        return row
    }

    /// Stops the run as soon as the solution leaves the set a true solution lives in.
    private func checkAdmissible(k: Int, row: [Double]) throws {
        let t = row[0]
        let coTT = co[k, k]
        let rate = equations.stiffRate(secondLayer: a[k], equalTimeOverlap: min(max(coTT, 0), 1))
        let advice = "the explicit Euler step must satisfy step·2ᾱa²h'(C_o(T,T)) ≲ 2 (here \(fmt(eta * rate))); "
            + "rerun with step ≤ \(fmt(0.5 / max(rate, 1e-300)))"
        if !row.allSatisfy(\.isFinite) || !cd[k, k].isFinite {
            throw DMFTError.diverged("non-finite values at T = \(fmt(t)); \(advice)")
        }
        let slack = 1e-6
        if coTT > 1 + slack || coTT < -slack {
            throw DMFTError.diverged(
                "C_o(T,T) = \(fmt(coTT)) left [0, 1] at T = \(fmt(t)) (not a limit of Gram matrices); \(advice)")
        }
        if abs(cd[k, k] - 1) > slack {
            throw DMFTError.diverged("C_d(T,T) = \(fmt(cd[k, k])) drifted from 1 at T = \(fmt(t)); \(advice)")
        }
        if abs(v[k]) > 1 + slack {
            throw DMFTError.diverged("|v| = \(fmt(abs(v[k]))) > 1 at T = \(fmt(t)); \(advice)")
        }
        if row[1] < -slack * max(1, row[2]) {
            throw DMFTError.diverged("train error \(fmt(row[1])) < 0 at T = \(fmt(t)); \(advice)")
        }
    }

    func twoTimeFunctions() -> TwoTimeFunctions {
        let n = a.count
        return TwoTimeFunctions(
            times: (0..<n).map { Double($0) * eta },
            diagonalCorrelation: cd.lowerRows(n), offDiagonalCorrelation: co.lowerRows(n),
            diagonalResponse: rd.lowerRows(n), offDiagonalResponse: ro.lowerRows(n),
            residualCorrelation: caStore?.lowerRows(n) ?? [], residualResponseTimesStep: x.lowerRows(n),
            sigmaC: sigmaC.lowerRows(n))
    }
}
