import CNumerics
import Foundation

/// Hooks a long computation calls back into: progress reports and cancellation.
public struct RunControl: Sendable {
    /// Called with the completed fraction in [0, 1], at most about every 1%.
    public var progress: (@Sendable (Double) -> Void)?
    /// Polled between steps; returning `true` stops the run with `DMFTError.cancelled`.
    public var isCancelled: (@Sendable () -> Bool)?

    public init(progress: (@Sendable (Double) -> Void)? = nil, isCancelled: (@Sendable () -> Bool)? = nil) {
        self.progress = progress
        self.isCancelled = isCancelled
    }
}

/// The two-time functions of a symmetric DMFT run on its grid (for inspection and
/// tests). Row `k` of each holds the values at `(t_k, t_s)` for `s = 0…k`.
public struct TwoTimeFunctions: Sendable {
    public let step: Double
    public let diagonalCorrelation: [[Double]]      // C_d
    public let offDiagonalCorrelation: [[Double]]   // C_o
    public let diagonalResponse: [[Double]]         // R_d
    public let offDiagonalResponse: [[Double]]      // R_o
    /// `C_A` row by row as the solver computed it (incrementally, with BLAS).
    public let residualCorrelation: [[Double]]
    /// `(I + ηΣ_R)⁻¹ = η R_A`, unit lower triangular.
    public let residualResponseTimesStep: [[Double]]
    /// `Σ_C`, full rows `s = 0…k`.
    public let sigmaC: [[Double]]
}

/// The result of a DMFT solve: the observables, plus anything the user should know.
public struct DMFTSolution: Sendable {
    public let trajectory: Trajectory
    /// Warnings about the run (e.g. a step near the explicit stability limit).
    public let warnings: [String]
    /// Present when requested with `keepTwoTimeFunctions`.
    public let twoTime: TwoTimeFunctions?
}

/// The paper's uniform-grid scheme (appendix D; `model-and-dmft.md` §3.3) for the
/// symmetric-initialisation DMFT (§3.2): forward Euler in the later time, rectangle sums
/// for the memory integrals, `R_A = η⁻¹(I + ηΣ_R)⁻¹` by forward substitution and
/// `C_A = −(I + ηΣ_R)⁻¹ Σ_C (I + ηΣ_R)⁻ᵀ`. First order in η, O(N²) memory, O(N³) work.
///
/// The O(k²) work of step k is done by BLAS (OpenBLAS): triangular and general
/// matrix–vector and two-row matrix–matrix products against the stored history. No
/// allocation happens inside the time loop.
///
/// Memory: six (N+1)² arrays of doubles, N = duration/step; N = 5000 needs 1.2 GB,
/// N = 10⁴ 4.8 GB. Explicit Euler is stable only for `step · α a² (2h'(0) + h'(1)/m) ≲ 2`.
public struct UniformEulerSolver: Sendable {
    /// Requested time step; the step used is `gridStep` (≤ this), so that the grid ends at `duration`.
    public var step: Double
    /// Final time; the grid is `t_k = k·gridStep`, `k = 0…N`, `N = ⌈duration/step⌉`.
    public var duration: Double
    /// Refuse runs whose two-time arrays would need more than this (default 8 GB).
    public var memoryLimitBytes: Int = 8_000_000_000
    /// Keep the two-time functions in the solution (only sensible for small N).
    public var keepTwoTimeFunctions = false

    public init(step: Double, duration: Double) {
        self.step = step
        self.duration = duration
    }

    /// A step for which the explicit scheme is comfortably stable at the initial
    /// condition: `min(0.05, 0.5 / rate)` with the stiff rate of `problem` at `a(0)`.
    public static func suggestedStep(for problem: TrainingProblem) -> Double {
        let rate = problem.stiffRate(secondLayer: problem.initialSecondLayer)
        return min(0.05, rate > 0 ? 0.5 / rate : 0.05)
    }

