import Foundation
import XCTest

@testable import DMFT

/// The settings recorded in the sidecars and restored by `--config` (`CommandSettings`,
/// `RunConfig`): what is written comes back equal, keys of other commands are ignored and
/// listed, misspelt keys and malformed values are refused naming the key.
final class ProvenanceTests: XCTestCase {
    /// One resolved, non-default value of every command's settings.
    static let solve = SolveSettings(solver: .ratio, tmax: 3, tolerance: 1e-5, nodes: 48, clustering: 3, integrator: .explicit)
    static let simulate = SimulateSettings(
        model: .network, tmax: 2, dim: 30, runs: 3, seed: .max, lr: 0.1 + 0.2, batch: 7, recordEvery: 0.1, testSamples: 11)
    static let asymptotics = AsymptoticsSettings(
        regime: .meanField, tmax: 2, dt: 0.02, indexCount: 2, typeA0: [0.5, 2], typeWeights: [0.3, 0.7])
    static let compare = CompareSettings(
        models: [.gaussian, .network], dt: 0.02, tmax: 1, window: [0.2, 0.8], timeAxis: .tOverM, logTime: true, png: false,
        simulation: { var s = simulate; s.model = nil; return s }())
    static let threshold = ThresholdSettings(
        scan: .gamma0, values: [1, 1.5, 2], limit: .lazy2, epsilon: 1e-3, tolerance: 2e-2, tmaxStart: 10, tmax: 200,
        maxMemoryGB: 2, confidence: 0.9, png: false)

    /// A sidecar as the commands write it, with record fields around the settings.
    func sidecar<S: CommandSettings>(_ settings: S, problem: ProblemSpec = ProblemSpec()) throws -> RunConfig {
        var record = try SettingsRecord(command: "dmft test", problem: problem, settings: settings, ignoring: ["x"])
        record.version = "0.0.1"
        var object = try XCTUnwrap(JSONDecoder().decode(JSONValue.self, from: Data(record.json().utf8)).objectValue)
        object["wall_time_seconds"] = .double(1.5)
        object["started"] = .string("2026-01-01T00:00:00Z")
        object["warnings"] = .array([.string("a warning")])
        object["rows"] = .int(10)
        object["columns"] = .array([.string("t")])
        object["solver"] = .object(["name": .string("uniform-euler"), "error_estimate": .string("0.1")])
        return try RunConfig(data: JSONEncoder().encode(object), path: "sidecar.json")
    }

    func assertRoundTrip<S: CommandSettings>(_ settings: S, flags: S, file: StaticString = #filePath, line: UInt = #line) throws {
        let problem = { var p = ProblemSpec.defaultExample; p.width = 17; return p }()
        let config = try sidecar(settings, problem: problem)
        XCTAssertEqual(config.problem, problem, file: file, line: line)
        let layered = try S.layered(flags: flags, config: config)
        XCTAssertEqual(layered.settings, settings, file: file, line: line)
        XCTAssertEqual(layered.ignoredConfigKeys, [], file: file, line: line)
    }

    func testEveryCommandsSettingsComeBackEqual() throws {
        try assertRoundTrip(Self.solve, flags: SolveSettings())
        try assertRoundTrip(SolveSettings(solver: .uniform, tmax: 1, dt: 1.0 / 3), flags: SolveSettings())
        try assertRoundTrip(SolveSettings(solver: .long, tmax: 5, tolerance: 1e-4), flags: SolveSettings())
        try assertRoundTrip(Self.simulate, flags: SimulateSettings())
        try assertRoundTrip(Self.asymptotics, flags: AsymptoticsSettings(regime: .meanField))
        try assertRoundTrip(AsymptoticsSettings(regime: .lazy2, tmax: 3, tolerance: 1e-3), flags: AsymptoticsSettings(regime: .lazy2))
        try assertRoundTrip(Self.compare, flags: CompareSettings())
        try assertRoundTrip(
            CompareSettings(
                models: [.gaussian], tmax: 4, window: [0.1, 0.3], timeAxis: .tOverM, logTime: false, png: true,
                simulation: SimulateSettings(dim: 30, runs: 2),
                theory: SolveSettings(solver: .ratio, tolerance: 1e-5, nodes: 48, clustering: 3, integrator: .implicit)),
            flags: CompareSettings())
        try assertRoundTrip(Self.threshold, flags: ThresholdSettings())
    }

