import Foundation
import Notebook
import Runner

/// The one-line description under each figure of what was run: data and its size, width,
/// depths, parametrizations, optimizer and rates, steps, batch, seeds and the number of points.
///
/// Built from the block's expanded points (what actually ran at the active scale), not from the
/// YAML; a block run at a reduced scale (`--scale ci`) says so first, and a block whose views
/// all read the initialization (`init-variance`) names no optimizer or steps. Wall time is left out on purpose: pages are byte-identical across `--jobs` and cached
/// re-renders, and a measured time would break that.
///
/// ```
/// Fashion-MNIST, 512 training and 0 test examples · width 128 · depths 8, 32, 128 · depth-μP, (½, 0) ·
/// Adam, η = 0.01 · 10 steps of batch 64 · 2 seeds · 12 runs
/// ```
public enum ExperimentSummary {
    /// The summary line of `block` (plain text).
    public static func line(_ block: BlockResult) -> String {
        let specs = block.points.map(\.spec)
        guard let first = specs.first else { return "No runs." }
        func unique<T: Hashable & Comparable>(_ values: [T]) -> [T] { Array(Set(values)).sorted() }
        func list(_ values: [Int]) -> String { unique(values).map(String.init).joined(separator: ", ") }
        var parts: [String] = []
        let data = first.data
        switch data.name {
        case .fashionMNIST:
            parts.append("Fashion-MNIST, \(examples(data, noun: "images"))")
        case .teacher:
            parts.append("A random teacher network (\(data.inputDim) inputs, \(data.classes) classes), \(examples(data, noun: "examples"))")
        case .idx:
            parts.append("IDX files, \(examples(data, noun: "images"))")
        }
        let widths = unique(specs.map(\.width)), depths = unique(specs.map(\.depth))
        parts.append((widths.count == 1 ? "width " : "widths ") + list(widths))
        parts.append((depths.count == 1 ? "depth " : "depths ") + list(depths))
        let blockDepths = unique(specs.map(\.blockDepth))
        if blockDepths != [1] { parts.append("block depth " + list(blockDepths)) }
        var parametrizations: [String] = []
        for spec in specs {
            let name = DisplayName.parametrization(spec.parametrization.label)
            if !parametrizations.contains(name) { parametrizations.append(name) }
        }
        parts.append(parametrizations.joined(separator: ", "))
        let batches = unique(specs.map(\.batch))
        if block.spec.show.allSatisfy({ $0 == .initVariance }) {
            // Every view reads step 0: the optimizer and the steps shape nothing on the page.
            parts.append("measured at initialization (nothing trained) on a batch of \(list(batches))")
        } else {
            let rates = unique(specs.map(\.learningRate))
            let optimizer = first.optimizer == .adam ? "Adam" : "SGD"
            let rateText = rates.count == 1 ? "η = \(NumberFormat.learningRate(rates[0]))"
                : "η from \(NumberFormat.learningRate(rates[0])) to \(NumberFormat.learningRate(rates[rates.count - 1])) (\(rates.count) rates)"
            parts.append("\(optimizer), \(rateText)")
            let steps = unique(specs.map(\.steps))
            parts.append("\(steps.count == 1 ? NumberFormat.counted(Double(steps[0]), "step") : "steps " + list(steps)) of batch \(list(batches))")
        }
        parts.append(NumberFormat.counted(Double(unique(specs.map(\.seed)).count), "seed"))
        parts.append(NumberFormat.counted(Double(specs.count), "run"))
        var line = parts.joined(separator: " · ") + "."
        if let scale = block.spec.appliedScale {
            line = "Scale \(scale) (reduced; the prose may quote the full-scale settings): " + line
        }
        return line
    }

    /// `10,000 training and 2,000 test images`, or `1,024 training images` without a test set.
    static func examples(_ data: DataSpec, noun: String) -> String {
        data.testCount == 0 ? "\(count(data.trainCount)) training \(noun)"
            : "\(count(data.trainCount)) training and \(count(data.testCount)) test \(noun)"
    }

    /// `10,000`: thousands grouped with commas (deterministic, not the locale's).
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (value < 0 ? "−" : "") + out
    }

    /// How a view's data link reads: `loss against η`, `best η`, `coordinate check`, ….
    static func viewName(_ kind: ViewKind) -> String {
        switch kind {
        case .lossVsLR: return "loss against η"
        case .bestLR: return "best η"
        case .lossTable: return "loss table"
        case .lossCurves: return "loss curves"
        case .coordCheck: return "coordinate check"
        case .featureUpdate: return "weight updates"
        case .initVariance: return "variance at init"
        case .summary: return "all runs"
        }
    }
}
