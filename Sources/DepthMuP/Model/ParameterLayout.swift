/// Named ranges into the one flat parameter buffer (llm.c's parameter store).
///
/// Order: U `[width, inputDim]`, then for block l = 0..<L and matrix j = 0..<k the hidden
/// W_{l,j} `[width, width]`, then V `[classes, width]`; all row-major `[outputs, inputs]`.
/// Gradients and optimizer state share this layout.
struct ParameterLayout: Hashable, Sendable {
    let inputDim: Int, width: Int, depth: Int, blockDepth: Int, classes: Int

    /// Elements of U.
    var inputRange: Range<Int> { 0..<(width * inputDim) }
    /// Elements of all hidden matrices.
    var hiddenRange: Range<Int> { inputRange.upperBound..<(inputRange.upperBound + depth * blockDepth * width * width) }
    /// Elements of V.
    var readoutRange: Range<Int> { hiddenRange.upperBound..<(hiddenRange.upperBound + classes * width) }
    /// Total parameter count (elements).
    var count: Int { readoutRange.upperBound }

    /// Elements of W_{block, matrix} (both 0-based).
    func hiddenRange(block: Int, matrix: Int) -> Range<Int> {
        let size = width * width
        let start = hiddenRange.lowerBound + (block * blockDepth + matrix) * size
        return start..<(start + size)
    }

    /// Elements of all matrices of one block (0-based), contiguous.
    func blockRange(_ block: Int) -> Range<Int> {
        let size = width * width * blockDepth
        let start = hiddenRange.lowerBound + block * size
        return start..<(start + size)
    }

    /// The range of a layer group.
    func range(_ group: LayerGroup) -> Range<Int> {
        switch group {
        case .input: return inputRange
        case .hidden: return hiddenRange
        case .readout: return readoutRange
        }
    }
}
