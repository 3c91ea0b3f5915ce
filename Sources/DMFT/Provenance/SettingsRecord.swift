import Foundation

/// What every file a command writes records about the run besides its results: the problem,
/// the command's settings (`CommandSettings.record()`) and the `--config` keys that did not
/// apply. It is `compare.json`, and the start of `fit.json`; a run's sidecar (`RunMetadata`)
/// has the same `problem`, `settings` and `ignored_config_keys`.
public struct SettingsRecord: Codable, Sendable {
    public var tool = "dmft"
    public var version = dmftVersion
    /// The command line, as typed.
    public var command: String
    public var problem: ProblemSpec
    public var settings: [String: JSONValue]
    public var ignoredConfigKeys: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tool, version, command, problem, settings, ignoredConfigKeys = "ignored_config_keys"
    }

    public init<S: CommandSettings>(command: String, problem: ProblemSpec, settings: S, ignoring ignored: [String]) throws {
        self.command = command
        self.problem = problem
        self.settings = try settings.record()
        self.ignoredConfigKeys = ignored
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> String { try prettyJSON(self) }

    /// This record as a `JSONSerialization` object, for a file that adds its results to it.
    public func jsonObject() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as? [String: Any] else {
            throw DMFTError.io("the settings record does not encode as a JSON object")
        }
        return object
    }
}

extension RunMetadata {
    /// This sidecar with the run's settings and the `--config` keys that did not apply.
    public func recording<S: CommandSettings>(_ settings: S, ignoring ignored: [String]) throws -> RunMetadata {
        var metadata = self
        metadata.settings = try settings.record()
        metadata.ignoredConfigKeys = ignored
        return metadata
    }
}

/// `value` as pretty-printed JSON with sorted keys and a final newline.
func prettyJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
