import DepthMuP
import Foundation

extension ExperimentSpec {
    /// The keys of each mapping section of schema v1, in the README's order.
    public static let sectionKeys: [(section: String, keys: [String])] = [
        ("data", ["name", "train", "test", "images", "labels", "directory", "input_dim", "classes", "seed", "standardize"]),
        ("model", ["width", "depth", "block_depth", "activation", "mean_subtraction", "branch_multiplier", "base_width",
                   "base_depth", "input", "readout", "pre_ln"]),
        ("optimizer", ["name", "lr", "momentum", "epsilon"]),
        ("train", ["steps", "batch", "seeds", "loss"]),
        ("measure", ["coord_check_steps", "feature_update", "loss_curve", "diversity"]),
    ]

    /// The keys of `section` (`train` → steps, batch, seeds, loss).
    static func keys(of section: String) -> [String] {
        sectionKeys.first { $0.section == section }?.keys ?? []
    }

    /// The top-level keys of schema v1.
    public static let topLevelKeys = ["title", "id", "data", "model", "parametrization", "optimizer",
                                      "train", "measure", "show", "metric", "timeout", "allow-errors", "scales"]

    /// Decodes an experiment block, merged over the front matter's `defaults`, with the overrides
    /// of the active scale applied.
    ///
    /// Order, lowest first: `defaults`, the active scale of `defaults` (`defaults.scales.<scale>`),
    /// the block, the active scale of the block (`scales.<scale>`), then `overrides` (the command
    /// line's `--set`); deep merge: mappings merge key by key, anything else replaces. So any key
    /// an author writes in a block beats every default, whatever the scale: front matter
    /// `defaults: {scales: {ci: {model: {width: 16}}}}` shrinks the blocks that leave `width` to
    /// the defaults and leaves a block's own `width: 256` alone (issue 15, item 7). A block that
    /// wants a smaller size at one scale says so in its own `scales:`. Every scale listed under
    /// `scales:` (the block's or the defaults') is decoded too, so a typo in an inactive scale is
    /// still an error.
    ///
    /// - Parameters:
    ///   - cell: the experiment block; errors are located through its `bodyStart`.
    ///   - defaults: the front matter's `defaults:` value, already located (or nil).
    ///   - scale: the active scale (`ci`, `full`, …); nil or a name without overrides: none.
    ///   - overrides: keys merged over everything else (`--set`), located where they were given.
    /// - Throws: ``SpecError`` naming file:line:col, block and key path: the block's first in
    ///   source order (``decodeReportingAll(_:defaults:scale:overrides:)`` gives every one).
    public static func decode(_ cell: ExperimentCell, defaults: SpecNode? = nil,
                              scale: String? = nil, overrides: SpecNode? = nil) throws -> ExperimentSpec {
        do {
            return try decodeReportingAll(cell, defaults: defaults, scale: scale, overrides: overrides)
        } catch let all as SpecErrors {
            throw all.errors[0]
        }
    }

    /// ``decode(_:defaults:scale:overrides:)``, reporting every error of the block rather than
    /// its first: each unknown key, bad value and unknown view, in every layer and scale, once,
    /// in source order (line, then column).
    ///
    /// A value that does not decode keeps its default while the rest of the block is decoded;
    /// the checks across keys (``SpecDecoder/validate(_:node:keys:)``) run only on a block
    /// without errors, since a default standing in for a bad value would give errors that are
    /// not the author's. Invalid YAML stops at its one error (the parser cannot go on).
    ///
    /// - Throws: ``SpecErrors``, at least one error.
    public static func decodeReportingAll(_ cell: ExperimentCell, defaults: SpecNode? = nil,
                                          scale: String? = nil, overrides: SpecNode? = nil) throws -> ExperimentSpec {
        let block = cell.label
        let body: SpecNode
        do {
            body = try SpecNode.compose(yaml: cell.body, origin: cell.bodyStart, block: block)
        } catch let error as SpecError {
            throw SpecErrors([error])
        }
        let recorded = SpecErrorSink()
        let decoder = SpecDecoder(block: block, sink: recorded)
        do {
            return try decode(body, decoder: decoder, cell: cell, defaults: defaults, scale: scale, overrides: overrides)
        } catch let error as SpecError {
            recorded.errors.append(error)
        } catch is SpecErrorSink.Recorded {}
        throw SpecErrors(recorded.errors)
    }

