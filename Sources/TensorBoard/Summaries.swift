// Builds the Event protos runner writes: the file-version header, one event per epoch
// with its scalars, and the HParams plugin's three summaries (experiment, session
// start, session end), each tagged as TensorBoard's hparams plugin expects.
import Foundation
import SwiftProtobuf

enum Summaries {
    /// The header of every event file TensorBoard reads today.
    static let fileVersion = "brain.Event:2"

    static let hparamsPluginName = "hparams"
    static let experimentTag = "_hparams_/experiment"
    static let sessionStartTag = "_hparams_/session_start_info"
    static let sessionEndTag = "_hparams_/session_end_info"

    static func fileVersionEvent(wallTime: Double) -> Tensorflow_Event {
        var event = Tensorflow_Event()
        event.wallTime = wallTime
        event.fileVersion = fileVersion
        return event
    }

    /// One event holding every scalar of a step (as `simple_value`, a Float32: what
    /// TensorBoard's scalar dashboard and `EventAccumulator.Scalars` read).
    static func scalarsEvent(step: Int64, wallTime: Double, values: [(tag: String, value: Double)]) -> Tensorflow_Event {
        var summary = Tensorflow_Summary()
        summary.value = values.map { tag, value in
            var v = Tensorflow_Summary.Value()
            v.tag = tag
            v.simpleValue = Float(value)
            return v
        }
        var event = Tensorflow_Event()
        event.wallTime = wallTime
        event.step = step
        event.summary = summary
        return event
    }

    /// An hparams plugin summary: the plugin data in the value's metadata, and the empty
    /// float tensor of shape (0) that TensorBoard's own hparams writer attaches.
    static func hparamsEvent(tag: String, data: Tensorboard_Hparams_HParamsPluginData, step: Int64,
                             wallTime: Double) throws -> Tensorflow_Event {
        var data = data
        data.version = 0
        var value = Tensorflow_Summary.Value()
        value.tag = tag
        value.metadata.pluginData.pluginName = hparamsPluginName
        value.metadata.pluginData.content = try data.serializedBytes()
        var tensor = Tensorflow_TensorProto()
        tensor.dtype = .dtFloat
        tensor.tensorShape.dim = [Tensorflow_TensorShapeProto.Dim()]
        value.tensor = tensor
        var event = Tensorflow_Event()
        event.wallTime = wallTime
        event.step = step
        event.summary.value = [value]
        return event
    }

    static func experimentEvent(_ experiment: ExperimentDescription) throws -> Tensorflow_Event {
        var data = Tensorboard_Hparams_HParamsPluginData()
        data.experiment = proto(experiment)
        return try hparamsEvent(tag: experimentTag, data: data, step: 0, wallTime: experiment.createdAt)
    }

    static func sessionStartEvent(hparams: [String: HParamValue], startTime: Double) throws -> Tensorflow_Event {
        var info = Tensorboard_Hparams_SessionStartInfo()
        info.hparams = hparams.mapValues(proto)
        info.startTimeSecs = startTime
        var data = Tensorboard_Hparams_HParamsPluginData()
        data.sessionStartInfo = info
        return try hparamsEvent(tag: sessionStartTag, data: data, step: 0, wallTime: startTime)
    }

    static func sessionEndEvent(status: SessionStatus, endTime: Double, step: Int64) throws -> Tensorflow_Event {
        var info = Tensorboard_Hparams_SessionEndInfo()
        info.status = status == .success ? .success : .failure
        info.endTimeSecs = endTime
        var data = Tensorboard_Hparams_HParamsPluginData()
        data.sessionEndInfo = info
        return try hparamsEvent(tag: sessionEndTag, data: data, step: step, wallTime: endTime)
    }

    // MARK: - runner's types to the plugin's protos, and back

    static func proto(_ value: HParamValue) -> Google_Protobuf_Value {
        switch value {
        case .text(let s): return Google_Protobuf_Value(stringValue: s)
        case .number(let x): return Google_Protobuf_Value(numberValue: x)
        case .bool(let b): return Google_Protobuf_Value(boolValue: b)
        }
    }

    static func value(_ proto: Google_Protobuf_Value) -> HParamValue? {
        switch proto.kind {
        case .stringValue(let s): return .text(s)
        case .numberValue(let x): return .number(x)
        case .boolValue(let b): return .bool(b)
        default: return nil
        }
    }

    static func proto(_ experiment: ExperimentDescription) -> Tensorboard_Hparams_Experiment {
        var result = Tensorboard_Hparams_Experiment()
        result.name = experiment.name
        result.description_p = experiment.description
        result.timeCreatedSecs = experiment.createdAt
        result.hparamInfos = experiment.hyperparameters.map { parameter in
            var info = Tensorboard_Hparams_HParamInfo()
            info.name = parameter.name
            switch parameter.domain {
            case .values(let values):
                info.type = values.allSatisfy { if case .number = $0 { true } else { false } } ? .float64
                    : values.allSatisfy { if case .bool = $0 { true } else { false } } ? .bool : .string
                info.domainDiscrete = Google_Protobuf_ListValue(values: values.map(proto))
            case .interval(let lo, let hi):
                info.type = .float64
                var interval = Tensorboard_Hparams_Interval()
                interval.minValue = lo
                interval.maxValue = hi
                info.domainInterval = interval
            }
            return info
        }
        result.metricInfos = experiment.metrics.map { metric in
            var info = Tensorboard_Hparams_MetricInfo()
            info.name.tag = metric.tag
            info.displayName = metric.displayName
            info.datasetType = switch metric.dataset {
            case .unknown: .datasetUnknown
            case .training: .datasetTraining
            case .validation: .datasetValidation
            }
            return info
        }
        return result
    }

    static func description(_ proto: Tensorboard_Hparams_Experiment) -> ExperimentDescription {
        let parameters = proto.hparamInfos.map { info -> HParameter in
            switch info.domain {
            case .domainInterval(let interval):
                return HParameter(name: info.name, domain: .interval(min: interval.minValue, max: interval.maxValue))
            case .domainDiscrete(let list):
                return HParameter(name: info.name, domain: .values(list.values.compactMap(value)))
            case nil:
                return HParameter(name: info.name, domain: .values([]))
            }
        }
        let metrics = proto.metricInfos.map { info -> MetricDescription in
            let dataset: MetricDescription.Dataset = switch info.datasetType {
            case .datasetTraining: .training
            case .datasetValidation: .validation
            default: .unknown
            }
            return MetricDescription(tag: info.name.tag, displayName: info.displayName, dataset: dataset)
        }
        return ExperimentDescription(name: proto.name, description: proto.description_p, createdAt: proto.timeCreatedSecs,
                                     hyperparameters: parameters, metrics: metrics)
    }
}
