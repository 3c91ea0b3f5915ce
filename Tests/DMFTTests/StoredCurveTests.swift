import Foundation
import XCTest

@testable import DMFT

/// Regression tests against the curves stored under `data/` by the examples (`Examples/*.sh`:
/// the paper's figures, listed in `docs/paper.md`, and the gap tables of `docs/slow-scale.md`). Each stored CSV's sidecar carries the full
/// problem, the solver settings, the project version, a SHA-256 of the CSV and, for DMFT
/// curves, the discretisation error estimated from a run at twice the step. The tests re-run a
/// cheap prefix of the stored configuration and compare.
final class StoredCurveTests: XCTestCase {
    static let dataDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data")

    struct Stored {
        let csv: String
        let trajectory: Trajectory
        let metadata: [String: Any]
        let spec: ProblemSpec

        init(_ name: String) throws {
            csv = StoredCurveTests.dataDirectory.appendingPathComponent(name).path
            trajectory = try TrajectoryCSV.read(path: csv)
            let json = try Data(contentsOf: URL(fileURLWithPath: RunOutput.sidecarPath(for: csv)))
            metadata = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
            struct Wrapped: Decodable { let problem: ProblemSpec }
            spec = try JSONDecoder().decode(Wrapped.self, from: json).problem
        }

        var solver: [String: String] { metadata["solver"] as? [String: String] ?? [:] }
        func setting(_ key: String) throws -> Double { try XCTUnwrap(Double(XCTUnwrap(solver[key])), key) }
    }

