// The .npy reader against files NumPy wrote (Fixtures/make_fixtures.py): every
// dtype, the three header versions, and every file it must refuse.
import Foundation
import XCTest
@testable import NumPyFiles

final class NPYReaderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func read(_ name: String) throws -> NumPyArray {
        try NPYReader.read(Self.fixtures.appendingPathComponent(name), file: name)
    }

    func refusal(_ name: String) -> String {
        do {
            let array = try read(name)
            XCTFail("\(name) was read as \(array.dtype) \(array.shape)")
            return ""
        } catch let error as NumPyError {
            return error.description
        } catch {
            XCTFail("\(name): unexpected error \(error)")
            return ""
        }
    }

    func testEveryDTypeReadsNumPysValues() throws {
        let f4 = try read("f4.npy")
        XCTAssertEqual(f4.dtype, .float32)
        XCTAssertEqual(f4.shape, [2, 3])
        XCTAssertEqual(f4.floats(), (0..<6).map { Float($0) * 0.5 - 1 })
        let f8 = try read("f8.npy")
        XCTAssertEqual(f8.shape, [4])
        XCTAssertEqual(f8.doubles(), (0..<4).map { Double($0) / 3 })
        XCTAssertNil(f8.integers())
        XCTAssertEqual(try read("i4.npy").integers(), [-2, -1, 0, 1])
        XCTAssertEqual(try read("i4.npy").shape, [2, 2])
        XCTAssertEqual(try read("i8.npy").integers(), [-(1 << 40), 0, 1 << 40])
        XCTAssertEqual(try read("u1.npy").integers(), [250, 251, 252, 253, 254])
        let b1 = try read("b1.npy")
        XCTAssertEqual(b1.dtype, .bool)
        XCTAssertEqual(b1.integers(), [1, 0, 0, 1])
        XCTAssertEqual(b1.floats(), [1, 0, 0, 1])
    }

    func testHeaderVersionsTwoAndThree() throws {
        let v2 = try read("v2.npy")
        XCTAssertEqual(v2.shape, [2, 3, 4])
        XCTAssertEqual(v2.floats(), (0..<24).map(Float.init))
        let v3 = try read("v3.npy")
        XCTAssertEqual(v3.shape, [5])
        XCTAssertEqual(v3.integers(), [0, 1, 2, 3, 4])
    }

    func testScalarAndEmptyArrays() throws {
        let scalar = try read("scalar.npy")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.doubles(), [7.25])
        let empty = try read("empty.npy")
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.count, 0)
    }

    func testRefusedFilesNameTheFileAndTheProblem() {
        let bigEndian = refusal("big_endian.npy")
        XCTAssertTrue(bigEndian.hasPrefix("big_endian.npy: big-endian dtype '>f4'"), bigEndian)
        let fortran = refusal("fortran.npy")
        XCTAssertTrue(fortran.hasPrefix("fortran.npy: Fortran-order arrays are not supported"), fortran)
        let object = refusal("object.npy")
        XCTAssertTrue(object.hasPrefix("object.npy: object arrays (dtype '|O')"), object)
        let unicode = refusal("unicode.npy")
        XCTAssertTrue(unicode.hasPrefix("unicode.npy: dtype '<U2' is not supported"), unicode)
        let truncated = refusal("truncated.npy")
        XCTAssertTrue(truncated.hasPrefix("truncated.npy: shape (2, 3) of float32 needs 24 bytes but the file holds 19"), truncated)
        let notNumPy = refusal("not_numpy.npy")
        XCTAssertTrue(notNumPy.hasPrefix("not_numpy.npy: not a .npy array"), notNumPy)
        for line in [bigEndian, fortran, object, unicode, truncated, notNumPy] {
            XCTAssertFalse(line.contains("\n"), "one line: \(line)")
        }
    }

    func testUnknownVersionAndBrokenHeaderAreRefused() {
        var data = Data(NPYReader.magic + [4, 0, 0, 0])
        XCTAssertThrowsError(try NPYReader.parse(data, file: "f", array: "a")) { error in
            XCTAssertEqual("\(error)", "f: array \"a\": .npy format version 4.0 is not supported; expected 1.0, 2.0 or 3.0")
        }
        data = Data(NPYReader.magic + [1, 0, 10, 0]) + Data("{'descr': ".utf8)
        XCTAssertThrowsError(try NPYReader.parse(data, file: "f", array: nil)) { error in
            XCTAssertTrue("\(error)".hasPrefix("f: unreadable .npy header"), "\(error)")
        }
    }

    func testWriterRoundTripsThroughTheReader() throws {
        let arrays = [
            NumPyArray.float32([1.5, -2, .pi], shape: [3, 1]),
            NumPyArray.float64([1e-300, 2], shape: [2]),
            NumPyArray.integers([-5, 7], shape: [2], dtype: .int32),
            NumPyArray.integers([0, 1, 1], shape: [1, 3], dtype: .bool),
        ]
        for array in arrays {
            let data = NPYWriter.encode(array)
            XCTAssertEqual(try NPYReader.parse(data, file: "w", array: nil), array)
            // The data starts on a 64-byte boundary, as NumPy aligns it.
            XCTAssertEqual((data.count - array.bytes.count) % 64, 0)
        }
    }
}