    /// The sidecar's JSON itself: written by `RunMetadata`, read back as `RunMetadata`.
    /// The training options are recorded under their keys and restored by `--config`.
    func testTrainingOptionsComeBackEqual() throws {
        var spec = ProblemSpec.defaultExample
        (spec.weightDecay, spec.lrRatio, spec.freezeFirstLayer) = (0.1 + 0.2, 1.0 / 3, true)
        let config = try sidecar(Self.solve, problem: spec)
        XCTAssertEqual(config.problem, spec)
        let problem = try XCTUnwrap(config.problem).makeProblem()
        XCTAssertEqual(problem.weightDecay, 0.1 + 0.2)
        XCTAssertEqual(problem.learningRateRatio, 1.0 / 3)
        XCTAssertFalse(problem.trainFirstLayer)
        XCTAssertEqual(problem.trainingOptions, TrainingOption.allCases)
    }

    func testTheSidecarRecordsSettingsAndIgnoredKeys() throws {
        let problem = try ProblemSpec.defaultExample.makeProblem()
        let trajectory = try UniformEulerSolver(step: 0.1, duration: 0.2).solve(problem).trajectory
        let metadata = try RunMetadata(
            command: "dmft solve", spec: .defaultExample, problem: problem, solver: [:], trajectory: trajectory,
            wallTime: 1, started: Date(), warnings: []
        ).recording(Self.solve, ignoring: ["seed"])
        let read = try JSONDecoder().decode(RunMetadata.self, from: Data(metadata.json().utf8))
        XCTAssertEqual(read.settings, try Self.solve.record())
        XCTAssertEqual(read.ignoredConfigKeys, ["seed"])
        let config = try RunConfig(data: Data(metadata.json().utf8), path: "run.json")
        XCTAssertEqual(try SolveSettings.layered(flags: SolveSettings(), config: config).settings, Self.solve)
    }

    /// A simulate sidecar passed to solve: its horizon applies, its simulator settings are
    /// ignored and listed.
    func testSettingsOfAnotherCommandAreIgnoredAndListed() throws {
        let layered = try SolveSettings.layered(flags: SolveSettings(), config: sidecar(Self.simulate))
        XCTAssertEqual(layered.settings, SolveSettings(tmax: 2))
        XCTAssertEqual(layered.ignoredConfigKeys, ["batch", "dim", "lr", "model", "record_every", "runs", "seed", "test_samples"])
    }

    /// A key of this command that does not apply to the mode chosen by a flag is ignored too.
    func testSettingsOfAnotherModeAreIgnored() throws {
        let uniform = try sidecar(SolveSettings(solver: .uniform, tmax: 4, dt: 0.01))
        let long = try SolveSettings.layered(flags: SolveSettings(solver: .long), config: uniform)
        XCTAssertEqual(long.settings, SolveSettings(solver: .long, tmax: 4))
        XCTAssertEqual(long.ignoredConfigKeys, ["dt"])
        let gaussian = try SimulateSettings.layered(flags: SimulateSettings(model: .gaussian), config: sidecar(Self.simulate))
        XCTAssertEqual(gaussian.ignoredConfigKeys, ["batch", "test_samples"])
        XCTAssertNil(gaussian.settings.batch)
        // compare's DMFT: a ratio-grid solve sidecar carries its solver settings over; a uniform flag drops them.
        let ratio = try sidecar(Self.solve)
        let carried = try CompareSettings.layered(flags: CompareSettings(), config: ratio)
        XCTAssertEqual(carried.settings.theory, Self.solve)
        let uniformCompare = try CompareSettings.layered(
            flags: CompareSettings(theory: SolveSettings(solver: .uniform)), config: ratio)
        XCTAssertEqual(uniformCompare.settings.theory, SolveSettings(solver: .uniform, tmax: 3))
        XCTAssertEqual(uniformCompare.ignoredConfigKeys, ["clustering", "integrator", "nodes", "tolerance"])
    }

