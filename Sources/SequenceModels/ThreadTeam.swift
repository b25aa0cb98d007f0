// The threads one model trains on: a persistent team (CKernels/team.c) that runs
// each phase of a training step as fork-join work on `activeThreads` threads,
// and the partitioning rules that make the result independent of that number.
//
// Rule: work is split only by output rows or columns, never across a reduction.
// Every element is computed by exactly one thread with the same kernels and the
// same summation order as on one thread, so 1, 2 or 3 threads give the same bits.

import CKernels

public final class ThreadTeam: @unchecked Sendable {
    /// The most threads a phase may use (the caller's thread plus capacity − 1 workers).
    public let capacity: Int
    /// Threads the next phases use, 1...capacity. Set between training steps (the scheduler
    /// lends idle cores this way); it never changes any result.
    public var activeThreads: Int {
        didSet { activeThreads = min(max(activeThreads, 1), capacity) }
    }
    private let team: OpaquePointer

    public init(capacity: Int) {
        precondition(capacity >= 1, "a team has at least one thread")
        self.capacity = capacity
        self.activeThreads = capacity
        guard let t = rk_team_create(Int32(capacity)) else { fatalError("cannot create a thread team of \(capacity)") }
        team = t
    }

    deinit { rk_team_destroy(team) }

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

    /// Runs body(tid, n) for tid in 0..<n, n = min(activeThreads, limit) (at least 1).
    public func run(limit: Int, _ body: (_ tid: Int, _ n: Int) -> Void) {
        let n = max(1, min(activeThreads, limit))
        if n == 1 { body(0, 1); return }
        withoutActuallyEscaping(body) { escaping in
            let box = Job(escaping)
            let context = Unmanaged.passUnretained(box).toOpaque()
            rk_team_run(team, Int32(n), { context, tid, n in
                Unmanaged<Job>.fromOpaque(context!).takeUnretainedValue().body(Int(tid), Int(n))
            }, context)
            withExtendedLifetime(box) {}
        }
    }

    /// Inside `run`'s body, on all n of its threads: returns once every one of them has called
    /// it (each thread's writes before it are visible to all after it).
    public func barrier(_ n: Int) { rk_team_barrier(team, Int32(n)) }

    private final class Job {
        let body: (Int, Int) -> Void
        init(_ body: @escaping (Int, Int) -> Void) { self.body = body }
    }
}

/// How work is divided among n threads.
public enum Partition {
    /// Part `part` of `count` items split into n near-equal contiguous pieces whose bounds are
    /// multiples of `align` (the last piece takes the rest).
    public static func range(_ count: Int, part: Int, of n: Int, align: Int = 1) -> Range<Int> {
        let units = (count + align - 1) / align
        let lo = min(count, (units * part / n) * align)
        let hi = part == n - 1 ? count : min(count, (units * (part + 1) / n) * align)
        return lo..<max(lo, hi)
    }
}
