import Foundation
import Notebook
import Runner

/// A stand-in engine: the "loss" is a smooth function of the point, runs are counted, and a run
/// can be made slow (per step) to test timeouts and cancellation.
///
/// Shared by RunnerTests and DepthbookKitTests (a test target cannot import another one).
public final class FakeExecutor: PointExecutor, @unchecked Sendable {
    public var engineVersion: String
    public var fingerprint = "fake-data"
    public var secondsPerStep = 0.0
    /// Seconds ``dataFingerprint(for:)`` takes (reading and hashing the data, as the engine's does).
    public var fingerprintSeconds = 0.0
    /// Seconds `dataProblem(for:)` takes (check reads the data's headers; render does not).
    public var dataProblemSeconds = 0.0
    public var failingDepth: Int?
    /// A pause of the machine: step `step` of every run takes `seconds` more.
    public var pause: (step: Int, seconds: Double)?
    /// A slow spell: the first `runs` runs take `factor` × `secondsPerStep` per step.
    public var slowStart: (runs: Int, factor: Double)?
    /// Files the fake claims to read; the fingerprint is their contents.
    public var files: [String] = []
    public private(set) var fingerprintCalls = 0
    private let lock = NSLock()
    private var runs: [PointSpec] = []

    public init(engineVersion: String = "fake-1") { self.engineVersion = engineVersion }

    public var runCount: Int { lock.lock(); defer { lock.unlock() }; return runs.count }
    public var ranSpecs: [PointSpec] { lock.lock(); defer { lock.unlock() }; return runs }

    public func dataFiles(for data: DataSpec) -> [String] { files }
    public func missingDataFiles(for data: DataSpec) -> [(key: String, path: String)] {
        files.filter { !FileManager.default.fileExists(atPath: $0) }.map { ("data.images", $0) }
    }
    public func dataProblem(for data: DataSpec) -> (key: String, message: String)? {
        if dataProblemSeconds > 0 { Thread.sleep(forTimeInterval: dataProblemSeconds) }
        return nil
    }
    public func dataFingerprint(for data: DataSpec) throws -> String {
        lock.lock(); fingerprintCalls += 1; lock.unlock()
        if fingerprintSeconds > 0 { Thread.sleep(forTimeInterval: fingerprintSeconds) }
        return try files.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined() + fingerprint
    }
    public func flopsPerStep(_ point: PointSpec) throws -> Double { Double(6 * point.batch * point.width * point.width * point.depth) }

    public func run(_ point: PointSpec, progress: @escaping @Sendable (Int) -> Void,
             shouldStop: @escaping @Sendable () -> Bool) throws -> PointResult {
        lock.lock(); runs.append(point); let number = runs.count; lock.unlock()
        let perStep = secondsPerStep * (slowStart.map { number <= $0.runs ? $0.factor : 1 } ?? 1)
        if point.depth == failingDepth { throw RunnerError("fake engine refuses depth \(point.depth)") }
        for step in 1...point.steps {
            if shouldStop() { throw RunnerError("stopped") }
            if perStep > 0 { Thread.sleep(forTimeInterval: perStep) }
            if let pause, pause.step == step { Thread.sleep(forTimeInterval: pause.seconds) }
            progress(step)
        }
        return Self.result(for: point)
    }

    /// Loss minimal at log2 lr = -6 (depth-mup) or -6 - log2(depth/8)/2 (others); diverges above 2^-2.
    public static func result(for point: PointSpec) -> PointResult {
        let log2LR = log2(point.learningRate)
        let optimum = point.parametrization == .depthMuP ? -6.0 : -6.0 - log2(Double(point.depth) / 8) / 2
        let loss = 0.5 + 0.05 * (log2LR - optimum) * (log2LR - optimum) - 0.01 * log2(Double(point.depth)) + 0.001 * Double(point.seed)
        return PointResult(finalTrainLoss: log2LR > -2 ? .nan : loss,
                           lossPerStep: point.lossCurve ? (1...point.steps).map { 2.3 / Double($0) + loss } : [],
                           divergedAtStep: log2LR > -2 ? 2 : nil, stepsRun: point.steps)
    }
}