    /// Number of steps `N = ⌈duration/step⌉` (capped at 10⁹ for absurd inputs, which `solve` refuses).
    public var stepCount: Int {
        let n = (duration / step * (1 - 1e-12)).rounded(.up)
        return n.isFinite && n >= 0 ? Int(min(n, 1e9)) : Int(1e9)
    }

    /// The step actually used, `duration/N`: the requested step, or slightly less when
    /// `duration` is not a multiple of it.
    public var gridStep: Double { duration / Double(max(stepCount, 1)) }

    /// Bytes of two-time storage a run needs.
    public var memoryNeeded: Double {
        Double(keepTwoTimeFunctions ? 7 : 6) * Double(stepCount + 1) * Double(stepCount + 1) * 8
    }

    /// Integrates `problem` on `[0, duration]`.
    /// - Throws: `DMFTError.invalidInput` for bad settings, `.diverged` if the solution
    ///   leaves the admissible set (it never returns non-finite values), `.cancelled`.
    public func solve(_ problem: TrainingProblem, control: RunControl = RunControl()) throws -> DMFTSolution {
        try problem.validate()
        guard step.isFinite && step > 0 else { throw DMFTError.invalidInput("time step must be positive, got \(step)") }
        guard duration.isFinite && duration > 0 else {
            throw DMFTError.invalidInput("duration (tmax) must be positive, got \(duration)")
        }
        guard stepCount >= 1 else { throw DMFTError.invalidInput("tmax \(duration) is shorter than one step \(step)") }
        guard memoryNeeded <= Double(memoryLimitBytes) else {
            throw DMFTError.invalidInput(
                "N = \(stepCount) steps need \(Int(memoryNeeded / 1e6)) MB of two-time storage (limit "
                    + "\(memoryLimitBytes / 1_000_000) MB); increase the step or shorten tmax")
        }
        var warnings: [String] = []
        let eta = gridStep
        if abs(eta - step) > 1e-12 * step {
            warnings.append("dt reduced from \(step) to \(eta) so that the grid ends at tmax = \(duration)")
        }
        let rate0 = problem.stiffRate(secondLayer: problem.initialSecondLayer)
        if eta * rate0 > 1 {
            warnings.append(
                "dt = \(fmt(eta)) is near or beyond the explicit-Euler stability limit at t = 0 "
                    + "(dt·α a²(2h'(0)+h'(1)/m) = \(fmt(eta * rate0)) > 1); dt ≤ \(fmt(0.5 / rate0)) is safe")
        }
        var state = try EulerState(problem: problem, steps: stepCount, step: eta, keep: keepTwoTimeFunctions)
        var trajectory = Trajectory(observables: Observable.dmftColumns)
        trajectory.reserveCapacity(stepCount + 1)
        let reportEvery = max(1, stepCount / 100)
        for k in 0...stepCount {
            if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
            let row = try state.advance(from: k, isLast: k == stepCount)
            trajectory.append(row)
            if k % reportEvery == 0 || k == stepCount { control.progress?(Double(k) / Double(stepCount)) }
        }
        return DMFTSolution(trajectory: trajectory, warnings: warnings, twoTime: state.twoTimeFunctions())
    }
}

func fmt(_ x: Double) -> String { String(format: "%.4g", x) }

/// The history and work buffers of one uniform-grid run. `advance(from:)` computes
/// everything at time row k and, unless it is the last, the row k+1 of C and R.
private struct EulerState {
    let problem: TrainingProblem
    let n: Int           // grid points N + 1 (leading dimension)
    let eta: Double
    let m: Double, p: Double, q: Double, alpha: Double
    let h: PowerSeries
    let cov: CovarianceModel
    let noiseAndSignal: Double  // τ² + ‖φ‖²

