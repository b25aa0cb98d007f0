// The writer's files read back by NumPy itself (skipped when python3 with NumPy is absent).
import Foundation
import XCTest
@testable import NumPyFiles

final class NumPyInteropTests: XCTestCase {
    func testNumPyLoadsWhatTheWriterWrites() throws {
        // The python3 first on PATH (the one a user's `python3` runs), else the system's.
        let onPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        let python = (onPath + ["/usr/bin/python3"]).first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else { throw XCTSkip("python3 is not installed") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("npz-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("w.npz")
        try NPYWriter.writeArchive(["a": .float32([1.5, -2, 0.25, 8], shape: [2, 2]),
                                    "b": .integers([-3, 7], shape: [2], dtype: .int32)], to: url, compressed: true)
        let script = """
        import sys
        try:
            import numpy as np
        except ImportError:
            print("no numpy"); sys.exit(0)
        d = np.load(sys.argv[1])
        print(d["a"].dtype, d["a"].shape, d["a"].tolist(), d["b"].dtype, d["b"].tolist())
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if output.hasPrefix("no numpy") { throw XCTSkip("NumPy is not installed for \(python)") }
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines),
                       "float32 (2, 2) [[1.5, -2.0], [0.25, 8.0]] int32 [-3, 7]")
    }
}
