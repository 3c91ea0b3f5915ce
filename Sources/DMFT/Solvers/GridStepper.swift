import CNumerics
import Foundation

/// One first-order step of the symmetric DMFT (`docs/equations.md`) on a grid whose steps
/// may vary, `t_{k+1} = t_k + η_k`. Memory integrals are left-rectangle sums with column
/// weight `η_s`, and `R_A = X W⁻¹` with `X = (I + Σ_R W)⁻¹`, `W = diag(η_s)`, so the
/// discrete δ is `X[k,k] = 1`. On a uniform grid this is exactly the paper's scheme.
/// The equations themselves are `SymmetricKernels` (width m); this type owns the grid, the
/// BLAS products against the history and the step.
///
/// With `implicitLocalTerms`, the stiff local term of the `C_o`, `R_o` equations,
/// `−(m−2)/m · α a(t)² h'(C_o(t,t)) · Y(t,t')` (the δ part of `R_A` in `M^R_o`,
/// `docs/long-time.md`), is taken at the new time (linearly implicit Euler), which removes
/// the step bound `η ≲ 1/(α a² h'(0))` without changing the order of the scheme.
///
/// The history grows on demand (`capacity`); every `advance` call appends one row.
struct GridStepper {
    let problem: TrainingProblem
    let implicitLocalTerms: Bool
    let equations: SymmetricKernels
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
        equations = SymmetricKernels(problem)
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
        let eq = equations
        let ak = a[k], vk = v[k]
        let phiHatK = eq.covariance.phiHat(vk), phiHatPrimeK = eq.covariance.phiHatDerivative(vk)
        let cdRow = cd.row(k), coRow = co.row(k), rdRow = rd.row(k), roRow = ro.row(k)
        let history = TwoTimeRow(cd: cdRow, co: coRow, rd: rdRow, ro: roRow)

        // 1–3. Σ_C, Σ_R, row k of X = (I + Σ_R W)⁻¹ and of C_A = −X Σ_C Xᵀ.
        eq.selfEnergyRow(
            k, a: a, v: v, weights: weights, history, sigmaC: sigmaC, x: x, caStore: caStore,
            sigmaR: &sigmaR, ca: &ca, scratch: &w)
        let xRow = x.row(k)

        // 4. Observables.
        let trainError = -0.5 * ca[k]
        let testError = eq.testError(secondLayer: ak, phiHat: phiHatK, equalTimeOverlap: coRow[k])

        // 5. Memory kernels times the column weight on row k (X carries the discrete δ at s = k).
        let sums = eq.memoryRow(
            k, a: a, v: v, weights: weights, history, x: xRow, ca: ca,
            responseKernels: &memR, correlationKernels: &memC, stride: n)
        let nu = problem.trainFirstLayer ? eq.multiplier(a: ak, v: vk, phiHatPrime: phiHatPrimeK, sums) : 0

        let row = [
            times[k], trainError, testError, ak, ak / eq.m.squareRoot(), vk, cdRow[0], coRow[k], nu,
        ]
        try checkAdmissible(k: k, row: row)
        guard step != nil else { return row }

        // 6. One-time functions at k+1.
        let source = eq.source(a: ak, phiHatPrime: phiHatPrimeK, sums)
        let da = eq.secondLayerRate(secondLayer: ak, phiHat: phiHatK, sums)
        let dv = eq.overlapRate(nu: nu, v: vk, source: source, sums)
        a.append(problem.trainSecondLayer ? ak + eta * da : ak)
        v.append(problem.trainFirstLayer ? vk + eta * dv : vk)
        steps.append(eta)
        times.append(nextTime!)
        guard problem.trainFirstLayer else {
            holdFirstLayer(after: k)
            return row
        }

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
        let lambda = implicitLocalTerms ? eq.localRate(offDiagonalKernelAtEqualTimes: memR[n + k]) : 0
        let damping = 1 / (1 + eta * lambda)
        var dCoDiagonal = 0.0
        for l in 0...k {
            let rate = eq.twoTimeRates(
                nu: nu, source: source, vColumn: v[l], cd: cdRow[l], co: coRow[l], rd: rdRow[l], ro: roRow[l],
                rCd: (byCd[l], byCd[n + l]), rCo: (byCo[l], byCo[n + l]), rRd: (byRd[l], byRd[n + l]),
                rRo: (byRo[l], byRo[n + l]), cRd: (mcByRd[l], mcByRd[n + l]), cRo: (mcByRo[l], mcByRo[n + l]))
            cdNext[l] = cdRow[l] + eta * rate.cd
            rdNext[l] = rdRow[l] + eta * rate.rd
            if lambda > 0 {
                coNext[l] = (coRow[l] + eta * (rate.co + lambda * coRow[l])) * damping
                roNext[l] = (roRow[l] + eta * (rate.ro + lambda * roRow[l])) * damping
            } else {
                coNext[l] = coRow[l] + eta * rate.co
                roNext[l] = roRow[l] + eta * rate.ro
            }
            if l == k { dCoDiagonal = rate.co }
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

    /// The first layer frozen (`docs/equations.md`, Training options): nothing of it moves, so
    /// row k+1 of `C_d`, `C_o`, `R_d`, `R_o` is row k (R stays 0: no δ source) and the equal-time
    /// values stay; ν plays no role (reported as 0).
    private mutating func holdFirstLayer(after k: Int) {
        let next = k + 1
        for y in [cd, co, rd, ro] {
            let row = y.row(k), nextRow = y.row(next)
            for l in 0...k { nextRow[l] = row[l] }
            nextRow[next] = row[k]
        }
        for y in [cd, co] {
            for l in 0...next { y[l, next] = y[next, l] }
        }
        rowCurvature = 0
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
        let rate = equations.stiffRate(secondLayer: a[k])
        let advice = implicitLocalTerms
            ? "the step (\(fmt(eta))) is too coarse for the dynamics here; lower the tolerance"
            : "the explicit Euler step must satisfy dt·α a²(2h'(0)+h'(1)/m) ≲ 2 "
                + "(here \(fmt(eta * rate))); rerun with --dt ≤ \(fmt(0.5 / max(rate, 1e-300)))"
        if !row.allSatisfy(\.isFinite) {
            throw DMFTError.diverged("non-finite values at t = \(fmt(t)); \(advice)")
        }
        let slack = 1e-6
        let coTT = co[k, k]
        if coTT > 1 + slack || coTT < -1 / max(equations.m - 1, 1) - slack {
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