    /// The body of ``decodeReportingAll(_:defaults:scale:overrides:)``: errors go to the
    /// decoder's sink (a layer's decode throws ``SpecErrorSink/Recorded`` once it has any).
    private static func decode(_ body: SpecNode, decoder: SpecDecoder, cell: ExperimentCell, defaults: SpecNode?,
                               scale: String?, overrides: SpecNode?) throws -> ExperimentSpec {
        let block = cell.label
        guard case .mapping(_, let location) = body else {
            throw SpecError(location: body.location, block: block, path: "",
                            message: "expected a mapping of experiment keys (title, model, …), got \(body.kindDescription)")
        }
        let own = try decoder.splitScales(body)
        var inherited: (base: SpecNode, scales: [(name: String, node: SpecNode)])?
        if let defaults {
            guard case .mapping = defaults else {
                throw SpecError(location: defaults.location, block: block, path: "defaults",
                                message: "expected a mapping of experiment keys, got \(defaults.kindDescription)")
            }
            inherited = try decoder.splitScales(defaults)
        }
        let forced = try overrides.map(decoder.splitScales)
        let overlays = (inherited?.scales ?? []) + own.scales + (forced?.scales ?? [])
        var names: [String] = []
        for name in overlays.map(\.name) where !names.contains(name) {
            names.append(name)
        }
        /// The four layers and `--set` (with its own scale) for scale `name` (nil: no scale), lowest first.
        func layers(_ name: String?) -> SpecNode {
            var node = SpecNode.mapping([], location)
            if let inherited {
                node = node.merged(with: inherited.base)
                if let overlay = inherited.scales.first(where: { $0.name == name }) { node = node.merged(with: overlay.node) }
            }
            node = node.merged(with: own.base)
            if let overlay = own.scales.first(where: { $0.name == name }) { node = node.merged(with: overlay.node) }
            if let forced {
                node = node.merged(with: forced.base)
                if let overlay = forced.scales.first(where: { $0.name == name }) { node = node.merged(with: overlay.node) }
            }
            return node
        }
        // Each layer decodes with its own sink; its errors join the block's once each (a base
        // key's error shows in every scale's decode too).
        func decodeLayer(_ name: String?) throws -> ExperimentSpec? {
            let sink = SpecErrorSink(), layer = SpecDecoder(block: block, sink: sink)
            let spec = try layer.attempt { try layer.decodeSpec(layers(name), fenceID: cell.id) }
            for var error in sink.errors {
                if let name, Self.overlays(overlays, named: name, locate: error.location) {
                    // The offending key or value is the overlay's: name it by its full path.
                    error.path = "scales.\(name)" + (error.path.isEmpty ? "" : ".\(error.path)")
                }
                if let defaults, defaults.locates(error.location) {
                    // The front matter's defaults (or `--set defaults.…`), not this block, hold it.
                    error.block = ""
                    error.path = "defaults" + (error.path.isEmpty ? "" : ".\(error.path)")
                }
                if !decoder.sink.errors.contains(error) { decoder.sink.errors.append(error) }
            }
            return spec
        }
        var active = try decodeLayer(nil)
        for name in names {
            let spec = try decodeLayer(name)
            if name == scale { active = spec }
        }
        guard var active, decoder.sink.errors.isEmpty else {
            decoder.sink.errors.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
            throw SpecErrorSink.Recorded()
        }
        active.scaleNames = names
        active.appliedScale = scale.flatMap { names.contains($0) ? $0 : nil }
        return active
    }

    /// Whether one of the overlays called `name` holds `location` (the error is the overlay's).
    static func overlays(_ overlays: [(name: String, node: SpecNode)], named name: String, locate location: SourceLocation) -> Bool {
        overlays.contains { $0.name == name && $0.node.locates(location) }
    }
}

/// Strict decoding of a located YAML tree into ``ExperimentSpec``; knows the block label for
/// messages and builds key paths as it descends.
struct SpecDecoder {
    var block: String
    /// Where the errors found so far go (shared by copies of the decoder).
    var sink = SpecErrorSink()

