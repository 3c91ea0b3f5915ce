import Foundation

/// The m → ∞ theories of `dmft asymptotics` (docs/asymptotics.md).
public enum AsymptoticRegime: String, Codable, CaseIterable, Sendable {
    case meanField = "mean-field", lazy1 = "lazy-1", lazy2 = "lazy-2", pspin
    case infiniteWidth = "infinite-width"
}

/// The settings of `dmft asymptotics REGIME`.
public struct AsymptoticsSettings: CommandSettings {
    /// The regime (the command's argument; recorded, and overridden by the argument).
    public var regime: AsymptoticRegime?
    /// `--tmax` in the regime's own time unit (default: 20, lazy-1: 5, pspin: 4, infinite-width: 3).
    public var tmax: Double?
    /// `--dt`: output spacing (mean-field, lazy-1, default 0.01) or step (pspin: 0.05;
    /// infinite-width: `InfiniteWidthLimit.suggestedStep`). Not lazy-2.
    public var dt: Double?
    /// `--tolerance` of the long-time solver, lazy-2 only (default 1e-4).
    public var tolerance: Double?
    /// `--index-count`, mean-field only (default 1).
    public var indexCount: Int?
    /// `--type-a0`, mean-field only (absent: `--a0` for all neurons).
    public var typeA0: [Double]?
    /// `--type-weights`, mean-field only (absent: equal).
    public var typeWeights: [Double]?

    public init(
        regime: AsymptoticRegime? = nil, tmax: Double? = nil, dt: Double? = nil, tolerance: Double? = nil,
        indexCount: Int? = nil, typeA0: [Double]? = nil, typeWeights: [Double]? = nil
    ) {
        (self.regime, self.tmax, self.dt, self.tolerance) = (regime, tmax, dt, tolerance)
        (self.indexCount, self.typeA0, self.typeWeights) = (indexCount, typeA0, typeWeights)
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case regime, tmax, dt, tolerance, indexCount = "index_count", typeA0 = "type_a0", typeWeights = "type_weights"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static var modeKeys: [String] { [CodingKeys.regime.rawValue] }

    public var applicableKeys: Set<String> {
        let own: [CodingKeys]
        switch regime {
        case .meanField: own = [.dt, .indexCount, .typeA0, .typeWeights]
        case .lazy2: own = [.tolerance]
        case .lazy1, .pspin, .infiniteWidth: own = [.dt]
        case nil: own = CodingKeys.allCases
        }
        return Set(([.regime, .tmax] + own).map(\.rawValue))
    }

    public func validate() throws {
        try SettingCheck.number("tmax", tmax, in: SettingCheck.time)
        try SettingCheck.number("dt", dt, in: SettingCheck.time)
        try SettingCheck.number("tolerance", tolerance, in: 0...1)
        try SettingCheck.integer("index_count", indexCount, in: 1...10_000)
        let finite = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        try SettingCheck.list("type_a0", typeA0, in: finite)
        try SettingCheck.list("type_weights", typeWeights, in: 0...Double.greatestFiniteMagnitude)
    }

    /// Every setting that applies to the regime, defaults filled in.
    public func resolved(for problem: TrainingProblem) throws -> AsymptoticsSettings {
        let regime = try value(\.regime, "regime")
        var defaults = AsymptoticsSettings(regime: regime)
        switch regime {
        case .meanField: (defaults.tmax, defaults.dt, defaults.indexCount) = (20, 0.01, 1)
        case .lazy1: (defaults.tmax, defaults.dt) = (5, 0.01)
        case .lazy2: (defaults.tmax, defaults.tolerance) = (20, 1e-4)
        case .pspin: (defaults.tmax, defaults.dt) = (4, 0.05)
        case .infiniteWidth: (defaults.tmax, defaults.dt) = (3, InfiniteWidthLimit.suggestedStep(for: problem))
        }
        return try overlaid(on: defaults)
    }
}
