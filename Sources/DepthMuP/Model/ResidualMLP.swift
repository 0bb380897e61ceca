/// The residual MLP of depth-mup.md §0 with its preallocated parameters, gradients and
/// activations: forward and backward passes that never allocate.
///
/// ```
/// x_0 = ξ Uᵀ;  h_l = W_l y_l (y_l = x_{l−1}, or LN(x_{l−1}) with pre-LN);
/// x_l = x_{l−1} + c · MS(φ(h_l)),  c = a·m_L^(−α);  f = x_L Vᵀ          (TP6 §3, eq. for block depth 1)
/// ```
/// Block depth k chains `u_{j+1} = φ(u_j W_jᵀ)` from `u_0 = y_l` and applies MS to `u_k`.
///
/// Buffers (row-major, B ≤ `capacity` rows): `x` holds `[L+1, B, n]` (x_0…x_L), `h` holds
/// `[L, k, B, n]` pre-activations, `u` `[L, k−1, B, n]` inner activations, `y` `[L, B, n]`
/// LN outputs (pre-LN only), `logits` `[B, c]`.
final class ResidualMLP {
    let config: ModelConfig
    let layout: ParameterLayout
    /// Largest batch the activation buffers hold.
    let capacity: Int
    /// c = a·m_L^(−α), the effective branch multiplier (Float for the kernels).
    let branchScale: Float
    let usesMeanSubtraction: Bool

    /// Parameters, `layout.count` elements.
    let parameters: UnsafeMutableBufferPointer<Float>
    /// Gradients, same layout; overwritten by `backward`.
    let gradients: UnsafeMutableBufferPointer<Float>

    private let activations: UnsafeMutableBufferPointer<Float>
    private let xOffset: Int, hOffset: Int, uOffset: Int, yOffset: Int, rstdOffset: Int, logitsOffset: Int
    private let dxOffset: Int, dhOffset: Int, duOffset: Int, dLogitsOffset: Int

    var width: Int { config.width }
    var depth: Int { config.depth }
    var blockDepth: Int { config.blockDepth }

    /// Allocates every buffer once for batches up to `capacity`.
    init(config: ModelConfig, inputDim: Int, classes: Int, branchScale: Double, capacity: Int) {
        self.config = config
        layout = ParameterLayout(inputDim: inputDim, width: config.width, depth: config.depth, blockDepth: config.blockDepth, classes: classes)
        self.capacity = capacity
        self.branchScale = Float(branchScale)
        usesMeanSubtraction = config.usesMeanSubtraction
        parameters = .allocate(capacity: layout.count)
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: layout.count)
        gradients.initialize(repeating: 0)

