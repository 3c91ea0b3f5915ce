import XCTest

@testable import DMFT

/// The interpolation threshold at fixed ᾱ = n/d with the second layer frozen at a = 1 (the
/// paper's appendix H, Figures 32–33): the m = ∞ relaxation time of `InfiniteWidthLimit`
/// converges in its step, the finite-m relaxation time of the full symmetric DMFT (an
/// independent solver, `LongTimeSolver`) approaches it as m grows, and the settings refuse
/// what does not fit.
final class FixedAlphaBarThresholdTests: XCTestCase {
    /// The paper's setting: pure noise, τ = 1, a = 1, h(q) = 0.3q + q²/2.
    func pureNoise(width: Int) throws -> TrainingProblem {
        try TrainingProblem(
            width: width, alpha: 0.6 / Double(width), noise: 1, covariance: CovarianceModel(h: [0.3, 0.5]),
            initialization: .meanField(a0: 1), trainSecondLayer: false)
    }

    func relaxationTime(_ scan: InterpolationThresholdScan, width: Int) throws -> Double {
        let point = try XCTUnwrap(scan.run(pureNoise(width: width)).first)
        return try XCTUnwrap(point.relaxationTime, "not relaxed: \(point)")
    }

    /// The scheme is first order in the step: halving η twice, the changes of t_rel shrink by
    /// 2 each time (±0.3 for the O(η²) terms), and the Richardson value 2t(η/2) − t(η) moves by
    /// less than a tenth of the first change.
    func testInfiniteWidthRelaxationTimeIsFirstOrderInTheStep() throws {
        var scan = InterpolationThresholdScan(parameter: .alphaBar, values: [0.6], width: .infiniteWidth)
        (scan.epsilon, scan.initialDuration) = (1e-4, 4)
        let times = try [0.08, 0.04, 0.02].map { step in
            scan.infiniteWidthStep = step
            return try relaxationTime(scan, width: 1)
        }
        let changes = [times[1] - times[0], times[2] - times[1]]
        print("ᾱ = 0.6, t_rel(∞) at η = 0.08, 0.04, 0.02:", times)
        XCTAssertEqual(changes[0] / changes[1], 2, accuracy: 0.3, "\(times)")
        let richardson = [2 * times[1] - times[0], 2 * times[2] - times[1]]
        XCTAssertLessThan(abs(richardson[1] - richardson[0]), 0.1 * abs(changes[0]), "\(times)")
    }

    /// `t_rel/m` of the full symmetric DMFT at width m approaches the m = ∞ relaxation time
    /// (η-extrapolated) with a gap ∝ 1/m: the gap halves per doubling of m (ratio 2 ± 0.6 for
    /// the O(1/m²) terms at m = 5), and at m = 20 it is below 10%.
    func testFiniteWidthApproachesTheFixedAlphaBarLimit() throws {
        var limitScan = InterpolationThresholdScan(parameter: .alphaBar, values: [0.6], width: .infiniteWidth)
        (limitScan.epsilon, limitScan.initialDuration) = (1e-4, 4)
        limitScan.infiniteWidthStep = 0.04
        let coarse = try relaxationTime(limitScan, width: 1)
        limitScan.infiniteWidthStep = 0.02
        let limit = 2 * (try relaxationTime(limitScan, width: 1)) - coarse
        var finiteScan = limitScan
        finiteScan.width = .finite
        let widths = [5, 10, 20]
        let finite = try widths.map { try relaxationTime(finiteScan, width: $0) }
        let gaps = finite.map { $0 - limit }
        print("ᾱ = 0.6: t_rel(∞) = \(limit), t_rel(m)/m at m = 5, 10, 20:", finite)
        XCTAssertEqual(gaps[0] / gaps[1], 2, accuracy: 0.6, "\(gaps)")
        XCTAssertEqual(gaps[1] / gaps[2], 2, accuracy: 0.6, "\(gaps)")
        XCTAssertLessThan(abs(gaps[2]) / limit, 0.1, "\(finite) against \(limit)")
    }

    /// Scans and systems that do not fit are refused with the reason; the old name of the
    /// lazy m = ∞ system tells the new one, on the command line and in a config file.
    func testRefusalsAndTheRenamedLimit() throws {
        let meanField = try pureNoise(width: 10)
        var lazy = meanField
        lazy.initialization = .lazy(gamma0: 1)
        func refuses(_ scan: InterpolationThresholdScan, _ base: TrainingProblem, saying text: String) {
            XCTAssertThrowsError(try scan.problem(base, at: 0.5)) { XCTAssertTrue("\($0)".contains(text), "\($0)") }
        }
        refuses(.init(parameter: .alpha, values: [0.5], width: .infiniteWidth), meanField, saying: "scan alphabar")
        refuses(.init(parameter: .alphaBar, values: [0.5], width: .infiniteWidth), lazy, saying: "lazy-2")
        refuses(.init(parameter: .alphaBar, values: [0.5], width: .lazyRegimeTwo), lazy, saying: "fixed α")
        refuses(.init(parameter: .alpha, values: [0.5], width: .lazyRegimeTwo), meanField, saying: "--init lazy")
        var badStep = InterpolationThresholdScan(parameter: .alphaBar, values: [0.5], width: .infiniteWidth)
        badStep.infiniteWidthStep = 0
        XCTAssertThrowsError(try badStep.run(meanField))
        // ᾱ is α·m at finite width, and the problem keeps its width.
        let finite = try InterpolationThresholdScan(parameter: .alphaBar, values: [0.5], width: .finite)
            .problem(meanField, at: 0.5)
        XCTAssertEqual(finite.alphaBar, 0.5, accuracy: 1e-15)
        XCTAssertEqual(finite.width, 10)
        XCTAssertFalse(finite.trainSecondLayer)

        XCTAssertEqual(try ThresholdWidthLimit(parsing: "lazy-2"), .lazy2)
        XCTAssertEqual(try ThresholdWidthLimit(parsing: "infinite-width"), .infiniteWidth)
        XCTAssertThrowsError(try ThresholdWidthLimit(parsing: "infinite")) {
            XCTAssertTrue("\($0)".contains("renamed lazy-2"), "\($0)")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(ThresholdSettings.self, from: Data(#"{"limit":"infinite"}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("renamed lazy-2"), "\($0)")
        }
        XCTAssertEqual(ThresholdWidthLimit.both.widths(for: .meanField(a0: 1)), [.finite, .infiniteWidth])
        XCTAssertEqual(ThresholdWidthLimit.both.widths(for: .lazy(gamma0: 1)), [.finite, .lazyRegimeTwo])
    }
}
