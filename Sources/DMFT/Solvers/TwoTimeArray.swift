import Foundation

/// A square array of doubles indexed by two times on a uniform grid, stored contiguously
/// row-major with row = later time, column = earlier time (`a[k, s]` at `k·n + s`).
/// Memory is zero-filled on allocation.
final class TwoTimeArray: @unchecked Sendable {
    let n: Int
    let base: UnsafeMutablePointer<Double>

    init(size n: Int) throws {
        self.n = n
        guard let raw = calloc(n * n, MemoryLayout<Double>.stride) else {
            throw DMFTError.invalidInput(
                "could not allocate a \(n)×\(n) two-time array (\(Self.bytes(size: n) / 1_000_000) MB)")
        }
        base = raw.bindMemory(to: Double.self, capacity: n * n)
    }

    deinit { free(base) }

    @inline(__always) subscript(k: Int, s: Int) -> Double {
        get { base[k * n + s] }
        set { base[k * n + s] = newValue }
    }

    /// Pointer to the start of row `k`.
    @inline(__always) func row(_ k: Int) -> UnsafeMutablePointer<Double> { base + k * n }

    /// Rows `0…rows−1`, each from column 0 to the diagonal, as nested arrays (for inspection and tests).
    func lowerRows(_ rows: Int) -> [[Double]] {
        (0..<rows).map { k in Array(UnsafeBufferPointer(start: row(k), count: k + 1)) }
    }

    static func bytes(size n: Int) -> Int { n * n * MemoryLayout<Double>.stride }
}
