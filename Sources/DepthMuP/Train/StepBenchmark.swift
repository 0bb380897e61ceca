/// Timing helpers for `depthbook bench`: the sgemm-only ceiling of a training step.
public enum StepBenchmark {
    /// The instruction set of the engine's elementwise kernels in this process: "avx2" or
    /// "baseline" (``Kernels``; `DEPTHBOOK_KERNELS=baseline` forces the latter, for A/B runs).
    public static var elementwiseKernels: String { Kernels.activeName }

    /// Steps per second if a step were nothing but its GEMMs: runs exactly the `cblas_sgemm`
    /// calls of one training step (input forward; per hidden matrix one forward, one dW and one dX;
    /// readout forward and dX; dW for trained input/readout; no input forward when
    /// `inputProjected`, as the trainer then looks x_0 up) on scratch buffers, single-threaded
    /// unless the caller set otherwise, for about `seconds` of wall time (after one warm-up).
    public static func gemmCeiling(_ config: TrainingConfig, inputDim: Int, classes: Int, inputProjected: Bool = false, seconds: Double = 1.0) -> Double {
        let b = config.batch, n = config.model.width, d = inputDim, c = classes
        let matrices = config.model.depth * config.model.blockDepth
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0.01, count: count)
            return p
        }
        let input = buffer(b * d), u = buffer(n * d), v = buffer(c * n), logits = buffer(b * c)
        let w = buffer(matrices * n * n), dw = buffer(n * n), acts = buffer((matrices + 1) * b * n), dx = buffer(b * n), dh = buffer(b * n)
        let du = buffer(n * d), dv = buffer(c * n)
        defer { for p in [input, u, v, logits, w, dw, acts, dx, dh, du, dv] { p.deallocate() } }
        func step() {
            if !inputProjected { Linear.forward(output: acts, input: input, weight: u, batch: b, inputs: d, outputs: n) }
            for m in 0..<matrices {
                Linear.forward(output: acts + (m + 1) * b * n, input: acts + m * b * n, weight: w + m * n * n, batch: b, inputs: n, outputs: n)
            }
            Linear.forward(output: logits, input: acts + matrices * b * n, weight: v, batch: b, inputs: n, outputs: c)
            if config.model.readout != .frozen { Linear.backwardWeight(dWeight: dv, dOutput: logits, input: acts, batch: b, inputs: n, outputs: c) }
            Linear.backwardInput(dInput: dx, dOutput: logits, weight: v, batch: b, inputs: n, outputs: c)
            for m in stride(from: matrices - 1, through: 0, by: -1) {
                Linear.backwardWeight(dWeight: dw, dOutput: dh, input: acts + m * b * n, batch: b, inputs: n, outputs: n)
                Linear.backwardInput(dInput: dx, dOutput: dh, weight: w + m * n * n, batch: b, inputs: n, outputs: n, accumulate: true)
            }
            if config.model.input == .trained { Linear.backwardWeight(dWeight: du, dOutput: dx, input: input, batch: b, inputs: d, outputs: n) }
        }
        step()
        let clock = ContinuousClock()
        var count = 0
        let start = clock.now
        var elapsed = 0.0
        repeat {
            step()
            count += 1
            let duration = clock.now - start
            elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        } while elapsed < seconds
        return Double(count) / elapsed
    }
}

extension StepBenchmark {
    /// Seconds per forward-plus-backward of one block's elementwise end (relu, mean subtraction),
    /// fused (``ResidualBranch``) and unfused, on `[batch, width]` buffers: interleaved rounds,
    /// the best of each, so a loaded machine hurts both alike (the benchmark behind the fusion).
    public static func residualBranchPasses(width: Int, batch: Int, rounds: Int = 5, seconds: Double = 0.5) -> (fused: Double, unfused: Double) {
        let count = width * batch
        var random = SeededRandom(seed: 3, stream: 0)
        func buffer() -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for i in 0..<count { p[i] = random.nextGaussianFloat() }
            return p
        }
        let h = buffer(), previous = buffer(), next = buffer(), dNext = buffer(), dh = buffer()
        defer { for p in [h, previous, next, dNext, dh] { p.deallocate() } }
        let clock = ContinuousClock()
        func time(_ fused: Bool) -> Double {
            let repeats = 200
            var best = Double.infinity
            let deadline = clock.now + .milliseconds(Int(1000 * seconds / Double(2 * rounds)))
            repeat {
                let start = clock.now
                for _ in 0..<repeats {
                    if fused {
                        ResidualBranch.forward(.relu, preActivation: h, previous: previous, next: next, rows: batch, width: width, scale: 0.5, meanSubtraction: true)
                        ResidualBranch.backward(.relu, preActivation: h, dNext: dNext, dPreActivation: dh, rows: batch, width: width, scale: 0.5, meanSubtraction: true)
                    } else {
                        ResidualBranch.unfusedForward(.relu, preActivation: h, previous: previous, next: next, rows: batch, width: width, scale: 0.5, meanSubtraction: true)
                        ResidualBranch.unfusedBackward(.relu, preActivation: h, dNext: dNext, dPreActivation: dh, rows: batch, width: width, scale: 0.5, meanSubtraction: true)
                    }
                }
                best = min(best, Trainer.seconds(clock.now - start) / Double(repeats))
            } while clock.now < deadline
            return best
        }
        var fused = Double.infinity, unfused = Double.infinity
        for _ in 0..<rounds {
            unfused = min(unfused, time(false))
            fused = min(fused, time(true))
        }
        return (fused, unfused)
    }
}
