// Reading a spec: walks the parsed JSON of a spec into typed values, collecting every
// problem at its path instead of stopping at the first (the halving, early-stop and
// budget parts are in SpecReader+Pruning.swift).
import Foundation
import SequenceModels
import JSON
import Tasks

/// Walks the parsed JSON, collecting problems instead of stopping at the first.
struct SpecReader {
    var problems: [SpecProblem] = []

    mutating func problem(_ path: String, _ message: String) {
        problems.append(SpecProblem(path: path, message: message))
    }

    mutating func problem(_ message: SpecProblemMessage, at path: String) {
        problems.append(contentsOf: message.problems(at: path))
    }

    mutating func unknownField(_ path: String, _ key: String, validNames: [String]) {
        if validNames.contains(RunField.lrSchedule.rawValue), let owner = LearningRateSchedule.owner(ofParameter: key) {
            problem(path, "unknown field \"\(key)\" (a parameter of the \(owner) schedule: write it inside lr_schedule, e.g. \(LearningRateSchedule.example(owner)))")
            return
        }
        let hint = suggestion(for: key, among: validNames)
        let listing = hint.isEmpty ? " (valid: \(validNames.joined(separator: ", ")))" : ""
        problem(path, "unknown field \(shortJSON(.string(key)))\(hint)\(listing)")
    }

    mutating func read(_ root: JSONValue, sourceJSON: String, taskValidator: Spec.TaskValidator) -> Spec? {
        guard case .object(let members) = root else {
            problem("spec", "expected a JSON object at the top level, got \(root.typeDescription) \(shortJSON(root))")
            return nil
        }
        for key in members.keys.sorted() where !Spec.topLevelFields.contains(key) {
            unknownField(key.count <= 60 ? key : String(key.prefix(57)) + "...", key, validNames: Spec.topLevelFields)
        }

        var name = ""
        switch members["name"] {
        case nil: problem("name", "missing (expected a non-empty string naming the sweep)")
        case .string(let text)? where text.unicodeScalars.contains { $0.properties.generalCategory == .control }:
            problem("name", "must not contain control characters such as a line break (it names files and Slurm jobs, and appears in one-line messages)")
        case .string(let text)? where text.utf8.count > Spec.maxNameBytes:
            problem("name", "is \(text.utf8.count) bytes long; at most \(Spec.maxNameBytes) (it names files, whose names the file system limits)")
        case .string(let text)? where !text.trimmingCharacters(in: .whitespaces).isEmpty: name = text
        case .string?: problem("name", "must not be empty")
        case let value?: problem("name", "expected a non-empty string, got \(value.typeDescription) \(shortJSON(value))")
        }

        let task = readTask(members["task"], taskValidator: taskValidator)
        var base = RunConfig.defaults(task: task ?? TaskSpec(name: ""))
        if let train = members["train"] { readTrain(train, into: &base) }
        let grid = members["grid"].map { readGrid($0) } ?? []
        let random = members["random"].flatMap { readRandom($0, gridFields: Set(grid.map(\.field))) }
        checkOptimizerOnlyFields(members, base: base, grid: grid, random: random)
        let halving = members["halving"].flatMap { readHalving($0) }
        checkCombinations(members: members, base: base, grid: grid, random: random, halving: halving)

        // The plan's size from the axes' lengths, before anything is expanded.
        let runs = CheckedInt.product([random?.samples ?? 1] + grid.map { $0.values.count })
        if runs.map({ $0 > Plan.maximumRuns }) ?? true {
            let factors = (random.map { ["\($0.samples) samples"] } ?? []) + grid.map { "\($0.values.count) \($0.field.rawValue)" }
            problem(random == nil ? "grid" : "random.samples",
                    "the plan has \(runs.map(String.init) ?? "more than 2^63") runs (\(factors.joined(separator: " × "))), "
                    + "above the limit of \(Plan.maximumRuns) runs per sweep; split it into several sweeps")
        }
        guard let task else { return nil }
        return Spec(name: name, task: task, base: base, grid: grid, random: random, halving: halving, sourceJSON: sourceJSON)
    }

