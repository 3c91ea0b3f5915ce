import Foundation

extension InterpolationThresholdScan.Parameter: Codable {}

/// Which widths `dmft threshold` scans.
public enum ThresholdWidthLimit: String, Codable, CaseIterable, Sendable {
    /// Width `--width` (the full symmetric DMFT).
    case finite
    /// m = ∞ (the lazy regime-2 system; lazy initialisation only).
    case infinite
    /// Both.
    case both
}

/// The settings of `dmft threshold`.
public struct ThresholdSettings: CommandSettings {
    /// `--scan` (default alpha).
    public var scan: InterpolationThresholdScan.Parameter?
    /// `--values` of the scanned parameter (no default: required).
    public var values: [Double]?
    /// `--limit` (default: both for a lazy initialisation, else finite).
    public var limit: ThresholdWidthLimit?
    /// `--epsilon`: the relaxation level is ε·τ² (default 1e-7).
    public var epsilon: Double?
    /// `--tolerance` of each long-time solve (default 1e-2).
    public var tolerance: Double?
    /// `--tmax-start`: the first horizon (default 25).
    public var tmaxStart: Double?
    /// `--tmax`: the longest horizon (default 800).
    public var tmax: Double?
    /// `--max-memory-gb` of each solve (default 4): a value needing more is reported and skipped.
    public var maxMemoryGB: Double?
    /// `--confidence` level of the intervals (default 0.95).
    public var confidence: Double?
    /// `--png` / `--no-png`: also write threshold.png (default true).
    public var png: Bool?

    public init(
        scan: InterpolationThresholdScan.Parameter? = nil, values: [Double]? = nil, limit: ThresholdWidthLimit? = nil,
        epsilon: Double? = nil, tolerance: Double? = nil, tmaxStart: Double? = nil, tmax: Double? = nil,
        maxMemoryGB: Double? = nil, confidence: Double? = nil, png: Bool? = nil
    ) {
        (self.scan, self.values, self.limit, self.epsilon, self.tolerance) = (scan, values, limit, epsilon, tolerance)
        (self.tmaxStart, self.tmax, self.maxMemoryGB, self.confidence) = (tmaxStart, tmax, maxMemoryGB, confidence)
        self.png = png
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case scan, values, limit, epsilon, tolerance, tmaxStart = "tmax_start", tmax, maxMemoryGB = "max_memory_gb",
            confidence, png
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static var modeKeys: [String] { [] }
    public var applicableKeys: Set<String> { Set(Self.keys) }

    /// The settings `fit.json` also writes at its top level, as it did before it had
    /// `settings` (name there → settings key); only `settings` is read back.
    public static let legacyTopLevelKeys = [
        "scan": "scan", "epsilon": "epsilon", "tolerance": "tolerance", "tmax_start": "tmax_start", "tmax": "tmax",
        "confidence_level": "confidence",
    ]

    /// The top-level copies of these settings for `fit.json` (`JSONSerialization` values).
    public func legacyTopLevel() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as? [String: Any] ?? [:]
        return Self.legacyTopLevelKeys.reduce(into: [:]) { $0[$1.key] = object[$1.value] }
    }

    public func validate() throws {
        try SettingCheck.list("values", values, in: 0...Double.greatestFiniteMagnitude)
        try SettingCheck.number("epsilon", epsilon, in: 0...1)
        try SettingCheck.number("tolerance", tolerance, in: 0...1)
        try SettingCheck.number("tmax_start", tmaxStart, in: SettingCheck.time)
        try SettingCheck.number("tmax", tmax, in: SettingCheck.time)
        try SettingCheck.number("max_memory_gb", maxMemoryGB, in: 0...1e6)
        try SettingCheck.number("confidence", confidence, in: 0...1)
    }

    /// Every setting, defaults filled in; refuses settings without `values`.
    public func resolved(for problem: TrainingProblem) throws -> ThresholdSettings {
        guard values != nil else { throw DMFTError.invalidInput("give the scanned values with --values (or a config that has them)") }
        let isLazy: Bool = { if case .lazy = problem.initialization { return true } else { return false } }()
        return try overlaid(on: ThresholdSettings(
            scan: .alpha, limit: isLazy ? .both : .finite, epsilon: 1e-7, tolerance: 1e-2, tmaxStart: 25, tmax: 800,
            maxMemoryGB: 4, confidence: 0.95, png: true))
    }
}