    /// Every command's sidecar can be given to every other command.
    func testEverySidecarLoadsInEveryCommand() throws {
        let sidecars = try [sidecar(Self.solve), sidecar(Self.simulate), sidecar(Self.asymptotics), sidecar(Self.compare),
                            sidecar(Self.threshold)]
        for config in sidecars {
            _ = try SolveSettings.layered(flags: SolveSettings(), config: config)
            _ = try SimulateSettings.layered(flags: SimulateSettings(), config: config)
            _ = try AsymptoticsSettings.layered(flags: AsymptoticsSettings(regime: .pspin), config: config)
            _ = try CompareSettings.layered(flags: CompareSettings(), config: config)
            _ = try ThresholdSettings.layered(flags: ThresholdSettings(), config: config)
        }
    }

    func testAFlagOverridesTheConfigWhichOverridesTheDefault() throws {
        let config = try sidecar(SolveSettings(solver: .uniform, tmax: 4, dt: 0.01))
        let layered = try SolveSettings.layered(flags: SolveSettings(dt: 0.02), config: config)
        XCTAssertEqual(layered.settings, SolveSettings(solver: .uniform, tmax: 4, dt: 0.02))
        let resolved = try SolveSettings(solver: .long).resolved(for: ProblemSpec().makeProblem())
        XCTAssertEqual(resolved, SolveSettings(solver: .long, tmax: 20, tolerance: 1e-3))
    }

    func testResolvedSettingsRecordEveryDefault() throws {
        let problem = try ProblemSpec().makeProblem()
        let uniform = try SolveSettings().resolved(for: problem)
        XCTAssertEqual(uniform.dt, UniformEulerSolver.suggestedStep(for: problem))
        let gaussian = try SimulateSettings(model: .gaussian, tmax: 2).resolved()
        XCTAssertEqual(try gaussian.record().keys.sorted(), ["dim", "lr", "model", "record_every", "runs", "seed", "tmax"])
        XCTAssertEqual(gaussian.recordEvery, 0.02)
        let network = try SimulateSettings(model: .network, tmax: 2).resolved()
        XCTAssertEqual(try network.record().keys.sorted(),
                       ["batch", "dim", "lr", "model", "record_log", "runs", "seed", "test_samples", "tmax"])
        XCTAssertEqual(try network.networkSimulator().recordSchedule, .logarithmic(perDecade: 20))
        let networkLinear = try SimulateSettings(model: .network, tmax: 2, recordEvery: 0.5).resolved()
        XCTAssertEqual(try networkLinear.networkSimulator().recordSchedule, .every(0.5))
        let compare = try CompareSettings(models: [.gaussian, .network]).resolved(for: problem)
        XCTAssertNil(compare.simulation.dim, "with both models d defaults per model")
        XCTAssertEqual(compare.simulation.batch, 100)
        XCTAssertEqual(try compare.simulate(.gaussian).dim, 50)
        XCTAssertNil(compare.simulation.recordEvery, "the network's default grid is logarithmic, the Gaussian model's linear")
        XCTAssertEqual(try compare.simulate(.gaussian).recordEvery, 0.1)
        XCTAssertEqual(try compare.simulate(.network).recordLog, SimulateSettings.defaultRecordsPerDecade)
        XCTAssertNil(try compare.simulate(.network).recordEvery)
        let linear = try CompareSettings(models: [.gaussian, .network], simulation: SimulateSettings(recordEvery: 0.5))
            .resolved(for: problem)
        XCTAssertNil(try linear.simulate(.network).recordLog, "--record-every gives the network a linear grid")
        let lazy = { var s = ProblemSpec(); s.initialization = "lazy"; return s }()
        XCTAssertEqual(try ThresholdSettings(values: [0.1]).resolved(for: lazy.makeProblem()).limit, .both)
        XCTAssertThrowsError(try ThresholdSettings().resolved(for: problem))
        XCTAssertThrowsError(try SimulateSettings().resolved())
    }

    func assertRefused(_ json: String, naming key: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(
            try {
                let config = try RunConfig(data: Data(json.utf8), path: "bad.json")
                _ = try SolveSettings.layered(flags: SolveSettings(), config: config)
                _ = try SimulateSettings.layered(flags: SimulateSettings(model: .network), config: config)
                _ = try AsymptoticsSettings.layered(flags: AsymptoticsSettings(regime: .meanField), config: config)
            }(), file: file, line: line
        ) { error in
            let message = "\(error)"
            XCTAssert(message.contains(key) && message.contains("bad.json"), message, file: file, line: line)
        }
    }

