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

    func testStackedModelsRoundTripUnderPerLayerNames() throws {
        for cell in CellKind.allCases {
            let config = ModelConfig(cell: cell, inputSize: 3, hiddenSize: 4, outputSize: 5, seed: 2, layers: 3, dropout: 0.1)
            let model = Model(config: config)
            let data = try Safetensors.encode(model)
            let loaded = try Safetensors.decode(data)
            XCTAssertEqual(loaded.config, config)
            XCTAssertEqual(loaded.parameters.map(\.bitPattern), model.parameters.map(\.bitPattern), "\(cell)")
            let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as! [String: Any]
            let names = Set(header.keys.filter { $0 != "__metadata__" })
            let perLayer = cell == .gru ? ["gru.weight_ih_l", "gru.weight_hh_l", "gru.bias_l"] : ["weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"]
            XCTAssertEqual(names, Set((0..<3).flatMap { k in perLayer.map { "\($0)\(k)" } } + ["head.weight", "head.bias"]), "\(cell)")
            let g = cell.gateCount * 4
            let shapes = header.filter { $0.key != "__metadata__" }.mapValues { ($0 as! [String: Any])["shape"] as! [Int] }
            XCTAssertEqual(shapes[cell == .gru ? "gru.weight_ih_l0" : "weight_ih_l0"], [g, 3])
            XCTAssertEqual(shapes[cell == .gru ? "gru.weight_ih_l2" : "weight_ih_l2"], [g, 4])
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

    /// Stacked models in PyTorch with num_layers: nn.RNN, nn.LSTM and nn.GRU (for
    /// gru_reset_after) load the file with strict=True and give the same probabilities and the
    /// same validation loss (to 1e-5 relative), after some training here with dropout.
    func testStackedModelsReproduceTheirLossInPyTorch() throws {
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let candidates = [ProcessInfo.processInfo.environment["RUNNER_TORCH_PYTHON"], "\(home)/torchref/bin/python", "/usr/bin/python3"].compactMap { $0 }
        guard let python = candidates.first(where: { canImportTorch($0) }) else {
            throw XCTSkip("PyTorch is not installed (tried \(candidates.joined(separator: ", "))): PyTorch loss check skipped")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runner-torch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // One Python process for every case (importing torch takes seconds): case i in folder dir/i.
        let cases: [(CellKind, String, Int)] = [(.lstm, "LSTM", 2), (.gruResetAfter, "GRU", 2), (.rnn, "RNN", 2), (.gruResetAfter, "GRU", 1), (.lstm, "LSTM", 3)]
        let (X, H, V, T, B) = (3, 6, 4, 7, 5)
        var expected: [(loss: Double, outputs: [Float])] = []
        for (i, (cell, torchClass, layers)) in cases.enumerated() {
            let config = ModelConfig(cell: cell, inputSize: X, hiddenSize: H, outputSize: V, seed: 5, layers: layers, dropout: 0.2)
            let model = Model(config: config)
            var rng = Xoshiro256(seed: 9)
            let batch = Batch(steps: T, batchSize: B, inputSize: X, inputs: (0..<(T * B * X)).map { _ in Float(rng.normal()) },
                              targets: .classes((0..<(T * B)).map { _ in rng.nextDouble() < 0.2 ? -1 : Int32(rng.nextInt(below: V)) }))
            // A few training steps (with dropout) so every tensor, PyTorch's bias_hh included, has moved off its initialisation.
            var optimizer = Optimizer(settings: OptimizerSettings(kind: .adam, learningRate: 0.05), parameterCount: model.parameters.count)
            var grads = [Float]()
            for step in 1...5 {
                model.lossAndGradients(batch: batch, gradients: &grads, dropout: DropoutKey(seed: 5, epoch: 1, step: step))
                optimizer.update(parameters: &model.parameters, gradients: grads)
            }
            expected.append(model.evaluate(batch: batch))
            let sub = dir.appendingPathComponent("\(i)")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try Safetensors.save(model, to: sub.appendingPathComponent("m.safetensors"))
            guard case .classes(let y) = batch.targets else { return XCTFail() }
            try batch.inputs.map { "\($0)" }.joined(separator: " ").write(to: sub.appendingPathComponent("x.txt"), atomically: true, encoding: .utf8)
            try y.map { "\($0)" }.joined(separator: " ").write(to: sub.appendingPathComponent("y.txt"), atomically: true, encoding: .utf8)
            try "\(torchClass) \(layers)".write(to: sub.appendingPathComponent("net.txt"), atomically: true, encoding: .utf8)
        }
        let py = """
        import json, struct, sys, torch, torch.nn as nn
        for i in range(\(cases.count)):
            d = sys.argv[1] + '/' + str(i)
            kind, layers = open(d + '/net.txt').read().split(); layers = int(layers)
            raw = open(d + '/m.safetensors', 'rb').read()
            n = struct.unpack('<Q', raw[:8])[0]; hdr = json.loads(raw[8:8+n]); sd = {}
            for k, v in hdr.items():
                if k == '__metadata__': continue
                b, e = v['data_offsets']
                sd[k] = torch.frombuffer(bytearray(raw[8+n+b:8+n+e]), dtype=torch.float32).reshape(v['shape'])
            class Net(getattr(nn, kind)):
                def __init__(self):
                    super().__init__(\(X), \(H), num_layers=layers, dropout=0.2)
                    self.head = nn.Linear(\(H), \(V))
            net = Net(); net.load_state_dict(sd, strict=True); net.eval()
            x = torch.tensor([float(t) for t in open(d + '/x.txt').read().split()]).reshape(\(T), \(B), \(X))
            y = torch.tensor([int(t) for t in open(d + '/y.txt').read().split()])
            with torch.no_grad():
                out, _ = net(x); z = net.head(out).reshape(-1, \(V))
                loss = nn.functional.cross_entropy(z.double(), y, ignore_index=-1)
                p = torch.softmax(z, -1)
            print(repr(float(loss)))
            print(' '.join(repr(float(v)) for v in p.reshape(-1)))
        """
        let lines = try runPython(python, script: py, argument: dir.path).split(separator: "\n")
        XCTAssertEqual(lines.count, 2 * cases.count, "\(lines)")
        for (i, (cell, _, layers)) in cases.enumerated() where 2 * i + 1 < lines.count {
            let what = "\(cell) layers=\(layers)"
            guard let torchLoss = Double(lines[2 * i]) else { XCTFail("\(what): unexpected output \(lines[2 * i])"); continue }
            XCTAssertEqual(torchLoss, expected[i].loss, accuracy: 1e-5 * abs(expected[i].loss), what)
            let torchProbs = lines[2 * i + 1].split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(torchProbs.count, expected[i].outputs.count, what)
            for (a, b) in zip(expected[i].outputs, torchProbs) { XCTAssertEqual(Double(a), b, accuracy: 1e-5, what) }
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
