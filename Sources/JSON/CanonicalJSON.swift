// Canonical JSON: sorted keys, shortest round-trip numbers, no spaces. The one way the
// project writes JSON (config_json and its hash, val_details, query output), so equal values
// give equal text in any process.
//
// The encoder writes UTF-8 bytes into one buffer and compares keys on their contiguous UTF-8
// storage: a sweep's plan encodes every run, and generic collection code (unspecialised in a
// debug build) cost most of a dry-run's time. The bytes are exactly those of the rules below.

/// The canonical JSON text of a value: object keys sorted by their UTF-8 bytes, no
/// whitespace, integral numbers below 10^16 written as integers (`50`, not `50.0`), other
/// numbers in Swift's shortest round-trip form (`0.001`, `1e-05`), strings with only `"`,
/// `\` and control characters escaped.
public func canonicalJSON(_ value: JSONValue) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(256)
    appendCanonicalJSON(value, to: &output)
    return String(decoding: output, as: UTF8.self)
}

/// Appends the UTF-8 bytes of ``canonicalJSON(_:)`` of `value` to `output`.
public func appendCanonicalJSON(_ value: JSONValue, to output: inout [UInt8]) {
    switch value {
    case .null: output.append(contentsOf: "null".utf8)
    case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
    case .number(let number): appendCanonicalNumber(number, to: &output)
    case .string(let text): appendCanonicalString(text, to: &output)
    case .array(let elements):
        output.append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            appendCanonicalJSON(element, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    case .object(let members):
        output.append(UInt8(ascii: "{"))
        var keys: [String] = [], values: [JSONValue] = [], prefixes: [UInt64] = []
        keys.reserveCapacity(members.count)
        values.reserveCapacity(members.count)
        prefixes.reserveCapacity(members.count)
        for (key, member) in members {
            keys.append(key)
            values.append(member)
            prefixes.append(utf8Prefix(key))
        }
        // Insertion sort of positions (objects are small): by the keys' first 8 bytes, then
        // by all their bytes when those are equal.
        var order = [Int](repeating: 0, count: keys.count)
        var position = 0
        while position < keys.count {
            var slot = position
            while slot > 0 {
                let other = order[slot - 1]
                let before = prefixes[position] != prefixes[other] ? prefixes[position] < prefixes[other]
                    : utf8Precedes(keys[position], keys[other])
                if !before { break }
                order[slot] = other
                slot -= 1
            }
            order[slot] = position
            position += 1
        }
        var first = true
        for index in order {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            appendCanonicalString(keys[index], to: &output)
            output.append(UInt8(ascii: ":"))
            appendCanonicalJSON(values[index], to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }
}

/// Whether `a`'s UTF-8 bytes come before `b`'s (bytewise, a prefix first): the key order.
func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            let common = min(x.count, y.count)
            if common > 0, let p = x.baseAddress, let q = y.baseAddress {
                var index = 0
                while index < common {
                    if p[index] != q[index] { return p[index] < q[index] }
                    index += 1
                }
            }
            return x.count < y.count
        }
    }
}

/// The first 8 UTF-8 bytes of `key`, big-endian, zero-filled: a shorter key's padding sorts
/// before any byte, so unequal prefixes order keys as their bytes do.
private func utf8Prefix(_ key: String) -> UInt64 {
    var key = key
    return key.withUTF8 { bytes in
        var prefix: UInt64 = 0, index = 0
        let count = bytes.count
        guard let p = bytes.baseAddress else { return 0 }
        while index < 8 {
            prefix = prefix << 8 | (index < count ? UInt64(p[index]) : 0)
            index += 1
        }
        return prefix
    }
}

/// A finite number in its shortest form that reads back to the same Double.
public func canonicalNumber(_ number: Double) -> String {
    var output: [UInt8] = []
    appendCanonicalNumber(number, to: &output)
    return String(decoding: output, as: UTF8.self)
}

private func appendCanonicalNumber(_ number: Double, to output: inout [UInt8]) {
    precondition(number.isFinite, "JSON has no representation for \(number)")
    guard number == number.rounded(), abs(number) < 1e16 else {
        output.append(contentsOf: number.description.utf8)
        return
    }
    // The decimal digits of the integer (|n| < 10^16), as `String(Int64(number))` writes them.
    var magnitude = Int64(number)
    if magnitude < 0 {
        output.append(UInt8(ascii: "-"))
        magnitude = -magnitude
    }
    var divisor: Int64 = 1
    while divisor <= magnitude / 10 { divisor *= 10 }
    repeat {
        output.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
        magnitude %= divisor
        divisor /= 10
    } while divisor > 0
}

private func appendCanonicalString(_ text: String, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { bytes in
        guard let p = bytes.baseAddress else { return }
        let count = bytes.count
        var start = 0, index = 0
        while index < count {
            let byte = p[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                output.append(contentsOf: UnsafeBufferPointer(start: p + start, count: index - start))
                appendEscape(byte, to: &output)
                start = index + 1
            }
            index += 1
        }
        output.append(contentsOf: UnsafeBufferPointer(start: p + start, count: count - start))
    }
    output.append(UInt8(ascii: "\""))
}

/// The escape of `"`, `\` or a control character (below U+0020): `\"`, `\\`, `\n`, `\r`, `\t`,
/// `\b`, `\f`, else `\u` and four lowercase hex digits.
private func appendEscape(_ byte: UInt8, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\\"))
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
    case 0x0A: output.append(UInt8(ascii: "n"))
    case 0x0D: output.append(UInt8(ascii: "r"))
    case 0x09: output.append(UInt8(ascii: "t"))
    case 0x08: output.append(UInt8(ascii: "b"))
    case 0x0C: output.append(UInt8(ascii: "f"))
    default:
        let hex = Array("0123456789abcdef".utf8)
        output.append(contentsOf: "u00".utf8)
        output.append(hex[Int(byte >> 4)])
        output.append(hex[Int(byte & 0x0F)])
    }
}
