import Foundation
import XCTest

/// Seeded, time-bounded fuzzing of the built `dmft` tool: random command lines over the real
/// flag space (`FuzzCases`) with random damage to valid input files (a run's CSV, its sidecar
/// as a config, a checkpoint). Each run must end by exiting (no signal: no trap, precondition
/// or overflow), within `timeout` seconds, and a run that fails must leave the directory as
/// it was. The seed is printed; `DMFT_FUZZ_SEED=S` reproduces a run and `DMFT_FUZZ_SECONDS`
/// sets its length (default 75 s).
final class CommandLineFuzzTests: XCTestCase {
    static let defaultSeed: UInt64 = 20_250_302
    let timeout = 5.0

    func testRandomCommandLinesNeitherCrashNorHangNorLeaveFiles() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["DMFT_FUZZ_SEED"].flatMap { UInt64($0) } ?? Self.defaultSeed
        let seconds = environment["DMFT_FUZZ_SECONDS"].flatMap { Double($0) } ?? 75
        let binary = try XCTUnwrap(Self.binary(), "the dmft executable is not next to the tests (build it first)")
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fixtures = root + "/fixtures", work = root + "/work", logs = root + "/logs"
        for directory in [fixtures, work, logs] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try makeFixtures(binary: binary, in: fixtures)
        let valid = try ["valid.csv", "valid.json", "valid.ckpt"].map {
            ($0, try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + $0)))
        }
        try setUpWorkDirectory(work, valid: valid)

        var rng = SplitMix64(seed: seed)
        var failures: [String] = [], outcomes = [0, 0]
        let started = Date()
        var index = 0
        while Date().timeIntervalSince(started) < seconds {
            index += 1
            for (name, data) in valid {
                let mutated = work + "/" + name.replacingOccurrences(of: "valid", with: "mutated")
                try FuzzCases.mutate(data, &rng).write(to: URL(fileURLWithPath: mutated))
            }
            let arguments = FuzzCases.arguments(&rng)
            let before = try snapshot(work)
            let result = try run(binary, arguments, in: work, logs: logs)
            let line = "case \(index) (seed \(seed)): dmft " + arguments.map { "'\($0)'" }.joined(separator: " ")
            switch result {
            case .hung: failures.append("\(line): no exit within \(timeout) s")
            case .signalled(let signal, let stderr): failures.append("\(line): killed by signal \(signal): \(stderr)")
            case .exited(let status, let stderr):
                outcomes[status == 0 ? 0 : 1] += 1
                guard status != 0 else { break }
                if stderr.isEmpty { failures.append("\(line): exit status \(status) without a message") }
                if status >= 124 { failures.append("\(line): exit status \(status): \(stderr)") }
                let after = try snapshot(work)
                if after != before {
                    failures.append("\(line): exit status \(status) but the directory changed: "
                        + "\(Set(after).symmetricDifference(before).sorted().prefix(4))")
                    try setUpWorkDirectory(work, valid: valid)
                }
            }
            if failures.count >= 10 { break }
        }
        let wall = Date().timeIntervalSince(started)
        print(String(format: "fuzz: seed %llu, %d command lines (%d accepted, %d refused) in %.1f s, %d failures",
                     seed, index, outcomes[0], outcomes[1], wall, failures.count))
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
    }

    enum Outcome { case exited(Int32, String), signalled(Int32, String), hung }

    /// Runs `binary` with `arguments` in `directory`; stdout and stderr go to files in `logs`.
    private func run(_ binary: String, _ arguments: [String], in directory: String, logs: String) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        FileManager.default.createFile(atPath: logs + "/err", contents: nil)
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: logs + "/err"))
        defer { try? stderr.close() }
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return .hung
        }
        let message = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: logs + "/err"))) ?? Data(), as: UTF8.self)
        let shown = String(message.prefix(300))
        return process.terminationReason == .uncaughtSignal
            ? .signalled(process.terminationStatus, shown) : .exited(process.terminationStatus, shown)
    }

    /// Every path under `directory` with its size and a checksum of its content.
    private func snapshot(_ directory: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var entries: [String] = []
        while let path = enumerator?.nextObject() as? String {
            let full = directory + "/" + path
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            var entry = "\(path) \(info.st_mode) \(info.st_size)"
            if (info.st_mode & S_IFMT) == S_IFREG, let data = FileManager.default.contents(atPath: full) {
                entry += " \(data.reduce(into: UInt64(14_695_981_039_346_656_037)) { $0 = ($0 ^ UInt64($1)) &* 1_099_511_628_211 })"
            }
            entries.append(entry)
        }
        return entries.sorted()
    }

    /// The work directory: the valid files, a directory, a file in the way of a path and a fifo.
    private func setUpWorkDirectory(_ work: String, valid: [(String, Data)]) throws {
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work + "/dir", withIntermediateDirectories: true)
        for (name, data) in valid { try data.write(to: URL(fileURLWithPath: work + "/" + name)) }
        FileManager.default.createFile(atPath: work + "/file", contents: Data("x".utf8))
        XCTAssertEqual(mkfifo(work + "/fifo", 0o644), 0)
    }

    /// A valid run's CSV and sidecar, and a checkpoint of a long-time run stopped by SIGTERM.
    private func makeFixtures(binary: String, in directory: String) throws {
        let logs = directory + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        guard case .exited(0, _) = try run(binary, ["solve", "--width", "5", "--tmax", "1", "--dt", "0.1", "--out", "valid.csv"],
                                           in: directory, logs: logs)
        else { return XCTFail("the fixture run failed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["solve", "--solver", "long", "--width", "20", "--phihat", "0.9,0,0.16666666666666666",
                             "--tmax", "30", "--tolerance", "1e-4", "--checkpoint", "valid.ckpt", "--checkpoint-every", "0",
                             "--out", "ck.csv"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpoint = directory + "/valid.ckpt"
        for _ in 0..<400 where (try? FileManager.default.attributesOfItem(atPath: checkpoint)[.size] as? Int ?? 0) ?? 0 == 0 {
            usleep(10_000)
        }
        process.terminate()
        process.waitUntilExit()
        XCTAssert(FileManager.default.fileExists(atPath: checkpoint), "no checkpoint fixture")
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "dmft-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The `dmft` executable: `DMFT_BINARY`, or the one built next to this test bundle.
    static func binary() -> String? {
        if let path = ProcessInfo.processInfo.environment["DMFT_BINARY"] { return path }
        let places = [Bundle(for: CommandLineFuzzTests.self).bundleURL, Bundle.main.bundleURL,
                      URL(fileURLWithPath: CommandLine.arguments[0])]
        for place in places {
            for directory in [place, place.deletingLastPathComponent(), place.deletingLastPathComponent().deletingLastPathComponent()] {
                let candidate = directory.appendingPathComponent("dmft").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }
}
