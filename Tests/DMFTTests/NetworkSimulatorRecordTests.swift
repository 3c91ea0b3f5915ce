import CNumerics
import XCTest

@testable import DMFT

/// The record grids of the network simulator (`RecordSchedule`): the linear grid of
/// `recordInterval`, the logarithmic grid of `recordsPerDecade`, and that records stay
/// deterministic for a fixed seed.
final class NetworkSimulatorRecordTests: XCTestCase {
    /// One B3 step: η d/n = 0.1 · 200 / 6000.
    static let b3Step = 0.1 * 200 / 6000

    /// `every(0.1)` at the B3 step: t = 0, 0.1, …, 20, i.e. every 30 steps (201 rows).
    func testLinearGridIsEveryInterval() {
        let steps = RecordSchedule.every(0.1).steps(duration: 20, timePerStep: Self.b3Step)
        XCTAssertEqual(steps, (0...200).map { 30 * $0 })
    }

    /// Ten per decade at the B3 step to t = 20: t = 10^(k/10) for k = −24 … 13 (one step is
    /// 10^−2.48), each rounded to the nearest step; t ≤ 0.008 collapse onto steps 1–2, so 37
    /// distinct grid steps plus t = 0 and the final step 6000 (t = 10^1.3 = 19.95 is step 5986).
    /// Decades land exactly on steps 3, 30, 300, 3000 (t = 0.01, 0.1, 1, 10).
    func testLogarithmicGridAtTheB3Step() {
        let steps = RecordSchedule.logarithmic(perDecade: 10).steps(duration: 20, timePerStep: Self.b3Step)
        XCTAssertEqual(
            steps,
            [0, 1, 2, 3, 4, 5, 6, 8, 9, 12, 15, 19, 24, 30, 38, 48, 60, 75, 95, 119, 150, 189, 238, 300, 378, 475, 599,
             754, 949, 1194, 1504, 1893, 2383, 3000, 3777, 4755, 5986, 6000])
        // The same grid times with another step size: decades are still on it.
        let fine = RecordSchedule.logarithmic(perDecade: 4).steps(duration: 10, timePerStep: 0.01)
        for decade in [1, 10, 100, 1000] { XCTAssertTrue(fine.contains(decade), "t = \(Double(decade) / 100)") }
        XCTAssertEqual(fine.count, 1 + 4 * 3 + 1, "t = 0 and 10^(k/4), k = −8 … 4")
        XCTAssertEqual(fine, fine.sorted())
        XCTAssertEqual(Set(fine).count, fine.count)
    }

    /// A run on the logarithmic grid records at exactly those steps, is bitwise reproducible
    /// for its seed, and its time column does not depend on the seed; concurrent and sequential
    /// ensembles agree. A record interval shorter than a step is ignored on the logarithmic
    /// grid; a negative count is refused.
    func testLogarithmicRecordsAreDeterministic() throws {
        let cubic = [0.9, 0, 1.0 / 6]
        let problem = try TrainingProblem(
            width: 5, alpha: 0.4, noise: 0.3, covariance: CovarianceModel(h: cubic, phiHat: cubic),
            initialization: .meanField(a0: 1))
        var sim = NetworkSimulator(dimension: 60, learningRate: 0.1, batchSize: 20, duration: 3, recordInterval: 1e-9, seed: 5)
        sim.recordsPerDecade = 5
        let dt = sim.stepTime(problem)
        let steps = sim.recordSchedule.steps(duration: 3, timePerStep: dt)
        let first = try sim.run(problem, realisation: 1)
        XCTAssertEqual(first.time, steps.map { Double($0) * dt })
        XCTAssertEqual(first, try sim.run(problem, realisation: 1))
        var other = sim
        other.seed = 6
        let second = try other.run(problem, realisation: 1)
        XCTAssertEqual(second.time, first.time)
        XCTAssertNotEqual(second[.trainError]!.last!, first[.trainError]!.last!)
        var sequential = sim
        sequential.concurrentRuns = 1
        var concurrent = sim
        concurrent.concurrentRuns = 2
        let parallel = try concurrent.simulate(problem, runs: 3)
        let savedThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(savedThreads) }
        XCTAssertEqual(parallel.time, first.time)
        XCTAssertEqual(parallel, try sequential.simulate(problem, runs: 3))
        sim.recordsPerDecade = -1
        XCTAssertThrowsError(try sim.validate(problem))
    }
}
