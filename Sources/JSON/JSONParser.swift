// A strict JSON parser (RFC 8259) that reports the line and column of the first syntax
// error (Foundation on Linux does not report them reliably) and refuses duplicate keys.

/// A JSON syntax error at a 1-based line and column (columns count characters, not bytes).
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Parses JSON text (RFC 8259) into a ``JSONValue``. Objects with a repeated key are an error.
/// Used for every JSON the project reads: spec files, task parameters, `config_json`.
public struct JSONParser {
    private let bytes: [UInt8]
    private var offset = 0
    private var depth = 0
    private static let maximumDepth = 256

    public static func parse(_ text: String) throws -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.offset < parser.bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: Values

    private mutating func parseValue() throws -> JSONValue {
        guard offset < bytes.count else { throw error("unexpected end of file, expected a value") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case let byte where isIdentifierByte(byte):
            throw error("expected a value, found '\(currentWord())' (strings need double quotes)")
        default: throw error("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func parseObject() throws -> JSONValue {
        try enterNesting()
        offset += 1  // {
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if peek == UInt8(ascii: "}") { offset += 1; depth -= 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else {
                if peek == UInt8(ascii: "}") { throw error("trailing comma before '}'") }
                throw error("expected a quoted key, found \(describeCurrent())")
            }
            let keyStart = offset
            let key = try parseString()
            if members[key] != nil {
                offset = keyStart
                throw error("duplicate key \"\(key)\"")
            }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\", found \(describeCurrent())") }
            offset += 1
            skipWhitespace()
            members[key] = try parseValue()
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"): offset += 1; depth -= 1; return .object(members)
            default: throw error("expected ',' or '}' after the value of \"\(key)\", found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray() throws -> JSONValue {
        try enterNesting()
        offset += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { offset += 1; depth -= 1; return .array(elements) }
        while true {
            skipWhitespace()
            if peek == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
            elements.append(try parseValue())
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"): offset += 1; depth -= 1; return .array(elements)
            default: throw error("expected ',' or ']' after a list element, found \(describeCurrent())")
            }
        }
    }

    private mutating func parseString() throws -> String {
        let start = offset
        offset += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = offset
        func flushRun(_ end: Int, into scalars: inout String.UnicodeScalarView, _ bytes: [UInt8]) {
            if end > runStart { scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars) }
        }
        while true {
            guard offset < bytes.count else {
                offset = start
                throw error("unterminated string")
            }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                flushRun(offset, into: &scalars, bytes)
                offset += 1
                return String(scalars)
            }
            if byte < 0x20 {
                throw error("control character (byte \(byte)) inside a string; write it as an escape such as \\n")
            }
            if byte == UInt8(ascii: "\\") {
                flushRun(offset, into: &scalars, bytes)
                offset += 1
                guard offset < bytes.count else { throw error("unterminated string") }
                let escape = bytes[offset]
                offset += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired UTF-16 surrogate in \\u escape")
                        }
                        offset += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired UTF-16 surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw error("unpaired UTF-16 surrogate in \\u escape")
                    }
                    scalars.append(Unicode.Scalar(code)!)
                default:
                    offset -= 2
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in a string")
                }
                runStart = offset
                continue
            }
            offset += 1
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard offset < bytes.count, let digit = hexDigitValue(bytes[offset]) else {
                throw error("expected 4 hexadecimal digits after \\u")
            }
            value = value * 16 + digit
            offset += 1
        }
        return value
    }

    private func hexDigitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private mutating func parseNumber() throws -> Double {
        let start = offset
        if peek == UInt8(ascii: "-") { offset += 1 }
        guard let first = peek, isDigit(first) else { throw error("expected a digit after '-', found \(describeCurrent())") }
        if first == UInt8(ascii: "0") {
            offset += 1
            if let next = peek, isDigit(next) { throw error("numbers cannot have leading zeros") }
        } else {
            while let digit = peek, isDigit(digit) { offset += 1 }
        }
        if peek == UInt8(ascii: ".") {
            offset += 1
            guard let digit = peek, isDigit(digit) else { throw error("expected a digit after the decimal point, found \(describeCurrent())") }
            while let digit = peek, isDigit(digit) { offset += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            offset += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { offset += 1 }
            guard let digit = peek, isDigit(digit) else { throw error("expected a digit in the exponent, found \(describeCurrent())") }
            while let digit = peek, isDigit(digit) { offset += 1 }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            offset = start
            throw error("number \(text) is out of range")
        }
        // An integer written beyond 2^53 that rounds onto 2^53 itself (2^53 + 1 does) would pass
        // for the largest exact integer: moved one step further out, every integer field refuses it.
        if abs(value) == largestExactInteger, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }),
           text.trimmingPrefix("-") != "9007199254740992" {
            return value < 0 ? value.nextDown : value.nextUp
        }
        return value
    }

    private mutating func expectWord(_ word: String) throws {
        let expected = Array(word.utf8)
        if offset + expected.count <= bytes.count, Array(bytes[offset..<offset + expected.count]) == expected {
            let end = offset + expected.count
            if end == bytes.count || !isIdentifierByte(bytes[end]) {
                offset = end
                return
            }
        }
        throw error("expected a value, found '\(currentWord())' (strings need double quotes)")
    }

    // MARK: Helpers

    private var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func isIdentifierByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
    }

    private mutating func enterNesting() throws {
        depth += 1
        if depth > JSONParser.maximumDepth { throw error("nesting deeper than \(JSONParser.maximumDepth) levels") }
    }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
    }

    /// The run of letters, digits and underscores at the current offset (at least one byte).
    private func currentWord() -> String {
        var end = offset
        while end < bytes.count, isIdentifierByte(bytes[end]) { end += 1 }
        return String(decoding: bytes[offset..<max(end, min(offset + 1, bytes.count))], as: UTF8.self)
    }

    private func describeCurrent() -> String {
        guard offset < bytes.count else { return "end of file" }
        let rest = String(decoding: bytes[offset..<min(bytes.count, offset + 4)], as: UTF8.self)
        guard let character = rest.first else { return "end of file" }
        return "'\(character)'"
    }

    /// An error at the current offset, with its 1-based line and column.
    private func error(_ message: String) -> JSONSyntaxError {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        let column = String(decoding: bytes[lineStart..<min(offset, bytes.count)], as: UTF8.self).count + 1
        return JSONSyntaxError(line: line, column: column, message: message)
    }
}
