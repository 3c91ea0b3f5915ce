/// Averages of independent runs recorded on the same time axis: every column except `t`
/// becomes its mean across runs plus a `<name>_se` column with the standard error of
/// that mean (`sample standard deviation / √runs`; 0 for a single run).
public enum EnsembleAverage {
    public static func average(_ runs: [Trajectory]) -> Trajectory {
        precondition(!runs.isEmpty, "nothing to average")
        let first = runs[0]
        precondition(runs.allSatisfy { $0.names == first.names && $0.count == first.count },
                     "runs must share columns and time points")
        let observed = Array(first.names.dropFirst())
        var result = Trajectory(names: ["t"] + observed + observed.map { $0 + "_se" })
        let columns = observed.map { name in runs.map { $0[name]! } }
        let r = Double(runs.count)
        for i in 0..<first.count {
            var means: [Double] = [], errors: [Double] = []
            for values in columns {
                let mean = values.reduce(0) { $0 + $1[i] } / r
                let variance = runs.count > 1
                    ? values.reduce(0) { $0 + ($1[i] - mean) * ($1[i] - mean) } / (r - 1) : 0
                means.append(mean)
                errors.append((variance / r).squareRoot())
            }
            result.append([first.time[i]] + means + errors)
        }
        return result
    }
}
