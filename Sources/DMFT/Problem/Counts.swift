/// Largest count `boundedCount` returns: more steps or rows than any run can take, so a
/// count at this value is refused by whoever asked for it.
public let countLimit = 1_000_000_000_000

/// A step, row or sample count from a real-valued estimate, for any input: `x` rounded by
/// `rule` and clamped to `0...countLimit` (NaN gives `countLimit`). Converting a `Double` to
/// `Int` directly traps on NaN, infinities and values beyond `Int.max`; this never does.
public func boundedCount(_ x: Double, _ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int {
    let r = x.rounded(rule)
    guard !r.isNaN else { return countLimit }
    return Int(min(max(r, 0), Double(countLimit)))
}
