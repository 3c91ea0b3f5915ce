import Foundation

/// The project version written into every output's metadata.
public let dmftVersion = "0.1.0"

/// The JSON sidecar written next to every output CSV: enough to reproduce and judge the
/// run (`problem` and `settings` are read back by `--config`; the rest is a record).
public struct RunMetadata: Codable, Sendable {
    public struct Covariance: Codable, Sendable {
        /// Power-series coefficients of h from `q^0`.
        public var h: [Double]
        /// Power-series coefficients of φ̂ from `v^0`; absent for pure noise.
        public var phiHat: [Double]?
        public var phiNorm2: Double
        public var truncation: Truncation?

        enum CodingKeys: String, CodingKey {
            case h, phiHat = "phihat", phiNorm2 = "phi_norm2", truncation
        }
    }

    public struct Truncation: Codable, Sendable {
        public var degree: Int
        public var quadraturePoints: Int
        public var hTail: Double
        public var phiTail: Double
        public var phiHatTailBound: Double
        public var quadratureError: Double
        enum CodingKeys: String, CodingKey {
            case degree, quadraturePoints = "quadrature_points", hTail = "h_tail", phiTail = "phi_tail",
                phiHatTailBound = "phihat_tail_bound", quadratureError = "quadrature_error"
        }
    }

    /// Solver or simulator settings as name → value (numbers and strings).
    public var tool = "dmft"
    public var version = dmftVersion
    public var command: String
    public var problem: ProblemSpec
    public var covariance: Covariance
    public var alphaBar: Double
    /// `a(0)`; for a grouped start (`--init groups`) the `a_k(0)` of largest magnitude, the groups being in `problem`.
    public var initialSecondLayer: Double
    public var solver: [String: String]
    public var columns: [String]
    public var rows: Int
    public var wallTimeSeconds: Double
    public var started: String
    public var warnings: [String]
    /// The command's settings (`CommandSettings.record()`); absent in sidecars written before.
    public var settings: [String: JSONValue]?
    /// Keys of the `--config` file's settings that did not apply to this run.
    public var ignoredConfigKeys: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tool, version, command, problem, covariance, alphaBar = "alpha_bar",
            initialSecondLayer = "a_initial", solver, columns, rows, wallTimeSeconds = "wall_time_seconds",
            started, warnings, settings, ignoredConfigKeys = "ignored_config_keys"
    }

    public init(
        command: String, spec: ProblemSpec, problem: TrainingProblem, solver: [String: String],
        trajectory: Trajectory, wallTime: Double, started: Date, warnings: [String]
    ) {
        self.command = command
        self.problem = spec
        let cov = problem.covariance
        self.covariance = Covariance(
            h: cov.h.coefficients, phiHat: cov.target?.phiHat.coefficients, phiNorm2: cov.phiNorm2,
            truncation: cov.truncation.map {
                Truncation(
                    degree: $0.degree, quadraturePoints: $0.quadraturePoints, hTail: $0.hTail, phiTail: $0.phiTail,
                    phiHatTailBound: $0.phiHatTailBound, quadratureError: $0.quadratureError)
            })
        self.alphaBar = problem.alphaBar
        self.initialSecondLayer = problem.initialSecondLayer
        self.solver = solver
        self.columns = trajectory.names
        self.rows = trajectory.count
        self.wallTimeSeconds = wallTime
        self.started = ISO8601DateFormatter().string(from: started)
        self.warnings = warnings
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> String { try prettyJSON(self) }
}

/// Writes `FILE.csv` and its sidecar `FILE.json` (the CSV path with its extension replaced).
public enum RunOutput {
    /// The sidecar path for a CSV path: `out/run.csv` → `out/run.json`.
    public static func sidecarPath(for csvPath: String) -> String {
        let url = URL(fileURLWithPath: csvPath)
        return url.deletingPathExtension().appendingPathExtension("json").path
    }

    /// The files of a run writing `csvPath`, in commit order: the sidecar, then the CSV.
    /// Refuses a CSV path that would be its own sidecar (`run.json`).
    public static func paths(for csvPath: String) throws -> [String] {
        let sidecar = sidecarPath(for: csvPath)
        guard !OutputFiles.sameFile(sidecar, csvPath) else {
            throw DMFTError.invalidInput("the output \(csvPath) would be its own JSON sidecar; give it the extension .csv")
        }
        return [sidecar, csvPath]
    }

    /// Stages the CSV and its sidecar in `files` (which must have declared `paths(for: csvPath)`).
    /// A trajectory with non-finite values is refused.
    public static func stage(
        _ trajectory: Trajectory, metadata: RunMetadata, to csvPath: String, in files: OutputFiles
    ) throws {
        guard trajectory.isFinite else {
            throw DMFTError.diverged("refusing to write \(csvPath): the trajectory has non-finite values")
        }
        try files.stage(metadata.json(), as: sidecarPath(for: csvPath))
        try files.stage(TrajectoryCSV.render(trajectory), as: csvPath)
    }
}
