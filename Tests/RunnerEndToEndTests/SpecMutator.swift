// Deterministic mutations of experiment specs for the fuzz test: byte flips, truncations,
// duplicated and deleted keys, wrong types, extreme numbers, long strings, deep nesting,
// a byte-order mark and binary garbage. The same seed gives the same specs.
import Foundation

/// SplitMix64: a small deterministic generator (the fuzzer's only source of choices).
struct FuzzRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// A JSON document kept as written: numbers as their literal text (so `1e309` and `-0`
/// survive), object members in order (so a key can appear twice).
indirect enum JSONNode {
    case object([(String, JSONNode)])
    case array([JSONNode])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    init(_ value: Any) {
        switch value {
        case let dictionary as [String: Any]:
            self = .object(dictionary.keys.sorted().map { ($0, JSONNode(dictionary[$0]!)) })
        case let list as [Any]: self = .array(list.map(JSONNode.init))
        case let text as String: self = .string(text)
        case let number as NSNumber: self = .number("\(number)")   // the specs hold no booleans
        default: self = .null
        }
    }

    var text: String {
        switch self {
        case .object(let members):
            return "{" + members.map { JSONNode.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .string(let value): return JSONNode.quote(value)
        case .number(let literal): return literal
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Number of nodes, for choosing one uniformly.
    var size: Int {
        switch self {
        case .object(let members): return 1 + members.reduce(0) { $0 + $1.1.size }
        case .array(let items): return 1 + items.reduce(0) { $0 + $1.size }
        default: return 1
        }
    }

    /// This tree with node number `index` (pre-order) replaced by `transform` of it.
    func replacing(_ index: Int, with transform: (JSONNode) -> JSONNode) -> JSONNode {
        var counter = index
        return replacing(&counter, transform)
    }

    private func replacing(_ counter: inout Int, _ transform: (JSONNode) -> JSONNode) -> JSONNode {
        if counter == 0 { counter = -1; return transform(self) }
        counter -= 1
        switch self {
        case .object(let members):
            var out: [(String, JSONNode)] = []
            for (key, value) in members { out.append((key, counter >= 0 ? value.replacing(&counter, transform) : value)) }
            return .object(out)
        case .array(let items):
            return .array(items.map { counter >= 0 ? $0.replacing(&counter, transform) : $0 })
        default:
            return self
        }
    }
}

struct SpecMutator {
    /// Numbers that break careless arithmetic, written as JSON literals.
    static let extremeNumbers = ["1e309", "-1e309", "-0", "0", "-1", "0.5", "1e-320", "2147483647", "2147483648", "4294967296",
                                 "46340", "65536", "65537", "100000", "9007199254740992", "9007199254740993",
                                 "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e19", "-9223372036854775808"]
    static let fieldNames = ["name", "task", "train", "grid", "random", "cell", "hidden", "lr", "seed", "batch", "epochs",
                             "optimizer", "momentum", "clip_norm", "clip_value", "forget_bias", "samples", "search_seed",
                             "length", "train_size", "val_size", "data_seed", "max_length", "path", "seq_len", "max_chars",
                             "val_fraction", "choice", "log_uniform", "uniform", "int_uniform"]

    var random: FuzzRandom

    /// One mutated spec (1 to 3 mutations) of `original`, a spec's bytes.
    mutating func mutate(_ original: Data) -> (bytes: Data, kinds: [String]) {
        var bytes = original
        var kinds: [String] = []
        for _ in 0..<(1 + random.below(3)) {
            let kind = random.below(13)
            bytes = apply(kind, to: bytes)
            kinds.append(Self.kindNames[kind])
        }
        return (bytes, kinds)
    }

    static let kindNames = ["byte-flip", "truncate", "duplicate-key", "delete-key", "wrong-type", "extreme-number",
                            "extreme-number", "long-string", "deep-nesting", "bom", "garbage", "unknown-key", "long-list"]

    private mutating func apply(_ kind: Int, to bytes: Data) -> Data {
        var data = bytes
        switch kind {
        case 0:
            for _ in 0..<(1 + random.below(4)) where !data.isEmpty {
                let at = random.below(data.count)
                data[data.startIndex + at] ^= UInt8(1 << random.below(8))
            }
            return data
        case 1:
            return data.prefix(random.below(data.count + 1))
        case 9:
            return Data([0xEF, 0xBB, 0xBF]) + data
        case 10:
            let garbage = Data((0..<(1 + random.below(64))).map { _ in UInt8(random.below(256)) })
            if random.below(4) == 0 { return garbage }
            let at = random.below(data.count + 1)
            return data.prefix(at) + garbage + data.dropFirst(at)
        default:
            guard let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                return apply(0, to: data)   // not JSON any more: flip bytes instead
            }
            let tree = JSONNode(value)
            return Data(structural(kind, tree).text.utf8)
        }
    }

    private mutating func structural(_ kind: Int, _ tree: JSONNode) -> JSONNode {
        let target = random.below(tree.size)
        switch kind {
        case 2:   // a member written twice
            return tree.replacing(target) { node in
                guard case .object(let members) = node, let member = members.first else { return node }
                return .object(members + [member])
            }
        case 3:
            let choice = Int(random.next() % 1024)
            return tree.replacing(target) { node in
                guard case .object(var members) = node, !members.isEmpty else { return node }
                members.remove(at: choice % members.count)
                return .object(members)
            }
        case 4:
            let replacement = random.pick([JSONNode.string("32"), .array([]), .object([]), .null, .bool(true), .number("3.5"),
                                           .array([.null]), .string("")])
            return tree.replacing(target) { _ in replacement }
        case 5, 6:
            let literal = random.pick(Self.extremeNumbers)
            // Prefer numbers, so sizes and rates get the extreme values.
            let numbers = Self.numberIndexes(tree)
            let index = numbers.isEmpty ? target : numbers[random.below(numbers.count)]
            return tree.replacing(index) { _ in .number(literal) }
        case 7:
            let long = String(repeating: random.pick(["a", "é", "\u{1F600}", "\\"]), count: 1000 + random.below(200_000))
            return tree.replacing(target) { node in
                if case .object(let members) = node, !members.isEmpty { return .object(members + [(long, .number("1"))]) }
                return .string(long)
            }
        case 8:
            let depth = random.pick([10, 100, 600, 5_000, 100_000])
            let useArrays = random.below(2) == 0
            return tree.replacing(target) { node in
                var wrapped = node
                for _ in 0..<min(depth, 2_000) { wrapped = useArrays ? .array([wrapped]) : .object([("a", wrapped)]) }
                guard depth > 2_000 else { return wrapped }
                // Deeper than the tree builder wants to recurse: splice the brackets in as text.
                let open = String(repeating: useArrays ? "[" : "{\"a\": ", count: depth - 2_000)
                let close = String(repeating: useArrays ? "]" : "}", count: depth - 2_000)
                return .number(open + wrapped.text + close)
            }
        case 11:
            let name = random.pick(Self.fieldNames) + (random.below(2) == 0 ? "" : "x")
            let value = JSONNode.number(random.pick(Self.extremeNumbers))
            return tree.replacing(target) { node in
                guard case .object(let members) = node else { return node }
                return .object(members + [(name, value)])
            }
        default:  // 12: a long list where a list or value was
            let count = random.pick([50, 500, 2_000])
            let list = JSONNode.array((0..<count).map { .number(String($0 + 1)) })
            return tree.replacing(target) { _ in list }
        }
    }

    /// Pre-order indexes of the number nodes.
    static func numberIndexes(_ tree: JSONNode) -> [Int] {
        var indexes: [Int] = []
        var counter = 0
        func walk(_ node: JSONNode) {
            if case .number = node { indexes.append(counter) }
            counter += 1
            switch node {
            case .object(let members): members.forEach { walk($0.1) }
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(tree)
        return indexes
    }
}
