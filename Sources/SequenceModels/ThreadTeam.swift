// The threads one model trains on: a persistent team (CKernels/team.c) that runs
// each phase of a training step as fork-join work on `activeThreads` threads,
// and the partitioning rules that make the result independent of that number.
//
// Rule: work is split only by output rows or columns, never across a reduction.
// Every element is computed by exactly one thread with the same kernels and the
// same summation order as on one thread, so 1, 2 or 3 threads give the same bits.
//
// Because no result depends on where the split falls, the team may also split
// unevenly: it times each thread's part of every phase and gives a thread that ran
// slower a smaller part of the next ones (`range`). On a shared machine one core can
// run 30% slower than the other for minutes (a busy neighbour); an even split then
// waits for the slow core in every phase, and two threads give 2 × 0.7 = 1.4 times one
// fast thread instead of 1.7.

import CKernels
import Foundation

public final class ThreadTeam: @unchecked Sendable {
    /// The most threads a phase may use (the caller's thread plus capacity − 1 workers).
    public let capacity: Int
    /// Threads the next phases use, 1...capacity. Set between training steps (the scheduler
    /// lends idle cores this way); it never changes any result.
    public var activeThreads: Int {
        didSet { activeThreads = min(max(activeThreads, 1), capacity) }
    }
    private let team: OpaquePointer

    /// Whether the team learns its threads' speeds from the phases it runs and splits by them
    /// (`range`); off, the speeds stay as set (`threadSpeeds`).
    public var balancesLoad = true
    /// Each thread's speed relative to the others (the mean over the team is 1), learned while
    /// `balancesLoad`: thread tid gets a share of every split proportional to its speed.
    public var threadSpeeds: [Double] {
        get { (0..<capacity).map { speeds[$0] } }
        set {
            precondition(newValue.count == capacity && newValue.allSatisfy { $0 > 0 }, "one positive speed per thread")
            for (i, v) in newValue.enumerated() { speeds[i] = v }
        }
    }
    private let speeds: UnsafeMutablePointer<Double>
    /// Per thread, on its own cache line (`slotStride` doubles): the seconds its part of the
    /// running phase took, and the share of the phase's items `range` gave it (−1: none).
    private let slots: UnsafeMutablePointer<Double>
    private static let slotStride = 8

    public init(capacity: Int) {
        precondition(capacity >= 1, "a team has at least one thread")
        self.capacity = capacity
        self.activeThreads = capacity
        guard let t = rk_team_create(Int32(capacity)) else { fatalError("cannot create a thread team of \(capacity)") }
        team = t
        speeds = .allocate(capacity: capacity)
        speeds.initialize(repeating: 1, count: capacity)
        slots = .allocate(capacity: capacity * Self.slotStride)
        slots.initialize(repeating: 0, count: capacity * Self.slotStride)
    }

    deinit {
        rk_team_destroy(team)
        speeds.deallocate()
        slots.deallocate()
    }

    /// A team of one: every phase runs inline on the caller.
    public static func single() -> ThreadTeam { ThreadTeam(capacity: 1) }

    /// Below this many multiply-adds (or element updates) per thread a phase does not gain
    /// from another thread: a fork-join with a spinning worker costs 1-3 µs, and 2¹⁸
    /// multiply-adds take about 5 µs on one core at 100 GFLOP/s, so a phase splits only when
    /// each thread saves more than the join costs (see README "Performance", "Threads").
    public var minWorkPerThread = 1 << 18
    /// A recurrence's thread takes at least this many batch rows (fewer leave the GEMM
    /// micro-kernel's tiles too short to pay for the thread).
    public var minRecurrenceRows = 4
    /// A recurrence with at least this many hidden units (a multiple of 32) is shared by units
    /// rather than by batch rows; nil: the measured crossover of each cell (see
    /// `Model.unitSplitHidden`, README "Performance", "Threads").
    public var minUnitSplitHidden: Int?

    /// Runs body(tid, n) for tid in 0..<n and returns when all have returned; tid 0 is the
    /// calling thread. n = activeThreads, but at most `items` (the pieces the work splits
    /// into) and one thread per `minWorkPerThread` of `work`: small problems stay on one thread.
    public func run(work: Int, items: Int, _ body: (_ tid: Int, _ n: Int) -> Void) {
        run(limit: min(items, work / max(minWorkPerThread, 1)), body)
    }

    /// Runs body(tid, n) for tid in 0..<n, n = min(activeThreads, limit) (at least 1). With
    /// `timed` (and `balancesLoad`), each thread's time for its part updates the speeds; a phase
    /// whose threads wait for each other inside it (a barrier) must pass false, as its parts'
    /// times then say nothing about the threads' speeds.
    public func run(limit: Int, timed: Bool = true, _ body: (_ tid: Int, _ n: Int) -> Void) {
        let n = max(1, min(activeThreads, limit))
        if n == 1 { body(0, 1); return }
        let measure = timed && balancesLoad
        if measure { for i in 0..<n { slots[i * Self.slotStride + 1] = -1 } }
        withoutActuallyEscaping(body) { escaping in
            let box = Job(escaping, slots: measure ? slots : nil)
            let context = Unmanaged.passUnretained(box).toOpaque()
            rk_team_run(team, Int32(n), { context, tid, n in
                Unmanaged<Job>.fromOpaque(context!).takeUnretainedValue().run(Int(tid), Int(n))
            }, context)
            withExtendedLifetime(box) {}
        }
        if measure { learnSpeeds(n) }
    }

