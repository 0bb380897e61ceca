/// Runs training: the step loop, divergence detection and the requested measurements.
///
/// One step: draw a batch, forward, loss (and ∂loss/∂f), divergence check, backward with the
/// optimizer update of each block fused in. Nothing inside the loop allocates: parameters, gradients, optimizer state,
/// activations and the batch live in buffers sized from the config before the first step.
///
/// Determinism: initialization uses generator stream 0 of the seed and batch order stream 4
/// (see ``SeededRandom``); every reduction has a fixed order and BLAS runs one thread, so the
/// same config, data and seed give bit-identical results, also when runs execute concurrently
/// on different threads (each run owns all of its buffers).
public enum Trainer {
    /// Default largest table of frozen-input projections x_0 a run precomputes, in bytes.
    public static let defaultProjectionBudget = 64 << 20

    /// Whether a run precomputes the frozen input layer's x_0 for its training set: input frozen,
    /// the run visits at least as many examples as the set holds (`steps · batch ≥ trainCount`,
    /// else the table costs more GEMM work than it saves), and the `trainCount × width` Float table
    /// fits `budget` (bytes; per run, never process-wide). Such a step performs no input-layer GEMM.
    public static func precomputesInputProjection(_ config: TrainingConfig, trainCount: Int,
                                                  budget: Int = defaultProjectionBudget) -> Bool {
        config.model.input == .frozen && config.steps * config.batch >= trainCount
            && trainCount * config.model.width * MemoryLayout<Float>.size <= budget
    }

    /// Bytes a run of the trainer's model allocates, roughly (``Model/estimatedBytes(_:inputDim:classes:)``).
    public static func estimatedBytes(_ config: TrainingConfig, inputDim: Int, classes: Int) -> Double {
        TrainedModel.estimatedBytes(config, inputDim: inputDim, classes: classes)
    }

    /// Refuses a run whose model cannot fit in memory (``MemoryBudget``), as ``train(_:on:progress:shouldStop:projectionBudget:projections:profile:)``
    /// does before building it; `check` calls it to report the run as bad input before any runs.
    ///
    /// - Throws: ``DepthMuPError/invalidConfig(_:)`` naming the width, depth and batch, the size
    ///   in GiB and the fix.
    public static func checkMemory(_ config: TrainingConfig, inputDim: Int, classes: Int) throws {
        try checkMemory(config, model: TrainedModel.self, inputDim: inputDim, classes: classes)
    }

    static func checkMemory<M: Model>(_ config: TrainingConfig, model _: M.Type, inputDim: Int, classes: Int) throws {
        try MemoryBudget.check(bytes: M.estimatedBytes(config, inputDim: inputDim, classes: classes),
                               what: "a width-\(config.model.width), depth-\(config.model.depth) network with batch \(config.batch)",
                               hint: "lower width, depth or batch")
    }

    /// The architecture the trainer builds: the residual MLP (the only ``Model`` so far).
    typealias TrainedModel = ResidualMLP

    /// Runs one training run; checks `shouldStop` once per step and calls `progress(stepsDone)`
    /// after every step.
    ///
    /// - Returns: the metrics; `divergedAtStep` is set when a step's loss was non-finite or
    ///   exceeded 100 × the initial loss (the run stops at once, depth-mup.md §0).
    /// - Throws: ``DepthMuPError/invalidConfig(_:)`` for out-of-range settings,
    ///   ``DepthMuPError/cancelled(step:)`` when `shouldStop` returns true.
    public static func train(_ config: TrainingConfig, on data: Dataset,
                             progress: ((Int) -> Void)? = nil,
                             shouldStop: (() -> Bool)? = nil,
                             projectionBudget: Int = defaultProjectionBudget,
                             projections: InputProjectionCache? = nil,
                             profile: TrainingProfile? = nil) throws -> TrainingResult {
        try train(config, on: data, model: TrainedModel.self, progress: progress, shouldStop: shouldStop,
                  projectionBudget: projectionBudget, projections: projections, profile: profile, inspect: nil)
    }

