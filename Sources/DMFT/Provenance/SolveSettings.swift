import Foundation

/// Which SymmDMFT integrator `dmft solve` uses.
public enum SolverMethod: String, Codable, CaseIterable, Sendable {
    /// The paper's uniform Euler grid (first order, O(N²) memory).
    case uniform
    /// `LongTimeSolver`: adaptive, implicit stiff term, extrapolated, with an error estimate.
    case long
    /// `RatioGridSolver` (experimental): rows on a grid in the time ratio s/t.
    case ratio
}

extension RatioGridSolver.Integrator: Codable {}

/// The settings of `dmft solve` (and of the DMFT run of `dmft compare`, `dmft example`).
public struct SolveSettings: CommandSettings {
    /// `--solver` (default uniform).
    public var solver: SolverMethod?
    /// `--tmax` (default 20).
    public var tmax: Double?
    /// `--dt`, uniform only (default: `UniformEulerSolver.suggestedStep`).
    public var dt: Double?
    /// `--tolerance`, long and ratio (defaults: those of `LongTimeSolver`, `RatioGridSolver`).
    public var tolerance: Double?
    /// `--nodes`, ratio only.
    public var nodes: Int?
    /// `--clustering`, ratio only.
    public var clustering: Double?
    /// `--integrator`, ratio only.
    public var integrator: RatioGridSolver.Integrator?

    public init(
        solver: SolverMethod? = nil, tmax: Double? = nil, dt: Double? = nil, tolerance: Double? = nil,
        nodes: Int? = nil, clustering: Double? = nil, integrator: RatioGridSolver.Integrator? = nil
    ) {
        (self.solver, self.tmax, self.dt, self.tolerance) = (solver, tmax, dt, tolerance)
        (self.nodes, self.clustering, self.integrator) = (nodes, clustering, integrator)
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case solver, tmax, dt, tolerance, nodes, clustering, integrator
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static var modeKeys: [String] { [CodingKeys.solver.rawValue] }

    /// The solver chosen (`--solver`, else uniform).
    public var method: SolverMethod { solver ?? .uniform }

    public var applicableKeys: Set<String> {
        let own: [CodingKeys]
        switch method {
        case .uniform: own = [.dt]
        case .long: own = [.tolerance]
        case .ratio: own = [.tolerance, .nodes, .clustering, .integrator]
        }
        return Set(([.solver, .tmax] + own).map(\.rawValue))
    }

    public func validate() throws {
        try SettingCheck.number("tmax", tmax, in: SettingCheck.time)
        try SettingCheck.number("dt", dt, in: SettingCheck.time)
        try SettingCheck.number("tolerance", tolerance, in: 0...1)
        try SettingCheck.integer("nodes", nodes, in: 1...1_000_000)
        try SettingCheck.number("clustering", clustering, in: 0...1000)
    }

    /// Every setting that applies to the chosen solver, defaults filled in from the solvers'
    /// own (the uniform step from the stability limit of `problem`).
    public func resolved(for problem: TrainingProblem) throws -> SolveSettings {
        var defaults = SolveSettings(solver: method, tmax: 20)
        switch method {
        case .uniform:
            defaults.dt = UniformEulerSolver.suggestedStep(for: problem)
        case .long:
            defaults.tolerance = LongTimeSolver(duration: 1).tolerance
        case .ratio:
            let solver = RatioGridSolver(duration: 1)
            defaults.tolerance = solver.tolerance
            (defaults.nodes, defaults.clustering, defaults.integrator) = (solver.nodes, solver.clustering, solver.integrator)
        }
        return try overlaid(on: defaults)
    }
}
