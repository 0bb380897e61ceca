import DepthMuP
import Foundation
import Notebook

/// The published encodings of a point spec and a point result: the cache key, the cache entry,
/// `depthbook run-point`'s input and output. Written on purpose, never by synthesized `Codable`,
/// so that renaming a Swift property changes no key and no file.
///
/// **Spec, format 1** (``canonicalSpec(_:)``): one JSON object, keys sorted (byte order), no
/// whitespace, every field that equals its default left out, and `"format": 1`. The defaults are
/// those of an experiment block that says nothing (``PointSpec/defaults``), so a field added later
/// with a default leaves the encoding, and so the cache key, of every existing point unchanged.
/// Numbers are written in Swift's shortest round-trip form (`0.001`, `1e-08`; never NaN or inf:
/// decoding a block rejects them). Keys: `activation`, `base_depth`, `base_width`, `batch`,
/// `block_depth`, `branch_multiplier`, `coord_check_steps`, `data` (an object: `classes`,
/// `directory`, `images`, `input_dim`, `labels`, `name`, `seed`, `standardize`, `test`, `train`),
/// `depth`, `diversity`, `epsilon`, `feature_update`, `format`, `input`, `loss`, `loss_curve`, `lr`,
/// `mean_subtraction`, `momentum`, `optimizer`, `parametrization` (`"sp"`, `"mup"`,
/// `"depth-mup"` or `{"alpha": a, "gamma": g}`), `pre_ln`, `readout`, `seed`, `steps`, `width`.
///
/// ```json
/// {"depth":16,"format":1,"lr":0.0078125,"parametrization":"sp","width":64}
/// ```
///
/// **Result, format 1** (``encodeResult(_:)``): a JSON object with the snake_case names of
/// `results.json` (README "Results schema"); NaN and ±inf as the strings `"nan"`, `"inf"`, `"-inf"`.
///
/// NOTE: the encoder is hand-written (a few lines) because JSONEncoder cannot leave out defaults
/// or promise a byte order; decoding parses with JSONDecoder into ``JSONValue`` and reads every
/// key explicitly (``JSONReader``), so unknown keys are errors.
public enum PointCodec {
    /// Bump when the spec encoding changes meaning; part of every cache key.
    public static let specFormat = 1

    // MARK: Spec

    /// The canonical JSON of `spec` (see the type's discussion).
    public static func canonicalSpec(_ spec: PointSpec) -> String {
        let d = PointSpec.defaults
        var fields: [String: String] = ["format": String(specFormat)]
        func put<T: Equatable>(_ key: String, _ value: T, _ fallback: T, _ text: (T) -> String) {
            if value != fallback { fields[key] = text(value) }
        }
        let data = dataObject(spec.data)
        if data != "{}" { fields["data"] = data }
        put("width", spec.width, d.width, String.init)
        put("depth", spec.depth, d.depth, String.init)
        put("block_depth", spec.blockDepth, d.blockDepth, String.init)
        put("activation", spec.activation, d.activation) { string($0.rawValue) }
        if let mean = spec.meanSubtraction { fields["mean_subtraction"] = String(mean) }
        put("branch_multiplier", spec.branchMultiplier, d.branchMultiplier, number)
        put("base_width", spec.baseWidth, d.baseWidth, String.init)
        put("base_depth", spec.baseDepth, d.baseDepth, String.init)
        put("input", spec.input, d.input) { string($0.rawValue) }
        put("readout", spec.readout, d.readout) { string($0.rawValue) }
        put("pre_ln", spec.preLN, d.preLN) { String($0) }
        put("parametrization", spec.parametrization, d.parametrization, parametrizationJSON)
        put("optimizer", spec.optimizer, d.optimizer) { string($0.rawValue) }
        put("lr", spec.learningRate, d.learningRate, number)
        put("momentum", spec.momentum, d.momentum, number)
        put("epsilon", spec.epsilon, d.epsilon, number)
        put("loss", spec.loss, d.loss) { string($0.rawValue) }
        put("steps", spec.steps, d.steps, String.init)
        put("batch", spec.batch, d.batch, String.init)
        put("seed", spec.seed, d.seed, String.init)
        put("coord_check_steps", spec.coordinateCheckSteps, d.coordinateCheckSteps) { "[" + $0.map(String.init).joined(separator: ",") + "]" }
        put("feature_update", spec.featureUpdate, d.featureUpdate) { String($0) }
        put("loss_curve", spec.lossCurve, d.lossCurve) { String($0) }
        put("diversity", spec.diversity, d.diversity) { String($0) }
        return object(fields)
    }

