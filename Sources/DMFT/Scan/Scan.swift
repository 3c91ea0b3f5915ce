import Foundation

/// A parameter scan: one command run at every point of a grid of settings.
///
/// A scan has a `base` (problem and settings keys, exactly the keys of a `--config` file or a
/// sidecar), `axes` naming the settings to vary and their values, and how the axes combine:
/// `.product` (every combination; the first axis varies slowest) or `.zip` (the k-th value of
/// every axis together). Each of its `points` is a full set of settings for one run; the
/// point's `hash` names its output directory and depends only on what determines the run's
/// output (its resolved problem and settings, defaults filled in), not on how the file wrote it.
///
/// ```swift
/// let scan = try Scan(command: .solve, base: ["width": .int(5), "tmax": .int(1)],
///                     axes: [ScanAxis(name: "alpha", parsing: "0.2:0.6:5")])
/// scan.points.count    // 5
/// ```
public struct Scan: Codable, Equatable, Sendable {
    /// The command every point runs.
    public var command: ScanCommand
    /// Problem and settings keys shared by every point.
    public var base: [String: JSONValue]
    /// The varied settings, in order.
    public var axes: [ScanAxis]
    /// How the axes combine.
    public var combination: ScanCombination
    /// `--max-memory-gb` given to every point (nil: the command's default).
    public var maxMemoryGB: Double?
    /// Every point, in scan order (`points[k].index == k`).
    public private(set) var points: [ScanPoint]

    /// Expands and checks the scan: every axis names a known problem or settings key, every
    /// point's settings are valid for `command`, and no two points are the same run.
    public init(
        command: ScanCommand, base: [String: JSONValue], axes: [ScanAxis], combination: ScanCombination = .product,
        maxMemoryGB: Double? = nil
    ) throws {
        (self.command, self.base, self.axes, self.combination, self.maxMemoryGB) = (command, base, axes, combination, maxMemoryGB)
        self.points = []
        for axis in axes {
            guard Self.variableKeys.contains(axis.name) else {
                throw DMFTError.invalidInput(
                    "axis \(axis.name) is not a problem or settings key; known: \(Self.variableKeys.sorted().joined(separator: ", "))")
            }
            guard !axis.values.isEmpty else { throw DMFTError.invalidInput("axis \(axis.name) has no values") }
        }
        if let duplicate = Dictionary(grouping: axes.map(\.name), by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw DMFTError.invalidInput("axis \(duplicate) is given twice")
        }
        if let maxMemoryGB, !(maxMemoryGB.isFinite && maxMemoryGB > 0) {
            throw DMFTError.invalidInput("max_memory_gb must be a positive number, got \(maxMemoryGB)")
        }
        var seen: [String: Int] = [:]
        for (index, values) in try Self.combinations(axes, combination).enumerated() {
            let point = try ScanPoint(index: index, values: values, base: base, command: command)
            if let first = seen[point.hash] {
                throw DMFTError.invalidInput(
                    "points \(first) (\(points[first].label)) and \(index) (\(point.label)) are the same run: an axis sets "
                        + "a key that does not apply to \(command.rawValue) or its mode, or repeats a value")
            }
            seen[point.hash] = index
            points.append(point)
        }
    }

    /// The keys an axis may vary: every problem key and every settings key of any command.
    public static let variableKeys: Set<String> = Set(ProblemSpec.CodingKeys.allCases.map(\.rawValue)).union(RunConfig.settingsKeys)

    /// The axes' values at each point, in scan order.
    static func combinations(_ axes: [ScanAxis], _ combination: ScanCombination) throws -> [[ScanAxis.Value]] {
        guard !axes.isEmpty else { return [[]] }
        switch combination {
        case .zip:
            let count = axes[0].values.count
            if let other = axes.first(where: { $0.values.count != count }) {
                throw DMFTError.invalidInput(
                    "zipped axes must have equal lengths: \(axes[0].name) has \(count) values, \(other.name) has \(other.values.count)")
            }
            return (0..<count).map { k in axes.map { ScanAxis.Value(name: $0.name, value: $0.values[k]) } }
        case .product:
            let total = axes.reduce(1) { $0 * $1.values.count }
            guard total <= maxPoints else {
                throw DMFTError.invalidInput("the scan has \(total) points, more than \(maxPoints)")
            }
            return (0..<total).map { k in
                var rest = k
                var values: [ScanAxis.Value] = []
                for axis in axes.reversed() {
                    values.append(ScanAxis.Value(name: axis.name, value: axis.values[rest % axis.values.count]))
                    rest /= axis.values.count
                }
                return values.reversed()
            }
        }
    }

    /// Points one scan may have.
    public static let maxPoints = 1_000_000
}

/// What every point of a scan runs: the `dmft` subcommand of the same name.
public enum ScanCommand: String, Codable, CaseIterable, Sendable {
    case solve, simulate, compare, asymptotics

