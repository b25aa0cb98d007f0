// The task blocks of the shipped experiments/*.json specs are valid and build
// their tasks (charlm reads the project's own Sources/ folder).
import JSON
import XCTest
import Foundation
@testable import Tasks

final class ExperimentSpecTaskTests: XCTestCase {
    let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../experiments").standardizedFileURL

    func taskBlock(_ file: String) throws -> (name: String, parameters: [String: JSONValue]) {
        let data = try Data(contentsOf: experiments.appendingPathComponent(file))
        guard case .object(let spec) = try JSONParser.parse(String(decoding: data, as: UTF8.self)),
              case .object(let task)? = spec["task"], case .string(let name)? = task["name"] else {
            throw TaskParameterError(problems: [TaskProblem(path: "task", message: "\(file): no task block with a name")])
        }
        return (name, task)
    }

    func testEachTaskHasASpecWhoseTaskBlockBuilds() throws {
        for (file, expected) in [("adding.json", "adding"), ("copy.json", "copy"), ("reber.json", "reber"), ("charlm.json", "charlm")] {
            let block = try taskBlock(file)
            XCTAssertEqual(block.name, expected, file)
            XCTAssertEqual(TaskFactory.validate(name: block.name, parameters: block.parameters, specDirectory: experiments), [], file)
        }
        let charlm = try taskBlock("charlm.json")
        let task = try TaskFactory.make(name: charlm.name, parameters: charlm.parameters, specDirectory: experiments)
        XCTAssertGreaterThan(task.trainExampleCount, 100, "the project's sources give enough text")
        XCTAssertLessThan(task.baseline.metric!, 7, "source code's unigram entropy is a few bits per character")
    }
}
