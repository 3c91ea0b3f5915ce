import Foundation
import Synchronization
import XCTest

@testable import DMFT

/// All-or-nothing outputs: staged files appear together or not at all, an input is never an
/// output, and concurrent commits to one directory are serialised.
final class OutputFilesTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dmft-outputs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func path(_ name: String) -> String { directory + "/" + name }
    private func contents(_ name: String) -> String? {
        FileManager.default.contents(atPath: path(name)).map { String(decoding: $0, as: UTF8.self) }
    }
    private func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    func testCommitMovesEveryFileAndLeavesNoTemporaries() throws {
        try "old".write(toFile: path("run.csv"), atomically: false, encoding: .utf8)
        let files = try OutputFiles([path("run.json"), path("run.csv")])
        try files.stage("{}", as: path("run.json"))
        try files.stage("t\n0\n", as: path("run.csv"))
        XCTAssertEqual(contents("run.csv"), "old", "nothing moves before the commit")
        try files.commit()
        XCTAssertEqual(contents("run.csv"), "t\n0\n")
        XCTAssertEqual(contents("run.json"), "{}")
        XCTAssertEqual(try listing(), ["run.csv", "run.json"])
    }

    func testAFailedOrCancelledRunChangesNothing() throws {
        try "old csv".write(toFile: path("run.csv"), atomically: false, encoding: .utf8)
        try "old json".write(toFile: path("run.json"), atomically: false, encoding: .utf8)
        // One file never produced (the run failed after staging the other).
        var files: OutputFiles? = try OutputFiles([path("run.json"), path("run.csv")])
        try files!.stage("new json", as: path("run.json"))
        XCTAssertThrowsError(try files!.commit())
        // Cancelled after everything was staged.
        files = try OutputFiles([path("run.json"), path("run.csv")])
        try files!.stage("new json", as: path("run.json"))
        try files!.stage("new csv", as: path("run.csv"))
        XCTAssertThrowsError(try files!.commit(isCancelled: { true })) { XCTAssertEqual($0 as? DMFTError, .cancelled) }
        // Abandoned without a commit (an error thrown between staging and committing).
        files = try OutputFiles([path("run.json"), path("run.csv")])
        try files!.stage("new json", as: path("run.json"))
        files = nil
        XCTAssertEqual(contents("run.csv"), "old csv")
        XCTAssertEqual(contents("run.json"), "old json")
        XCTAssertEqual(try listing(), ["run.csv", "run.json"])
    }

    func testARenameFailingHalfwayRestoresTheFilesAlreadyMoved() throws {
        try "old json".write(toFile: path("run.json"), atomically: false, encoding: .utf8)
        let files = try OutputFiles([path("run.json"), path("new.json"), path("run.csv")])
        for name in ["run.json", "new.json", "run.csv"] { try files.stage("new", as: path(name)) }
        // The last destination becomes a non-empty directory, which no rename can replace.
        try FileManager.default.createDirectory(atPath: path("run.csv/inner"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try files.commit()) { XCTAssertTrue("\($0)".contains("run.csv"), "\($0)") }
        XCTAssertEqual(contents("run.json"), "old json")
        XCTAssertEqual(try listing(), ["run.csv", "run.json"])
    }

    func testDirectoriesCreatedForADiscardedRunAreRemoved() throws {
        let nested = path("a/b/run.csv")
        let files = try OutputFiles([nested])
        try files.stage("x", as: nested)
        files.discard()
        XCTAssertEqual(try listing(), [])
    }

    func testAnInputIsNeverAnOutput() throws {
        try "t\n0\n".write(toFile: path("in.csv"), atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: path("alias.csv"), withDestinationPath: path("in.csv"))
        try FileManager.default.linkItem(atPath: path("in.csv"), toPath: path("hard.csv"))
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(directory)
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        for output in ["in.csv", "./in.csv", directory + "/../" + URL(fileURLWithPath: directory).lastPathComponent + "/in.csv",
                       "alias.csv", "hard.csv"] {
            XCTAssertThrowsError(try OutputFiles([output], inputs: ["in.csv"]), output) {
                XCTAssertTrue("\($0)".contains("is the input file"), "\($0)")
            }
        }
        XCTAssertThrowsError(try OutputFiles(["x.svg", "./x.svg"]))
        XCTAssertThrowsError(try RunOutput.paths(for: "run.json"))
        XCTAssertNoThrow(try OutputFiles(["out.svg"], inputs: ["in.csv"]))
    }

    /// A commit waits while another process holds the directory: its renames cannot interleave
    /// with another run's, so the CSV and sidecar always come from one run.
    func testCommitsToOneDirectoryAreSerialised() throws {
        let files = try OutputFiles([path("run.json"), path("run.csv")])
        try files.stage("json", as: path("run.json"))
        try files.stage("csv", as: path("run.csv"))
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        let done = Atomic<Bool>(false)
        let committed = expectation(description: "commit")
        nonisolated(unsafe) let unsafeFiles = files
        Thread.detachNewThread {
            try? unsafeFiles.commit()
            done.store(true, ordering: .sequentiallyConsistent)
            committed.fulfill()
        }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertFalse(done.load(ordering: .sequentiallyConsistent), "the commit did not wait for the lock")
        XCTAssertNil(contents("run.csv"))
        close(fd)
        wait(for: [committed], timeout: 5)
        XCTAssertEqual(contents("run.csv"), "csv")
        XCTAssertEqual(contents("run.json"), "json")
    }
}