    /// The stored CSV is byte-for-byte what its sidecar's checksum says.
    func assertChecksum(_ stored: Stored) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [stored.csv]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let digest = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: " ").first.map(String.init)
        XCTAssertEqual(digest, stored.metadata["csv_sha256"] as? String, "\(stored.csv) changed since it was stored")
    }

    /// Re-solves t ≤ `prefix` with the stored step. Tolerance per observable: the
    /// discretisation error of that prefix, estimated afresh as `max_t |y(2η) − y(η)|`
    /// (≈ |y(η) − y*| for a first-order scheme), and never more than the stored whole-run
    /// estimate. A change of the scheme within its own accuracy passes; a change of the
    /// equations by more than the discretisation error does not.
    func checkDMFT(_ name: String, prefix: Double) throws {
        let stored = try Stored(name)
        try assertChecksum(stored)
        // Figures 6–7 store three steps instead of one estimate: then the fresh one alone.
        let storedErrors = stored.metadata["discretisation_error"] as? [String: Double]
        let dt = try stored.setting("dt")
        let problem = try stored.spec.makeProblem()
        let rerun = try UniformEulerSolver(step: dt, duration: prefix).solve(problem).trajectory
        let coarse = try UniformEulerSolver(step: 2 * dt, duration: prefix).solve(problem).trajectory
        for obs in Observable.dmftColumns.dropFirst() {
            let new = rerun[obs]!, old = stored.trajectory[obs]!, doubled = coarse[obs]!
            var estimate = 0.0
            for k in 0..<coarse.count { estimate = max(estimate, abs(doubled[k] - new[2 * k])) }
            let storedError = try storedErrors.map { try XCTUnwrap($0[obs.rawValue], obs.rawValue) } ?? .infinity
            let tolerance = min(estimate, storedError)
            // Beyond the discretisation error, only the CSV's rounding to 12 significant digits
            // (≤ 5e-13 relative; a frozen a = γ₀√m has a zero estimate).
            var worst = 0.0
            for i in 0..<rerun.count { worst = max(worst, abs(new[i] - old[i]) - 1e-12 * max(1, abs(old[i]))) }
            XCTAssertLessThanOrEqual(worst, tolerance, "\(name) \(obs.rawValue)")
        }
    }

    /// Re-simulates t ≤ `prefix` with the stored seed and settings. The same seed reproduces
    /// the stored averages up to floating-point rounding (BLAS kernels may differ between
    /// machines); the tolerance, a tenth of the stored standard error, is far inside the
    /// sampling error on which the stored curve means anything.
    func checkNetwork(_ name: String, prefix: Double) throws {
        let stored = try Stored(name)
        try assertChecksum(stored)
        var sim = NetworkSimulator(
            dimension: Int(try stored.setting("dim")), learningRate: try stored.setting("lr"),
            batchSize: Int(try stored.setting("batch")), duration: prefix,
            recordInterval: stored.solver["record_every"].flatMap(Double.init) ?? .infinity,
            seed: UInt64(try stored.setting("seed")))
        sim.recordsPerDecade = stored.solver["record_log"].flatMap(Int.init) ?? 0
        let rerun = try sim.simulate(stored.spec.makeProblem(), runs: Int(try stored.setting("runs")))
        assertSameSamples(rerun, stored, ["e_train", "e_test", "a", "v", "Cd_t0"])
    }

    /// Re-simulates t ≤ `prefix` of a stored Gaussian-process-model run, as `checkNetwork`.
    func checkGaussian(_ name: String, prefix: Double, observables: [String]) throws {
        let stored = try Stored(name)
        try assertChecksum(stored)
        let sim = GaussianModelSimulator(
            dimension: Int(try stored.setting("dim")), step: try stored.setting("step"), duration: prefix,
            recordInterval: try stored.setting("record_every"), seed: UInt64(try stored.setting("seed")))
        let rerun = try sim.simulate(stored.spec.makeProblem(), runs: Int(try stored.setting("runs")))
        assertSameSamples(rerun, stored, observables)
    }

    /// The same seed gives the same averages up to rounding: within a tenth of the standard error;
    /// at least two rows after t = 0.
    func assertSameSamples(_ rerun: Trajectory, _ stored: Stored, _ observables: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(rerun.count, 2, file: file, line: line)
        for obs in observables {
            let new = rerun[obs]!, old = stored.trajectory[obs]!, se = stored.trajectory[obs + "_se"]!
            for i in 0..<rerun.count {
                // The CSV keeps 12 significant digits.
                XCTAssertEqual(rerun.time[i], stored.trajectory.time[i], accuracy: 1e-11 * max(1, rerun.time[i]), file: file, line: line)
                XCTAssertLessThanOrEqual(abs(new[i] - old[i]), 0.1 * se[i] + 1e-12, "\(stored.csv) \(obs) at t = \(rerun.time[i])", file: file, line: line)
            }
        }
    }

    /// Re-solves t ≤ `prefix` of a long-time-solver curve (`problem` defaults to the stored one)
    /// with the stored tolerance. The adaptive grid is chosen causally, so the rerun's grid is
    /// the stored one's up to its last steps; at every common time the values must agree within
    /// the stored error estimate of the run (the solver's own step-doubling check: the
    /// Richardson difference of its passes at η and 2η).
    func checkLongTime(_ name: String, prefix: Double, problem: ((TrainingProblem) throws -> TrainingProblem)? = nil) throws {
        let stored = try Stored(name)
        try assertChecksum(stored)
        let original = try stored.spec.makeProblem()
        let solver = LongTimeSolver(duration: prefix, tolerance: try stored.setting("tolerance"))
        let rerun = try solver.solve(try problem?(original) ?? original).trajectory
        let errors = try LongTimeSolution.headline.reduce(into: [String: Double]()) {
            $0[$1] = try stored.setting("error_estimate_\($1)")
        }
        // All but the last few steps (where the grid is fitted to the end) are shared.
        try checkAdaptive(stored, rerun: rerun, errors: errors, minimumCommon: rerun.count - 4)
    }

    /// The lazy regime-1 limit is a closed form: the stored curve is recomputed at every row
    /// and must agree to the 12 significant digits of the CSV.
    func testFigure3LazyRegimeOneLimit() throws {
        let stored = try Stored("figure3/lazy1.csv")
        try assertChecksum(stored)
        let limit = try LazyLimit(stored.spec.makeProblem())
        let again = limit.regimeOne(times: stored.trajectory.time)
        for column in ["e_train", "e_test"] + LazyLimit.regimeOneScaledColumns {
            for (new, old) in zip(again[column]!, stored.trajectory[column]!) {
                XCTAssertEqual(new, old, accuracy: 1e-11 * max(1, abs(old)), column)
            }
        }
    }

    /// The mean-field ODE (GSL rk8pd at relative tolerance 1e-10) on t ≤ 4: a rerun agrees with
    /// the stored curve far inside 1e-8, the size of its error over this horizon at that tolerance.
    func testFigure24MeanFieldLimitPrefix() throws {
        let stored = try Stored("figure24/mean-field.csv")
        try assertChecksum(stored)
        let rerun = try MeanFieldODE(duration: 4, outputInterval: 0.01).solve(stored.spec.makeProblem())
        for obs in ["e_train", "e_test", "a", "v"] {
            for i in 0..<rerun.count {
                XCTAssertEqual(rerun.time[i], stored.trajectory.time[i], accuracy: 1e-12)
                XCTAssertEqual(rerun[obs]![i], stored.trajectory[obs]![i], accuracy: 1e-8, "\(obs) at t = \(rerun.time[i])")
            }
        }
    }

    func testFigure3DMFTPrefix() throws { try checkDMFT("figure3/dmft-m10.csv", prefix: 0.5) }
    func testFigure3LazyRegimeTwoLimitPrefix() throws {
        try checkLongTime("figure3/lazy2.csv", prefix: 1) { try LazyLimit($0).regimeTwoProblem() }
    }
    func testFigure9DMFTPrefix() throws { try checkDMFT("figure9/dmft-m10.csv", prefix: 0.5) }
    func testFigure19DMFTPrefix() throws { try checkLongTime("figure19/dmft-m16.csv", prefix: 4) }
    /// The p-spin limit of Figure 19 re-solved whole with its recorded p-spin step and horizon
    /// (a fraction of a second): the same Richardson-extrapolated solution, to the CSV's digits.
    func testFigure19PSpinLimit() throws {
        let stored = try Stored("figure19/pspin.csv")
        try assertChecksum(stored)
        let rerun = try MeanFieldNoiseLimit(stored.spec.makeProblem())
            .solve(pSpinStep: try stored.setting("pspin_step"), pSpinDuration: try stored.setting("pspin_duration"))
        XCTAssertEqual(rerun.count, stored.trajectory.count)
        for column in ["t", "a", "Cd_t0"] {
            for (new, old) in zip(rerun[column]!, stored.trajectory[column]!) {
                XCTAssertEqual(new, old, accuracy: 1e-11 * max(1, abs(old)), column)
            }
        }
    }
    func testFigure24DMFTPrefix() throws { try checkDMFT("figure24/dmft-m10.csv", prefix: 4) }
    /// Figure 1 draws the Figure 5 runs.
    func testFigure5LongTimePrefix() throws { try checkLongTime("figure5/dmft-m25.csv", prefix: 10) }
    /// A rerun of a stored adaptive-solver curve, compared at the times both have: each run's
    /// error is at most its estimate (`errors`, per headline observable), and the rerun repeats
    /// the stored steps, so the two agree within the stored estimate (plus the CSV's rounding).
    /// At least `minimumCommon` times must be shared.
    func checkAdaptive(_ stored: Stored, rerun: Trajectory, errors: [String: Double], minimumCommon: Int) throws {
        try assertChecksum(stored)
        var common = 0, j = 0
        for (i, t) in rerun.time.enumerated() {
            while j < stored.trajectory.count && stored.trajectory.time[j] < t - 1e-9 * max(1, t) { j += 1 }
            guard j < stored.trajectory.count, abs(stored.trajectory.time[j] - t) <= 1e-9 * max(1, t) else { continue }
            common += 1
            for obs in LongTimeSolution.headline {
                let tolerance = try XCTUnwrap(errors[obs], obs) + 1e-10
                XCTAssertLessThanOrEqual(
                    abs(rerun[obs]![i] - stored.trajectory[obs]![j]), tolerance, "\(stored.csv) \(obs) at t = \(t)")
            }
        }
        XCTAssertGreaterThanOrEqual(common, minimumCommon, "\(stored.csv): the rerun's grid left the stored one")
    }

    func testFigure2DMFTPrefix() throws { try checkDMFT("figure2/dmft-m10.csv", prefix: 10) }
    func testFigure4DMFTPrefix() throws { try checkDMFT("figure4/dmft-m10.csv", prefix: 10) }
    func testFigure2NetworkPrefix() throws { try checkNetwork("figure2/network-m10.csv", prefix: 2) }
    func testFigure4NetworkPrefix() throws { try checkNetwork("figure4/network-m10.csv", prefix: 2) }
    func testFigure4GapsDMFTPrefix() throws { try checkDMFT("figure4-gaps/dmft-m160.csv", prefix: 5) }
    func testFigure4GapsNetworkPrefix() throws { try checkNetwork("figure4-gaps/network-m10-d800.csv", prefix: 3) }
    func testFigure5NetworkPrefix() throws { try checkNetwork("figure5-network/network-m25.csv", prefix: 2) }
    func testFigure6DMFTPrefix() throws { try checkDMFT("figure6/dmft-dt0.05.csv", prefix: 2) }
    func testFigure7DMFTPrefix() throws { try checkDMFT("figure7/dmft-dt0.05.csv", prefix: 2) }
    func testFigure6GaussianPrefix() throws {
        try checkGaussian("figure6/gaussian-d50.csv", prefix: 1, observables: ["e_train", "e_test", "a_g1", "Co_tt_g1_g3"])
    }

    /// Stored ratio-solver curves (`data/figure5-network`, `data/figure21`): t ≤ 20 again with
    /// the stored nodes and tolerance; the error allowed is the stored difference to the run
    /// with fewer nodes.
    func checkRatio(_ csv: String, prefix: Double) throws {
        let stored = try Stored(csv)
        var solver = RatioGridSolver(duration: prefix)
        (solver.nodes, solver.clustering) = (Int(try stored.setting("nodes")), try stored.setting("clustering"))
        solver.tolerance = try stored.setting("tolerance")
        let rerun = try solver.solve(stored.spec.makeProblem()).trajectory
        let errors = try XCTUnwrap(stored.metadata["resolution_difference"] as? [String: Double])
        try checkAdaptive(stored, rerun: rerun, errors: errors, minimumCommon: rerun.count - 4)
    }

    func testFigure5RatioSolverPrefix() throws { try checkRatio("figure5-network/dmft-m25.csv", prefix: 20) }
    func testFigure21RatioSolverPrefix() throws { try checkRatio("figure21/dmft-m25.csv", prefix: 20) }
    func testFigure5Width400RatioSolverPrefix() throws { try checkRatio("figure5-network/dmft-m400.csv", prefix: 10) }
}
