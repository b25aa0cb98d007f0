// Every optimiser's steps and every schedule's rates against torch.optim, when PyTorch is
// installed ($RUNNER_TORCH_PYTHON, ~/torchref/bin/python or python3); skipped with the reason otherwise.
import Foundation
import XCTest
@testable import SequenceModels

final class TorchOptimizerTests: XCTestCase {
    /// Parameters and gradients of a few steps, the same on both sides.
    static let start: [Float] = [0.5, -1.5, 2.0, 0.25, -0.05]
    static let steps = 6
    static func gradient(step: Int) -> [Float] {
        (0..<start.count).map { i in Float(sin(1.3 * Double(step + 1) + Double(i)) * Double(1 + i)) }
    }
    /// A learning rate that changes every step, as a schedule would.
    static func learningRate(step: Int) -> Double { 0.05 * pow(0.8, Double(step)) }

    /// Adam's β as the kernel uses them (rounded to Float32 before 1 − β is formed).
    static let floatBetas = "betas=(\(Double(Float(0.9))), \(Double(Float(0.999))))"

    struct Case { var name: String; var settings: OptimizerSettings; var torch: String }
    static let cases: [Case] = [
        Case(name: "sgd", settings: OptimizerSettings(kind: .sgd, learningRate: 0.05, weightDecay: 0.1),
             torch: "torch.optim.SGD(ps, lr=0.05, weight_decay=0.1)"),
        Case(name: "momentum", settings: OptimizerSettings(kind: .momentum, learningRate: 0.05, momentum: 0.9, weightDecay: 0.1),
             torch: "torch.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.1)"),
        Case(name: "adam", settings: OptimizerSettings(kind: .adam, learningRate: 0.05),
             torch: "torch.optim.Adam(ps, lr=0.05, \(floatBetas))"),
        Case(name: "adam+wd", settings: OptimizerSettings(kind: .adam, learningRate: 0.05, weightDecay: 0.1),
             torch: "torch.optim.Adam(ps, lr=0.05, weight_decay=0.1, \(floatBetas))"),
        Case(name: "adamw", settings: OptimizerSettings(kind: .adamw, learningRate: 0.05, weightDecay: 0.1),
             torch: "torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1, \(floatBetas))"),
        Case(name: "rmsprop", settings: OptimizerSettings(kind: .rmsprop, learningRate: 0.05),
             torch: "torch.optim.RMSprop(ps, lr=0.05)"),
        Case(name: "rmsprop+momentum+wd", settings: OptimizerSettings(kind: .rmsprop, learningRate: 0.05, weightDecay: 0.1, rmspropMomentum: 0.9),
             torch: "torch.optim.RMSprop(ps, lr=0.05, momentum=0.9, weight_decay=0.1)"),
    ]

    static var optimizerScript: String {
        let grads = (0..<Self.steps).map { Self.gradient(step: $0).map { "\($0)" }.joined(separator: ",") }
        let lrs = (0..<Self.steps).map { "\(Self.learningRate(step: $0))" }.joined(separator: ",")
        let script = """
        import torch
        torch.set_default_dtype(torch.float32)
        grads = [[\(grads.joined(separator: "], ["))]]
        lrs = [\(lrs)]
        for make in [\(Self.cases.map { "lambda ps: \($0.torch)" }.joined(separator: ", "))]:
            p = torch.nn.Parameter(torch.tensor([\(Self.start.map { "\($0)" }.joined(separator: ", "))]))
            opt = make([p]); rows = []
            for g, lr in zip(grads, lrs):
                opt.param_groups[0]['lr'] = lr
                p.grad = torch.tensor(g)
                opt.step()
                rows.extend(float(v) for v in p.detach())
            print(' '.join(repr(v) for v in rows))
        """
        return script
    }

