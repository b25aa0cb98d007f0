// CRC-32C against its published test vectors (RFC 3720 appendix B.4, and the check
// value of "123456789" from the CRC catalogue), and the masking TFRecord applies.
import XCTest
@testable import TensorBoard

final class CRC32CTests: XCTestCase {
    func testRFC3720Vectors() {
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }), 0x113F_DB5C)
        // An iSCSI read command PDU (RFC 3720 B.4).
        let pdu: [UInt8] = [
            0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
            0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        XCTAssertEqual(CRC32C.checksum(pdu), 0xD996_3A56)
    }

    func testCatalogueCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    func testMaskRotatesAndAddsTheConstant() {
        // mask(c) = ((c >> 15) | (c << 17)) + 0xA282EAD8 mod 2^32, worked by hand for c = 1
        // (rotated: 1 << 17 = 0x00020000) and for c = 0x8000 (rotated: 1).
        XCTAssertEqual(CRC32C.mask(1), 0xA284_EAD8)
        XCTAssertEqual(CRC32C.mask(0x8000), 0xA282_EAD9)
        XCTAssertEqual(CRC32C.mask(0), 0xA282_EAD8)
        XCTAssertEqual(CRC32C.mask(0xFFFF_FFFF), 0xA282_EAD7)   // all ones + constant wraps
    }
}