    /// The step loop over any ``Model`` (specialized per conformer: no dynamic dispatch per step).
    ///
    /// `inspect` is a read-only look at the model for tests (the PyTorch twin compares every
    /// step's gradients): `inspect(0, model)` after initialization, then `inspect(t, model)` after
    /// step t's backward pass, when `model.gradients` holds step t's gradients of the trained
    /// groups (and `model.parameters` is already updated).
    ///
    /// `projections` shares the frozen input layer's x_0 tables (training split, and the test
    /// split for evaluation) with the other runs of a render; the results are the same bits with
    /// or without it (``InputProjectionCache``). `profile`, when given, receives where the run's
    /// time went.
    /// - Precondition: `inspect` does not write to the model's buffers.
    static func train<M: Model>(_ config: TrainingConfig, on data: Dataset, model _: M.Type,
                                progress: ((Int) -> Void)?, shouldStop: (() -> Bool)?,
                                projectionBudget: Int = defaultProjectionBudget,
                                projections: InputProjectionCache? = nil, profile: TrainingProfile? = nil,
                                inspect: ((_ step: Int, _ model: M) -> Void)? = nil) throws -> TrainingResult {
        let clock = ContinuousClock()
        let started = clock.now
        try config.validate()
        if config.loss == .crossEntropy && data.classes < 2 {
            throw DepthMuPError.invalidConfig("cross-entropy needs at least 2 classes")
        }
        try checkMemory(config, model: M.self, inputDim: data.inputDim, classes: data.classes)
        // One BLAS thread per run, whatever the process chose: results must not depend on it
        // (see BLAS.setThreadCount), and parallel runs must not oversubscribe the cores.
        BLAS.selectKernels()
        if GEMM.threadCount != 1 { GEMM.setThreadCount(1) }
        let parametrization = config.resolvedParametrization
        let modelConfig = config.model
        let branchScale = parametrization.branchMultiplier(modelConfig.branchMultiplier)
        let model = M(config: modelConfig, inputDim: data.inputDim, classes: data.classes, branchScale: branchScale, capacity: config.batch)
        var random = SeededRandom(seed: config.seed, stream: 0)
        model.initialize(parametrization, random: &random)
        profile?.initialization = Self.seconds(clock.now - started)
        inspect?(0, model)

        let trainInput = modelConfig.input == .trained
        let trainReadout = modelConfig.readout != .frozen
        let eta = config.optimizer.learningRate, kind = config.optimizer.kind
        var groups: [ParameterGroup] = []
        func group(_ g: LayerGroup) -> ParameterGroup {
            ParameterGroup(range: model.layout.range(g),
                           learningRate: Float(parametrization.learningRate(g, optimizer: kind, eta: eta)),
                           epsilon: Float(parametrization.epsilon(g, base: config.optimizer.epsilon)))
        }
        if trainInput { groups.append(group(.input)) }
        groups.append(group(.hidden))
        if trainReadout { groups.append(group(.readout)) }
        let adam = kind == .adam ? Adam(groups: groups, parameterCount: model.layout.count) : nil
        let sgd = kind == .sgd ? SGD(groups: groups, momentum: config.optimizer.momentum, parameterCount: model.layout.count) : nil

        let measure = config.measurements
        let coordinateSteps = Set(measure.coordinateCheckSteps)
        let wantsFixedBatch = !coordinateSteps.isEmpty || measure.diversity
        let measurements = wantsFixedBatch || measure.featureUpdate
            ? Measurements(model: model, data: data, rows: min(config.batch, data.trainCount)) : nil
        measurements?.captureInitialState(stream: !coordinateSteps.isEmpty, weights: measure.featureUpdate)
        var coordinateRecords: [CoordinateRecord] = []
        if coordinateSteps.contains(0), let measurements { coordinateRecords.append(measurements.coordinateRecord(step: 0)) }

        let batches = Batches(data: data, batch: config.batch, seed: config.seed)
        // A frozen input layer maps each training example to a fixed x_0: compute it once for the
        // training set (see precomputesInputProjection) and look rows up in every step instead of
        // redoing the [batch, d_in]×[d_in, n] product. NOTE: a frozen input layer projects each
        // row on its own (Linear.forwardRows), so the table matches the per-step computation bit
        // for bit, whatever the row's place in a batch; so does a table shared through
        // `projections`, made by another run with the same U.
        let projectionStarted = clock.now
        let trainTable = precomputesInputProjection(config, trainCount: data.trainCount, budget: projectionBudget)
            ? projectionTable(.train, model: model, data: data, projections: projections, profile: profile) : nil
        // NOTE: the table must outlive every use of this pointer (withExtendedLifetime after the loop).
        let projected = trainTable?.values
        profile?.inputProjection = Self.seconds(clock.now - projectionStarted)
        var losses: [Double] = []
        losses.reserveCapacity(config.steps)
        var initialLoss = Double.nan
        var divergedAt: Int?
        let inputs = batches.inputs.baseAddress!
        let start = ContinuousClock.now
        var trainingTime = Duration.zero
        var step = 0
        while step < config.steps {
            if let shouldStop, shouldStop() { throw DepthMuPError.cancelled(step: step) }
            step += 1
            batches.next(projected: projected.map { UnsafePointer($0.baseAddress!) }, width: modelConfig.width, projectedOutput: model.x(0))
            model.forward(inputs, batch: config.batch, inputLayerDone: projected != nil)
            let loss = Loss.evaluate(config.loss, logits: model.logits, labels: batches.labels.baseAddress!, targets: batches.targets.baseAddress!,
                                     dLogits: model.dLogits, batch: config.batch, classes: data.classes)
            losses.append(loss)
            if step == 1 { initialLoss = loss }
            if !loss.isFinite || loss > 100 * initialLoss {
                divergedAt = step
                break
            }
            // The optimizer updates each block as soon as backward is done with it (gradient
            // still in cache); elementwise updates make this equal to one update at the end.
            adam?.beginStep()
            let parameters = model.parameters.baseAddress!, gradients = model.gradients.baseAddress!
            model.backward(inputs, batch: config.batch, trainInput: trainInput, trainReadout: trainReadout) { range in
                adam?.update(range, parameters: parameters, gradients: gradients)
                sgd?.update(range, parameters: parameters, gradients: gradients)
            }
            inspect?(step, model)
            if coordinateSteps.contains(step), let measurements {
                // Measurement time is not training time.
                let pause = ContinuousClock.now
                coordinateRecords.append(measurements.coordinateRecord(step: step))
                trainingTime -= ContinuousClock.now - pause
            }
            progress?(step)
        }
        trainingTime += ContinuousClock.now - start
        withExtendedLifetime(trainTable) {}
        let seconds = Self.seconds(trainingTime)

        let tail = max(1, losses.count / 10)
        let finalTrainLoss = losses.suffix(tail).reduce(0, +) / Double(tail)
        var testLoss: Double?, testAccuracy: Double?
        if measure.test && data.testCount > 0 && divergedAt == nil {
            let evaluationStarted = clock.now
            // A shared table only (projecting the test split privately costs what the chunks
            // do), and within the run's projection budget like the training table.
            let testTable = projections != nil && modelConfig.input == .frozen
                && data.testCount * modelConfig.width * MemoryLayout<Float>.size <= projectionBudget
                ? projectionTable(.test, model: model, data: data, projections: projections, profile: nil) : nil
            (testLoss, testAccuracy) = withExtendedLifetime(testTable) {
                evaluate(model: model, data: data, loss: config.loss, chunk: config.batch,
                         projected: testTable.map { UnsafePointer($0.values.baseAddress!) })
            }
            profile?.testEvaluation = Self.seconds(clock.now - evaluationStarted)
        }
        profile?.steps = seconds
        let hidden = parametrization.learningRate(.hidden, optimizer: kind, eta: eta)
        return TrainingResult(
            alpha: parametrization.alpha, gamma: parametrization.gamma, branchMultiplier: branchScale,
            hiddenLearningRate: hidden, initialLoss: initialLoss, finalTrainLoss: finalTrainLoss,
            lossPerStep: measure.lossPerStep ? losses : [], testLoss: testLoss, testAccuracy: testAccuracy,
            divergedAtStep: divergedAt, coordinateCheck: coordinateRecords,
            weightUpdateRatio: measure.featureUpdate ? (measurements?.weightUpdateRatios() ?? []) : [],
            diversity: measure.diversity ? (measurements?.diversityCurve() ?? []) : [],
            stepsRun: step, seconds: seconds, secondsPerStep: seconds / Double(max(step, 1)))
    }

