import XCTest
@testable import DMFT

/// The dense LU and GMRES behind the implicit ratio-grid integrator, on a random
/// nonsymmetric system with a known solution.
final class NewtonKrylovTests: XCTestCase {
    private let n = 40

    /// `A = 2I + B/√n` with B uniform in [−1, 1]: well conditioned, nonsymmetric; column-major.
    private func system() -> (a: [Double], x: [Double], b: [Double]) {
        var rng = SplitMix64(seed: 7)
        var a = (0..<(n * n)).map { _ in Double.random(in: -1..<1, using: &rng) / Double(n).squareRoot() }
        for i in 0..<n { a[i * n + i] += 2 }
        let x = (0..<n).map { Double($0 % 5) - 2 }
        let b = (0..<n).map { r in (0..<n).reduce(0.0) { $0 + a[$1 * n + r] * x[$1] } }
        return (a, x, b)
    }

    private func apply(_ a: [Double], _ v: [Double]) -> [Double] {
        (0..<n).map { r in (0..<n).reduce(0.0) { $0 + a[$1 * n + r] * v[$1] } }
    }

    func testLUSolvesToRounding() throws {
        let (a, x, b) = system()
        let lu = try XCTUnwrap(DenseLU(columnMajor: a, n: n))
        let solved = lu.solve(b)
        for i in 0..<n { XCTAssertEqual(solved[i], x[i], accuracy: 1e-12) }
        XCTAssertNil(DenseLU(columnMajor: [Double](repeating: 0, count: 4), n: 2), "singular matrix accepted")
    }

    /// Unpreconditioned GMRES reaches 1e-10 (its residual bound, times ‖A⁻¹‖ ≤ 1) within n
    /// products; with the exact inverse as preconditioner one product suffices.
    func testGMRESConverges() throws {
        let (a, x, b) = system()
        var products = 0
        let plain = gmres(operator: { products += 1; return self.apply(a, $0) }, preconditioner: { $0 },
                          rhs: b, relativeTolerance: 1e-12, maxIterations: n)
        for i in 0..<n { XCTAssertEqual(plain[i], x[i], accuracy: 1e-9) }
        XCTAssertLessThanOrEqual(products, n)
        let lu = try XCTUnwrap(DenseLU(columnMajor: a, n: n))
        products = 0
        let exact = gmres(operator: { products += 1; return self.apply(a, $0) }, preconditioner: lu.solve,
                          rhs: b, relativeTolerance: 1e-10, maxIterations: n)
        for i in 0..<n { XCTAssertEqual(exact[i], x[i], accuracy: 1e-10) }
        XCTAssertEqual(products, 1)
    }
}
