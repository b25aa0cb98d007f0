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

    /// With speeds, the pieces still cover every item once, in order, on `align` bounds; each
    /// has at least one unit once there are n units; and their sizes follow the speeds.
    func testPartitionBySpeedsCoversEveryItemOnceInProportion() {
        let speeds: [Double] = [1, 3, 0.4, 2.5]
        speeds.withUnsafeBufferPointer { w in
            for count in [0, 1, 3, 7, 16, 100, 1000] {
                for n in 2...4 {
                    for align in [1, 16, 32] {
                        let parts = (0..<n).map { Partition.range(count, part: $0, of: n, align: align, speeds: w.baseAddress) }
                        let name = "\(count) over \(n), align \(align)"
                        XCTAssertEqual(parts.flatMap { Array($0) }, Array(0..<count), name)
                        for p in parts.dropLast() { XCTAssertEqual(p.upperBound % align, 0, name) }
                        if (count + align - 1) / align >= n { XCTAssertTrue(parts.allSatisfy { !$0.isEmpty }, name) }
                    }
                }
            }
            // 1000 items at speeds 1 : 3 : 0.4: one item each, the other 997 in proportion (226.6, 679.8, 90.6).
            let parts = (0..<3).map { Partition.range(1000, part: $0, of: 3, speeds: w.baseAddress).count }
            XCTAssertEqual(parts, [228, 680, 92])
        }
        let even: [Double] = [2, 2, 2]
        even.withUnsafeBufferPointer { w in   // equal speeds: exactly the even split
            for count in [5, 100, 1001] {
                XCTAssertEqual((0..<3).map { Partition.range(count, part: $0, of: 3, speeds: w.baseAddress) },
                               (0..<3).map { Partition.range(count, part: $0, of: 3) })
            }
        }
    }

    /// One phase moves each thread's speed a quarter of the way toward share ÷ time, relative to
    /// the others; phases too short to time, or with a thread that had no share, change nothing.
    func testSpeedsFollowTheTimedShares() throws {
        // Equal shares, thread 1 twice as slow: measured speeds 4/3 and 2/3 (mean 1).
        let once = try XCTUnwrap(ThreadTeam.updatedSpeeds([1, 1], shares: [0.5, 0.5], seconds: [0.001, 0.002]))
        XCTAssertEqual(once[0], 0.75 + 0.25 * 4 / 3, accuracy: 1e-12)
        XCTAssertEqual(once[1], 0.75 + 0.25 * 2 / 3, accuracy: 1e-12)
        // Shares already in proportion to the speeds and equal times: a fixed point.
        let fixed = try XCTUnwrap(ThreadTeam.updatedSpeeds([0.8, 1.2], shares: [0.4, 0.6], seconds: [0.003, 0.003]))
        XCTAssertEqual(fixed[0], 0.8, accuracy: 1e-12)
        XCTAssertEqual(fixed[1], 1.2, accuracy: 1e-12)
        // Repeated, the speeds approach the measured ones; a hundredfold slower thread stops at the bound.
        var speeds = [1.0, 1.0]
        for _ in 0..<40 { speeds = try XCTUnwrap(ThreadTeam.updatedSpeeds(speeds, shares: [0.5, 0.5], seconds: [0.001, 0.002])) }
        XCTAssertEqual(speeds[0], 4.0 / 3, accuracy: 1e-3)
        XCTAssertEqual(speeds[1], 2.0 / 3, accuracy: 1e-3)
        for _ in 0..<40 { speeds = try XCTUnwrap(ThreadTeam.updatedSpeeds(speeds, shares: [0.5, 0.5], seconds: [0.001, 0.1])) }
        XCTAssertEqual(speeds[1], ThreadTeam.speedBounds.lowerBound, accuracy: 1e-12)
        XCTAssertNil(ThreadTeam.updatedSpeeds([1, 1], shares: [0.5, 0.5], seconds: [0.001, ThreadTeam.minTimedSeconds / 2]))
        XCTAssertNil(ThreadTeam.updatedSpeeds([1, 1], shares: [1, 0], seconds: [0.001, 0.001]))
        XCTAssertNil(ThreadTeam.updatedSpeeds([1, 1], shares: [-1, -1], seconds: [0.001, 0.001]), "no share recorded")
    }

    /// A team whose second thread takes three times as long per item learns to give it less.
    func testTeamGivesASlowerThreadLess() {
        let team = ThreadTeam(capacity: 2)
        for _ in 0..<12 {
            team.run(limit: 2) { tid, n in
                let mine = team.range(1000, part: tid, of: n)
                usleep(useconds_t(mine.count * (tid == 0 ? 2 : 6)))   // 1-3 ms per phase
            }
        }
        let speeds = team.threadSpeeds
        XCTAssertLessThan(speeds[1], 0.8 * speeds[0], "\(speeds)")
        XCTAssertLessThan(team.range(1000, part: 1, of: 2).count, 450)
        // Not learning: the speeds stay as they are, and set ones are used as given.
        team.balancesLoad = false
        team.threadSpeeds = [1, 1]
        team.run(limit: 2) { tid, n in usleep(useconds_t(team.range(1000, part: tid, of: n).count * (tid == 0 ? 2 : 6))) }
        XCTAssertEqual(team.threadSpeeds, [1, 1])
        team.threadSpeeds = [1, 3]   // one item each, then 998 · 1/4 = 249.5 → 250 more
        XCTAssertEqual(team.range(1000, part: 0, of: 2), 0..<251)
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
