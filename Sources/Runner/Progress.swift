import Foundation
import Notebook

/// Receives the events of a run: the one observer seam of the Runner and of `DepthbookKit`.
///
/// The CLI prints them to stderr (``StderrProgress``); a preview server can stream partial
/// results from ``pointFinished(_:point:outcome:done:toRun:seconds:)`` (the outcome carries the
/// point's result, `point.index` its place in the block). `label` is the block's id or number
/// (``ExperimentCell/label``), unique within a notebook. Events come from several threads.
public protocol RunObserver: AnyObject, Sendable {
    /// A block begins: `total` points, `cached` of them already in the cache.
    func blockStarted(_ label: String, total: Int, cached: Int)
    /// A point was found in the cache (before ``blockStarted(_:total:cached:)``): a preview
    /// shows it at once.
    func pointCached(_ label: String, point: Point, result: PointResult)
    /// A point starts running.
    func pointStarted(_ label: String, point: Point)
    /// A point finished (or failed or stopped) with its outcome; `done` counts points run now so far.
    func pointFinished(_ label: String, point: Point, outcome: PointOutcome, done: Int, toRun: Int, seconds: Double)
    /// The block ended.
    func blockFinished(_ label: String, status: BlockStatus)
    /// A remark: `--explain` lines, warnings (a corrupt cache entry, KaTeX missing).
    func diagnostic(_ diagnostic: Diagnostic)
}

extension RunObserver {
    public func pointCached(_ label: String, point: Point, result: PointResult) {}
    public func pointStarted(_ label: String, point: Point) {}
}

/// A message for the author that is not an error of the command: printed as `severity: message`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        /// Why a point missed the cache (`--explain`).
        case explain
        /// Something was wrong but the run went on (a corrupt cache entry, no KaTeX).
        case warning
    }

    public var severity: Severity
    /// The text after `severity: `, e.g. `block lr: point 3 (depth=16): no entry`.
    public var message: String

    public init(_ severity: Severity, _ message: String) {
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(severity.rawValue): \(message)" }
}

/// Progress on stderr: a live line per block on a terminal, one plain line per finished point
/// otherwise, nothing with `quiet` (errors are printed by the command, not here).
///
/// Several blocks can be open at once (one Slurm array for a whole render): then the live line
/// shows each open block's count and the total (`lr 3/12 · coords 2/6 · 5/18 points · ETA
/// 0:14`), and a plain line ends with the total (`; 5/18 points in all`).
public final class StderrProgress: RunObserver, @unchecked Sendable {
    public enum Mode: Sendable { case terminal, plain, quiet }

    /// One open block's counts.
    private struct Block {
        var label: String
        var started = Date()
        var total = 0, cached = 0
        var done = 0, toRun = 0
        var running: [Point] = []
    }

    private let mode: Mode
    private let lock = NSLock()
    /// Open blocks, in the order they started.
    private var open: [Block] = []
    /// The blocks of this run already finished while others are open: their counts stay in the
    /// total (it fell as each block finished: `938/1521 points in all`, then `819/1401`).
    private var closed: [Block] = []
    private var lineIsOpen = false
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - mode: nil: `terminal` when stderr is a TTY, else `plain`.
    ///   - write: where text goes (default: stderr, unbuffered).
    public init(mode: Mode? = nil, write: (@Sendable (String) -> Void)? = nil) {
        self.mode = mode ?? (isatty(STDERR_FILENO) == 1 ? .terminal : .plain)
        self.write = write ?? { text in FileHandle.standardError.write(Data(text.utf8)) }
    }

    private func index(of label: String) -> Int? { open.lastIndex { $0.label == label } }

    public func blockStarted(_ label: String, total: Int, cached: Int) {
        lock.lock(); defer { lock.unlock() }
        open.removeAll { $0.label == label }
        open.append(Block(label: label, total: total, cached: cached, toRun: total - cached))
        switch mode {
        case .quiet: break
        case .plain: write("block \(label): \(counted(total, "point")), \(cached) cached, \(total - cached) to run\n")
        case .terminal:
            if open.count == 1 {
                write("\r\u{1B}[Kblock \(label): \(cached)/\(counted(total, "point")) (\(cached) cached)")
                lineIsOpen = true
            } else {
                liveLine()
            }
        }
    }

    public func pointStarted(_ label: String, point: Point) {
        lock.lock(); defer { lock.unlock() }
        guard let index = index(of: label) else { return }
        open[index].running.append(point)
        if mode == .terminal { liveLine() }
    }