    static func dataObject(_ data: DataSpec) -> String {
        let d = DataSpec()
        var fields: [String: String] = [:]
        if data.name != d.name { fields["name"] = string(data.name.rawValue) }
        if data.trainCount != d.trainCount { fields["train"] = String(data.trainCount) }
        if data.testCount != d.testCount { fields["test"] = String(data.testCount) }
        if let images = data.images { fields["images"] = string(images) }
        if let labels = data.labels { fields["labels"] = string(labels) }
        if let directory = data.directory { fields["directory"] = string(directory) }
        if data.inputDim != d.inputDim { fields["input_dim"] = String(data.inputDim) }
        if data.classes != d.classes { fields["classes"] = String(data.classes) }
        if data.seed != d.seed { fields["seed"] = String(data.seed) }
        if data.standardize != d.standardize { fields["standardize"] = String(data.standardize) }
        return object(fields)
    }

    static func parametrizationJSON(_ parametrization: ParametrizationName) -> String {
        switch parametrization {
        case .sp, .mup, .depthMuP: return string(parametrization.description)
        case .custom(let alpha, let gamma): return object(["alpha": number(alpha), "gamma": number(gamma)])
        }
    }

    /// Reads a spec written by ``canonicalSpec(_:)`` (or by hand: any key order, whitespace,
    /// defaults written out or not).
    ///
    /// - Throws: ``RunnerError`` naming the key and what was expected.
    public static func decodeSpec(_ data: Data) throws -> PointSpec {
        try decodeSpec(JSONReader(data, what: "point spec"))
    }

    static func decodeSpec(_ root: JSONReader) throws -> PointSpec {
        let format = try root.int("format")
        guard format == specFormat else {
            throw RunnerError("point spec: format \(format.map(String.init) ?? "(missing)") is not \(specFormat); hint: write the spec with this depthbook's run-point or cache")
        }
        var spec = PointSpec.defaults
        if let data = try root.object("data") {
            let d = DataSpec()
            spec.data.name = try data.enumeration("name") ?? d.name
            spec.data.trainCount = try data.int("train") ?? d.trainCount
            spec.data.testCount = try data.int("test") ?? d.testCount
            spec.data.images = try data.string("images")
            spec.data.labels = try data.string("labels")
            spec.data.directory = try data.string("directory")
            spec.data.inputDim = try data.int("input_dim") ?? d.inputDim
            spec.data.classes = try data.int("classes") ?? d.classes
            spec.data.seed = try data.int("seed").map(UInt64.init) ?? d.seed
            spec.data.standardize = try data.bool("standardize") ?? d.standardize
            try data.refuseUnknown()
        }
        spec.width = try root.int("width") ?? spec.width
        spec.depth = try root.int("depth") ?? spec.depth
        spec.blockDepth = try root.int("block_depth") ?? spec.blockDepth
        spec.activation = try root.enumeration("activation") ?? spec.activation
        spec.meanSubtraction = try root.bool("mean_subtraction")
        spec.branchMultiplier = try root.double("branch_multiplier") ?? spec.branchMultiplier
        spec.baseWidth = try root.int("base_width") ?? spec.baseWidth
        spec.baseDepth = try root.int("base_depth") ?? spec.baseDepth
        spec.input = try root.enumeration("input") ?? spec.input
        spec.readout = try root.enumeration("readout") ?? spec.readout
        spec.preLN = try root.bool("pre_ln") ?? spec.preLN
        if let value = root.value("parametrization") {
            if case .string(let name) = value, let parsed = ParametrizationName(parsing: name) {
                spec.parametrization = parsed
            } else if case .object(let pair) = value, pair.count == 2, case .number(let alpha)? = pair["alpha"],
                      case .number(let gamma)? = pair["gamma"] {
                spec.parametrization = .custom(alpha: alpha, gamma: gamma)
            } else {
                throw RunnerError("point spec: parametrization: expected \"sp\", \"mup\", \"depth-mup\" or {\"alpha\": a, \"gamma\": g}")
            }
        }
        spec.optimizer = try root.enumeration("optimizer") ?? spec.optimizer
        spec.learningRate = try root.double("lr") ?? spec.learningRate
        spec.momentum = try root.double("momentum") ?? spec.momentum
        spec.epsilon = try root.double("epsilon") ?? spec.epsilon
        spec.loss = try root.enumeration("loss") ?? spec.loss
        spec.steps = try root.int("steps") ?? spec.steps
        spec.batch = try root.int("batch") ?? spec.batch
        spec.seed = try root.int("seed").map(UInt64.init) ?? spec.seed
        spec.coordinateCheckSteps = try root.ints("coord_check_steps") ?? spec.coordinateCheckSteps
        spec.featureUpdate = try root.bool("feature_update") ?? spec.featureUpdate
        spec.lossCurve = try root.bool("loss_curve") ?? spec.lossCurve
        spec.diversity = try root.bool("diversity") ?? spec.diversity
        try root.refuseUnknown()
        return spec
    }

