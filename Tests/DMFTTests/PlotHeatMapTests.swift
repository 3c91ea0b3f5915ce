import Foundation
import XCTest

@testable import DMFT

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class PlotHeatMapTests: XCTestCase {
    // MARK: Colour map

    func testViridisEndpointsAndMidpointAreExact() {
        let viridis = ColourScale.viridisFull
        XCTAssertEqual(viridis.colour(at: 0).svg, "#440154")
        XCTAssertEqual(viridis.colour(at: 0.25).svg, "#3b528b")
        XCTAssertEqual(viridis.colour(at: 0.5).svg, "#21918c")
        XCTAssertEqual(viridis.colour(at: 0.75).svg, "#5ec962")
        XCTAssertEqual(viridis.colour(at: 1).svg, "#fde725")
        XCTAssertEqual(viridis.colour(at: 0.5), PlotColour(hex: 0x21918c))
        // Clamped outside 0...1; linear between anchors.
        XCTAssertEqual(viridis.colour(at: -3).svg, "#440154")
        XCTAssertEqual(viridis.colour(at: 7).svg, "#fde725")
        let between = viridis.colour(at: 0.125)
        XCTAssertEqual(between.red, (Double(0x44) + Double(0x3b)) / 2 / 255, accuracy: 1e-12)
        XCTAssertEqual(between.blue, (Double(0x54) + Double(0x8b)) / 2 / 255, accuracy: 1e-12)

        // A heat map's smallest value is the dark end, its largest the light end, the middle teal.
        let map = HeatMap(x: [0, 1, 2], y: [0], values: [[1, 2, 3]], xLabel: "x", yLabel: "y", valueLabel: "v")
        XCTAssertEqual(map.colour(1).svg, "#440154")
        XCTAssertEqual(map.colour(2).svg, "#21918c")
        XCTAssertEqual(map.colour(3).svg, "#fde725")
    }

    func testLogColourScaleSpreadsDecadesEvenly() throws {
        let map = HeatMap(
            x: [1, 2, 3], y: [1], values: [[1e-4, 1e-2, 1]], xLabel: "x", yLabel: "y", valueLabel: "e",
            colourScale: .log)
        XCTAssertEqual(map.colourPosition(1e-4), 0, accuracy: 1e-12)
        XCTAssertEqual(map.colourPosition(1e-3), 0.25, accuracy: 1e-12)
        XCTAssertEqual(map.colourPosition(1e-2), 0.5, accuracy: 1e-12)
        XCTAssertEqual(map.colourPosition(1), 1, accuracy: 1e-12)
        XCTAssertEqual(map.colour(1e-2).svg, "#21918c")
        XCTAssertEqual(map.colour(1e-3).svg, "#3b528b")
        // Linear on the same values puts 10⁻² near the dark end instead.
        var linear = map
        linear.colourScale = .linear
        XCTAssertEqual(linear.colourPosition(1e-2), (1e-2 - 1e-4) / (1 - 1e-4), accuracy: 1e-12)
        // The colour bar is labelled in decades.
        let svg = try map.svg()
        assertWellFormed(svg)
        XCTAssert(svg.contains(">10⁻²</text>"), "colour bar ticks are decades")
        // A given range clamps values outside it to the end colours.
        var fixed = map
        fixed.valueRange = 1e-3...1e-1
        XCTAssertEqual(fixed.colourPosition(1e-4), 0)
        XCTAssertEqual(fixed.colourPosition(1), 1)
        XCTAssertEqual(fixed.colourPosition(1e-2), 0.5, accuracy: 1e-12)
        // Non-positive values cannot be shown on a log colour scale.
        var bad = map
        bad.values = [[1e-4, 0, 1]]
        XCTAssertThrowsError(try bad.svg())
    }

    // MARK: Geometry

    func testThreeByTwoGridHasOneRectanglePerCellAtMidpointEdges() throws {
        // Uneven x: edges at −0.5, 0.5, 2, 4; y: edges at 5, 15, 25.
        let x: [Double] = [0, 1, 3], y: [Double] = [10, 20]
        XCTAssertEqual(HeatMap.cellEdges(x, scale: .linear), [-0.5, 0.5, 2, 4])
        XCTAssertEqual(HeatMap.cellEdges(y, scale: .linear), [5, 15, 25])
        let log = HeatMap.cellEdges([1, 10, 100], scale: .log)
        for (a, b) in zip(log, [pow(10, -0.5), pow(10, 0.5), pow(10, 1.5), pow(10, 2.5)]) {
            XCTAssertEqual(a, b, accuracy: 1e-12 * b)
        }

        let map = HeatMap(
            x: x, y: y, values: [[1, 2, 3], [4, 5, 6]], title: "test error", xLabel: "α", yLabel: "τ",
            valueLabel: "e_{test}")
        let svg = try map.svg()
        assertWellFormed(svg)
        let cells = SVGElements(svg).elements.filter { $0.name == "rect" && $0["class"] == "cell" }
        XCTAssertEqual(cells.count, 6)
        guard cells.count == 6 else { return }
        let width = map.style.plotWidth, height = map.style.plotHeight
        // Row-major from the bottom row: (0,10) (1,10) (3,10) (0,20) (1,20) (3,20).
        let widths = cells.map { $0.number("width") }
        let heights = cells.map { $0.number("height") }
        for (w, expected) in zip(widths, [1.0, 1.5, 2, 1, 1.5, 2].map { $0 / 4.5 * width }) {
            XCTAssertEqual(w, expected, accuracy: 0.011)
        }
        for h in heights { XCTAssertEqual(h, height / 2, accuracy: 0.011) }
        let left = cells[0].number("x")
        for row in 0..<2 {
            var edge = left
            for column in 0..<3 {
                let cell = cells[3 * row + column]
                XCTAssertEqual(cell.number("x"), edge, accuracy: 0.011, "cells of a row touch")
                edge = cell.number("x") + cell.number("width")
            }
            XCTAssertEqual(edge - left, width, accuracy: 0.02, "a row spans the plot")
        }
        // y = 10 is the bottom row: larger SVG y; the rows touch.
        XCTAssertEqual(cells[3].number("y") + cells[3].number("height"), cells[0].number("y"), accuracy: 0.011)
        XCTAssertGreaterThan(cells[0].number("y"), cells[3].number("y"))
        // Colours by value: 1 darkest, 6 lightest, 3.5 would be the middle.
        XCTAssertEqual(cells[0]["fill"], "#440154")
        XCTAssertEqual(cells[5]["fill"], "#fde725")
        // Small grid: every value printed; ticks at the parameter values; a colour bar.
        let group = svg.components(separatedBy: "<g class=\"cell-values\"").dropFirst().first?
            .components(separatedBy: "</g>").first ?? ""
        let printed = group.components(separatedBy: "</text>").dropLast().compactMap { $0.split(separator: ">").last }
        XCTAssertEqual(printed.map(String.init), ["1", "2", "3", "4", "5", "6"])
        XCTAssert(svg.contains("class=\"colour-bar\""))
        XCTAssert(svg.contains("<linearGradient id=\"heatmap-colourbar\""))
        XCTAssertEqual(try map.svg(), svg, "deterministic")
    }

    func testLargeGridsLeaveValuesOut() throws {
        let x = (0..<11).map(Double.init), y = [0.0, 1]
        let values = y.map { _ in x.map { Optional($0 * 0.1) } }
        let svg = try HeatMap(x: x, y: y, values: values, xLabel: "x", yLabel: "y", valueLabel: "v").svg()
        XCTAssertFalse(svg.contains("class=\"cell-values\""))
        var shown = HeatMap(x: x, y: y, values: values, xLabel: "x", yLabel: "y", valueLabel: "v")
        shown.showValues = true
        XCTAssert(try shown.svg().contains("class=\"cell-values\""))
    }

    // MARK: Missing and refused values

    func testMissingCellsAreHatchedAndListed() throws {
        let map = try HeatMap(
            points: [(0.1, 0.2, 1.0), (0.2, 0.2, 2.0), (0.1, 0.4, nil), (0.2, 0.4, 4.0), (0.3, 0.2, 3.0)],
            xLabel: "α", yLabel: "τ", valueLabel: "e")
        XCTAssertEqual(map.x, [0.1, 0.2, 0.3])
        XCTAssertEqual(map.y, [0.2, 0.4])
        // (0.3, 0.4) has no point at all, (0.1, 0.4) a point without a value: both missing.
        XCTAssertEqual(map.values[1][0], nil)
        XCTAssertEqual(map.values[1][2], nil)
        let svg = try map.svg()
        assertWellFormed(svg)
        let elements = SVGElements(svg).elements
        let missing = elements.filter { $0.name == "rect" && $0["class"] == "cell missing" }
        XCTAssertEqual(missing.count, 2)
        XCTAssert(missing.allSatisfy { $0["fill"] == "url(#heatmap-missing)" })
        XCTAssertEqual(elements.filter { $0.name == "rect" && $0["class"] == "cell" }.count, 4)
        XCTAssert(elements.contains { $0.name == "pattern" && $0["id"] == "heatmap-missing" })
        XCTAssert(svg.contains("no value at (α, τ) = (0.1, 0.4), (0.3, 0.4)"), "legend note lists the missing points")
        // The colour range comes from the values present only.
        XCTAssertEqual(map.colour(1).svg, "#440154")
        XCTAssertEqual(map.colour(4).svg, "#fde725")
        // Without missing cells there is neither hatch nor note.
        let full = HeatMap(x: [0, 1], y: [0], values: [[1, 2]], xLabel: "x", yLabel: "y", valueLabel: "v")
        XCTAssertFalse(try full.svg().contains("heatmap-missing"))
        // Two points at one place are refused.
        XCTAssertThrowsError(try HeatMap(points: [(1, 1, 1), (1, 1, 2)], xLabel: "x", yLabel: "y", valueLabel: "v"))
    }

    func testNonFiniteValuesAreRefused() {
        for bad in [Double.nan, .infinity, -.infinity] {
            let map = HeatMap(x: [0, 1], y: [0, 1], values: [[1, 2], [3, bad]], xLabel: "α", yLabel: "τ", valueLabel: "e")
            XCTAssertThrowsError(try map.svg()) { error in
                guard case DMFTError.invalidInput(let message) = error else { return XCTFail("\(error)") }
                XCTAssert(message.contains("α = 1, τ = 1"), message)
            }
        }
        // Axes must be strictly increasing and finite; the grid must match them.
        let cases: [HeatMap] = [
            HeatMap(x: [1, 0], y: [0], values: [[1, 2]], xLabel: "x", yLabel: "y", valueLabel: "v"),
            HeatMap(x: [0, 0], y: [0], values: [[1, 2]], xLabel: "x", yLabel: "y", valueLabel: "v"),
            HeatMap(x: [0, .nan], y: [0], values: [[1, 2]], xLabel: "x", yLabel: "y", valueLabel: "v"),
            HeatMap(x: [0, 1], y: [0], values: [[1]], xLabel: "x", yLabel: "y", valueLabel: "v"),
            HeatMap(x: [0, 1], y: [0, 1], values: [[1, 2]], xLabel: "x", yLabel: "y", valueLabel: "v"),
            HeatMap(x: [0, 1], y: [0], values: [[1, 2]], xLabel: "x", yLabel: "y", valueLabel: "v", xScale: .log),
            HeatMap(x: [], y: [0], values: [[]], xLabel: "x", yLabel: "y", valueLabel: "v"),
        ]
        for map in cases { XCTAssertThrowsError(try map.svg(), "\(map.x) × \(map.y): \(map.values)") }
        XCTAssertThrowsError(try HeatMap(points: [(.nan, 1, 1)], xLabel: "x", yLabel: "y", valueLabel: "v"))
    }

    func testSingleCellAndFormatting() throws {
        let map = HeatMap(x: [50], y: [0.6], values: [[0.0123]], xLabel: "m", yLabel: "τ", valueLabel: "e")
        let svg = try map.svg()
        assertWellFormed(svg)
        XCTAssertEqual(map.colour(0.0123).svg, "#21918c", "a single value takes the middle colour")
        XCTAssertEqual(HeatMap.format(0.25), "0.25")
        XCTAssertEqual(HeatMap.format(-1.5), "−1.5")
        XCTAssertEqual(HeatMap.format(100), "100")
        XCTAssertEqual(HeatMap.format(3.2e-4), "3.2×10⁻⁴")
        XCTAssertEqual(HeatMap.format(1e-7), "10⁻⁷")
        XCTAssertEqual(HeatMap.format(9.9996e-5), "10⁻⁴")
    }

    // MARK: Helpers

    private func assertWellFormed(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssert(parser.parse(), "SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")",
                  file: file, line: line)
    }
}

/// The elements of an SVG document with their attributes, and its text nodes.
private final class SVGElements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        subscript(_ key: String) -> String? { attributes[key] }
        func number(_ key: String) -> Double { Double(attributes[key] ?? "") ?? .nan }
    }

    var elements: [Element] = []
    var texts: [String] = []
    private var text = ""

    init(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        _ = parser.parse()
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        elements.append(Element(name: elementName, attributes: attributeDict))
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if elementName == "text" { texts.append(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        text = ""
    }
}
