import XCTest

@testable import DMFT

final class MeanFieldODETests: XCTestCase {
    let paperH = [0.9, 0, 1.0 / 6]

    /// φ̂ = h with h'(0) > 0: (a, v) → (1, 1) and the error → τ²/2, the Bayes error
    /// (`model-and-dmft.md` §4). Near v = 1 the factor (1 − v²) makes the approach
    /// algebraic, 1 − v ∝ 1/t, so doubling t must about halve 1 − v and |a − 1|.
    func testReachesBayesErrorWhenTargetMatchesActivation() throws {
        let p = try TrainingProblem(
            width: 1, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH, phiHat: paperH),
            initialization: .meanField(a0: 1))
        let traj = try MeanFieldODE(duration: 800, outputInterval: 400).solve(p)
        let v = traj[.overlap]!, a = traj[.secondLayer]!, e = traj[.testError]!
        print("mean-field ODE at t = 400, 800: a =", a[1], a[2], " v =", v[1], v[2], " e =", e[1], e[2])
        XCTAssertEqual((1 - v[1]) / (1 - v[2]), 2, accuracy: 0.2)
        XCTAssertEqual((a[1] - 1) / (a[2] - 1), 2, accuracy: 0.2)
        XCTAssertLessThan(1 - v[2], 5e-3)
        XCTAssertEqual(e[2], 0.18, accuracy: 1e-4)
        XCTAssertEqual(traj[.testError]!.first!, p.initialError - 0.5 * h1OverM(p), accuracy: 1e-12)
    }

    /// At t = 0 the mean-field error lacks the a₀²h(1)/m finite-width term of `initialError`.
    private func h1OverM(_ p: TrainingProblem) -> Double {
        p.initialSecondLayer * p.initialSecondLayer * p.covariance.h(1) / Double(p.width)
    }

    /// Pure noise from v = 0: nothing moves (φ̂ = 0 and h(0) = 0), e = ½τ².
    func testPureNoiseIsAFixedPoint() throws {
        let p = try TrainingProblem(
            width: 1, alpha: 0.4, noise: 0.6, covariance: CovarianceModel(h: paperH), initialization: .meanField(a0: 1))
        let traj = try MeanFieldODE(duration: 5, outputInterval: 1).solve(p)
        XCTAssertEqual(traj.count, 6)
        XCTAssertTrue(traj[.secondLayer]!.allSatisfy { $0 == 1 })
        XCTAssertTrue(traj[.testError]!.allSatisfy { abs($0 - 0.18) < 1e-15 })
    }

    /// The finite-m DMFT approaches it: the gap at m = 40 is below the gap at m = 10
    /// (the 1/m rate itself is tested against an independent RK4 in UniformEulerSolverTests).
    func testDMFTApproachesIt() throws {
        let reference = try MeanFieldODE(duration: 8, outputInterval: 0.1).solve(
            TrainingProblem(width: 1, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH, phiHat: paperH),
                            initialization: .meanField(a0: 1)))
        var gaps: [Double] = []
        for m in [10, 40] {
            let p = try TrainingProblem(
                width: m, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH, phiHat: paperH),
                initialization: .meanField(a0: 1))
            let dmft = try UniformEulerSolver(step: 0.02, duration: 8).solve(p).trajectory
            var gap = 0.0
            for (i, t) in reference.time.enumerated() {
                gap = max(gap, abs(dmft.value("v", at: t)! - reference[.overlap]![i]))
            }
            gaps.append(gap)
        }
        XCTAssertLessThan(gaps[1], gaps[0] / 2.5, "\(gaps)")
    }

    func testBadSettingsAreRefused() throws {
        let p = try TrainingProblem(
            width: 1, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH), initialization: .meanField(a0: 1))
        XCTAssertThrowsError(try MeanFieldODE(duration: -1, outputInterval: 1).solve(p))
        XCTAssertThrowsError(try MeanFieldODE(duration: 1, outputInterval: 0).solve(p))
    }
}
