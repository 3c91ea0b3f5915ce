import Foundation

/// The steps at which a simulator records a row: `t = 0`, a time grid mapped to the nearest
/// step, and the final step, each step once, in increasing order. The grid depends only on
/// the settings (never on the run), so records are the same for every seed and realisation.
public enum RecordSchedule: Sendable, Equatable {
    /// Every `interval` of gradient-flow time: `t = k · interval`, `k = 0, 1, …`.
    case every(Double)
    /// `perDecade` rows per decade of time: `t = 10^(k/perDecade)` for every integer `k` with
    /// one step's time ≤ t ≤ the final time (plus `t = 0` and the final step). The grid is
    /// anchored at `t = 1`, so runs with different horizons or step sizes share their times
    /// (`t = 0.1, 1, 10, …` are always on it). The number of rows grows only like the
    /// logarithm of the number of steps, which keeps recording cheap on long runs.
    case logarithmic(perDecade: Int)

    /// Step indices in `0...total` to record, for steps of `timePerStep` gradient-flow time up to
    /// `duration`, `total = round(duration / timePerStep)`.
    public func steps(duration: Double, timePerStep dt: Double) -> [Int] {
        let total = boundedCount(duration / dt)
        var times: [Double] = [0]
        switch self {
        case .every(let interval):
            var k = 1
            while Double(k) * interval <= duration * (1 + 1e-12) {
                times.append(Double(k) * interval)
                k += 1
            }
        case .logarithmic(let perDecade):
            let n = Double(perDecade)
            // Tolerances of 1e-9 relative keep grid points that equal a step or the final time
            // exactly (10^(k/n) is not exact in floating point).
            var k = Int((n * Foundation.log10(dt)).rounded(.down)) - 1
            let last = Int((n * Foundation.log10(duration)).rounded(.up)) + 1
            while k <= last {
                let t = Foundation.pow(10, Double(k) / n)
                if t >= dt * (1 - 1e-9) && t <= duration * (1 + 1e-9) { times.append(t) }
                k += 1
            }
        }
        var steps: [Int] = []
        steps.reserveCapacity(times.count + 1)
        for t in times {
            let index = min(boundedCount(t / dt), total)
            if steps.last != index { steps.append(index) }
        }
        if steps.last != total { steps.append(total) }
        return steps
    }
}
