// A generated task's examples, made on first use: building a task (validation,
// `runner sweep --dry-run`, the plan's sizes) needs only its parameters, so the data
// a sweep trains on is generated once, by whichever thread first asks for it.
import Foundation

/// A value computed by `make` the first time `value` is read, exactly once, whatever the
/// threads (readers wait while it is made); copies of the holder share the one value.
final class GeneratedData<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?
    private let make: @Sendable () -> Value

    init(_ make: @escaping @Sendable () -> Value) { self.make = make }

    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        if let stored { return stored }
        let made = make()
        stored = made
        return made
    }

    /// Whether the value has been made (for tests: building a task generates nothing).
    var isGenerated: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stored != nil
    }
}
