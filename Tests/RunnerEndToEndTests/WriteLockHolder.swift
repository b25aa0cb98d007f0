// Test helper: SQLite's write lock on a database, taken from this process and kept until
// released, as a stopped or stalled process would keep it.
import Foundation
import GRDB

final class WriteLockHolder: @unchecked Sendable {
    private let release = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)
    private var unlocked = false

    /// Returns once the lock is held; waits (up to a minute) while another writer has it.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(60)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let holding = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        DispatchQueue.global().async { [release, released] in
            do {
                try queue.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    holding.signal()
                    release.wait()
                    try db.execute(sql: "ROLLBACK")
                }
            } catch {
                failure.error = error
                holding.signal()
            }
            released.signal()
        }
        holding.wait()
        if let error = failure.error { throw error }
    }

    /// Releases the lock (once; later calls do nothing).
    func unlock() {
        guard !unlocked else { return }
        unlocked = true
        release.signal()
        released.wait()
    }

    private final class FailureBox: @unchecked Sendable { var error: Error? }
}
