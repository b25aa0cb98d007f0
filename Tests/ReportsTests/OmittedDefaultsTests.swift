// config_json leaves layers and dropout out at their defaults (old runs keep their hashes);
// reports read them as those defaults, so a sweep over layers labels layers=1, not "none".
import XCTest
@testable import Reports

final class OmittedDefaultsTests: XCTestCase {
    func testAbsentLayersAndDropoutReadAsTheirDefaults() throws {
        let old = try parseRunConfig(#"{"cell":"gru","hidden":8,"task":{"name":"adding"}}"#)
        XCTAssertEqual(old["layers"], .number(1))
        XCTAssertEqual(old["dropout"], .number(0))
        XCTAssertEqual(old["layers"]?.description, "1")
        let deep = try parseRunConfig(#"{"cell":"gru","dropout":0.25,"layers":3,"task":{"name":"adding"}}"#)
        XCTAssertEqual(deep["layers"], .number(3))
        XCTAssertEqual(deep["dropout"], .number(0.25))
        XCTAssertNil(old["clip_norm"], "other absent fields stay absent")
    }
}
