import Foundation

/// The part of the covariance that describes the single-index target `y = φ(<u,x>) + ε`.
public struct TargetCovariance: Sendable, Equatable {
    /// `φ̂(v) = E[φ(G₁)σ(G₂)]` at correlation `v`, as a power series (`φ̂(0) = 0`).
    public let phiHat: PowerSeries
    /// `‖φ‖² = E φ(G)²`.
    public let phiNorm2: Double
}

/// How far a covariance computed from functions by quadrature is from the exact one.
public struct TruncationReport: Sendable, Equatable {
    /// Hermite degree kept.
    public let degree: Int
    /// Quadrature points used.
    public let quadraturePoints: Int
    /// `E σ² − h(1)`: the part of σ's variance beyond the kept degree (≥ 0 up to quadrature error).
    public let hTail: Double
    /// `E φ² − Σ_{k≤K} b_k²` (0 for pure noise).
    public let phiTail: Double
    /// Cauchy–Schwarz bound `√(hTail · phiTail)` on `sup_{|v|≤1} |φ̂ − φ̂_K|`.
    public let phiHatTailBound: Double
    /// Estimated quadrature error of the coefficients (rules of n and n/2 points compared;
    /// 0 where they are known in closed form).
    public let quadratureError: Double
}

/// The covariance functions through which σ and φ enter the DMFT
/// (arXiv:2502.21269): `h(q) = E[σ(G₁)σ(G₂)]` and, for a single-index target,
/// `φ̂(v)` and `‖φ‖²`. Construction validates that they are admissible.
public struct CovarianceModel: Sendable, Equatable {
    /// `h(q) = Σ_k c_k² q^k`.
    public let h: PowerSeries
    /// The target's covariances; `nil` means pure noise (`y = ε`).
    public let target: TargetCovariance?
    /// Present when the model was computed from functions by quadrature.
    public let truncation: TruncationReport?

    /// From power-series coefficients, as the paper gives them.
    /// - Parameters:
    ///   - h: coefficients of `q^1, q^2, …` (h(0) = 0 for a centred σ).
    ///   - phiHat: coefficients of `v^1, v^2, …` of φ̂; `nil` for pure noise.
    ///   - phiNorm2: `‖φ‖²`; defaults to the smallest admissible value `Σ_k φ̂_k²/h_k`
    ///     (φ lies in the span of σ's Hermite components; `‖φ‖² = h(1)` when `φ̂ = h`).
    public init(h: [Double], phiHat: [Double]? = nil, phiNorm2: Double? = nil) throws {
        try self.init(
            h: PowerSeries(fromLinearTerm: h),
            phiHat: phiHat.map { PowerSeries(fromLinearTerm: $0) }, phiNorm2: phiNorm2, truncation: nil)
    }

    init(h: PowerSeries, phiHat: PowerSeries?, phiNorm2: Double?, truncation: TruncationReport?) throws {
        let hc = h.coefficients
        guard hc.allSatisfy({ $0.isFinite }) else {
            throw DMFTError.invalidInput("h has a non-finite coefficient: \(hc)")
        }
        if let k = hc.firstIndex(where: { $0 < 0 }) {
            throw DMFTError.invalidInput(
                "h has a negative coefficient \(hc[k]) of q^\(k); h(q) = Σ c_k² q^k must have non-negative "
                    + "coefficients to be a covariance")
        }
        guard abs(hc[0]) <= 1e-12 else {
            throw DMFTError.invalidInput("h(0) = \(hc[0]) ≠ 0: the activation must be centred (E σ(G) = 0)")
        }
        guard h(1) > 0 else { throw DMFTError.invalidInput("h(1) = E σ² must be positive, got \(h(1))") }
        self.h = h
        self.truncation = truncation
        guard let phiHat else {
            if let phiNorm2, phiNorm2 != 0 {
                throw DMFTError.invalidInput(
                    "‖φ‖² = \(phiNorm2) given without φ̂: for pure noise give neither; for a single-index "
                        + "target give φ̂ (--phihat) too")
            }
            self.target = nil
            return
        }
        let pc = phiHat.coefficients
        guard pc.allSatisfy({ $0.isFinite }) else {
            throw DMFTError.invalidInput("φ̂ has a non-finite coefficient: \(pc)")
        }
        guard abs(pc[0]) <= 1e-12 else {
            throw DMFTError.invalidInput("φ̂(0) = \(pc[0]) ≠ 0: the target must be centred (E φ(G) = 0)")
        }
        // φ̂_k = c_k b_k, so Cauchy–Schwarz gives ‖φ‖² ≥ Σ_k φ̂_k² / h_k.
        var minimalNorm = 0.0
        for k in 1..<pc.count where pc[k] != 0 {
            let hk = k < hc.count ? hc[k] : 0
            guard hk > 0 else {
                throw DMFTError.invalidInput(
                    "φ̂ has a v^\(k) term but h has no q^\(k) term: φ̂_k = c_k b_k needs c_k² = h_k > 0")
            }
            minimalNorm += pc[k] * pc[k] / hk
        }
        let norm2 = phiNorm2 ?? minimalNorm
        guard norm2.isFinite else { throw DMFTError.invalidInput("‖φ‖² must be finite") }
        guard norm2 >= minimalNorm * (1 - 1e-9) - 1e-12 else {
            throw DMFTError.invalidInput(
                "‖φ‖² = \(norm2) is below Σ φ̂_k²/h_k = \(minimalNorm), which no target φ can have "
                    + "(Cauchy–Schwarz on the Hermite coefficients)")
        }
        self.target = TargetCovariance(phiHat: phiHat, phiNorm2: norm2)
    }

