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
        hex(digest(message))
    }

    /// The digest of a string's UTF-8 bytes, as hex (read in place: config hashes take this path).
    public static func hexDigest(_ text: String) -> String {
        var text = text
        var digest = [UInt8](repeating: 0, count: 32)
        text.withUTF8 { input in
            digest.withUnsafeMutableBufferPointer { rk_sha256(input.baseAddress, input.count, $0.baseAddress!) }
        }
        return hex(digest)
    }

    /// 32 bytes as 64 lowercase hexadecimal characters.
    private static func hex(_ digest: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 64) { text in
            digits.withUTF8Buffer { digits in
                var index = 0
                while index < 32 {
                    text[2 * index] = digits[Int(digest[index] >> 4)]
                    text[2 * index + 1] = digits[Int(digest[index] & 0x0F)]
                    index += 1
                }
            }
            return 64
        }
    }
}
