// Writing arrays in the layout NumPy itself writes (format 1.0, header padded so
// the data starts on a 64-byte boundary; .npz as a zip of .npy members), so that
// tests and tools can make files that np.load reads back.
import Foundation
import ZIPFoundation

public enum NPYWriter {
    /// The .npy bytes of `array`, format version 1.0.
    public static func encode(_ array: NumPyArray) -> Data {
        var header = "{'descr': '\(array.dtype.rawValue)', 'fortran_order': False, 'shape': \(array.shapeDescription), }"
        let unpadded = NPYReader.magic.count + 4 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(NPYReader.magic + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(array.bytes)
        return data
    }

    /// Writes `arrays` as a .npz archive (members "NAME.npy"), stored or deflated.
    public static func writeArchive(_ arrays: [String: NumPyArray], to url: URL, compressed: Bool) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for name in arrays.keys.sorted() {
            let data = encode(arrays[name]!)
            try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: compressed ? .deflate : .none) { position, size in
                data.subdata(in: Int(position) ..< Int(position) + size)
            }
        }
    }
}

extension NumPyArray {
    /// A float32 array of `values` in C order.
    public static func float32(_ values: [Float], shape: [Int]) -> NumPyArray {
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return NumPyArray(dtype: .float32, shape: shape, bytes: data)
    }

    /// A float64 array of `values` in C order.
    public static func float64(_ values: [Double], shape: [Int]) -> NumPyArray {
        var data = Data(capacity: values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return NumPyArray(dtype: .float64, shape: shape, bytes: data)
    }

    /// An integer array (int32 or int64, or uint8 / bool for values that fit) of `values`.
    public static func integers(_ values: [Int64], shape: [Int], dtype: NumPyDType = .int64) -> NumPyArray {
        var data = Data(capacity: values.count * dtype.byteCount)
        for v in values {
            switch dtype {
            case .int64: withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
            case .int32: withUnsafeBytes(of: Int32(v).littleEndian) { data.append(contentsOf: $0) }
            case .uint8: data.append(UInt8(v))
            case .bool: data.append(v != 0 ? 1 : 0)
            case .float32, .float64: preconditionFailure("integers(_:) takes an integer dtype")
            }
        }
        return NumPyArray(dtype: dtype, shape: shape, bytes: data)
    }
}
