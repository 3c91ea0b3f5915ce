import Foundation

/// The settings of one command other than its problem: every flag that changes its output,
/// as a Codable value whose JSON keys are the flag names (`--record-every` → `record_every`).
/// The same type is written into the sidecar (`settings`) and read back by `--config`, so
/// what is recorded and what can be restored are one list.
///
/// Every field is optional: `nil` means "not given" in a layer (flags, config) and "does not
/// apply" in a resolved value. A resolved value (the command's `resolved(…)`) has every
/// setting that applies to its mode filled in, defaults included, and is what a sidecar records.
public protocol CommandSettings: SettingsGroup {
    /// Every JSON key of these settings.
    static var keys: [String] { get }
    /// The keys that choose the mode (`solver`, `model`, `regime`, `models`); they decide
    /// which of the other keys apply.
    static var modeKeys: [String] { get }
    /// The keys that apply to the mode these settings choose (the mode keys included).
    var applicableKeys: Set<String> { get }
    /// Refuses a value out of range, naming its key.
    func validate() throws
}

/// A Codable group of optional settings (a command's, or a part several commands share).
public protocol SettingsGroup: Codable, Equatable, Sendable {}

/// A command's settings after layering flags over a `--config` file.
public struct Layered<Settings: CommandSettings>: Sendable {
    /// The flags given, over the config's settings that apply (neither has defaults yet).
    public var settings: Settings
    /// The config's settings keys that do not apply to this command or mode.
    public var ignoredConfigKeys: [String]

    public init(settings: Settings, ignoredConfigKeys: [String] = []) {
        (self.settings, self.ignoredConfigKeys) = (settings, ignoredConfigKeys)
    }
}

extension CommandSettings {
    /// The flags given (`flags`, nil where not given) over the settings of `config`.
    /// Config keys of another command, or of this command in another mode (`dt` of a uniform
    /// solve passed to `--solver long`), are ignored and listed; a config value that is
    /// malformed or out of range is refused with a message naming the file and the key.
    public static func layered(flags: Self, config: RunConfig?) throws -> Layered<Self> {
        let given = try flags.jsonObject()
        guard let config else { return Layered(settings: flags) }
        let modeLayer = config.settings.filter { modeKeys.contains($0.key) }.merging(given) { $1 }
        let applicable = try config.decode(Self.self, from: modeLayer).applicableKeys
        let used = config.settings.filter { applicable.contains($0.key) && given[$0.key] == nil }
        let fromConfig = try config.decode(Self.self, from: used)
        do {
            try fromConfig.validate()
        } catch DMFTError.invalidInput(let message) {
            throw config.error(message)
        }
        return Layered(
            settings: try config.decode(Self.self, from: used.merging(given) { $1 }),
            ignoredConfigKeys: config.settings.keys.filter { !applicable.contains($0) }.sorted())
    }

    /// What a sidecar records: the settings that apply to the mode.
    public func record() throws -> [String: JSONValue] {
        let applicable = applicableKeys
        return try jsonObject().filter { applicable.contains($0.key) }
    }

    /// The default final time of solve, simulate and compare.
    public static var defaultTmax: Double { 20 }
}

extension SettingsGroup {
    /// These settings as a JSON object (nil fields left out).
    public func jsonObject() throws -> [String: JSONValue] {
        do {
            return try JSONValue.object(encoding: self)
        } catch EncodingError.invalidValue(let value, let context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw DMFTError.invalidInput("\(key): \(value) is not a finite number")
        }
    }

    /// These settings with the fields they leave nil taken from `base`.
    public func overlaid(on base: Self) throws -> Self {
        try JSONValue.decode(Self.self, from: base.jsonObject().merging(jsonObject()) { $1 })
    }

    /// A setting that resolution fills in; a missing one is reported, never trapped.
    public func value<T>(_ field: KeyPath<Self, T?>, _ key: String) throws -> T {
        guard let value = self[keyPath: field] else {
            throw DMFTError.invalidInput("the setting \(key) has no value")
        }
        return value
    }
}

/// Range checks of `CommandSettings.validate()`: each refuses with a message naming the key.
enum SettingCheck {
    /// A finite number in `range` (or absent).
    static func number(_ key: String, _ value: Double?, in range: ClosedRange<Double>, open lower: Bool = true) throws {
        guard let value else { return }
        guard value.isFinite, range.contains(value), !(lower && value == range.lowerBound) else {
            let bounds = "\(lower ? "(" : "[")\(format(range.lowerBound)), \(format(range.upperBound))]"
            throw DMFTError.invalidInput("\(key) must be a finite number in \(bounds), got \(value)")
        }
    }

    /// An integer in `range` (or absent).
    static func integer(_ key: String, _ value: Int?, in range: ClosedRange<Int>) throws {
        guard let value else { return }
        guard range.contains(value) else {
            throw DMFTError.invalidInput("\(key) must be an integer in \(range.lowerBound)…\(range.upperBound), got \(value)")
        }
    }

    /// A non-empty list of finite numbers, each in `range` (or absent).
    static func list(_ key: String, _ values: [Double]?, in range: ClosedRange<Double>, count: ClosedRange<Int> = 1...10_000) throws {
        guard let values else { return }
        guard count.contains(values.count) else {
            throw DMFTError.invalidInput("\(key) must have \(count.lowerBound)…\(count.upperBound) entries, got \(values.count)")
        }
        for v in values { try number(key, v, in: range, open: false) }
    }

    private static func format(_ x: Double) -> String { String(format: "%g", x) }

    /// Longest horizon a setting may ask for (in any time unit): far beyond any run that fits
    /// in memory, and small enough that no step count overflows.
    static let maxTime = 1e9
    /// Time ranges: horizons and steps.
    static let time: ClosedRange<Double> = 0...maxTime
}
