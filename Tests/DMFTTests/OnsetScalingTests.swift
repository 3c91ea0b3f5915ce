import XCTest

@testable import DMFT

/// `OffsetPowerLawFit` and `OnsetScaling` on data whose answer is known in closed form.
final class OnsetScalingTests: XCTestCase {
    let sizes: [Double] = [25, 50, 100, 200, 400]

    func testExactLawIsRecovered() throws {
        let y = sizes.map { 7.9 - 4.2 * pow($0, -0.7) }
        let fit = try OffsetPowerLawFit(x: sizes, y: y)
        XCTAssertEqual(fit.limit, 7.9, accuracy: 1e-7)
        XCTAssertEqual(fit.amplitude, -4.2, accuracy: 1e-6)
        XCTAssertEqual(fit.exponent, 0.7, accuracy: 1e-7)
        XCTAssertLessThan(fit.residualSumOfSquares, 1e-20)
        XCTAssertEqual(fit.degreesOfFreedom, 2)
        XCTAssertEqual(fit(1000), 7.9 - 4.2 * pow(1000, -0.7), accuracy: 1e-7)
    }

    /// With perturbed data the intervals are finite, contain the truth at this noise level, and
    /// the standard errors match a direct finite-difference propagation of the perturbation.
    func testIntervalsCoverTheTruthUnderSmallNoise() throws {
        let noise = [0.004, -0.003, 0.002, -0.004, 0.003]
        let y = zip(sizes, noise).map { 7.9 - 4.2 * pow($0.0, -0.7) + $0.1 }
        let fit = try OffsetPowerLawFit(x: sizes, y: y)
        XCTAssertGreaterThan(fit.limitStandardError, 0)
        XCTAssertTrue(fit.limitInterval.contains(7.9), "\(fit.limitInterval)")
        XCTAssertTrue(fit.exponentInterval.contains(0.7), "\(fit.exponentInterval)")
        XCTAssertLessThan(abs(fit.limit - 7.9), 0.1)
        // The linearised covariance against the exact sensitivity: refit with one point moved.
        let h = 1e-6
        var sensitivity = 0.0
        for j in sizes.indices {
            var moved = y
            moved[j] += h
            let d = (try OffsetPowerLawFit(x: sizes, y: moved).limit - fit.limit) / h
            sensitivity += d * d
        }
        let s2 = fit.residualSumOfSquares / Double(fit.degreesOfFreedom)
        XCTAssertEqual(fit.limitStandardError, (s2 * sensitivity).squareRoot(), accuracy: 0.05 * fit.limitStandardError)
    }

    func testRefusals() {
        XCTAssertThrowsError(try OffsetPowerLawFit(x: [1, 2, 3], y: [1, 2, 3]))
        XCTAssertThrowsError(try OffsetPowerLawFit(x: [1, 2, 2, 3], y: [1, 2, 2, 3]))
        XCTAssertThrowsError(try OffsetPowerLawFit(x: [0, 1, 2, 3], y: [1, 2, 2, 3]))
        // Growing data: no decaying correction fits; the best κ runs to the end of the range.
        XCTAssertThrowsError(try OffsetPowerLawFit(x: sizes, y: sizes.map { $0 * $0 })) { error in
            guard case DMFTError.diverged = error else { return XCTFail("\(error)") }
        }
    }

    /// Curves with a(t)/√m = γ((t − T(m))/W(m)), γ(z) = 0.5 + 0.1z, T(m) = m(7.9 − 4.2 m^−0.7) and
    /// W(m) = 3 m^0.8: t₀(m; 0.5) = T(m), so the c = 0.5 fit is the law above; the window between
    /// c = 0.4 and 0.6 is 2W(m), and the ratio of c = 0.5 inside it is ½ at every width.
    func testOnsetsFitsAndWindowOfCollapsingCurves() throws {
        var curves: [(width: Int, trajectory: Trajectory)] = []
        for m in sizes {
            let onset = m * (7.9 - 4.2 * pow(m, -0.7)), window = 3 * pow(m, 0.8)
            var trajectory = Trajectory(names: ["t", "a"])
            for k in 0...400 {
                let t = 30 * m * Double(k) / 400
                trajectory.append([t, m.squareRoot() * max(0, 0.5 + 0.1 * (t - onset) / window)])
            }
            curves.append((Int(m), trajectory))
        }
        let analysis = try OnsetScaling(curves: curves, levels: [0.4, 0.5, 0.6])
        let middle = try XCTUnwrap(analysis.fits.first { $0.level == 0.5 }?.fit)
        XCTAssertEqual(middle.limit, 7.9, accuracy: 1e-6)
        XCTAssertEqual(middle.exponent, 0.7, accuracy: 1e-6)
        let window = try XCTUnwrap(analysis.window)
        XCTAssertEqual(window.widths, sizes.map { Int($0) })
        for (k, m) in sizes.enumerated() {
            XCTAssertEqual(window.values[k], 2 * 3 * pow(m, 0.8), accuracy: 1e-9 * m)
            XCTAssertEqual(window.ratios[k][0.5] ?? .nan, 0.5, accuracy: 1e-9)
        }
        XCTAssertEqual(try XCTUnwrap(window.exponent), 0.8, accuracy: 1e-9)
        XCTAssertTrue(analysis.fitCSV.hasPrefix("c,widths,t_star,"))
        XCTAssertEqual(analysis.onsetCSV.split(separator: "\n").count, 1 + 3 * sizes.count)
    }

    func testLevelNeverReachedAndTooFewWidths() throws {
        var trajectory = Trajectory(names: ["t", "a"])
        for k in 0...10 { trajectory.append([Double(k), Double(k)]) }  // a = t
        XCTAssertEqual(try OnsetScaling.onsetTime(trajectory, width: 25, level: 0.3) ?? .nan, 1.5, accuracy: 1e-12)
        XCTAssertNil(try OnsetScaling.onsetTime(trajectory, width: 25, level: 3))
        let analysis = try OnsetScaling(curves: [(25, trajectory)], levels: [0.3, 3])
        XCTAssertNil(analysis.fits[0].fit)
        XCTAssertEqual(analysis.fits[0].note, "1 width reached a = 0.3·√m; the fit needs 4")
        XCTAssertThrowsError(try OnsetScaling(curves: [(25, trajectory), (25, trajectory)], levels: [0.3]))
    }
}
