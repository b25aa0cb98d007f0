// The schema of early stopping and successive halving: the `pruned` run status, the
// `runs.stop_epoch` / `runs.stop_reason` / `runs.pruned_rung` columns and the `halving_decisions` table.
import GRDB

extension ResultsDatabase {
    /// Migration `v4-halving-pruned`.
    ///
    /// SQLite cannot change a CHECK constraint in place, so `runs` is rebuilt the way SQLite's
    /// documentation prescribes: a copy of its current definition (whatever columns earlier
    /// migrations added) with `'pruned'` added to the status list, every row copied, the old
    /// table dropped and the copy renamed; its indexes, triggers and every view are recreated
    /// from their saved SQL. GRDB runs the migration with foreign keys off and checks them
    /// at its end, so the rows of `epochs` and `checkpoints` keep pointing at their runs.
    static func migrateHalving(_ db: Database) throws {
        guard let tableSQL = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'") else {
            throw DatabaseError(message: "migration v4-halving-pruned: no runs table")
        }
        let statuses = "'diverged','interrupted')"
        guard tableSQL.contains(statuses), let nameRange = tableSQL.range(of: "runs") else {
            throw DatabaseError(message: "migration v4-halving-pruned: unexpected runs definition")
        }
        var rebuiltSQL = tableSQL.replacingOccurrences(of: statuses, with: "'diverged','interrupted','pruned')")
        rebuiltSQL.replaceSubrange(rebuiltSQL.range(of: "runs", range: nameRange.lowerBound..<rebuiltSQL.endIndex)!,
                                   with: "runs_rebuilt")
        let views = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid")
        let dependents = try String.fetchAll(db, sql: """
            SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'runs' AND sql IS NOT NULL ORDER BY rowid
            """)
        for view in views { try db.execute(sql: "DROP VIEW \(quoted(view["name"]))") }
        try db.execute(sql: rebuiltSQL)
        try db.execute(sql: "INSERT INTO runs_rebuilt SELECT * FROM runs")
        try db.execute(sql: "DROP TABLE runs")
        try db.execute(sql: "ALTER TABLE runs_rebuilt RENAME TO runs")
        for sql in dependents { try db.execute(sql: sql) }
        for view in views { try db.execute(sql: view["sql"]) }

        try db.execute(sql: """
            ALTER TABLE runs ADD COLUMN stop_epoch INTEGER;    -- the epoch a run stopped at early (early stop, pruning)
            ALTER TABLE runs ADD COLUMN stop_reason TEXT;
            ALTER TABLE runs ADD COLUMN pruned_rung INTEGER;   -- the halving rung a pruned run stopped at
            -- One row per (rung, configuration) that successive halving ranked, written once, in
            -- the transaction that decided the rung; read by every later process.
            CREATE TABLE halving_decisions(
                sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                rung INTEGER NOT NULL,                 -- 1-based
                epoch INTEGER NOT NULL,                -- the rung's epoch
                configuration TEXT NOT NULL,           -- SHA-256 of the configuration without its seed
                configuration_json TEXT NOT NULL,
                cohort INTEGER NOT NULL,               -- 1, or more when the grid grew after the rung was decided
                cohort_size INTEGER NOT NULL,          -- configurations ranked together
                score REAL,                            -- mean of the seeds' monitored values; NULL ranks last
                rank INTEGER NOT NULL,                 -- 1 = best
                kept INTEGER NOT NULL,                 -- 1: goes on; 0: its runs are pruned
                seeds INTEGER NOT NULL,                -- runs averaged into the score
                decided_at TEXT NOT NULL,
                PRIMARY KEY (sweep_id, rung, configuration)
            );
            """)
    }

    private static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A row of `halving_decisions`: how one configuration ranked at one rung.
public struct HalvingDecisionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "halving_decisions"

    public var sweepId: Int64
    /// 1-based rung number.
    public var rung: Int
    /// The epoch the rung ranks at.
    public var epoch: Int
    /// SHA-256 of the configuration's seedless canonical JSON.
    public var configuration: String
    public var configurationJSON: String
    /// Which group ranked together at this rung (1 unless the grid grew after it was decided).
    public var cohort: Int
    public var cohortSize: Int
    /// Mean of the seeds' monitored values at the rung; nil ranks last (a seed diverged or failed).
    public var score: Double?
    public var rank: Int
    public var kept: Bool
    public var seeds: Int
    public var decidedAt: String

    public init(sweepId: Int64, rung: Int, epoch: Int, configuration: String, configurationJSON: String,
                cohort: Int, cohortSize: Int, score: Double?, rank: Int, kept: Bool, seeds: Int, decidedAt: String) {
        self.sweepId = sweepId
        self.rung = rung
        self.epoch = epoch
        self.configuration = configuration
        self.configurationJSON = configurationJSON
        self.cohort = cohort
        self.cohortSize = cohortSize
        self.score = score
        self.rank = rank
        self.kept = kept
        self.seeds = seeds
        self.decidedAt = decidedAt
    }

    public enum CodingKeys: String, CodingKey {
        case rung, epoch, configuration, cohort, score, rank, kept, seeds
        case sweepId = "sweep_id"
        case configurationJSON = "configuration_json"
        case cohortSize = "cohort_size"
        case decidedAt = "decided_at"
    }

    public enum Columns {
        public static let sweepId = Column(CodingKeys.sweepId)
        public static let rung = Column(CodingKeys.rung)
        public static let configuration = Column(CodingKeys.configuration)
    }

    /// What a decision is taken once for (the table's key within a sweep): its rung and configuration.
    public struct Key: Hashable, Sendable {
        public var rung: Int
        public var configuration: String
    }

    public var key: Key { Key(rung: rung, configuration: configuration) }

    /// Whether two decisions say the same (everything but when they were taken; scores bitwise).
    public func agrees(with other: HalvingDecisionRecord) -> Bool {
        rung == other.rung && epoch == other.epoch && configuration == other.configuration
            && cohort == other.cohort && cohortSize == other.cohortSize && score?.bitPattern == other.score?.bitPattern
            && rank == other.rank && kept == other.kept && seeds == other.seeds
    }
}
