/// A row-major Float matrix with its shape: the engine's value type for copies of parameters
/// and activations handed to callers and tests (the training loop itself works on raw buffers).
struct Matrix: Hashable, Sendable {
    /// Number of rows.
    var rows: Int
    /// Number of columns.
    var columns: Int
    /// `rows · columns` elements, row-major.
    var storage: [Float]

    /// A zero matrix of the given shape.
    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        storage = [Float](repeating: 0, count: rows * columns)
    }

    /// Wraps existing storage.
    ///
    /// - Precondition: `storage.count == rows * columns`.
    init(rows: Int, columns: Int, storage: [Float]) {
        precondition(storage.count == rows * columns, "Matrix: \(storage.count) elements for shape [\(rows), \(columns)]")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// Element at `(row, column)`.
    subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }
}
