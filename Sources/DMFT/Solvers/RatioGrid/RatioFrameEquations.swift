import CNumerics
import Foundation

/// The symmetric DMFT (`docs/equations.md`; Montanari & Urbani, arXiv:2502.21269, appendix C) in
/// the ratio frame: the history of rows `A(t_n, θ_j t_n)` on a `RatioGrid`, and for the
/// newest row everything derived from it — `Σ_C`, `Σ_R`, `R̃_A`, `E = Σ_C R_Aᵀ` (both
/// orders), `C_A`, the memory kernels — and its derivative at fixed θ,
/// `d/dt A(t, θt) = ∂₁A + θ ∂₂A`.
///
/// `∂₂` comes from the equations: for the correlations the first-time equation with its
/// arguments exchanged, `∂₂C(t,t') = [∂₁C](t',t)`; for the responses the adjoint Dyson
/// equation `∂₂R(t,t') = ν(t')R + R(t,t')∘Λ(t') + ∫_{t'}^t R(t,s)∘M^R(s,t') ds`. Here `∘`
/// is the product of the d/o structure, `(A∘B)_d = pA_dB_d + qA_oB_o`,
/// `(A∘B)_o = p(A_dB_o + A_oB_d + (m−2)A_oB_o)`, and `Λ(t) = α a(t)²[h'(1), h'(C_o(t,t))]`
/// is the weight of the δ part of `R_A` in `M^R` (kept out of the stored kernels).
///
/// Any past value `A(s, r s)` is interpolated: Lagrange in time over the four stored rows
/// around `s` (the newest, provisional row only in the last interval) of Lagrange in the
/// ratio (6 nodes).
final class RatioFrameEquations {
    // Two-time fields of a row.
    enum Field: Int, CaseIterable {
        case cd, co, rd, ro, sigmaC, sigmaR, responseA, eLower, eUpper, correlationA, mrd, mro, mcd, mco
    }
    // One-time fields of a row.
    enum Scalar: Int, CaseIterable {
        case a, v, nu, source, lambdaD, lambdaO, trainError, testError
    }
    static let fieldCount = Field.allCases.count
    static let scalarCount = Scalar.allCases.count

    let grid: RatioGrid
    let problem: TrainingProblem
    let kernels: SymmetricKernels
    let m: Double
    let cov: CovarianceModel
    /// Length of the state vector: C_d, C_o, R_d, R_o on the nodes, then a, v.
    let stateCount: Int

    private(set) var capacity: Int
    private(set) var times: UnsafeMutablePointer<Double>
    private var fields: UnsafeMutablePointer<Double>   // [row][field][node]
    private var scalars: UnsafeMutablePointer<Double>  // [row][scalar]

    // Scratch of one evaluation.
    private var aAt: [Double], vAt: [Double]
    private var primeScalars: [Double]                  // [node][scalar] at t' = θ_j t
    private var d1: [Double], d2: [Double]              // [field 0..3][node]
    private var volterra: [Double]   // the R̃_A system, row-major L × L

    init(problem: TrainingProblem, grid: RatioGrid, capacity: Int = 256) {
        self.problem = problem
        self.grid = grid
        kernels = SymmetricKernels(problem)
        m = Double(problem.width)
        cov = problem.covariance
        let l = grid.count
        stateCount = 4 * l + 2
        self.capacity = capacity
        times = .allocate(capacity: capacity)
        fields = .allocate(capacity: capacity * Self.fieldCount * l)
        scalars = .allocate(capacity: capacity * Self.scalarCount)
        times.initialize(repeating: 0, count: capacity)
        fields.initialize(repeating: 0, count: capacity * Self.fieldCount * l)
        scalars.initialize(repeating: 0, count: capacity * Self.scalarCount)
        aAt = [Double](repeating: 0, count: l)
        vAt = aAt
        primeScalars = [Double](repeating: 0, count: l * Self.scalarCount)
        d1 = [Double](repeating: 0, count: 4 * l)
        d2 = d1
        volterra = [Double](repeating: 0, count: l * l)
    }

    deinit {
        times.deallocate()
        fields.deallocate()
        scalars.deallocate()
    }

