import Foundation

extension StandardFigure {
    /// One scan of relaxation times for the threshold figure: its label, points and fit.
    public typealias ThresholdScanResult = (
        label: String, points: [InterpolationThresholdScan.Point], fit: PowerLawFit?
    )

    /// Relaxation time `t_rel` against the scanned parameter on a log scale: measured values as
    /// markers, the fitted law `c|x* − x|^−ν` as a line, the fitted threshold x* as a dotted
    /// vertical line, one colour per scan (finite m, m = ∞, …).
    public static func relaxationTimes(
        _ scans: [ThresholdScanResult], parameter: InterpolationThresholdScan.Parameter
    ) -> Figure {
        var series: [PlotSeries] = []
        let relaxedTimes = scans.flatMap { $0.points.compactMap(\.relaxationTime) }
        let tRange = (relaxedTimes.min() ?? 1)...(relaxedTimes.max() ?? 10)
        for (i, scan) in scans.enumerated() {
            let colour = PlotColour.categorical[i % PlotColour.categorical.count]
            let relaxed = scan.points.filter { $0.relaxationTime != nil }
            series.append(PlotSeries(
                label: scan.label, x: relaxed.map(\.value), y: relaxed.map { $0.relaxationTime! }, style: .markers,
                colour: colour))
            guard let fit = scan.fit, let first = relaxed.first?.value, let last = relaxed.last?.value else { continue }
            // The curve runs from the farthest data point towards x*, stopping where it leaves
            // the plotted range by a factor 3.
            let far = fit.side == .above ? first : last
            let samples = (0...200).map { far + (fit.threshold - far) * (1 - pow(0.97, Double($0))) }
            let curve = samples.filter { fit.predicted(at: $0) <= 3 * tRange.upperBound }
            series.append(PlotSeries(
                label: "fit: \(parameter.rawValue)* = \(formatted(fit.threshold)) ± \(formatted(fit.thresholdStandardError)), "
                    + "ν = \(formatted(fit.exponent)) ± \(formatted(fit.exponentStandardError))",
                x: curve, y: curve.map(fit.predicted(at:)), colour: colour))
            series.append(PlotSeries(
                label: "\(parameter.rawValue)*", x: [fit.threshold, fit.threshold],
                y: [tRange.lowerBound / 2, 3 * tRange.upperBound], colour: colour, dash: .dotted))
        }
        let symbol = ["alpha": "α", "alphabar": "ᾱ = n/d", "gamma0": "γ₀"][parameter.rawValue] ?? parameter.rawValue
        let panel = PlotPanel(
            title: "relaxation time of the training error (second layer frozen)", xLabel: symbol,
            yLabel: parameter == .alphaBar ? "t_rel / m" : "t_rel", xScale: .linear, yScale: .log, series: series, legend: [])
        var style = PlotStyle()
        style.plotWidth = 420
        style.plotHeight = 300
        style.panelLetters = false
        return Figure(
            panels: [panel], columns: 1,
            legend: series.filter { $0.label != "\(parameter.rawValue)*" }.map(\.legendEntry), style: style)
    }

    private static func formatted(_ x: Double) -> String { String(format: "%.3g", x) }
}
