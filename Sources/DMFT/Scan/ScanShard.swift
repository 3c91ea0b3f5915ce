import Foundation

/// Part I of N of a scan: the points whose index k (from 0, in scan order) has k mod N = I − 1.
/// The shards 1/N … N/N together run every point once.
public struct ScanShard: Equatable, Sendable, CustomStringConvertible {
    /// I, from 1.
    public let index: Int
    /// N.
    public let count: Int

    /// The whole scan.
    public static let all = ScanShard(checked: 1, 1)

    private init(checked index: Int, _ count: Int) { (self.index, self.count) = (index, count) }

    /// Shard `index` of `count`; refuses unless 1 ≤ index ≤ count.
    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw DMFTError.invalidInput("a shard is I/N with 1 ≤ I ≤ N, got \(index)/\(count)")
        }
        self.init(checked: index, count)
    }

    /// `I/N`, as `--shard` takes it.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw DMFTError.invalidInput("--shard takes I/N (e.g. 2/8), got '\(text)'")
        }
        try self.init(index: i, count: n)
    }

    /// The shard of a SLURM array task: I = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1 and
    /// N = SLURM_ARRAY_TASK_COUNT (so an array 0..N−1 and an array 1..N both work); nil
    /// outside an array task.
    public static func slurm(_ environment: [String: String]) throws -> ScanShard? {
        guard let idText = environment["SLURM_ARRAY_TASK_ID"] else { return nil }
        guard let id = Int(idText), let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap({ Int($0) }),
            let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) })
        else {
            throw DMFTError.invalidInput(
                "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT are not both integers")
        }
        do {
            return try ScanShard(index: id - minimum + 1, count: count)
        } catch {
            throw DMFTError.invalidInput(
                "SLURM array task \(id) (min \(minimum), count \(count)) is not a shard: the array must be contiguous")
        }
    }

    /// Whether the point with this index belongs to the shard.
    public func contains(_ pointIndex: Int) -> Bool { pointIndex % count == index - 1 }

    public var description: String { "\(index)/\(count)" }
}
