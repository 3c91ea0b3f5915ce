import Foundation

/// Text in SVG: XML escaping, a little markup for sub- and superscripts, and a width
/// estimate good enough for layout (no font metrics are available).
enum PlotText {
    /// `&`, `<`, `>`, `"`, `'` as entities; characters XML 1.0 forbids are dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = scalar.value
                let allowed = v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF)
                    || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
                if allowed { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// A run of text at the baseline (0), lowered (−1) or raised (+1).
    struct Run: Equatable {
        var text: String
        var shift: Int
    }

    /// Splits `C_{d}(t, 0)` into runs; a `_` or `^` not followed by `{` is kept literally,
    /// as is an unclosed brace.
    static func runs(_ text: String) -> [Run] {
        var runs: [Run] = []
        var current = ""
        var chars = Array(text)[...]
        while let c = chars.first {
            if (c == "_" || c == "^"), chars.dropFirst().first == "{",
                let close = chars.dropFirst(2).firstIndex(of: "}")
            {
                if !current.isEmpty { runs.append(Run(text: current, shift: 0)) }
                current = ""
                let inner = String(chars[(chars.startIndex + 2)..<close])
                if !inner.isEmpty { runs.append(Run(text: inner, shift: c == "_" ? -1 : 1)) }
                chars = chars[(close + 1)...]
            } else {
                current.append(c)
                chars = chars.dropFirst()
            }
        }
        if !current.isEmpty { runs.append(Run(text: current, shift: 0)) }
        return runs
    }

    /// Relative size of sub- and superscripts.
    static let scriptScale = 0.72

    /// The text without markup (for widths and accessibility).
    static func plain(_ text: String) -> String { runs(text).map(\.text).joined() }

    /// Estimated advance width in pixels (DejaVu Sans-like proportions).
    static func width(_ text: String, fontSize: Double) -> Double {
        runs(text).reduce(0) { sum, run in
            sum + advance(run.text) * fontSize * (run.shift == 0 ? 1 : scriptScale)
        }
    }

    private static func advance(_ text: String) -> Double {
        var total = 0.0
        for c in text {
            switch c {
            case "i", "l", "j", "'", "|", "!", ".", ",", ":", ";", "ı": total += 0.29
            case "f", "t", "r", "(", ")", "[", "]", "{", "}", " ", "/": total += 0.38
            case "m", "w", "M", "W", "‖": total += 0.9
            case "−", "+", "=", "×", "<", ">": total += 0.84
            case "0"..."9": total += 0.64
            case "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "⁻", "₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉":
                total += 0.42
            case "A"..."Z": total += 0.72
            default: total += 0.61
            }
        }
        return total
    }

    /// `<text>` content with sub/superscript runs as `<tspan>`s shifted by `dy`.
    static func svgContent(_ text: String, fontSize: Double) -> String {
        let parts = runs(text)
        if parts.count == 1, parts[0].shift == 0 { return escape(parts[0].text) }
        var out = ""
        var offset = 0.0  // current baseline shift, positive downwards
        for run in parts {
            let target = run.shift == 0 ? 0 : run.shift < 0 ? 0.28 * fontSize : -0.42 * fontSize
            let dy = target - offset
            offset = target
            var attributes = ""
            if abs(dy) > 1e-9 { attributes += " dy=\"\(svgNumber(dy))\"" }
            if run.shift != 0 { attributes += " font-size=\"\(svgNumber(fontSize * scriptScale))\"" }
            out += attributes.isEmpty ? escape(run.text) : "<tspan\(attributes)>\(escape(run.text))</tspan>"
        }
        return out
    }
}

/// A number for SVG attributes: two decimals, no "-0.00".
func svgNumber(_ x: Double) -> String {
    let s = String(format: "%.2f", x)
    return s == "-0.00" ? "0.00" : s
}

/// A rectangle in SVG pixels.
struct PlotRect {
    var x: Double, y: Double, width: Double, height: Double
    var maxX: Double { x + width }
    var maxY: Double { y + height }
    func contains(_ px: Double, _ py: Double) -> Bool { px >= x && px <= maxX && py >= y && py <= maxY }
}

/// Lays out and draws a `Figure`.
struct SVGRenderer {
    let figure: Figure
    var style: PlotStyle { figure.style }

    /// Axes fitted to each panel, with as many labelled ticks as fit without overlap.
    struct PanelAxes {
        var x: PlotAxis
        var y: PlotAxis
    }