    /// Bytes of history per stored row.
    static func bytesPerRow(nodes l: Int) -> Double { Double((fieldCount * l + scalarCount + 1) * 8) }

    /// The initial state: `C_d = R_d = 1`, `C_o = R_o = 0` at every node (all are (0,0)), `a = a(0)`, `v = 0`.
    func initialState() -> [Double] {
        let l = grid.count
        var y = [Double](repeating: 0, count: stateCount)
        for j in 0..<l { y[j] = 1; y[2 * l + j] = 1 }
        y[4 * l] = problem.initialSecondLayer
        return y
    }

    /// Makes room for `rows` rows.
    func reserve(rows: Int) {
        guard rows > capacity else { return }
        let size = max(rows, 2 * capacity), l = grid.count
        func grow(_ old: UnsafeMutablePointer<Double>, _ width: Int) -> UnsafeMutablePointer<Double> {
            let new = UnsafeMutablePointer<Double>.allocate(capacity: size * width)
            new.initialize(repeating: 0, count: size * width)
            new.update(from: old, count: capacity * width)
            old.deallocate()
            return new
        }
        times = grow(times, 1)
        fields = grow(fields, Self.fieldCount * l)
        scalars = grow(scalars, Self.scalarCount)
        capacity = size
    }

    @inline(__always) func field(_ f: Field, row: Int) -> UnsafeMutablePointer<Double> {
        fields + (row * Self.fieldCount + f.rawValue) * grid.count
    }
    @inline(__always) func scalar(_ s: Scalar, row: Int) -> Double { scalars[row * Self.scalarCount + s.rawValue] }
    @inline(__always) private func setScalar(_ s: Scalar, row: Int, _ v: Double) {
        scalars[row * Self.scalarCount + s.rawValue] = v
    }

    /// The state vector stored at `row`.
    func state(row: Int) -> [Double] {
        let l = grid.count
        var y = [Double](repeating: 0, count: stateCount)
        for f in 0..<4 {
            let src = field(Field(rawValue: f)!, row: row)
            for j in 0..<l { y[f * l + j] = src[j] }
        }
        y[4 * l] = scalar(.a, row: row)
        y[4 * l + 1] = scalar(.v, row: row)
        return y
    }

    /// The observables of `row` in `Observable.dmftColumns` order.
    func observables(row: Int) -> [Double] {
        let a = scalar(.a, row: row), l = grid.count
        return [times[row], scalar(.trainError, row: row), scalar(.testError, row: row), a, a / m.squareRoot(),
                scalar(.v, row: row), field(.cd, row: row)[0], field(.co, row: row)[l - 1], scalar(.nu, row: row)]
    }

    /// Writes `(time, y)` as `row`, the newest of `row + 1` rows, derives its fields and
    /// returns `dy/dt` in the ratio frame.
    func derivative(row: Int, time: Double, state y: [Double]) throws -> [Double] {
        reserve(rows: row + 1)
        let l = grid.count
        times[row] = time
        for f in 0..<4 {
            let dst = field(Field(rawValue: f)!, row: row)
            for j in 0..<l { dst[j] = y[f * l + j] }
        }
        setScalar(.a, row: row, y[4 * l])
        setScalar(.v, row: row, y[4 * l + 1])
        let rows = row + 1
        selfEnergies(row: row, rows: rows)
        try residualResponse(row: row, rows: rows)
        residualCorrelation(row: row, rows: rows)
        let (da, dv) = oneTime(row: row)
        twoTime(row: row, rows: rows)
        var dy = [Double](repeating: 0, count: stateCount)
        for f in 0..<4 {
            for j in 0..<(l - 1) { dy[f * l + j] = d1[f * l + j] + grid.nodes[j] * d2[f * l + j] }
        }
        // θ = 1: C_d = 1, R_d = 1, R_o = 0 are fixed; C_o(t,t) moves at twice the first-time derivative.
        dy[2 * l - 1] = 2 * d1[l + l - 1]
        dy[4 * l] = problem.trainSecondLayer ? da : 0
        dy[4 * l + 1] = dv
        guard dy.allSatisfy(\.isFinite) else {
            throw DMFTError.diverged("non-finite derivative at t = \(fmt(time)); lower the tolerance")
        }
        return dy
    }

