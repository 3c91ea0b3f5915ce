import ArgumentParser
import DMFT
import Foundation

struct Asymptotics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The m → ∞ theories: mean-field ODE, lazy regimes 1 and 2, the p-spin regime of pure noise.",
        discussion: """
            Each regime lives on its own time scale and writes a CSV whose first column is that scaled \
            time, with a JSON sidecar (solver.name = asymptotics-<regime>, solver.time_axis). \
            `dmft plot --time-axis <axis>` draws such a file unscaled next to finite-m runs rescaled to \
            the same axis:
              mean-field  t        mean-field ODE (mean-field init; --index-count k for the additive k-index \
            target, --type-a0/--type-weights for neuron types with different a(0))
              lazy-1      t*m      closed forms of regime 1 (lazy init, frozen a): e, sqrt_m_v, m_Co_tt
              lazy-2      t        regime-2 reduced DMFT (m = 1 with h̃ = h − h'(0)q, noise τ'), long-time solver
              pspin       t/sqrt(m) pure noise, mean-field init: p-spin flow of h̃ with the time change, a(s)
              infinite-width t/m  m → ∞ at fixed ᾱ = αm (mean-field init): two-time DMFT in T = t/m
            The problem flags are those of `dmft solve`; the width only matters through ᾱ = αm.
            """)

    typealias Regime = AsymptoticRegime

    @Argument(help: "Regime: mean-field, lazy-1, lazy-2, pspin or infinite-width.")
    var regime: Regime

    @OptionGroup var problem: ProblemOptions

    @Option(help: "Final time in the regime's own time unit (default: 20, lazy-1: 5, pspin: 4, infinite-width: 3).")
    var tmax: Double?

    @Option(help: "Output spacing (mean-field, lazy-1) or step (pspin: 0.05; infinite-width: from the stability limit, ≤ 0.05). Default 0.01.")
    var dt: Double?

    @Option(help: "lazy-2: tolerance of the long-time solver. Default 1e-4.")
    var tolerance: Double?

    @Option(name: .customLong("index-count"), help: "mean-field: number k of latent directions of the additive target φ(z) = Σ_j φ₁(z_j)/√k. Default 1.")
    var indexCount: Int?

    @Option(name: .customLong("type-a0"), help: "mean-field: comma-separated a(0) of neuron types (default: --a0 for all).")
    var typeA0: String?

    @Option(name: .customLong("type-weights"), help: "mean-field: comma-separated fractions of the neuron types (default: equal).")
    var typeWeights: String?

    @Option(help: "Output CSV; the JSON sidecar goes next to it.")
    var out: String = "dmft-asymptotics.csv"

    @OptionGroup var resources: ResourceOptions

    func run() throws {
        try reportingErrors {
            let files = try OutputFiles(try RunOutput.paths(for: out), inputs: problem.inputFiles)
            let spec = try problem.spec()
            let p = try spec.makeProblem()
            let layered = try problem.settings(given)
            let resolved = try layered.settings.resolved(for: p)
            let duration = try resolved.value(\.tmax, "tmax")
            let started = Date()
            let control = Terminal.runControl(label: "dmft asymptotics \(regime.rawValue)")
            var settings = ["name": "asymptotics-\(regime.rawValue)"]
            let trajectory: Trajectory
            switch regime {
            case .meanField:
                let solver = MeanFieldODE(duration: duration, outputInterval: try resolved.value(\.dt, "dt"))
                let indexCount = try resolved.value(\.indexCount, "index_count")
                if indexCount == 1 && resolved.typeA0 == nil && resolved.typeWeights == nil {
                    trajectory = try solver.solve(p, control: control)
                } else {
                    trajectory = try solver.solve(meanFieldProblem(p, resolved), control: control)
                }
                settings.merge(["time_axis": TimeAxis.t.rawValue, "tmax": "\(duration)", "tolerance": "\(solver.tolerance)",
                                "integrator": "GSL rk8pd", "index_count": "\(indexCount)"]) { $1 }
            case .lazy1:
                let limit = try LazyLimit(p)
                let spacing = try resolved.value(\.dt, "dt")
                let count = Int((duration / spacing).rounded(.up))
                trajectory = limit.regimeOne(times: (0...count).map { min(Double($0) * spacing, duration) })
                settings.merge(["time_axis": TimeAxis.tTimesM.rawValue, "tmax": "\(duration)",
                                "effective_noise": "\(limit.effectiveNoise)",
                                "test_plateau": "\(limit.regimeOneTestPlateau)", "method": "closed form"]) { $1 }
                print("τ' = \(limit.effectiveNoise), regime-1 test plateau = \(limit.regimeOneTestPlateau)")
            case .lazy2:
                let limit = try LazyLimit(p)
                let solver = LongTimeSolver(duration: duration, tolerance: try resolved.value(\.tolerance, "tolerance"))
                let solution = try solver.solve(limit.regimeTwoProblem(), control: control)
                trajectory = solution.trajectory
                settings.merge(solver.sidecarSettings(solution)) { _, solverValue in solverValue }
                settings.merge(["name": "asymptotics-lazy-2", "time_axis": TimeAxis.t.rawValue,
                                "effective_noise": "\(limit.effectiveNoise)",
                                "test_plateau": "\(limit.regimeOneTestPlateau)"]) { $1 }
            case .pspin:
                let limit = try MeanFieldNoiseLimit(p)
                let sMax = duration, step = try resolved.value(\.dt, "dt")
                // θ grows at least like τ√α a₀ s, and faster as a grows: extend θ until s ≥ sMax.
                var thetaMax = max(2 * step, limit.timeRate * abs(p.initialSecondLayer) * sMax)
                var t = try limit.solve(pSpinStep: step, pSpinDuration: thetaMax, control: control)
                while (t.time.last ?? sMax) < sMax * (1 - 1e-12) {
                    thetaMax *= 1.5
                    t = try limit.solve(pSpinStep: step, pSpinDuration: thetaMax, control: control)
                }
                trajectory = t
                settings.merge(["time_axis": TimeAxis.tOverSqrtM.rawValue, "pspin_step": "\(step)",
                                "pspin_duration": "\(thetaMax)", "order": "2 (Richardson in the p-spin step)",
                                "xi": limit.xi.coefficients.map { "\($0)" }.joined(separator: ",")]) { $1 }
                if let slope = limit.thresholdSlope {
                    settings["asymptotic_slope"] = "\(slope)"
                    print("A∞ = −τ√α E = \(slope) (pure h̃ = c²q^k)")
                }
            case .infiniteWidth:
                let solver = InfiniteWidthLimit(step: try resolved.value(\.dt, "dt"), duration: duration)
                trajectory = try solver.solve(p, control: control)
                settings.merge(["time_axis": TimeAxis.tOverM.rawValue, "dt": "\(solver.gridStep)",
                                "tmax": "\(solver.duration)", "order": "1", "alpha_bar": "\(p.alphaBar)"]) { $1 }
            }
            let wall = Date().timeIntervalSince(started)
            let metadata = try RunMetadata(
                command: CommandLine.arguments.joined(separator: " "), spec: spec, problem: p, solver: settings,
                trajectory: trajectory, wallTime: wall, started: started, warnings: []
            ).recording(resolved, ignoring: layered.ignoredConfigKeys)
            try RunOutput.stage(trajectory, metadata: metadata, to: out, in: files)
            try files.commitUnlessInterrupted()
            reportWritten(out, rows: trajectory.count, seconds: wall)
        }
    }

    /// The k-index / typed problem of the (resolved) settings.
    func meanFieldProblem(_ p: TrainingProblem, _ s: AsymptoticsSettings) throws -> MultiIndexMeanFieldProblem {
        let a0s = s.typeA0 ?? [p.initialSecondLayer]
        let weights = s.typeWeights ?? Array(repeating: 1 / Double(a0s.count), count: a0s.count)
        return try MultiIndexMeanFieldProblem(
            alpha: p.alpha, noise: p.noise, h: p.covariance.h,
            target: MultiIndexTarget.additive(p.covariance, indexCount: try s.value(\.indexCount, "index_count")),
            initialState: MeanFieldInitialState(weights: weights, secondLayer: a0s),
            trainSecondLayer: p.trainSecondLayer, weightDecay: p.weightDecay, learningRateRatio: p.learningRateRatio)
    }
}
