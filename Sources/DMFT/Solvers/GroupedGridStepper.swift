import CNumerics
import Foundation

/// The row buffers of `GroupedGridStepper` (no allocation inside the time loop).
final class GroupedScratch {
    let sigmaR: UnsafeMutablePointer<Double>, ca: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>
    let weights: UnsafeMutablePointer<Double>
    /// Kernel blocks `ηM^R`, `ηM^C`: K blocks of K+1 rows of `capacity`.
    let memR: UnsafeMutablePointer<Double>, memC: UnsafeMutablePointer<Double>
    /// Products of the blocks with every two-time function: 2(K + K²) blocks of K+1 rows.
    let byR: UnsafeMutablePointer<Double>, byC: UnsafeMutablePointer<Double>
    /// One `GroupedKernels.Point` and one column of v.
    let point: GroupedKernels.Point, vColumn: UnsafeMutablePointer<Double>
    let sums: UnsafeMutablePointer<SymmetricKernels.RowIntegrals>
    private let sizes: [Int]
    private let doubles: [UnsafeMutablePointer<Double>]

    init(groups k: Int, capacity n: Int) {
        sizes = [n, n, n, n, k * (k + 1) * n, k * (k + 1) * n, 2 * (k + k * k) * (k + 1) * n,
                 2 * (k + k * k) * (k + 1) * n, 4 * k + 2 * k * k, k]
        doubles = sizes.map { size in
            let p = UnsafeMutablePointer<Double>.allocate(capacity: size)
            p.initialize(repeating: 0, count: size)
            return p
        }
        (sigmaR, ca, w, weights) = (doubles[0], doubles[1], doubles[2], doubles[3])
        (memR, memC, byR, byC) = (doubles[4], doubles[5], doubles[6], doubles[7])
        let base = doubles[8]
        point = GroupedKernels.Point(
            aT: base, aS: base + k, cd: base + 2 * k, rd: base + 3 * k, co: base + 4 * k, ro: base + 4 * k + k * k)
        vColumn = doubles[9]
        sums = .allocate(capacity: k)
        sums.initialize(repeating: SymmetricKernels.RowIntegrals(), count: k)
    }

    deinit {
        for p in doubles { p.deallocate() }
        sums.deallocate()
    }
}

/// One forward-Euler step of the grouped DMFT (`docs/equations.md`, Grouped DMFT) on the
/// paper's uniform grid (appendix D): the scheme of `GridStepper` with the unknowns of
/// `GroupedKernels` — `C^d_g`, `R^d_g` per group and `C^o_gh`, `R^o_gh` per ordered pair of
/// groups — and the same `X = (I + Σ_R W)⁻¹`, `C_A = −X Σ_C Xᵀ` rows (`residualKernelRow`).
/// The equations are `GroupedKernels`; this type owns the storage, the BLAS products of the
/// kernel blocks against the history and the step.
///
/// Storage: `C^d_g` is symmetric in its times (both triangles stored); `C^o_gh(t,s) = C^o_hg(s,t)`,
/// so each `C^o_gh` is kept whole, its upper triangle filled from `C^o_hg`; the responses are
/// strictly lower triangular. Pairs without two distinct neurons (g = h, `m_g = 1`) are not stored.
struct GroupedGridStepper {
    let problem: TrainingProblem
    let equations: GroupedKernels
    let capacity: Int
    private let k: Int   // number of groups K

    let cd: [TwoTimeArray], rd: [TwoTimeArray]          // per group
    let co: [TwoTimeArray?], ro: [TwoTimeArray?]        // per pair g·K + h
    let x: TwoTimeArray, sigmaC: TwoTimeArray
    let caStore: TwoTimeArray?

    /// Grid times, steps; `a[t][g]`, `v[t][g]` flattened as `t·K + g`.
    var times: [Double] = [0], steps: [Double] = []
    var a: [Double], v: [Double]

    // Row buffers (owned by `scratch`).
    private let scratch: GroupedScratch
    private var nu: [Double], source: [Double]

    /// Number of two-time functions (`cd`, `co`, `rd`, `ro` in `GroupedKernels.Function` order).
    private var functionCount: Int { 2 * (k + k * k) }

    /// Bytes of two-time storage for `rows` grid points and the groups' sizes.
    static func bytes(rows: Int, groups: InitialGroups, keep: Bool) -> Double {
        let k = groups.count
        let singletons: Int = groups.sizes.filter { $0 == 1 }.count
        let arrays: Int = 2 * k + 2 * (k * k - singletons) + 2 + (keep ? 1 : 0)
        let side = Double(rows)
        return Double(arrays) * side * side * 8
    }

