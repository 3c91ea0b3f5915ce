import CNumerics
import Foundation

/// One first-order step of the symmetric DMFT (`docs/equations.md`) on a grid whose steps
/// may vary, `t_{k+1} = t_k + η_k`. Memory integrals are left-rectangle sums with column
/// weight `η_s`, and `R_A = X W⁻¹` with `X = (I + Σ_R W)⁻¹`, `W = diag(η_s)`, so the
/// discrete δ is `X[k,k] = 1`. On a uniform grid this is exactly the paper's scheme.
///
/// With `implicitLocalTerms`, the stiff local term of the `C_o`, `R_o` equations,
/// `−(m−2)/m · α a(t)² h'(C_o(t,t)) · Y(t,t')` (the δ part of `R_A` in `M^R_o`,
/// `long-time.md`), is taken at the new time (linearly implicit Euler), which removes
/// the step bound `η ≲ 1/(α a² h'(0))` without changing the order of the scheme.
///
/// The history grows on demand (`capacity`); every `advance` call appends one row.
struct GridStepper {
    let problem: TrainingProblem
    let implicitLocalTerms: Bool
    let m: Double, p: Double, q: Double, alpha: Double
    let h: PowerSeries
    let cov: CovarianceModel
    let noiseAndSignal: Double  // τ² + ‖φ‖²
    private(set) var capacity: Int

    // Two-time history (row = later time).
    let cd: TwoTimeArray, co: TwoTimeArray   // symmetric, both triangles stored
    let rd: TwoTimeArray, ro: TwoTimeArray   // strictly lower (causal)
    let x: TwoTimeArray                      // (I + Σ_R W)⁻¹, unit lower triangular
    let sigmaC: TwoTimeArray                 // Σ_C, symmetric, both triangles stored
    let caStore: TwoTimeArray?               // C_A rows, kept only on request

    // One-time functions: grid times, steps η_k = t_{k+1} − t_k, a, v.
    var times: [Double], steps: [Double], a: [Double], v: [Double]

    /// max over columns of |Δ²Y/Δt²| on the last new row (C_d, C_o, R_d, R_o): the local
    /// curvature in the first time, for step-size control.
    var rowCurvature = 0.0

    // Row buffers, length `capacity` (rows of 2 × capacity for the two-row products).
    private var sigmaR: [Double] = [], ca: [Double] = [], w: [Double] = []
    private var weights: [Double] = []  // η_s as a buffer, for the weighted sums
    private var memR: [Double] = []    // [W M^R_d ; W M^R_o]
    private var memC: [Double] = []    // [W M^C_d ; W M^C_o]
    private var byCd: [Double] = [], byCo: [Double] = [], byRd: [Double] = [], byRo: [Double] = []
    private var mcByRd: [Double] = [], mcByRo: [Double] = []

    init(problem: TrainingProblem, capacity: Int, implicitLocalTerms: Bool, keep: Bool) throws {
        self.problem = problem
        self.implicitLocalTerms = implicitLocalTerms
        self.capacity = max(capacity, 2)
        m = Double(problem.width)
        p = 1 / m
        q = (m - 1) / m
        alpha = problem.alpha
        h = problem.covariance.h
        cov = problem.covariance
        noiseAndSignal = problem.noise * problem.noise + problem.covariance.phiNorm2
        let n = self.capacity
        cd = try TwoTimeArray(size: n)
        co = try TwoTimeArray(size: n)
        rd = try TwoTimeArray(size: n)
        ro = try TwoTimeArray(size: n)
        x = try TwoTimeArray(size: n)
        sigmaC = try TwoTimeArray(size: n)
        caStore = keep ? try TwoTimeArray(size: n) : nil
        times = [0]
        steps = []
        a = [problem.initialSecondLayer]
        v = [0]
        cd[0, 0] = 1
        co[0, 0] = 0
        allocateBuffers()
    }

    private var arrays: [TwoTimeArray] { [cd, co, rd, ro, x, sigmaC] + (caStore.map { [$0] } ?? []) }

