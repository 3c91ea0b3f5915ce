/// How far an empirical trajectory (means with `_se` standard errors) lies from a
/// theoretical one, per observable, over a time window.
public struct DeviationMetrics: Sendable, Equatable {
    /// Observable (column) name.
    public let observable: String
    /// Number of time points compared.
    public let points: Int
    /// `max |experiment − theory|`.
    public let maxAbsolute: Double
    /// `√(mean (experiment − theory)²)`.
    public let rmsAbsolute: Double
    /// `max |experiment − theory| / se` over points with `se > 0` (`nan` if none).
    public let maxInStandardErrors: Double
    /// `√(mean ((experiment − theory)/se)²)` over points with `se > 0` (`nan` if none).
    public let rmsInStandardErrors: Double
}

/// Puts theory and experiments on one time axis and measures their deviations.
public enum TrajectoryComparison {
    /// All columns (except `t`) linearly interpolated at `times`.
    public static func resample(_ trajectory: Trajectory, at times: [Double]) -> Trajectory {
        var result = Trajectory(names: trajectory.names)
        let names = Array(trajectory.names.dropFirst())
        for t in times { result.append([t] + names.map { trajectory.value($0, at: t)! }) }
        return result
    }

    /// One table on the first experiment's time axis: `t`, then for every theory observable
    /// `<obs>_<theoryName>`, and for each experiment `<obs>_<name>` and `<obs>_<name>_se`.
    /// The theory, and any experiment recorded at other times (an SGD run records at the
    /// step nearest to each requested time), are interpolated linearly onto that axis.
    public static func combine(
        theory: (name: String, trajectory: Trajectory), experiments: [(name: String, trajectory: Trajectory)]
    ) -> Trajectory {
        precondition(!experiments.isEmpty, "nothing to compare with")
        let times = experiments[0].trajectory.time
        let theoryOnGrid = resample(theory.trajectory, at: times)
        let onGrid = experiments.map { (name: $0.name, trajectory: resample($0.trajectory, at: times)) }
        var names = ["t"]
        var columns: [[Double]] = [times]
        for obs in theory.trajectory.names.dropFirst() {
            names.append("\(obs)_\(theory.name)")
            columns.append(theoryOnGrid[obs]!)
            for e in onGrid {
                guard let mean = e.trajectory[obs] else { continue }
                names.append("\(obs)_\(e.name)")
                columns.append(mean)
                names.append("\(obs)_\(e.name)_se")
                columns.append(e.trajectory[obs + "_se"] ?? Array(repeating: 0, count: times.count))
            }
        }
        var table = Trajectory(names: names)
        for i in times.indices { table.append(columns.map { $0[i] }) }
        return table
    }

    /// Deviation metrics of `experiment` from `theory` for every observable both have, over
    /// the experiment's time points inside `window` (inclusive).
    public static func deviations(
        theory: Trajectory, experiment: Trajectory, window: ClosedRange<Double> = -Double.infinity...Double.infinity
    ) -> [DeviationMetrics] {
        var result: [DeviationMetrics] = []
        for obs in theory.names.dropFirst() {
            guard let mean = experiment[obs] else { continue }
            let se = experiment[obs + "_se"]
            var count = 0, maxAbs = 0.0, sumSq = 0.0
            var seCount = 0, maxSE = 0.0, sumSqSE = 0.0
            for (i, t) in experiment.time.enumerated() where window.contains(t) {
                let diff = mean[i] - theory.value(obs, at: t)!
                count += 1
                maxAbs = max(maxAbs, abs(diff))
                sumSq += diff * diff
                if let se, se[i] > 0 {
                    let z = diff / se[i]
                    seCount += 1
                    maxSE = max(maxSE, abs(z))
                    sumSqSE += z * z
                }
            }
            guard count > 0 else { continue }
            result.append(DeviationMetrics(
                observable: obs, points: count, maxAbsolute: maxAbs, rmsAbsolute: (sumSq / Double(count)).squareRoot(),
                maxInStandardErrors: seCount > 0 ? maxSE : .nan,
                rmsInStandardErrors: seCount > 0 ? (sumSqSE / Double(seCount)).squareRoot() : .nan))
        }
        return result
    }
}