    /// `body`'s value, or nil when it threw a ``SpecError`` (recorded in ``sink``) or found
    /// errors it recorded itself (``SpecErrorSink/Recorded``): the caller goes on with the next
    /// key, so one pass finds every error of a block.
    func attempt<T>(_ body: () throws -> T) throws -> T? {
        do {
            return try body()
        } catch let error as SpecError {
            sink.errors.append(error)
        } catch is SpecErrorSink.Recorded {}
        return nil
    }

    func error(_ node: SpecNode, _ path: String, _ message: String) -> SpecError {
        SpecError(location: node.location, block: block, path: path, message: message)
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: Structure

    /// A mapping without its `scales:` entry, and that entry's overlays in document order.
    func splitScales(_ node: SpecNode) throws -> (base: SpecNode, scales: [(name: String, node: SpecNode)]) {
        var entries = try mappingEntries(node, path: "")
        var overlays: [(name: String, node: SpecNode)] = []
        if let index = entries.firstIndex(where: { $0.key == "scales" }) {
            let scales = entries.remove(at: index)
            for entry in try mappingEntries(scales.value, path: "scales") {
                guard case .mapping = entry.value else {
                    // NOTE: a scale with nothing under it is mostly its keys indented like the
                    // scale itself (`  ci:` then `  model: …`: fresh-user review).
                    let empty = entry.value.kindDescription == "null"
                        ? "; hint: nothing is indented under `\(entry.key):`; indent its keys below it, e.g. `scales: {\(entry.key): {train: {steps: 10}}}`" : ""
                    throw error(entry.value, "scales.\(entry.key)", "expected a mapping of experiment keys to override, got \(entry.value.kindDescription)" + empty)
                }
                overlays.append((entry.key, entry.value))
            }
        }
        return (.mapping(entries, node.location), overlays)
    }

    func mappingEntries(_ node: SpecNode, path: String) throws -> [SpecEntry] {
        guard case .mapping(let entries, _) = node else {
            throw error(node, path, "expected a mapping, got \(node.kindDescription)")
        }
        return entries
    }

    /// The entries of a mapping by key, after checking every key is one of `allowed`.
    func fields(_ node: SpecNode, path: String, allowed: [String]) throws -> [String: SpecEntry] {
        var result: [String: SpecEntry] = [:]
        for entry in try mappingEntries(node, path: path) {
            guard allowed.contains(entry.key) else {
                // A section's key written at the top (`seeds:` for `train.seeds`) is named with its section.
                let section = path.isEmpty ? ExperimentSpec.sectionKeys.first { $0.keys.contains(entry.key) }?.section : nil
                let hint = SpecDecoder.suggestion(for: entry.key, among: allowed).map { "did you mean \($0)?" }
                    ?? section.map { "did you mean \($0).\(entry.key)?" }
                    ?? "expected one of \(allowed.joined(separator: ", "))"
                sink.errors.append(SpecError(location: entry.keyLocation, block: block, path: join(path, entry.key),
                                             message: "unknown key \(entry.key); \(hint)"))
                continue
            }
            result[entry.key] = entry
        }
        return result
    }

    /// A list's elements with their paths; a single value is a list of one at the same path.
    func elements(_ node: SpecNode, path: String) -> [(node: SpecNode, path: String)] {
        if case .sequence(let items, _) = node {
            return items.enumerated().map { ($0.element, "\(path)[\($0.offset)]") }
        }
        return [(node, path)]
    }

    func list<T>(_ node: SpecNode, path: String, _ decode: (SpecNode, String) throws -> T) throws -> [T] {
        if case .sequence(let items, _) = node, items.isEmpty {
            throw error(node, path, "expected a value or a non-empty list, got an empty list")
        }
        // Every element is decoded, so each bad one is reported; then the list fails as a whole.
        let values = try elements(node, path: path).map { item in try attempt { try decode(item.node, item.path) } }
        let decoded = values.compactMap { $0 }
        guard decoded.count == values.count else { throw SpecErrorSink.Recorded() }
        return decoded
    }

    /// A sweep axis: one value or a list of distinct values (a repeat would train the same point
    /// twice and make references to it ambiguous).
    func sweep<T: Hashable>(_ node: SpecNode, path: String, _ decode: (SpecNode, String) throws -> T) throws -> [T] {
        let values = try list(node, path: path, decode)
        let items = elements(node, path: path)
        var first: [T: Int] = [:]
        for (index, value) in values.enumerated() {
            if let earlier = first[value] {
                throw error(items[index].node, items[index].path,
                            "repeats \(items[earlier].path); hint: list each sweep value once")
            }
            first[value] = index
        }
        return values
    }

    static var learningRateRange: ClosedRange<Double> { SpecLimits.learningRate }
    static var log2Range: ClosedRange<Double> { SpecLimits.log2LearningRate }

    // MARK: Scalars

    func number(_ node: SpecNode, _ path: String) throws -> Double {
        switch node {
        case .scalar(.int(let value), _): return Double(value)
        case .scalar(.double(let value), _): return value
        default: throw error(node, path, "expected number, got \(node.kindDescription)")
        }
    }

    func finite(_ node: SpecNode, _ path: String) throws -> Double {
        let value = try number(node, path)
        guard value.isFinite else { throw error(node, path, "expected a finite number, got \(value)") }
        return value
    }

    func positive(_ node: SpecNode, _ path: String) throws -> Double {
        let value = try finite(node, path)
        guard value > 0 else { throw error(node, path, "must be > 0, got \(SpecDecoder.text(value))") }
        return value
    }

    func integer(_ node: SpecNode, _ path: String) throws -> Int {
        switch node {
        case .scalar(.int(let value), _): return value
        case .scalar(.double(let value), _) where value.isFinite && value == value.rounded()
            && abs(value) < 1e15:
            return Int(value)
        default: throw error(node, path, "expected integer, got \(node.kindDescription)")
        }
    }

    func integer(_ node: SpecNode, _ path: String, atLeast minimum: Int, atMost maximum: Int = Int.max) throws -> Int {
        let value = try integer(node, path)
        guard value >= minimum else {
            throw error(node, path, "must be ≥ \(minimum), got \(value)")
        }
        guard value <= maximum else {
            throw error(node, path, "must be ≤ \(maximum) (larger runs do not fit a workstation), got \(value)")
        }
        return value
    }

    func boolean(_ node: SpecNode, _ path: String) throws -> Bool {
        guard case .scalar(.bool(let value), _) = node else {
            if case .scalar(.string(let text), _) = node, let old = SpecDecoder.yaml11Boolean(text) {
                throw error(node, path, "expected true/false, got \(node.kindDescription); hint: YAML 1.1 would have read \"\(text)\" as \(old), YAML 1.2 (used here) reads a string: write \(old)")
            }
            throw error(node, path, "expected true/false, got \(node.kindDescription)")
        }
        return value
    }

    /// What YAML 1.1's boolean type reads `text` as (`yes`, `No`, `ON`, `off`, `y`, `N`, …), if anything.
    static func yaml11Boolean(_ text: String) -> Bool? {
        switch text {
        case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "n", "N", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    func string(_ node: SpecNode, _ path: String) throws -> String {
        guard case .scalar(.string(let value), _) = node else {
            throw error(node, path, "expected string, got \(node.kindDescription)")
        }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: SpecNode, _ path: String, _: T.Type) throws -> T
    where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        guard case .scalar(.string(let text), _) = node else {
            throw error(node, path, "expected one of \(names.joined(separator: ", ")), got \(node.kindDescription)")
        }
        guard let value = T(rawValue: text) else {
            let hint = SpecDecoder.suggestion(for: text, among: names).map { "; did you mean \($0)?" } ?? ""
            throw error(node, path, "unknown value \"\(text)\", expected one of \(names.joined(separator: ", "))\(hint)")
        }
        return value
    }

    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    // MARK: Schema v1

    func decodeSpec(_ node: SpecNode, fenceID: String?) throws -> ExperimentSpec {
        let keys = try fields(node, path: "", allowed: ExperimentSpec.topLevelKeys)
        var spec = ExperimentSpec()
        spec.id = fenceID
        if let entry = keys["title"], let value = try attempt({ try string(entry.value, "title") }) { spec.title = value }
        if let entry = keys["id"] {
            _ = try attempt {
                let id = try string(entry.value, "id")
                guard !id.isEmpty, id.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else {
                    throw error(entry.value, "id", "expected letters, digits, - or _, got \"\(id)\"")
                }
                if let fenceID, fenceID != id {
                    throw error(entry.value, "id", "the fence says {#\(fenceID)} but id: is \"\(id)\"; keep one")
                }
                spec.id = id
            }
        }
        if let entry = keys["data"], let value = try attempt({ try decodeData(entry.value, path: "data") }) { spec.data = value }
        if let entry = keys["model"], let value = try attempt({ try decodeModel(entry.value, path: "model") }) { spec.model = value }
        if let entry = keys["parametrization"] {
            if let value = try attempt({ try sweep(entry.value, path: "parametrization", decodeParametrization) }) { spec.parametrizations = value }
        }
        if let entry = keys["optimizer"], let value = try attempt({ try decodeOptimizer(entry.value, path: "optimizer") }) { spec.optimizer = value }
        if let entry = keys["train"], let value = try attempt({ try decodeTrain(entry.value, path: "train") }) { spec.train = value }
        if let entry = keys["measure"], let value = try attempt({ try decodeMeasure(entry.value, path: "measure") }) { spec.measure = value }
        if let entry = keys["show"] {
            if let value = try attempt({ try list(entry.value, path: "show") { try choice($0, $1, ViewKind.self) } }) { spec.show = value }
        }
        if let entry = keys["metric"], let value = try attempt({ try choice(entry.value, "metric", Metric.self) }) { spec.metric = value }
        if let entry = keys["timeout"], let value = try attempt({ try positive(entry.value, "timeout") }) { spec.timeout = value }
        if let entry = keys["allow-errors"], let value = try attempt({ try boolean(entry.value, "allow-errors") }) { spec.allowErrors = value }
        // A default standing in for a bad value would make errors of its own.
        guard sink.errors.isEmpty else { throw SpecErrorSink.Recorded() }
        try validate(spec, node: node, keys: keys)
        return spec
    }

    func decodeData(_ node: SpecNode, path: String) throws -> DataSpec {
        let keys = try fields(node, path: path, allowed: ExperimentSpec.keys(of: "data"))
        var data = DataSpec()
        if let entry = keys["name"], let value = try attempt({ try choice(entry.value, join(path, "name"), DataSpec.Name.self) }) { data.name = value }
        if let entry = keys["train"], let value = try attempt({ try integer(entry.value, join(path, "train"), atLeast: 1, atMost: 10_000_000) }) { data.trainCount = value }
        if let entry = keys["test"], let value = try attempt({ try integer(entry.value, join(path, "test"), atLeast: 0, atMost: 10_000_000) }) { data.testCount = value }
        if let entry = keys["images"], let value = try attempt({ try string(entry.value, join(path, "images")) }) { data.images = value }
        if let entry = keys["labels"], let value = try attempt({ try string(entry.value, join(path, "labels")) }) { data.labels = value }
        if let entry = keys["directory"], let value = try attempt({ try string(entry.value, join(path, "directory")) }) { data.directory = value }
        if let entry = keys["input_dim"], let value = try attempt({ try integer(entry.value, join(path, "input_dim"), atLeast: 1, atMost: 100_000) }) { data.inputDim = value }
        if let entry = keys["classes"], let value = try attempt({ try integer(entry.value, join(path, "classes"), atLeast: 2, atMost: 100_000) }) { data.classes = value }
        if let entry = keys["seed"], let value = try attempt({ try integer(entry.value, join(path, "seed"), atLeast: 0) }) { data.seed = UInt64(value) }
        if let entry = keys["standardize"], let value = try attempt({ try boolean(entry.value, join(path, "standardize")) }) { data.standardize = value }
        if data.name == .idx {
            for key in ["images", "labels"] where keys[key] == nil {
                throw error(node, path, "name: idx needs \(key): (path of the IDX \(key) file); hint: add \(key): PATH, relative to the notebook, e.g. data: {name: idx, images: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz}")
            }
        } else {
            for key in ["images", "labels"] {
                if let entry = keys[key] {
                    throw error(entry.value, join(path, key), "only for name: idx (this block reads \(data.name.rawValue))")
                }
            }
        }
        return data
    }

    func decodeModel(_ node: SpecNode, path: String) throws -> ModelSpec {
        let keys = try fields(node, path: path, allowed: ExperimentSpec.keys(of: "model"))
        var model = ModelSpec()
        func at(_ key: String) -> (SpecNode, String)? { keys[key].map { ($0.value, join(path, key)) } }
        if let (value, keyPath) = at("width"), let decoded = try attempt({ try sweep(value, path: keyPath) { try integer($0, $1, atLeast: 1, atMost: 16384) } }) { model.width = decoded }
        if let (value, keyPath) = at("depth"), let decoded = try attempt({ try sweep(value, path: keyPath) { try integer($0, $1, atLeast: 1, atMost: 16384) } }) { model.depth = decoded }
        if let (value, keyPath) = at("block_depth"), let decoded = try attempt({ try sweep(value, path: keyPath) { try integer($0, $1, atLeast: 1, atMost: 64) } }) { model.blockDepth = decoded }
        if let (value, keyPath) = at("activation"), let decoded = try attempt({ try sweep(value, path: keyPath) { try choice($0, $1, ActivationKind.self) } }) { model.activation = decoded }
        if let (value, keyPath) = at("mean_subtraction"), let decoded = try attempt({ try sweep(value, path: keyPath) { try boolean($0, $1) } }) { model.meanSubtraction = decoded }
        if let (value, keyPath) = at("branch_multiplier"), let decoded = try attempt({ try sweep(value, path: keyPath) { try positive($0, $1) } }) { model.branchMultiplier = decoded }
        if let (value, keyPath) = at("base_width"), let decoded = try attempt({ try sweep(value, path: keyPath) { try integer($0, $1, atLeast: 1) } }) { model.baseWidth = decoded }
        if let (value, keyPath) = at("base_depth"), let decoded = try attempt({ try sweep(value, path: keyPath) { try integer($0, $1, atLeast: 1) } }) { model.baseDepth = decoded }
        if let (value, keyPath) = at("input"), let decoded = try attempt({ try sweep(value, path: keyPath) { try choice($0, $1, InputMode.self) } }) { model.input = decoded }
        if let (value, keyPath) = at("readout"), let decoded = try attempt({ try sweep(value, path: keyPath) { try choice($0, $1, ReadoutMode.self) } }) { model.readout = decoded }
        if let (value, keyPath) = at("pre_ln"), let decoded = try attempt({ try sweep(value, path: keyPath) { try boolean($0, $1) } }) { model.preLN = decoded }
        return model
    }

    func decodeParametrization(_ node: SpecNode, _ path: String) throws -> ParametrizationName {
        switch node {
        case .scalar(.string(let name), _):
            if let parametrization = ParametrizationName(parsing: name) { return parametrization }
            let hint = SpecDecoder.suggestion(for: name, among: ParametrizationName.names).map { "; did you mean \($0)?" } ?? ""
            throw error(node, path, "unknown parametrization \"\(name)\", expected sp, mup, depth-mup or {alpha: a, gamma: g}\(hint)")
        case .mapping:
            let keys = try fields(node, path: path, allowed: ["alpha", "gamma"])
            guard let alpha = keys["alpha"], let gamma = keys["gamma"] else {
                throw error(node, path, "a custom parametrization needs both alpha and gamma, e.g. {alpha: 0.5, gamma: 0.5}")
            }
            return .custom(alpha: try finite(alpha.value, join(path, "alpha")),
                           gamma: try finite(gamma.value, join(path, "gamma")))
        default:
            throw error(node, path, "expected sp, mup, depth-mup or {alpha: a, gamma: g}, got \(node.kindDescription)")
        }
    }

    func decodeOptimizer(_ node: SpecNode, path: String) throws -> OptimizerSpec {
        let keys = try fields(node, path: path, allowed: ExperimentSpec.keys(of: "optimizer"))
        var optimizer = OptimizerSpec()
        if let entry = keys["name"], let value = try attempt({ try choice(entry.value, join(path, "name"), OptimizerKind.self) }) { optimizer.name = value }
        if let entry = keys["lr"], let value = try attempt({ try decodeLearningRates(entry.value, path: join(path, "lr")) }) { optimizer.learningRates = value }
        if let entry = keys["momentum"] {
            let momentum = try attempt {
                try sweep(entry.value, path: join(path, "momentum")) { value, keyPath in
                    let momentum = try finite(value, keyPath)
                    guard momentum >= 0, momentum < 1 else {
                        throw error(value, keyPath, "must be in [0, 1), got \(SpecDecoder.text(momentum))")
                    }
                    return momentum
                }
            }
            if let momentum { optimizer.momentum = momentum } else { return optimizer }
        }
        if let entry = keys["epsilon"], let value = try attempt({ try positive(entry.value, join(path, "epsilon")) }) { optimizer.epsilon = value }
        if let entry = keys["momentum"], optimizer.name == .adam {
            throw SpecError(location: entry.keyLocation, block: block, path: join(path, "momentum"),
                            message: "momentum is SGD's; Adam keeps its own moment estimates; hint: write name: sgd, or drop momentum")
        }
        return optimizer
    }

    /// A learning rate: a number, or `2^-9` / `2**-9` as on the command line (`LearningRate.parse`).
    ///
    /// Only the power form is read from text: a quoted `"1e-3"` stays a string (and an error).
    func rate(_ node: SpecNode, _ path: String) throws -> Double {
        if case .scalar(.string(let text), _) = node, text.contains("^") || text.contains("**"),
           let value = LearningRate.parse(text) {
            guard value.isFinite, value > 0 else { throw error(node, path, "must be a finite rate > 0, got \(text)") }
            return value
        }
        return try positive(node, path)
    }

    /// `lr:` — a number, a list of numbers, or a log2 grid `{log2: [lo, hi], step: s}`.
    func decodeLearningRates(_ node: SpecNode, path: String) throws -> [Double] {
        guard case .mapping = node else {
            return try sweep(node, path: path) { value, keyPath in
                let rate = try self.rate(value, keyPath)
                guard rate >= Self.learningRateRange.lowerBound, rate <= Self.learningRateRange.upperBound else {
                    throw error(value, keyPath, "learning rate \(SpecDecoder.text(rate)) is out of range; hint: use a rate in [1e-30, 1e6]")
                }
                return rate
            }
        }
        let keys = try fields(node, path: path, allowed: ["log2", "step"])
        guard let range = keys["log2"] else {
            throw error(node, path, "a learning-rate grid needs log2: [lo, hi], e.g. {log2: [-12, -4], step: 1}")
        }
        guard case .sequence(let bounds, _) = range.value, bounds.count == 2 else {
            throw error(range.value, join(path, "log2"), "expected [lo, hi], got \(range.value.kindDescription)")
        }
        func exponent(_ index: Int) throws -> Double {
            let keyPath = join(path, "log2") + "[\(index)]"
            let value = try finite(bounds[index], keyPath)
            guard Self.log2Range.contains(value) else {
                throw error(bounds[index], keyPath, "2^\(SpecDecoder.text(value)) is out of range for a learning rate; hint: log2 bounds lie in [-100, 20]")
            }
            return value
        }
        let low = try exponent(0)
        let high = try exponent(1)
        guard low <= high else {
            throw error(range.value, join(path, "log2"), "lo must be ≤ hi, got [\(SpecDecoder.text(low)), \(SpecDecoder.text(high))]")
        }
        let step = try keys["step"].map { try positive($0.value, join(path, "step")) } ?? 1
        // Counted in Double first: a tiny step gives more points than an Int holds.
        let points = ((high - low) / step + 1e-9).rounded(.down) + 1
        guard points <= 1000 else {
            throw error(node, path, "the grid has \(points < 1e15 ? SpecDecoder.text(points) : "more than 10^15") points; hint: use a larger step (at most 1000 points)")
        }
        // NOTE: each exponent is computed from the integer index, never accumulated, so the grid
        // is the same bits whatever its length (the cache key depends on it).
        let rates = (0..<Int(points)).map { index in Double.pow2(low + Double(index) * step) }
        guard Set(rates).count == rates.count else {
            throw error(node, path, "the step is so small that grid points coincide; hint: use a larger step")
        }
        return rates
    }

    func decodeTrain(_ node: SpecNode, path: String) throws -> TrainSpec {
        let keys = try fields(node, path: path, allowed: ExperimentSpec.keys(of: "train"))
        var train = TrainSpec()
        if let entry = keys["steps"], let value = try attempt({ try integer(entry.value, join(path, "steps"), atLeast: 1, atMost: 10_000_000) }) { train.steps = value }
        if let entry = keys["batch"], let value = try attempt({ try integer(entry.value, join(path, "batch"), atLeast: 1, atMost: 65536) }) { train.batch = value }
        if let entry = keys["seeds"] {
            _ = try attempt {
                let keyPath = join(path, "seeds")
                if case .sequence = entry.value {
                    let seeds = try list(entry.value, path: keyPath) { try integer($0, $1, atLeast: 0) }
                    guard Set(seeds).count == seeds.count else {
                        throw error(entry.value, keyPath, "seeds repeat; each seed must appear once")
                    }
                    train.seeds = seeds.map(UInt64.init)
                } else {
                    let count = try integer(entry.value, keyPath, atLeast: 1)
                    guard count <= 1000 else { throw error(entry.value, keyPath, "at most 1000 seeds, got \(count)") }
                    train.seeds = (0..<UInt64(count)).map { $0 }
                }
            }
        }
        if let entry = keys["loss"], let value = try attempt({ try choice(entry.value, join(path, "loss"), LossKind.self) }) { train.loss = value }
        return train
    }

    func decodeMeasure(_ node: SpecNode, path: String) throws -> MeasureSpec {
        let keys = try fields(node, path: path, allowed: ExperimentSpec.keys(of: "measure"))
        var measure = MeasureSpec()
        if let entry = keys["coord_check_steps"] {
            if let steps = try attempt({ try list(entry.value, path: join(path, "coord_check_steps")) { try integer($0, $1, atLeast: 0) } }) {
                measure.coordinateCheckSteps = Array(Set(steps)).sorted()
            }
        }
        if let entry = keys["feature_update"], let value = try attempt({ try boolean(entry.value, join(path, "feature_update")) }) { measure.featureUpdate = value }
        if let entry = keys["loss_curve"], let value = try attempt({ try boolean(entry.value, join(path, "loss_curve")) }) { measure.lossCurve = value }
        if let entry = keys["diversity"], let value = try attempt({ try boolean(entry.value, join(path, "diversity")) }) { measure.diversity = value }
        return measure
    }
}

extension Double {
    /// 2^exponent, exact for integer exponents.
    static func pow2(_ exponent: Double) -> Double {
        if exponent == exponent.rounded(), abs(exponent) < 1000 {
            return Double(sign: .plus, exponent: Int(exponent), significand: 1)
        }
        return Foundation.pow(2, exponent)
    }
}

/// Learning rates as people write them: `2^-9`, `2**-9` or a decimal number (`0.002`, `1e-3`);
/// one parser for `--lr` and for `lr:` in experiment blocks.
public enum LearningRate {
    public static func parse(_ text: String) -> Double? {
        let t = text.replacingOccurrences(of: "**", with: "^").replacingOccurrences(of: " ", with: "")
        if let caret = t.firstIndex(of: "^") {
            guard let base = Double(t[..<caret]), let exponent = Double(t[t.index(after: caret)...]) else { return nil }
            return pow(base, exponent)
        }
        return Double(t)
    }
}

extension SpecNode {
    /// Whether `location` is this node's, one of its keys' or a descendant's.
    func locates(_ location: SourceLocation) -> Bool {
        if self.location == location { return true }
        switch self {
        case .scalar: return false
        case .sequence(let items, _): return items.contains { $0.locates(location) }
        case .mapping(let entries, _): return entries.contains { $0.keyLocation == location || $0.value.locates(location) }
        }
    }

    /// The location of the key at dotted `path` (`data.images`), if this mapping has it.
    public func keyLocation(of path: String) -> SourceLocation? {
        var node = self
        var found: SourceLocation?
        for key in path.split(separator: ".") {
            guard case .mapping(let entries, _) = node, let entry = entries.first(where: { $0.key == key }) else { return nil }
            found = entry.keyLocation
            node = entry.value
        }
        return found
    }
}
