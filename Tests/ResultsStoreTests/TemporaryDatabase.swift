// Test helper: a fresh results database in its own temporary folder, removed afterwards.
import Foundation
import XCTest
@testable import ResultsStore

/// A temporary folder per test; `path` is where the database file goes (not created yet).
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ResultsStoreTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

extension XCTestCase {
    /// Opens an empty, migrated database in a new temporary folder.
    func makeDatabase(file: StaticString = #filePath, line: UInt = #line) throws -> (ResultsDatabase, TemporaryFolder) {
        let folder = try TemporaryFolder()
        let database = try ResultsDatabase.open(path: folder.path("results.db"))
        return (database, folder)
    }
}
