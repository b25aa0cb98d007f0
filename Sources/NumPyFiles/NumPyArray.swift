// One array read from a .npy file (or a .npz member): its element type, shape
// and little-endian, C-order bytes, with typed accessors that convert.
import Foundation

/// The element types read: the `descr` strings NumPy writes on little-endian machines.
public enum NumPyDType: String, Sendable, CaseIterable {
    case float32 = "<f4", float64 = "<f8", int32 = "<i4", int64 = "<i8", uint8 = "|u1", bool = "|b1"

    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8, .bool: return 1
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// NumPy's name for the type, for messages ("float32", "int64", ...).
    public var numpyName: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .int32: return "int32"
        case .int64: return "int64"
        case .uint8: return "uint8"
        case .bool: return "bool"
        }
    }
}

/// An n-dimensional array in C (row-major) order.
public struct NumPyArray: Sendable, Equatable {
    public let dtype: NumPyDType
    public let shape: [Int]
    /// count × dtype.byteCount bytes, little-endian, C order.
    public let bytes: Data

    public init(dtype: NumPyDType, shape: [Int], bytes: Data) {
        precondition(bytes.count == shape.reduce(1, *) * dtype.byteCount, "byte count does not match the shape")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Number of elements (1 for a 0-d array).
    public var count: Int { shape.reduce(1, *) }

    /// The shape as NumPy prints it: `(3, 4)`, `(5,)`, `()`.
    public var shapeDescription: String { Self.describe(shape: shape) }

    public static func describe(shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Every element as Double (exact for every type but int64 beyond 2^53).
    public func doubles() -> [Double] {
        var out = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .float32: for i in 0..<count { out[i] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
            case .float64: for i in 0..<count { out[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            case .int32: for i in 0..<count { out[i] = Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case .int64: for i in 0..<count { out[i] = Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
            case .uint8: for i in 0..<count { out[i] = Double(raw[i]) }
            case .bool: for i in 0..<count { out[i] = raw[i] != 0 ? 1 : 0 }
            }
        }
        return out
    }

    /// Every element as Float (float64 rounded to nearest).
    public func floats() -> [Float] {
        if dtype == .float32 {
            var out = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            }
            return out
        }
        return doubles().map(Float.init)
    }

    /// Every element as Int64; nil for floating-point arrays.
    public func integers() -> [Int64]? {
        guard !dtype.isFloatingPoint else { return nil }
        var out = [Int64](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .int32: for i in 0..<count { out[i] = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case .int64: for i in 0..<count { out[i] = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
            case .uint8: for i in 0..<count { out[i] = Int64(raw[i]) }
            case .bool: for i in 0..<count { out[i] = raw[i] != 0 ? 1 : 0 }
            case .float32, .float64: break
            }
        }
        return out
    }
}
