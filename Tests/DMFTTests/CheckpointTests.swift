import Foundation
import Synchronization
import XCTest

@testable import DMFT

/// A checkpoint carries a CRC-32 over header and payload: a flipped byte anywhere, or a
/// state with a non-finite number (even under a valid checksum), is refused by name.
final class CheckpointTests: XCTestCase {
    private let problem = try! TrainingProblem(
        width: 10, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: [0.9, 0, 1.0 / 6], phiHat: [0.9, 0, 1.0 / 6]),
        initialization: .meanField(a0: 1))
    private var path = ""
    private var solver = LongTimeSolver(duration: 3, tolerance: 1e-3)

    override func setUpWithError() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-crc-\(getpid()).ckpt").path
        solver.checkpointPath = path
        let polls = Atomic<Int>(0)
        let control = RunControl(isCancelled: { @Sendable in polls.add(1, ordering: .relaxed).newValue > 12 })
        XCTAssertThrowsError(try solver.solve(problem, control: control)) { XCTAssertEqual($0 as? DMFTError, .cancelled) }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: path) }

    /// The saved bytes and where the payload (the two-time arrays) starts.
    private func saved() throws -> (bytes: [UInt8], payloadStart: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let magic = Checkpoint.magic.count
        let length = (0..<8).reduce(0) { $0 | Int(bytes[magic + $1]) << (8 * $1) }
        return (bytes, magic + 8 + length)
    }

    private func assertRefused(_ bytes: [UInt8], saying phrase: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try solver.solve(problem, resume: true), file: file, line: line) {
            XCTAssertTrue("\($0)".contains(phrase) && "\($0)".contains(path), "\($0)", file: file, line: line)
        }
    }

    func testAFlippedByteInTheHeaderOrThePayloadIsRefused() throws {
        let (bytes, payloadStart) = try saved()
        for offset in [Checkpoint.magic.count + 20, payloadStart + (bytes.count - 4 - payloadStart) / 2, bytes.count - 1] {
            var corrupt = bytes
            corrupt[offset] ^= 0x10
            try assertRefused(corrupt, saying: "is corrupt")
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertNoThrow(try solver.solve(problem, resume: true), "the intact checkpoint resumes")
    }

    func testANonFiniteStateIsRefusedEvenWithAValidChecksum() throws {
        var (bytes, payloadStart) = try saved()
        withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { nan in
            bytes.replaceSubrange((payloadStart + 8)..<(payloadStart + 16), with: nan)
        }
        let crc = CRC32.checksum(bytes[..<(bytes.count - 4)])
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((bytes.count - 4)..., with: $0) }
        try assertRefused(bytes, saying: "non-finite")
    }

    func testCRC32MatchesTheStandardCheckValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        var pieces = CRC32()
        pieces.update(long[..<333])
        pieces.update(long[333...])
        XCTAssertEqual(pieces.value, CRC32.checksum(long))
    }
}
