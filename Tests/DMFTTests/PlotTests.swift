import Foundation
import XCTest

@testable import DMFT

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class PlotTests: XCTestCase {
    // MARK: Ticks

    func testLinearTicksUseOneTwoFiveSteps() {
        XCTAssertEqual(PlotTicks.linearStep(lower: 0, upper: 1), 0.2)
        XCTAssertEqual(PlotTicks.linearStep(lower: 0, upper: 30), 10)
        XCTAssertEqual(PlotTicks.linearStep(lower: -0.05, upper: 0.12), 0.05)
        XCTAssertEqual(PlotTicks.linearStep(lower: 0, upper: 1, maxMajor: 3), 0.5)
        for (lo, hi) in [(0.0, 1.0), (-3.7, 12.2), (0.4, 0.43), (1e-5, 7e-5), (-2e6, 3e6), (0.98, 1.02)] {
            let step = PlotTicks.linearStep(lower: lo, upper: hi)
            let mantissa = step / pow(10, floor(log10(step)))
            XCTAssert([1, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(step) for \(lo)...\(hi)")
            let majors = PlotTicks.linear(lower: lo, upper: hi).filter(\.isMajor)
            XCTAssert((3...7).contains(majors.count), "\(majors.count) labels for \(lo)...\(hi)")
            XCTAssert(majors.allSatisfy { $0.value >= lo - 1e-12 && $0.value <= hi + 1e-12 })
        }
    }

    func testLinearTickLabels() {
        let ticks = PlotTicks.linear(lower: -0.05, upper: 0.12)
        XCTAssertEqual(ticks.compactMap(\.label), ["−0.05", "0.00", "0.05", "0.10"])
        XCTAssertEqual(ticks.filter { !$0.isMajor }.count, 14)  // every 0.01 from −0.05 to 0.12
        XCTAssertEqual(PlotTicks.linear(lower: 0, upper: 30).compactMap(\.label), ["0", "10", "20", "30"])
        XCTAssertEqual(PlotTicks.linear(lower: 0, upper: 1).compactMap(\.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(PlotTicks.linear(lower: 0, upper: 4e-4).compactMap(\.label).last, "4×10⁻⁴")
        // No "-0" however the arithmetic rounds.
        XCTAssertEqual(PlotTicks.decimalLabel(-1e-17, decimals: 2), "0.00")
        XCTAssertEqual(PlotTicks.decimalLabel(-0.5, decimals: 1), "−0.5")
    }

    func testLogTicksAreDecadesWithMinorTicks() {
        let ticks = PlotTicks.log(lower: 0.005, upper: 30)
        XCTAssertEqual(ticks.compactMap(\.label), ["10⁻²", "10⁻¹", "10⁰", "10¹"])
        XCTAssertEqual(ticks.filter(\.isMajor).map(\.value), [0.01, 0.1, 1, 10])
        let minors = ticks.filter { !$0.isMajor }.map(\.value)
        XCTAssert(minors.contains { abs($0 - 0.005) < 1e-15 } && minors.contains { abs($0 - 20) < 1e-12 })
        XCTAssertEqual(minors.count, 5 + 8 * 3 + 2)  // 5…9 × 10⁻³; 2…9 × 10⁻², 10⁻¹, 10⁰; 20, 30
        XCTAssert(zip(ticks, ticks.dropFirst()).allSatisfy { $0.value < $1.value })
        // Many decades: every second one labelled, labels never more than asked.
        let wide = PlotTicks.log(lower: 1e-6, upper: 1e6, maxMajor: 7)
        XCTAssertEqual(wide.compactMap(\.label), ["10⁻⁶", "10⁻⁴", "10⁻²", "10⁰", "10²", "10⁴", "10⁶"])
        // Less than two decades: plain 1–2–5 labels.
        XCTAssertEqual(PlotTicks.log(lower: 0.15, upper: 3).compactMap(\.label), ["0.2", "0.5", "1", "2"])
        XCTAssertEqual(PlotTicks.superscript(-12), "⁻¹²")
        XCTAssertEqual(PlotTicks.powerOfTenLabel(0), "10⁰")
    }

    func testAxisRangeSkipsValuesTheScaleCannotShow() {
        let values = [Double.nan, -1, 0, 0.01, 10, .infinity]
        let log = PlotAxis.range(of: values, scale: .log, padding: 0)
        XCTAssertEqual(log.lower, 0.01, accuracy: 1e-15)
        XCTAssertEqual(log.upper, 10, accuracy: 1e-12)
        let linear = PlotAxis.range(of: values, scale: .linear, padding: 0)
        XCTAssertEqual(linear.lower, -1)
        XCTAssertEqual(linear.upper, 10)
        // Degenerate and empty data still give a usable range.
        let flat = PlotAxis.range(of: [2, 2], scale: .linear, padding: 0.05)
        XCTAssertLessThan(flat.lower, 2)
        XCTAssertGreaterThan(flat.upper, 2)
        XCTAssertEqual(PlotAxis.range(of: [.nan], scale: .log, padding: 0).lower, 1)
        let axis = PlotAxis(scale: .log, lower: 0.1, upper: 10)
        XCTAssertNil(axis.fraction(0))
        XCTAssertNil(axis.fraction(.nan))
        XCTAssertEqual(axis.fraction(1)!, 0.5, accuracy: 1e-15)
    }

    // MARK: SVG

    private func samplePanel(scale: AxisScale = .linear) -> PlotPanel {
        let x = (0...50).map { Double($0) / 5 }
        return PlotPanel(
            title: "sample", xLabel: "t", yLabel: "C_{d}(t, 0)", xScale: scale, yScale: scale,
            series: [
                PlotSeries(label: "theory", x: x, y: x.map { exp(-$0 / 3) }),
                PlotSeries(
                    label: "simulation", x: x, y: x.map { exp(-$0 / 3) + 0.01 }, yError: x.map { _ in 0.02 },
                    style: .markers, colour: PlotColour.categorical[1]),
            ])
    }

    func testSVGIsDeterministic() {
        let figure = Figure(panels: [samplePanel(), samplePanel(scale: .log)], legend: [
            LegendEntry(label: "m = 10", colour: ColourScale.viridis.colour(at: 0), dash: .solid)
        ])
        let first = figure.svg()
        XCTAssertEqual(first, figure.svg())
        XCTAssertEqual(first, Figure(panels: figure.panels, legend: figure.legend).svg())
        XCTAssert(first.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssert(first.hasSuffix("</svg>\n"))
        assertWellFormed(first)
    }

    func testNonFiniteAndNonPositivePointsAreSkippedOnLogAxes() {
        let x: [Double] = [0, 1, 2, 3, 4, 5, 6]
        let y: [Double] = [1, .nan, 0.5, -0.2, 0.25, .infinity, 0.1]
        let panel = PlotPanel(
            xLabel: "t", yLabel: "e", xScale: .log, yScale: .log,
            series: [
                PlotSeries(label: "line", x: x, y: y),
                PlotSeries(label: "points", x: x, y: y, yError: [0.1, 0.1, 1, 0.1, 0.1, 0.1, 0.1], style: .markers),
            ], legend: [])
        let svg = Figure(panels: [panel]).svg()
        XCTAssertFalse(svg.lowercased().contains("nan"))
        XCTAssertFalse(svg.contains("inf"))
        // Drawable points: (2, 0.5), (4, 0.25), (6, 0.1); t = 0 cannot be shown on a log axis.
        XCTAssertEqual(count("<circle", in: svg), 3)
        // The line breaks at the gaps: (2)–nothing–(4)–nothing–(6) gives no segment of two points.
        XCTAssertEqual(count("<polyline", in: svg), 0)
        assertWellFormed(svg)
        // A linear panel full of NaN still renders.
        let empty = PlotPanel(xLabel: "t", yLabel: "y", series: [PlotSeries(label: "", x: [1, 2], y: [.nan, .nan])])
        assertWellFormed(Figure(panels: [empty]).svg())
    }

    func testLabelsAreEscapedAndUnicodeKept() {
        let panel = PlotPanel(
            title: "a < b & \"c\" > 'd'", xLabel: "t/√m", yLabel: "‖a‖₁/m",
            series: [PlotSeries(label: "α = 0.3, τ = 0.6 <fit>", x: [0, 1], y: [0, 1])])
        let svg = Figure(panels: [panel]).svg()
        XCTAssert(svg.contains("a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;"))
        XCTAssert(svg.contains("α = 0.3, τ = 0.6 &lt;fit&gt;"))
        XCTAssert(svg.contains(">‖a‖₁/m</text>"))
        XCTAssert(svg.contains(">t/√m</text>"))
        XCTAssertFalse(svg.contains("<fit>"))
        XCTAssertEqual(PlotText.escape("bell\u{7}"), "bell")
        assertWellFormed(svg)
    }

    func testSubscriptMarkup() {
        XCTAssertEqual(
            PlotText.runs("C_{d}(t, 0)"),
            [.init(text: "C", shift: 0), .init(text: "d", shift: -1), .init(text: "(t, 0)", shift: 0)])
        XCTAssertEqual(PlotText.runs("e_train"), [.init(text: "e_train", shift: 0)])
        XCTAssertEqual(PlotText.runs("x^{2"), [.init(text: "x^{2", shift: 0)])
        XCTAssert(PlotText.svgContent("C_{d}", fontSize: 10).contains("<tspan dy=\"2.80\" font-size=\"7.20\">d</tspan>"))
    }

    func testColourScaleSpreadsAFamily() {
        let scale = ColourScale.viridis
        XCTAssertEqual(scale.colour(at: 0), scale.anchors[0])
        XCTAssertEqual(scale.colour(at: 1), scale.anchors.last!)
        XCTAssertEqual(scale.colour(at: 7), scale.anchors.last!)
        let colours = scale.colours(for: [10, 20, 40])
        XCTAssertEqual(colours[0], scale.colour(at: 0))
        XCTAssertEqual(colours[1].svg, scale.colour(at: 0.5).svg)  // log spacing: 20 is midway
        XCTAssertEqual(colours[2], scale.colour(at: 1))
        XCTAssertEqual(PlotColour(hex: 0x0072b2).svg, "#0072b2")
    }

    // MARK: Standard figure

    private func theory(width: Int) -> Trajectory {
        var t = Trajectory(observables: Observable.dmftColumns)
        for i in 0...100 {
            let time = Double(i) * 0.1
            t.append([time, 0.5 * exp(-time), 0.6 * exp(-time) + 0.1, 1 + 0.1 * time, (1 + 0.1 * time) / Double(width).squareRoot(),
                      1 - exp(-time), exp(-time / 4), 0.01, 0.05])
        }
        return t
    }

    private func simulation() -> Trajectory {
        let observed = ["e_train", "e_test", "a", "gamma", "v", "Cd_t0", "Co_tt", "a_l1"]
        var t = Trajectory(names: ["t"] + observed + observed.map { $0 + "_se" })
        for i in 0...200 {
            let time = Double(i) * 0.05
            let values = [0.5 * exp(-time), 0.6 * exp(-time) + 0.1, 1, 0.3, 1 - exp(-time), exp(-time / 4), 0.01, 1.1]
            t.append([time] + values + values.map { _ in 0.01 })
        }
        return t
    }

    func testStandardFigureOfTheoryAndSimulation() throws {
        let figure = try StandardFigure.observables([
            (label: "DMFT, m = 10", width: 10, trajectory: theory(width: 10)),
            (label: "SGD, m = 10", width: 10, trajectory: simulation()),
        ])
        // ν only in the theory, a_l1 only in the simulation: the second-layer panel shows ‖a‖₁/m.
        XCTAssertEqual(figure.panels.map(\.yLabel), ["error", "‖a‖₁/m", "v", "C_{d}(t, 0)", "ν"])
        XCTAssertEqual(figure.panels[0].series.count, 4)
        XCTAssertEqual(figure.panels[0].series.map(\.style), [.line, .line, .markers, .markers])
        XCTAssertEqual(figure.panels[0].series[1].dash, .dashed)
        XCTAssertEqual(figure.panels[0].legend?.map(\.label), ["train", "test"])
        XCTAssertEqual(figure.panels[4].series.count, 1)
        XCTAssertEqual(figure.legend.map(\.label), ["DMFT, m = 10", "SGD, m = 10"])
        // Same width for both: distinct colours by input.
        XCTAssertNotEqual(figure.panels[2].series[0].colour, figure.panels[2].series[1].colour)
        // Simulation thinned to at most 30 markers, with its standard errors.
        let simulated = figure.panels[2].series[1]
        XCTAssertLessThanOrEqual(simulated.x.count, 31)
        XCTAssertEqual(simulated.yError, Array(repeating: 0.01, count: simulated.x.count))
        XCTAssertEqual(simulated.x.last, 10)

        let svg = figure.svg()
        XCTAssertEqual(count("class=\"panel\"", in: svg), 5)
        // Error bars for each simulated series: e_train, e_test, ‖a‖₁/m, v, C_d.
        XCTAssertEqual(count("class=\"error-bars\"", in: svg), 5)
        XCTAssertEqual(count("class=\"markers\"", in: svg), 5)
        XCTAssert(svg.contains("class=\"figure-legend\""))
        assertWellFormed(svg)
    }

    func testStandardFigureColoursWidthsAndRescalesTime() throws {
        let inputs: [StandardFigure.Input] = [10, 20, 40].map { (label: "m = \($0)", width: $0, trajectory: theory(width: $0)) }
        let figure = try StandardFigure.observables(inputs, timeAxis: .tOverM, logTime: true)
        XCTAssertEqual(figure.panels.map(\.yLabel), ["error", "a/√m", "v", "C_{d}(t, 0)", "ν"])
        let lines = figure.panels[2].series
        XCTAssertEqual(lines.map(\.colour), ColourScale.viridis.colours(for: [10, 20, 40]))
        XCTAssertEqual(figure.panels[2].xScale, .log)
        XCTAssertEqual(figure.panels[2].xLabel, "t/m")
        // t = 0 dropped, t rescaled by 1/m.
        XCTAssertEqual(lines[2].x.first!, 0.1 / 40, accuracy: 1e-15)
        XCTAssertEqual(lines[2].x.count, 100)
        // Every panel shares the time range.
        XCTAssert(figure.panels.allSatisfy { $0.xRange == figure.panels[0].xRange })

        // Rescaled axes need widths; asking for a missing column is an error.
        XCTAssertThrowsError(try StandardFigure.observables(
            [(label: "x", width: nil, trajectory: theory(width: 1))], timeAxis: .tTimesM))
        XCTAssertThrowsError(try StandardFigure.observables(
            [(label: "x", width: nil, trajectory: simulation())], panels: [.lagrangeMultiplier]))
        var bare = Trajectory(names: ["t", "other"])
        bare.append([0, 1])
        XCTAssertThrowsError(try StandardFigure.observables([(label: "x", width: nil, trajectory: bare)]))
    }

    func testPanelsAgainstAColumn() throws {
        // Parametric curves against γ = a/√m (the paper's Figures 23, 30): x is the column, in
        // time order; the γ panel itself (the diagonal) is left out; no width needed.
        let curve = theory(width: 25)
        let figure = try StandardFigure.observables(
            [(label: "DMFT", width: nil, trajectory: curve), (label: "SGD", width: nil, trajectory: simulation())],
            xColumn: "gamma")
        XCTAssertEqual(figure.panels.map(\.yLabel), ["error", "v", "C_{d}(t, 0)", "ν"])
        XCTAssert(figure.panels.allSatisfy { $0.xLabel == "a/√m" })
        let nu = figure.panels[3].series[0]
        XCTAssertEqual(nu.x, curve["gamma"]!)
        XCTAssertEqual(nu.y, curve["nu"]!)
        // One x range for every panel: both inputs' γ (0.2…0.4 and the constant 0.3), padded
        // by 3% of the span because a simulation's markers are drawn.
        XCTAssertEqual(figure.panels[0].xRange!.lowerBound, 0.194, accuracy: 1e-12)
        XCTAssertEqual(figure.panels[0].xRange!.upperBound, 0.406, accuracy: 1e-12)
        XCTAssert(figure.panels.allSatisfy { $0.xRange == figure.panels[0].xRange })
        // Asked for, the panel of the column itself is drawn; a log x axis drops x ≤ 0.
        let asked = try StandardFigure.observables(
            [(label: "DMFT", width: nil, trajectory: curve)], logTime: true, panels: [.error, .overlap], xColumn: "v")
        XCTAssertEqual(asked.panels[1].series[0].x.count, 100)  // v(0) = 0 dropped
        XCTAssertEqual(asked.panels[1].xScale, .log)
        // Every input needs the column; t is the time axis, not a column to draw against.
        XCTAssertThrowsError(try StandardFigure.observables(
            [(label: "DMFT", width: nil, trajectory: curve)], xColumn: "a_l1"))
        XCTAssertThrowsError(try StandardFigure.observables(
            [(label: "DMFT", width: nil, trajectory: curve)], xColumn: "t"))
    }
    func testMeanFieldLimitDrawsTheSecondLayerUnscaled() throws {
        // The mean-field ODE has a = O(1) and no a/√m: with it, every input shows ‖a‖₁/m = |a|.
        var limit = Trajectory(names: ["t", "e_train", "e_test", "a", "v"])
        for i in 0...10 { limit.append([Double(i), 0.5, 0.5, 1 + 0.05 * Double(i), 0.1 * Double(i)]) }
        let figure = try StandardFigure.observables(
            [(label: "m = 40", width: 40, trajectory: theory(width: 40)), (label: "m = ∞", width: nil, trajectory: limit)],
            panels: [.secondLayer])
        XCTAssertEqual(figure.panels.map(\.yLabel), ["‖a‖₁/m"])
        XCTAssertEqual(figure.panels[0].series.count, 2)
        XCTAssertEqual(figure.panels[0].series[0].y.last!, 2, accuracy: 1e-12)  // a(10) = 1 + 0.1·10, not a/√40
        XCTAssertEqual(figure.panels[0].series[1].y.last!, 1.5, accuracy: 1e-12)
        // Finite-m runs alone keep a/√m.
        let alone = try StandardFigure.observables([(label: "m = 40", width: 40, trajectory: theory(width: 40))], panels: [.secondLayer])
        XCTAssertEqual(alone.panels.map(\.yLabel), ["a/√m"])
    }

    /// Rows (t, e_train, e_test, a, v) of a small hand-made trajectory, time in order.
    private let scalingRows: [[Double]] = [
        [0, 0.50, 0.55, 0.3, 0.00],
        [1, 0.40, 0.47, 0.9, 0.10],
        [2, 0.30, 0.41, 1.8, 0.15],
        [4, 0.20, 0.36, 3.0, 0.18],
        [8, 0.10, 0.33, 4.4, 0.19],
    ]

    private func scalingTrajectory(columns: [String] = ["t", "e_train", "e_test", "a", "v"]) -> Trajectory {
        let all = ["t", "e_train", "e_test", "a", "v"]
        var t = Trajectory(names: columns)
        for row in scalingRows { t.append(columns.map { row[all.firstIndex(of: $0)!] }) }
        return t
    }

    func testLongTimeScalingFigure() throws {
        let widths = [4, 16]
        let inputs: [StandardFigure.Input] = widths.map { (label: "m = \($0)", width: $0, trajectory: scalingTrajectory()) }
        let figure = try StandardFigure.longTimeScaling(inputs)
        XCTAssertEqual(figure.panels.count, 3)
        XCTAssertEqual(figure.panels.map(\.xLabel), ["t/m", "t/m", "a/√m"])
        XCTAssertEqual(figure.panels.map(\.yLabel), ["a/√m", "√m·v", "e_{test} − e_{train}"])
        XCTAssert(figure.panels.allSatisfy { $0.xScale == .linear && $0.yScale == .linear })
        XCTAssertEqual(figure.legend.map(\.label), ["m = 4", "m = 16"])
        XCTAssertEqual(figure.panels[2].series.map(\.colour), ColourScale.viridis.colours(for: [4, 16]))
        for (k, m) in widths.enumerated() {
            let root = Double(m).squareRoot()
            // Columns of scalingRows: 0 t, 1 e_train, 2 e_test, 3 a, 4 v.
            let time = figure.panels[0].series[k], overlap = figure.panels[1].series[k], gap = figure.panels[2].series[k]
            XCTAssertEqual(gap.style, .line)
            XCTAssertEqual(gap.x.count, scalingRows.count)
            XCTAssertEqual(gap.y.count, scalingRows.count)
            for (i, row) in scalingRows.enumerated() {
                XCTAssertEqual(gap.x[i], row[3] / root, accuracy: 1e-14)
                XCTAssertEqual(gap.y[i], row[2] - row[1], accuracy: 1e-14)
                XCTAssertEqual(time.x[i], row[0] / Double(m), accuracy: 1e-14)
                XCTAssertEqual(time.y[i], row[3] / root, accuracy: 1e-14)
                XCTAssertEqual(overlap.y[i], row[4] * root, accuracy: 1e-14)
            }
        }
        let svg = figure.svg()
        XCTAssertEqual(count("class=\"panel\"", in: svg), 3)
        XCTAssert(svg.contains("class=\"figure-legend\""))
        assertWellFormed(svg)

        // Simulations: markers at the same rows in every panel, error bars only on a/√m and √m·v.
        let mixed = try StandardFigure.longTimeScaling([
            (label: "DMFT", width: 4, trajectory: theory(width: 4)), (label: "SGD", width: 4, trajectory: simulation()),
        ])
        let markers = mixed.panels.map { $0.series[1] }
        XCTAssert(markers.allSatisfy { $0.style == .markers })
        XCTAssertLessThanOrEqual(markers[0].x.count, 31)
        XCTAssertEqual(markers[0].x, markers[1].x)
        XCTAssertEqual(markers[2].x.count, markers[0].x.count)
        XCTAssertEqual(markers[0].yError?.first ?? .nan, 0.01 / 2, accuracy: 1e-15)
        XCTAssertEqual(markers[1].yError?.first ?? .nan, 0.01 * 2, accuracy: 1e-15)
        XCTAssertNil(markers[2].yError)
        XCTAssertEqual(mixed.panels[0].series[0].style, .line)
    }

    func testLongTimeScalingNeedsWidthsAndColumns() {
        func message(_ body: () throws -> Figure) -> String {
            do { _ = try body() } catch { return "\(error)" }
            XCTFail("expected an error")
            return ""
        }
        let good = (label: "good", width: Optional(10), trajectory: scalingTrajectory())
        XCTAssert(message { try StandardFigure.longTimeScaling([good, (label: "unsized", width: nil, trajectory: scalingTrajectory())]) }
            .contains("'unsized'"))
        XCTAssert(message { try StandardFigure.longTimeScaling([(label: "zero", width: 0, trajectory: scalingTrajectory())]) }
            .contains("'zero'"))
        XCTAssertThrowsError(try StandardFigure.longTimeScaling([(label: "neg", width: -3, trajectory: scalingTrajectory())]))
        for dropped in ["a", "v", "e_train", "e_test"] {
            let columns = ["t", "e_train", "e_test", "a", "v"].filter { $0 != dropped }
            let text = message {
                try StandardFigure.longTimeScaling([good, (label: "partial", width: 10, trajectory: scalingTrajectory(columns: columns))])
            }
            XCTAssert(text.contains("column \(dropped),") && text.contains("'partial'"), text)
        }
        XCTAssertThrowsError(try StandardFigure.longTimeScaling([]))
    }

    func testMissingRendererIsAClearError() {
        XCTAssertNil(PNGRenderer.locate(environment: ["PATH": "/nonexistent"]))
    }

    // MARK: Helpers

    private func count(_ needle: String, in haystack: String) -> Int {
        haystack.components(separatedBy: needle).count - 1
    }

    private func assertWellFormed(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
        #if canImport(FoundationXML) || os(macOS)
            let parser = XMLParser(data: Data(svg.utf8))
            XCTAssert(parser.parse(), "SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")",
                      file: file, line: line)
        #endif
    }
}
