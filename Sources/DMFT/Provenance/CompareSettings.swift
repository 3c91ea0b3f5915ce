import Foundation

extension TimeAxis: Codable {}

/// The settings of `dmft compare`: the DMFT (any solver of `dmft solve`), the simulators, the
/// metrics window and the figure's axes.
public struct CompareSettings: CommandSettings {
    /// `--models` (default: network).
    public var models: [SimulationModel]?
    /// `--solver` of the DMFT (default uniform).
    public var solver: SolverMethod?
    /// `--dt` of the uniform DMFT (default: `UniformEulerSolver.suggestedStep`).
    public var dt: Double?
    /// `--tolerance` of the long and ratio solvers.
    public var tolerance: Double?
    /// `--nodes`, `--clustering`, `--integrator` of the ratio solver.
    public var nodes: Int?, clustering: Double?, integrator: RatioGridSolver.Integrator?
    /// `--window` T0,T1 of the deviation metrics, on the figure's time axis (absent: every time).
    public var window: [Double]?
    /// `--time-axis` of the figure (default t).
    public var timeAxis: TimeAxis?
    /// `--log-time` (default false).
    public var logTime: Bool?
    /// `--png` / `--no-png`: also write figure.png (default true).
    public var png: Bool?
    /// The simulators' settings and `tmax` (no `model`), written at the same level as the others.
    public var simulation = SimulateSettings()

    /// `--tmax` (default 20), of the DMFT and the simulators.
    public var tmax: Double? {
        get { simulation.tmax }
        set { simulation.tmax = newValue }
    }

    public init(
        models: [SimulationModel]? = nil, dt: Double? = nil, tmax: Double? = nil, window: [Double]? = nil,
        timeAxis: TimeAxis? = nil, logTime: Bool? = nil, png: Bool? = nil, simulation: SimulateSettings = SimulateSettings(),
        theory: SolveSettings = SolveSettings()
    ) {
        (self.models, self.dt, self.window) = (models, dt, window)
        (solver, tolerance, nodes, clustering, integrator) =
            (theory.solver, theory.tolerance, theory.nodes, theory.clustering, theory.integrator)
        if let dt = theory.dt { self.dt = dt }
        (self.timeAxis, self.logTime, self.png, self.simulation) = (timeAxis, logTime, png, simulation)
        if let tmax { self.tmax = tmax }
    }

    enum OwnKeys: String, CodingKey, CaseIterable {
        case models, solver, dt, tolerance, nodes, clustering, integrator, window, timeAxis = "time_axis",
             logTime = "log_time", png
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: OwnKeys.self)
        models = try c.decodeIfPresent([SimulationModel].self, forKey: .models)
        solver = try c.decodeIfPresent(SolverMethod.self, forKey: .solver)
        dt = try c.decodeIfPresent(Double.self, forKey: .dt)
        tolerance = try c.decodeIfPresent(Double.self, forKey: .tolerance)
        nodes = try c.decodeIfPresent(Int.self, forKey: .nodes)
        clustering = try c.decodeIfPresent(Double.self, forKey: .clustering)
        integrator = try c.decodeIfPresent(RatioGridSolver.Integrator.self, forKey: .integrator)
        window = try c.decodeIfPresent([Double].self, forKey: .window)
        timeAxis = try c.decodeIfPresent(TimeAxis.self, forKey: .timeAxis)
        logTime = try c.decodeIfPresent(Bool.self, forKey: .logTime)
        png = try c.decodeIfPresent(Bool.self, forKey: .png)
        simulation = try SimulateSettings(from: decoder)
        simulation.model = nil
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: OwnKeys.self)
        try c.encodeIfPresent(models, forKey: .models)
        try c.encodeIfPresent(solver, forKey: .solver)
        try c.encodeIfPresent(dt, forKey: .dt)
        try c.encodeIfPresent(tolerance, forKey: .tolerance)
        try c.encodeIfPresent(nodes, forKey: .nodes)
        try c.encodeIfPresent(clustering, forKey: .clustering)
        try c.encodeIfPresent(integrator, forKey: .integrator)
        try c.encodeIfPresent(window, forKey: .window)
        try c.encodeIfPresent(timeAxis, forKey: .timeAxis)
        try c.encodeIfPresent(logTime, forKey: .logTime)
        try c.encodeIfPresent(png, forKey: .png)
        try simulation.encode(to: encoder)
    }

    public static var keys: [String] {
        OwnKeys.allCases.map(\.rawValue) + SimulateSettings.keys.filter { !SimulateSettings.modeKeys.contains($0) }
    }
    public static var modeKeys: [String] { [OwnKeys.models.rawValue, OwnKeys.solver.rawValue] }

    /// The simulators compared (`--models`, else the network).
    public var chosenModels: [SimulationModel] { models ?? [.network] }

    /// The DMFT's settings, as those of `dmft solve`.
    public var theory: SolveSettings {
        SolveSettings(
            solver: solver, tmax: tmax, dt: dt, tolerance: tolerance, nodes: nodes, clustering: clustering,
            integrator: integrator)
    }

    public var applicableKeys: Set<String> {
        let solverKeys = Set(SolveSettings.keys)
        return Set(OwnKeys.allCases.map(\.rawValue).filter { !solverKeys.contains($0) })
            .union(theory.applicableKeys)
            .union(["tmax"] + SimulateSettings.simulatorKeys(for: chosenModels))
    }

    public func validate() throws {
        if let models, models.isEmpty { throw DMFTError.invalidInput("models must name at least one simulator") }
        try theory.validate()
        let finite = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        try SettingCheck.list("window", window, in: finite, count: 2...2)
        if let window, window[0] > window[1] { throw DMFTError.invalidInput("window must be T0,T1 with T0 ≤ T1, got \(window)") }
        try simulation.validate()
    }

    /// Every setting, defaults filled in (the DMFT step from the stability limit of `problem`;
    /// the simulators' as in `SimulateSettings.resolved(forAll:)`).
    public func resolved(for problem: TrainingProblem) throws -> CompareSettings {
        let duration = tmax ?? Self.defaultTmax
        var resolved = try overlaid(on: CompareSettings(models: [.network], tmax: duration, timeAxis: .t, logTime: false, png: true))
        let theory = try resolved.theory.resolved(for: problem)
        (resolved.solver, resolved.dt, resolved.tolerance) = (theory.solver, theory.dt, theory.tolerance)
        (resolved.nodes, resolved.clustering, resolved.integrator) = (theory.nodes, theory.clustering, theory.integrator)
        resolved.simulation = try resolved.simulation.resolved(forAll: resolved.chosenModels)
        return resolved
    }

    /// The settings of the run of `model` (its sidecar is that of `dmft simulate`).
    public func simulate(_ model: SimulationModel) throws -> SimulateSettings {
        var settings = simulation
        settings.model = model
        return try settings.resolved()
    }
}