    /// A field that one optimiser alone reads (rmsprop_momentum) is a problem where it is set
    /// but no run of the spec trains with that optimiser; so is `momentum` set for rmsprop runs
    /// when no run uses the momentum optimiser (rmsprop's own is rmsprop_momentum), and a
    /// `momentum` axis (grid or random) when no run uses the momentum optimiser.
    mutating func checkOptimizerOnlyFields(_ members: [String: JSONValue], base: RunConfig, grid: [GridAxis], random: RandomSearch?) {
        var optimizers: [RunFieldValue] = [.optimizer(base.optimizer)]
        if let axis = grid.first(where: { $0.field == .optimizer }) { optimizers = axis.values }
        if case .choice(let values)? = random?.fields.first(where: { $0.field == .optimizer })?.distribution { optimizers = values }
        let used = optimizers.compactMap { if case .optimizer(let o) = $0 { return o } else { return nil } }
        func blocksSetting(_ field: RunField) -> [String] {
            ["train", "grid", "random"].filter { block in
                if case .object(let fields)? = members[block] { return fields[field.rawValue] != nil } else { return false }
            }
        }
        let usedNames = used.map(\.rawValue).joined(separator: ", ")
        if !used.contains(.rmsprop) {
            for block in blocksSetting(.rmspropMomentum) {
                problem("\(block).rmsprop_momentum", "only used by the rmsprop optimizer, and no run here uses it (optimizer: \(usedNames))")
            }
        }
        if !used.contains(.momentum) {
            for block in blocksSetting(.momentum) {
                if used.contains(.rmsprop) {
                    problem("\(block).momentum", "only used by the momentum optimizer; rmsprop's momentum is the field rmsprop_momentum")
                } else if block != "train" {
                    // One value in train is harmless (specs have long carried one); an axis would
                    // give runs that differ in name only.
                    problem("\(block).momentum", "only used by the momentum optimizer, and no run here uses it (optimizer: \(usedNames)): "
                            + "its values would give runs with the same results")
                }
            }
        }
    }

    mutating func readTask(_ value: JSONValue?, taskValidator: Spec.TaskValidator) -> TaskSpec? {
        guard let value else {
            problem("task", "missing (expected an object such as {\"name\": \"adding\", ...})")
            return nil
        }
        guard case .object(var members) = value else {
            problem("task", "expected an object with a \"name\", got \(value.typeDescription) \(shortJSON(value))")
            return nil
        }
        let nameValue = members.removeValue(forKey: "name")
        guard case .string(let name)? = nameValue, !name.isEmpty else {
            if let nameValue {
                problem("task.name", "expected a non-empty string naming the task, got \(nameValue.typeDescription) \(shortJSON(nameValue))")
            } else {
                problem("task.name", "missing (expected a string naming the task)")
            }
            return nil
        }
        for taskProblem in taskValidator(name, members) { problem(taskProblem.path, taskProblem.message) }
        return TaskSpec(name: name, parameters: members)
    }

    mutating func readTrain(_ value: JSONValue, into base: inout RunConfig) {
        guard case .object(let members) = value else {
            problem("train", "expected an object of run fields, got \(value.typeDescription) \(shortJSON(value))")
            return
        }
        for key in members.keys.sorted() {
            guard let field = RunField(rawValue: key) else {
                unknownField("train", key, validNames: RunField.allCases.map(\.rawValue))
                continue
            }
            switch field.check(members[key]!) {
            case .success(let checked): base.set(field, to: checked)
            case .failure(let message): problem(message, at: "train.\(key)")
            }
        }
    }

    mutating func readGrid(_ value: JSONValue) -> [GridAxis] {
        guard case .object(let members) = value else {
            problem("grid", "expected an object of run fields to lists, got \(value.typeDescription) \(shortJSON(value))")
            return []
        }
        for key in members.keys.sorted() where RunField(rawValue: key) == nil {
            unknownField("grid", key, validNames: RunField.allCases.map(\.rawValue))
        }
        var axes: [GridAxis] = []
        for field in RunField.allCases {
            guard let listValue = members[field.rawValue] else { continue }
            let path = "grid.\(field.rawValue)"
            guard case .array(let elements) = listValue else {
                problem(path, "expected a list of values (each \(field.expectation)), got \(listValue.typeDescription) \(shortJSON(listValue))")
                continue
            }
            if elements.isEmpty {
                problem(path, "empty list (give at least one value, or remove the field)")
                continue
            }
            var values: [RunFieldValue] = []
            var seen = Set<RunFieldValue>()
            for (index, element) in elements.enumerated() {
                switch field.check(element) {
                case .success(let checked):
                    if !seen.insert(checked).inserted {
                        problem("\(path)[\(index)]", "duplicate value \(shortJSON(element))")
                    } else {
                        values.append(checked)
                    }
                case .failure(let message): problem(message, at: "\(path)[\(index)]")
                }
            }
            if values.count == elements.count { axes.append(GridAxis(field: field, values: values)) }
        }
        return axes
    }

