import Foundation

/// Which finite-width simulator.
public enum SimulationModel: String, Codable, CaseIterable, Sendable {
    /// GD on the Gaussian-process model (exactly what the DMFT describes).
    case gaussian
    /// SGD on a real two-layer network.
    case network
}

/// The settings of `dmft simulate`; `dmft compare` holds them too (without `model`).
public struct SimulateSettings: CommandSettings {
    /// `--model` (no default: required).
    public var model: SimulationModel?
    /// `--tmax` (default 20).
    public var tmax: Double?
    /// `--dim` (default: 200 network, 50 gaussian).
    public var dim: Int?
    /// `--runs` (default 10).
    public var runs: Int?
    /// `--seed` (default 1).
    public var seed: UInt64?
    /// `--lr`: the SGD learning rate (network, default 0.1) or the GD step (gaussian, default 0.02).
    public var lr: Double?
    /// `--batch`, network only (default 100).
    public var batch: Int?
    /// `--record-every`: a linear record grid (the Gaussian model's default, tmax/200 rounded to a
    /// multiple of its step; the network records on the logarithmic grid unless this is given).
    public var recordEvery: Double?
    /// `--test-samples`, network only (default 0).
    public var testSamples: Int?
    /// `--record-log`, network only: rows per decade of time on a logarithmic grid instead of
    /// `record_every` (default `defaultRecordsPerDecade` when `record_every` is not given).
    public var recordLog: Int?

    /// The network's default record grid, rows per decade. Each row is a pass over the whole
    /// training set (about 20 SGD steps' work at the default batch), so a linear grid of
    /// tmax/200 would cost the run ~40% of its time at t = O(1) and give unreadably many rows
    /// at t = Θ(m); 20 per decade resolves every curve of the paper's figures.
    public static let defaultRecordsPerDecade = 20

    public init(
        model: SimulationModel? = nil, tmax: Double? = nil, dim: Int? = nil, runs: Int? = nil, seed: UInt64? = nil,
        lr: Double? = nil, batch: Int? = nil, recordEvery: Double? = nil, testSamples: Int? = nil,
        recordLog: Int? = nil
    ) {
        (self.model, self.tmax, self.dim, self.runs, self.seed) = (model, tmax, dim, runs, seed)
        (self.lr, self.batch, self.recordEvery, self.testSamples) = (lr, batch, recordEvery, testSamples)
        self.recordLog = recordLog
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case model, tmax, dim, runs, seed, lr, batch, recordEvery = "record_every", testSamples = "test_samples"
        case recordLog = "record_log"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static var modeKeys: [String] { [CodingKeys.model.rawValue] }

    /// The simulator's keys (all but `model` and `tmax`) that apply to `models`.
    static func simulatorKeys(for models: [SimulationModel]) -> [String] {
        let networkOnly: [CodingKeys] = [.batch, .testSamples, .recordLog]
        return CodingKeys.allCases.filter { ![.model, .tmax].contains($0) && (!networkOnly.contains($0) || models.contains(.network)) }
            .map(\.rawValue)
    }

    public var applicableKeys: Set<String> {
        Set(Self.modeKeys + [CodingKeys.tmax.rawValue] + Self.simulatorKeys(for: model.map { [$0] } ?? SimulationModel.allCases))
    }

    public func validate() throws {
        try SettingCheck.number("tmax", tmax, in: SettingCheck.time)
        try SettingCheck.integer("dim", dim, in: 1...100_000_000)
        try SettingCheck.integer("runs", runs, in: 1...1_000_000)
        try SettingCheck.number("lr", lr, in: SettingCheck.time)
        try SettingCheck.integer("batch", batch, in: 1...Int(1e15))
        try SettingCheck.number("record_every", recordEvery, in: SettingCheck.time)
        try SettingCheck.integer("test_samples", testSamples, in: 0...100_000_000)
        try SettingCheck.integer("record_log", recordLog, in: 1...1000)
    }

    /// Every setting that applies to the model, defaults filled in (the network's from
    /// `NetworkSimulator`); refuses settings without a model.
    public func resolved() throws -> SimulateSettings {
        guard let model else {
            throw DMFTError.invalidInput("give the simulator with --model gaussian|network (or a config that has one)")
        }
        let duration = tmax ?? Self.defaultTmax
        var defaults = SimulateSettings(model: model, tmax: duration, runs: 10, seed: 1)
        switch model {
        case .gaussian:
            (defaults.dim, defaults.lr) = (50, 0.02)
        case .network:
            let network = NetworkSimulator(duration: duration, recordInterval: duration)
            (defaults.dim, defaults.lr, defaults.batch) = (network.dimension, network.learningRate, network.batchSize)
            defaults.testSamples = network.testSamples
        }
        var resolved = try overlaid(on: defaults)
        switch model {
        case .gaussian:
            if resolved.recordEvery == nil, let step = resolved.lr {
                resolved.recordEvery = max(1, (duration / 200 / step).rounded()) * step
            }
        case .network:
            if resolved.recordEvery == nil && resolved.recordLog == nil {
                resolved.recordLog = Self.defaultRecordsPerDecade
            }
        }
        return resolved
    }

    /// The settings common to `models` (no `model`): those that apply to one model only, and
    /// those on which the models' defaults agree (with both models, `dim`, `lr` and
    /// `record_every` are left as given: each model's own sidecar records its values).
    public func resolved(forAll models: [SimulationModel]) throws -> SimulateSettings {
        let each = try models.map { model -> [String: JSONValue] in
            var one = self
            one.model = model
            return try one.resolved().jsonObject().filter { $0.key != CodingKeys.model.rawValue }
        }
        let applicable = models.map { SimulateSettings(model: $0).applicableKeys }
        let union = each.reduce(into: [String: JSONValue]()) { $0.merge($1) { first, _ in first } }
        // A key kept must have the same value (set, or left to the model's default) in every
        // model it applies to: the network's unset record_every means its logarithmic grid.
        let agreed = union.filter { key, value in
            zip(each, applicable).allSatisfy { settings, keys in !keys.contains(key) || settings[key] == value }
        }
        return try JSONValue.decode(SimulateSettings.self, from: agreed)
    }

    /// These (resolved) settings as the Gaussian-model simulator.
    public func gaussianSimulator() throws -> GaussianModelSimulator {
        GaussianModelSimulator(
            dimension: try value(\.dim, "dim"), step: try value(\.lr, "lr"), duration: try value(\.tmax, "tmax"),
            recordInterval: try value(\.recordEvery, "record_every"), seed: try value(\.seed, "seed"))
    }

    /// These (resolved) settings as the network simulator.
    public func networkSimulator() throws -> NetworkSimulator {
        var simulator = NetworkSimulator(
            dimension: try value(\.dim, "dim"), learningRate: try value(\.lr, "lr"), batchSize: try value(\.batch, "batch"),
            duration: try value(\.tmax, "tmax"), recordInterval: recordEvery ?? .infinity, seed: try value(\.seed, "seed"))
        simulator.testSamples = try value(\.testSamples, "test_samples")
        simulator.recordsPerDecade = recordLog ?? 0
        guard simulator.recordsPerDecade > 0 || recordEvery != nil else {
            throw DMFTError.invalidInput("the network simulator needs record_every or record_log")
        }
        return simulator
    }
}
