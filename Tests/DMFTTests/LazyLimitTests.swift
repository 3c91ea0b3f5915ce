import XCTest

@testable import DMFT

/// The lazy m → ∞ limit (`LazyLimit`) against the full symmetric DMFT at growing m
/// (the project's validation plan (items 3–4)): regime-1 closed forms and the regime-2 reduced system.
final class LazyLimitTests: XCTestCase {
    let paperH = [0.9, 0, 1.0 / 6]

    func lazyProblem(width: Int, phiHat: [Double]?, tau: Double = 0.5, gamma0: Double = 1) throws -> TrainingProblem {
        try TrainingProblem(
            width: width, alpha: 0.3, noise: tau, covariance: CovarianceModel(h: paperH, phiHat: phiHat),
            initialization: .lazy(gamma0: gamma0), trainSecondLayer: false)
    }

    func testEffectiveNoiseAndPlateau() throws {
        // φ̂ = h = 0.9q + q³/6: ‖φ‖² = h(1) = 0.9 + 1/6, φ̂'(0)²/h'(0) = 0.9, h̃(1) = 1/6.
        let limit = try LazyLimit(lazyProblem(width: 7, phiHat: paperH, tau: 0.5, gamma0: 2))
        XCTAssertEqual(limit.effectiveNoise * limit.effectiveNoise, 0.25 + 1.0 / 6, accuracy: 1e-14)
        XCTAssertEqual(limit.regimeOneTestPlateau, 0.5 * (0.25 + 1.0 / 6 + 4.0 / 6), accuracy: 1e-14)
        XCTAssertThrowsError(try LazyLimit(TrainingProblem(
            width: 7, alpha: 0.3, noise: 0.5, covariance: CovarianceModel(h: paperH), initialization: .meanField(a0: 1))))
        XCTAssertThrowsError(try LazyLimit(TrainingProblem(
            width: 7, alpha: 0.3, noise: 0.5, covariance: CovarianceModel(h: [1]), initialization: .lazy(gamma0: 1)))
            .regimeTwoProblem())
    }

    /// Single index, regime 1: e, √m·v and m·C_o(t,t) at t̂ = m t ≤ 2 approach the closed forms
    /// with an O(1/m) gap. The DMFT side is the η-extrapolated uniform solver with η·m = 0.01
    /// (its own error, O((ηm)²·κ²) ≈ 1e-5, is far below the gaps, which are ≈ 1/m).
    func testRegimeOneClosedFormsSingleIndex() throws {
        var gaps: [[Double]] = []
        for m in [25, 50, 100] {
            let p = try lazyProblem(width: m, phiHat: paperH)
            let dmft = try extrapolatedUniform(p, step: 0.01 / Double(m), duration: 2 / Double(m))
            let tHat = dmft.time.map { $0 * Double(m) }
            let limit = try LazyLimit(p).regimeOne(times: tHat)
            let sqrtM = Double(m).squareRoot()
            gaps.append([
                zip(dmft[.testError]!, limit[.testError]!).map { abs($0 - $1) }.max()!,
                zip(dmft[.trainError]!, limit[.trainError]!).map { abs($0 - $1) }.max()!,
                zip(dmft[.overlap]!, limit["sqrt_m_v"]!).map { abs(sqrtM * $0 - $1) }.max()!,
                zip(dmft[.offDiagonalCorrelation]!, limit["m_Co_tt"]!)
                    .map { abs(Double(m) * $0 - $1) }.max()!,
            ])
        }
        print("regime-1 gaps (e_test, e_train, √m v, m C_o) at m = 25, 50, 100:", gaps)
        for column in 0..<4 {
            for i in 1..<gaps.count {
                let ratio = gaps[i - 1][column] / gaps[i][column]
                // 1/m corrections: the gap halves when m doubles (±25% for the O(1/m²) terms).
                XCTAssertEqual(ratio, 2, accuracy: 0.5, "column \(column): \(gaps)")
            }
            XCTAssertLessThan(gaps[2][column], 0.05, "column \(column): \(gaps)")
        }
    }

    /// Regime 2 (t = O(1)): C_d(t,0), e_train and e_test of the full DMFT approach those of
    /// the reduced m = 1 problem with h̃ and τ' as m grows, for pure noise and single index.
    /// Compared on 1.5 ≤ t ≤ 3, where the regime-1 transient (∝ e^{−2αγ₀²h'(0)mt}) is below
    /// 2e-4 at m = 10. Both sides are η-extrapolated uniform runs (ηm = 0.2, so ηλ ≈ 0.1 for the
    /// stiff rate λ ≈ 2αγ₀²h'(0)m).
    func testRegimeTwoReducedSystem() throws {
        let duration = 3.0
        for phiHat in [nil, paperH] {
            let reduced = try extrapolatedUniform(
                LazyLimit(lazyProblem(width: 1, phiHat: phiHat)).regimeTwoProblem(), step: 0.01, duration: duration)
            var gaps: [[Double]] = []
            for m in [10, 20, 40] {
                let full = try extrapolatedUniform(lazyProblem(width: m, phiHat: phiHat), step: 0.2 / Double(m), duration: duration)
                let shown = reduced.time.filter { $0 >= 1.5 }
                gaps.append([Observable.diagonalCorrelationToStart, .trainError, .testError].map { column in
                    shown.map { abs(full.value(column.rawValue, at: $0)! - reduced.value(column.rawValue, at: $0)!) }.max()!
                })
            }
            print("regime-2 gaps (Cd_t0, e_train, e_test) at m = 10, 20, 40, φ̂ = \(phiHat ?? []):", gaps)
            for column in 0..<3 {
                for i in 1..<gaps.count {
                    XCTAssertEqual(gaps[i - 1][column] / gaps[i][column], 2, accuracy: 0.6, "column \(column): \(gaps)")
                }
            }
        }
    }
}
