// Save → load gives bitwise-equal parameters and outputs; names follow
// PyTorch's state_dict for rnn and lstm; when PyTorch is installed, the file
// loads there with strict=True and gives the same outputs.
import XCTest
import Foundation
@testable import SequenceModels

final class SafetensorsTests: XCTestCase {
    func testRoundTripIsBitwise() throws {
        for cell in CellKind.allCases {
            let (config, batch) = GradientCheck.randomProblem(cell: cell, layout: .softmaxEveryStep, seed: 11)
            let model = Model(config: config)
            let loaded = try Safetensors.decode(try Safetensors.encode(model))
            XCTAssertEqual(loaded.config, config)
            XCTAssertEqual(loaded.parameters.map(\.bitPattern), model.parameters.map(\.bitPattern), "\(cell)")
            XCTAssertEqual(loaded.evaluate(batch: batch).outputs.map(\.bitPattern),
                           model.evaluate(batch: batch).outputs.map(\.bitPattern), "\(cell)")
        }
    }

    func testPyTorchNamesAndShapes() throws {
        let config = ModelConfig(cell: .lstm, inputSize: 3, hiddenSize: 4, outputSize: 5)
        let data = try Safetensors.encode(Model(config: config))
        let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as! [String: Any]
        let shapes = header.filter { $0.key != "__metadata__" }.mapValues { ($0 as! [String: Any])["shape"] as! [Int] }
        XCTAssertEqual(shapes, ["weight_ih_l0": [16, 3], "weight_hh_l0": [16, 4], "bias_ih_l0": [16], "bias_hh_l0": [16],
                                "head.weight": [5, 4], "head.bias": [5]])
        XCTAssertEqual((8 + n) % 8, 0, "data aligned to 8 bytes")
    }

    func testWrongShapeIsRefused() throws {
        let data = try Safetensors.encode(Model(config: ModelConfig(cell: .rnn, inputSize: 3, hiddenSize: 4, outputSize: 5)))
        XCTAssertThrowsError(try Safetensors.decode(data, config: ModelConfig(cell: .rnn, inputSize: 3, hiddenSize: 6, outputSize: 5))) {
            XCTAssertTrue("\($0)".contains("weight_ih_l0"), "\($0)")
        }
    }

    /// Loads the file in PyTorch (strict=True) and compares outputs, when a Python with torch is at hand:
    /// $RUNNER_TORCH_PYTHON, ~/torchref/bin/python or python3. Otherwise says why it skipped.
    func testLoadsIntoPyTorchWithSameOutputs() throws {
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let candidates = [ProcessInfo.processInfo.environment["RUNNER_TORCH_PYTHON"], "\(home)/torchref/bin/python", "/usr/bin/python3"].compactMap { $0 }
        guard let python = candidates.first(where: { canImportTorch($0) }) else {
            throw XCTSkip("PyTorch is not installed (tried \(candidates.joined(separator: ", "))): PyTorch load check skipped")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runner-torch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for cell in [CellKind.rnn, .lstm] {
            let config = ModelConfig(cell: cell, inputSize: 3, hiddenSize: 5, outputSize: 4, seed: 5)
            let model = Model(config: config)
            var rng = Xoshiro256(seed: 9)
            let inputs = (0..<(7 * 2 * 3)).map { _ in Float(rng.normal()) }
            var state = model.initialState(batchSize: 2)
            let probs = model.predict(inputs: inputs, steps: 7, state: &state)
            try Safetensors.save(model, to: dir.appendingPathComponent("m.safetensors"))
            try inputs.map { "\($0)" }.joined(separator: " ").write(to: dir.appendingPathComponent("x.txt"), atomically: true, encoding: .utf8)
            let py = """
            import json, struct, sys, torch, torch.nn as nn
            d = sys.argv[1]
            raw = open(d + '/m.safetensors', 'rb').read()
            n = struct.unpack('<Q', raw[:8])[0]; hdr = json.loads(raw[8:8+n]); sd = {}
            for k, v in hdr.items():
                if k == '__metadata__': continue
                b, e = v['data_offsets']
                sd[k] = torch.frombuffer(bytearray(raw[8+n+b:8+n+e]), dtype=torch.float32).reshape(v['shape'])
            Base = nn.\(cell == .lstm ? "LSTM" : "RNN")
            class Net(Base):
                def __init__(self):
                    super().__init__(3, 5)
                    self.head = nn.Linear(5, 4)
            net = Net(); net.load_state_dict(sd, strict=True)
            x = torch.tensor([float(t) for t in open(d + '/x.txt').read().split()]).reshape(7, 2, 3)
            with torch.no_grad():
                out, _ = net(x); p = torch.softmax(net.head(out), -1)
            print(' '.join(repr(float(v)) for v in p.reshape(-1)))
            """
            let output = try runPython(python, script: py, argument: dir.path)
            let torchProbs = output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            XCTAssertEqual(torchProbs.count, probs.count, "\(cell)")
            for (a, b) in zip(probs, torchProbs) { XCTAssertEqual(Double(a), b, accuracy: 1e-5, "\(cell)") }
        }
    }

    private func canImportTorch(_ python: String) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        return (try? runPython(python, script: "import torch", argument: "")) != nil
    }

    private func runPython(_ python: String, script: String, argument: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, argument]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: data, as: UTF8.self)
    }
}
