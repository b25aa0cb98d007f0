// The "did you mean" rule: edit distance with transpositions, and no suggestion when nothing is close.
import JSON
import XCTest

final class SuggestionTests: XCTestCase {
    func testEditDistance() {
        XCTAssertEqual(editDistance("hidden", "hidden"), 0)
        XCTAssertEqual(editDistance("hiden", "hidden"), 1)
        XCTAssertEqual(editDistance("hdiden", "hidden"), 1)   // transposition
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertNil(closestName(to: "qqqqqq", among: ["lr", "cell"]))
    }
}
