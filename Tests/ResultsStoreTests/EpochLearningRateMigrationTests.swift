// The epochs.lr migration: a database written before it opens, keeps its rows (lr NULL), and
// records the learning rate of new epochs; a read-only open of such a file reads it too.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class EpochLearningRateMigrationTests: XCTestCase {
    func testADatabaseFromBeforeTheColumnUpgradesInPlace() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("old.db")
        // The schema as it was before epochs.lr: every migration up to v2-epoch-details.
        let queue = try DatabaseQueue(path: path)
        try ResultsDatabase.migrator.migrate(queue, upTo: "v2-epoch-details")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO sweeps(id, name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES (1, 's', '{}', 'now', 'adding', 'mse', 0)")
            try db.execute(sql: "INSERT INTO runs(id, sweep_id, plan_index, config_hash, config_json, task, cell, hidden, lr, seed, epochs_planned) VALUES (1, 1, 0, 'h', '{}', 'adding', 'gru', 8, 0.1, 1, 3)")
            try db.execute(sql: "INSERT INTO epochs(run_id, epoch, train_loss, val_loss) VALUES (1, 1, 0.5, 0.25)")
        }
        XCTAssertFalse(try queue.read { try $0.columns(in: "epochs").map(\.name) }.contains("lr"))
        try queue.close()

        let readOnly = try ResultsDatabase.openReadOnly(path: path)
        XCTAssertEqual(try readOnly.epochs(runId: 1).map(\.lr), [nil], "an old file reads without the column")

        let database = try ResultsDatabase.open(path: path)
        let old = try database.epochs(runId: 1)
        XCTAssertEqual(old.map(\.valLoss), [0.25])
        XCTAssertEqual(old.map(\.lr), [nil])
        try database.writer.write { db in
            try EpochRecord(runId: 1, epoch: 2, trainLoss: 0.4, valLoss: 0.2, lr: 0.05).insert(db)
        }
        XCTAssertEqual(try database.epochs(runId: 1).map(\.lr), [nil, 0.05])
        try database.reader.read { db in
            XCTAssertEqual(try ResultsDatabase.migrator.completedMigrations(db), ResultsDatabase.migrationIdentifiers)
        }
    }
}
