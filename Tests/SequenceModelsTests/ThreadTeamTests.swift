// The thread team runs each tid of a phase exactly once, on distinct threads, and
// keeps small phases on the caller.
import Foundation
import XCTest
@testable import SequenceModels

final class ThreadTeamTests: XCTestCase {
    func testEveryTidRunsOnceOnItsOwnThread() {
        let team = ThreadTeam(capacity: 3)
        for n in [3, 1, 2, 3] {
            team.activeThreads = n
            let lock = NSLock()
            var seen: [Int: pthread_t] = [:]
            var counts: [Int] = []
            for _ in 0..<200 {   // many phases back to back: the fast path (spinning) and sleeps
                team.run(limit: .max) { tid, count in
                    lock.lock(); seen[tid] = pthread_self(); counts.append(count); lock.unlock()
                }
            }
            XCTAssertEqual(Set(seen.keys), Set(0..<n))
            XCTAssertEqual(Set(counts), [n])
            XCTAssertEqual(counts.count, 200 * n)
            XCTAssertEqual(seen[0], pthread_self(), "tid 0 is the caller")
            XCTAssertEqual(Set(seen.values.map { UInt(bitPattern: Int(bitPattern: $0)) }).count, n, "distinct threads")
        }
    }

    func testWorkersWakeAfterSleeping() {
        let team = ThreadTeam(capacity: 2)
        var hits = [Int](repeating: 0, count: 2)
        for _ in 0..<3 {
            usleep(2_000)   // longer than the spin bound: the worker has gone to sleep
            hits.withUnsafeMutableBufferPointer { h in team.run(limit: 2) { tid, _ in h[tid] += 1 } }
        }
        XCTAssertEqual(hits, [3, 3])
    }

    func testSmallWorkStaysOnOneThread() {
        let team = ThreadTeam(capacity: 3)
        var used = 0
        team.run(work: team.minWorkPerThread - 1, items: 100) { _, n in used = n }
        XCTAssertEqual(used, 1)
        team.run(work: 10 * team.minWorkPerThread, items: 2) { tid, n in if tid == 0 { used = n } }
        XCTAssertEqual(used, 2, "at most one thread per item")
    }

    func testPartitionCoversEveryItemOnce() {
        for count in [0, 1, 7, 16, 100] {
            for n in 1...4 {
                for align in [1, 16] {
                    let parts = (0..<n).map { Partition.range(count, part: $0, of: n, align: align) }
                    XCTAssertEqual(parts.flatMap { Array($0) }, Array(0..<count), "\(count) over \(n), align \(align)")
                    for p in parts.dropLast() { XCTAssertEqual(p.upperBound % align, 0) }
                }
            }
        }
    }
}
