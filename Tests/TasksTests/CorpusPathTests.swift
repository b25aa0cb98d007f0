// Corpus paths that are not text: devices, FIFOs and the root folder each get their own
// message (not a permission problem), and a spec naming one is refused with it.
import Foundation
import XCTest
@testable import Tasks

final class CorpusPathTests: XCTestCase {
    private func corpusError(_ path: String) -> String? {
        do { _ = try TextCorpus(path: URL(fileURLWithPath: path)); return nil } catch { return "\(error)" }
    }

    func testDevicesAreRefusedAsDevices() {
        XCTAssertEqual(corpusError("/dev/zero"), "\"/dev/zero\" is a character device, not a text file; expected a UTF-8 text file or a folder of them")
        XCTAssertEqual(corpusError("/dev/null"), "\"/dev/null\" is a character device, not a text file; expected a UTF-8 text file or a folder of them")
    }

    func testFIFOIsRefusedWithoutBlocking() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("pipe").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertEqual(corpusError(fifo), "\"\(fifo)\" is a FIFO (named pipe), not a text file; expected a UTF-8 text file or a folder of them")
        // Inside a folder, a FIFO is skipped (reading it would wait for a writer for ever).
        try "hello world".write(toFile: folder.appendingPathComponent("a.txt").path, atomically: true, encoding: .utf8)
        let corpus = try TextCorpus(path: folder)
        XCTAssertEqual(corpus.files, ["a.txt"])
    }

    func testAFileThatCannotBeReadSaysTheSystemsReason() throws {
        // /proc/self/attr/current opens but its read fails (EINVAL): the message gives errno's
        // text, not Foundation's "(NSCocoaErrorDomain error 256.)".
        let file = "/proc/self/attr/current"
        guard FileManager.default.fileExists(atPath: file), TextCorpus.posixReason(file) != nil else {
            throw XCTSkip("\(file) is readable or absent on this system")
        }
        let error = try XCTUnwrap(corpusError(file))
        XCTAssertTrue(error.contains("cannot be read (\(TextCorpus.posixReason(file)!))"), error)
        XCTAssertFalse(error.contains("NSCocoaErrorDomain"), error)
    }

    func testRootFolderIsRefused() {
        XCTAssertEqual(corpusError("/"), "\"/\" is the root of the file system, not a folder of text; expected a UTF-8 text file or a folder of them")
    }

    func testSpecNamingADeviceIsOneProblemLine() {
        let problems = TaskFactory.validate(name: "charlm", parameters: ["path": .string("/dev/zero")],
                                            specDirectory: URL(fileURLWithPath: "/tmp"))
        XCTAssertEqual(problems.map(\.description),
                       ["task.path: cannot read \"/dev/zero\": \"/dev/zero\" is a character device, not a text file; expected a UTF-8 text file or a folder of them"])
    }
}
