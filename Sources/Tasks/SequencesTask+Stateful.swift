// Stateful truncated BPTT for the `sequences` task (`"stateful": true, "bptt": K`):
// each group of B sequences is cut into windows of K steps; batch k of a group
// holds window k of each of its sequences, and the recurrent state is carried
// from one window to the next (gradients cut at the window edge). The state
// starts from zeros at each group.
import SequenceModels

extension SequencesTask {
    /// Groups: the epoch's shuffled order in groups of `batchSize` (the short last group
    /// dropped, as without windows), each followed window by window.
    public func trainBatches(batchSize: Int, epoch: Int, shuffleSeed: UInt64) -> BatchList {
        guard let window = bpttWindow else { return statelessTrainBatches(batchSize: batchSize, epoch: epoch, shuffleSeed: shuffleSeed) }
        let order = epochOrder(count: train.count, epoch: epoch, shuffleSeed: shuffleSeed)
        let groups = order.count <= batchSize ? [order]
            : (0 ..< order.count / batchSize).map { Array(order[$0 * batchSize ..< ($0 + 1) * batchSize]) }
        return windowBatches(.train, train, groups, window: window)
    }

    public func validationBatches(batchSize: Int) -> BatchList {
        guard let window = bpttWindow else { return statelessHeldOutBatches(.validation, batchSize: batchSize) }
        return windowBatches(.validation, validation, heldOutGroups(validation.count, batchSize), window: window)
    }

    public func testBatches(batchSize: Int) -> BatchList {
        guard let window = bpttWindow, let test else { return statelessHeldOutBatches(.test, batchSize: batchSize) }
        return windowBatches(.test, test, heldOutGroups(test.count, batchSize), window: window)
    }

    func heldOutGroups(_ count: Int, _ batchSize: Int) -> [[Int]] {
        stride(from: 0, to: count, by: batchSize).map { Array($0 ..< min($0 + batchSize, count)) }
    }

    func windowBatches(_ splitName: BatchList.Split, _ split: SequenceSplit, _ groups: [[Int]], window: Int) -> BatchList {
        var examples: [[Int]] = [], windows: [Range<Int>] = [], continues: [Bool] = []
        for group in groups {
            let longest = group.map { split.lengths[$0] }.max() ?? 0
            for k in 0 ..< (longest + window - 1) / window {
                examples.append(group)
                windows.append(k * window ..< min((k + 1) * window, longest))
                continues.append(k > 0)
            }
        }
        let task = self, batchExamples = examples, batchWindows = windows
        return BatchList(task: self, split: splitName, batchExamples: examples, continuesState: continues) { i in
            task.makeBatch(split, batchExamples[i], window: batchWindows[i])
        }
    }
}
