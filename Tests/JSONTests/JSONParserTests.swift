// The JSON parser: every JSON form, and the line and column of each kind of syntax error
// (duplicate keys included).
import JSON
import XCTest

final class JSONParserTests: XCTestCase {
    func testParserReadsAllJSONForms() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, 0, true, false, null], "b": "x\"\\\/\n\t\u00e9\ud83d\ude00", "c": {}} "#)
        XCTAssertEqual(value, .object([
            "a": .array([.number(1), .number(-2500), .number(0), .bool(true), .bool(false), .null]),
            "b": .string("x\"\\/\n\té😀"), "c": .object([:]),
        ]))
    }

    func assertSyntaxError(_ text: String, line: Int, column: Int, contains fragment: String,
                           file: StaticString = #filePath, sourceLine: UInt = #line) {
        XCTAssertThrowsError(try JSONParser.parse(text), file: file, line: sourceLine) { error in
            guard let syntax = error as? JSONSyntaxError else { return XCTFail("\(error)", file: file, line: sourceLine) }
            XCTAssertEqual(syntax.line, line, "line of \(syntax)", file: file, line: sourceLine)
            XCTAssertEqual(syntax.column, column, "column of \(syntax)", file: file, line: sourceLine)
            XCTAssertTrue(syntax.message.contains(fragment), "\(syntax)", file: file, line: sourceLine)
        }
    }

    func testIntegersRoundingOntoTwoToThe53AreMovedPastIt() throws {
        // 2^53 + 1 is no Double: it rounds to 2^53, which integer fields accept. The parser moves
        // such a literal one step further out so that the fields' 2^53 limit refuses it; 2^53
        // itself, and the same value written with a fraction or exponent, stay as they are.
        XCTAssertEqual(try JSONParser.parse("9007199254740993"), .number(9007199254740994))
        XCTAssertEqual(try JSONParser.parse("-9007199254740993"), .number(-9007199254740994))
        XCTAssertEqual(try JSONParser.parse("9007199254740992"), .number(9007199254740992))
        XCTAssertEqual(try JSONParser.parse("9007199254740992.0"), .number(9007199254740992))
        XCTAssertEqual(try JSONParser.parse("9007199254740991"), .number(9007199254740991))
    }

    func testMalformedJSONGivesLineAndColumn() {
        assertSyntaxError("{\n  \"name\": \"x\"\n  \"task\": {}\n}", line: 3, column: 3, contains: "expected ',' or '}'")
        assertSyntaxError("{\"grid\": {\"seed\": [1, 2,]}}", line: 1, column: 25, contains: "trailing comma")
        assertSyntaxError("{\"a\": 1,\n}", line: 2, column: 1, contains: "trailing comma")
        assertSyntaxError("{\n\tname: 1}", line: 2, column: 2, contains: "expected a quoted key")
        assertSyntaxError("{\"cell\": 'gru'}", line: 1, column: 10, contains: "expected a value")
        assertSyntaxError("{\"cell\": gru}", line: 1, column: 10, contains: "'gru'")
        assertSyntaxError("{\"name\": \"ab", line: 1, column: 10, contains: "unterminated string")
        assertSyntaxError("{\"a\": [1, 2", line: 1, column: 12, contains: "end of file")
        assertSyntaxError("", line: 1, column: 1, contains: "unexpected end of file")
        assertSyntaxError("{\"a\": 01}", line: 1, column: 8, contains: "leading zeros")
        assertSyntaxError("{\"a\": 1.}", line: 1, column: 9, contains: "decimal point")
        assertSyntaxError("{\"a\": 1} x", line: 1, column: 10, contains: "after the end")
        assertSyntaxError("{\"a\": 1, \"a\": 2}", line: 1, column: 10, contains: "duplicate key \"a\"")
        assertSyntaxError("{\"a\": \"\\q\"}", line: 1, column: 8, contains: "invalid escape")
        // Columns count characters, not UTF-8 bytes.
        assertSyntaxError("{\"é✓\": 1 2}", line: 1, column: 10, contains: "expected ',' or '}'")
    }
}
