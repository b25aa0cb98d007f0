// The byte-buffer canonical encoder against a plain reference written from the rules (keys
// sorted by UTF-8 bytes, escapes, integers below 10^16, Swift's shortest Doubles): config
// hashes are SHA-256 of these bytes, so the two must agree on every value.
import JSON
import XCTest
import SequenceModels

final class CanonicalJSONReferenceTests: XCTestCase {
    func testEncoderMatchesTheReferenceOnGeneratedValues() {
        var generator = SplitMix(state: 20_261_201)
        for _ in 0..<3000 {
            let value = generator.value(depth: 0)
            XCTAssertEqual(canonicalJSON(value), referenceCanonicalJSON(value))
        }
    }

    func testKeysSortByUTF8BytesNotByStringOrder() {
        // "e" + combining acute (65 CC 81) against "f" (66): Swift's String order compares the
        // composed "é" (U+00E9) and puts "f" first, the byte order puts the decomposed key first.
        // "Z" (5A) comes before "a" (61), a prefix before its extensions, U+FFFD before U+1F600.
        let value: JSONValue = .object(["e\u{301}": .number(2), "f": .number(1), "a": .number(3), "Z": .number(4),
                                        "ab": .number(5), "a\u{0}": .number(6), "\u{1F600}": .number(7), "\u{FFFD}": .number(8)])
        XCTAssertEqual(canonicalJSON(value), referenceCanonicalJSON(value))
        XCTAssertEqual(canonicalJSON(value), "{\"Z\":4,\"a\":3,\"a\\u0000\":6,\"ab\":5,\"e\u{301}\":2,\"f\":1,\"\u{FFFD}\":8,\"\u{1F600}\":7}")
    }

    func testIntegersAndBoundaries() {
        for number in [0, -0.0, 1, -1, 9, 10, 99, 100, 1e15, 9_999_999_999_999_998, -9_999_999_999_999_998, 1e16, -1e16,
                       0.5, -0.5, 123.0, 2_147_483_648, 9.223372036854776e18, 1e300, 5e-324, .greatestFiniteMagnitude] {
            XCTAssertEqual(canonicalNumber(number), referenceCanonicalNumber(number), "\(number)")
        }
    }
}

/// A small deterministic generator of JSON values with awkward strings and numbers.
private struct SplitMix {
    var source: SplitMix64   // the project's generator (SequenceModels)

    init(state: UInt64) { source = SplitMix64(state: state) }

    mutating func next() -> UInt64 { source.next() }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func string() -> String {
        let pieces = ["a", "b", "Z", "_", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}",
                      "é", "e\u{301}", "\u{FFFD}", "\u{1F600}", "lr", "forget_bias", " ", "/", "\u{0}"]
        return (0..<below(6)).map { _ in pieces[below(pieces.count)] }.joined()
    }

    mutating func number() -> Double {
        switch below(6) {
        case 0: return Double(below(2000)) - 1000
        case 1: return Double(Int64(bitPattern: next()) >> Int64(below(64)))
        case 2: return Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF) * (below(2) == 0 ? 1 : -1)
        case 3: return Double(below(1000)) / 1000
        case 4: return [0.001, 1e-5, 0.1 + 0.2, 1e16, -0.0, 1e300, 3.0e-7][below(7)]
        default: return Double(next() >> 11) / Double(1 << 53)
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        switch below(depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(below(2) == 0)
        case 2: return .number(number())
        case 3: return .string(string())
        case 4: return .array((0..<below(5)).map { _ in value(depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<below(7) { members[string()] = value(depth: depth + 1) }
            return .object(members)
        }
    }
}

/// The rules written plainly (the encoder as it was before it wrote into a byte buffer).
private func referenceCanonicalJSON(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .number(let number): return referenceCanonicalNumber(number)
    case .string(let text): return referenceCanonicalString(text)
    case .array(let elements): return "[" + elements.map(referenceCanonicalJSON).joined(separator: ",") + "]"
    case .object(let members):
        let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return "{" + keys.map { referenceCanonicalString($0) + ":" + referenceCanonicalJSON(members[$0]!) }.joined(separator: ",") + "}"
    }
}

private func referenceCanonicalNumber(_ number: Double) -> String {
    if number == number.rounded(), abs(number) < 1e16 { return String(Int64(number)) }
    return "\(number)"
}

private func referenceCanonicalString(_ text: String) -> String {
    var output = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case "\u{08}": output += "\\b"
        case "\u{0C}": output += "\\f"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
    }
    return output + "\""
}