    init(problem: TrainingProblem, groups: InitialGroups, capacity n: Int, keep: Bool) throws {
        self.problem = problem
        equations = GroupedKernels(problem, groups: groups)
        capacity = max(n, 2)
        k = groups.count
        let size = capacity
        cd = try (0..<k).map { _ in try TwoTimeArray(size: size) }
        rd = try (0..<k).map { _ in try TwoTimeArray(size: size) }
        let exists = equations.exists
        co = try (0..<(k * k)).map { exists[$0] ? try TwoTimeArray(size: size) : nil }
        ro = try (0..<(k * k)).map { exists[$0] ? try TwoTimeArray(size: size) : nil }
        x = try TwoTimeArray(size: size)
        sigmaC = try TwoTimeArray(size: size)
        caStore = keep ? try TwoTimeArray(size: size) : nil
        a = groups.secondLayer
        v = groups.overlap
        for g in 0..<k {
            cd[g][0, 0] = 1
            for h in 0..<k { co[g * k + h]?[0, 0] = groups.initialOverlap(g, h) }
        }
        scratch = GroupedScratch(groups: k, capacity: size)
        nu = [Double](repeating: 0, count: k)
        source = nu
    }

    /// Index of a two-time function in the product buffers.
    @inline(__always)
    private func index(_ f: GroupedKernels.Function) -> Int {
        switch f {
        case .cd(let g): return g
        case .co(let g, let h): return k + g * k + h
        case .rd(let g): return k + k * k + g
        case .ro(let g, let h): return 2 * k + k * k + g * k + h
        }
    }

    /// Gathers the values at `(t_row, t_s)` into the point buffers (`aT` is the caller's).
    @inline(__always)
    private func gather(
        column s: Int, cdRows: [UnsafeMutablePointer<Double>], rdRows: [UnsafeMutablePointer<Double>],
        coRows: [UnsafeMutablePointer<Double>?], roRows: [UnsafeMutablePointer<Double>?]
    ) {
        let p = scratch.point
        for g in 0..<k {
            p.aS[g] = a[s * k + g]
            p.cd[g] = cdRows[g][s]
            p.rd[g] = rdRows[g][s]
            scratch.vColumn[g] = v[s * k + g]
        }
        for pair in 0..<(k * k) {
            p.co[pair] = coRows[pair]?[s] ?? 0
            p.ro[pair] = roRows[pair]?[s] ?? 0
        }
    }

    /// `(1/m)Σ_i a_i φ̂(v_i)` at grid row s.
    private func drive(_ s: Int) -> Double {
        a.withUnsafeBufferPointer { av in
            v.withUnsafeBufferPointer { vv in equations.meanDrive(a: av.baseAddress! + s * k, v: vv.baseAddress! + s * k) }
        }
    }