    // Two-time history (row = later time).
    let cd: TwoTimeArray, co: TwoTimeArray   // symmetric, both triangles stored
    let rd: TwoTimeArray, ro: TwoTimeArray   // strictly lower (causal)
    let x: TwoTimeArray                      // (I + ηΣ_R)⁻¹, unit lower triangular
    let sigmaC: TwoTimeArray                 // Σ_C, symmetric, both triangles stored
    let caStore: TwoTimeArray?               // C_A rows, kept only on request

    // One-time functions.
    var a: [Double], v: [Double]

    // Row buffers, length n (rows of 2×n for the two-row products).
    var sigmaR: [Double], ca: [Double], w: [Double]
    var memR: [Double]    // [ηM^R_d ; ηM^R_o]
    var memC: [Double]    // [ηM^C_d ; ηM^C_o]
    var byCd: [Double], byCo: [Double], byRd: [Double], byRo: [Double]
    var mcByRd: [Double], mcByRo: [Double]

    init(problem: TrainingProblem, steps: Int, step: Double, keep: Bool) throws {
        self.problem = problem
        n = steps + 1
        eta = step
        m = Double(problem.width)
        p = 1 / m
        q = (m - 1) / m
        alpha = problem.alpha
        h = problem.covariance.h
        cov = problem.covariance
        noiseAndSignal = problem.noise * problem.noise + problem.covariance.phiNorm2
        cd = try TwoTimeArray(size: n)
        co = try TwoTimeArray(size: n)
        rd = try TwoTimeArray(size: n)
        ro = try TwoTimeArray(size: n)
        x = try TwoTimeArray(size: n)
        sigmaC = try TwoTimeArray(size: n)
        caStore = keep ? try TwoTimeArray(size: n) : nil
        a = [Double](repeating: 0, count: n)
        v = [Double](repeating: 0, count: n)
        a[0] = problem.initialSecondLayer
        cd[0, 0] = 1
        co[0, 0] = 0
        sigmaR = [Double](repeating: 0, count: n)
        ca = sigmaR; w = sigmaR
        memR = [Double](repeating: 0, count: 2 * n)
        memC = memR; byCd = memR; byCo = memR; byRd = memR; byRo = memR; mcByRd = memR; mcByRo = memR
    }

