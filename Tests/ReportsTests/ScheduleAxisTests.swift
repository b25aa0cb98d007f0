// A learning-rate schedule is one configuration axis in reports: its name with its parameters.
import XCTest
@testable import Reports

final class ScheduleAxisTests: XCTestCase {
    func testScheduleIsOneValueAndConstantWhereAbsent() throws {
        let step = try parseRunConfig(#"{"cell":"gru","lr":0.01,"lr_schedule":{"gamma":0.5,"name":"step","step_epochs":3},"task":{"name":"adding"}}"#)
        XCTAssertEqual(step["lr_schedule"], .string("step(gamma=0.5,step_epochs=3)"))
        XCTAssertNil(step["lr_schedule.gamma"])
        XCTAssertEqual(step["task.name"], .string("adding"), "other nested objects still flatten")
        let cosine = try parseRunConfig(#"{"cell":"gru","lr_schedule":{"name":"cosine"}}"#)
        XCTAssertEqual(cosine["lr_schedule"], .string("cosine"))
        let constant = try parseRunConfig(#"{"cell":"gru","lr":0.01}"#)
        XCTAssertEqual(constant["lr_schedule"], .string("constant"))
    }
}