    mutating func readRandom(_ value: JSONValue, gridFields: Set<RunField>) -> RandomSearch? {
        guard case .object(let members) = value else {
            problem("random", "expected an object with \"samples\", \"search_seed\" and fields to sample, got \(value.typeDescription) \(shortJSON(value))")
            return nil
        }
        let validNames = Spec.randomSettings + RunField.allCases.map(\.rawValue)
        for key in members.keys.sorted() where !validNames.contains(key) {
            unknownField("random", key, validNames: validNames)
        }
        var ok = true
        var samples = 0
        switch members["samples"] {
        case nil:
            problem("random.samples", "missing (expected a positive integer: how many configurations to draw)")
            ok = false
        case .number(let n)? where n == n.rounded() && n >= 1 && n <= 1_000_000:
            samples = Int(n)
        case .number(let n)?:
            problem("random.samples", "must be a positive integer (at most 1000000), got \(canonicalNumber(n))")
            ok = false
        case let other?:
            problem("random.samples", "expected a positive integer, got \(other.typeDescription) \(shortJSON(other))")
            ok = false
        }
        var searchSeed: UInt64 = 0
        switch members["search_seed"] {
        case nil: break
        case .number(let n)? where n == n.rounded() && n >= 0 && n <= largestExactInteger:
            searchSeed = UInt64(n)
        case let other?:
            problem("random.search_seed", "expected a non-negative integer, got \(other.typeDescription) \(shortJSON(other))")
            ok = false
        }
        var fields: [RandomField] = []
        for field in RunField.allCases {
            guard let spec = members[field.rawValue] else { continue }
            let path = "random.\(field.rawValue)"
            if gridFields.contains(field) {
                problem(path, "also in grid; a field is either a grid axis or sampled, not both")
                ok = false
                continue
            }
            if let distribution = readDistribution(spec, field: field, path: path) {
                fields.append(RandomField(field: field, distribution: distribution))
            } else {
                ok = false
            }
        }
        var sampler = RandomSearch.Sampler.random
        switch members["sampler"] {
        case nil: break
        case .string(let text)? where RandomSearch.Sampler(rawValue: text) != nil: sampler = RandomSearch.Sampler(rawValue: text)!
        case let other?:
            problem("random.sampler", "expected \"random\" or \"sobol\", got \(shortJSON(other))")
            ok = false
        }
        return ok ? RandomSearch(samples: samples, searchSeed: searchSeed, fields: fields, sampler: sampler) : nil
    }

    mutating func readDistribution(_ value: JSONValue, field: RunField, path: String) -> Distribution? {
        guard case .object(let members) = value, members.count == 1, let (kind, argument) = members.first else {
            problem(path, "expected one distribution such as {\"log_uniform\": [1e-4, 1e-1]} or {\"choice\": [...]}, got \(shortJSON(value))")
            return nil
        }
        let distributionPath = "\(path).\(kind)"
        guard Distribution.names.contains(kind) else {
            unknownField(path, kind, validNames: Distribution.names)
            return nil
        }
        guard case .array(let elements) = argument else {
            problem(distributionPath, "expected a list, got \(argument.typeDescription) \(shortJSON(argument))")
            return nil
        }
        if kind == "choice" {
            if elements.isEmpty {
                problem(distributionPath, "empty list (give at least one value)")
                return nil
            }
            var values: [RunFieldValue] = []
            for (index, element) in elements.enumerated() {
                switch field.check(element) {
                case .success(let checked): values.append(checked)
                case .failure(let message): problem(message, at: "\(distributionPath)[\(index)]")
                }
            }
            return values.count == elements.count ? .choice(values) : nil
        }
        // The range distributions: [low, high], both ends valid values of the field.
        guard elements.count == 2 else {
            problem(distributionPath, "expected a list of two numbers [low, high], got \(shortJSON(argument))")
            return nil
        }
        if field.kind == .text || field.kind == .object {
            problem(distributionPath, "\(field.rawValue) takes \(field.kind == .text ? "names" : "objects"), not numbers; use {\"choice\": [...]}")
            return nil
        }
        if field.kind == .integer && kind != "int_uniform" {
            problem(distributionPath, "\(kind) draws non-integer values but \(field.rawValue) needs \(field.expectation); use int_uniform or choice")
            return nil
        }
        var bounds: [Double] = []
        for (index, element) in elements.enumerated() {
            guard case .number(let number) = element else {
                problem("\(distributionPath)[\(index)]", "expected a number, got \(element.typeDescription) \(shortJSON(element))")
                continue
            }
            if kind == "int_uniform" && (number != number.rounded() || abs(number) > largestExactInteger) {
                problem("\(distributionPath)[\(index)]", "expected an integer, got \(canonicalNumber(number))")
                continue
            }
            if kind == "log_uniform" && number <= 0 {
                problem("\(distributionPath)[\(index)]", "log_uniform bounds must be positive, got \(canonicalNumber(number))")
                continue
            }
            if case .failure(let message) = field.check(element) {
                problem(message, at: "\(distributionPath)[\(index)]")
                continue
            }
            bounds.append(number)
        }
        guard bounds.count == 2 else { return nil }
        guard bounds[0] <= bounds[1] else {
            problem(distributionPath, "low \(canonicalNumber(bounds[0])) is above high \(canonicalNumber(bounds[1]))")
            return nil
        }
        switch kind {
        case "log_uniform": return .logUniform(low: bounds[0], high: bounds[1])
        case "uniform": return .uniform(low: bounds[0], high: bounds[1])
        default: return .intUniform(low: Int(bounds[0]), high: Int(bounds[1]))
        }
    }
}
