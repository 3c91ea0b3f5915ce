import CNumerics

/// The part of one grid row that `GridStepper` (width m) and `InfiniteWidthLimit` (m → ∞,
/// rescaled) share: with the column weights `w_s` of the memory integrals (left-rectangle sums)
/// and `W = diag(w_s)`, row `t_k` of the self-energies, of `X = (I + Σ_R W)⁻¹` (the discrete
/// `R_A`, `X(t_k,t_k) = 1`), of `C_A = −X Σ_C Xᵀ`, of the memory kernels and the one-time
/// integrals (`docs/equations.md`). The inputs are `a(t_s)`, `v(t_s)`, `w_s` and row k of the
/// two-time unknowns, s = 0…k.
struct TwoTimeRow {
    /// Row k of `C_d`, `C_o`, `R_d`, `R_o` (`R_o` rescaled in the m → ∞ form).
    let cd: UnsafePointer<Double>, co: UnsafePointer<Double>
    let rd: UnsafePointer<Double>, ro: UnsafePointer<Double>
}

/// Row k of `X = (I + Σ_R W)⁻¹` and of `C_A = −X Σ_C Xᵀ` from `sigmaR[0..<k]` and rows/columns
/// `0…k` of `sigmaC` (`docs/equations.md`): `X[k, 0..<k] = −(Σ_R W)[k, 0..<k] · X[0..<k, 0..<k]`
/// (forward substitution, `dtrmv`), `X[k, k] = 1`; then `w = Σ_C X[k,:]ᵀ` (`dgemv`) and
/// `C_A[k, ·] = −X w` (`dtrmv`; `scratch` holds w). Shared by the symmetric and grouped DMFT.
func residualKernelRow(
    _ k: Int, weights: UnsafePointer<Double>, sigmaR: UnsafePointer<Double>, sigmaC: TwoTimeArray, x: TwoTimeArray,
    caStore: TwoTimeArray?, ca: UnsafeMutablePointer<Double>, scratch w: UnsafeMutablePointer<Double>
) {
    let ld = Int32(x.n), kk = Int32(k + 1)
    let xRow = x.row(k)
    if k > 0 {
        for s in 0..<k { xRow[s] = -weights[s] * sigmaR[s] }
        cblas_dtrmv(CblasRowMajor, CblasLower, CblasTrans, CblasUnit, Int32(k), x.base, ld, xRow, 1)
    }
    xRow[k] = 1
    cblas_dgemv(CblasRowMajor, CblasNoTrans, kk, kk, 1, sigmaC.base, ld, xRow, 1, 0, w, 1)
    cblas_dtrmv(CblasRowMajor, CblasLower, CblasNoTrans, CblasUnit, kk, x.base, ld, w, 1)
    for s in 0...k { ca[s] = -w[s] }
    if let caStore { for s in 0...k { caStore[k, s] = ca[s] } }
}

extension SymmetricKernels {
    /// Fills row and column k of `sigmaC` (Σ_C is symmetric), `sigmaR[0..<k]`, row k of `x`
    /// (forward substitution, `dtrmv`) and `ca[0…k]` (row k of C_A: `w = Σ_C X[k,:]ᵀ` by `dgemv`,
    /// then `−X w` by `dtrmv`; `scratch` holds w), and row k of `caStore` when given.
    func selfEnergyRow(
        _ k: Int, a: UnsafePointer<Double>, v: UnsafePointer<Double>, weights: UnsafePointer<Double>,
        _ row: TwoTimeRow, sigmaC: TwoTimeArray, x: TwoTimeArray, caStore: TwoTimeArray?,
        sigmaR: UnsafeMutablePointer<Double>, ca: UnsafeMutablePointer<Double>, scratch w: UnsafeMutablePointer<Double>
    ) {
        let ak = a[k], phiHatK = covariance.phiHat(v[k])
        let sigmaCRow = sigmaC.row(k)
        for s in 0...k {
            let value = self.sigmaC(
                aT: ak, aS: a[s], phiHatT: phiHatK, phiHatS: covariance.phiHat(v[s]), cd: row.cd[s], co: row.co[s])
            sigmaCRow[s] = value
            sigmaC[s, k] = value
        }
        for s in 0..<k {
            sigmaR[s] = self.sigmaR(aT: ak, aS: a[s], cd: row.cd[s], co: row.co[s], rd: row.rd[s], ro: row.ro[s])
        }
        residualKernelRow(k, weights: weights, sigmaR: sigmaR, sigmaC: sigmaC, x: x, caStore: caStore, ca: ca, scratch: w)
    }

    /// Row k of the memory kernels times the column weight — `ηM^R_d`, `ηM^R_o` into
    /// `responseKernels[s]`, `responseKernels[stride + s]` and `ηM^C_d`, `ηM^C_o` likewise into
    /// `correlationKernels` — and the one-time integrals of row k, from row k of `X` and `C_A`.
    func memoryRow(
        _ k: Int, a: UnsafePointer<Double>, v: UnsafePointer<Double>, weights: UnsafePointer<Double>,
        _ row: TwoTimeRow, x: UnsafePointer<Double>, ca: UnsafePointer<Double>,
        responseKernels: UnsafeMutablePointer<Double>, correlationKernels: UnsafeMutablePointer<Double>, stride: Int
    ) -> RowIntegrals {
        let ak = a[k]
        var sums = RowIntegrals()
        for s in 0...k {
            let cds = row.cd[s], cos = row.co[s], rds = row.rd[s], ros = row.ro[s], ws = weights[s]
            let d = covariances(at: cds), o = covariances(at: cos)
            let mrd = memoryR(aT: ak, aS: a[s], x: localDiagonal * x[s], weight: ws, ca: ca[s], at: d, response: rds)
            let mro = memoryR(aT: ak, aS: a[s], x: x[s], weight: ws, ca: ca[s], at: o, response: ros)
            let mcd = memoryC(aT: ak, aS: a[s], weight: ws, ca: ca[s], at: d)
            let mco = memoryC(aT: ak, aS: a[s], weight: ws, ca: ca[s], at: o)
            responseKernels[s] = mrd; responseKernels[stride + s] = mro
            correlationKernels[s] = mcd; correlationKernels[stride + s] = mco
            sums.response += x[s]
            sums.drift += driftTerm(x: x[s], aS: a[s], d: d, o: o)
            sums.responseDrift += responseDriftTerm(weight: ws, ca: ca[s], aS: a[s], d: d, o: o, rd: rds, ro: ros)
            sums.overlapMemory += overlapMemoryTerm(mrd: mrd, mro: mro, v: v[s])
            sums.multiplierMemory += multiplierMemoryTerm(
                mrd: mrd, mro: mro, mcd: mcd, mco: mco, cd: cds, co: cos, rd: rds, ro: ros)
        }
        return sums
    }
}
