import Foundation

/// The fixed nodes `θ_0 = 0 < … < θ_{L−1} = 1` of the time ratio `θ = s/t` on which every
/// two-time function is stored row by row (`docs/long-time.md`, "Second design"), with the
/// quadrature weights of `∫_0^1 dθ` and the interpolation stencils of the three ratio
/// families the memory integrals need.
///
/// Nodes: `θ = ½[1 + tanh(A(2x − 1))/tanh A]` on uniform `x`, dense at both ends (small
/// lags and early times). Weights: the trapezoid rule in `x` with Gregory end corrections,
/// times `dθ/dx`. Every memory integral over `[0, t]` is split at the second time `t'`
/// (where C has its cusp and R starts) and each piece is mapped onto the same nodes:
/// `s = t'θ_k` on `[0, t']` and `s = t' + (t − t')θ_k` on `[t', t]`.
struct RatioGrid: Sendable {
    /// Points of a ratio stencil (Lagrange, degree 5).
    static let stencilPoints = 6

    let count: Int
    let nodes: [Double]
    let weights: [Double]
    /// Row `t` at ratio `θ_j θ_k` (the piece `[0, t']` seen from the current row).
    let early: StencilFamily
    /// Row `t` at ratio `θ_j + (1 − θ_j)θ_k` (the piece `[t', t]` seen from the current row).
    let late: StencilFamily
    /// Row `s = t(θ_j + (1 − θ_j)θ_k)` at ratio `t'/s` (the piece `[t', t]` seen from row s).
    let back: StencilFamily

    /// A Lagrange stencil for every pair `(j, k)`: first node `start[jk]` and weights
    /// `weights[jk·P ..< (jk+1)·P]`, `jk = j·L + k` (immutable once built).
    final class StencilFamily: @unchecked Sendable {
        let start: UnsafeMutablePointer<Int>
        let weights: UnsafeMutablePointer<Double>

        init(start: [Int], weights: [Double]) {
            self.start = .allocate(capacity: start.count)
            self.start.initialize(from: start, count: start.count)
            self.weights = .allocate(capacity: weights.count)
            self.weights.initialize(from: weights, count: weights.count)
        }

        deinit {
            start.deallocate()
            weights.deallocate()
        }

        /// The weights of pair `jk`.
        @inline(__always) func weights(_ jk: Int) -> UnsafePointer<Double> {
            UnsafePointer(weights + jk * RatioGrid.stencilPoints)
        }
    }

    init(count: Int, clustering: Double) throws {
        guard count >= 16 else { throw DMFTError.invalidInput("the ratio grid needs at least 16 nodes, got \(count)") }
        guard clustering.isFinite && clustering > 0.5 && clustering <= 12 else {
            throw DMFTError.invalidInput("ratio-grid clustering must be in (0.5, 12], got \(clustering)")
        }
        self.count = count
        let a = clustering, norm = tanh(a), dx = 1 / Double(count - 1)
        var nodes = [Double](repeating: 0, count: count)
        var weights = nodes
        let gregory = [3.0 / 8, 7.0 / 6, 23.0 / 24]
        for i in 0..<count {
            let y = tanh(a * (2 * Double(i) * dx - 1))
            nodes[i] = 0.5 * (1 + y / norm)
            let end = min(i, count - 1 - i)
            weights[i] = dx * (end < 3 ? gregory[end] : 1) * a * (1 - y * y) / norm
        }
        nodes[0] = 0
        nodes[count - 1] = 1
        self.nodes = nodes
        self.weights = weights
        let theta = nodes
        early = Self.family(nodes) { j, k in theta[j] * theta[k] }
        late = Self.family(nodes) { j, k in theta[j] + (1 - theta[j]) * theta[k] }
        back = Self.family(nodes) { j, k in
            let s = theta[j] + (1 - theta[j]) * theta[k]
            return s > 0 ? theta[j] / s : 1
        }
    }

    private static func family(_ nodes: [Double], ratio: (Int, Int) -> Double) -> StencilFamily {
        let l = nodes.count, p = stencilPoints
        var start = [Int](repeating: 0, count: l * l)
        var weights = [Double](repeating: 0, count: l * l * p)
        for j in 0..<l {
            for k in 0..<l {
                let r = ratio(j, k)
                let first = Self.stencilStart(nodes, at: r)
                start[j * l + k] = first
                for a in 0..<p {
                    var w = 1.0
                    for b in 0..<p where b != a {
                        w *= (r - nodes[first + b]) / (nodes[first + a] - nodes[first + b])
                    }
                    weights[(j * l + k) * p + a] = w
                }
            }
        }
        return StencilFamily(start: start, weights: weights)
    }

    /// First node of the `stencilPoints`-point stencil centred on the interval holding `r`.
    private static func stencilStart(_ nodes: [Double], at r: Double) -> Int {
        let interval = bracket(r, in: nodes, count: nodes.count)
        return min(max(interval - stencilPoints / 2 + 1, 0), nodes.count - stencilPoints)
    }
}

/// The index `i` with `x[i] ≤ v < x[i+1]` (clamped to `0…count−2`), `x` increasing.
@inline(__always)
func bracket(_ v: Double, in x: UnsafePointer<Double>, count: Int) -> Int {
    if v <= x[0] { return 0 }
    if v >= x[count - 1] { return count - 2 }
    var lo = 0, hi = count - 1
    while hi - lo > 1 {
        let mid = (lo + hi) / 2
        if x[mid] <= v { lo = mid } else { hi = mid }
    }
    return lo
}

@inline(__always)
func bracket(_ v: Double, in x: [Double], count: Int) -> Int {
    x.withUnsafeBufferPointer { bracket(v, in: $0.baseAddress!, count: count) }
}

/// Lagrange interpolation in time over up to four stored rows around `time`.
struct TimeStencil {
    static let maxPoints = 4
    var start = 0, points = 1
    var w0 = 1.0, w1 = 0.0, w2 = 0.0, w3 = 0.0

    @inline(__always)
    init(times: UnsafePointer<Double>, rows allRows: Int, at time: Double) {
        // The newest row (a provisional stage, possibly much closer to the row before it
        // than the rows before are to each other) enters only the last interval.
        let rows = allRows > Self.maxPoints && time <= times[allRows - 2] ? allRows - 1 : allRows
        let n = min(Self.maxPoints, rows)
        points = n
        guard n > 1 else { return }
        let interval = bracket(time, in: times, count: rows)
        start = min(max(interval - n / 2 + 1, 0), rows - n)
        var w = (1.0, 1.0, 1.0, 1.0)
        for a in 0..<n {
            var v = 1.0
            let ta = times[start + a]
            for b in 0..<n where b != a {
                let tb = times[start + b]
                v *= (time - tb) / (ta - tb)
            }
            switch a {
            case 0: w.0 = v
            case 1: w.1 = v
            case 2: w.2 = v
            default: w.3 = v
            }
        }
        (w0, w1, w2, w3) = w
    }

    @inline(__always)
    func weight(_ a: Int) -> Double {
        switch a {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        default: return w3
        }
    }
}
