// One GRDB record type per table of the results database (sweeps, runs, epochs,
// checkpoints), each Codable with explicit column names and a Columns enum.
import Foundation
import GRDB

/// The state of a run. Stored as text in `runs.status`.
public enum RunStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case pending, running, finished, failed, diverged, interrupted

    /// Statuses after which a run is never claimed again.
    public var isTerminal: Bool { self == .finished || self == .failed || self == .diverged }
}

/// A row of `sweeps`: one spec run under a name.
public struct SweepRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sweeps"

    public var id: Int64?
    public var name: String
    /// The spec file's JSON, as given.
    public var specJSON: String
    /// ISO-8601 UTC (see ``ResultsDatabase/timestamp(_:)``).
    public var createdAt: String
    public var task: String
    /// Name of the task's validation metric ("accuracy", "mse", ...).
    public var metricName: String
    public var metricHigherIsBetter: Bool
    /// Loss and metric of the task's trivial predictor, shown beside the models.
    public var baselineLoss: Double?
    public var baselineMetric: Double?
    /// The same trivial predictor scored on the task's test split; nil without one.
    public var baselineTestLoss: Double?
    public var baselineTestMetric: Double?

    public init(id: Int64? = nil, name: String, specJSON: String, createdAt: String, task: String,
                metricName: String, metricHigherIsBetter: Bool,
                baselineLoss: Double? = nil, baselineMetric: Double? = nil,
                baselineTestLoss: Double? = nil, baselineTestMetric: Double? = nil) {
        self.id = id
        self.name = name
        self.specJSON = specJSON
        self.createdAt = createdAt
        self.task = task
        self.metricName = metricName
        self.metricHigherIsBetter = metricHigherIsBetter
        self.baselineLoss = baselineLoss
        self.baselineMetric = baselineMetric
        self.baselineTestLoss = baselineTestLoss
        self.baselineTestMetric = baselineTestMetric
    }

    public enum CodingKeys: String, CodingKey {
        case id, name, task
        case baselineTestLoss = "baseline_test_loss"
        case baselineTestMetric = "baseline_test_metric"
        case specJSON = "spec_json"
        case createdAt = "created_at"
        case metricName = "metric_name"
        case metricHigherIsBetter = "metric_higher_is_better"
        case baselineLoss = "baseline_loss"
        case baselineMetric = "baseline_metric"
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let name = Column(CodingKeys.name)
        public static let specJSON = Column(CodingKeys.specJSON)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let task = Column(CodingKeys.task)
        public static let metricName = Column(CodingKeys.metricName)
        public static let metricHigherIsBetter = Column(CodingKeys.metricHigherIsBetter)
        public static let baselineLoss = Column(CodingKeys.baselineLoss)
        public static let baselineMetric = Column(CodingKeys.baselineMetric)
        public static let baselineTestLoss = Column(CodingKeys.baselineTestLoss)
        public static let baselineTestMetric = Column(CodingKeys.baselineTestMetric)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `runs`: one configuration of a sweep and its progress.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runs"

    public var id: Int64?
    public var sweepId: Int64
    /// Position in the plan (order of claims).
    public var planIndex: Int
    /// SHA-256 hex of `configJSON`.
    public var configHash: String
    /// Canonical JSON of the run's full configuration.
    public var configJSON: String
    public var task: String
    public var cell: String
    public var hidden: Int
    public var lr: Double
    public var seed: Int
    public var status: RunStatus
    public var paramCount: Int?
    public var epochsPlanned: Int
    public var startedAt: String?
    public var finishedAt: String?
    public var error: String?
    /// Who holds the run while it is `running` ("host:pid:thread" or similar).
    public var worker: String?
    /// Unix seconds of the holder's last sign of life.
    public var heartbeatAt: Double?

    public init(id: Int64? = nil, sweepId: Int64, planIndex: Int, configHash: String, configJSON: String,
                task: String, cell: String, hidden: Int, lr: Double, seed: Int,
                status: RunStatus = .pending, paramCount: Int? = nil, epochsPlanned: Int,
                startedAt: String? = nil, finishedAt: String? = nil, error: String? = nil,
                worker: String? = nil, heartbeatAt: Double? = nil) {
        self.id = id
        self.sweepId = sweepId
        self.planIndex = planIndex
        self.configHash = configHash
        self.configJSON = configJSON
        self.task = task
        self.cell = cell
        self.hidden = hidden
        self.lr = lr
        self.seed = seed
        self.status = status
        self.paramCount = paramCount
        self.epochsPlanned = epochsPlanned
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.worker = worker
        self.heartbeatAt = heartbeatAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, task, cell, hidden, lr, seed, status, error, worker
        case sweepId = "sweep_id"
        case planIndex = "plan_index"
        case configHash = "config_hash"
        case configJSON = "config_json"
        case paramCount = "param_count"
        case epochsPlanned = "epochs_planned"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case heartbeatAt = "heartbeat_at"
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let sweepId = Column(CodingKeys.sweepId)
        public static let planIndex = Column(CodingKeys.planIndex)
        public static let configHash = Column(CodingKeys.configHash)
        public static let configJSON = Column(CodingKeys.configJSON)
        public static let task = Column(CodingKeys.task)
        public static let cell = Column(CodingKeys.cell)
        public static let hidden = Column(CodingKeys.hidden)
        public static let lr = Column(CodingKeys.lr)
        public static let seed = Column(CodingKeys.seed)
        public static let status = Column(CodingKeys.status)
        public static let paramCount = Column(CodingKeys.paramCount)
        public static let epochsPlanned = Column(CodingKeys.epochsPlanned)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let error = Column(CodingKeys.error)
        public static let worker = Column(CodingKeys.worker)
        public static let heartbeatAt = Column(CodingKeys.heartbeatAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `epochs`: the measurements of one completed epoch of a run (epoch is 1-based).
public struct EpochRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "epochs"

    public var runId: Int64
    public var epoch: Int
    public var trainLoss: Double?
    public var valLoss: Double?
    public var valMetric: Double?
    public var gradNorm: Double?
    public var seconds: Double?
    public var tokensPerSecond: Double?
    /// Secondary validation metrics of the task, a JSON object (name → value), or nil.
    public var valDetails: String?
    /// Loss and metric on the task's test split at this epoch; nil without a test split.
    public var testLoss: Double?
    public var testMetric: Double?
    /// The learning rate the epoch trained with; nil in epochs recorded before it was kept.
    public var lr: Double?

    public init(runId: Int64, epoch: Int, trainLoss: Double? = nil, valLoss: Double? = nil,
                valMetric: Double? = nil, gradNorm: Double? = nil, seconds: Double? = nil,
                tokensPerSecond: Double? = nil, valDetails: String? = nil,
                testLoss: Double? = nil, testMetric: Double? = nil, lr: Double? = nil) {
        self.runId = runId
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.valLoss = valLoss
        self.valMetric = valMetric
        self.gradNorm = gradNorm
        self.seconds = seconds
        self.tokensPerSecond = tokensPerSecond
        self.valDetails = valDetails
        self.testLoss = testLoss
        self.testMetric = testMetric
        self.lr = lr
    }

    public enum CodingKeys: String, CodingKey {
        case epoch, seconds, lr
        case valDetails = "val_details"
        case testLoss = "test_loss"
        case testMetric = "test_metric"
        case runId = "run_id"
        case trainLoss = "train_loss"
        case valLoss = "val_loss"
        case valMetric = "val_metric"
        case gradNorm = "grad_norm"
        case tokensPerSecond = "tokens_per_second"
    }

    public enum Columns {
        public static let runId = Column(CodingKeys.runId)
        public static let epoch = Column(CodingKeys.epoch)
        public static let trainLoss = Column(CodingKeys.trainLoss)
        public static let valLoss = Column(CodingKeys.valLoss)
        public static let valMetric = Column(CodingKeys.valMetric)
        public static let gradNorm = Column(CodingKeys.gradNorm)
        public static let seconds = Column(CodingKeys.seconds)
        public static let tokensPerSecond = Column(CodingKeys.tokensPerSecond)
        public static let valDetails = Column(CodingKeys.valDetails)
        public static let testLoss = Column(CodingKeys.testLoss)
        public static let testMetric = Column(CodingKeys.testMetric)
        public static let lr = Column(CodingKeys.lr)
    }
}

/// A row of `checkpoints`: the latest saved state of a run, taken after `epoch`.
public struct CheckpointRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "checkpoints"

    public var runId: Int64
    public var epoch: Int
    /// Opaque bytes written by the trainer (weights, optimiser and random state).
    public var state: Data

    public init(runId: Int64, epoch: Int, state: Data) {
        self.runId = runId
        self.epoch = epoch
        self.state = state
    }

    public enum CodingKeys: String, CodingKey {
        case epoch, state
        case runId = "run_id"
    }

    public enum Columns {
        public static let runId = Column(CodingKeys.runId)
        public static let epoch = Column(CodingKeys.epoch)
        public static let state = Column(CodingKeys.state)
    }
}
