// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord
// framing, and the "masked" form TensorFlow stores so that a CRC of data holding CRCs
// stays well distributed.

/// CRC-32C of a byte sequence: initial value 0xFFFFFFFF, reflected input and output,
/// final XOR 0xFFFFFFFF (RFC 3720, appendix B.4). Table-driven, one byte per step.
public enum CRC32C {
    /// `table[b]`: the CRC register after shifting byte `b` through eight steps of the
    /// reflected polynomial.
    static let table: [UInt32] = (0..<256).map { byte -> UInt32 in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TensorFlow's masked CRC: rotate right by 15 bits, then add 0xA282EAD8 (mod 2³²).
    public static func masked<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        mask(checksum(bytes))
    }

    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
