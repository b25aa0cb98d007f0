// SHA-256 (FIPS 180-4), written out (in CKernels' sha256.c) so that config hashes need no
// crypto package; checked against the standard test vectors in the tests.
import CKernels

/// SHA-256 of bytes, as 32 bytes or as lowercase hex.
public enum SHA256 {
    /// The 32-byte digest of `message` (``rk_sha256``, in C: optimised in debug builds too).
    public static func digest<Bytes: Collection>(_ message: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let bytes = Array(message)
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { rk_sha256(input.baseAddress, input.count, $0.baseAddress!) }
        }
        return digest
    }

    /// The digest of `message` as 64 lowercase hexadecimal characters.
    public static func hexDigest<Bytes: Collection>(_ message: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest(message) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The digest of a string's UTF-8 bytes, as hex.
    public static func hexDigest(_ text: String) -> String { hexDigest(Array(text.utf8)) }
}