    // MARK: - Interpolation in the history

    /// The one-time fields at `time`, interpolated over the stored rows.
    private func scalarsAt(_ time: Double, rows: Int, into out: UnsafeMutablePointer<Double>) {
        let ts = TimeStencil(times: times, rows: rows, at: time)
        for s in 0..<Self.scalarCount {
            var v = 0.0
            for a in 0..<ts.points { v += ts.weight(a) * scalars[(ts.start + a) * Self.scalarCount + s] }
            out[s] = v
        }
    }

    /// `F(time, node k)`: a past row at a node (time interpolation only).
    @inline(__always)
    private func atNode(_ f: Field, _ ts: TimeStencil, _ k: Int) -> Double {
        var v = 0.0
        let l = grid.count
        for a in 0..<ts.points { v += ts.weight(a) * fields[((ts.start + a) * Self.fieldCount + f.rawValue) * l + k] }
        return v
    }

    /// `F(time, ratio)` with the ratio's stencil `(start, weights)`.
    @inline(__always)
    private func atRatio(_ f: Field, _ ts: TimeStencil, _ start: Int, _ w: UnsafePointer<Double>) -> Double {
        var v = 0.0
        let l = grid.count
        for a in 0..<ts.points {
            let base = fields + ((ts.start + a) * Self.fieldCount + f.rawValue) * l + start
            var acc = 0.0
            for b in 0..<RatioGrid.stencilPoints { acc += w[b] * base[b] }
            v += ts.weight(a) * acc
        }
        return v
    }

    /// The current row at a ratio.
    @inline(__always)
    private func onRow(_ row: UnsafeMutablePointer<Double>, _ start: Int, _ w: UnsafePointer<Double>) -> Double {
        var acc = 0.0
        for b in 0..<RatioGrid.stencilPoints { acc += w[b] * row[start + b] }
        return acc
    }

    // MARK: - The stages of one evaluation

