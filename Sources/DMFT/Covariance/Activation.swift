import Foundation

/// A scalar non-linearity of a standard Gaussian argument: a network activation σ or a
/// single-index link function φ. Both must be centred, `E f(G) = 0`.
public enum Activation: Sendable, CustomStringConvertible {
    /// `f(x) = x`.
    case linear
    /// The centred ReLU `max(x, 0) − 1/√(2π)`.
    case relu
    /// `tanh(x)` (odd, hence centred).
    case tanh
    /// `erf(x)` (odd, hence centred).
    case erf
    /// `Σ_k c_k He_k(x)/√(k!)`: coefficients of the normalised Hermite polynomials,
    /// starting at degree 1 (`c_1, c_2, …`). `σ = √0.9 He₁ + He₃/6` is `[√0.9, 0, 1/√6]`.
    case hermite([Double])
    /// Any function; `name` is used in output metadata.
    case custom(name: String, function: @Sendable (Double) -> Double)

    /// The function itself.
    public var function: @Sendable (Double) -> Double {
        switch self {
        case .linear: return { $0 }
        case .relu:
            let shift = 1 / (2 * Double.pi).squareRoot()
            return { max($0, 0) - shift }
        case .tanh: return { Foundation.tanh($0) }
        case .erf: return { Foundation.erf($0) }
        case .hermite(let c):
            let full = [0] + c
            return { HermiteExpansion.evaluate(full, at: $0) }
        case .custom(_, let f): return f
        }
    }

    /// Hermite coefficients `c_0…c_degree` and `E f²` where they are known exactly.
    /// Centred ReLU: `c_1 = 1/2` and, for k ≥ 2, `c_k = He_{k−2}(0)/√(2π k!)`
    /// (from `He_k φ = (−1)^k φ^{(k)}` and two integrations by parts), `E f² = 1/2 − 1/(2π)`.
    func exactExpansion(degree: Int) -> (coefficients: [Double], secondMoment: Double)? {
        var c = [Double](repeating: 0, count: degree + 1)
        switch self {
        case .linear:
            if degree >= 1 { c[1] = 1 }
            return (c, 1)
        case .hermite(let given):
            for (i, value) in given.enumerated() where i + 1 <= degree { c[i + 1] = value }
            return (c, given.reduce(0) { $0 + $1 * $1 })
        case .relu:
            if degree >= 1 { c[1] = 0.5 }
            var heAtZero = 1.0  // He_j(0) for even j: (−1)^{j/2} (j−1)!!
            var logFactorial = 0.0  // log k!
            for k in 1...max(degree, 1) {
                logFactorial += log(Double(k))
                guard k >= 2, k <= degree else { continue }
                let j = k - 2
                if j % 2 == 0 {
                    if j > 0 { heAtZero *= -Double(j - 1) }
                    c[k] = heAtZero / (2 * Double.pi).squareRoot() / exp(0.5 * logFactorial)
                }
            }
            return (c, 0.5 - 1 / (2 * Double.pi))
        case .tanh, .erf, .custom:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .linear: return "linear"
        case .relu: return "relu"
        case .tanh: return "tanh"
        case .erf: return "erf"
        case .hermite(let c): return "hermite:" + c.map { "\($0)" }.joined(separator: ",")
        case .custom(let name, _): return name
        }
    }

    /// Parses a command-line name: `linear`, `relu`, `tanh`, `erf`, or `hermite:c1,c2,…`.
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        switch lower {
        case "linear": self = .linear
        case "relu": self = .relu
        case "tanh": self = .tanh
        case "erf": self = .erf
        default:
            if lower.hasPrefix("hermite:") {
                let list = String(text.dropFirst("hermite:".count))
                self = .hermite(try parseCoefficientList(list, what: "Hermite coefficients"))
            } else {
                throw DMFTError.invalidInput(
                    "unknown function '\(text)'; use linear, relu, tanh, erf or hermite:c1,c2,... "
                        + "(normalised Hermite coefficients from degree 1)")
            }
        }
    }
}

/// Parses `"0.9,0,0.1667"` into numbers, refusing empty entries and non-finite values.
public func parseCoefficientList(_ text: String, what: String) throws -> [Double] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    var values: [Double] = []
    for part in parts {
        let trimmed = part.trimmingCharacters(in: .whitespaces)
        guard let x = Double(trimmed), x.isFinite else {
            throw DMFTError.invalidInput("\(what): '\(trimmed)' is not a finite number (in '\(text)')")
        }
        values.append(x)
    }
    guard !values.isEmpty else { throw DMFTError.invalidInput("\(what): empty list") }
    return values
}
