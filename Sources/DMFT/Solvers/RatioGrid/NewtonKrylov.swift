import CNumerics
import Foundation

/// A dense LU factorisation (LAPACK `dgetrf`), for the implicit integrator's
/// `I − d·h·J` with `J` a finite-difference Jacobian.
struct DenseLU {
    let n: Int
    private let factors: [Double]   // column-major
    private let pivots: [Int32]

    /// Factorises the column-major `n × n` matrix; nil when it is singular.
    init?(columnMajor matrix: [Double], n: Int) {
        self.n = n
        var lu = matrix, p = [Int32](repeating: 0, count: n)
        var rows = Int32(n), cols = Int32(n), lda = Int32(n), info: Int32 = 0
        dgetrf_(&rows, &cols, &lu, &lda, &p, &info)
        guard info == 0 else { return nil }
        (factors, pivots) = (lu, p)
    }

    /// `A⁻¹ b`.
    func solve(_ b: [Double]) -> [Double] {
        var x = b
        var trans = CChar(UInt8(ascii: "N")), order = Int32(n), nrhs: Int32 = 1, lda = Int32(n), ldb = Int32(n)
        var info: Int32 = 0
        dgetrs_(&trans, &order, &nrhs, factors, &lda, pivots, &x, &ldb, &info)
        return x
    }
}

/// Right-preconditioned GMRES without restart (Saad & Schultz 1986): solves `A x = b` for
/// an operator known only through products, stopping when the residual has fallen by
/// `relativeTolerance` or after `maxIterations` products.
func gmres(operator apply: ([Double]) throws -> [Double], preconditioner: ([Double]) -> [Double],
           rhs b: [Double], relativeTolerance: Double, maxIterations: Int) rethrows -> [Double] {
    let n = b.count
    let beta = norm2(b)
    guard beta > 0 else { return b }
    var basis = [b.map { $0 / beta }]
    var hessenberg: [[Double]] = []           // column k has k + 2 entries
    var cs: [Double] = [], sn: [Double] = []
    var g = [beta]
    for k in 0..<maxIterations {
        var w = try apply(preconditioner(basis[k]))
        var column = [Double](repeating: 0, count: k + 2)
        for i in 0...k {   // modified Gram–Schmidt
            var dot = 0.0
            for r in 0..<n { dot += w[r] * basis[i][r] }
            column[i] = dot
            for r in 0..<n { w[r] -= dot * basis[i][r] }
        }
        column[k + 1] = norm2(w)
        for i in 0..<k {   // earlier Givens rotations
            let t = cs[i] * column[i] + sn[i] * column[i + 1]
            column[i + 1] = -sn[i] * column[i] + cs[i] * column[i + 1]
            column[i] = t
        }
        let rr = (column[k] * column[k] + column[k + 1] * column[k + 1]).squareRoot()
        let c = rr > 0 ? column[k] / rr : 1, s = rr > 0 ? column[k + 1] / rr : 0
        cs.append(c); sn.append(s)
        column[k] = rr
        let lost = column[k + 1]
        column[k + 1] = 0
        hessenberg.append(column)
        g.append(-s * g[k]); g[k] *= c
        if abs(g[k + 1]) <= relativeTolerance * beta || lost == 0 || k == maxIterations - 1 { break }
        basis.append(w.map { $0 / lost })
    }
    // Back substitution on the triangular system, then x = P⁻¹ V y.
    let m = hessenberg.count
    var y = [Double](repeating: 0, count: m)
    for i in stride(from: m - 1, through: 0, by: -1) {
        var v = g[i]
        for j in (i + 1)..<m { v -= hessenberg[j][i] * y[j] }
        y[i] = v / hessenberg[i][i]
    }
    var u = [Double](repeating: 0, count: n)
    for j in 0..<m { for r in 0..<n { u[r] += y[j] * basis[j][r] } }
    return preconditioner(u)
}

private func norm2(_ x: [Double]) -> Double {
    var s = 0.0
    for v in x { s += v * v }
    return s.squareRoot()
}
