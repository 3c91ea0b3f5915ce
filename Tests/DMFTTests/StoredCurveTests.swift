import Foundation
import XCTest

@testable import DMFT

/// Regression tests against the curves stored under `data/` by the paper-figure examples
/// (`Examples/figure2.sh`, `Examples/figure4.sh`). Each stored CSV's sidecar carries the full
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
        let storedErrors = try XCTUnwrap(stored.metadata["discretisation_error"] as? [String: Double])
        let dt = try stored.setting("dt")
        let problem = try stored.spec.makeProblem()
        let rerun = try UniformEulerSolver(step: dt, duration: prefix).solve(problem).trajectory
        let coarse = try UniformEulerSolver(step: 2 * dt, duration: prefix).solve(problem).trajectory
        for obs in Observable.dmftColumns.dropFirst() {
            let new = rerun[obs]!, old = stored.trajectory[obs]!, doubled = coarse[obs]!
            var estimate = 0.0
            for k in 0..<coarse.count { estimate = max(estimate, abs(doubled[k] - new[2 * k])) }
            let tolerance = min(estimate, try XCTUnwrap(storedErrors[obs.rawValue], obs.rawValue)) + 1e-12
            var worst = 0.0
            for i in 0..<rerun.count { worst = max(worst, abs(new[i] - old[i])) }
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
            recordInterval: try stored.setting("record_every"), seed: UInt64(try stored.setting("seed")))
        let rerun = try sim.simulate(stored.spec.makeProblem(), runs: Int(try stored.setting("runs")))
        for obs in ["e_train", "e_test", "a", "v", "Cd_t0"] {
            let new = rerun[obs]!, old = stored.trajectory[obs]!, se = stored.trajectory[obs + "_se"]!
            for i in 0..<rerun.count {
                XCTAssertEqual(rerun.time[i], stored.trajectory.time[i], accuracy: 1e-12)
                XCTAssertLessThanOrEqual(abs(new[i] - old[i]), 0.1 * se[i] + 1e-12, "\(name) \(obs) at t = \(rerun.time[i])")
            }
        }
    }

    func testFigure2DMFTPrefix() throws { try checkDMFT("figure2/dmft-m10.csv", prefix: 10) }
    func testFigure4DMFTPrefix() throws { try checkDMFT("figure4/dmft-m10.csv", prefix: 10) }
    func testFigure2NetworkPrefix() throws { try checkNetwork("figure2/network-m10.csv", prefix: 2) }
    func testFigure4NetworkPrefix() throws { try checkNetwork("figure4/network-m10.csv", prefix: 2) }
}
