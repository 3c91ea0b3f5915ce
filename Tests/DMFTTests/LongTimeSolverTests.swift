import Foundation
import Synchronization
import XCTest

@testable import DMFT

/// The long-time solver checked against the uniform Euler solver extrapolated in η
/// (the project's validation plan (item 1), `docs/long-time.md` requirement 1), and its checkpoint/resume.
final class LongTimeSolverTests: XCTestCase {
    let paperH = [0.9, 0, 1.0 / 6]
    let headline = LongTimeSolution.headline

    func singleIndexMeanField(width: Int) throws -> TrainingProblem {
        try TrainingProblem(
            width: width, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH, phiHat: paperH),
            initialization: .meanField(a0: 1))
    }

    func pureNoiseLazy(width: Int) throws -> TrainingProblem {
        try TrainingProblem(
            width: width, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH),
            initialization: .lazy(gamma0: 1))
    }

    /// Largest deviation at the grid points of `a`, with `reference` (on a much finer grid)
    /// interpolated there.
    func maxDeviation(_ a: Trajectory, _ reference: Trajectory, column: String) -> Double {
        zip(a.time, a[column]!).map { abs($1 - reference.value(column, at: $0)!) }.max()!
    }

    /// Agreement with the extrapolated uniform solver within the tolerance, and an error
    /// estimate of the right size, in the two settings that differ most: single index with
    /// mean-field init (slow growth of a) and pure noise with lazy init (stiff from t = 0).
    func testAgreesWithExtrapolatedUniformSolver() throws {
        let cases: [(String, TrainingProblem, Double, Double)] = [
            ("single index, mean field, m = 10", try singleIndexMeanField(width: 10), 0.02, 10),
            ("pure noise, lazy, m = 20", try pureNoiseLazy(width: 20), 0.005, 4),
        ]
        for (name, problem, step, duration) in cases {
            let reference = try extrapolatedUniform(problem, step: step, duration: duration)
            let solution = try LongTimeSolver(duration: duration, tolerance: 1e-3).solve(problem)
            XCTAssertTrue(solution.warnings.isEmpty, "\(name): \(solution.warnings)")
            XCTAssertEqual(solution.trajectory.time.last!, duration, accuracy: 1e-12)
            for column in headline {
                let error = maxDeviation(solution.trajectory, reference, column: column)
                let estimate = solution.errorEstimate[column]!
                print("long-time vs uniform, \(name), \(column): error \(fmt(error)), estimate \(fmt(estimate)), "
                      + "\(solution.coarsePoints) coarse points")
                // The tolerance holds for the actual error; the estimate is its leading term
                // and was measured within 30% of it here (the reference's own error,
                // O(step²), is ≈ 1e-5).
                XCTAssertLessThan(error, 1e-3, "\(name), \(column)")
                XCTAssertLessThan(error, 2 * estimate + 2e-5, "\(name), \(column): estimate \(estimate) vs \(error)")
                XCTAssertLessThan(estimate, 1e-3, "\(name), \(column)")
            }
            // The coarse pass is far cheaper than the uniform grid it replaces.
            XCTAssertLessThan(solution.coarsePoints, Int(duration / step) / 2, name)
        }
    }

    /// A tighter tolerance gives a smaller error, at second order (error ∝ points⁻²).
    func testErrorFallsWithTolerance() throws {
        let problem = try singleIndexMeanField(width: 10)
        let reference = try LongTimeSolver(duration: 6, tolerance: 1e-5).solve(problem).trajectory
        var previous: (points: Int, error: Double)? = nil
        for tolerance in [1e-3, 1e-4] {
            let solution = try LongTimeSolver(duration: 6, tolerance: tolerance).solve(problem)
            let error = headline.map { maxDeviation(solution.trajectory, reference, column: $0) }.max()!
            if let previous {
                let order = log(previous.error / error) / log(Double(solution.coarsePoints) / Double(previous.points))
                XCTAssertGreaterThan(order, 1.5, "observed order \(order)")
            }
            previous = (solution.coarsePoints, error)
        }
    }

    /// Where the doubled steps of the 2η pass cross the stability limit (here m = 50 at
    /// t ≈ 100 with steps of 1.2), the output still comes from the coarse and fine passes and
    /// the estimate falls back to the first-order difference, which must bound the error.
    func testDiverging2EtaPassFallsBackToTheFirstOrderBound() throws {
        let problem = try singleIndexMeanField(width: 50)
        let loose = try LongTimeSolver(duration: 150, tolerance: 1e-2).solve(problem)
        XCTAssertFalse(loose.estimateFromThreePasses)
        XCTAssertTrue(loose.warnings.contains { $0.contains("2η pass") }, "\(loose.warnings)")
        let reference = try LongTimeSolver(duration: 150, tolerance: 1e-3).solve(problem)
        XCTAssertTrue(reference.estimateFromThreePasses)
        for column in headline {
            XCTAssertEqual(loose.errorEstimate[column], loose.firstOrderDifference[column])
            let error = maxDeviation(loose.trajectory, reference.trajectory, column: column)
            XCTAssertLessThan(error, loose.errorEstimate[column]! + reference.errorEstimate[column]!, column)
        }
    }

    /// A run stopped in each pass and resumed from its checkpoint gives the same numbers.
    func testResumeReproducesTheUninterruptedRun() throws {
        let problem = try singleIndexMeanField(width: 10)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-resume-\(getpid()).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var solver = LongTimeSolver(duration: 5, tolerance: 1e-3)
        let uninterrupted = try solver.solve(problem)
        solver.checkpointPath = path
        let coarse = uninterrupted.coarsePoints
        for stopAt in [coarse / 2, coarse + coarse / 4 + 3, coarse + coarse / 2 + coarse] {
            let polls = Atomic<Int>(0)
            var control = RunControl()
            control.isCancelled = { @Sendable in polls.add(1, ordering: .relaxed).newValue > stopAt }
            XCTAssertThrowsError(try solver.solve(problem, control: control)) { XCTAssertEqual($0 as? DMFTError, .cancelled) }
            XCTAssertTrue(FileManager.default.fileExists(atPath: path))
            let resumed = try solver.solve(problem, resume: true)
            XCTAssertEqual(resumed.trajectory.time, uninterrupted.trajectory.time)
            for column in resumed.trajectory.names {
                XCTAssertEqual(resumed.trajectory[column], uninterrupted.trajectory[column], column)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "checkpoint removed after success")
        }
    }

    func testResumeRefusesAnotherRunsCheckpoint() throws {
        let problem = try singleIndexMeanField(width: 10)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-other-\(getpid()).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var solver = LongTimeSolver(duration: 3, tolerance: 1e-3)
        solver.checkpointPath = path
        var control = RunControl()
        control.isCancelled = { @Sendable in true }
        XCTAssertThrowsError(try solver.solve(problem, control: control))
        var other = solver
        other.tolerance = 1e-4
        XCTAssertThrowsError(try other.solve(problem, resume: true)) {
            XCTAssertTrue("\($0)".contains("another run"), "\($0)")
        }
        try Data("DMFTCKPT2\nxx".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try solver.solve(problem, resume: true)) {
            XCTAssertTrue("\($0)".contains("not a dmft checkpoint"), "\($0)")
        }
        try Data("DMFTCKPT1\nxxxxxxxxxxxxxxxxxxxx".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try solver.solve(problem, resume: true)) {
            XCTAssertTrue("\($0)".contains("without a checksum"), "\($0)")
        }
    }

    func testRejectsBadSettings() throws {
        let problem = try singleIndexMeanField(width: 10)
        for solver in [
            LongTimeSolver(duration: 0), LongTimeSolver(duration: 5, tolerance: -1),
            LongTimeSolver(duration: .nan), LongTimeSolver(duration: 5, tolerance: .infinity),
        ] {
            XCTAssertThrowsError(try solver.solve(problem))
        }
        var tight = LongTimeSolver(duration: 5, tolerance: 1e-3)
        tight.memoryLimitBytes = 1e5
        XCTAssertThrowsError(try tight.solve(problem)) { XCTAssertTrue("\($0)".contains("MB"), "\($0)") }
    }
}
