import Foundation

extension InterpolationThresholdScan.Parameter: Codable {}

/// Which widths `dmft threshold` scans; the m = ∞ systems are named as `dmft asymptotics`
/// names its regimes.
public enum ThresholdWidthLimit: String, Codable, CaseIterable, Sendable {
    /// Width `--width` (the full symmetric DMFT).
    case finite
    /// m = ∞ at fixed α: the lazy regime-2 system (lazy initialisation only).
    case lazy2 = "lazy-2"
    /// m = ∞ at fixed ᾱ = n/d: the infinite-width system (mean-field initialisation, scan alphabar).
    case infiniteWidth = "infinite-width"
    /// Width `--width` and the m = ∞ system of the initialisation (lazy-2 or infinite-width).
    case both

    /// The name this setting had before the m = ∞ systems were told apart.
    public static let renamedInfinite = "infinite"

    /// Reads a name, telling the new name when given the old one.
    public init(parsing name: String) throws {
        if let limit = ThresholdWidthLimit(rawValue: name) {
            self = limit
        } else if name == Self.renamedInfinite {
            throw DMFTError.invalidInput(
                "--limit infinite was renamed lazy-2 (the m = ∞ lazy regime-2 system, as `dmft asymptotics lazy-2`); "
                    + "the fixed-ᾱ m = ∞ system of a mean-field initialisation is infinite-width")
        } else {
            throw DMFTError.invalidInput(
                "unknown --limit '\(name)'; expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        do { try self.init(parsing: name) } catch let error as DMFTError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    /// The systems scanned for `initialization`: `both` is the finite width and the m = ∞
    /// system of the initialisation.
    public func widths(for initialization: Initialization) -> [InterpolationThresholdScan.Width] {
        let limit: InterpolationThresholdScan.Width = {
            if case .lazy = initialization { return .lazyRegimeTwo } else { return .infiniteWidth }
        }()
        switch self {
        case .finite: return [.finite]
        case .lazy2: return [.lazyRegimeTwo]
        case .infiniteWidth: return [.infiniteWidth]
        case .both: return [.finite, limit]
        }
    }
}

/// The settings of `dmft threshold`.
public struct ThresholdSettings: CommandSettings {
    /// `--scan` (default alpha).
    public var scan: InterpolationThresholdScan.Parameter?
    /// `--values` of the scanned parameter (no default: required).
    public var values: [Double]?
    /// `--limit` (default: both for a lazy initialisation or a scan of alphabar, else finite).
    public var limit: ThresholdWidthLimit?
    /// `--widths`: the finite widths scanned (default: the problem's width).
    public var widths: [Int]?
    /// `--dt`: step in T = t/m of the infinite-width solves (default: the smallest
    /// `InfiniteWidthLimit.suggestedStep` over the scanned ᾱ; only with infinite-width).
    public var dt: Double?
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
        maxMemoryGB: Double? = nil, confidence: Double? = nil, png: Bool? = nil, widths: [Int]? = nil,
        dt: Double? = nil
    ) {
        (self.scan, self.values, self.limit, self.epsilon, self.tolerance) = (scan, values, limit, epsilon, tolerance)
        (self.tmaxStart, self.tmax, self.maxMemoryGB, self.confidence) = (tmaxStart, tmax, maxMemoryGB, confidence)
        (self.png, self.widths, self.dt) = (png, widths, dt)
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case scan, values, limit, epsilon, tolerance, tmaxStart = "tmax_start", tmax, maxMemoryGB = "max_memory_gb",
            confidence, png, widths, dt
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
        try SettingCheck.list("widths", widths.map { $0.map(Double.init) }, in: 1...1e6)
        try SettingCheck.number("dt", dt, in: SettingCheck.time)
    }

    /// Every setting, defaults filled in; refuses settings without `values`.
    public func resolved(for problem: TrainingProblem) throws -> ThresholdSettings {
        guard values != nil else { throw DMFTError.invalidInput("give the scanned values with --values (or a config that has them)") }
        let isLazy: Bool = { if case .lazy = problem.initialization { return true } else { return false } }()
        let scan = self.scan ?? .alpha
        var resolved = try overlaid(on: ThresholdSettings(
            scan: .alpha, limit: isLazy || scan == .alphaBar ? .both : .finite, epsilon: 1e-7, tolerance: 1e-2,
            tmaxStart: 25, tmax: 800, maxMemoryGB: 4, confidence: 0.95, png: true))
        let systems = try resolved.value(\.limit, "limit").widths(for: problem.initialization)
        if resolved.widths == nil, systems.contains(.finite) { resolved.widths = [problem.width] }
        if resolved.dt == nil, systems.contains(.infiniteWidth), scan == .alphaBar {
            // The stiff rate grows with ᾱ: the step of the largest value serves all.
            var p = problem
            p.alpha = (values ?? []).max().map { $0 / Double(problem.width) } ?? problem.alpha
            resolved.dt = InfiniteWidthLimit.suggestedStep(for: p)
        }
        return resolved
    }
}