    // MARK: Result

    /// The result as the cache stores it and `run-point` prints it: keys sorted, snake_case.
    public static func encodeResult(_ result: PointResult) -> String {
        var fields: [String: String] = [
            "alpha": special(result.alpha), "gamma": special(result.gamma),
            "branch_multiplier": special(result.branchMultiplier),
            "hidden_learning_rate": special(result.hiddenLearningRate),
            "initial_loss": special(result.initialLoss), "final_train_loss": special(result.finalTrainLoss),
            "loss_per_step": "[" + result.lossPerStep.map(special).joined(separator: ",") + "]",
            "coordinate_check": "[" + result.coordinateCheck.map { sample in
                object(["step": String(sample.step),
                        "block_rms": "[" + sample.blockRMS.map(special).joined(separator: ",") + "]",
                        "block_delta_rms": "[" + sample.blockDeltaRMS.map(special).joined(separator: ",") + "]",
                        "output_rms": special(sample.outputRMS)])
            }.joined(separator: ",") + "]",
            "weight_update_ratio": "[" + result.weightUpdateRatio.map(special).joined(separator: ",") + "]",
            "diversity": "[" + result.diversity.map { point in
                object(["j": String(point.j), "epsilon": special(point.epsilon), "d": special(point.d)])
            }.joined(separator: ",") + "]",
            "steps_run": String(result.stepsRun),
            "seconds": special(result.seconds),
        ]
        if let testLoss = result.testLoss { fields["test_loss"] = special(testLoss) }
        if let testAccuracy = result.testAccuracy { fields["test_accuracy"] = special(testAccuracy) }
        if let step = result.divergedAtStep { fields["diverged_at_step"] = String(step) }
        return object(fields)
    }

    /// Reads a result written by ``encodeResult(_:)``.
    ///
    /// - Throws: ``RunnerError`` naming the key.
    public static func decodeResult(_ data: Data) throws -> PointResult {
        try decodeResult(JSONReader(data, what: "point result"))
    }

    static func decodeResult(_ root: JSONReader) throws -> PointResult {
        var result = PointResult(finalTrainLoss: try root.special("final_train_loss") ?? .nan)
        result.alpha = try root.special("alpha") ?? 0
        result.gamma = try root.special("gamma") ?? 0
        result.branchMultiplier = try root.special("branch_multiplier") ?? 1
        result.hiddenLearningRate = try root.special("hidden_learning_rate") ?? 0
        result.initialLoss = try root.special("initial_loss") ?? 0
        result.lossPerStep = try root.specials("loss_per_step") ?? []
        result.testLoss = try root.special("test_loss")
        result.testAccuracy = try root.special("test_accuracy")
        result.divergedAtStep = try root.int("diverged_at_step")
        result.coordinateCheck = try root.objects("coordinate_check").map { sample in
            CoordinateRecord(step: try sample.int("step") ?? 0, blockRMS: try sample.specials("block_rms") ?? [],
                             blockDeltaRMS: try sample.specials("block_delta_rms") ?? [],
                             outputRMS: try sample.special("output_rms") ?? .nan)
        }
        result.weightUpdateRatio = try root.specials("weight_update_ratio") ?? []
        result.diversity = try root.objects("diversity").map { point in
            DiversityPoint(j: try point.int("j") ?? 0, epsilon: try point.special("epsilon") ?? .nan, d: try point.special("d") ?? .nan)
        }
        result.stepsRun = try root.int("steps_run") ?? 0
        result.seconds = try root.special("seconds") ?? 0
        result.secondsPerStep = result.stepsRun > 0 ? result.seconds / Double(result.stepsRun) : 0
        try root.refuseUnknown()
        return result
    }

    // MARK: Writing

