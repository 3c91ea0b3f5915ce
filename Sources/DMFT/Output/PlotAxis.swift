import Foundation

/// How values map onto an axis.
public enum AxisScale: String, Sendable, CaseIterable {
    case linear
    /// Base-10 logarithmic; non-positive values cannot be shown and are skipped.
    case log
}

/// One tick mark on an axis. Major ticks carry a label, minor ticks do not.
public struct AxisTick: Equatable, Sendable {
    /// Position in data units.
    public var value: Double
    /// The printed label of a major tick; `nil` for a minor tick.
    public var label: String?

    public init(value: Double, label: String?) {
        self.value = value
        self.label = label
    }

    /// Whether the tick carries a label.
    public var isMajor: Bool { label != nil }
}

/// The visible range of an axis with its scale and ticks.
public struct PlotAxis: Equatable, Sendable {
    public var scale: AxisScale
    /// Lower end in data units (positive on a log axis).
    public var lower: Double
    /// Upper end in data units (`> lower`).
    public var upper: Double
    /// Major and minor ticks inside `lower...upper`, in increasing order.
    public var ticks: [AxisTick]

    /// An axis over `lower...upper` with ticks chosen for at most `maxMajorTicks` labels.
    public init(scale: AxisScale, lower: Double, upper: Double, maxMajorTicks: Int = 7) {
        self.scale = scale
        self.lower = lower
        self.upper = upper
        switch scale {
        case .linear: ticks = PlotTicks.linear(lower: lower, upper: upper, maxMajor: maxMajorTicks)
        case .log: ticks = PlotTicks.log(lower: lower, upper: upper, maxMajor: maxMajorTicks)
        }
    }

    /// The range covering `values` (those that can be shown on `scale`), widened by
    /// `padding` (a fraction of the span, in log space on a log axis). Degenerate or
    /// empty data give a small range around the value or a default range.
    public static func range(of values: [Double], scale: AxisScale, padding: Double) -> (lower: Double, upper: Double) {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite && (scale == .linear || v > 0) {
            let u = scale == .log ? Foundation.log10(v) : v
            lo = Swift.min(lo, u)
            hi = Swift.max(hi, u)
        }
        if lo > hi { return scale == .log ? (1, 10) : (0, 1) }
        if hi - lo <= 1e-12 * Swift.max(1, abs(hi)) {
            let half = scale == .log ? 0.5 : Swift.max(abs(hi) * 0.1, 1e-3)
            lo -= half
            hi += half
        } else {
            let pad = (hi - lo) * padding
            lo -= pad
            hi += pad
        }
        return scale == .log ? (pow(10, lo), pow(10, hi)) : (lo, hi)
    }

    /// Fraction `0...1` along the axis for a data value, or `nil` for a value the axis
    /// cannot show (non-finite, or non-positive on a log axis). Values outside the range
    /// give fractions outside `0...1`.
    public func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear:
            return (value - lower) / (upper - lower)
        case .log:
            guard value > 0 else { return nil }
            return (Foundation.log10(value) - Foundation.log10(lower)) / (Foundation.log10(upper) - Foundation.log10(lower))
        }
    }
}