    /// `Σ_C`, `Σ_R` on the row; `a(s)`, `v(s)` at its nodes.
    private func selfEnergies(row: Int, rows: Int) {
        let l = grid.count, t = times[row]
        let a = scalar(.a, row: row), phiHat = cov.phiHat(scalar(.v, row: row))
        let cd = field(.cd, row: row), co = field(.co, row: row), rd = field(.rd, row: row), ro = field(.ro, row: row)
        let sc = field(.sigmaC, row: row), sr = field(.sigmaR, row: row)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.scalarCount) { tmp in
            for j in 0..<l {
                scalarsAt(grid.nodes[j] * t, rows: rows, into: tmp.baseAddress!)
                aAt[j] = tmp[Scalar.a.rawValue]
                vAt[j] = tmp[Scalar.v.rawValue]
                sc[j] = kernels.sigmaC(
                    aT: a, aS: aAt[j], phiHatT: phiHat, phiHatS: cov.phiHat(vAt[j]), cd: cd[j], co: co[j])
                sr[j] = kernels.sigmaR(aT: a, aS: aAt[j], cd: cd[j], co: co[j], rd: rd[j], ro: ro[j])
            }
        }
    }

    /// `R̃_A(t,s) = −Σ_R(t,s) − ∫_s^t R̃_A(t,u) Σ_R(u,s) du` on the row: a dense linear
    /// system in the row's values (the unknown enters through the ratio stencils).
    private func residualResponse(row: Int, rows: Int) throws {
        let l = grid.count, t = times[row], pts = RatioGrid.stencilPoints
        let sr = field(.sigmaR, row: row), ra = field(.responseA, row: row)
        volterra.withUnsafeMutableBufferPointer { mat in
            for i in 0..<(l * l) { mat[i] = 0 }
            for j in 0..<l {
                mat[j * l + j] = 1
                let s = grid.nodes[j] * t, lag = t - s
                guard lag > 0 else { continue }
                for k in 0..<l {
                    let jk = j * l + k
                    let ts = TimeStencil(times: times, rows: rows, at: s + lag * grid.nodes[k])
                    let g = lag * grid.weights[k] * atRatio(.sigmaR, ts, grid.back.start[jk], grid.back.weights(jk))
                    let start = grid.late.start[jk], w = grid.late.weights(jk)
                    for b in 0..<pts { mat[j * l + start + b] += g * w[b] }
                }
            }
        }
        for j in 0..<l { ra[j] = -sr[j] }
        try solveInPlace(matrix: &volterra, rhs: ra, size: l)
    }

    /// `E(t,t') = Σ_C(t,t') + ∫_0^{t'} Σ_C(t,u) R̃_A(t',u) du` and `E(t',t)` on the row, then
    /// `C_A = −E − R̃_A E` (`C_A = −R_A Σ_C R_Aᵀ`), then the memory kernels without the δ part.
    private func residualCorrelation(row: Int, rows: Int) {
        let l = grid.count, t = times[row]
        let sc = field(.sigmaC, row: row), ra = field(.responseA, row: row)
        let el = field(.eLower, row: row), eu = field(.eUpper, row: row), ca = field(.correlationA, row: row)
        for j in 0..<l {
            let tp = grid.nodes[j] * t, lag = t - tp
            var lower = sc[j], upper = sc[j]
            let atTp = TimeStencil(times: times, rows: rows, at: tp)
            for k in 0..<l {
                let jk = j * l + k
                if tp > 0 {
                    let wk = tp * grid.weights[k]
                    let s1 = grid.early.start[jk], w1 = grid.early.weights(jk)
                    lower += wk * onRow(sc, s1, w1) * atNode(.responseA, atTp, k)
                    upper += wk * atNode(.sigmaC, atTp, k) * onRow(ra, s1, w1)
                }
                if lag > 0 {
                    let ts = TimeStencil(times: times, rows: rows, at: tp + lag * grid.nodes[k])
                    upper += lag * grid.weights[k] * atRatio(.sigmaC, ts, grid.back.start[jk], grid.back.weights(jk))
                        * onRow(ra, grid.late.start[jk], grid.late.weights(jk))
                }
            }
            el[j] = lower
            eu[j] = upper
        }
        for j in 0..<l {
            let tp = grid.nodes[j] * t, lag = t - tp
            var value = -el[j]
            let atTp = TimeStencil(times: times, rows: rows, at: tp)
            for k in 0..<l {
                let jk = j * l + k
                if tp > 0 {
                    value -= tp * grid.weights[k] * onRow(ra, grid.early.start[jk], grid.early.weights(jk))
                        * atNode(.eUpper, atTp, k)
                }
                if lag > 0 {
                    let ts = TimeStencil(times: times, rows: rows, at: tp + lag * grid.nodes[k])
                    value -= lag * grid.weights[k] * onRow(ra, grid.late.start[jk], grid.late.weights(jk))
                        * atRatio(.eLower, ts, grid.back.start[jk], grid.back.weights(jk))
                }
            }
            ca[j] = value
        }
        let a = scalar(.a, row: row)
        let cd = field(.cd, row: row), co = field(.co, row: row), rd = field(.rd, row: row), ro = field(.ro, row: row)
        let mrd = field(.mrd, row: row), mro = field(.mro, row: row)
        let mcd = field(.mcd, row: row), mco = field(.mco, row: row)
        // Without the δ part of R_A (X = R̃_A, unit weight): Λ carries it.
        for j in 0..<l {
            let d = kernels.covariances(at: cd[j]), o = kernels.covariances(at: co[j])
            mrd[j] = kernels.memoryR(aT: a, aS: aAt[j], x: ra[j], weight: 1, ca: ca[j], at: d, response: rd[j])
            mro[j] = kernels.memoryR(aT: a, aS: aAt[j], x: ra[j], weight: 1, ca: ca[j], at: o, response: ro[j])
            mcd[j] = kernels.memoryC(aT: a, aS: aAt[j], weight: 1, ca: ca[j], at: d)
            mco[j] = kernels.memoryC(aT: a, aS: aAt[j], weight: 1, ca: ca[j], at: o)
        }
    }

    /// ν, the source `α a φ̂'(v)∫R_A`, Λ, the errors; returns `(da/dt, dv/dt)`. The δ part of
    /// `R_A` enters each integral as its value at s = t.
    private func oneTime(row: Int) -> (Double, Double) {
        let l = grid.count, t = times[row]
        let a = scalar(.a, row: row), v = scalar(.v, row: row)
        let cd = field(.cd, row: row), co = field(.co, row: row), rd = field(.rd, row: row), ro = field(.ro, row: row)
        let ra = field(.responseA, row: row), ca = field(.correlationA, row: row)
        let mrd = field(.mrd, row: row), mro = field(.mro, row: row)
        let mcd = field(.mcd, row: row), mco = field(.mco, row: row)
        let coTT = co[l - 1]
        let same = kernels.covariances(at: 1), other = kernels.covariances(at: coTT)
        let lambdaD = kernels.memoryR(aT: a, aS: a, x: 1, weight: 0, ca: 0, at: same, response: 0)
        let lambdaO = kernels.memoryR(aT: a, aS: a, x: 1, weight: 0, ca: 0, at: other, response: 0)
        var integrals = SymmetricKernels.RowIntegrals()
        integrals.response = 1
        integrals.drift = kernels.driftTerm(x: 1, aS: a, d: same, o: other)
        integrals.overlapMemory = kernels.overlapMemoryTerm(mrd: lambdaD, mro: lambdaO, v: v)
        integrals.multiplierMemory = kernels.multiplierMemoryTerm(
            mrd: lambdaD, mro: lambdaO, mcd: 0, mco: 0, cd: 1, co: coTT, rd: 0, ro: 0)
        for k in 0..<l {
            let wk = t * grid.weights[k]
            let d = kernels.covariances(at: cd[k]), o = kernels.covariances(at: co[k])
            integrals.response += wk * ra[k]
            integrals.drift += wk * kernels.driftTerm(x: ra[k], aS: aAt[k], d: d, o: o)
            integrals.responseDrift += kernels.responseDriftTerm(
                weight: wk, ca: ca[k], aS: aAt[k], d: d, o: o, rd: rd[k], ro: ro[k])
            integrals.overlapMemory += kernels.overlapMemoryTerm(mrd: wk * mrd[k], mro: wk * mro[k], v: vAt[k])
            integrals.multiplierMemory += kernels.multiplierMemoryTerm(
                mrd: wk * mrd[k], mro: wk * mro[k], mcd: wk * mcd[k], mco: wk * mco[k],
                cd: cd[k], co: co[k], rd: rd[k], ro: ro[k])
        }
        let phiHat = cov.phiHat(v), phiHatPrime = cov.phiHatDerivative(v)
        let source = kernels.source(a: a, phiHatPrime: phiHatPrime, integrals)
        let nu = kernels.multiplier(a: a, v: v, phiHatPrime: phiHatPrime, integrals)
        setScalar(.nu, row: row, nu)
        setScalar(.source, row: row, source)
        setScalar(.lambdaD, row: row, lambdaD)
        setScalar(.lambdaO, row: row, lambdaO)
        setScalar(.trainError, row: row, -0.5 * ca[l - 1])
        setScalar(.testError, row: row, kernels.testError(secondLayer: a, phiHat: phiHat, equalTimeOverlap: coTT))
        return (kernels.secondLayerRate(secondLayer: a, phiHat: phiHat, integrals),
                kernels.overlapRate(nu: nu, v: v, source: source, integrals))
    }

    /// Memory integrals at one node, as kernel pairs `(∫M_d Y, ∫M_o Y)` (`SymmetricKernels.KernelPair`).
    private struct NodeIntegrals {
        // ∂₁: ∫_0^t M^R(t,s) Y(s,t') ds for Y = C_d, C_o, R_d, R_o; ∫_0^{t'} M^C(t,s) Y(t',s) ds for Y = R_d, R_o.
        var rCd = (d: 0.0, o: 0.0), rCo = (d: 0.0, o: 0.0), rRd = (d: 0.0, o: 0.0), rRo = (d: 0.0, o: 0.0)
        var cRd = (d: 0.0, o: 0.0), cRo = (d: 0.0, o: 0.0)
        // ∂₂: the same with the kernels at t' against the row t (exchanged C equation) and,
        // for R, ∫_{t'}^t R(t,s) M^R(s,t') ds (adjoint equation).
        var rCdP = (d: 0.0, o: 0.0), rCoP = (d: 0.0, o: 0.0), rRdP = (d: 0.0, o: 0.0), rRoP = (d: 0.0, o: 0.0)
        var cRdP = (d: 0.0, o: 0.0), cRoP = (d: 0.0, o: 0.0)
    }

    @inline(__always)
    private func add(_ sum: inout SymmetricKernels.KernelPair, _ w: Double, _ md: Double, _ mo: Double, _ y: Double) {
        sum.d += w * md * y
        sum.o += w * mo * y
    }

    /// `∂₁` and `∂₂` of C_d, C_o, R_d, R_o at every node (`d1`, `d2`), through
    /// `SymmetricKernels.twoTimeRates`; the δ part of `R_A` enters as `Λ` times the node's value.
    private func twoTime(row: Int, rows: Int) {
        let l = grid.count, t = times[row], ns = Self.scalarCount
        let nu = scalar(.nu, row: row), source = scalar(.source, row: row), v = scalar(.v, row: row)
        let ld = scalar(.lambdaD, row: row), lo = scalar(.lambdaO, row: row)
        let cd = field(.cd, row: row), co = field(.co, row: row), rd = field(.rd, row: row), ro = field(.ro, row: row)
        let mrdRow = field(.mrd, row: row), mroRow = field(.mro, row: row)
        let mcdRow = field(.mcd, row: row), mcoRow = field(.mco, row: row)
        primeScalars.withUnsafeMutableBufferPointer { prime in
            for j in 0..<l {
                let tp = grid.nodes[j] * t, lag = t - tp
                let pj = prime.baseAddress! + j * ns
                scalarsAt(tp, rows: rows, into: pj)
                let ldP = pj[Scalar.lambdaD.rawValue], loP = pj[Scalar.lambdaO.rawValue]
                var n = NodeIntegrals()
                // δ parts: Λ(t) in ∂₁, Λ(t') in ∂₂.
                add(&n.rCd, 1, ld, lo, cd[j]); add(&n.rCo, 1, ld, lo, co[j])
                add(&n.rRd, 1, ld, lo, rd[j]); add(&n.rRo, 1, ld, lo, ro[j])
                add(&n.rCdP, 1, ldP, loP, cd[j]); add(&n.rCoP, 1, ldP, loP, co[j])
                add(&n.rRdP, 1, ldP, loP, rd[j]); add(&n.rRoP, 1, ldP, loP, ro[j])
                let atTp = TimeStencil(times: times, rows: rows, at: tp)
                for k in 0..<l {
                    let jk = j * l + k
                    if tp > 0 {
                        // s = t'θ_k ∈ [0, t']: row t at ratio θ_jθ_k, row t' at node k.
                        let wk = tp * grid.weights[k]
                        let s1 = grid.early.start[jk], w1 = grid.early.weights(jk)
                        let mrd = onRow(mrdRow, s1, w1), mro = onRow(mroRow, s1, w1)
                        let mcd = onRow(mcdRow, s1, w1), mco = onRow(mcoRow, s1, w1)
                        let pmrd = atNode(.mrd, atTp, k), pmro = atNode(.mro, atTp, k)
                        let pmcd = atNode(.mcd, atTp, k), pmco = atNode(.mco, atTp, k)
                        add(&n.rCd, wk, mrd, mro, atNode(.cd, atTp, k))
                        add(&n.rCo, wk, mrd, mro, atNode(.co, atTp, k))
                        add(&n.cRd, wk, mcd, mco, atNode(.rd, atTp, k))
                        add(&n.cRo, wk, mcd, mco, atNode(.ro, atTp, k))
                        add(&n.rCdP, wk, pmrd, pmro, onRow(cd, s1, w1))
                        add(&n.rCoP, wk, pmrd, pmro, onRow(co, s1, w1))
                        add(&n.cRdP, wk, pmcd, pmco, onRow(rd, s1, w1))
                        add(&n.cRoP, wk, pmcd, pmco, onRow(ro, s1, w1))
                    }
                    if lag > 0 {
                        // s = t' + (t − t')θ_k ∈ [t', t]: row t at ratio s/t, row s at ratio t'/s.
                        let wk = lag * grid.weights[k]
                        let ts = TimeStencil(times: times, rows: rows, at: tp + lag * grid.nodes[k])
                        let s2 = grid.late.start[jk], w2 = grid.late.weights(jk)
                        let s3 = grid.back.start[jk], w3 = grid.back.weights(jk)
                        let mrd = onRow(mrdRow, s2, w2), mro = onRow(mroRow, s2, w2)
                        let crd = onRow(rd, s2, w2), cro = onRow(ro, s2, w2)
                        let umrd = atRatio(.mrd, ts, s3, w3), umro = atRatio(.mro, ts, s3, w3)
                        let umcd = atRatio(.mcd, ts, s3, w3), umco = atRatio(.mco, ts, s3, w3)
                        add(&n.rCd, wk, mrd, mro, atRatio(.cd, ts, s3, w3))
                        add(&n.rCo, wk, mrd, mro, atRatio(.co, ts, s3, w3))
                        add(&n.rRd, wk, mrd, mro, atRatio(.rd, ts, s3, w3))
                        add(&n.rRo, wk, mrd, mro, atRatio(.ro, ts, s3, w3))
                        add(&n.cRdP, wk, umcd, umco, crd)
                        add(&n.cRoP, wk, umcd, umco, cro)
                        add(&n.rRdP, wk, umrd, umro, crd)
                        add(&n.rRoP, wk, umrd, umro, cro)
                    }
                }
                let first = kernels.twoTimeRates(
                    nu: nu, source: source, vColumn: pj[Scalar.v.rawValue],
                    cd: cd[j], co: co[j], rd: rd[j], ro: ro[j],
                    rCd: n.rCd, rCo: n.rCo, rRd: n.rRd, rRo: n.rRo, cRd: n.cRd, cRo: n.cRo)
                // ∂₂C is ∂₁C at the exchanged arguments; ∂₂R = ν(t')R + R∘Λ(t') + ∫R M^R,
                // i.e. minus the first-time rate with ν(t') and those integrals.
                let second = kernels.twoTimeRates(
                    nu: pj[Scalar.nu.rawValue], source: pj[Scalar.source.rawValue], vColumn: v,
                    cd: cd[j], co: co[j], rd: rd[j], ro: ro[j],
                    rCd: n.rCdP, rCo: n.rCoP, rRd: n.rRdP, rRo: n.rRoP, cRd: n.cRdP, cRo: n.cRoP)
                d1[j] = first.cd; d1[l + j] = first.co; d1[2 * l + j] = first.rd; d1[3 * l + j] = first.ro
                d2[j] = second.cd; d2[l + j] = second.co; d2[2 * l + j] = -second.rd; d2[3 * l + j] = -second.ro
            }
        }
    }
}