    /// `{"a":…,"b":…}` with keys in byte order.
    static func object(_ fields: [String: String]) -> String {
        "{" + fields.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\(string($0.key)):\($0.value)" }.joined(separator: ",") + "}"
    }

    /// Shortest round-trip decimal; callers guarantee finiteness (see ``special(_:)`` otherwise).
    static func number(_ value: Double) -> String {
        precondition(value.isFinite, "a point spec holds only finite numbers")
        return "\(value)"
    }

    /// A number, or `"nan"`, `"inf"`, `"-inf"` (results may hold them after a divergence).
    static func special(_ value: Double) -> String {
        if value.isNaN { return "\"nan\"" }
        if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
        return "\(value)"
    }

    /// A JSON string literal (RFC 8259 escapes).
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// A parsed JSON value. Numbers keep the Double JSONDecoder reads (exact: shortest round-trip
/// text reads back as the same Double, which JSONSerialization on Linux does not guarantee:
/// it reads 0.30000000000000004 as 0.3000000000000001).
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}

/// Reads the keys of one JSON object explicitly, remembering which it saw, so an unknown key
/// (a typo, or a newer writer) is an error rather than ignored.
final class JSONReader {
    let values: [String: JSONValue]
    let what: String
    var seen: Set<String> = []

    convenience init(_ data: Data, what: String) throws {
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw RunnerError("\(what): not a JSON object")
        }
        self.init(object, what: what)
    }

    init(_ values: [String: JSONValue], what: String) {
        self.values = values
        self.what = what
    }

    /// The value of `key`, nil when absent or null; marks the key as read.
    func value(_ key: String) -> JSONValue? {
        seen.insert(key)
        guard let value = values[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    private func fail(_ key: String, _ expected: String) -> RunnerError { RunnerError("\(what): \(key): expected \(expected)") }

    func int(_ key: String) throws -> Int? {
        guard let raw = value(key) else { return nil }
        guard case .number(let number) = raw, let int = Int(exactly: number) else { throw fail(key, "an integer") }
        return int
    }

    func double(_ key: String) throws -> Double? {
        guard let raw = value(key) else { return nil }
        guard case .number(let number) = raw else { throw fail(key, "a number") }
        return number
    }

    /// A number or one of `"nan"`, `"inf"`, `"-inf"`.
    func special(_ key: String) throws -> Double? {
        guard let raw = value(key) else { return nil }
        return try Self.special(raw) ?? { throw fail(key, "a number, \"nan\", \"inf\" or \"-inf\"") }()
    }

    static func special(_ raw: JSONValue) -> Double? {
        switch raw {
        case .number(let number): return number
        case .string("nan"): return .nan
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        default: return nil
        }
    }

    /// A list whose every element `element` accepts.
    private func list<T>(_ key: String, _ expected: String, _ element: (JSONValue) -> T?) throws -> [T]? {
        guard let raw = value(key) else { return nil }
        guard case .array(let items) = raw else { throw fail(key, expected) }
        return try items.map { try element($0) ?? { throw fail(key, expected) }() }
    }

    func specials(_ key: String) throws -> [Double]? { try list(key, "a list of numbers", Self.special) }

    func ints(_ key: String) throws -> [Int]? {
        try list(key, "a list of integers") { item in
            if case .number(let number) = item { return Int(exactly: number) } else { return nil }
        }
    }

    func strings(_ key: String) throws -> [String]? {
        try list(key, "a list of strings") { item in
            if case .string(let text) = item { return text } else { return nil }
        }
    }

    func bool(_ key: String) throws -> Bool? {
        guard let raw = value(key) else { return nil }
        guard case .bool(let flag) = raw else { throw fail(key, "true or false") }
        return flag
    }

    func string(_ key: String) throws -> String? {
        guard let raw = value(key) else { return nil }
        guard case .string(let text) = raw else { throw fail(key, "a string") }
        return text
    }

    func enumeration<T: RawRepresentable & CaseIterable>(_ key: String) throws -> T? where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = T(rawValue: text) else {
            throw fail(key, T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        return value
    }

    func object(_ key: String) throws -> JSONReader? {
        guard let raw = value(key) else { return nil }
        guard case .object(let object) = raw else { throw fail(key, "an object") }
        return JSONReader(object, what: "\(what): \(key)")
    }

    func objects(_ key: String) throws -> [JSONReader] {
        guard let raw = value(key) else { return [] }
        guard case .array(let list) = raw else { throw fail(key, "a list of objects") }
        return try list.map { item in
            guard case .object(let object) = item else { throw fail(key, "a list of objects") }
            return JSONReader(object, what: "\(what): \(key)")
        }
    }

    func refuseUnknown() throws {
        if let unknown = values.keys.sorted().first(where: { !seen.contains($0) }) {
            throw RunnerError("\(what): unknown key \"\(unknown)\"; hint: this depthbook reads format \(PointCodec.specFormat)")
        }
    }
}