    /// The CSV of a point whose columns `merge` collects (`compare`: `combined.csv`).
    public var csvName: String { self == .compare ? "combined.csv" : "\(rawValue).csv" }
}

/// How the axes of a scan combine.
public enum ScanCombination: String, Codable, CaseIterable, Sendable {
    /// Every combination of the axes' values; the first axis varies slowest.
    case product
    /// The k-th values of all axes together (the axes must have equal lengths).
    case zip
}

/// One varied setting and its values.
public struct ScanAxis: Codable, Equatable, Sendable {
    /// A problem or settings key (`alpha`, `width`, `h`, `solver`, …).
    public var name: String
    /// Its values, in order.
    public var values: [JSONValue]

    public init(name: String, values: [JSONValue]) {
        (self.name, self.values) = (name, values)
    }

    /// One axis's value at a point.
    public struct Value: Codable, Equatable, Sendable {
        public var name: String
        public var value: JSONValue
    }
}

/// One run of a scan.
public struct ScanPoint: Codable, Equatable, Sendable {
    /// Position in scan order, from 0.
    public var index: Int
    /// The axes' values at this point, in axis order.
    public var values: [ScanAxis.Value]
    /// The point's configuration: the scan's base with the axes' values, a flat `--config` object.
    public var settings: [String: JSONValue]
    /// The first 16 hexadecimal digits of the SHA-256 of `record`'s canonical JSON (sorted
    /// keys, no spaces): the name of the point's directory.
    public var hash: String
    /// What determines the run's output: `command`, the resolved `problem` and `settings`
    /// (the sidecar's `problem` and `settings`, every default filled in).
    public var record: [String: JSONValue]

    /// Resolves and hashes the point; refuses settings the command would refuse.
    init(index: Int, values: [ScanAxis.Value], base: [String: JSONValue], command: ScanCommand) throws {
        self.index = index
        self.values = values
        var settings = base
        for v in values { settings[v.name] = v.value }
        self.settings = settings
        let label = values.isEmpty ? "the base" : values.map { "\($0.name) = \($0.value.text)" }.joined(separator: ", ")
        do {
            record = try Self.resolve(command: command, settings: settings, source: "point \(index) (\(label))")
        } catch DMFTError.invalidInput(let message) {
            throw DMFTError.invalidInput("point \(index) (\(label)): \(message)")
        }
        hash = String(SHA256.hex(Array(try Self.canonicalJSON(.object(record)).utf8)).prefix(16))
    }

    /// The axes' values as `name = value, …`.
    public var label: String { values.map { "\($0.name) = \($0.value.text)" }.joined(separator: ", ") }

    /// `value` as JSON with sorted keys and no whitespace.
    static func canonicalJSON(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The record of a run of `command` with the flat configuration `settings`, read exactly as
    /// `--config` reads it (`RunConfig`, `CommandSettings.layered`) and resolved as the command
    /// resolves it.
    static func resolve(command: ScanCommand, settings: [String: JSONValue], source: String) throws -> [String: JSONValue] {
        let config = try RunConfig(data: JSONEncoder().encode(settings), path: source)
        let spec = config.problem ?? ProblemSpec()
        let problem = try spec.makeProblem()
        let resolved: [String: JSONValue]
        switch command {
        case .solve: resolved = try resolveSettings(SolveSettings(), config) { try $0.resolved(for: problem) }
        case .simulate: resolved = try resolveSettings(SimulateSettings(), config) { try $0.resolved() }
        case .compare: resolved = try resolveSettings(CompareSettings(), config) { try $0.resolved(for: problem) }
        case .asymptotics:
            resolved = try resolveSettings(AsymptoticsSettings(), config) { settings in
                guard settings.regime != nil else {
                    throw DMFTError.invalidInput(
                        "asymptotics needs a regime (regime: mean-field, lazy-1, lazy-2, pspin or infinite-width)")
                }
                return try settings.resolved(for: problem)
            }
        }
        return ["command": .string(command.rawValue), "problem": .object(try JSONValue.object(encoding: spec)),
                "settings": .object(resolved)]
    }

    private static func resolveSettings<S: CommandSettings>(
        _ flags: S, _ config: RunConfig, _ resolve: (S) throws -> S
    ) throws -> [String: JSONValue] {
        let resolved = try resolve(S.layered(flags: flags, config: config).settings)
        try resolved.validate()
        return try resolved.record()
    }
}

extension JSONValue {
    /// The value as written in a CSV cell or a message: numbers in their shortest form, strings
    /// bare, lists and objects as compact JSON.
    public var text: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .unsigned(let u): return String(u)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        case .string(let s): return s
        case .array, .object: return (try? ScanPoint.canonicalJSON(self)) ?? ""
        }
    }
}
