/// Draws training batches by epoch-wise shuffling, into preallocated buffers.
///
/// Each epoch is a Fisher–Yates permutation of the training indices (generator stream 4 of the
/// run's seed); batches take consecutive indices and wrap into the next epoch. Filling a batch
/// copies rows and never allocates.
final class Batches {
    let data: Dataset
    let batch: Int
    private var order: [Int32]
    private var position: Int
    private var random: SeededRandom
    /// Inputs `[batch, inputDim]`, overwritten by `next()`.
    let inputs: UnsafeMutableBufferPointer<Float>
    /// Labels `[batch]`, overwritten by `next()`.
    let labels: UnsafeMutableBufferPointer<Int32>
    /// MSE targets `[batch, classes]`, overwritten by `next()`.
    let targets: UnsafeMutableBufferPointer<Float>

    /// Prepares buffers for `batch` rows.
    init(data: Dataset, batch: Int, seed: UInt64) {
        self.data = data
        self.batch = batch
        order = (0..<data.trainCount).map { Int32($0) }
        position = data.trainCount
        random = SeededRandom(seed: seed, stream: 4)
        inputs = .allocate(capacity: batch * data.inputDim)
        inputs.initialize(repeating: 0)
        labels = .allocate(capacity: batch)
        labels.initialize(repeating: 0)
        targets = .allocate(capacity: batch * data.classes)
        targets.initialize(repeating: 0)
    }

    deinit {
        inputs.deallocate()
        labels.deallocate()
        targets.deallocate()
    }

    /// Copies the next `batch` training examples into `inputs`, `labels` and `targets`.
    ///
    /// With `projected` (`[trainCount, width]`, the frozen input layer's x_0 of every training
    /// example), the rows of x_0 go to `projectedOutput` `[batch, width]` instead of the raw
    /// inputs to `inputs`.
    func next(projected: UnsafePointer<Float>? = nil, width: Int = 0, projectedOutput: UnsafeMutablePointer<Float>? = nil) {
        let d = data.inputDim, c = data.classes
        data.trainInputs.withUnsafeBufferPointer { source in
            data.trainTargets.withUnsafeBufferPointer { sourceTargets in
                for row in 0..<batch {
                    if position == order.count { shuffle() }
                    let example = Int(order[position])
                    position += 1
                    if let projected, let projectedOutput {
                        (projectedOutput + row * width).update(from: projected + example * width, count: width)
                    } else {
                        (inputs.baseAddress! + row * d).update(from: source.baseAddress! + example * d, count: d)
                    }
                    (targets.baseAddress! + row * c).update(from: sourceTargets.baseAddress! + example * c, count: c)
                    labels[row] = data.trainLabels[example]
                }
            }
        }
    }

    private func shuffle() {
        order.withUnsafeMutableBufferPointer { o in
            var i = o.count - 1
            while i > 0 {
                let j = random.nextInt(below: i + 1)
                o.swapAt(i, j)
                i -= 1
            }
        }
        position = 0
    }
}
