// Canonical JSON: sorted keys, shortest numbers, escapes, and that it parses back.
import JSON
import XCTest

final class CanonicalJSONTests: XCTestCase {
    func testCanonicalJSONSortsKeysAndWritesShortestNumbers() {
        let value: JSONValue = .object([
            "b": .number(50), "a": .array([.number(0.001), .number(1e-5), .number(2.5), .number(-0.0), .number(1e300)]),
            "c": .string("q\"\\\n\u{01}é"), "d": .null, "e": .bool(false), "B": .object([:]),
        ])
        XCTAssertEqual(canonicalJSON(value), #"{"B":{},"a":[0.001,1e-05,2.5,0,1e+300],"b":50,"c":"q\"\\\n\u0001é","d":null,"e":false}"#)
        // It parses back to the same value.
        XCTAssertEqual(try JSONParser.parse(canonicalJSON(value)), value.replacingNegativeZero())
        XCTAssertEqual(canonicalNumber(0.1 + 0.2), "0.30000000000000004")
        XCTAssertEqual(canonicalNumber(9_007_199_254_740_992), "9007199254740992")
        XCTAssertEqual(canonicalNumber(-123_456_789_012_345), "-123456789012345")
        XCTAssertEqual(canonicalNumber(1e16), "1e+16")
    }
}

private extension JSONValue {
    /// -0.0 is written as 0; compare against the value that reads back.
    func replacingNegativeZero() -> JSONValue {
        switch self {
        case .number(let n): return .number(n == 0 ? 0 : n)
        case .array(let a): return .array(a.map { $0.replacingNegativeZero() })
        case .object(let o): return .object(o.mapValues { $0.replacingNegativeZero() })
        default: return self
        }
    }
}
