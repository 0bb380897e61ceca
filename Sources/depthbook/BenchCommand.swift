import ArgumentParser
import DepthMuP
import Foundation

/// `depthbook bench`: training-step throughput against an sgemm ceiling and NumPy.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark one training step against the sgemm ceiling and NumPy (single-threaded).",
        discussion: """
            For (width, depth, batch) = (128, 16, 64), (256, 64, 128), (512, 8, 256), with Adam,
            cross-entropy, 784 inputs and 10 classes, prints the engine's steps per second, the
            steps per second of the GEMMs such a step performs, alone (cblas_sgemm ceiling; the
            frozen input layer's projection is precomputed by the trainer, so it is not among
            them), and those of
            Benchmarks/numpy_reference.py (run with python3, OPENBLAS_NUM_THREADS=1).
            Targets: ≥ 60% of the ceiling at width 512; ≥ 2× NumPy at width 128.

            Example:
              make bench            # builds release, runs .build/release/depthbook bench
            """,
        shouldDisplay: false
    )

    @Option(help: "Seconds to spend per measurement and shape, split over the rounds (approximately).") var seconds = 3.0
    @Option(help: "Interleaved rounds per measurement; the best round counts.") var rounds = 3
    @Option(help: "Path of the NumPy reference script (default: Benchmarks/numpy_reference.py beside the sources).") var script: String?
    @Flag(help: "Skip the NumPy comparison.") var noNumpy = false
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        BLAS.selectKernels()
        BLAS.setThreadCount(1)
        let shapes = [(128, 16, 64), (256, 64, 128), (512, 8, 256)]
        var rows: [[String: Any]] = []
        if !json { print("OpenBLAS kernels: \(BLAS.coreName) (single thread); best of \(rounds) interleaved rounds") }
        if !json { print("width depth batch   engine steps/s   sgemm ceiling   engine/ceiling   numpy steps/s   engine/numpy") }
        for (width, depth, batch) in shapes {
            let model = ModelConfig(width: width, depth: depth)
            var config = TrainingConfig(model: model, parametrization: .depthMuP,
                                        optimizer: OptimizerConfig(kind: .adam, learningRate: pow(2, -9)),
                                        loss: .crossEntropy, steps: 1, batch: batch, seed: 0,
                                        measurements: MeasurementRequest(lossPerStep: false, test: false))
            let data = try Dataset.load(DataConfig(source: .teacher(inputDim: 784, classes: 10, seed: 0), trainCount: batch * 4, testCount: 0))
            // The trainer looks up the frozen input layer's x_0, so the ceiling leaves that GEMM out too.
            let projected = Trainer.precomputesInputProjection(config, trainCount: data.trainCount)
            // Calibrate the step count to the time budget with a 3-step run.
            config.steps = 3
            let probe = try Trainer.train(config, on: data)
            config.steps = max(5, Int(seconds / Double(rounds) / max(probe.secondsPerStep, 1e-6)))
            // NOTE: the machine is shared (other builds run beside us), so each of the three
            // measurements is repeated in interleaved rounds and the best round counts.
            var engine = 0.0, ceiling = 0.0
            var numpy: Double? = nil
            for _ in 0..<rounds {
                engine = max(engine, 1 / (try Trainer.train(config, on: data)).secondsPerStep)
                ceiling = max(ceiling, StepBenchmark.gemmCeiling(config, inputDim: 784, classes: 10, inputProjected: projected, seconds: seconds / Double(rounds)))
                if !noNumpy, let value = numpySteps(width: width, depth: depth, batch: batch, steps: max(5, config.steps / 2)) {
                    numpy = max(numpy ?? 0, value)
                }
            }
            var row: [String: Any] = ["width": width, "depth": depth, "batch": batch, "engine_steps_per_second": engine,
                                      "sgemm_ceiling_steps_per_second": ceiling, "fraction_of_ceiling": engine / ceiling]
            if let numpy {
                row["numpy_steps_per_second"] = numpy
                row["speedup_over_numpy"] = engine / numpy
            }
            rows.append(row)
            if !json {
                let numpyText = numpy.map { String(format: "%13.1f   %11.2f×", $0, engine / $0) } ?? "            –              –"
                print(String(format: "%5d %5d %5d   %14.1f   %13.1f   %13.1f%%   ", width, depth, batch, engine, ceiling, 100 * engine / ceiling) + numpyText)
            }
        }
        if json {
            let bytes = try JSONSerialization.data(withJSONObject: ["engine_version": Engine.version, "openblas_core": BLAS.coreName, "shapes": rows], options: [.sortedKeys])
            print(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Locates the reference script: `--script`, ./Benchmarks/, or beside this source file.
    func scriptPath() -> String? {
        if let script { return script }
        let candidates = [
            FileManager.default.currentDirectoryPath + "/Benchmarks/numpy_reference.py",
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Benchmarks/numpy_reference.py").path,
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Runs the NumPy reference single-threaded and returns its steps per second (nil: unavailable).
    func numpySteps(width: Int, depth: Int, batch: Int, steps: Int) -> Double? {
        guard let path = scriptPath() else {
            FileHandle.standardError.write(Data("bench: Benchmarks/numpy_reference.py not found; skipping NumPy\n".utf8))
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path, "--width", "\(width)", "--depth", "\(depth)", "--batch", "\(batch)", "--steps", "\(steps)"]
        var environment = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] { environment[key] = "1" }
        // NumPy's own OpenBLAS detects this CPU itself; do not pass on the engine's override.
        if BLAS.overrodeCoreType { environment.removeValue(forKey: "OPENBLAS_CORETYPE") }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            FileHandle.standardError.write(Data("bench: cannot run python3 (\(error)); skipping NumPy\n".utf8))
            return nil
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let value = object["steps_per_second"] as? Double
        else {
            FileHandle.standardError.write(Data("bench: NumPy reference failed (exit \(process.terminationStatus)); skipping\n".utf8))
            return nil
        }
        return value
    }
}
