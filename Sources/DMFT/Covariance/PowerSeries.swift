/// A power series `Σ_k c_k q^k` with finitely many coefficients, evaluated with its
/// first two derivatives. `coefficients[k]` multiplies `q^k`.
public struct PowerSeries: Sendable, Equatable {
    /// Coefficient of `q^k` at index `k` (index 0 is the constant term).
    public let coefficients: [Double]

    public init(coefficients: [Double]) {
        var c = coefficients
        while let last = c.last, last == 0, c.count > 1 { c.removeLast() }
        self.coefficients = c.isEmpty ? [0] : c
    }

    /// The series `Σ_{k≥1} c_k q^k` from the coefficients of `q^1, q^2, …` (no constant term),
    /// the form the command line takes (`--h 0.9,0,0.1667`).
    public init(fromLinearTerm coefficients: [Double]) {
        self.init(coefficients: [0] + coefficients)
    }

    /// Highest power with a non-zero coefficient.
    public var degree: Int { coefficients.count - 1 }

    /// `Σ_k c_k q^k` (Horner).
    @inline(__always)
    public func callAsFunction(_ q: Double) -> Double {
        var r = 0.0
        for c in coefficients.reversed() { r = r * q + c }
        return r
    }

    /// First derivative at `q`.
    @inline(__always)
    public func derivative(_ q: Double) -> Double {
        var r = 0.0
        var k = coefficients.count - 1
        while k >= 1 { r = r * q + Double(k) * coefficients[k]; k -= 1 }
        return r
    }

    /// Second derivative at `q`.
    @inline(__always)
    public func secondDerivative(_ q: Double) -> Double {
        var r = 0.0
        var k = coefficients.count - 1
        while k >= 2 { r = r * q + Double(k * (k - 1)) * coefficients[k]; k -= 1 }
        return r
    }

    /// The series with its linear term removed, `h̃(q) = h(q) − h'(0) q`.
    public var withoutLinearTerm: PowerSeries {
        var c = coefficients
        if c.count > 1 { c[1] = 0 }
        return PowerSeries(coefficients: c)
    }
}