    /// Part `part` of `count` items split among n threads of this team (see `Partition.range`),
    /// in proportion to the threads' speeds while `balancesLoad` or speeds are set; records the
    /// share for the phase's timing. Every part has at least one unit of `align` items when
    /// there are at least n units.
    public func range(_ count: Int, part: Int, of n: Int, align: Int = 1) -> Range<Int> {
        let r = Partition.range(count, part: part, of: n, align: align, speeds: UnsafePointer(speeds))
        if count > 0 && part < capacity { slots[part * Self.slotStride + 1] = Double(r.count) / Double(count) }
        return r
    }

    /// A phase's shares and times → the speeds of its n threads (see `updatedSpeeds`). Most
    /// phases of a small model are too short to time: they return before allocating anything.
    private func learnSpeeds(_ n: Int) {
        let share = { self.slots[$0 * Self.slotStride + 1] }, seconds = { self.slots[$0 * Self.slotStride] }
        guard (0..<n).allSatisfy({ share($0) > 0 && seconds($0) >= Self.minTimedSeconds }) else { return }
        guard let updated = Self.updatedSpeeds((0..<n).map { speeds[$0] }, shares: (0..<n).map(share),
                                               seconds: (0..<n).map(seconds)) else { return }
        for i in 0..<n { speeds[i] = updated[i] }
    }

    /// Shortest part, in seconds, whose time is trusted as a measure of speed (a fork costs 1-3 µs).
    static let minTimedSeconds = 50e-6
    /// How far one phase moves the speeds toward what it measured.
    static let learningRate = 0.25
    /// The slowest and fastest speed a thread may be given (relative to the team's mean of 1):
    /// no part shrinks to nothing on a phase's noise.
    static let speedBounds = 0.4...2.5

    /// The speeds after one phase in which thread i did `shares[i]` of the items in
    /// `seconds[i]`; nil when the phase says nothing (a thread without a share, or too short).
    /// Speed i ∝ shares[i] / seconds[i]; the result is `learningRate` of the way from `current`
    /// to that, normalised to a mean of 1 and kept within `speedBounds`.
    static func updatedSpeeds(_ current: [Double], shares: [Double], seconds: [Double]) -> [Double]? {
        let n = current.count
        guard n > 1, shares.count == n, seconds.count == n,
              shares.allSatisfy({ $0 > 0 }), seconds.allSatisfy({ $0 >= minTimedSeconds }) else { return nil }
        let measured = (0..<n).map { shares[$0] / seconds[$0] }
        let measuredMean = measured.reduce(0, +) / Double(n), currentMean = current.reduce(0, +) / Double(n)
        let mixed = (0..<n).map { (1 - learningRate) * current[$0] / currentMean + learningRate * measured[$0] / measuredMean }
        let mean = mixed.reduce(0, +) / Double(n)
        return mixed.map { min(max($0 / mean, speedBounds.lowerBound), speedBounds.upperBound) }
    }

    /// Inside `run`'s body, on all n of its threads: returns once every one of them has called
    /// it (each thread's writes before it are visible to all after it).
    public func barrier(_ n: Int) { rk_team_barrier(team, Int32(n)) }

    private final class Job {
        let body: (Int, Int) -> Void
        let slots: UnsafeMutablePointer<Double>?
        init(_ body: @escaping (Int, Int) -> Void, slots: UnsafeMutablePointer<Double>?) { (self.body, self.slots) = (body, slots) }

        /// One thread's part, timed into its slot when the phase is measured.
        func run(_ tid: Int, _ n: Int) {
            guard let slots else { body(tid, n); return }
            let start = DispatchTime.now().uptimeNanoseconds
            body(tid, n)
            slots[tid * ThreadTeam.slotStride] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
    }
}

/// How work is divided among n threads.
public enum Partition {
    /// Part `part` of `count` items split into n contiguous pieces whose bounds are multiples of
    /// `align` (the last piece takes the rest): near-equal, or with `speeds`, sized in proportion
    /// to speeds[0..<n] (each piece at least one unit of `align` items when there are n units).
    public static func range(_ count: Int, part: Int, of n: Int, align: Int = 1,
                             speeds: UnsafePointer<Double>? = nil) -> Range<Int> {
        let units = (count + align - 1) / align
        func start(_ i: Int) -> Int {   // first unit of piece i
            guard i > 0 else { return 0 }
            guard i < n else { return units }
            guard let speeds, units >= n, (1..<n).contains(where: { speeds[$0] != speeds[0] }) else { return units * i / n }
            // One unit for each piece, the other units − n in proportion to the speeds.
            var before = 0.0, total = 0.0
            for j in 0..<n { total += speeds[j]; if j < i { before += speeds[j] } }
            return i + Int((Double(units - n) * before / total).rounded())
        }
        let lo = min(count, start(part) * align)
        let hi = part == n - 1 ? count : min(count, start(part + 1) * align)
        return lo..<max(lo, hi)
    }
}
