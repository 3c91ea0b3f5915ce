import XCTest
@testable import DMFT

/// `dmft scan run|merge|status` end to end, on the built executable: shards, resume after
/// SIGKILL, Ctrl-C, failed points.
final class ScanRunTests: XCTestCase {
    var work = ""
    var binary = ""

    override func setUpWithError() throws {
        binary = try XCTUnwrap(CommandLineFuzzTests.binary(), "the dmft executable is not next to the tests (build it first)")
        work = NSTemporaryDirectory() + "dmft-scan-\(getpid())-\(name.filter(\.isLetter))"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: work) }

    /// Six tiny solves (m = 5, t ≤ 1, η = 0.1): about 0.05 s each.
    let tinyScan = """
        command: solve
        base: {width: 5, tmax: 1, dt: 0.1, phihat: [0.9, 0, 0.1666667]}
        axes:
          alpha: 0.2:0.6:3
          noise: [0.3, 0.6]
        """

    func testShardsTogetherEqualTheUnshardedRun() throws {
        let file = try write(tinyScan, "scan.yaml")
        XCTAssertEqual(try dmft(["scan", "run", file, "--out-dir", "whole", "--jobs", "2"]).status, 0)
        // Each point's directory is the hash of its sidecar's problem and settings.
        let scan = try JSONDecoder().decode(Scan.self, from: Data(read("whole/scan.json").utf8))
        for point in scan.points {
            let sidecar = try XCTUnwrap(
                JSONDecoder().decode(JSONValue.self, from: Data(read("whole/points/\(point.hash)/solve.json").utf8)).objectValue)
            let record = JSONValue.object(["command": .string("solve"), "problem": sidecar["problem"]!, "settings": sidecar["settings"]!])
            XCTAssertEqual(String(SHA256.hex(Array(try ScanPoint.canonicalJSON(record).utf8)).prefix(16)), point.hash)
        }
        XCTAssertEqual(try dmft(["scan", "run", file, "--out-dir", "sharded", "--shard", "1/3"]).status, 0)
        // Shard 2/3 as a SLURM array task 5 of an array 4..6; shard 3/3 with --shard.
        let slurm = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"]
        let second = try dmft(["scan", "run", file, "--out-dir", "sharded"], environment: slurm)
        XCTAssertEqual(second.status, 0)
        XCTAssert(second.output.contains("ran 2 point(s) of shard 2/3"), second.output)
        let status = try dmft(["scan", "status", "sharded"])
        XCTAssert(status.output.contains("6 points: 2 pending, 0 running, 4 done, 0 failed"), status.output)
        XCTAssertEqual(try dmft(["scan", "run", file, "--out-dir", "sharded", "--shard", "3/3"]).status, 0)
        try assertSameMergedFiles("whole", "sharded")
        // The figure colours each point by alpha along viridis (0.2, 0.4, 0.6: log-spaced positions).
        XCTAssertEqual(try dmft(["scan", "plot", "whole", "--color-by", "alpha", "--out", "alpha.svg"]).status, 0)
        let svg = try read("alpha.svg")
        for colour in ColourScale.viridis.colours(for: [0.2, 0.4, 0.6]) { XCTAssert(svg.contains(colour.svg), colour.svg) }
        XCTAssert(svg.contains("alpha = 0.4, noise = 0.6"))
        XCTAssert(try dmft(["scan", "plot", "whole", "--color-by", "width"]).output.contains("width is not a varied key"))
        // The heat map of the early-stopping test error over (alpha, noise): 3 × 2 cells.
        XCTAssertEqual(try dmft(["scan", "plot", "whole", "--heatmap", "e_test_min", "--x", "alpha", "--y", "noise"]).status, 0)
        XCTAssert(try read("whole/e_test_min.svg").contains("e_test_min"))
        XCTAssert(try dmft(["scan", "plot", "whole", "--heatmap", "e_test_min", "--x", "alpha", "--y", "width"]).output
            .contains("width is not a varied key"))
        // A summary column against alpha, one curve per noise, labelled by its value.
        XCTAssertEqual(try dmft(["scan", "plot", "whole", "--summary", "e_test_final", "--x", "alpha", "--color-by", "noise"]).status, 0)
        let summarySVG = try read("whole/e_test_final.svg")
        XCTAssert(summarySVG.contains("noise = 0.3") && summarySVG.contains("noise = 0.6"), summarySVG)
        XCTAssert(try dmft(["scan", "plot", "whole", "--summary", "e_test_final", "--x", "alpha", "--color-by", "noise", "--y", "noise"])
            .output.contains("--y does not apply to --summary"))
        let curves = try read("whole/curves.csv")
        XCTAssert(curves.hasPrefix("index,alpha,noise,t,e_train,e_test,a,gamma,v,Cd_t0,Co_tt,nu\n"), curves)
        XCTAssertEqual(curves.split(separator: "\n").count, 1 + 6 * 11)
    }

    /// The sbatch script's tasks, run as SLURM would run them (array 1..2), give the unsharded
    /// run; its requests are the estimates: 3 points of 1 s start-up and a few µs of work each
    /// (N = 10 steps), times 2, plus 60 s = 66 s and a bit, rounded up to 67 s; memory 2 × (a
    /// few kB) + 256 MB, rounded up to 257 MB.
    func testSlurmScriptTasksTogetherEqualTheUnshardedRun() throws {
        let file = try write(tinyScan, "scan.yaml")
        let written = try dmft(["scan", "slurm", file, "--out-dir", "array", "--array", "2", "--partition", "short"])
        XCTAssertEqual(written.status, 0, written.output)
        let script = try read("array/scan.sbatch")
        for line in ["#SBATCH --array=1-2", "#SBATCH --time=00:01:07", "#SBATCH --mem=257M", "#SBATCH --partition=short",
                     "#SBATCH --cpus-per-task=1"] {
            XCTAssert(script.contains(line + "\n"), "\(line) not in:\n\(script)")
        }
        for task in ["1", "2"] {
            let environment = ["SLURM_ARRAY_TASK_ID": task, "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "2"]
            XCTAssertEqual(try run("/bin/bash", [work + "/array/scan.sbatch"], environment: environment).status, 0)
        }
        XCTAssertEqual(try dmft(["scan", "run", file, "--out-dir", "whole"]).status, 0)
        try assertSameMergedFiles("whole", "array")
    }

    /// A scan killed with SIGKILL while a point runs: the rerun skips the finished points
    /// (their files are untouched) and the merged files equal an uninterrupted scan's.
    func testResumeAfterSIGKILLSkipsFinishedPoints() throws {
        // Each point ≈ 0.2–0.4 s (N = 400 steps), so the kill lands inside the scan.
        let scan = """
            command: solve
            base: {width: 5, tmax: 4, dt: 0.01}
            axes:
              alpha: 0.2:0.5:4
            """
        let file = try write(scan, "scan.yaml")
        let process = try start(["scan", "run", file, "--out-dir", "killed"])
        let points = work + "/killed/points"
        let deadline = Date().addingTimeInterval(60)
        while finishedPoints(points).count < 2, Date() < deadline { usleep(5_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finished = finishedPoints(points)
        XCTAssert((2..<4).contains(finished.count), "killed after \(finished.count) points: make the points slower")
        let before = try finished.map { try read("killed/points/\($0)/point.json") }
        usleep(500_000)  // the orphaned point sees its parent gone within 0.2 s and stops

        let rerun = try dmft(["scan", "run", file, "--out-dir", "killed"])
        XCTAssertEqual(rerun.status, 0, rerun.output)
        XCTAssert(rerun.output.contains("\(4 - finished.count) point(s) to run, \(finished.count) skipped"), rerun.output)
        XCTAssertEqual(try finished.map { try read("killed/points/\($0)/point.json") }, before)
        XCTAssertEqual(finishedPoints(points).count, 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: points).filter { $0.hasPrefix(".") }, [])

        XCTAssertEqual(try dmft(["scan", "run", file, "--out-dir", "whole"]).status, 0)
        try assertSameMergedFiles("whole", "killed")
    }

    /// Ctrl-C: the running point is stopped and left pending, nothing is left running or half-written.
    func testInterruptLeavesTheManifestConsistent() throws {
        let file = try write("command: solve\nbase: {width: 5, tmax: 4, dt: 0.01}\naxes:\n  alpha: 0.2:0.5:4\n", "scan.yaml")
        let process = try start(["scan", "run", file, "--out-dir", "stopped"])
        let points = work + "/stopped/points"
        let deadline = Date().addingTimeInterval(60)
        while finishedPoints(points).isEmpty, Date() < deadline { usleep(5_000) }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let manifest = try JSONDecoder().decode(JSONValue.self, from: Data(read("stopped/manifest.json").utf8))
        guard case .array(let entries)? = manifest.objectValue?["points"] else { return XCTFail("no points in the manifest") }
        let states = entries.compactMap { $0.objectValue?["status"]?.text }
        XCTAssertEqual(states.count, 4)
        XCTAssert(states.allSatisfy { ["done", "pending"].contains($0) }, "\(states)")
        XCTAssertEqual(states.filter { $0 == "done" }.count, finishedPoints(points).count)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: points).filter { $0.hasPrefix(".") }, [])
    }

    /// A point refused for memory is recorded as failed with the reason; the others finish,
    /// a rerun skips it, and --retry-failed runs it again.
    func testAFailingPointIsRecordedAndTheOthersFinish() throws {
        let run = ["scan", "run", "--command", "solve", "--vary", "dt=0.1,0.001,0.05", "--max-memory-gb", "0.1",
                   "--out-dir", "failing"]
        // dt = 0.001 to tmax 2: N = 2000, six (N+1)² arrays of doubles = 0.19 GB > 0.1 GB.
        let config = try write("{\"width\": 5, \"tmax\": 2}", "base.json")
        let first = try dmft(run + ["--base", config])
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssert(first.output.contains("2 done, 1 failed"), first.output)
        let status = try dmft(["scan", "status", "failing"])
        XCTAssert(status.output.contains("3 points: 0 pending, 0 running, 2 done, 1 failed"), status.output)
        XCTAssert(status.output.contains("failed: point 1 (dt = 0.001)"), status.output)
        XCTAssert(status.output.contains("memory"), status.output)
        XCTAssert(try dmft(run + ["--base", config]).output.contains("0 point(s) to run, 3 skipped"))
        XCTAssert(try dmft(run + ["--base", config, "--retry-failed"]).output.contains("1 point(s) to run, 2 skipped"))
        XCTAssertEqual(try dmft(["scan", "merge", "failing"]).status, 0)
        let summary = try read("failing/summary.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(summary.map { String($0[2]) }, ["status", "done", "failed", "done"])
        XCTAssertEqual(summary[2][4..<(4 + ScanSummary.columns.count)].filter { !$0.isEmpty }.count, 0)
    }

    // MARK: Helpers

    /// The hashes of the points whose directory is in place.
    private func finishedPoints(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Merges both scans and compares their curves, and their summaries without the wall time.
    private func assertSameMergedFiles(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for directory in [a, b] { XCTAssertEqual(try dmft(["scan", "merge", directory]).status, 0, file: file, line: line) }
        XCTAssertEqual(try read(a + "/curves.csv"), try read(b + "/curves.csv"), file: file, line: line)
        func withoutWallTime(_ text: String) -> [String] {
            text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
        }
        let summary = try read(a + "/summary.csv")
        XCTAssert(summary.hasPrefix("index,hash,status,"), summary)
        XCTAssert(summary.split(separator: "\n")[0].hasSuffix(",wall_time_seconds"))
        XCTAssertEqual(withoutWallTime(summary), withoutWallTime(try read(b + "/summary.csv")), file: file, line: line)
    }

    /// This process's environment without SLURM's variables, with `extra`.
    private static func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLURM_") }.merging(extra) { $1 }
    }

    private func write(_ text: String, _ name: String) throws -> String {
        try text.write(toFile: work + "/" + name, atomically: true, encoding: .utf8)
        return name
    }

    private func read(_ name: String) throws -> String { try String(contentsOfFile: work + "/" + name, encoding: .utf8) }

    private func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: work)
        process.environment = Self.environment(environment)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs dmft in the work directory; its exit status and its output (stdout, then stderr).
    private func dmft(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try run(binary, arguments, environment: environment)
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: work)
        process.environment = Self.environment(environment)
        let log = work + "/.log-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        (process.standardOutput, process.standardError) = (handle, handle)
        try process.run()
        process.waitUntilExit()
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: log) }
        return (process.terminationStatus, try String(contentsOfFile: log, encoding: .utf8))
    }
}