    /// The frozen input layer's x_0 of a whole split `[rows, width]`: from `projections` when
    /// given (shared with other runs), else projected for this run alone.
    ///
    /// - Precondition: the input layer is frozen (U does not change during the run).
    static func projectionTable<M: Model>(_ split: InputProjectionCache.Split, model: M, data: Dataset,
                                          projections: InputProjectionCache?, profile: TrainingProfile?) -> InputProjectionCache.Table {
        let cache = projections ?? InputProjectionCache(byteLimit: 0)
        let inputs = split == .train ? data.trainInputs : data.testInputs
        let rows = split == .train ? data.trainCount : data.testCount
        let weight = UnsafeBufferPointer(rebasing: model.parameters[model.layout.inputRange])
        let (table, shared) = cache.table(for: data, split: split, width: model.width, weight: weight) { output in
            inputs.withUnsafeBufferPointer { model.projectInputs($0.baseAddress!, rows: rows, into: output) }
        }
        if shared { profile?.sharedProjection = true }
        return table
    }

    /// A duration in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Mean test loss and accuracy over the test split, in chunks of at most `chunk` rows.
    ///
    /// With `projected` (`[testCount, width]`, the frozen input layer's x_0 of every test
    /// example) the chunks' x_0 rows are copied from it instead of projected (same bits).
    static func evaluate<M: Model>(model: M, data: Dataset, loss: LossKind, chunk: Int,
                                   projected: UnsafePointer<Float>? = nil) -> (Double, Double) {
        var totalLoss = 0.0
        var correct = 0
        let d = data.inputDim, c = data.classes
        data.testInputs.withUnsafeBufferPointer { inputs in
            data.testLabels.withUnsafeBufferPointer { labels in
                data.testTargets.withUnsafeBufferPointer { targets in
                    var start = 0
                    while start < data.testCount {
                        let rows = min(chunk, data.testCount - start)
                        if let projected {
                            model.x(0).update(from: projected + start * model.width, count: rows * model.width)
                        }
                        model.forward(inputs.baseAddress! + start * d, batch: rows, inputLayerDone: projected != nil)
                        let value = Loss.evaluate(loss, logits: model.logits, labels: labels.baseAddress! + start,
                                                  targets: targets.baseAddress! + start * c, dLogits: nil, batch: rows, classes: c)
                        totalLoss += value * Double(rows)
                        for r in 0..<rows {
                            let row = model.logits + r * c
                            var best = 0
                            for i in 1..<c where row[i] > row[best] { best = i }
                            if best == Int(labels[start + r]) { correct += 1 }
                        }
                        start += rows
                    }
                }
            }
        }
        return (totalLoss / Double(data.testCount), Double(correct) / Double(data.testCount))
    }

    /// FLOPs of one training step of the trainer's model (``Model/flopsPerStep(_:inputDim:classes:)``).
    public static func flopsPerStep(_ config: TrainingConfig, inputDim: Int, classes: Int) -> Double {
        TrainedModel.flopsPerStep(config, inputDim: inputDim, classes: classes)
    }
}