    /// Everything at time row `k`; returns the observables in `Observable.dmftColumns` order.
    mutating func advance(from k: Int, isLast: Bool) throws -> [Double] {
        let kk = Int32(k + 1)   // entries s = 0…k
        let ld = Int32(n)
        let ak = a[k], vk = v[k]
        let phiHatK = cov.phiHat(vk), phiHatPrimeK = cov.phiHatDerivative(vk)
        let cdRow = cd.row(k), coRow = co.row(k), rdRow = rd.row(k), roRow = ro.row(k)

        // 1. Self-energies on row k.
        let sigmaCRow = sigmaC.row(k)
        for s in 0...k {
            let value = noiseAndSignal - ak * phiHatK - a[s] * cov.phiHat(v[s])
                + ak * a[s] * (p * h(cdRow[s]) + q * h(coRow[s]))
            sigmaCRow[s] = value
            sigmaC[s, k] = value
        }
        for s in 0..<k {
            sigmaR[s] = ak * a[s] * (p * h.derivative(cdRow[s]) * rdRow[s] + q * h.derivative(coRow[s]) * roRow[s])
        }

        // 2. Row k of X = (I + ηΣ_R)⁻¹: X[k, 0..<k] = −η Σ_R[k, 0..<k] · X[0..<k, 0..<k].
        let xRow = x.row(k)
        if k > 0 {
            for s in 0..<k { xRow[s] = -eta * sigmaR[s] }
            cblas_dtrmv(CblasRowMajor, CblasLower, CblasTrans, CblasUnit, Int32(k), x.base, ld, xRow, 1)
        }
        xRow[k] = 1

        // 3. Row k of C_A = −X Σ_C Xᵀ: w = Σ_C X[k,:]ᵀ, then C_A[k, l] = −(X w)[l].
        cblas_dgemv(CblasRowMajor, CblasNoTrans, kk, kk, 1, sigmaC.base, ld, xRow, 1, 0, &w, 1)
        cblas_dtrmv(CblasRowMajor, CblasLower, CblasNoTrans, CblasUnit, kk, x.base, ld, &w, 1)
        for s in 0...k { ca[s] = -w[s] }
        if let caStore { for s in 0...k { caStore[k, s] = ca[s] } }

        // 4. Observables.
        let trainError = -0.5 * ca[k]
        let testError = 0.5 * (noiseAndSignal - 2 * ak * phiHatK + ak * ak * (p * h(1) + q * h(coRow[k])))

        // 5. Memory kernels times η on row k (R_A = X/η carries the discrete δ at s = k).
        var intRA = 0.0, drift = 0.0, responseDrift = 0.0, vMemory = 0.0, nuMemory = 0.0
        for s in 0...k {
            let cds = cdRow[s], cos = coRow[s]
            let hpd = h.derivative(cds), hpo = h.derivative(cos)
            let aa = alpha * ak * a[s]
            let mrd = aa * (xRow[s] * hpd + eta * ca[s] * h.secondDerivative(cds) * rdRow[s])
            let mro = aa * (xRow[s] * hpo + eta * ca[s] * h.secondDerivative(cos) * roRow[s])
            let mcd = eta * aa * ca[s] * hpd
            let mco = eta * aa * ca[s] * hpo
            memR[s] = mrd; memR[n + s] = mro
            memC[s] = mcd; memC[n + s] = mco
            intRA += xRow[s]
            drift += xRow[s] * a[s] * (p * h(cds) + q * h(cos))
            responseDrift += ca[s] * a[s] * (p * hpd * rdRow[s] + q * hpo * roRow[s])
            vMemory += (p * mrd + q * mro) * v[s]
            nuMemory += p * mrd * cds + q * mro * cos + p * mcd * rdRow[s] + q * mco * roRow[s]
        }
        let nu = alpha * ak * phiHatPrimeK * vk * intRA - nuMemory

        let row = [
            Double(k) * eta, trainError, testError, ak, ak / m.squareRoot(), vk, cdRow[0], coRow[k], nu,
        ]
        try checkAdmissible(k: k, row: row)
        if isLast { return row }

        // 6. One-time functions at k+1.
        let da = alpha * phiHatK * intRA - alpha * drift - alpha * eta * responseDrift
        let dv = -nu * vk + alpha * ak * phiHatPrimeK * intRA - vMemory
        a[k + 1] = problem.trainSecondLayer ? ak + eta * da : ak
        v[k + 1] = vk + eta * dv

        // 7. Memory integrals against the history, two kernel rows at a time.
        //    by*[r·n + l] = Σ_s memR_r[s] Y[s, l]   (r = 0: M^R_d, r = 1: M^R_o)
        //    mcBy*[r·n + l] = Σ_s memC_r[s] Y[l, s]
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, kk, kk, 1, memR, ld, cd.base, ld, 0, &byCd, ld)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, kk, kk, 1, memR, ld, co.base, ld, 0, &byCo, ld)
        copyTwoRows(memR, into: &byRd, count: k + 1)
        copyTwoRows(memR, into: &byRo, count: k + 1)
        cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, 2, kk, 1, rd.base, ld, &byRd, ld)
        cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, 2, kk, 1, ro.base, ld, &byRo, ld)
        copyTwoRows(memC, into: &mcByRd, count: k + 1)
        copyTwoRows(memC, into: &mcByRo, count: k + 1)
        cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, 2, kk, 1, rd.base, ld, &mcByRd, ld)
        cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, 2, kk, 1, ro.base, ld, &mcByRo, ld)

        // 8. Euler step for row k+1 of C_d, C_o, R_d, R_o.
        let next = k + 1
        let cdNext = cd.row(next), coNext = co.row(next), rdNext = rd.row(next), roNext = ro.row(next)
        let source = alpha * ak * phiHatPrimeK * intRA
        let mMinus2 = m - 2
        for l in 0...k {
            let dCd = -nu * cdRow[l] + source * v[l]
                - (p * byCd[l] + q * byCo[n + l])
                - (p * mcByRd[l] + q * mcByRo[n + l])
            let dCo = -nu * coRow[l] + source * v[l]
                - p * (byCo[l] + byCd[n + l] + mMinus2 * byCo[n + l])
                - p * (mcByRo[l] + mcByRd[n + l] + mMinus2 * mcByRo[n + l])
            let dRd = -nu * rdRow[l] - (p * byRd[l] + q * byRo[n + l])
            let dRo = -nu * roRow[l] - p * (byRo[l] + byRd[n + l] + mMinus2 * byRo[n + l])
            cdNext[l] = cdRow[l] + eta * dCd
            coNext[l] = coRow[l] + eta * dCo
            rdNext[l] = rdRow[l] + eta * dRd
            roNext[l] = roRow[l] + eta * dRo
        }
        rdNext[k] += 1   // the δ(t − t') source: R(t_{k+1}, t_k) = 1 + O(η)
        // Equal times: C_d(t,t) = 1 by ν; C_o(t,t) moves with twice the first-time derivative.
        cdNext[next] = 1
        coNext[next] = coRow[k] + 2 * (coNext[k] - coRow[k])
        for l in 0...next {
            cd[l, next] = cdNext[l]
            co[l, next] = coNext[l]
        }
        return row
    }

    private func copyTwoRows(_ source: [Double], into target: inout [Double], count: Int) {
        source.withUnsafeBufferPointer { src in
            target.withUnsafeMutableBufferPointer { dst in
                for r in 0..<2 {
                    (dst.baseAddress! + r * n).update(from: src.baseAddress! + r * n, count: count)
                }
            }
        }
    }

    /// Stops the run as soon as the solution leaves the set a true solution lives in.
    private func checkAdmissible(k: Int, row: [Double]) throws {
        let t = Double(k) * eta
        let rate = problem.stiffRate(secondLayer: a[k])
        let advice = "the explicit Euler step must satisfy dt·α a²(2h'(0)+h'(1)/m) ≲ 2 "
            + "(here \(fmt(eta * rate))); rerun with --dt ≤ \(fmt(0.5 / max(rate, 1e-300)))"
        if !row.allSatisfy(\.isFinite) {
            throw DMFTError.diverged("non-finite values at t = \(fmt(t)); \(advice)")
        }
        let slack = 1e-6
        let coTT = co[k, k]
        if coTT > 1 + slack || coTT < -1 / max(m - 1, 1) - slack {
            throw DMFTError.diverged(
                "C_o(t,t) = \(fmt(coTT)) left [−1/(m−1), 1] at t = \(fmt(t)) (not a Gram matrix); \(advice)")
        }
        if abs(v[k]) > 1 + slack {
            throw DMFTError.diverged("|v| = \(fmt(abs(v[k]))) > 1 at t = \(fmt(t)); \(advice)")
        }
        if row[1] < -slack * max(1, row[2]) {
            throw DMFTError.diverged("train error \(fmt(row[1])) < 0 at t = \(fmt(t)); \(advice)")
        }
    }

    func twoTimeFunctions() -> TwoTimeFunctions? {
        guard let caStore else { return nil }
        return TwoTimeFunctions(
            step: eta,
            diagonalCorrelation: cd.lowerRows(n), offDiagonalCorrelation: co.lowerRows(n),
            diagonalResponse: rd.lowerRows(n), offDiagonalResponse: ro.lowerRows(n),
            residualCorrelation: caStore.lowerRows(n), residualResponseTimesStep: x.lowerRows(n),
            sigmaC: sigmaC.lowerRows(n))
    }
}