    /// Bytes of two-time storage for `rows` grid points.
    static func bytes(rows: Int, keep: Bool) -> Double { Double(keep ? 7 : 6) * Double(rows) * Double(rows) * 8 }

    private mutating func allocateBuffers() {
        let n = capacity
        sigmaR = [Double](repeating: 0, count: n)
        ca = sigmaR; w = sigmaR
        weights = steps + [Double](repeating: 0, count: n - steps.count)
        memR = [Double](repeating: 0, count: 2 * n)
        memC = memR; byCd = memR; byCo = memR; byRd = memR; byRo = memR; mcByRd = memR; mcByRo = memR
    }

    /// Refills the weight buffer from `steps` (after `steps` was set from a checkpoint).
    mutating func restoreWeights() { allocateBuffers() }

    /// Makes room for `rows` grid points (grows by at least half the capacity).
    mutating func reserve(rows: Int) throws {
        guard rows > capacity else { return }
        let size = max(rows, capacity + capacity / 2)
        for array in arrays { try array.grow(to: size) }
        capacity = size
        allocateBuffers()
    }

    /// Everything at grid row `k` (the last row appended); with `nextTime` (> t_k), also
    /// appends row `k+1` at that time. Returns the observables in `Observable.dmftColumns` order.
    mutating func advance(from k: Int, to nextTime: Double?) throws -> [Double] {
        precondition(k == times.count - 1, "rows are appended in order")
        let step = nextTime.map { $0 - times[k] }
        if step != nil { try reserve(rows: k + 2) }
        let n = capacity
        let kk = Int32(k + 1)   // entries s = 0…k
        let ld = Int32(n)
        let eta = step ?? 0
        weights[k] = eta   // η_s, s = 0…k (the last row's own weight never enters its observables)
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

        // 2. Row k of X = (I + Σ_R W)⁻¹: X[k, 0..<k] = −(Σ_R W)[k, 0..<k] · X[0..<k, 0..<k].
        let xRow = x.row(k)
        if k > 0 {
            for s in 0..<k { xRow[s] = -weights[s] * sigmaR[s] }
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

        // 5. Memory kernels times the column weight on row k (X carries the discrete δ at s = k).
        var intRA = 0.0, drift = 0.0, responseDrift = 0.0, vMemory = 0.0, nuMemory = 0.0
        for s in 0...k {
            let cds = cdRow[s], cos = coRow[s], ws = weights[s]
            let hpd = h.derivative(cds), hpo = h.derivative(cos)
            let aa = alpha * ak * a[s]
            let mrd = aa * (xRow[s] * hpd + ws * ca[s] * h.secondDerivative(cds) * rdRow[s])
            let mro = aa * (xRow[s] * hpo + ws * ca[s] * h.secondDerivative(cos) * roRow[s])
            let mcd = ws * aa * ca[s] * hpd
            let mco = ws * aa * ca[s] * hpo
            memR[s] = mrd; memR[n + s] = mro
            memC[s] = mcd; memC[n + s] = mco
            intRA += xRow[s]
            drift += xRow[s] * a[s] * (p * h(cds) + q * h(cos))
            responseDrift += ws * ca[s] * a[s] * (p * hpd * rdRow[s] + q * hpo * roRow[s])
            vMemory += (p * mrd + q * mro) * v[s]
            nuMemory += p * mrd * cds + q * mro * cos + p * mcd * rdRow[s] + q * mco * roRow[s]
        }
        let nu = alpha * ak * phiHatPrimeK * vk * intRA - nuMemory

        let row = [
            times[k], trainError, testError, ak, ak / m.squareRoot(), vk, cdRow[0], coRow[k], nu,
        ]
        try checkAdmissible(k: k, row: row)
        guard step != nil else { return row }

        // 6. One-time functions at k+1.
        let da = alpha * phiHatK * intRA - alpha * drift - alpha * responseDrift
        let dv = -nu * vk + alpha * ak * phiHatPrimeK * intRA - vMemory
        a.append(problem.trainSecondLayer ? ak + eta * da : ak)
        v.append(vk + eta * dv)
        steps.append(eta)
        times.append(nextTime!)

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

        // 8. Step to row k+1 of C_d, C_o, R_d, R_o: Y' = (Y + η(G + λY)) / (1 + ηλ), with G the
        //    explicit derivative and λ the implicit local rate of C_o, R_o (0 when explicit).
        let next = k + 1
        let cdNext = cd.row(next), coNext = co.row(next), rdNext = rd.row(next), roNext = ro.row(next)
        let source = alpha * ak * phiHatPrimeK * intRA
        let mMinus2 = m - 2
        let lambda = implicitLocalTerms ? max(0, p * mMinus2 * memR[n + k]) : 0
        let damping = 1 / (1 + eta * lambda)
        var dCoDiagonal = 0.0
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
            rdNext[l] = rdRow[l] + eta * dRd
            if lambda > 0 {
                coNext[l] = (coRow[l] + eta * (dCo + lambda * coRow[l])) * damping
                roNext[l] = (roRow[l] + eta * (dRo + lambda * roRow[l])) * damping
            } else {
                coNext[l] = coRow[l] + eta * dCo
                roNext[l] = roRow[l] + eta * dRo
            }
            if l == k { dCoDiagonal = dCo }
        }
        if k > 0 { rowCurvature = curvatureOfNewRow(k) }
        rdNext[k] += 1   // the δ(t − t') source: R(t_{k+1}, t_k) = 1 + O(η)
        // Equal times: C_d(t,t) = 1 by ν; C_o(t,t) moves with twice the first-time
        // derivative, and so at twice the implicit rate.
        cdNext[next] = 1
        coNext[next] = (coRow[k] + 2 * eta * (dCoDiagonal + lambda * coRow[k])) / (1 + 2 * eta * lambda)
        for l in 0...next {
            cd[l, next] = cdNext[l]
            co[l, next] = coNext[l]
        }
        return row
    }

