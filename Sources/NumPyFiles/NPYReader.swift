// The .npy format, versions 1.0, 2.0 and 3.0: a magic string, a version, a header
// length (2 bytes in 1.0, 4 bytes in 2.0 and 3.0), a Python dict literal
// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` (ASCII in 1.0 and 2.0,
// UTF-8 in 3.0), then the elements.
import Foundation

public enum NPYReader {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Parses one .npy file's bytes. `file` and `array` only name it in errors.
    public static func parse(_ data: Data, file: String, array: String?) throws -> NumPyArray {
        func fail(_ problem: String) -> NumPyError { NumPyError(file: file, array: array, problem: problem) }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a .npy array (no \\x93NUMPY magic string)")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail(".npy format version \(major).\(minor) is not supported; expected 1.0, 2.0 or 3.0")
        }
        guard data.count >= headerStart + headerLength else { throw fail("truncated .npy header") }
        let headerBytes = data.subdata(in: data.startIndex + headerStart ..< data.startIndex + headerStart + headerLength)
        guard let headerText = String(data: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("the .npy header is not text")
        }
        let header: Header
        do {
            header = try Header(parsing: headerText)
        } catch let error as HeaderError {
            throw fail("unreadable .npy header (\(error.reason)): \(headerText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard let dtype = NumPyDType(rawValue: header.descr) else { throw fail(describeUnsupported(header.descr)) }
        guard !header.fortranOrder else {
            throw fail("Fortran-order arrays are not supported; save np.ascontiguousarray(a) instead")
        }
        let (count, overflow) = header.shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        let (byteCount, overflow2) = count.multipliedReportingOverflow(by: dtype.byteCount)
        let payloadStart = headerStart + headerLength
        guard !overflow, !overflow2, data.count - payloadStart >= byteCount else {
            throw fail("shape \(NumPyArray.describe(shape: header.shape)) of \(dtype.numpyName) needs \(overflow || overflow2 ? "too many" : String(byteCount)) bytes but the file holds \(data.count - payloadStart)")
        }
        let payload = data.subdata(in: data.startIndex + payloadStart ..< data.startIndex + payloadStart + byteCount)
        return NumPyArray(dtype: dtype, shape: header.shape, bytes: payload)
    }

    /// Reads a .npy file from disk.
    public static func read(_ url: URL, file: String? = nil) throws -> NumPyArray {
        let name = file ?? url.path
        try requireRegularFile(url, file: name)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw NumPyError(file: name, array: nil, problem: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(data, file: name, array: nil)
    }

    /// Throws for a FIFO, device or socket: reading one would block for ever or never end.
    static func requireRegularFile(_ url: URL, file: String) throws {
        var info = stat()
        if stat(url.path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG, (info.st_mode & S_IFMT) != S_IFDIR {
            throw NumPyError(file: file, array: nil, problem: "not a regular file (a device, FIFO or socket)")
        }
    }

    /// The message for a `descr` this reader does not take.
    static func describeUnsupported(_ descr: String) -> String {
        let supported = NumPyDType.allCases.map(\.rawValue).joined(separator: " ")
        if descr.hasPrefix(">") { return "big-endian dtype '\(descr)' is not supported; save a.astype(a.dtype.newbyteorder('<')) instead" }
        if descr.hasSuffix("O") { return "object arrays (dtype '\(descr)') are not supported; expected numbers (\(supported))" }
        if descr.hasPrefix("[") { return "structured arrays are not supported; expected one of \(supported)" }
        return "dtype '\(descr)' is not supported; expected one of \(supported)"
    }

    // MARK: - The header dict

    struct HeaderError: Error { let reason: String }

    struct Header {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]

        init(parsing text: String) throws {
            var scanner = LiteralScanner(text)
            var descr: String?, fortran: Bool?, shape: [Int]?
            try scanner.expect("{")
            while !scanner.consume("}") {
                let key = try scanner.string()
                try scanner.expect(":")
                switch key {
                case "descr":
                    // A structured dtype is a list: keep its text for the message.
                    if scanner.peek() == "[" { descr = "[" ; try scanner.skipBalanced() } else { descr = try scanner.string() }
                case "fortran_order": fortran = try scanner.boolean()
                case "shape": shape = try scanner.integerTuple()
                default: throw HeaderError(reason: "unknown key '\(key)'")
                }
                if !scanner.consume(",") { try scanner.expect("}"); break }
            }
            guard let descr else { throw HeaderError(reason: "no 'descr'") }
            guard let fortran else { throw HeaderError(reason: "no 'fortran_order'") }
            guard let shape else { throw HeaderError(reason: "no 'shape'") }
            self.descr = descr
            self.fortranOrder = fortran
            self.shape = shape
        }
    }

    /// Just enough of Python's literal syntax for the header: quoted strings,
    /// True/False, tuples of non-negative integers.
    struct LiteralScanner {
        let characters: [Character]
        var position = 0

        init(_ text: String) { characters = Array(text) }

        mutating func skipSpace() { while position < characters.count, characters[position].isWhitespace { position += 1 } }

        mutating func peek() -> Character? { skipSpace(); return position < characters.count ? characters[position] : nil }

        mutating func consume(_ c: Character) -> Bool {
            if peek() == c { position += 1; return true }
            return false
        }

        mutating func expect(_ c: Character) throws {
            guard consume(c) else { throw HeaderError(reason: "expected '\(c)'") }
        }

        mutating func string() throws -> String {
            guard let quote = peek(), quote == "'" || quote == "\"" else { throw HeaderError(reason: "expected a quoted string") }
            position += 1
            var out = ""
            while position < characters.count, characters[position] != quote { out.append(characters[position]); position += 1 }
            guard position < characters.count else { throw HeaderError(reason: "unterminated string") }
            position += 1
            return out
        }

        mutating func boolean() throws -> Bool {
            skipSpace()
            for (word, value) in [("True", true), ("False", false)] where characters[position...].starts(with: word) {
                position += word.count
                return value
            }
            throw HeaderError(reason: "expected True or False")
        }

        mutating func integerTuple() throws -> [Int] {
            try expect("(")
            var out: [Int] = []
            while !consume(")") {
                skipSpace()
                var digits = ""
                while position < characters.count, characters[position].isASCII, characters[position].isNumber {
                    digits.append(characters[position]); position += 1
                }
                if position < characters.count, characters[position] == "L" { position += 1 }  // Python 2 longs
                guard let value = Int(digits) else { throw HeaderError(reason: "expected a non-negative integer in the shape") }
                out.append(value)
                if !consume(",") { try expect(")"); break }
            }
            return out
        }

        mutating func skipBalanced() throws {
            var depth = 0
            repeat {
                guard position < characters.count else { throw HeaderError(reason: "unbalanced brackets") }
                if characters[position] == "[" || characters[position] == "(" { depth += 1 }
                if characters[position] == "]" || characters[position] == ")" { depth -= 1 }
                position += 1
            } while depth > 0
        }
    }
}