    /// Everything at grid row `r` (the last row appended); with `step`, also appends row r+1.
    /// Returns the observables in `GroupedObservables.columns` order.
    mutating func advance(from r: Int, step: Double?) throws -> [Double] {
        precondition(r == times.count - 1, "rows are appended in order")
        let n = capacity, eta = step ?? 0
        let eq = equations, buffers = scratch, p = buffers.point
        buffers.weights[r] = eta
        let cdRows = cd.map { $0.row(r) }, rdRows = rd.map { $0.row(r) }
        let coRows = co.map { $0?.row(r) }, roRows = ro.map { $0?.row(r) }
        let aNow = Array(a[(r * k)..<((r + 1) * k)]), vNow = Array(v[(r * k)..<((r + 1) * k)])
        for g in 0..<k { p.aT[g] = aNow[g] }

        // 1–3. Σ_C (row and column r), Σ_R, X and C_A.
        let sigmaCRow = sigmaC.row(r)
        let driveT = drive(r)
        for s in 0...r {
            gather(column: s, cdRows: cdRows, rdRows: rdRows, coRows: coRows, roRows: roRows)
            let value = eq.sigmaC(p, driveT: driveT, driveS: drive(s))
            sigmaCRow[s] = value
            sigmaC[s, r] = value
            if s < r { buffers.sigmaR[s] = eq.sigmaR(p) }
        }
        residualKernelRow(
            r, weights: buffers.weights, sigmaR: buffers.sigmaR, sigmaC: sigmaC, x: x, caStore: caStore,
            ca: buffers.ca, scratch: buffers.w)
        let xRow = x.row(r), ca = buffers.ca

        // 4. Memory kernel blocks of row r and the one-time integrals.
        for g in 0..<k { buffers.sums[g] = SymmetricKernels.RowIntegrals() }
        for s in 0...r {
            gather(column: s, cdRows: cdRows, rdRows: rdRows, coRows: coRows, roRows: roRows)
            eq.memoryColumn(
                s, p, vS: buffers.vColumn, x: xRow[s], weight: buffers.weights[s], ca: ca[s],
                responseKernels: buffers.memR, correlationKernels: buffers.memC, stride: n, sums: buffers.sums)
        }
        let cov = eq.base.covariance
        for g in 0..<k {
            nu[g] = problem.trainFirstLayer
                ? eq.base.multiplier(a: aNow[g], v: vNow[g], phiHatPrime: cov.phiHatDerivative(vNow[g]), buffers.sums[g])
                : 0
        }

        let row = observables(r, aNow: aNow, vNow: vNow)
        try checkAdmissible(r, row: row)
        guard step != nil else { return row }

        // 5. One-time functions at r+1.
        for g in 0..<k {
            let phiHatPrime = cov.phiHatDerivative(vNow[g])
            source[g] = eq.base.source(a: aNow[g], phiHatPrime: phiHatPrime, buffers.sums[g])
            let da = eq.base.secondLayerRate(secondLayer: aNow[g], phiHat: cov.phiHat(vNow[g]), buffers.sums[g])
            let dv = eq.base.overlapRate(nu: nu[g], v: vNow[g], source: source[g], buffers.sums[g])
            a.append(problem.trainSecondLayer ? aNow[g] + eta * da : aNow[g])
            v.append(problem.trainFirstLayer ? vNow[g] + eta * dv : vNow[g])
        }
        steps.append(eta)
        times.append(times[r] + eta)
        guard problem.trainFirstLayer else {
            holdFirstLayer(after: r)
            return row
        }

        // 6. Memory integrals: every two-time function Y against the kernel block of its group.
        products(r)

        // 7. Row r+1.
        let next = r + 1
        let pr = buffers.byR, pc = buffers.byC, blockRows = k + 1
        var equalTimeRate = [Double](repeating: 0, count: k * k)
        let offsets = (0..<functionCount).map { $0 * blockRows * n }
        let functionIndex: (GroupedKernels.Function) -> Int = { [k] f in
            switch f {
            case .cd(let g): return g
            case .co(let g, let h): return k + g * k + h
            case .rd(let g): return k + k * k + g
            case .ro(let g, let h): return 2 * k + k * k + g * k + h
            }
        }
        for l in 0...r {
            let readR: (GroupedKernels.Function, Int) -> Double = { f, row in pr[offsets[functionIndex(f)] + row * n + l] }
            let readC: (GroupedKernels.Function, Int) -> Double = { f, row in pc[offsets[functionIndex(f)] + row * n + l] }
            for g in 0..<k {
                let rate = eq.diagonalRates(
                    g, nu: nu[g], source: source[g], vColumn: v[l * k + g], cd: cdRows[g][l], rd: rdRows[g][l],
                    byR: readR, byC: readC)
                cd[g][next, l] = cdRows[g][l] + eta * rate.cd
                rd[g][next, l] = rdRows[g][l] + eta * rate.rd + (l == r ? 1 : 0)
                for h in 0..<k {
                    let pair = g * k + h
                    guard let coY = co[pair], let roY = ro[pair], let coRow = coRows[pair], let roRow = roRows[pair]
                    else { continue }
                    let rate = eq.offDiagonalRates(
                        g, h, nu: nu[g], source: source[g], vColumn: v[l * k + h], co: coRow[l], ro: roRow[l],
                        byR: readR, byC: readC)
                    coY[next, l] = coRow[l] + eta * rate.co
                    roY[next, l] = roRow[l] + eta * rate.ro
                    if l == r { equalTimeRate[pair] = rate.co }
                }
            }
        }
        // Equal times: C^d_g(t,t) = 1 by ν_g; C^o_gh(t,t) moves with ∂_t C^o_gh + ∂_t C^o_hg.
        for g in 0..<k {
            cd[g][next, next] = 1
            for l in 0...next { cd[g][l, next] = cd[g][next, l] }
            for h in 0..<k {
                let pair = g * k + h
                guard let coY = co[pair], let coRow = coRows[pair] else { continue }
                coY[next, next] = coRow[r] + eta * (equalTimeRate[pair] + equalTimeRate[h * k + g])
            }
        }
        for g in 0..<k {
            for h in 0..<k {
                guard let coY = co[g * k + h], let transposed = co[h * k + g] else { continue }
                for l in 0...r { coY[l, next] = transposed[next, l] }
            }
        }
        return row
    }

    /// The first layer frozen (`docs/equations.md`, Training options): row r+1 of every two-time
    /// function is row r (the responses stay 0), equal times included; ν is reported as 0.
    private func holdFirstLayer(after r: Int) {
        let next = r + 1
        for y in cd + rd + co.compactMap({ $0 }) + ro.compactMap({ $0 }) {
            for l in 0...r { y[next, l] = y[r, l] }
            y[next, next] = y[r, r]
        }
        for g in 0..<k {
            for l in 0...next { cd[g][l, next] = cd[g][next, l] }
            for h in 0..<k {
                guard let coY = co[g * k + h], let transposed = co[h * k + g] else { continue }
                for l in 0...r { coY[l, next] = transposed[next, l] }
            }
        }
    }

