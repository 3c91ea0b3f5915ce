import XCTest

@testable import DMFT

/// The interpolation-threshold scan: the crossing time, its discretisation independence,
/// finite m against m = ∞, the figure, and refusals.
final class InterpolationThresholdTests: XCTestCase {
    let paperH = [0.9, 0, 1.0 / 6]

    func lazyPureNoise(width: Int) throws -> TrainingProblem {
        try TrainingProblem(
            width: width, alpha: 0.2, noise: 0.5, covariance: CovarianceModel(h: paperH),
            initialization: .lazy(gamma0: 1), trainSecondLayer: false)
    }

    /// e = e^{−t} sampled every 0.5: the log-linear interpolation finds the exact crossing.
    func testCrossingTimeIsInterpolatedInLogError() {
        var t = Trajectory(observables: [.time, .trainError])
        for k in 0...20 { t.append([0.5 * Double(k), exp(-0.5 * Double(k))]) }
        XCTAssertEqual(InterpolationThresholdScan.relaxationTime(t, level: exp(-3.3))!, 3.3, accuracy: 1e-12)
        XCTAssertNil(InterpolationThresholdScan.relaxationTime(t, level: 1e-9))
    }

    /// t_rel of the m = ∞ system agrees with the one read off the η-extrapolated uniform
    /// solver (an independent discretisation, error O(η²) ≈ 1e-4 at η = 0.05) to 2e-3
    /// relative, grows with α, and the doubling of the horizon (from 5) reaches it.
    func testRelaxationTimeIsConverged() throws {
        var scan = InterpolationThresholdScan(parameter: .alpha, values: [0.1, 0.2], width: .lazyRegimeTwo)
        (scan.epsilon, scan.initialDuration) = (1e-4, 5)
        let base = try lazyPureNoise(width: 1)
        let points = try scan.run(base)
        for point in points {
            let reference = try extrapolatedUniform(scan.problem(base, at: point.value), step: 0.05, duration: 25)
            let tRel = try XCTUnwrap(InterpolationThresholdScan.relaxationTime(reference, level: 1e-4 * 0.25))
            print("α = \(point.value): t_rel = \(point.relaxationTime!), uniform reference \(tRel)")
            XCTAssertEqual(point.relaxationTime! / tRel, 1, accuracy: 2e-3)
            XCTAssertGreaterThan(point.duration, 5)
        }
        XCTAssertGreaterThan(points[1].relaxationTime!, points[0].relaxationTime!)
    }

    /// The finite-m relaxation time approaches the m = ∞ one as m grows, with a gap ∝ 1/m
    /// (ratio 2 per doubling; ±0.6 allows the O(1/m²) terms at m = 10).
    func testFiniteWidthApproachesInfiniteWidth() throws {
        var scan = InterpolationThresholdScan(parameter: .alpha, values: [0.2], width: .lazyRegimeTwo)
        scan.epsilon = 1e-3
        let limit = try scan.run(lazyPureNoise(width: 1))[0].relaxationTime!
        scan.width = .finite
        let gaps = try [10, 20, 40].map { m in abs(try scan.run(lazyPureNoise(width: m))[0].relaxationTime! - limit) }
        print("t_rel(m = ∞) = \(limit), |t_rel(m) − t_rel(∞)| at m = 10, 20, 40:", gaps)
        XCTAssertEqual(gaps[0] / gaps[1], 2, accuracy: 0.6, "\(gaps)")
        XCTAssertEqual(gaps[1] / gaps[2], 2, accuracy: 0.6, "\(gaps)")
    }

    func testFigureAndRefusals() throws {
        let points = [0.1, 0.2, 0.3, 0.4, 0.45].map {
            InterpolationThresholdScan.Point(value: $0, relaxationTime: 3 * pow(0.7 - $0, -2), finalTrainError: 0, duration: 1)
        } + [InterpolationThresholdScan.Point(value: 0.6, relaxationTime: nil, finalTrainError: 1e-3, duration: 800)]
        let scan = InterpolationThresholdScan(parameter: .alpha, values: points.map(\.value), width: .lazyRegimeTwo)
        let fit = try scan.fit(points)
        XCTAssertEqual(fit.threshold, 0.7, accuracy: 1e-8)
        XCTAssertEqual(fit.exponent, 2, accuracy: 1e-8)
        let svg = StandardFigure.relaxationTimes([("m = ∞", points, fit)], parameter: .alpha).svg()
        XCTAssertTrue(svg.contains("m = ∞") && svg.contains("alpha* = 0.7"), "the legend names the scan and the fit")
        XCTAssertThrowsError(try scan.fit(Array(points.prefix(3))))  // fewer than 4 relaxed points
        let gammaScan = InterpolationThresholdScan(parameter: .gamma0, values: [1, 2], width: .finite)
        XCTAssertThrowsError(try gammaScan.run(TrainingProblem(
            width: 5, alpha: 0.2, noise: 0.5, covariance: CovarianceModel(h: paperH), initialization: .meanField(a0: 1))))
        XCTAssertThrowsError(try scan.run(TrainingProblem(
            width: 5, alpha: 0.2, noise: 0, covariance: CovarianceModel(h: paperH), initialization: .lazy(gamma0: 1))))
        XCTAssertThrowsError(try InterpolationThresholdScan(parameter: .alpha, values: [0.1, 0.1], width: .lazyRegimeTwo)
            .run(lazyPureNoise(width: 5)))
        // A value whose solve cannot be done (here: a memory limit of 1 kB) is reported with the
        // reason and the scan goes on.
        var starved = InterpolationThresholdScan(parameter: .alpha, values: [0.1, 0.2], width: .lazyRegimeTwo)
        starved.memoryLimitBytes = 1e3
        let failed = try starved.run(lazyPureNoise(width: 5))
        XCTAssertEqual(failed.count, 2)
        XCTAssertTrue(failed.allSatisfy { $0.relaxationTime == nil && $0.failure?.contains("MB") == true }, "\(failed)")
    }
}