    func testUnknownKeysAreRefused() {
        assertRefused(#"{"problem": {"widht": 7}}"#, naming: "widht")
        assertRefused(#"{"settings": {"tmx": 7}}"#, naming: "tmx")
        assertRefused(#"{"problem": {}, "wall_time": 7}"#, naming: "wall_time")
        assertRefused(#"{"tmx": 7}"#, naming: "tmx")
    }

    func testMalformedValuesAreRefusedNamingTheKey() {
        assertRefused(#"{"tmax": "five"}"#, naming: "tmax")
        assertRefused(#"{"settings": {"tmax": -1}}"#, naming: "tmax")
        assertRefused(#"{"dt": 0}"#, naming: "dt")
        assertRefused(#"{"tmax": 1e300}"#, naming: "tmax")
        assertRefused(#"{"runs": 0}"#, naming: "runs")
        assertRefused(#"{"runs": 1e30}"#, naming: "runs")
        assertRefused(#"{"runs": 2.5}"#, naming: "runs")
        assertRefused(#"{"seed": -1}"#, naming: "seed")
        assertRefused(#"{"solver": "sideways"}"#, naming: "solver")
        assertRefused(#"{"type_a0": [1, "x"]}"#, naming: "type_a0")
        assertRefused(#"{"width": "ten"}"#, naming: "width")
        assertRefused(#"{"problem": 3}"#, naming: "problem")
        assertRefused(#"{"settings": {"test_samples": -4}}"#, naming: "test_samples")
        assertRefused(#"[1, 2]"#, naming: "JSON object")
        assertRefused(#"{"tmax": 1e400}"#, naming: "JSON")
    }

    /// A flag given on top of a malformed config value replaces it; an ignored key is not read.
    func testOnlyTheConfigValuesUsedAreChecked() throws {
        let config = try RunConfig(data: Data(#"{"tmax": -1, "dt": -1, "seed": 3}"#.utf8), path: "c.json")
        let layered = try SolveSettings.layered(flags: SolveSettings(solver: .long, tmax: 2), config: config)
        XCTAssertEqual(layered.settings, SolveSettings(solver: .long, tmax: 2))
        XCTAssertEqual(layered.ignoredConfigKeys, ["dt", "seed"])
    }

    /// Every sidecar stored under data/ (written before settings were recorded) still loads.
    func testStoredSidecarsStillLoad() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: StoredCurveTests.dataDirectory.path)
            .filter { $0.hasSuffix(".json") }
        XCTAssertGreaterThan(files.count, 5)
        for file in files {
            let config = try RunConfig(contentsOf: StoredCurveTests.dataDirectory.appendingPathComponent(file).path)
            XCTAssertNotNil(config.problem, file)
            _ = try SolveSettings.layered(flags: SolveSettings(), config: config)
            _ = try ThresholdSettings.layered(flags: ThresholdSettings(), config: config)
        }
    }

    /// Numbers keep every bit through `JSONValue`.
    func testNumbersAreExact() throws {
        let values: [JSONValue] = [.unsigned(.max), .int(.min), .double(0.1 + 0.2), .double(5e-324), .double(1.0 / 3)]
        let back = try JSONDecoder().decode([JSONValue].self, from: JSONEncoder().encode(values))
        XCTAssertEqual(back, values)
        var infinite = Self.simulate
        infinite.tmax = .infinity
        XCTAssertThrowsError(try infinite.jsonObject()) { XCTAssert("\($0)".contains("tmax"), "\($0)") }
    }

    /// The keys any command writes: the settings keys of the commands and the record keys
    /// do not collide with the problem's.
    func testKeySetsAreDisjointFromTheProblem() {
        let problemKeys = Set(ProblemSpec.CodingKeys.allCases.map(\.rawValue))
        XCTAssert(problemKeys.isDisjoint(with: RunConfig.settingsKeys))
        XCTAssert(problemKeys.isDisjoint(with: RunConfig.recordKeys))
    }
}
