import CNumerics
import Foundation

/// Runs the realisations of a simulation, up to `workers` at once, and returns their
/// trajectories in realisation order, so the result does not depend on scheduling.
///
/// While more than one realisation runs, OpenBLAS is switched to one thread process-wide
/// (restored afterwards): BLAS threads are not nested inside realisation-level parallelism,
/// and for the small products of one simulation step two single-threaded realisations
/// outrun one realisation on two BLAS threads. `control.progress` receives the mean
/// completed fraction of all realisations; `control.isCancelled` and the failure of any
/// realisation stop the others; the first error is rethrown.
enum EnsembleRunner {
    static func run(
        runs: Int, workers: Int, control: RunControl,
        realisation body: @escaping @Sendable (_ index: Int, _ control: RunControl) throws -> Trajectory
    ) throws -> [Trajectory] {
        let ensemble = Bookkeeping(runs: runs, progress: control.progress, isCancelled: control.isCancelled)
        let work: @Sendable (Int) -> Void = { _ in
            while let r = ensemble.nextRun() {
                if ensemble.shouldStop() {
                    ensemble.fail(DMFTError.cancelled)
                    return
                }
                let inner = RunControl(
                    progress: { f in ensemble.report(run: r, fraction: f) }, isCancelled: { ensemble.shouldStop() })
                do {
                    ensemble.store(try body(r, inner), run: r)
                } catch {
                    ensemble.fail(error)
                }
            }
        }
        if workers <= 1 {
            work(0)
        } else {
            let saved = openblas_get_num_threads()
            openblas_set_num_threads(1)
            defer { openblas_set_num_threads(saved) }
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        }
        return try ensemble.results()
    }

    /// Hands out run indices, collects trajectories, aggregates progress and remembers the
    /// first error, under one lock.
    private final class Bookkeeping: @unchecked Sendable {
        private let lock = NSLock()
        private let runs: Int
        private let progress: (@Sendable (Double) -> Void)?
        private let isCancelled: (@Sendable () -> Bool)?
        private var next = 0
        private var fractions: [Double]
        private var lastReported = -1.0
        private var trajectories: [Trajectory?]
        private var firstError: Error?

        init(runs: Int, progress: (@Sendable (Double) -> Void)?, isCancelled: (@Sendable () -> Bool)?) {
            self.runs = runs
            self.progress = progress
            self.isCancelled = isCancelled
            fractions = Array(repeating: 0, count: runs)
            trajectories = Array(repeating: nil, count: runs)
        }

        /// The next realisation to run, or `nil` when all are handed out or a run failed.
        func nextRun() -> Int? {
            lock.withLock {
                guard firstError == nil, next < runs else { return nil }
                next += 1
                return next - 1
            }
        }

        /// Records run `run`'s completed fraction; reports the total (serially, increasing,
        /// at most every 1%).
        func report(run: Int, fraction: Double) {
            guard let progress else { return }
            lock.withLock {
                fractions[run] = fraction
                let total = fractions.reduce(0, +) / Double(runs)
                guard total - lastReported >= 0.01 || total >= 1 else { return }
                lastReported = total
                progress(total)
            }
        }

        /// Whether a run should stop: cancelled from outside, or another run failed.
        func shouldStop() -> Bool {
            if let isCancelled, isCancelled() { return true }
            return lock.withLock { firstError != nil }
        }

        func store(_ trajectory: Trajectory, run: Int) { lock.withLock { trajectories[run] = trajectory } }

        func fail(_ error: Error) { lock.withLock { if firstError == nil { firstError = error } } }

        /// All trajectories in run order, or the first error.
        func results() throws -> [Trajectory] {
            try lock.withLock {
                if let firstError { throw firstError }
                return trajectories.map { $0! }
            }
        }
    }
}
