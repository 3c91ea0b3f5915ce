import Foundation
import XCTest

@testable import DMFT

final class CovarianceTests: XCTestCase {
    func testPowerSeriesDerivatives() {
        let h = PowerSeries(fromLinearTerm: [0.9, 0, 1.0 / 6])
        XCTAssertEqual(h(0.5), 0.9 * 0.5 + 0.125 / 6, accuracy: 1e-15)
        XCTAssertEqual(h.derivative(0.5), 0.9 + 0.5 * 0.25, accuracy: 1e-15)
        XCTAssertEqual(h.secondDerivative(0.5), 0.5, accuracy: 1e-15)
        XCTAssertEqual(h.withoutLinearTerm(0.5), 0.125 / 6, accuracy: 1e-15)
    }

    /// σ = √0.9 He₁ + He₃/6 realises h = 0.9q + q³/6 exactly (the paper's example).
    func testHermitePolynomialActivationGivesClosedForm() throws {
        let sigma = Activation.hermite([(0.9).squareRoot(), 0, 1 / (6.0).squareRoot()])
        let model = try CovarianceModel(activation: sigma, target: sigma, degree: 8, quadraturePoints: 40)
        let expected = [0, 0.9, 0, 1.0 / 6]
        for k in 0..<expected.count { XCTAssertEqual(model.h.coefficients[k], expected[k], accuracy: 1e-13) }
        XCTAssertEqual(model.h.degree, 3)
        XCTAssertEqual(model.phiNorm2, 0.9 + 1.0 / 6, accuracy: 1e-13)
        XCTAssertEqual(model.truncation!.hTail, 0, accuracy: 1e-13)
        // σ written directly as a polynomial in x: √0.9 x + (x³ − 3x)/6.
        let closure = Activation.custom(name: "poly") { x in (0.9).squareRoot() * x + (x * x * x - 3 * x) / 6 }
        let fromClosure = try CovarianceModel(activation: closure, degree: 8, quadraturePoints: 40)
        for k in 0..<expected.count { XCTAssertEqual(fromClosure.h.coefficients[k], expected[k], accuracy: 1e-13) }
    }

    /// Centred ReLU: closed-form coefficients (c₁ = 1/2, c₂² = 1/(4π), …), checked against
    /// Gauss–Hermite quadrature of the same function given as a closure. GH converges slowly
    /// at a kink; the n vs n/2 error estimate must cover the actual difference.
    func testReluClosedFormAgreesWithQuadrature() throws {
        let exact = try CovarianceModel(activation: .relu, degree: 20)
        XCTAssertEqual(exact.h.coefficients[1], 0.25, accuracy: 1e-15)
        XCTAssertEqual(exact.h.coefficients[2], 1 / (4 * Double.pi), accuracy: 1e-15)
        XCTAssertEqual(exact.h.coefficients[3], 0, accuracy: 1e-15)
        let variance = 0.5 - 1 / (2 * Double.pi)
        XCTAssertEqual(exact.h(1) + exact.truncation!.hTail, variance, accuracy: 1e-15)
        XCTAssertGreaterThan(exact.truncation!.hTail, 0)
        XCTAssertLessThan(exact.truncation!.hTail, 2e-3)

        let shift = 1 / (2 * Double.pi).squareRoot()
        let closure = Activation.custom(name: "relu-closure") { max($0, 0) - shift }
        let quad = try CovarianceModel(activation: closure, degree: 20, quadraturePoints: 400)
        let estimate = quad.truncation!.quadratureError
        XCTAssertGreaterThan(estimate, 0)
        for k in 1...6 {
            let diff = abs(quad.h.coefficients[k] - exact.h.coefficients[k])
            // h_k = c_k², so its error is ≈ 2|c_k| δc_k ≤ 2 δc_k.
            XCTAssertLessThan(diff, 2 * estimate + 1e-12, "k = \(k)")
        }
    }

    /// erf: E[erf(G₁) erf(G₂)] = (2/π) arcsin(2q/3) (odd, so only odd Hermite terms).
    func testErfMatchesArcsineFormula() throws {
        let model = try CovarianceModel(activation: .erf, degree: 25, quadraturePoints: 200)
        for q in [0.1, 0.5, 0.9] {
            XCTAssertEqual(model.h(q), 2 / Double.pi * asin(2 * q / 3), accuracy: 1e-8)
        }
        XCTAssertEqual(model.h.coefficients[2], 0)
    }

    func testDefaultPhiNormIsMinimalAdmissible() throws {
        let model = try CovarianceModel(h: [0.9, 0, 1.0 / 6], phiHat: [0.9, 0, 1.0 / 6])
        XCTAssertEqual(model.phiNorm2, model.h(1), accuracy: 1e-15)
    }

    func testInvalidCovariancesAreRefused() {
        XCTAssertThrowsError(try CovarianceModel(h: [0.5, -0.1]))
        XCTAssertThrowsError(try CovarianceModel(h: [0, 0]))
        XCTAssertThrowsError(try CovarianceModel(h: [Double.nan]))
        XCTAssertThrowsError(try CovarianceModel(h: [0.5], phiHat: [0.5, 0.2]))  // φ̂₂ without h₂
        XCTAssertThrowsError(try CovarianceModel(h: [0.5], phiHat: [0.5], phiNorm2: 0.1))  // below φ̂²/h = 0.5
        XCTAssertThrowsError(try CovarianceModel(h: [0.5], phiNorm2: 1))  // ‖φ‖² without φ̂
        let notCentred = Activation.custom(name: "exp") { exp($0) }
        XCTAssertThrowsError(try CovarianceModel(activation: notCentred)) { error in
            XCTAssertTrue("\(error)".contains("not centred"), "\(error)")
        }
        XCTAssertThrowsError(try Activation(parsing: "softsign"))
        XCTAssertThrowsError(try parseCoefficientList("0.9,,1", what: "--h"))
        XCTAssertThrowsError(try parseCoefficientList("0.9,inf", what: "--h"))
    }

    func testProblemSpecRoundTripsThroughJSON() throws {
        var spec = ProblemSpec.defaultExample
        spec.initialization = "lazy"
        spec.gamma0 = 0.5
        let data = try JSONEncoder().encode(spec)
        let back = try JSONDecoder().decode(ProblemSpec.self, from: data)
        XCTAssertEqual(back, spec)
        XCTAssertEqual(try back.makeProblem().initialization, .lazy(gamma0: 0.5))
        spec.initialization = "sideways"
        XCTAssertThrowsError(try spec.makeProblem())
    }
}