/// Solves `A x = b` in place (`A` row-major `n × n`, overwritten by its LU factors; `b`
/// becomes `x`) by Gaussian elimination with partial pivoting.
func solveInPlace(matrix a: inout [Double], rhs b: UnsafeMutablePointer<Double>, size n: Int) throws {
    try a.withUnsafeMutableBufferPointer { a in
        for c in 0..<n {
            var best = c
            for r in (c + 1)..<max(n, c + 1) where abs(a[r * n + c]) > abs(a[best * n + c]) { best = r }
            guard a[best * n + c] != 0, a[best * n + c].isFinite else {
                throw DMFTError.diverged("the R_A Volterra system on the ratio grid is singular")
            }
            if best != c {
                for k in 0..<n { a.swapAt(c * n + k, best * n + k) }
                (b[c], b[best]) = (b[best], b[c])
            }
            let pivot = a[c * n + c]
            for r in (c + 1)..<max(n, c + 1) {
                let f = a[r * n + c] / pivot
                guard f != 0 else { continue }
                for k in c..<n { a[r * n + k] -= f * a[c * n + k] }
                b[r] -= f * b[c]
            }
        }
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = b[r]
            for k in (r + 1)..<max(n, r + 1) { s -= a[r * n + k] * b[k] }
            b[r] = s / a[r * n + r]
        }
    }
}