    // Fixed layout measures.
    let majorTick = 5.0
    let minorTick = 2.8
    let tickLabelGap = 5.0
    let rightMargin = 20.0
    let outerMargin = 6.0

    func render() -> String {
        let axes = figure.panels.map(fitAxes)
        let tickLabelWidth = zip(figure.panels, axes).map { _, a in
            a.y.ticks.compactMap(\.label).map { PlotText.width($0, fontSize: style.tickFontSize) }.max() ?? 0
        }.max() ?? 0
        let hasYLabel = figure.panels.contains { !$0.yLabel.isEmpty }
        let left = 6 + (hasYLabel ? style.labelFontSize * 1.25 + 4 : 0) + tickLabelWidth + tickLabelGap
        let hasTitle = figure.panels.contains { !$0.title.isEmpty } || style.panelLetters
        let top = hasTitle ? style.titleFontSize * 1.7 : 12
        let hasXLabel = figure.panels.contains { !$0.xLabel.isEmpty }
        let bottom = tickLabelGap + style.tickFontSize * 1.05 + (hasXLabel ? style.labelFontSize * 1.4 : 0) + 8
        let cellWidth = left + style.plotWidth + rightMargin
        let cellHeight = top + style.plotHeight + bottom

        // The figure legend goes into the first free cell if it fits there, else to the right.
        let legendSize = legendBoxSize(figure.legend, fontSize: style.legendFontSize)
        let freeCell = figure.panels.count < figure.rows * figure.columns
        let legendInCell = !figure.legend.isEmpty && freeCell && legendSize.width <= cellWidth - 12
            && legendSize.height <= style.plotHeight + bottom
        let legendColumn = figure.legend.isEmpty || legendInCell ? 0 : legendSize.width + 16
        let width = 2 * outerMargin + Double(figure.columns) * cellWidth + legendColumn
        let height = 2 * outerMargin + Swift.max(Double(figure.rows) * cellHeight, legendSize.height + top)

        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(svgNumber(width))" height="\(svgNumber(height))" \
            viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" font-family="\(PlotText.escape(style.fontFamily))">
            <rect x="0" y="0" width="\(svgNumber(width))" height="\(svgNumber(height))" fill="#ffffff"/>

            """
        for (index, panel) in figure.panels.enumerated() {
            let cellX = outerMargin + Double(index % figure.columns) * cellWidth
            let cellY = outerMargin + Double(index / figure.columns) * cellHeight
            let plot = PlotRect(x: cellX + left, y: cellY + top, width: style.plotWidth, height: style.plotHeight)
            svg += renderPanel(panel, index: index, axes: axes[index], plot: plot, cellX: cellX)
        }
        if !figure.legend.isEmpty {
            let origin: (x: Double, y: Double)
            if legendInCell {
                let index = figure.panels.count
                origin = (
                    outerMargin + Double(index % figure.columns) * cellWidth + left,
                    outerMargin + Double(index / figure.columns) * cellHeight + top
                )
            } else {
                origin = (outerMargin + Double(figure.columns) * cellWidth + 4, outerMargin + top)
            }
            svg += "<g class=\"figure-legend\">\n"
            svg += renderLegend(figure.legend, x: origin.x, y: origin.y, fontSize: style.legendFontSize, framed: false)
            svg += "</g>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    // MARK: Axes

    func fitAxes(_ panel: PlotPanel) -> PanelAxes {
        var xs: [Double] = [], ys: [Double] = []
        var hasMarkers = false
        for s in panel.series {
            hasMarkers = hasMarkers || s.style == .markers
            for i in s.x.indices {
                let x = s.x[i], y = s.y[i]
                guard showable(x, panel.xScale), showable(y, panel.yScale) else { continue }
                xs.append(x)
                ys.append(y)
                if let e = s.yError?[i], e.isFinite, e > 0 {
                    ys.append(y + e)
                    if panel.yScale == .linear || y - e > 0 { ys.append(y - e) }
                }
            }
        }
        let xr = panel.xRange.map { ($0.lowerBound, $0.upperBound) }
            ?? PlotAxis.range(of: xs, scale: panel.xScale, padding: hasMarkers ? 0.03 : 0)
        let yr = panel.yRange.map { ($0.lowerBound, $0.upperBound) }
            ?? PlotAxis.range(of: ys, scale: panel.yScale, padding: 0.06)
        return PanelAxes(
            x: bestAxis(scale: panel.xScale, range: xr, horizontal: true),
            y: bestAxis(scale: panel.yScale, range: yr, horizontal: false))
    }

    /// The axis with the most labelled ticks (up to 7) whose labels do not crowd each other.
    func bestAxis(scale: AxisScale, range: (Double, Double), horizontal: Bool) -> PlotAxis {
        let length = horizontal ? style.plotWidth : style.plotHeight
        var axis = PlotAxis(scale: scale, lower: range.0, upper: range.1, maxMajorTicks: 7)
        for maxMajor in stride(from: 7, through: 2, by: -1) {
            axis = PlotAxis(scale: scale, lower: range.0, upper: range.1, maxMajorTicks: maxMajor)
            let majors = axis.ticks.filter(\.isMajor)
            var fits = true
            for (a, b) in zip(majors, majors.dropFirst()) {
                guard let fa = axis.fraction(a.value), let fb = axis.fraction(b.value) else { continue }
                let gap = (fb - fa) * length
                let needed = horizontal
                    ? (PlotText.width(a.label!, fontSize: style.tickFontSize)
                        + PlotText.width(b.label!, fontSize: style.tickFontSize)) / 2 + 10
                    : style.tickFontSize * 1.7
                if gap < needed { fits = false }
            }
            if fits { break }
        }
        return axis
    }

    func showable(_ v: Double, _ scale: AxisScale) -> Bool { v.isFinite && (scale == .linear || v > 0) }

    // MARK: Panels

    func renderPanel(_ panel: PlotPanel, index: Int, axes: PanelAxes, plot: PlotRect, cellX: Double) -> String {
        let tickFont = style.tickFontSize
        var svg = "<g class=\"panel\" id=\"panel-\(index + 1)\">\n"
        let clip = "clip-\(index + 1)"
        svg += "<clipPath id=\"\(clip)\"><rect x=\"\(svgNumber(plot.x))\" y=\"\(svgNumber(plot.y))\" "
            + "width=\"\(svgNumber(plot.width))\" height=\"\(svgNumber(plot.height))\"/></clipPath>\n"

        func px(_ x: Double) -> Double? { axes.x.fraction(x).map { plot.x + $0 * plot.width } }
        func py(_ y: Double) -> Double? { axes.y.fraction(y).map { plot.maxY - $0 * plot.height } }

        // Data: lines first, then error bars and markers on top.
        var occupied: [(Double, Double)] = []  // pixel positions the legend should avoid
        svg += "<g clip-path=\"url(#\(clip))\">\n"
        let ordered = panel.series.filter { $0.style == .line } + panel.series.filter { $0.style == .markers }
        for s in ordered {
            var points: [(Double, Double)?] = []
            for i in s.x.indices {
                if let x = px(s.x[i]), let y = py(s.y[i]) { points.append((x, y)) } else { points.append(nil) }
            }
            switch s.style {
            case .line:
                svg += renderLine(points, series: s)
                var previous: (Double, Double)? = nil
                for p in points {
                    if let p {
                        occupied.append(p)
                        if let q = previous {
                            // Sample long segments so a legend does not sit across a line.
                            let steps = Int(Swift.min(40, hypot(p.0 - q.0, p.1 - q.1) / 6))
                            if steps > 0 {
                                for k in 1...steps {
                                    let f = Double(k) / Double(steps + 1)
                                    occupied.append((q.0 + f * (p.0 - q.0), q.1 + f * (p.1 - q.1)))
                                }
                            }
                        }
                    }
                    previous = p
                }
            case .markers:
                if let errors = s.yError {
                    svg += renderErrorBars(points, series: s, errors: errors, py: py, plot: plot)
                }
                svg += renderMarkers(points, series: s)
                occupied += points.compactMap { $0 }
            }
        }
        svg += "</g>\n"

        // Frame and ticks (inwards, on all four sides).
        svg += "<rect x=\"\(svgNumber(plot.x))\" y=\"\(svgNumber(plot.y))\" width=\"\(svgNumber(plot.width))\" "
            + "height=\"\(svgNumber(plot.height))\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>\n"
        var tickPath = ""
        var labels = ""
        for tick in axes.x.ticks {
            guard let x = px(tick.value), x >= plot.x - 0.01, x <= plot.maxX + 0.01 else { continue }
            let len = tick.isMajor ? majorTick : minorTick
            tickPath += "M\(svgNumber(x)) \(svgNumber(plot.maxY))v\(svgNumber(-len))M\(svgNumber(x)) \(svgNumber(plot.y))v\(svgNumber(len))"
            if let label = tick.label {
                labels += "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(plot.maxY + tickLabelGap + tickFont * 0.95))\" "
                    + "text-anchor=\"middle\">\(PlotText.svgContent(label, fontSize: tickFont))</text>\n"
            }
        }
        for tick in axes.y.ticks {
            guard let y = py(tick.value), y >= plot.y - 0.01, y <= plot.maxY + 0.01 else { continue }
            let len = tick.isMajor ? majorTick : minorTick
            tickPath += "M\(svgNumber(plot.x)) \(svgNumber(y))h\(svgNumber(len))M\(svgNumber(plot.maxX)) \(svgNumber(y))h\(svgNumber(-len))"
            if let label = tick.label {
                labels += "<text x=\"\(svgNumber(plot.x - tickLabelGap))\" y=\"\(svgNumber(y + tickFont * 0.36))\" "
                    + "text-anchor=\"end\">\(PlotText.svgContent(label, fontSize: tickFont))</text>\n"
            }
        }
        svg += svgTicks(path: tickPath, labels: labels, fontSize: tickFont)

        // Axis labels, title, letter.
        let labelFont = style.labelFontSize
        if !panel.xLabel.isEmpty {
            svg += "<text class=\"x-label\" x=\"\(svgNumber(plot.x + plot.width / 2))\" "
                + "y=\"\(svgNumber(plot.maxY + tickLabelGap + tickFont * 1.05 + labelFont * 1.2))\" "
                + "font-size=\"\(svgNumber(labelFont))\" text-anchor=\"middle\">"
                + "\(PlotText.svgContent(panel.xLabel, fontSize: labelFont))</text>\n"
        }
        if !panel.yLabel.isEmpty {
            let x = cellX + 6 + labelFont * 0.95
            let y = plot.y + plot.height / 2
            svg += "<text class=\"y-label\" transform=\"translate(\(svgNumber(x)),\(svgNumber(y))) rotate(-90)\" "
                + "font-size=\"\(svgNumber(labelFont))\" text-anchor=\"middle\">"
                + "\(PlotText.svgContent(panel.yLabel, fontSize: labelFont))</text>\n"
        }
        let titleFont = style.titleFontSize
        let titleY = plot.y - titleFont * 0.55
        if style.panelLetters {
            svg += "<text class=\"panel-letter\" x=\"\(svgNumber(cellX + 6))\" y=\"\(svgNumber(titleY))\" "
                + "font-size=\"\(svgNumber(titleFont))\" font-weight=\"bold\">(\(Self.letter(index)))</text>\n"
        }
        if !panel.title.isEmpty {
            svg += "<text class=\"title\" x=\"\(svgNumber(plot.x + plot.width / 2))\" y=\"\(svgNumber(titleY))\" "
                + "font-size=\"\(svgNumber(titleFont))\" text-anchor=\"middle\">"
                + "\(PlotText.svgContent(panel.title, fontSize: titleFont))</text>\n"
        }

        // Legend in the corner covering the fewest data points.
        let entries = panel.legendEntries
        if !entries.isEmpty {
            let size = legendBoxSize(entries, fontSize: style.legendFontSize)
            let inset = 5.0
            let corners = [
                (plot.maxX - inset - size.width, plot.y + inset),  // upper right
                (plot.x + inset, plot.y + inset),  // upper left
                (plot.maxX - inset - size.width, plot.maxY - inset - size.height),  // lower right
                (plot.x + inset, plot.maxY - inset - size.height),  // lower left
                (plot.x + (plot.width - size.width) / 2, plot.y + inset),  // upper centre
                (plot.x + (plot.width - size.width) / 2, plot.maxY - inset - size.height),  // lower centre
            ]
            var best = corners[0], bestCost = Int.max
            for corner in corners {
                let box = PlotRect(x: corner.0 - 3, y: corner.1 - 3, width: size.width + 6, height: size.height + 6)
                let cost = occupied.reduce(0) { $0 + (box.contains($1.0, $1.1) ? 1 : 0) }
                if cost < bestCost {
                    best = corner
                    bestCost = cost
                }
            }
            svg += "<g class=\"legend\">\n"
            svg += renderLegend(entries, x: best.0, y: best.1, fontSize: style.legendFontSize, framed: true)
            svg += "</g>\n"
        }
        svg += "</g>\n"
        return svg
    }

    static func letter(_ index: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return index < letters.count ? String(letters[index]) : "\(index + 1)"
    }

    // MARK: Series

    func strokeAttributes(_ s: PlotSeries) -> String {
        var a = "stroke=\"\(s.colour.svg)\" stroke-width=\"\(svgNumber(s.lineWidth))\""
        switch s.dash {
        case .solid: break
        case .dashed: a += " stroke-dasharray=\"\(svgNumber(3.2 * s.lineWidth)) \(svgNumber(2.2 * s.lineWidth))\""
        case .dotted: a += " stroke-dasharray=\"\(svgNumber(0.1)) \(svgNumber(2 * s.lineWidth))\" stroke-linecap=\"round\""
        }
        return a
    }

    /// Polylines through the drawable points, broken where a point cannot be drawn, with
    /// points closer than half a pixel to the previous one dropped.
    func renderLine(_ points: [(Double, Double)?], series s: PlotSeries) -> String {
        var segments: [[(Double, Double)]] = [[]]
        for p in points {
            guard let p else {
                if !segments[segments.count - 1].isEmpty { segments.append([]) }
                continue
            }
            segments[segments.count - 1].append(p)
        }
        var svg = ""
        for segment in segments where segment.count >= 2 {
            var kept: [(Double, Double)] = [segment[0]]
            for (i, p) in segment.enumerated().dropFirst() {
                let last = kept[kept.count - 1]
                if i == segment.count - 1 || hypot(p.0 - last.0, p.1 - last.1) >= 0.5 { kept.append(p) }
            }
            let coordinates = kept.map { "\(svgNumber($0.0)),\(svgNumber($0.1))" }.joined(separator: " ")
            svg += "<polyline class=\"line\" points=\"\(coordinates)\" fill=\"none\" \(strokeAttributes(s)) "
                + "stroke-linejoin=\"round\"/>\n"
        }
        return svg
    }

    func renderErrorBars(
        _ points: [(Double, Double)?], series s: PlotSeries, errors: [Double], py: (Double) -> Double?, plot: PlotRect
    ) -> String {
        let cap = Swift.max(2, s.markerSize * 0.8)
        var d = ""
        for (i, p) in points.enumerated() {
            guard let p, errors[i].isFinite, errors[i] > 0 else { continue }
            let top = py(s.y[i] + errors[i]) ?? plot.y
            let bottom = py(s.y[i] - errors[i]) ?? plot.maxY  // log axis: y − e ≤ 0 runs off the bottom
            d += "M\(svgNumber(p.0)) \(svgNumber(bottom))V\(svgNumber(top))"
            d += "M\(svgNumber(p.0 - cap)) \(svgNumber(top))h\(svgNumber(2 * cap))M\(svgNumber(p.0 - cap)) \(svgNumber(bottom))h\(svgNumber(2 * cap))"
        }
        guard !d.isEmpty else { return "" }
        return "<path class=\"error-bars\" d=\"\(d)\" fill=\"none\" stroke=\"\(s.colour.svg)\" stroke-width=\"1\"/>\n"
    }

    func renderMarkers(_ points: [(Double, Double)?], series s: PlotSeries) -> String {
        let fill = s.filled ? s.colour.svg : "#ffffff"
        var svg = "<g class=\"markers\" fill=\"\(fill)\" stroke=\"\(s.colour.svg)\" stroke-width=\"1.2\">\n"
        for p in points.compactMap({ $0 }) {
            svg += markerShape(s.marker, x: p.0, y: p.1, size: s.markerSize) + "\n"
        }
        return svg + "</g>\n"
    }

    func markerShape(_ marker: PlotSeries.Marker, x: Double, y: Double, size r: Double) -> String {
        switch marker {
        case .circle:
            return "<circle cx=\"\(svgNumber(x))\" cy=\"\(svgNumber(y))\" r=\"\(svgNumber(r))\"/>"
        case .square:
            let h = r * 0.88
            return "<rect x=\"\(svgNumber(x - h))\" y=\"\(svgNumber(y - h))\" width=\"\(svgNumber(2 * h))\" height=\"\(svgNumber(2 * h))\"/>"
        case .triangle:
            let h = r * 1.2
            return "<path d=\"M\(svgNumber(x)) \(svgNumber(y - h))L\(svgNumber(x + h * 0.87)) \(svgNumber(y + h * 0.5))"
                + "L\(svgNumber(x - h * 0.87)) \(svgNumber(y + h * 0.5))Z\"/>"
        case .diamond:
            let h = r * 1.2
            return "<path d=\"M\(svgNumber(x)) \(svgNumber(y - h))L\(svgNumber(x + h)) \(svgNumber(y))L\(svgNumber(x)) \(svgNumber(y + h))"
                + "L\(svgNumber(x - h)) \(svgNumber(y))Z\"/>"
        }
    }

    // MARK: Legends

    let sampleWidth = 28.0
    let legendPadding = 6.0

    func legendRowHeight(_ fontSize: Double) -> Double { fontSize * 1.45 }

    func legendBoxSize(_ entries: [LegendEntry], fontSize: Double) -> (width: Double, height: Double) {
        guard !entries.isEmpty else { return (0, 0) }
        let text = entries.map { PlotText.width($0.label, fontSize: fontSize) }.max() ?? 0
        return (
            2 * legendPadding + sampleWidth + 6 + text,
            2 * legendPadding + Double(entries.count) * legendRowHeight(fontSize) - fontSize * 0.2
        )
    }

    func renderLegend(_ entries: [LegendEntry], x: Double, y: Double, fontSize: Double, framed: Bool) -> String {
        let size = legendBoxSize(entries, fontSize: fontSize)
        var svg = ""
        if framed {
            svg += "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(size.width))\" height=\"\(svgNumber(size.height))\" "
                + "fill=\"#ffffff\" fill-opacity=\"0.88\" stroke=\"#b0b0b0\" stroke-width=\"0.8\" rx=\"2\"/>\n"
        }
        let row = legendRowHeight(fontSize)
        for (i, entry) in entries.enumerated() {
            let midY = y + legendPadding + row * Double(i) + fontSize * 0.62
            let x0 = x + legendPadding
            if let dash = entry.dash {
                var series = PlotSeries(label: "", x: [], y: [], colour: entry.colour, dash: dash)
                series.lineWidth = entry.lineWidth
                svg += "<path d=\"M\(svgNumber(x0)) \(svgNumber(midY))h\(svgNumber(sampleWidth))\" fill=\"none\" "
                    + "\(strokeAttributes(series))/>\n"
            }
            if let marker = entry.marker {
                let cx = x0 + sampleWidth / 2
                if entry.errorBar {
                    let e = fontSize * 0.55, cap = Swift.max(2, entry.markerSize * 0.8)
                    svg += "<path d=\"M\(svgNumber(cx)) \(svgNumber(midY - e))V\(svgNumber(midY + e))M\(svgNumber(cx - cap)) \(svgNumber(midY - e))"
                        + "h\(svgNumber(2 * cap))M\(svgNumber(cx - cap)) \(svgNumber(midY + e))h\(svgNumber(2 * cap))\" fill=\"none\" "
                        + "stroke=\"\(entry.colour.svg)\" stroke-width=\"1\"/>\n"
                }
                let fill = entry.filled ? entry.colour.svg : "#ffffff"
                svg += "<g fill=\"\(fill)\" stroke=\"\(entry.colour.svg)\" stroke-width=\"1.2\">"
                    + markerShape(marker, x: cx, y: midY, size: entry.markerSize) + "</g>\n"
            }
            svg += "<text x=\"\(svgNumber(x0 + sampleWidth + 6))\" y=\"\(svgNumber(midY + fontSize * 0.36))\" "
                + "font-size=\"\(svgNumber(fontSize))\">\(PlotText.svgContent(entry.label, fontSize: fontSize))</text>\n"
        }
        return svg
    }
}

/// SVG of a tick path (`d` commands, nothing when empty) and the group of its labels.
func svgTicks(path: String, labels: String, fontSize: Double) -> String {
    var svg = ""
    if !path.isEmpty {
        svg += "<path class=\"ticks\" d=\"\(path)\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>\n"
    }
    return svg + "<g class=\"tick-labels\" font-size=\"\(svgNumber(fontSize))\" fill=\"#000000\">\n\(labels)</g>\n"
}