    /// From functions σ and (optionally) φ, reduced to Hermite coefficients of degree ≤ `degree`
    /// by Gauss–Hermite quadrature with `quadraturePoints` nodes. The truncation is reported
    /// in `truncation`. `‖φ‖²` is the full `E φ²`: what lies beyond the kept degree acts as noise.
    public init(
        activation: Activation, target: Activation? = nil, degree: Int = 12, quadraturePoints: Int = 200
    ) throws {
        guard degree >= 1 && degree <= 60 else {
            throw DMFTError.invalidInput("Hermite degree must be in 1…60, got \(degree)")
        }
        guard quadraturePoints > degree && quadraturePoints <= 400 else {
            throw DMFTError.invalidInput("quadrature points must exceed the degree and be ≤ 400")
        }
        let s = HermiteExpansion.expand(activation, degree: degree, points: quadraturePoints)
        guard s.secondMoment.isFinite, s.coefficients.allSatisfy({ $0.isFinite }) else {
            throw DMFTError.invalidInput("activation \(activation) is not finite on the quadrature nodes")
        }
        let scale = max(s.secondMoment.squareRoot(), 1e-300)
        guard abs(s.coefficients[0]) <= max(1e-8 * scale, 10 * s.quadratureError) else {
            throw DMFTError.invalidInput(
                "activation \(activation) is not centred: E σ(G) = \(s.coefficients[0]); subtract it")
        }
        // Coefficients at quadrature round-off level are zeros (e.g. the even ones of an odd σ).
        let c = s.coefficients.map { abs($0) <= 1e-12 * scale ? 0 : $0 }
        let hCoeffs = [0] + c.dropFirst().map { $0 * $0 }
        let hTail = s.secondMoment - hCoeffs.reduce(0, +)
        var quadratureError = s.quadratureError
        var phiHat: PowerSeries? = nil
        var phiNorm2: Double? = nil
        var phiTail = 0.0
        if let target {
            let t = HermiteExpansion.expand(target, degree: degree, points: quadraturePoints)
            guard t.secondMoment.isFinite, t.coefficients.allSatisfy({ $0.isFinite }) else {
                throw DMFTError.invalidInput("target \(target) is not finite on the quadrature nodes")
            }
            guard abs(t.coefficients[0]) <= max(1e-8 * t.secondMoment.squareRoot(), 10 * t.quadratureError) else {
                throw DMFTError.invalidInput(
                    "target \(target) is not centred: E φ(G) = \(t.coefficients[0]); subtract it")
            }
            quadratureError = max(quadratureError, t.quadratureError)
            // Coefficients of σ that vanish make the matching φ̂ terms vanish too.
            let tScale = max(t.secondMoment.squareRoot(), 1e-300)
            let b = t.coefficients.map { abs($0) <= 1e-12 * tScale ? 0 : $0 }
            let ph = (0...degree).map { k in k == 0 ? 0 : c[k] * b[k] }
            phiHat = PowerSeries(coefficients: ph)
            phiNorm2 = t.secondMoment
            phiTail = t.secondMoment - t.coefficients.dropFirst().reduce(0) { $0 + $1 * $1 }
        }
        let report = TruncationReport(
            degree: degree, quadraturePoints: quadraturePoints, hTail: hTail, phiTail: phiTail,
            phiHatTailBound: (max(hTail, 0) * max(phiTail, 0)).squareRoot(), quadratureError: quadratureError)
        try self.init(
            h: PowerSeries(coefficients: hCoeffs), phiHat: phiHat, phiNorm2: phiNorm2, truncation: report)
    }

    /// `φ̂(v)` (0 for pure noise).
    @inline(__always) public func phiHat(_ v: Double) -> Double { target?.phiHat(v) ?? 0 }
    /// `φ̂'(v)` (0 for pure noise).
    @inline(__always) public func phiHatDerivative(_ v: Double) -> Double { target?.phiHat.derivative(v) ?? 0 }
    /// `‖φ‖²` (0 for pure noise).
    public var phiNorm2: Double { target?.phiNorm2 ?? 0 }
    /// Whether the data are pure noise.
    public var isPureNoise: Bool { target == nil }
}
