import DepthMuP
import Notebook

/// One training run of a sweep: every sweep axis fixed to a single value.
///
/// Its canonical JSON (``PointCodec/canonicalSpec(_:)``: explicit keys, sorted, defaults left
/// out) is what the cache key hashes, so any field that can change a result belongs here and
/// nothing else does (no title, no views that do not add measurements). A new field needs a
/// default in ``defaults`` (from an empty block) and a key in ``PointCodec``.
public struct PointSpec: Hashable, Sendable {
    public var data: DataSpec
    public var width: Int
    public var depth: Int
    public var blockDepth: Int
    public var activation: ActivationKind
    public var meanSubtraction: Bool?
    public var branchMultiplier: Double
    public var baseWidth: Int
    public var baseDepth: Int
    public var input: InputMode
    public var readout: ReadoutMode
    public var preLN: Bool
    public var parametrization: ParametrizationName
    public var optimizer: OptimizerKind
    public var learningRate: Double
    public var momentum: Double
    public var epsilon: Double
    public var loss: LossKind
    public var steps: Int
    public var batch: Int
    public var seed: UInt64
    /// Steps at which per-block RMS is recorded (0 = at init); empty: none.
    public var coordinateCheckSteps: [Int]
    public var featureUpdate: Bool
    public var lossCurve: Bool
    /// Record the feature-diversity curve at the end (`measure: {diversity: true}`).
    public var diversity = false

    /// The canonical JSON of the cache key and of `depthbook run-point`.
    public var canonicalJSON: String { PointCodec.canonicalSpec(self) }

    /// The point of an experiment block that says nothing: the defaults the canonical encoding
    /// leaves out (one definition: ``ExperimentSpec``'s defaults).
    public static let defaults = Sweep.basePoint(of: ExperimentSpec())
}

/// A point with its place: block and position in the block's sweep.
public struct Point: Hashable, Sendable {
    /// 0-based position in the block's sweep order (see ``Sweep``); results are ordered by it.
    public var index: Int
    public var spec: PointSpec
    /// The value of this point on each axis with more than one value, outermost axis first,
    /// e.g. `[("depth", "16"), ("lr", "2^-7")]` (axis names as in ``Sweep/Axis``).
    public var values: [AxisValue]

    /// One axis of a point: the axis's schema name and the point's value on it, as tables show it.
    public struct AxisValue: Hashable, Sendable {
        public var axis: String
        public var value: String
        public init(axis: String, value: String) {
            self.axis = axis
            self.value = value
        }
    }

    public init(index: Int, spec: PointSpec, values: [AxisValue]) {
        self.index = index
        self.spec = spec
        self.values = values
    }

    /// `depth=16 lr=2^-7`, for progress lines; empty when the block sweeps nothing.
    public var label: String { values.map { "\($0.axis)=\($0.value)" }.joined(separator: " ") }
}

import Foundation
