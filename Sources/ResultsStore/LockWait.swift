// Waiting for another process's write lock instead of failing: the busy handler of every
// read-write connection. It waits for as long as the holder holds the lock (a stopped or
// stalled holder included), says once on standard error whom it waits for, and goes on
// when the lock is free. A holder that dies releases its locks, so the wait always ends.
import Foundation
import GRDB

extension ResultsDatabase {
    /// Where the "waiting for the write lock" line goes (standard error by default).
    nonisolated(unsafe) public static var lockWaitNotice: @Sendable (String) -> Void = { line in
        try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Whether a thread of this process is waiting for another process's lock right now
    /// (the command line's Ctrl-C handler exits at once then: nothing could be written).
    public static var isWaitingForLock: Bool { LockWaiter.shared.isWaiting }
}

/// Seconds of waiting before the one line is printed (shorter waits are ordinary contention).
let lockNoticeDelay: TimeInterval = 1

final class LockWaiter: @unchecked Sendable {
    static let shared = LockWaiter()

    private let lock = NSLock()
    /// Per waiting thread: when its current wait began and when it last asked to retry.
    private var waits: [pthread_t: (start: Date, last: Date)] = [:]
    /// Whether the line was printed during the current stretch of waiting.
    private var announced = false
    /// A thread that has not retried for this long has its lock (retries come every ≤ 0.1 s).
    private let retryGap: TimeInterval = 0.5

    var isWaiting: Bool {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        return waits.values.contains { now.timeIntervalSince($0.last) < retryGap }
    }

    /// The busy mode of a connection to `path`: SQLite's busy timeout when `timeout` is given,
    /// else ``busyHandler(path:)``, which waits for as long as the other process holds the lock.
    static func busyMode(timeout: TimeInterval?, path: String) -> Database.BusyMode {
        timeout.map { .timeout($0) } ?? .callback(shared.busyHandler(path: path))
    }

    /// SQLite's busy handler for connections to `path`: `numberOfTries` is 0 on the first
    /// call of each wait. Sleeps a little and asks SQLite to try again, for ever.
    func busyHandler(path: String) -> Database.BusyCallback {
        { [self] numberOfTries in
            let thread = pthread_self()
            let now = Date()
            lock.lock()
            if !waits.values.contains(where: { now.timeIntervalSince($0.last) < retryGap }) { announced = false }
            if numberOfTries == 0 || waits[thread] == nil { waits[thread] = (now, now) }
            waits[thread]!.last = now
            let waited = now.timeIntervalSince(waits[thread]!.start)
            let announce = waited >= lockNoticeDelay && !announced
            if announce { announced = true }
            lock.unlock()
            if announce {
                ResultsDatabase.lockWaitNotice("waiting for the write lock on \(path), held by \(LockHolder.describe(databasePath: path)); "
                                               + "continuing when it is free (Ctrl-C stops)")
            }
            Thread.sleep(forTimeInterval: min(0.1, 0.002 * Double(1 << min(numberOfTries, 6))))
            return true
        }
    }
}

/// Who holds the write lock of a database, as far as this machine can tell.
enum LockHolder {
    /// "process 123 (worker host:123:0)", "process 123", "worker host:9:1 (a run it holds is
    /// running)" or "another process".
    static func describe(databasePath path: String) -> String {
        let pid = writeLockHolderPid(databasePath: path)
        let worker = runningWorker(databasePath: path, pid: pid)
        switch (pid, worker) {
        case let (pid?, worker?): return "process \(pid) (worker \(worker))"
        case let (pid?, nil): return "process \(pid)"
        case let (nil, worker?): return "another process (worker \(worker) holds a running run)"
        default: return "another process"
        }
    }

    /// The pid holding SQLite's write lock, from the kernel's table of POSIX locks (Linux):
    /// in WAL mode byte 120 of the `-shm` file, otherwise the RESERVED byte of the database.
    static func writeLockHolderPid(databasePath path: String) -> Int32? {
        guard let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        var candidates: [(inode: UInt64, byte: UInt64)] = []
        var info = stat()
        if stat(path + "-shm", &info) == 0 { candidates.append((UInt64(info.st_ino), 120)) }
        if stat(path, &info) == 0 { candidates.append((UInt64(info.st_ino), 0x4000_0001)) }
        for line in table.split(separator: "\n") {
            // "1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 120 120"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8, fields[1] == "POSIX", fields[3] == "WRITE", let pid = Int32(fields[4]),
                  let inode = fields[5].split(separator: ":").last.flatMap({ UInt64($0) }),
                  let start = UInt64(fields[6]) else { continue }
            let end = fields[7] == "EOF" ? UInt64.max : (UInt64(fields[7]) ?? 0)
            if pid != getpid(), candidates.contains(where: { $0.inode == inode && start <= $0.byte && $0.byte <= end }) {
                return pid
            }
        }
        return nil
    }

    /// The worker name of a running run held by `pid` (or, without a pid, by another process),
    /// read through a separate read-only connection that does not wait.
    static func runningWorker(databasePath path: String, pid: Int32?) -> String? {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .immediateError
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        defer { try? queue.close() }
        return try? queue.read { db -> String? in
            guard try db.tableExists("runs") else { return nil }
            let pattern = pid.map { "%:\($0):%" } ?? "%"
            return try String.fetchOne(db, sql: """
                SELECT worker FROM runs WHERE status = 'running' AND worker LIKE ? AND worker NOT LIKE ?
                 ORDER BY heartbeat_at DESC LIMIT 1
                """, arguments: [pattern, "%:\(getpid()):%"])
        }
    }
}