    /// `byR[Y] = (kernel block b of M^R) · Y` for every two-time function Y (`Y(s, t')`, so C whole
    /// and R lower triangular), `byC[Y] = (block b of M^C) · Yᵀ` for the responses (`Y(t', s)`),
    /// b the group of the neuron l the kernels sum over (first index of Y for `M^R`, second for `M^C`).
    private func products(_ r: Int) {
        let n = capacity, ld = Int32(n), rowsPerBlock = Int32(k + 1), kk = Int32(r + 1)
        let block = (k + 1) * n
        let buffers = scratch
        func run(_ f: GroupedKernels.Function, _ y: TwoTimeArray, first: Int, second: Int, response: Bool) {
            let out = buffers.byR + index(f) * block
            let kernels = buffers.memR + first * block
            guard response else {
                cblas_dgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, rowsPerBlock, kk, kk, 1, kernels, ld, y.base, ld, 0, out, ld)
                return
            }
            for row in 0...k { (out + row * n).update(from: kernels + row * n, count: r + 1) }
            cblas_dtrmm(
                CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, rowsPerBlock, kk, 1, y.base, ld, out, ld)
            // M^C against Y(t', s): the kernel block of Y's second group.
            let outC = buffers.byC + index(f) * block
            let kernelsC = buffers.memC + second * block
            for row in 0...k { (outC + row * n).update(from: kernelsC + row * n, count: r + 1) }
            cblas_dtrmm(
                CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, rowsPerBlock, kk, 1, y.base, ld, outC, ld)
        }
        for g in 0..<k {
            run(.cd(g), cd[g], first: g, second: g, response: false)
            run(.rd(g), rd[g], first: g, second: g, response: true)
            for h in 0..<k {
                if let y = co[g * k + h] { run(.co(g, h), y, first: g, second: h, response: false) }
                if let y = ro[g * k + h] { run(.ro(g, h), y, first: g, second: h, response: true) }
            }
        }
    }

    /// The row of `GroupedObservables.dmftColumns` at grid row r.
    private func observables(_ r: Int, aNow: [Double], vNow: [Double]) -> [Double] {
        let eq = equations
        let equalTime: (Int, Int) -> Double = { g, h in self.co[g * self.k + h]?[r, r] ?? 0 }
        let testError = eq.testError(a: aNow, v: vNow, equalTimeOverlap: equalTime)
        return GroupedObservables.row(
            time: times[r], trainError: -0.5 * scratch.ca[r], testError: testError, a: aNow, v: vNow,
            correlationToStart: (0..<k).map { cd[$0][r, 0] }, equalTimeOverlap: equalTime, multiplier: nu,
            groups: eq.groups)
    }

    /// Stops the run as soon as the solution leaves the set a true solution lives in.
    private func checkAdmissible(_ r: Int, row: [Double]) throws {
        let t = times[r], eta = r > 0 ? steps[r - 1] : 0
        let rate = equations.stiffRate(secondLayer: Array(a[(r * k)..<((r + 1) * k)]))
        let advice = "the explicit Euler step must satisfy dt·α a²(2h'(0)+h'(1)/m) ≲ 2 with the largest |a_g| "
            + "(here \(fmt(eta * rate))); rerun with --dt ≤ \(fmt(0.5 / max(rate, 1e-300)))"
        if !row.allSatisfy(\.isFinite) { throw DMFTError.diverged("non-finite values at t = \(fmt(t)); \(advice)") }
        let slack = 1e-6
        for g in 0..<k {
            for h in 0..<k {
                guard let y = co[g * k + h] else { continue }
                let value = y[r, r]
                let lower = g == h ? -1 / Double(equations.groups.sizes[g] - 1) : -1
                if value > 1 + slack || value < lower - slack {
                    throw DMFTError.diverged(
                        "C^o_\(g + 1)\(h + 1)(t,t) = \(fmt(value)) left [\(fmt(lower)), 1] at t = \(fmt(t)) "
                            + "(not a Gram matrix); \(advice)")
                }
            }
            if abs(v[r * k + g]) > 1 + slack {
                throw DMFTError.diverged("|v_\(g + 1)| = \(fmt(abs(v[r * k + g]))) > 1 at t = \(fmt(t)); \(advice)")
            }
        }
        if row[1] < -slack * max(1, row[2]) {
            throw DMFTError.diverged("train error \(fmt(row[1])) < 0 at t = \(fmt(t)); \(advice)")
        }
    }
}