        let slab = capacity * config.width
        let L = config.depth, matrices = config.blockDepth
        var offset = 0
        xOffset = offset; offset += (L + 1) * slab
        hOffset = offset; offset += L * matrices * slab
        uOffset = offset; offset += L * (matrices - 1) * slab
        yOffset = offset; offset += config.preLN ? L * slab : 0
        rstdOffset = offset; offset += config.preLN ? L * capacity : 0
        logitsOffset = offset; offset += capacity * classes
        dxOffset = offset; offset += slab
        dhOffset = offset; offset += slab
        duOffset = offset; offset += slab
        dLogitsOffset = offset; offset += capacity * classes
        activations = .allocate(capacity: offset)
        activations.initialize(repeating: 0)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        activations.deallocate()
    }

    private var base: UnsafeMutablePointer<Float> { activations.baseAddress! }
    private var slab: Int { capacity * config.width }

    /// x_l for l = 0…L, `[B, n]` rows at stride n (valid after `forward`).
    func x(_ l: Int) -> UnsafeMutablePointer<Float> { base + xOffset + l * slab }
    private func h(_ l: Int, _ j: Int) -> UnsafeMutablePointer<Float> { base + hOffset + (l * blockDepth + j) * slab }
    private func u(_ l: Int, _ j: Int) -> UnsafeMutablePointer<Float> { base + uOffset + (l * (blockDepth - 1) + j - 1) * slab }
    private func y(_ l: Int) -> UnsafeMutablePointer<Float> { base + yOffset + l * slab }
    private func rstd(_ l: Int) -> UnsafeMutablePointer<Float> { base + rstdOffset + l * capacity }
    /// Logits f `[B, c]` (valid after `forward`).
    var logits: UnsafeMutablePointer<Float> { base + logitsOffset }
    /// ∂loss/∂f `[B, c]`, filled by the caller (see `Loss.evaluate`) before `backward`.
    var dLogits: UnsafeMutablePointer<Float> { base + dLogitsOffset }
    private var dx: UnsafeMutablePointer<Float> { base + dxOffset }
    private var dh: UnsafeMutablePointer<Float> { base + dhOffset }
    private var du: UnsafeMutablePointer<Float> { base + duOffset }

    private func parameter(_ range: Range<Int>) -> UnsafeMutablePointer<Float> { parameters.baseAddress! + range.lowerBound }
    private func gradient(_ range: Range<Int>) -> UnsafeMutablePointer<Float> { gradients.baseAddress! + range.lowerBound }

    /// Draws the initial parameters: U, every W_{l,j} in order, then V, each N(0, std²) from one
    /// generator stream (so equal stds give bit-identical parameters across parametrizations).
    func initialize(_ parametrization: Parametrization, random: inout SeededRandom) {
        let stdInput = Float(parametrization.initStd(.input, inputDim: layout.inputDim))
        let stdHidden = Float(parametrization.initStd(.hidden, inputDim: layout.inputDim))
        let stdReadout = Float(parametrization.initStd(.readout, inputDim: layout.inputDim))
        let p = parameters.baseAddress!
        for i in layout.inputRange { p[i] = stdInput * random.nextGaussianFloat() }
        for i in layout.hiddenRange { p[i] = stdHidden * random.nextGaussianFloat() }
        if config.readout == .zero {
            for i in layout.readoutRange { p[i] = 0 }
        } else {
            for i in layout.readoutRange { p[i] = stdReadout * random.nextGaussianFloat() }
        }
    }

    /// Overwrites `output` `[rows, width]` with `input · Uᵀ` for `input` `[rows, inputDim]`, row
    /// by row (``Linear/forwardRows(output:input:weight:rows:inputs:outputs:)``), as a frozen
    /// input layer's forward pass computes it, so the bits match.
    func projectInputs(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        Linear.forwardRows(output: output, input: input, weight: parameter(layout.inputRange),
                           rows: rows, inputs: layout.inputDim, outputs: width)
    }

    /// Runs the network on `input` `[batch, inputDim]`; overwrites x, h, u, y and `logits`.
    ///
    /// With `inputLayerDone`, `x(0)` already holds x_0 = ξUᵀ `[batch, width]` (a frozen input
    /// layer's projection, looked up instead of recomputed) and `input` is not read.
    /// - Precondition: `1 ≤ batch ≤ capacity`.
    func forward(_ input: UnsafePointer<Float>, batch: Int, inputLayerDone: Bool = false) {
        precondition(batch >= 1 && batch <= capacity, "ResidualMLP.forward: batch \(batch) outside 1...\(capacity)")
        let n = width, count = batch * n
        if !inputLayerDone {
            // A frozen input layer projects row by row, as projectInputs does (same bits).
            if config.input == .frozen {
                Linear.forwardRows(output: x(0), input: input, weight: parameter(layout.inputRange), rows: batch, inputs: layout.inputDim, outputs: n)
            } else {
                Linear.forward(output: x(0), input: input, weight: parameter(layout.inputRange), batch: batch, inputs: layout.inputDim, outputs: n)
            }
        }
        for l in 0..<depth {
            let previous = x(l), next = x(l + 1)
            var chainInput = UnsafePointer(previous)
            if config.preLN {
                LayerNorm.forward(previous, y(l), inverseStd: rstd(l), rows: batch, width: n)
                chainInput = UnsafePointer(y(l))
            }
            for j in 0..<blockDepth {
                Linear.forward(output: h(l, j), input: chainInput, weight: parameter(layout.hiddenRange(block: l, matrix: j)), batch: batch, inputs: n, outputs: n)
                if j < blockDepth - 1 {
                    Activation.forward(config.activation, h(l, j), u(l, j + 1), count: count)
                    chainInput = UnsafePointer(u(l, j + 1))
                }
            }
            // NOTE: φ(h) is staged in x_l itself, mean-subtracted there, then turned into
            // x_{l−1} + c·MS(φ(h)): no extra buffer (one pass per row where fused).
            ResidualBranch.forward(config.activation, preActivation: h(l, blockDepth - 1), previous: previous, next: next,
                                   rows: batch, width: n, scale: branchScale, meanSubtraction: usesMeanSubtraction)
        }
        Linear.forward(output: logits, input: x(depth), weight: parameter(layout.readoutRange), batch: batch, inputs: n, outputs: layout.classes)
    }

    /// Backpropagates `dLogits` `[batch, c]` from the last `forward(input, batch)`; overwrites the
    /// gradients of the trained groups (`trainInput`, `trainReadout`) and of every W_{l,j}.
    ///
    /// Frozen groups' gradients are left untouched (and never read by the optimizer).
    /// `parametersDone(range)` is called as soon as a parameter range's gradient is complete and
    /// the backward pass no longer reads those parameters (V after dX, each block after its dX
    /// GEMM, U at the end), so the optimizer can update them while the gradient is still in
    /// cache; the results equal updating everything after the pass.
    func backward(_ input: UnsafePointer<Float>, batch: Int, trainInput: Bool, trainReadout: Bool,
                  parametersDone: (Range<Int>) -> Void = { _ in }) {
        let n = width, count = batch * n, classes = layout.classes
        if trainReadout {
            Linear.backwardWeight(dWeight: gradient(layout.readoutRange), dOutput: dLogits, input: x(depth), batch: batch, inputs: n, outputs: classes)
        }
        Linear.backwardInput(dInput: dx, dOutput: dLogits, weight: parameter(layout.readoutRange), batch: batch, inputs: n, outputs: classes)
        if trainReadout { parametersDone(layout.readoutRange) }
        let c = branchScale
        for l in stride(from: depth - 1, through: 0, by: -1) {
            // dh_{k−1} = MS(c · dx_l) ⊙ φ'(h_{k−1})
            let dxp = dx, dhp = dh
            ResidualBranch.backward(config.activation, preActivation: h(l, blockDepth - 1), dNext: dxp, dPreActivation: dhp,
                                    rows: batch, width: n, scale: c, meanSubtraction: usesMeanSubtraction)
            for j in stride(from: blockDepth - 1, through: 0, by: -1) {
                let matrixInput: UnsafePointer<Float>
                if j > 0 { matrixInput = UnsafePointer(u(l, j)) } else { matrixInput = UnsafePointer(config.preLN ? y(l) : x(l)) }
                let range = layout.hiddenRange(block: l, matrix: j)
                Linear.backwardWeight(dWeight: gradient(range), dOutput: dhp, input: matrixInput, batch: batch, inputs: n, outputs: n)
                if j > 0 {
                    Linear.backwardInput(dInput: du, dOutput: dhp, weight: parameter(range), batch: batch, inputs: n, outputs: n)
                    Activation.multiplyDerivative(config.activation, h(l, j - 1), du, count: count)
                    dhp.update(from: du, count: count)
                } else if config.preLN {
                    Linear.backwardInput(dInput: du, dOutput: dhp, weight: parameter(range), batch: batch, inputs: n, outputs: n)
                    LayerNorm.backward(output: y(l), inverseStd: rstd(l), dOutput: du, dInput: dxp, rows: batch, width: n)
                } else {
                    // The skip path: dx_{l−1} = dx_l + dh W (accumulated by sgemm with beta = 1).
                    Linear.backwardInput(dInput: dxp, dOutput: dhp, weight: parameter(range), batch: batch, inputs: n, outputs: n, accumulate: true)
                }
            }
            parametersDone(layout.blockRange(l))
        }
        if trainInput {
            Linear.backwardWeight(dWeight: gradient(layout.inputRange), dOutput: dx, input: input, batch: batch, inputs: layout.inputDim, outputs: n)
            parametersDone(layout.inputRange)
        }
    }
}