    /// `block lr: 3/24 points · depth=16 lr=2^-7 · ETA 0:14` (the most recently started point),
    /// or with several open blocks `lr 3/12 · coords 2/6 · 5/18 points · ETA 0:14`.
    private func liveLine() {
        var line = "\r\u{1B}[K"
        if open.count == 1, let block = open.first {
            line += "block \(block.label): \(block.cached + block.done)/\(counted(block.total, "point"))"
            if let current = block.running.last { line += " · " + (current.label.isEmpty ? "point \(current.index + 1)" : current.label) }
            if block.done > 0 {
                let elapsed = Date().timeIntervalSince(block.started)
                line += " · ETA " + Self.clock(elapsed / Double(block.done) * Double(block.toRun - block.done))
            }
        } else if !open.isEmpty {
            line += open.map { "\($0.label) \($0.cached + $0.done)/\($0.total)" }.joined(separator: " · ")
            let total = totals
            line += " · \(total.finished)/\(counted(total.total, "point"))"
            let elapsed = Date().timeIntervalSince((open + closed).map(\.started).min()!)
            if total.done > 0 { line += " · ETA " + Self.clock(elapsed / Double(total.done) * Double(total.toRun - total.done)) }
        }
        write(line)
        lineIsOpen = true
    }

    /// The run's blocks together (open, and finished while others are open): points finished
    /// (cached or run), all points, run now, to run.
    private var totals: (finished: Int, total: Int, done: Int, toRun: Int) {
        (open + closed).reduce((0, 0, 0, 0)) { ($0.0 + $1.cached + $1.done, $0.1 + $1.total, $0.2 + $1.done, $0.3 + $1.toRun) }
    }

    public func pointFinished(_ label: String, point: Point, outcome: PointOutcome, done: Int, toRun: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        guard let index = index(of: label) else { return }
        open[index].done = done
        open[index].running.removeAll { $0.index == point.index }
        let block = open[index]
        let what: String
        switch outcome {
        case .finished(let result):
            what = result.divergedAtStep.map { "diverged at step \($0)" } ?? "loss \(String(format: "%.4g", result.finalTrainLoss))"
        case .failed(let message): what = "failed: \(message)"
        case .timedOut: what = "timed out"
        case .cancelled: what = "cancelled"
        }
        let name = point.label.isEmpty ? "point \(point.index + 1)" : point.label
        switch mode {
        case .quiet: break
        case .plain:
            let all = open.count + closed.count > 1 ? "; \(totals.finished)/\(totals.total) points in all" : ""
            write("block \(label): \(block.cached + done)/\(block.total) \(name): \(what) (\(String(format: "%.1f", seconds)) s\(all))\n")
        case .terminal:
            liveLine()
        }
    }

    public func blockFinished(_ label: String, status: BlockStatus) {
        lock.lock(); defer { lock.unlock() }
        guard let index = index(of: label) else { return }
        let block = open.remove(at: index)
        // The run ends with its last open block; the next run's totals start afresh.
        if open.isEmpty { closed = [] } else { closed.append(block) }
        guard mode == .terminal, lineIsOpen else { return }
        let suffix: String
        switch status {
        case .ok: suffix = "done"
        case .failed: suffix = "failed"
        case .timedOut(let seconds): suffix = "timed out after \(Sweep.shortText(seconds)) s"
        case .cancelled: suffix = "cancelled"
        }
        write("\r\u{1B}[Kblock \(label): \(counted(block.total, "point")), \(suffix) in \(Self.clock(Date().timeIntervalSince(block.started)))\n")
        lineIsOpen = false
        if !open.isEmpty { liveLine() }
    }

    /// Printed in every mode, `quiet` included: diagnostics are warnings (a corrupt cache entry,
    /// an unwritable cache, no KaTeX) and `--explain` lines, which the user asked for.
    public func diagnostic(_ diagnostic: Diagnostic) {
        lock.lock(); defer { lock.unlock() }
        if lineIsOpen { write("\n"); lineIsOpen = false }
        write(diagnostic.description + "\n")
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return String(format: "%d:%02d", whole / 60, whole % 60)
    }
}

/// Ignores every event (tests, `--quiet` without a terminal).
public final class SilentProgress: RunObserver, @unchecked Sendable {
    public init() {}
    public func blockStarted(_ label: String, total: Int, cached: Int) {}
    public func pointFinished(_ label: String, point: Point, outcome: PointOutcome, done: Int, toRun: Int, seconds: Double) {}
    public func blockFinished(_ label: String, status: BlockStatus) {}
    public func diagnostic(_ diagnostic: Diagnostic) {}
}
