import ArgumentParser
import DepthMuP
import enum Notebook.DidYouMean
import enum Notebook.SpecLimits
import Foundation
import enum Notebook.LearningRate
import enum Render.NumberFormat

extension ActivationKind: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension ReadoutMode: ExpressibleByArgument {}
extension InputMode: ExpressibleByArgument {}
extension LossKind: ExpressibleByArgument {}

/// `depthbook train`: one training run of the Depth-μP engine from flags, printing its metrics.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one residual MLP (Depth-μP engine) and print its metrics.",
        discussion: """
            Trains the block-depth-k residual MLP of depth-mup.md §0 (TP6, arXiv:2310.02244) and prints the final train loss (mean over the last 10% of steps), test loss and accuracy, and whether and at which step the run diverged (loss non-finite or above 100 × the initial loss). A progress line goes to stderr.

            Learning rates accept powers: 2^-9, 2**-9, 0.002, 1e-3.

            Examples:
              depthbook train --width 128 --depth 8 --lr 2^-9
              depthbook train --data teacher --depth 64 --lr 0.01 --json
              depthbook train --parametrization alpha=0.5,gamma=0 --lr 2^-9
              depthbook train --data idx:IMAGES.gz,LABELS.gz --test-size 1000 \\
                --lr 2^-9
              depthbook train --optimizer sgd --momentum 0.9 --lr 0.1 \\
                --readout zero --coordinate-check 0,1,10
            """
    )

    @Option(help: "Data: fashion-mnist, fashion-mnist:DIR, teacher, or idx:IMAGES,LABELS.")
    var data = "fashion-mnist"
    @Option(help: "Width n.") var width = 128
    @Option(help: "Depth L (number of residual blocks).") var depth = 8
    @Option(help: "Matrices per residual branch.") var blockDepth = 1
    @Option(help: "Activation φ: \(ActivationKind.allCases.map(\.rawValue).joined(separator: ", ")).") var activation: ActivationKind = .relu
    @Option(help: "Mean subtraction: auto (on for non-odd φ), on, off.") var meanSubtraction = "auto"
    @Option(help: "Parametrization: depth-mup, sp, mup, or alpha=X,gamma=Y.") var parametrization = "depth-mup"
    @Option(help: "Optimizer: adam or sgd.") var optimizer: OptimizerKind = .adam
    @Option(help: "Base learning rate η (e.g. 2^-9 or 0.002).") var lr: String
    @Option(help: "SGD momentum.") var momentum = 0.0
    @Option(help: "Adam ε before width/depth scaling.") var epsilon = 1e-8
    @Option(help: "Loss: cross-entropy or mse.") var loss: LossKind = .crossEntropy
    @Option(help: "Training steps.") var steps = 400
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Seed of initialization and batch order.") var seed: UInt64 = 0
    @Option(help: "Training examples (default: all; teacher: 8192).") var trainSize: Int?
    @Option(help: "Test examples (default: Fashion-MNIST 10000, teacher 2048, idx 0).") var testSize: Int?
    @Option(help: "Branch multiplier a.") var branchMultiplier = 1.0
    @Option(help: "Base width n0.") var baseWidth = 128
    @Option(help: "Base depth L0.") var baseDepth = 8
    @Option(help: "Readout: frozen, trained, zero.") var readout: ReadoutMode = .frozen
    @Option(help: "Input layer: frozen or trained.") var input: InputMode = .frozen
    @Flag(help: "LayerNorm before each block's first matrix.") var preLN = false
    @Option(help: "Teacher task: input dimension.") var teacherInputDim = 32
    @Option(help: "Teacher task: classes.") var teacherClasses = 10
    @Option(help: "Steps (comma-separated, 0 = init) at which to print RMS of every block's output.") var coordinateCheck = ""
    @Flag(help: "Also print per-block ‖ΔW‖_F/‖W₀‖_F and the feature-diversity curve.") var featureUpdate = false
    @Flag(help: "Print one JSON object instead of text.") var json = false

    /// Parses `2^-9`, `2**-9` or a decimal number (the same parser as `lr:` in a block).
    static func parseRate(_ text: String) -> Double? { LearningRate.parse(text) }

    func validate() throws {
        guard let rate = Self.parseRate(lr), rate.isFinite else {
            throw ValidationError("--lr '\(lr)' is not a rate; write 2^-9, 0.002 or 1e-3")
        }
        guard rate > 0 else {
            throw ValidationError("--lr must be > 0 (got \(lr)); write 2^-9, 0.002 or 1e-3")
        }
        guard SpecLimits.learningRate.contains(rate) else {
            throw ValidationError("--lr \(lr) is out of range; use a rate in [1e-30, 1e6]")
        }
        let limits: [(String, Int, ClosedRange<Int>)] = [
            // Width and depth are left to the engine's memory budget, which says how many GiB.
            ("--block-depth", blockDepth, SpecLimits.blockDepth), ("--steps", steps, SpecLimits.steps),
            ("--batch", batch, SpecLimits.batch), ("--train-size", trainSize ?? 1, SpecLimits.examples),
            ("--test-size", testSize ?? 0, SpecLimits.examples), ("--teacher-input-dim", teacherInputDim, SpecLimits.inputDim),
            ("--teacher-classes", teacherClasses, SpecLimits.classes),
        ]
        for (flag, value, range) in limits where !range.contains(value) && value >= 1 {
            throw ValidationError("\(flag) \(value) is out of range; use \(range.lowerBound)…\(range.upperBound) (larger runs do not fit a workstation)")
        }
        if ParametrizationName(parsing: parametrization) == nil {
            let near = DidYouMean.suggestion(for: parametrization, among: ["depth-mup", "sp", "mup"]).map { "did you mean \($0)? " } ?? ""
            throw ValidationError("--parametrization '\(parametrization)' is unknown; hint: \(near)use depth-mup, sp, mup or alpha=0.5,gamma=0.5")
        }
        if !["auto", "on", "off"].contains(meanSubtraction) { throw ValidationError("--mean-subtraction must be auto, on or off") }
        _ = try dataSource()
        if width < 1 || depth < 1 || blockDepth < 1 { throw ValidationError("--width, --depth and --block-depth must be ≥ 1") }
        if steps < 1 || batch < 1 { throw ValidationError("--steps and --batch must be ≥ 1") }
        if baseWidth < 1 || baseDepth < 1 { throw ValidationError("--base-width and --base-depth must be ≥ 1") }
        if !(momentum >= 0 && momentum < 1) { throw ValidationError("--momentum must be in [0, 1)") }
        if let trainSize, trainSize < 1 { throw ValidationError("--train-size must be ≥ 1") }
        if let testSize, testSize < 0 { throw ValidationError("--test-size must be ≥ 0") }
        if coordinateSteps == nil { throw ValidationError("--coordinate-check takes comma-separated step numbers, e.g. 0,1,10") }
    }

    var coordinateSteps: [Int]? {
        if coordinateCheck.isEmpty { return [] }
        let values = coordinateCheck.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if values.contains(where: { $0 == nil || $0! < 0 || $0! > steps }) { return nil }
        return values.map { $0! }
    }

    func dataSource() throws -> DataConfig.Source {
        if data == "fashion-mnist" { return .fashionMNIST(directory: nil) }
        if data.hasPrefix("fashion-mnist:") { return .fashionMNIST(directory: String(data.dropFirst("fashion-mnist:".count))) }
        if data == "teacher" { return .teacher(inputDim: teacherInputDim, classes: teacherClasses, seed: seed) }
        if data.hasPrefix("idx:") {
            let parts = data.dropFirst(4).split(separator: ",", omittingEmptySubsequences: false)
            if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty { return .idx(images: String(parts[0]), labels: String(parts[1])) }
            throw ValidationError("--data idx: needs two paths: idx:IMAGES,LABELS")
        }
        throw ValidationError("--data '\(data)' is unknown; use fashion-mnist, teacher or idx:IMAGES,LABELS")
    }

    func run() throws {
        let source = try dataSource()
        let files = IDXCache()   // read once for the counts and the load
        let available: (train: Int, test: Int)
        do { available = try Dataset.availableExamples(source, files: files) } catch let error as DepthMuPError { throw Self.badInput(error, data: source) }
        let testCount: Int
        let trainCount: Int
        switch source {
        case .teacher:
            testCount = testSize ?? 2048
            trainCount = trainSize ?? 8192
        case .fashionMNIST:
            testCount = testSize ?? available.test
            trainCount = trainSize ?? available.train
        case .idx:
            testCount = testSize ?? 0
            trainCount = trainSize ?? (available.train - testCount)
        }
        var model = ModelConfig(width: width, depth: depth, blockDepth: blockDepth, activation: activation, branchMultiplier: branchMultiplier,
                                baseWidth: baseWidth, baseDepth: baseDepth, input: input, readout: readout, preLN: preLN)
        model.meanSubtraction = meanSubtraction == "auto" ? nil : meanSubtraction == "on"
        let name = ParametrizationName(parsing: parametrization)!
        let config = TrainingConfig(
            model: model, parametrization: name,
            optimizer: OptimizerConfig(kind: optimizer, learningRate: Self.parseRate(lr)!, momentum: momentum, epsilon: epsilon),
            loss: loss, steps: steps, batch: batch, seed: seed,
            measurements: MeasurementRequest(lossPerStep: false, test: testCount > 0, coordinateCheckSteps: coordinateSteps ?? [],
                                             featureUpdate: featureUpdate, diversity: featureUpdate))
        let dataset: Dataset
        do {
            dataset = try Dataset.load(DataConfig(source: source, trainCount: trainCount, testCount: testCount), files: files)
        } catch let error as DepthMuPError {
            throw Self.badInput(error, data: source)
        }

        let progress = ProgressLine(total: steps)
        let result: TrainingResult
        do {
            result = try Trainer.train(config, on: dataset, progress: { progress.update($0) })
        } catch let error as DepthMuPError {
            // A configuration the engine refuses (e.g. too large for memory) is bad input.
            if case .invalidConfig = error { throw Self.badInput(error) }
            throw error
        }
        progress.finish()
        let p = config.resolvedParametrization
        if json {
            print(try Self.jsonReport(config: config, parametrization: p, result: result, data: dataset))
        } else {
            print("parametrization \(name)  α=\(p.alpha) γ=\(p.gamma)  a=\(branchMultiplier)  n0=\(baseWidth) L0=\(baseDepth)")
            print("branch multiplier a·m_L^-α = \(result.branchMultiplier)   hidden lr = \(result.hiddenLearningRate)   hidden ε = \(p.epsilon(.hidden, base: epsilon))")
            print("initial loss     \(String(format: "%.4f", result.initialLoss))")
            let finalLoss = result.finalTrainLoss.isFinite ? String(format: "%.4f", result.finalTrainLoss) : "not finite"
            print("final train loss \(finalLoss)  (mean of the last 10% of steps)")
            if let testLoss = result.testLoss, let accuracy = result.testAccuracy {
                print("test loss        \(String(format: "%.4f", testLoss))   test accuracy \(NumberFormat.percent(accuracy))")
            }
            print(result.divergedAtStep.map { "diverged at step \($0) (loss non-finite or above 100 × the first step's)" } ?? "did not diverge")
            for record in result.coordinateCheck {
                let blocks = record.blockRMS.map { String(format: "%.3g", $0) }.joined(separator: " ")
                let deltas = record.blockDeltaRMS.map { String(format: "%.3g", $0) }.joined(separator: " ")
                print("step \(record.step): RMS(x_l) l=0…L: \(blocks) | RMS(x_l − x_l,0): \(deltas) | RMS(f) \(String(format: "%.3g", record.outputRMS))")
            }
            if !result.weightUpdateRatio.isEmpty {
                print("‖ΔW_l‖/‖W_l,0‖: " + result.weightUpdateRatio.map { String(format: "%.3g", $0) }.joined(separator: " "))
                print("diversity d(ε): " + result.diversity.map { "j=\($0.j): \(String(format: "%.3g", $0.d))" }.joined(separator: "  "))
            }
            print("steps run \(result.stepsRun)   \(String(format: "%.2f", result.secondsPerStep * 1000)) ms/step")
        }
    }

    /// Prints a data or configuration error and returns exit code 2 (bad input, DESIGN.md).
    ///
    /// A missing file's hint is the one for the `--data` given: the engine's names Debian's
    /// Fashion-MNIST package, which is no help for `idx:IMAGES,LABELS` (fresh-user review).
    static func badInput(_ error: DepthMuPError, data: DataConfig.Source? = nil) -> ExitCode {
        var message = error.description
        if case .fileNotFound(let path) = error, case .idx = data {
            message = "\(path): no such file, or it cannot be read; hint: --data idx:IMAGES,LABELS names two IDX files "
                + "(MNIST's format: images idx3-ubyte, labels idx1-ubyte, gzipped or not), paths relative to the current folder"
        }
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(2)
    }

    /// The `--json` object: every key snake_case, as in `NAME.results.json` and the point spec
    /// (`config.optimizer.learning_rate`, `coordinate_check[].block_rms`; the engine's Swift
    /// names were camelCase inside `config` and `coordinate_check`).
    static func jsonReport(config: TrainingConfig, parametrization p: Parametrization, result: TrainingResult, data: Dataset) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let encodedConfig = try JSONSerialization.jsonObject(with: encoder.encode(config))
        let kind = config.optimizer.kind, eta = config.optimizer.learningRate
        let object: [String: Any] = [
            "engine_version": Engine.version,
            "config": encodedConfig,
            "data_fingerprint": data.fingerprint,
            "alpha": p.alpha, "gamma": p.gamma,
            "branch_multiplier": config.model.branchMultiplier,
            "base_width": config.model.baseWidth, "base_depth": config.model.baseDepth,
            "multipliers": [
                "width": p.widthMultiplier, "depth": p.depthMultiplier,
                "branch": result.branchMultiplier,
                "hidden_learning_rate": result.hiddenLearningRate,
                "input_learning_rate": p.learningRate(.input, optimizer: kind, eta: eta),
                "readout_learning_rate": p.learningRate(.readout, optimizer: kind, eta: eta),
                "hidden_epsilon": p.epsilon(.hidden, base: config.optimizer.epsilon),
                "init_std_input": p.initStd(.input, inputDim: data.inputDim),
                "init_std_hidden": p.initStd(.hidden, inputDim: data.inputDim),
                "init_std_readout": p.initStd(.readout, inputDim: data.inputDim),
            ],
            "initial_loss": finite(result.initialLoss),
            "final_train_loss": finite(result.finalTrainLoss),
            "test_loss": result.testLoss.map(finite) ?? NSNull(),
            "test_accuracy": result.testAccuracy ?? NSNull(),
            "diverged_at_step": result.divergedAtStep ?? NSNull(),
            "steps_run": result.stepsRun,
            "coordinate_check": try JSONSerialization.jsonObject(with: encoder.encode(result.coordinateCheck)),
            "weight_update_ratio": result.weightUpdateRatio,
            "seconds": result.seconds,
            "seconds_per_step": result.secondsPerStep,
        ]
        let bytes = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: bytes, as: UTF8.self)
    }

    /// JSON has no NaN or infinity: those become null.
    static func finite(_ value: Double) -> Any { value.isFinite ? value : NSNull() }
}

/// A progress line on stderr: `\r`-updated on a terminal, a line every 10% otherwise.
final class ProgressLine {
    let total: Int
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastPrinted = -1
    private let start = Date()

    init(total: Int) { self.total = total }

    func update(_ done: Int) {
        let tenth = done * 10 / max(total, 1)
        if isTerminal {
            if done == total || done % max(1, total / 100) == 0 {
                let elapsed = Date().timeIntervalSince(start)
                FileHandle.standardError.write(Data("\rtraining: step \(done)/\(total)  \(String(format: "%.1f", elapsed)) s".utf8))
            }
        } else if tenth != lastPrinted {
            lastPrinted = tenth
            FileHandle.standardError.write(Data("training: step \(done)/\(total)\n".utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