    /// max over `l < k−1` of the second divided difference in the first time of C_d, C_o,
    /// R_d, R_o at rows k−1, k, k+1 (columns that do not cross the diagonal, where R jumps
    /// and C has a cusp).
    private func curvatureOfNewRow(_ k: Int) -> Double {
        let h0 = steps[k - 1], h1 = steps[k], mid = 0.5 * (h0 + h1)
        var curvature = 0.0
        for y in [cd, co, rd, ro] {
            let before = y.row(k - 1), now = y.row(k), after = y.row(k + 1)
            for l in 0..<(k - 1) {
                let change = (after[l] - now[l]) / h1 - (now[l] - before[l]) / h0
                curvature = max(curvature, abs(change))
            }
        }
        return curvature / mid
    }

    private func copyTwoRows(_ source: [Double], into target: inout [Double], count: Int) {
        let n = capacity
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
        let t = times[k]
        let eta = k > 0 ? steps[k - 1] : 0
        let rate = problem.stiffRate(secondLayer: a[k])
        let advice = implicitLocalTerms
            ? "the step (\(fmt(eta))) is too coarse for the dynamics here; lower the tolerance"
            : "the explicit Euler step must satisfy dt·α a²(2h'(0)+h'(1)/m) ≲ 2 "
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

    /// The stored two-time functions, when the stepper was created with `keep`.
    func twoTimeFunctions() -> TwoTimeFunctions? {
        guard let caStore else { return nil }
        let rows = times.count
        return TwoTimeFunctions(
            times: times,
            diagonalCorrelation: cd.lowerRows(rows), offDiagonalCorrelation: co.lowerRows(rows),
            diagonalResponse: rd.lowerRows(rows), offDiagonalResponse: ro.lowerRows(rows),
            residualCorrelation: caStore.lowerRows(rows), residualResponseTimesStep: x.lowerRows(rows),
            sigmaC: sigmaC.lowerRows(rows))
    }
}
