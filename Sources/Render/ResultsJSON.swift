import Foundation
import Notebook
import Runner

/// `NAME.results.json`: every point of every block, valid JSON whatever the values.
///
/// NaN and ±inf are not JSON numbers (B24): such a value is written as `null` and the field's
/// name is listed in the point's `"nonfinite"` object with its text (`"NaN"`, `"inf"`, `"-inf"`).
/// Keys are in a fixed order and numbers in shortest round-trip form, so the file is the same
/// bytes for the same results (timings are left out).
///
/// ```json
/// {"format": "depthbook-results-2", "notebook": "notes.md", "blocks": [{"id": "lr-transfer",
///   "points": [{"index": 0, "values": {"depth": "4"}, "status": "finished",
///               "final_train_loss": null, "nonfinite": {"final_train_loss": "NaN"}, …}]}]}
/// ```
public enum ResultsJSON {
    public static func encode(_ blocks: [BlockResult], notebookFile: String) -> String {
        var out = "{\n  \"format\": \"depthbook-results-2\",\n  \"notebook\": \(string(notebookFile)),\n  \"blocks\": ["
        for (blockNumber, block) in blocks.enumerated() {
            out += blockNumber == 0 ? "\n" : ",\n"
            out += "    {\n      \"id\": \(string(block.anchor)),\n      \"index\": \(block.cell.index),\n"
            out += "      \"title\": \(block.spec.title.map(string) ?? "null"),\n"
            out += "      \"status\": \(string(statusText(block.status))),\n"
            // What the block's optima, best-lr tables and spreads compare (the page's ★), so a
            // reader of the JSON alone can recompute them.
            out += "      \"metric\": \(string(block.spec.metric.rawValue)),\n"
            out += "      \"axes\": {" + block.axes.map { "\(string($0.name)): [\($0.values.map(string).joined(separator: ", "))]" }.joined(separator: ", ") + "},\n"
            out += "      \"points\": ["
            for (number, (point, outcome)) in zip(block.points, block.outcomes).enumerated() {
                out += number == 0 ? "\n" : ",\n"
                out += "        " + pointJSON(point, outcome)
            }
            out += block.points.isEmpty ? "]\n    }" : "\n      ]\n    }"
        }
        out += blocks.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    static func statusText(_ status: BlockStatus) -> String {
        switch status {
        case .ok: return "ok"
        case .failed: return "failed"
        case .timedOut: return "timed out"
        case .cancelled: return "cancelled"
        }
    }

    static func pointJSON(_ point: Point, _ outcome: PointOutcome) -> String {
        var fields: [(String, String)] = [("index", String(point.index))]
        let values = BlockAnalysis.values(of: point)
        fields.append(("values", "{" + values.sorted { $0.key < $1.key }.map { "\(string($0.key)): \(string($0.value))" }.joined(separator: ", ") + "}"))
        fields.append(("spec", point.spec.canonicalJSON))
        var nonfinite: [(String, String)] = []
        func number(_ name: String, _ value: Double?) {
            guard let value else { fields.append((name, "null")); return }
            if let special = NumberFormat.nonFinite(value) { nonfinite.append((name, special)) }
            fields.append((name, NumberFormat.exact(value)))
        }
        func numbers(_ name: String, _ values: [Double]) {
            if let special = values.lazy.compactMap(NumberFormat.nonFinite).first { nonfinite.append((name, special)) }
            fields.append((name, "[" + values.map(NumberFormat.exact).joined(separator: ", ") + "]"))
        }
        switch outcome {
        case .finished(let result):
            fields.append(("status", string(result.divergedAtStep == nil ? "finished" : "diverged")))
            fields.append(("diverged_at_step", result.divergedAtStep.map(String.init) ?? "null"))
            number("final_train_loss", result.finalTrainLoss)
            number("initial_loss", result.initialLoss)
            number("test_loss", result.testLoss)
            number("test_accuracy", result.testAccuracy)
            number("alpha", result.alpha)
            number("gamma", result.gamma)
            number("branch_multiplier", result.branchMultiplier)
            number("hidden_learning_rate", result.hiddenLearningRate)
            fields.append(("steps_run", String(result.stepsRun)))
            numbers("loss_per_step", result.lossPerStep)
            numbers("weight_update_ratio", result.weightUpdateRatio)
            let samples = result.coordinateCheck.map { sample -> String in
                let rms = sample.blockRMS.map(NumberFormat.exact).joined(separator: ", ")
                let delta = sample.blockDeltaRMS.map(NumberFormat.exact).joined(separator: ", ")
                if sample.blockRMS.contains(where: { !$0.isFinite }) || sample.blockDeltaRMS.contains(where: { !$0.isFinite }) {
                    nonfinite.append(("coordinate_check", "NaN"))
                }
                return "{\"step\": \(sample.step), \"block_rms\": [\(rms)], \"block_delta_rms\": [\(delta)], \"output_rms\": \(NumberFormat.exact(sample.outputRMS))}"
            }
            fields.append(("coordinate_check", "[" + samples.joined(separator: ", ") + "]"))
            let diversity = result.diversity.map { point -> String in
                if !point.d.isFinite { nonfinite.append(("diversity", "NaN")) }
                return "{\"j\": \(point.j), \"epsilon\": \(NumberFormat.exact(point.epsilon)), \"d\": \(NumberFormat.exact(point.d))}"
            }
            fields.append(("diversity", "[" + diversity.joined(separator: ", ") + "]"))
        case .failed(let message):
            fields.append(("status", string("failed")))
            fields.append(("error", string(message)))
        case .timedOut:
            fields.append(("status", string("timed out")))
        case .cancelled:
            fields.append(("status", string("not run")))
        }
        var seen = Set<String>()
        let flags = nonfinite.filter { seen.insert($0.0).inserted }
        if !flags.isEmpty {
            fields.append(("nonfinite", "{" + flags.map { "\(string($0.0)): \(string($0.1))" }.joined(separator: ", ") + "}"))
        }
        return "{" + fields.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal (RFC 8259 escapes): the one escaper, ``PointCodec/string(_:)``.
    static func string(_ text: String) -> String { PointCodec.string(text) }
}
