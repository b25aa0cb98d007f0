// Reading and cross-checking the spec parts of pruning and fair comparison: the top-level
// `halving` block, and the rules that tie `params`, `params_scope`, `hidden` and `epochs` together.
import JSON

extension SpecReader {
    /// `"halving": {"min_epochs": r, "eta": η (default 3), "monitor": "val_loss" (default) | "val_metric"}`.
    mutating func readHalving(_ value: JSONValue) -> HalvingRule? {
        guard case .object(let members) = value else {
            problem("halving", "expected an object such as {\"min_epochs\": 1, \"eta\": 3, \"monitor\": \"val_loss\"}, got \(value.typeDescription) \(shortJSON(value))")
            return nil
        }
        for key in members.keys.sorted() where !HalvingRule.fieldNames.contains(key) {
            unknownField("halving", key, validNames: HalvingRule.fieldNames)
        }
        var rule = HalvingRule(minEpochs: 1, eta: 3)
        var ok = true
        switch members["min_epochs"] {
        case nil:
            problem("halving.min_epochs", "missing (expected a positive integer: the epoch of the first rung)")
            ok = false
        case .number(let n)? where n == n.rounded() && n >= 1 && n <= 1_000_000: rule.minEpochs = Int(n)
        case let other?:
            problem("halving.min_epochs", "must be a positive integer, got \(shortJSON(other))")
            ok = false
        }
        switch members["eta"] {
        case nil: break
        case .number(let n)? where n == n.rounded() && n >= 2 && n <= 1000: rule.eta = Int(n)
        case let other?:
            problem("halving.eta", "must be an integer from 2 to 1000 (each rung keeps the best 1/eta), got \(shortJSON(other))")
            ok = false
        }
        switch EarlyStopRule.readMonitor(members["monitor"]) {
        case .success(let monitor): rule.monitor = monitor ?? .valLoss
        case .failure(let message):
            for line in message.lines { problem("halving.monitor", line.text) }
            ok = false
        }
        return ok ? rule : nil
    }

    /// Rules across blocks: `params` stands in for `hidden` (never both), `params_scope` needs
    /// `params`, and halving needs one `epochs` for every run and a first rung below it.
    mutating func checkCombinations(members: [String: JSONValue], base: RunConfig, grid: [GridAxis],
                                    random: RandomSearch?, halving: HalvingRule?) {
        func places(_ field: RunField) -> [String] {
            var found: [String] = []
            if case .object(let train)? = members["train"], let value = train[field.rawValue], value != .null {
                found.append("train.\(field.rawValue)")
            }
            if grid.contains(where: { $0.field == field }) { found.append("grid.\(field.rawValue)") }
            if random?.fields.contains(where: { $0.field == field }) == true { found.append("random.\(field.rawValue)") }
            return found
        }
        let params = places(.params), hidden = places(.hidden)
        if let first = params.first, !hidden.isEmpty {
            problem(first, "a parameter budget replaces hidden (the hidden size is chosen per cell), but \(hidden.joined(separator: " and ")) is also given; keep one of them")
        }
        if params.isEmpty, let first = places(.paramsScope).first {
            problem(first, "only used with a params budget (give params, or remove params_scope)")
        }
        guard let halving else { return }
        if let varying = places(.epochs).first(where: { !$0.hasPrefix("train.") }) {
            problem("halving", "needs one epochs value for every run, but \(varying) varies it")
        } else if halving.minEpochs >= base.epochs {
            problem("halving.min_epochs", "must be below epochs (\(base.epochs)) so that at least one rung exists, got \(halving.minEpochs)")
        }
    }
}