    func testOptimizerStepsMatchTorchOptim() throws {
        let lines = try Self.torchOutput.get().optimizers
        XCTAssertEqual(lines.count, Self.cases.count)
        var measured: [String: Double] = [:]
        defer { print("torch.optim max difference / scale:", measured.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        for (testCase, line) in zip(Self.cases, lines) {
            let torch = line.split(separator: " ").compactMap { Double($0) }
            var p = Self.start
            var opt = Optimizer(settings: testCase.settings, parameterCount: p.count)
            var ours: [Double] = []
            for step in 0..<Self.steps {
                opt.update(parameters: &p, gradients: Self.gradient(step: step), learningRate: Self.learningRate(step: step))
                ours += p.map(Double.init)
            }
            XCTAssertEqual(torch.count, ours.count, testCase.name)
            // Float32 on both sides, operations in the same order up to fused multiply-adds: the
            // difference is rounding, judged on the parameters' scale (entries cross zero).
            let scale = torch.map(abs).max() ?? 1
            let worst = zip(ours, torch).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst / scale, 1e-6, "\(testCase.name): ours \(ours.suffix(5)) torch \(torch.suffix(5))")
            measured[testCase.name] = worst / scale
        }
    }

    static let losses = [1.0, 0.95, 0.96, 0.9, 0.91, 0.9, 0.92, 0.93, 0.5, 0.5, 0.5, 0.5]
    static let schedules: [(LearningRateSchedule, String, String)] = [
            (.step(gamma: 0.3, stepEpochs: 3), "torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.3)", "s.step()"),
            (.cosine, "torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=\(losses.count))", "s.step()"),
            (.reduceOnPlateau(factor: 0.5, patience: 1, threshold: 1e-4),
             "torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=1, threshold=1e-4)", "s.step(loss)"),
            (.reduceOnPlateau(factor: 0.1, patience: 0, threshold: 0.05),
             "torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.1, patience=0, threshold=0.05)", "s.step(loss)"),
        ]

    static var scheduleScript: String {
        """
        import torch, warnings
        warnings.simplefilter('ignore')
        losses = [\(losses.map { "\($0)" }.joined(separator: ", "))]
        for make, step in [\(schedules.map { "(lambda o: \($0.1), lambda s, loss: \($0.2))" }.joined(separator: ", "))]:
            o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.07)
            s = make(o); rates = []
            for loss in losses:
                rates.append(o.param_groups[0]['lr'])
                o.step(); step(s, loss)
            print(' '.join(repr(float(r)) for r in rates))
        """
    }

    func testScheduleRatesMatchTorchLRScheduler() throws {
        let lines = try Self.torchOutput.get().schedules
        let losses = Self.losses, epochs = losses.count
        XCTAssertEqual(lines.count, Self.schedules.count)
        for ((schedule, _, _), line) in zip(Self.schedules, lines) {
            let torch = line.split(separator: " ").compactMap { Double($0) }
            var scheduler = LearningRateScheduler(schedule: schedule, baseLearningRate: 0.07, epochs: epochs)
            var ours: [Double] = []
            for (index, loss) in losses.enumerated() {
                ours.append(scheduler.learningRate(epoch: index + 1))
                scheduler.epochEnded(validationLoss: loss)
            }
            // The same Double operations as PyTorch's schedulers: equal to the bit.
            XCTAssertEqual(ours.map(\.bitPattern), torch.map(\.bitPattern), "\(schedule): ours \(ours) torch \(torch)")
            XCTAssertGreaterThan(Set(ours).count, 1, "\(schedule) changes the rate in this run")
        }
    }

    // MARK: - Running PyTorch

    /// Both scripts' output lines, from one PyTorch process for the whole class.
    static let torchOutput: Result<(optimizers: [Substring], schedules: [Substring]), Error> = {
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let candidates = [ProcessInfo.processInfo.environment["RUNNER_TORCH_PYTHON"], "\(home)/torchref/bin/python", "/usr/bin/python3"].compactMap { $0 }
        let script = optimizerScript + "\nprint('---')\n" + scheduleScript
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            do {
                let parts = try run(python, script).components(separatedBy: "\n---\n")
                guard parts.count == 2 else { return .failure(NSError(domain: "python", code: 1, userInfo: [NSLocalizedDescriptionKey: "unexpected output"])) }
                return .success((parts[0].split(separator: "\n"), parts[1].split(separator: "\n")))
            } catch let error as NSError where error.localizedDescription.contains("No module named 'torch'") {
                continue
            } catch {
                return .failure(error)
            }
        }
        return .failure(XCTSkip("PyTorch is not installed (tried \(candidates.joined(separator: ", "))): torch.optim comparison skipped"))
    }()

    private static func run(_ python: String, _ script: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "python", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: String(decoding: errors, as: UTF8.self)])
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
