import Foundation

/// A `--config` file: any JSON file a command writes (a run's sidecar, `compare.json`,
/// `fit.json`), or a hand-written object.
///
/// - A file with a `problem` or `settings` object is read as a sidecar: `problem` gives the
///   problem, `settings` the command settings, and every other top-level key must be one a
///   command writes (a record such as `rows`, `wall_time_seconds`, `solver`): it is ignored.
/// - Any other object is read flat: each key is a problem key or a settings key.
///
/// A key that no command writes (a misspelling) is refused with the known keys; a value of
/// the wrong type is refused naming its key. Which settings apply is decided by the command
/// (`CommandSettings.layered`).
public struct RunConfig: Sendable {
    /// The file, for messages.
    public let path: String
    /// The problem, keys absent from the file at `ProblemSpec`'s defaults; `nil` if the file has none.
    public let problem: ProblemSpec?
    /// The settings, keyed as the commands write them (any command's).
    public let settings: [String: JSONValue]

    /// Reads and checks `path`.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DMFTError.invalidInput("cannot read config file \(path)")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws {
        self.path = path
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch let error as DecodingError {
            throw DMFTError.invalidInput("config file \(path) is not valid JSON: \(Self.describe(error))")
        }
        guard let top = json.objectValue else { throw DMFTError.invalidInput("config file \(path) is not a JSON object") }
        let problemObject: [String: JSONValue]?, settings: [String: JSONValue]
        if top["problem"] != nil || top["settings"] != nil {
            problemObject = try top["problem"].map { try Self.object($0, key: "problem", path: path) }
            settings = try top["settings"].map { try Self.object($0, key: "settings", path: path) } ?? [:]
            try Self.refuseUnknown(
                Set(top.keys).subtracting(Self.recordKeys), where: "at the top level of", known: Self.recordKeys, path: path)
        } else {
            let problemKeys = Set(ProblemSpec.CodingKeys.allCases.map(\.rawValue))
            let flatProblem = top.filter { problemKeys.contains($0.key) }
            problemObject = flatProblem.isEmpty ? nil : flatProblem
            settings = top.filter { Self.settingsKeys.contains($0.key) }
            try Self.refuseUnknown(
                Set(top.keys).subtracting(problemKeys).subtracting(Self.settingsKeys).subtracting(Self.recordKeys),
                where: "in", known: problemKeys.union(Self.settingsKeys), path: path)
        }
        try Self.refuseUnknown(
            Set(problemObject.map { Array($0.keys) } ?? []).subtracting(ProblemSpec.CodingKeys.allCases.map(\.rawValue)),
            where: "in the problem of", known: Set(ProblemSpec.CodingKeys.allCases.map(\.rawValue)), path: path)
        try Self.refuseUnknown(
            Set(settings.keys).subtracting(Self.settingsKeys), where: "in the settings of", known: Self.settingsKeys,
            path: path)
        self.settings = settings
        self.problem = try problemObject.map { try Self.decode(ProblemSpec.self, from: $0, path: path) }
    }

    /// Decodes `T` from `object`; a malformed value is refused naming the file and its key.
    public func decode<T: Decodable>(_ type: T.Type, from object: [String: JSONValue]) throws -> T {
        try Self.decode(type, from: object, path: path)
    }

    private static func decode<T: Decodable>(_ type: T.Type, from object: [String: JSONValue], path: String) throws -> T {
        do {
            return try JSONValue.decode(T.self, from: object)
        } catch let error as DecodingError {
            throw DMFTError.invalidInput("config file \(path): \(describe(error, in: object, as: T.self))")
        }
    }

    /// The error naming its key: a number that fits no field (1e30 runs, a negative seed)
    /// fails without a coding path, so the key is found by decoding each key alone.
    private static func describe<T: Decodable>(_ error: DecodingError, in object: [String: JSONValue], as type: T.Type) -> String {
        let context: DecodingError.Context? = switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): c
        @unknown default: nil
        }
        guard context?.codingPath.isEmpty ?? true else { return describe(error) }
        for (key, value) in object.sorted(by: { $0.key < $1.key })
        where (try? JSONValue.decode(T.self, from: [key: value])) == nil {
            let text = (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "its value"
            return "key \(key): \(text) is out of range or of the wrong type"
        }
        return describe(error)
    }

    /// An error about this file.
    public func error(_ message: String) -> DMFTError {
        .invalidInput("config file \(path): \(message)")
    }

    /// The settings keys of every command.
    public static let settingsKeys: Set<String> = Set(
        ([SolveSettings.self, SimulateSettings.self, AsymptoticsSettings.self, CompareSettings.self, ThresholdSettings.self]
            as [any CommandSettings.Type]).flatMap { $0.keys })

    /// The top-level keys of the files the commands write: records of a run, not settings.
    /// Besides the sidecar's and `compare.json`'s, `fit.json`'s (`fits`, `model`, its
    /// legacy copies of settings) and those added by Examples/lib/provenance.py.
    public static let recordKeys: Set<String> = Set(RunMetadata.CodingKeys.allCases.map(\.stringValue))
        .union(SettingsRecord.CodingKeys.allCases.map(\.stringValue))
        .union(ThresholdSettings.legacyTopLevelKeys.keys).union(["fits", "model", "second_layer", "time_unit"])
        .union(["csv_sha256", "discretisation_error", "resolution_difference"])

    private static func object(_ value: JSONValue, key: String, path: String) throws -> [String: JSONValue] {
        guard let object = value.objectValue else {
            throw DMFTError.invalidInput("config file \(path): \(key) must be a JSON object")
        }
        return object
    }

    private static func refuseUnknown(_ unknown: Set<String>, where place: String, known: Set<String>, path: String) throws {
        guard !unknown.isEmpty else { return }
        throw DMFTError.invalidInput(
            "unknown key(s) \(unknown.sorted().joined(separator: ", ")) \(place) config file \(path); known: "
                + known.sorted().joined(separator: ", "))
    }

    /// "key x: what is wrong" for a decoding error.
    static func describe(_ error: DecodingError) -> String {
        func key(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return path.isEmpty ? "the object" : "key " + path.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(_, let context): return "\(key(context)): \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "\(key(context)): expected \(type), found null"
        case .keyNotFound(let missing, let context): return "\(key(context)): missing \(missing.stringValue)"
        case .dataCorrupted(let context): return "\(key(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
