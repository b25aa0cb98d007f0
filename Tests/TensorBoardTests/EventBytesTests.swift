// The bytes of one scalar's event record, worked out by hand field by field, and the
// TFRecord reader on whole, torn and corrupted files.
import Foundation
import SwiftProtobuf
import XCTest
@testable import TensorBoard

final class EventBytesTests: XCTestCase {
    /// Event{wall_time: 1.5, step: 3, summary{value{tag: "val/loss", simple_value: 0.25}}}.
    /// The two checksums were computed with TensorBoard's own pure-Python masked_crc32c
    /// (tensorboard.compat.tensorflow_stub.pywrap_tensorflow), independently of this code.
    func testOneScalarRecordByHand() throws {
        let event = Summaries.scalarsEvent(step: 3, wallTime: 1.5, values: [(tag: "val/loss", value: 0.25)])
        let expectedEvent: [UInt8] = [
            0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F,  // field 1 (wall_time), fixed64: 1.5 = 0x3FF8000000000000 LE
            0x10, 0x03,                                            // field 2 (step), varint 3
            0x2A, 0x11,                                            // field 5 (summary), 17 bytes
            0x0A, 0x0F,                                            //   Summary field 1 (value), 15 bytes
            0x0A, 0x08, 0x76, 0x61, 0x6C, 0x2F, 0x6C, 0x6F, 0x73, 0x73,  // Value field 1 (tag) "val/loss"
            0x15, 0x00, 0x00, 0x80, 0x3E,                          //     Value field 2 (simple_value), fixed32: 0.25f = 0x3E800000 LE
        ]
        let data: [UInt8] = try event.serializedBytes()
        XCTAssertEqual(data, expectedEvent)

        let expectedRecord: [UInt8] = [0x1E, 0, 0, 0, 0, 0, 0, 0]   // length 30, uint64 LE
            + [0xD9, 0xDC, 0x12, 0x32]                               // masked CRC-32C of the length: 0x3212DCD9 LE
            + expectedEvent
            + [0xBB, 0xCB, 0x00, 0x24]                               // masked CRC-32C of the data: 0x2400CBBB LE
        XCTAssertEqual([UInt8](TFRecord.frame(Data(data))), expectedRecord)
    }

    func testReaderReturnsWholeRecordsAndStopsAtATornTail() throws {
        let records = [Data("first".utf8), Data(), Data(repeating: 7, count: 300)]
        var file = Data()
        for r in records { file.append(TFRecord.frame(r)) }
        XCTAssertEqual(try TFRecord.records(in: file), records)
        // A writer killed in mid-record leaves part of a record: the whole ones are kept.
        var torn = file
        torn.append(TFRecord.frame(Data("cut short".utf8)).prefix(14))
        XCTAssertEqual(try TFRecord.records(in: torn), records)
    }

    func testReaderRejectsAFlippedByte() {
        var file = TFRecord.frame(Data("payload".utf8))
        file[13] ^= 0x01   // inside the data
        XCTAssertThrowsError(try TFRecord.records(in: file)) { error in
            XCTAssertTrue("\(error)".contains("data's checksum"), "\(error)")
        }
        var header = TFRecord.frame(Data("payload".utf8))
        header[0] ^= 0x01  // the length
        XCTAssertThrowsError(try TFRecord.records(in: header)) { error in
            XCTAssertTrue("\(error)".contains("length's checksum"), "\(error)")
        }
    }

    func testHParamsSummaryCarriesThePluginDataAndTheNullTensor() throws {
        let event = try Summaries.sessionEndEvent(status: .success, endTime: 10, step: 4)
        XCTAssertEqual(event.summary.value.count, 1)
        let value = event.summary.value[0]
        XCTAssertEqual(value.tag, "_hparams_/session_end_info")
        XCTAssertEqual(value.metadata.pluginData.pluginName, "hparams")
        let data = try Tensorboard_Hparams_HParamsPluginData(serializedBytes: value.metadata.pluginData.content)
        XCTAssertEqual(data.version, 0)
        XCTAssertEqual(data.sessionEndInfo.status, .success)
        XCTAssertEqual(data.sessionEndInfo.endTimeSecs, 10)
        // TensorBoard's NULL_TENSOR serialises as 08 01 12 02 12 00: DT_FLOAT, shape [0].
        let tensorBytes: [UInt8] = try value.tensor.serializedBytes()
        XCTAssertEqual(tensorBytes, [0x08, 0x01, 0x12, 0x02, 0x12, 0x00])
    }
}
