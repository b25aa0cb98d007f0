// The .npz reader against archives np.savez and np.savez_compressed wrote, and
// against archives the writer makes.
import Foundation
import XCTest
@testable import NumPyFiles
import ZIPFoundation

final class NPZReaderTests: XCTestCase {
    let fixtures = NPYReaderTests.fixtures

    func checkSavezArrays(_ arrays: [String: NumPyArray]) {
        XCTAssertEqual(Set(arrays.keys), ["x_train", "y_train", "len_train"])
        XCTAssertEqual(arrays["x_train"]?.shape, [2, 3, 4])
        XCTAssertEqual(arrays["x_train"]?.floats(), (0..<24).map { Float($0) / 10 })
        XCTAssertEqual(arrays["y_train"]?.dtype, .int64)
        XCTAssertEqual(arrays["y_train"]?.integers(), [0, 1, 2, 2, 1, -1])
        XCTAssertEqual(arrays["len_train"]?.dtype, .int32)
        XCTAssertEqual(arrays["len_train"]?.integers(), [3, 2])
    }

    func testAFIFOOrDeviceIsRefusedWithoutBlocking() throws {
        // Opening a FIFO waits for a writer for ever (a sweep, even --dry-run, hung on one).
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("npz-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("data.npz").path, 0o644), 0)
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("x_train.npy").path, 0o644), 0)
        func message(_ body: () throws -> Any) -> String { do { _ = try body(); return "no error" } catch { return "\(error)" } }
        XCTAssertEqual(message { try NumPyFiles.readArrays(at: folder.appendingPathComponent("data.npz"), shownAs: "data.npz") },
                       "data.npz: not a regular file (a device, FIFO or socket)")
        XCTAssertEqual(message { try NumPyFiles.readArrays(at: folder, shownAs: "data") },
                       "data/x_train.npy: not a regular file (a device, FIFO or socket)")
        XCTAssertEqual(message { try NPYReader.read(URL(fileURLWithPath: "/dev/zero"), file: "zero.npy") },
                       "zero.npy: not a regular file (a device, FIFO or socket)")
    }

    func testArraysAboveTheMemoryBoundAreRefusedBeforeTheyAreRead() throws {
        let archive = fixtures.appendingPathComponent("savez.npz")
        checkSavezArrays(try NumPyFiles.readArrays(at: archive, shownAs: "savez.npz", maxBytes: 100_000))
        XCTAssertThrowsError(try NumPyFiles.readArrays(at: archive, shownAs: "savez.npz", maxBytes: 100)) { error in
            XCTAssertTrue("\(error)".hasPrefix("savez.npz: its arrays take "), "\(error)")
            XCTAssertTrue("\(error)".contains("at most 100 bytes (an eighth of this machine's memory) are read"), "\(error)")
        }
        XCTAssertGreaterThan(NumPyFiles.maxBytes, 1 << 20)
    }

    func testSavezStored() throws {
        checkSavezArrays(try NPZReader.read(fixtures.appendingPathComponent("savez.npz")))
    }

    func testSavezCompressed() throws {
        checkSavezArrays(try NPZReader.read(fixtures.appendingPathComponent("savez_compressed.npz")))
    }

    func testWrittenArchivesReadBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let arrays = ["a": NumPyArray.float32((0..<1000).map { Float($0).squareRoot() }, shape: [10, 100]),
                      "b": NumPyArray.integers([3, 1, 4, 1, 5], shape: [5])]
        for compressed in [false, true] {
            let url = directory.appendingPathComponent("w\(compressed).npz")
            try NPYWriter.writeArchive(arrays, to: url, compressed: compressed)
            XCTAssertEqual(try NPZReader.read(url), arrays)
        }
        // A folder of .npy files reads the same as the archive.
        let folder = directory.appendingPathComponent("arrays")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, array) in arrays { try NPYWriter.encode(array).write(to: folder.appendingPathComponent(name + ".npy")) }
        XCTAssertEqual(try NumPyFiles.readArrays(at: folder, shownAs: "arrays"), arrays)
    }

    func testADamagedMemberIsRefusedByItsChecksum() throws {
        // One flipped bit in a stored member's data: the archive still opens and the .npy still
        // parses, but its CRC-32 differs from the one the archive records. Refused, naming the array.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("d.npz")
        try NPYWriter.writeArchive(["x_train": .float32([Float](repeating: 1.5, count: 64), shape: [4, 4, 4])], to: url, compressed: false)
        var bytes = try Data(contentsOf: url)
        let value = Data(withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { Array($0) })
        let at = try XCTUnwrap(bytes.range(of: value)).lowerBound + 1
        bytes[at] ^= 0x01
        try bytes.write(to: url)
        XCTAssertThrowsError(try NPZReader.read(url, file: "d.npz")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("d.npz: array \"x_train\": its zip member is damaged: its bytes have CRC-32 "), text)
            XCTAssertTrue(text.contains("where the archive records"), text)
        }
    }

    func testBadArchivesAreRefusedInOneLine() {
        XCTAssertThrowsError(try NPZReader.read(fixtures.appendingPathComponent("not_zip.npz"), file: "not_zip.npz")) { error in
            XCTAssertEqual("\(error)", "not_zip.npz: not a .npz file (not a readable zip archive)")
        }
        XCTAssertThrowsError(try NumPyFiles.readArrays(at: fixtures.appendingPathComponent("missing.npz"), shownAs: "missing.npz")) { error in
            XCTAssertEqual("\(error)", "missing.npz: no such file or folder")
        }
        // A bad member names the archive and the array.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npz-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.npz")
        do {
            let archive = try Archive(url: url, accessMode: .create)
            let bigEndian = try Data(contentsOf: fixtures.appendingPathComponent("big_endian.npy"))
            try archive.addEntry(with: "x_train.npy", type: .file, uncompressedSize: Int64(bigEndian.count)) { p, n in
                bigEndian.subdata(in: Int(p) ..< Int(p) + n)
            }
        } catch { XCTFail("\(error)") }
        XCTAssertThrowsError(try NPZReader.read(url, file: "bad.npz")) { error in
            XCTAssertTrue("\(error)".hasPrefix("bad.npz: array \"x_train\": big-endian dtype '>f4'"), "\(error)")
        }
    }
}
