import Foundation

/// A square array of doubles indexed by two grid times, stored contiguously row-major
/// with row = later time, column = earlier time (`a[k, s]` at `k·n + s`, `n` the
/// capacity). Memory is zero-filled on allocation; `grow(to:)` keeps the contents.
final class TwoTimeArray: @unchecked Sendable {
    private(set) var n: Int
    private(set) var base: UnsafeMutablePointer<Double>

    init(size n: Int) throws {
        self.n = n
        base = try Self.allocate(n)
    }

    deinit { free(base) }

    private static func allocate(_ n: Int) throws -> UnsafeMutablePointer<Double> {
        guard let raw = calloc(n * n, MemoryLayout<Double>.stride) else {
            throw DMFTError.invalidInput(
                "could not allocate a \(n)×\(n) two-time array (\(Self.bytes(size: n) / 1_000_000) MB)")
        }
        return raw.bindMemory(to: Double.self, capacity: n * n)
    }

    /// Enlarges the capacity to `size` (≥ the current one), copying every stored entry.
    func grow(to size: Int) throws {
        guard size > n else { return }
        let fresh = try Self.allocate(size)
        for k in 0..<n { (fresh + k * size).update(from: base + k * n, count: n) }
        free(base)
        base = fresh
        n = size
    }

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