/// Tick placement and labels: 1–2–5 steps on linear axes, decades with minor ticks on
/// log axes.
public enum PlotTicks {
    /// Ticks for a linear axis: labelled multiples of a 1, 2 or 5 × 10ᵏ step (the step
    /// giving closest to five labels, never more than `maxMajor`), with minor ticks between.
    public static func linear(lower: Double, upper: Double, maxMajor: Int = 7) -> [AxisTick] {
        guard lower.isFinite, upper.isFinite, upper > lower else { return [] }
        let step = linearStep(lower: lower, upper: upper, maxMajor: maxMajor)
        let mantissa = (step / pow(10, floor(log10(step)))).rounded()
        let minorDivisions = mantissa == 2 ? 4 : 5
        let minor = step / Double(minorDivisions)
        let decimals = Swift.max(0, -Int(floor(log10(step) + 1e-9)))
        let magnitude = Swift.max(abs(lower), abs(upper))
        let scientific = step < 1e-3 || magnitude >= 1e5
        var ticks: [AxisTick] = []
        let first = Int((lower / minor - 1e-9).rounded(.up)), last = Int((upper / minor + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        for k in first...last {
            let value = Double(k) * minor
            if k % minorDivisions == 0 {
                let label = scientific ? scientificLabel(value, step: step) : decimalLabel(value, decimals: decimals)
                ticks.append(AxisTick(value: value == 0 ? 0 : value, label: label))
            } else {
                ticks.append(AxisTick(value: value, label: nil))
            }
        }
        return ticks
    }

    /// The 1–2–5 step for `lower...upper` giving closest to five labelled ticks
    /// (ties: the larger step) and at most `maxMajor`.
    public static func linearStep(lower: Double, upper: Double, maxMajor: Int = 7) -> Double {
        let span = upper - lower
        let e = Int(floor(log10(span / 5)))
        var best: (step: Double, score: Int)? = nil
        for exponent in (e - 1)...(e + 2) {
            for mantissa in [1.0, 2, 5] {
                let step = mantissa * pow(10, Double(exponent))
                let count = Int((upper / step + 1e-9).rounded(.down)) - Int((lower / step - 1e-9).rounded(.up)) + 1
                guard count <= Swift.max(2, maxMajor) else { continue }
                let score = abs(count - 5)
                if best == nil || score < best!.score || (score == best!.score && step > best!.step) {
                    best = (step, score)
                }
            }
        }
        return best?.step ?? pow(10, Double(e + 2))
    }

    /// Ticks for a log axis. Spanning at least two decades: labels `10ⁿ` at decades (every
    /// k-th decade if there are more than `maxMajor`) and minor ticks at 2…9 × 10ⁿ. Within
    /// a narrower range: labels at 1, 2, 5 × 10ⁿ as plain numbers (0.2, 0.5, 1, 2).
    public static func log(lower: Double, upper: Double, maxMajor: Int = 7) -> [AxisTick] {
        guard lower.isFinite, upper.isFinite, lower > 0, upper > lower else { return [] }
        let lo = log10(lower), hi = log10(upper)
        let eFirst = Int(floor(lo + 1e-9)), eLast = Int(ceil(hi - 1e-9))
        let inRange = { (v: Double) in v >= lower * (1 - 1e-9) && v <= upper * (1 + 1e-9) }
        let decades = (eFirst...eLast).filter { inRange(pow(10, Double($0))) }
        var ticks: [AxisTick] = []
        if decades.count >= 2 {
            let stride = Int((Double(decades.count) / Double(Swift.max(2, maxMajor))).rounded(.up))
            for e in (eFirst - 1)...eLast {
                let decade = pow(10, Double(e))
                if inRange(decade) {
                    let labelled = ((e % stride) + stride) % stride == 0
                    ticks.append(AxisTick(value: decade, label: labelled ? powerOfTenLabel(e) : nil))
                }
                if stride == 1 {
                    for j in 2...9 where inRange(Double(j) * decade) {
                        ticks.append(AxisTick(value: Double(j) * decade, label: nil))
                    }
                }
            }
        } else {
            var values: [Double] = []
            for e in (eFirst - 1)...eLast {
                for j in 1...9 where inRange(Double(j) * pow(10, Double(e))) { values.append(Double(j) * pow(10, Double(e))) }
            }
            let mantissa = { (v: Double) in Int((v / pow(10, floor(log10(v) + 1e-9))).rounded()) }
            var labelled = values.filter { [1, 2, 5].contains(mantissa($0)) }
            if labelled.count < 2 { labelled = values }
            if labelled.count < 2 {
                // Less than a factor of ~2: linear ticks read best.
                return linear(lower: lower, upper: upper, maxMajor: maxMajor).filter { $0.value > 0 }
            }
            let stride = Int((Double(labelled.count) / Double(Swift.max(2, maxMajor))).rounded(.up))
            let shown = Set(labelled.enumerated().filter { $0.offset % stride == 0 }.map(\.element))
            ticks = values.map { AxisTick(value: $0, label: shown.contains($0) ? plainLabel($0) : nil) }
        }
        return ticks
    }

    /// `10ⁿ` with Unicode superscript digits, e.g. `10⁻²`, `10⁰`, `10³`.
    public static func powerOfTenLabel(_ exponent: Int) -> String { "10" + superscript(exponent) }

    /// An integer in Unicode superscript digits (`−2` → `⁻²`).
    public static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let body = String(String(abs(n)).map { digits[Int(String($0))!] })
        return n < 0 ? "⁻" + body : body
    }

    /// A value with a fixed number of decimals and a real minus sign ("−0.5", never "-0").
    static func decimalLabel(_ value: Double, decimals: Int) -> String {
        var text = String(format: "%.\(decimals)f", value)
        if Double(text) == 0 { text = String(format: "%.\(decimals)f", 0.0) }
        return text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }

    /// A value with as few digits as it needs (0.02, 1.5, 200).
    static func plainLabel(_ value: Double) -> String {
        let decimals = Swift.max(0, -Int(floor(log10(value) + 1e-9)))
        if value >= 1e5 || value < 1e-4 {
            let e = Int(floor(log10(value) + 1e-9))
            let mantissa = value / pow(10, Double(e))
            let m = decimalLabel(mantissa, decimals: abs(mantissa - mantissa.rounded()) < 1e-9 ? 0 : 1)
            return m == "1" ? powerOfTenLabel(e) : m + "×" + powerOfTenLabel(e)
        }
        return decimalLabel(value, decimals: decimals)
    }

    /// `k×10ⁿ` labels for very small or very large values on a linear axis.
    static func scientificLabel(_ value: Double, step: Double) -> String {
        if value == 0 { return "0" }
        let e = Int(floor(log10(abs(value)) + 1e-9))
        let mantissa = value / pow(10, Double(e))
        let decimals = Swift.max(0, Int(floor(log10(abs(value)) + 1e-9)) - Int(floor(log10(step) + 1e-9)))
        let m = decimalLabel(mantissa, decimals: Swift.min(decimals, 3))
        return (m == "1" ? "" : m == "−1" ? "−" : m + "×") + powerOfTenLabel(e)
    }
}
