/// Stops a finite-width simulation whose training error runs away, with a message naming a
/// safer `--lr`, shared by both simulators.
///
/// Gradient flow never increases the training error, and neither does a gradient-descent
/// step below the stability limit (the projection back to the sphere changes it only at
/// second order in the step); SGD's mini-batch noise moves it by amounts of order the
/// learning rate. A training error above `growthLimit` = 10 times its value at t = 0 is
/// therefore never seen in a run that follows the flow: it is the mark of a step beyond the
/// stability limit, whose oscillating mode grows until the curves mean nothing (e.g. lazy
/// γ₀ = 3, m = 50 with GD step 0.5: e_train goes 6.9 → 218 in one step, where a stable
/// step takes it to 0.27). A mini-batch loss is a noisy estimate of the training error
/// (one sample's loss exceeds ten times the mean with probability ~10⁻³), so it is held
/// to the far looser `batchGrowthLimit` = 10⁶, which catches a blow-up between two
/// recorded rows without false alarms.
struct DivergenceGuard {
    static let growthLimit = 10.0
    static let batchGrowthLimit = 1e6

    /// The training error at t = 0 (floored at 1e-12, for a problem that starts exactly fitted).
    let initialTrainError: Double
    /// What to tell the user: the step flag's current value and a safer one.
    let advice: String

    /// `learningRate` is the value of `--lr`, advancing gradient-flow time by `timePerStep`.
    /// The safer step is half the current one, or less where the explicit-Euler stability
    /// limit of the DMFT at t = 0 (`dt · stiffRate ≲ 2`, taken with a margin of 4) asks for it.
    init(initialTrainError: Double, learningRate: Double, timePerStep: Double, problem: TrainingProblem) {
        self.initialTrainError = max(initialTrainError, 1e-12)
        advice = Self.advice(learningRate: learningRate, timePerStep: timePerStep, problem: problem)
    }

    /// "the step --lr X is beyond the stability limit; rerun with --lr Y or smaller".
    static func advice(learningRate: Double, timePerStep: Double, problem: TrainingProblem) -> String {
        let rate = problem.stiffRate(secondLayer: problem.initialSecondLayer)
        let stable = rate > 0 && timePerStep > 0 ? learningRate * (0.5 / rate) / timePerStep : .infinity
        return "the step --lr \(fmt(learningRate)) is beyond the stability limit; rerun with --lr "
            + "\(fmt(min(0.5 * learningRate, stable))) or smaller"
    }

    /// Throws `.diverged` if the full training error is non-finite or above `growthLimit` times its start.
    func check(trainError: Double, at time: Double) throws {
        try check(trainError, limit: Self.growthLimit, what: "the training error", at: time)
    }

    /// Throws `.diverged` if a mini-batch loss is non-finite or above `batchGrowthLimit` times the start.
    func check(batchLoss: Double, at time: Double) throws {
        try check(batchLoss, limit: Self.batchGrowthLimit, what: "the mini-batch loss", at: time)
    }

    private func check(_ value: Double, limit: Double, what: String, at time: Double) throws {
        guard value.isFinite else { throw DMFTError.diverged("\(what) became \(value) at t = \(fmt(time)); \(advice)") }
        guard value <= limit * initialTrainError else {
            throw DMFTError.diverged(
                "\(what) grew from \(fmt(initialTrainError)) at t = 0 to \(fmt(value)) at t = \(fmt(time)), more than "
                    + "\(fmt(limit))× (gradient flow never increases it); \(advice)")
        }
    }
}
