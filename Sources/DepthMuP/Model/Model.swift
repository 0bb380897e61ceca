/// A network the ``Trainer`` trains and `Measurements` probe: the model seam.
///
/// A conformer owns one flat parameter store and a gradient store of the same layout
/// (``ParameterLayout``: input, hidden and readout groups, hidden blocks), and buffers for its
/// activations sized once for batches up to `capacity`, so no step allocates. The trainer
/// never looks inside: it initializes, runs forward, has the loss fill `dLogits`, runs backward
/// with the optimizer fused in through `parametersDone`, and reads the residual stream `x(l)`
/// for measurements. ``ResidualMLP`` is the first conformer; a new architecture is one new file
/// conforming to this protocol plus its spec keys (and the trainer's choice of type).
///
/// Buffers are row-major Float32; every `[B, ·]` buffer holds `batch` valid rows after `forward`.
protocol Model: AnyObject {
    /// Allocates every buffer once, for batches up to `capacity` rows.
    ///
    /// - Parameter branchScale: the effective branch multiplier a·m_L^(−α) (TP6 §3).
    init(config: ModelConfig, inputDim: Int, classes: Int, branchScale: Double, capacity: Int)

    /// Where each layer group's and block's parameters live in ``parameters``.
    var layout: ParameterLayout { get }
    /// Parameters, `layout.count` elements.
    var parameters: UnsafeMutableBufferPointer<Float> { get }
    /// Gradients, same layout; overwritten by ``backward(_:batch:trainInput:trainReadout:parametersDone:)``.
    var gradients: UnsafeMutableBufferPointer<Float> { get }
    /// Width n of the residual stream.
    var width: Int { get }
    /// Number of residual blocks L: the stream has points x_0…x_L.
    var depth: Int { get }
    /// The residual stream x_l, `[B, n]` (valid after `forward`).
    func x(_ l: Int) -> UnsafeMutablePointer<Float>
    /// Logits f `[B, classes]` (valid after `forward`).
    var logits: UnsafeMutablePointer<Float> { get }
    /// ∂loss/∂f `[B, classes]`, filled by the loss before `backward`.
    var dLogits: UnsafeMutablePointer<Float> { get }

    /// Draws the initial parameters with the parametrization's standard deviations.
    func initialize(_ parametrization: Parametrization, random: inout SeededRandom)
    /// Overwrites `output` `[rows, width]` with the frozen input layer's x_0 of `input` `[rows, inputDim]`.
    func projectInputs(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>)
    /// Runs the network on `input` `[batch, inputDim]`; with `inputLayerDone`, `x(0)` already holds x_0.
    func forward(_ input: UnsafePointer<Float>, batch: Int, inputLayerDone: Bool)
    /// Overwrites the gradients of the trained groups from `dLogits`; calls `parametersDone` with
    /// each parameter range as soon as its gradient is final and the pass no longer reads it.
    func backward(_ input: UnsafePointer<Float>, batch: Int, trainInput: Bool, trainReadout: Bool,
                  parametersDone: (Range<Int>) -> Void)

    /// FLOPs of one training step (forward, backward, optimizer), for cost estimates.
    static func flopsPerStep(_ config: TrainingConfig, inputDim: Int, classes: Int) -> Double
    /// Bytes a run allocates, an upper estimate used to refuse runs that cannot fit.
    static func estimatedBytes(_ config: TrainingConfig, inputDim: Int, classes: Int) -> Double
}

extension ResidualMLP: Model {
    /// Parameters (U, W, V; gradients too) and two Adam moments: 4 copies of `[parameters]`
    /// Float32, plus activations and workspace (`[batch, width]` per matrix, a few times over).
    static func estimatedBytes(_ config: TrainingConfig, inputDim: Int, classes: Int) -> Double {
        let n = Double(config.model.width), layers = Double(config.model.depth * config.model.blockDepth)
        let parameters = Double(inputDim) * n + layers * n * n + n * Double(classes)
        let activations = Double(config.batch) * (n * (4 * layers + 8) + Double(inputDim + 2 * classes))
        return 4 * (4 * parameters + activations)
    }

    /// Counts 2 FLOPs per multiply-add of every GEMM (forward: input (even when its projection
    /// is precomputed), L·k hidden, readout; backward: two per hidden matrix, readout dX, and dW of
    /// trained input/readout), ~10 per element for activations, MS and the residual add, and ~10
    /// (Adam) or 2–3 (SGD) per trained parameter.
    static func flopsPerStep(_ config: TrainingConfig, inputDim: Int, classes: Int) -> Double {
        let b = Double(config.batch), n = Double(config.model.width), d = Double(inputDim), c = Double(classes)
        let matrices = Double(config.model.depth * config.model.blockDepth)
        var gemm = 2 * b * (d * n + matrices * n * n + n * c)  // forward
        gemm += 2 * b * (2 * matrices * n * n + n * c)           // backward hidden + readout dX
        var trained = matrices * n * n
        if config.model.input == .trained { gemm += 2 * b * d * n; trained += d * n }
        if config.model.readout != .frozen { gemm += 2 * b * n * c; trained += n * c }
        let elementwise = 10 * b * n * matrices * 2
        let optimizer = (config.optimizer.kind == .adam ? 10 : 3) * trained
        return gemm + elementwise + optimizer
    }
}
