// Canonical JSON: sorted keys, shortest round-trip numbers, no spaces. The one way the
// project writes JSON (config_json and its hash, val_details, query output), so equal values
// give equal text in any process.

/// The canonical JSON text of a value: object keys sorted by their UTF-8 bytes, no
/// whitespace, integral numbers below 10^16 written as integers (`50`, not `50.0`), other
/// numbers in Swift's shortest round-trip form (`0.001`, `1e-05`), strings with only `"`,
/// `\` and control characters escaped.
public func canonicalJSON(_ value: JSONValue) -> String {
    var output = ""
    appendCanonicalJSON(value, to: &output)
    return output
}

private func appendCanonicalJSON(_ value: JSONValue, to output: inout String) {
    switch value {
    case .null: output += "null"
    case .bool(let flag): output += flag ? "true" : "false"
    case .number(let number): output += canonicalNumber(number)
    case .string(let text): appendCanonicalString(text, to: &output)
    case .array(let elements):
        output += "["
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            appendCanonicalJSON(element, to: &output)
        }
        output += "]"
    case .object(let members):
        output += "{"
        let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for (index, key) in keys.enumerated() {
            if index > 0 { output += "," }
            appendCanonicalString(key, to: &output)
            output += ":"
            appendCanonicalJSON(members[key]!, to: &output)
        }
        output += "}"
    }
}

/// A finite number in its shortest form that reads back to the same Double.
public func canonicalNumber(_ number: Double) -> String {
    precondition(number.isFinite, "JSON has no representation for \(number)")
    if number == number.rounded(), abs(number) < 1e16 {
        return String(Int64(number))
    }
    return "\(number)"
}

private func appendCanonicalString(_ text: String, to output: inout String) {
    output += "\""
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
    output += "\""
}
