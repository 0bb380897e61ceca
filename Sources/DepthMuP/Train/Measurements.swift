/// Measurements on a fixed batch: the coordinate check (depth-mup.md §5), weight-update ratios
/// and the feature-diversity curve (§3 C3, C5).
///
/// All RMS values are over batch and width: `√(Σ x² / (B·n))`.
///
/// They see the network only through the ``Model`` seam (the residual stream `x(l)`, logits,
/// the parameter layout).
final class Measurements {
    let model: any Model
    /// The fixed batch `[rows, inputDim]` (the first training examples).
    let fixedInputs: [Float]
    let rows: Int
    /// x_{l,0} on the fixed batch, `[L+1, rows, n]`; empty unless the coordinate check is on.
    private var initialStream: [Float] = []
    /// Hidden parameters at init (layout's hidden range); empty unless requested.
    private var initialHidden: [Float] = []

    init(model: any Model, data: Dataset, rows: Int) {
        self.model = model
        self.rows = rows
        fixedInputs = Array(data.trainInputs[0..<(rows * data.inputDim)])
    }

    /// Stores x_{l,0} and/or W_{l,0}; call at init, before any update.
    func captureInitialState(stream: Bool, weights: Bool) {
        let n = model.width, L = model.depth
        if stream {
            forwardFixedBatch()
            initialStream = [Float](repeating: 0, count: (L + 1) * rows * n)
            initialStream.withUnsafeMutableBufferPointer { out in
                for l in 0...L { (out.baseAddress! + l * rows * n).update(from: model.x(l), count: rows * n) }
            }
        }
        if weights { initialHidden = Array(model.parameters[model.layout.hiddenRange]) }
    }

    private func forwardFixedBatch() {
        fixedInputs.withUnsafeBufferPointer { model.forward($0.baseAddress!, batch: rows, inputLayerDone: false) }
    }

    /// RMS(x_l) and RMS(x_{l,t} − x_{l,0}) per block and RMS(f) at `step` updates.
    func coordinateRecord(step: Int) -> CoordinateRecord {
        forwardFixedBatch()
        let n = model.width, L = model.depth, count = rows * n
        var rms: [Double] = [], delta: [Double] = []
        for l in 0...L {
            rms.append((Elementwise.sumOfSquares(model.x(l), count: count) / Double(count)).squareRoot())
            let d = initialStream.withUnsafeBufferPointer {
                Elementwise.sumOfSquaredDifferences(model.x(l), $0.baseAddress! + l * count, count: count)
            }
            delta.append((d / Double(count)).squareRoot())
        }
        let logitCount = rows * model.layout.classes
        let output = (Elementwise.sumOfSquares(model.logits, count: logitCount) / Double(logitCount)).squareRoot()
        return CoordinateRecord(step: step, blockRMS: rms, blockDeltaRMS: delta, outputRMS: output)
    }

    /// Per block ‖W_{l,t} − W_{l,0}‖_F / ‖W_{l,0}‖_F (all k matrices of a block together).
    func weightUpdateRatios() -> [Double] {
        let hiddenStart = model.layout.hiddenRange.lowerBound
        return (0..<model.depth).map { l in
            let range = model.layout.blockRange(l)
            return initialHidden.withUnsafeBufferPointer { initial in
                let w0 = initial.baseAddress! + (range.lowerBound - hiddenStart)
                let change = Elementwise.sumOfSquaredDifferences(model.parameters.baseAddress! + range.lowerBound, w0, count: range.count)
                return (change / Elementwise.sumOfSquares(w0, count: range.count)).squareRoot()
            }
        }
    }

    /// d(ε) = RMS(x_{⌊(λ+ε)L⌋} − x_{⌊λL⌋}) for λ = ½, ε = j/L, j ∈ {1, 2, 4, 8, 16} with
    /// ⌊L/2⌋ + j ≤ L (depth-mup.md §3 C5).
    func diversityCurve() -> [DiversityPoint] {
        forwardFixedBatch()
        let L = model.depth, count = rows * model.width, middle = L / 2
        return [1, 2, 4, 8, 16].filter { middle + $0 <= L }.map { j in
            let d = Elementwise.sumOfSquaredDifferences(model.x(middle + j), model.x(middle), count: count)
            return DiversityPoint(j: j, epsilon: Double(j) / Double(L), d: (d / Double(count)).squareRoot())
        }
    }
}
