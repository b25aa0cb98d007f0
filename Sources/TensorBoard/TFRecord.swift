// TFRecord framing, the container of TensorBoard's event files: each record is
//   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes |
//   `length` bytes of data | uint32 masked CRC-32C of the data.
import Foundation

public enum TFRecord {
    /// Bytes of framing around each record's data: 8 (length) + 4 + 4 (checksums).
    public static let overhead = 16

    /// One framed record.
    public static func frame(_ data: Data) -> Data {
        var out = Data(capacity: data.count + overhead)
        let length = littleEndianBytes(UInt64(data.count))
        out.append(contentsOf: length)
        out.append(contentsOf: littleEndianBytes(CRC32C.masked(length)))
        out.append(data)
        out.append(contentsOf: littleEndianBytes(CRC32C.masked(data)))
        return out
    }

    public struct CorruptRecord: Error, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "corrupt TFRecord at byte \(offset): \(reason)" }
    }

    /// The records of a file's bytes, in order. A record cut short at the end (a writer
    /// stopped in mid-write) ends the list without an error; a checksum that does not
    /// match throws.
    public static func records(in bytes: Data) throws -> [Data] {
        let bytes = [UInt8](bytes)
        var records: [Data] = []
        var offset = 0
        while offset + 12 <= bytes.count {
            let header = bytes[offset..<offset + 8]
            guard readUInt32(bytes, at: offset + 8) == CRC32C.masked(header) else {
                throw CorruptRecord(offset: offset, reason: "the length's checksum does not match")
            }
            let length = header.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let start = offset + 12
            guard length <= UInt64(bytes.count - start), bytes.count - start - Int(length) >= 4 else { break }
            let end = start + Int(length)
            guard readUInt32(bytes, at: end) == CRC32C.masked(bytes[start..<end]) else {
                throw CorruptRecord(offset: offset, reason: "the data's checksum does not match")
            }
            records.append(Data(bytes[start..<end]))
            offset = end + 4
        }
        return records
    }

    static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << ($1 * 8) }
    }
}
