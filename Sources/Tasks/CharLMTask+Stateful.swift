// Stateful truncated BPTT for charlm, char-rnn's loader: the text of a split is
// laid out as B contiguous streams; batch k holds window k of every stream, and
// the recurrent state is carried from one batch to the next (gradients cut at
// the window edge). State starts from zeros at each epoch and each split.
import SequenceModels

extension CharLMTask {
    /// Training: the targets 1 ..< trainCharacterCount split into B = min(batchSize, targets)
    /// streams of S = ⌊targets / B⌋ characters (the remainder left out); window k of stream s
    /// targets positions 1 + sS + kL ..< 1 + sS + min((k+1)L, S). Same order every epoch.
    public func trainBatches(batchSize: Int, epoch: Int, shuffleSeed: UInt64) -> BatchList {
        guard stateful else { return statelessTrainBatches(batchSize: batchSize, epoch: epoch, shuffleSeed: shuffleSeed) }
        let targets = trainCharacterCount - 1
        let streams = min(batchSize, targets), length = targets / streams
        let ranges = (0..<streams).map { s in (1 + s * length) ..< (1 + (s + 1) * length) }
        return streamBatches(.train, ranges)
    }

    /// Validation and test: the split's characters in B = min(batchSize, count) streams of
    /// ⌈count / B⌉ (the last ones shorter), so every character is predicted exactly once;
    /// rows past their stream's end are padded and masked.
    public func validationBatches(batchSize: Int) -> BatchList {
        guard stateful else { return statelessHeldOutBatches(.validation, batchSize: batchSize) }
        return streamBatches(.validation, heldOutStreams(start: trainCharacterCount, count: validationCharacterCount, batchSize: batchSize))
    }

    public func testBatches(batchSize: Int) -> BatchList {
        guard stateful, testCharacterCount > 0 else { return statelessHeldOutBatches(.test, batchSize: batchSize) }
        return streamBatches(.test, heldOutStreams(start: trainCharacterCount + validationCharacterCount,
                                                   count: testCharacterCount, batchSize: batchSize))
    }

    func heldOutStreams(start: Int, count: Int, batchSize: Int) -> [Range<Int>] {
        let streams = min(batchSize, count), length = (count + streams - 1) / streams
        return (0..<streams).map { s in
            let lower = min(start + s * length, start + count)
            return lower ..< min(lower + length, start + count)
        }
    }

    /// Batch k: window k (seqLen target positions) of every stream; each batch after the
    /// first continues the previous one's state.
    func streamBatches(_ split: BatchList.Split, _ streams: [Range<Int>]) -> BatchList {
        let longest = streams.map(\.count).max() ?? 0
        let windows = (longest + seqLen - 1) / seqLen
        let task = self
        return BatchList(task: self, split: split, batchExamples: (0..<windows).map { _ in Array(streams.indices) },
                         continuesState: (0..<windows).map { $0 > 0 }) { k in
            task.makeBatch(streams.map { stream in
                let lower = min(stream.lowerBound + k * task.seqLen, stream.upperBound)
                return lower ..< min(lower + task.seqLen, stream.upperBound)
            })
        }
    }
}
