// A run's checkpoint after a completed epoch: weights, optimiser state, learning-rate
// schedule state and the model configuration, so an interrupted run resumes with the same bits.
//
// The run has no other random state: a training epoch's batch order is drawn
// from (run seed, epoch) alone (Tasks.epochOrder), and the data from the
// task's data_seed, so weights + optimiser state + schedule state + epoch are the whole state.
//
// Layout: "RKPT" magic, UInt32 version, UInt32 header length, a JSON header
// (epoch, model configuration, optimiser step and array sizes, schedule state when the
// schedule has one (absent in older checkpoints and for constant, step and cosine), vocabulary),
// then the little-endian Float32 arrays: parameters, optimiser first and second moments.

import Foundation
import SequenceModels
import Tasks

public struct Checkpoint: Equatable, Sendable {
    public var epoch: Int
    public var model: ModelConfig
    public var parameters: [Float]
    public var optimizer: OptimizerState
    /// Reduce-on-plateau's state after `epoch`; nil for schedules without state.
    public var schedule: LearningRateScheduleState?
    /// The character vocabulary of a charlm run (so `runner sample` can decode), else nil.
    public var vocabulary: CharVocabulary?

    struct Header: Codable {
        var epoch: Int
        var model: ModelConfig
        var optimizerStep: Int
        var parameterCount: Int
        var firstCount: Int
        var secondCount: Int
        var schedule: LearningRateScheduleState?
        var vocabulary: CharVocabulary?
    }

    static let magic = Array("RKPT".utf8)
    static let version: UInt32 = 1

    public init(epoch: Int, model: ModelConfig, parameters: [Float], optimizer: OptimizerState,
                schedule: LearningRateScheduleState? = nil, vocabulary: CharVocabulary? = nil) {
        self.epoch = epoch
        self.model = model
        self.parameters = parameters
        self.optimizer = optimizer
        self.schedule = schedule
        self.vocabulary = vocabulary
    }

    public func encoded() throws -> Data {
        let header = Header(epoch: epoch, model: model, optimizerStep: optimizer.step, parameterCount: parameters.count,
                            firstCount: optimizer.first.count, secondCount: optimizer.second.count, schedule: schedule, vocabulary: vocabulary)
        let json = try JSONEncoder.sorted.encode(header)
        var data = Data(Checkpoint.magic)
        func append(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        append(Checkpoint.version)
        append(UInt32(json.count))
        data.append(json)
        // Every platform Swift runs on is little-endian, so the floats' memory is the file layout.
        assert(1.littleEndian == 1, "checkpoints are written little-endian")
        for array in [parameters, optimizer.first, optimizer.second] {
            array.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    public struct DecodeError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "checkpoint is unreadable: \(reason)" }
    }

    public init(decoding data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 12, Array(bytes[0..<4]) == Checkpoint.magic else { throw DecodeError(reason: "not a runner checkpoint") }
        func u32(_ at: Int) -> UInt32 { UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
        guard u32(4) == Checkpoint.version else { throw DecodeError(reason: "version \(u32(4)), expected \(Checkpoint.version)") }
        let headerLength = Int(u32(8))
        guard 12 + headerLength <= bytes.count else { throw DecodeError(reason: "truncated header") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[12..<(12 + headerLength)]))
        } catch let DecodingError.dataCorrupted(context) {
            throw DecodeError(reason: "its header is damaged (\(context.debugDescription))")
        } catch {
            throw DecodeError(reason: "its header is damaged")
        }
        // The arrays must be the model's: P parameters, and no or P optimiser moments.
        guard let expected = header.model.checkedParameterCount, header.parameterCount == expected else {
            throw DecodeError(reason: "its header has \(header.parameterCount) parameters, but its model configuration has "
                              + (header.model.checkedParameterCount.map(String.init) ?? "more than Int.max"))
        }
        for (name, count) in [("first", header.firstCount), ("second", header.secondCount)] where count != 0 && count != expected {
            throw DecodeError(reason: "its optimiser's \(name) moments have \(count) values for \(expected) parameters")
        }
        var at = 12 + headerLength
        func floats(_ count: Int) throws -> [Float] {
            guard count >= 0, count <= (bytes.count - at) / 4 else { throw DecodeError(reason: "truncated data") }
            var out = [Float](repeating: 0, count: count)
            for i in 0..<count { out[i] = Float(bitPattern: u32(at + 4 * i)) }
            at += 4 * count
            return out
        }
        let parameters = try floats(header.parameterCount)
        let first = try floats(header.firstCount)
        let second = try floats(header.secondCount)
        guard at == bytes.count else { throw DecodeError(reason: "\(bytes.count - at) trailing bytes") }
        self.init(epoch: header.epoch, model: header.model, parameters: parameters,
                  optimizer: OptimizerState(step: header.optimizerStep, first: first, second: second), schedule: header.schedule,
                  vocabulary: header.vocabulary)
    }
}
