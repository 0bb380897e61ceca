import Foundation
import XCTest

/// Each tutorial in `notebooks/` renders at `--scale ci` (as one book, ``CIBook``) and the
/// claims its prose makes hold on the results JSON of that render (issue 5; depth-mup.md §3 C1, C3, C4).
///
/// The claims are recomputed here from the raw per-point results, independently of the Render
/// module's analysis code: seeds averaged, diverged points excluded, k* = log2 of the learning
/// rate with the lowest mean final train loss.
final class TutorialTests: XCTestCase {
    /// The results of `notebooks/NAME.md` in the ci-scale book (rendered once, ``CIBook``).
    func render(_ name: String) throws -> Results {
        let book = try CIBook.rendered()
        XCTAssertEqual(book.status, 0, book.stderr)
        let html = try String(contentsOf: book.output.appendingPathComponent("\(name).html"), encoding: .utf8)
        XCTAssertFalse(html.contains(">n/a</span>"), "a quoted number is missing in \(name)")
        let json = try Data(contentsOf: book.output.appendingPathComponent("\(name).results.json"))
        return try Results(json)
    }

    // MARK: 01

    /// C1: the measured E|x_L|²/|x_0|² is within 10% of (1 + c·b²)^L for every row; sp explodes
    /// (2^64 for linear blocks at L = 64) while depth-μP stays near its limit e. C3: after the first
    /// update the change of x_L does not grow with depth under depth-μP and grows like √L under (½, 0).
    func testWhyDepthNeedsScaling() throws {
        let results = try render("01-why-depth-needs-scaling")
        let variance = try results.block("init-variance")
        let relu = 0.5 - 1 / (2 * Double.pi)
        for group in variance.groups(by: ["parametrization", "depth", "activation"]) {
            let ratios = group.points.map { point -> Double in
                let sample = point.coordinates.first { $0.step == 0 }!
                return pow(sample.rms.last! / sample.rms.first!, 2)
            }
            let measured = ratios.reduce(0, +) / Double(ratios.count)
            let b = group.points[0].branchMultiplier
            let c = group.key["activation"] == "identity" ? 1 : relu
            let exact = pow(1 + c * b * b, Double(group.points[0].depth))
            XCTAssertEqual(measured / exact, 1, accuracy: 0.10, "init variance \(group.key): measured \(measured), exact \(exact)")
            if group.key["depth"] == "64" && group.key["activation"] == "identity" {
                if group.key["parametrization"] == "sp" { XCTAssertGreaterThan(measured, 1e18) } else { XCTAssertLessThan(measured, 1.1 * exp(1)) }
            }
        }

        let coordinates = try results.block("coord-check")
        for group in coordinates.groups(by: ["parametrization"]) {
            let last = 1  // TP6's one-step prediction: after the first update
            let pairs = coordinates.groups(by: ["depth"], of: group.points).map { depth -> (Double, Double) in
                let deltas = depth.points.map { $0.coordinates.first { $0.step == last }!.deltaRMS.last! }
                return (Double(depth.points[0].depth), deltas.reduce(0, +) / Double(deltas.count))
            }
            let slope = logSlope(pairs)
            if group.key["parametrization"] == "depth-mup" {
                XCTAssertEqual(slope, 0, accuracy: 0.15, "depth-μP: slope of log RMS(Δx_L) against log L")
            } else {
                XCTAssertEqual(slope, 0.5, accuracy: 0.25, "(½, 0): slope of log RMS(Δx_L) against log L")
            }
        }
    }

    // MARK: 02

    /// C4: under depth-μP the optimal log2 learning rate moves by at most one grid step over
    /// depths 8–64 and the best loss does not get worse with depth; under sp the optimum drifts by
    /// two or more steps, or sp diverges at depth ≥ 32.
    func testLearningRateTransfer() throws {
        let block = try render("02-learning-rate-transfer").block("lr-transfer")
        let depthMuP = block.optima(parametrization: "depth-mup").filter { $0.depth >= 8 }
        XCTAssertGreaterThanOrEqual(depthMuP.count, 2)
        let exponents = depthMuP.map(\.log2LearningRate)
        XCTAssertLessThanOrEqual(exponents.max()! - exponents.min()!, 1, "depth-μP optima: \(depthMuP)")
        for (shallow, deep) in zip(depthMuP, depthMuP.dropFirst()) {
            XCTAssertLessThanOrEqual(deep.loss, shallow.loss, "depth-μP best loss got worse from L = \(shallow.depth) to \(deep.depth)")
        }
        let sp = block.optima(parametrization: "sp").filter { $0.depth >= 8 }.map(\.log2LearningRate)
        let spDiverges = block.points.contains { $0.values["parametrization"] == "sp" && $0.depth >= 32 && $0.divergedAtStep != nil }
        XCTAssertTrue(sp.max()! - sp.min()! >= 2 || spDiverges, "sp optima \(sp) neither drift by 2 steps nor diverge")
        // The prose: at depth 64 even the best rate ends above chance level, ln 10, without
        // depth scaling (mup and sp alike).
        for name in ["sp", "mup"] {
            let deepest = try XCTUnwrap(block.optima(parametrization: name).last)
            XCTAssertEqual(deepest.depth, 64)
            XCTAssertGreaterThan(deepest.loss, log(10.0), "\(name) at depth 64")
        }
        XCTAssertGreaterThan(block.optima(parametrization: "sp").last!.loss, block.optima(parametrization: "mup").last!.loss,
                             "the prose says sp's larger readout makes it worse than mup at depth 64")
    }

    // MARK: 03

    /// C4 rows 2 and 4 and SGD: with the branch multiplier only, (½, 0), Adam's optimum moves
    /// down by at least one octave from depth 8 to 64 and never up; depth-μP's stays within one
    /// step, with Adam and with SGD at a constant raw learning rate.
    func testSGDAdamAndTheExponents() throws {
        let results = try render("03-sgd-adam-and-the-exponents")
        let adam = try results.block("adam-exponents")
        let branchOnly = adam.optima(parametrization: "α=0.5 γ=0").map(\.log2LearningRate)
        XCTAssertLessThanOrEqual(branchOnly.last!, branchOnly.first! - 1, "(½, 0) optima by depth: \(branchOnly)")
        XCTAssertEqual(branchOnly, branchOnly.sorted(by: >), "(½, 0) optimum rose with depth: \(branchOnly)")
        let depthMuP = adam.optima(parametrization: "depth-mup").map(\.log2LearningRate)
        XCTAssertLessThanOrEqual(depthMuP.max()! - depthMuP.min()!, 1, "depth-μP Adam optima: \(depthMuP)")
        // The prose: the 1/L branch (1, 0) pays in loss at the largest depth.
        XCTAssertGreaterThan(adam.optima(parametrization: "α=1 γ=0").last!.loss, adam.optima(parametrization: "depth-mup").last!.loss)
        let sgd = try results.block("sgd").optima(parametrization: nil).map(\.log2LearningRate)
        XCTAssertLessThanOrEqual(sgd.max()! - sgd.min()!, 1, "depth-μP SGD optima: \(sgd)")
    }

    // MARK: 04

    /// Exploratory (C6): the notebook measures rather than asserts; every point finishes and
    /// both block depths have a finite optimum at every depth.
    func testBlockDepthTwo() throws {
        let block = try render("04-block-depth-two").block("block-depth")
        XCTAssertTrue(block.points.allSatisfy { $0.status == "finished" })
        for blockDepth in ["1", "2"] {
            let optima = block.optima(parametrization: nil, fixed: ["block_depth": blockDepth])
            XCTAssertEqual(optima.count, Set(block.points.map(\.depth)).count)
            XCTAssertTrue(optima.allSatisfy { $0.loss.isFinite })
        }
    }

    // MARK: 05

    /// Issue 13: at depth 8 = L₀ μP and depth-μP are one network (equal losses, bit for bit);
    /// across width SP's optimum falls while depth-μP's stays within one octave; across depth
    /// μP's falls by at least one octave while depth-μP's stays within one; every coordinate
    /// check finishes with finite values.
    func testWidthAndDepthTogether() throws {
        let results = try render("05-width-and-depth-together")
        let width = try results.block("width")
        for mup in width.points where mup.values["parametrization"] == "mup" {
            let twin = try XCTUnwrap(width.points.first { $0.values["parametrization"] == "depth-mup" && $0.width == mup.width
                && $0.learningRate == mup.learningRate && $0.values["seed"] == mup.values["seed"] })
            XCTAssertEqual(mup.finalTrainLoss, twin.finalTrainLoss, "width \(mup.width), lr \(mup.learningRate)")
        }
        let spWidth = width.optima(parametrization: "sp", series: \.width).map(\.log2LearningRate)
        XCTAssertLessThan(spWidth.last!, spWidth.first!, "SP optima across width: \(spWidth)")
        let muPWidth = width.optima(parametrization: "depth-mup", series: \.width).map(\.log2LearningRate)
        XCTAssertLessThanOrEqual(muPWidth.max()! - muPWidth.min()!, 1, "depth-μP optima across width: \(muPWidth)")
        let depth = try results.block("depth")
        let muP = depth.optima(parametrization: "mup").map(\.log2LearningRate)
        XCTAssertLessThanOrEqual(muP.last!, muP.first! - 1, "μP optima across depth: \(muP)")
        let depthMuP = depth.optima(parametrization: "depth-mup").map(\.log2LearningRate)
        XCTAssertLessThanOrEqual(depthMuP.max()! - depthMuP.min()!, 1, "depth-μP optima across depth: \(depthMuP)")
        XCTAssertEqual(try results.block("joint").optima(parametrization: "depth-mup", fixed: ["width": "64"]).count, 2)
        for id in ["coord-depth", "coord-width"] {
            let block = try results.block(id)
            XCTAssertTrue(block.points.allSatisfy { $0.status == "finished" && $0.coordinates.allSatisfy { $0.deltaRMS.allSatisfy(\.isFinite) } }, id)
        }
    }

    // MARK: 06

    /// Issue 13: every point finishes and each (α, block depth) has an optimum at every depth;
    /// the prose's "confirms the rules": under α = ½ the blocks' relative weight change falls
    /// with depth (log–log slope below −0.3 at η = 2⁻⁸) while under α = 1 it stays flat (|slope| < 0.2).
    func testDepthMuPAgainstCompleteP() throws {
        let block = try render("06-depth-mup-against-completep").block("alpha")
        XCTAssertTrue(block.points.allSatisfy { $0.status == "finished" })
        for name in ["depth-mup", "α=1 γ=0"] {
            for blockDepth in ["1", "2"] {
                let optima = block.optima(parametrization: name, fixed: ["block_depth": blockDepth])
                XCTAssertEqual(optima.count, Set(block.points.map(\.depth)).count, "\(name), block depth \(blockDepth)")
                let runs = block.points.filter { $0.values["parametrization"] == name && $0.values["block_depth"] == blockDepth
                    && $0.values["lr"] == "2^-8" }
                let slope = logSlope(runs.map { (Double($0.depth), $0.weightUpdate.reduce(0, +) / Double($0.weightUpdate.count)) })
                if name == "depth-mup" { XCTAssertLessThan(slope, -0.3, "block depth \(blockDepth)") } else { XCTAssertLessThan(abs(slope), 0.2, "block depth \(blockDepth)") }
            }
        }
    }

    // MARK: Reading results JSON

    /// Least-squares slope of log y against log x.
    func logSlope(_ pairs: [(Double, Double)]) -> Double {
        let xs = pairs.map { log($0.0) }, ys = pairs.map { log($0.1) }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        let sxy = zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let sxx = xs.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        return sxy / sxx
    }

    struct Results {
        var blocks: [String: Block]

        init(_ data: Data) throws {
            let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            let list = try XCTUnwrap(root["blocks"] as? [[String: Any]])
            blocks = [:]
            for block in list {
                let id = try XCTUnwrap(block["id"] as? String)
                let points = try XCTUnwrap(block["points"] as? [[String: Any]]).map(Point.init)
                blocks[id] = Block(points: points)
            }
        }

        func block(_ id: String) throws -> Block {
            try XCTUnwrap(blocks[id], "no block \(id) in the results")
        }
    }

    struct Sample {
        var step: Int
        var rms: [Double]
        var deltaRMS: [Double]
    }

    struct Point {
        var values: [String: String]
        var status: String
        var depth: Int
        var width: Int
        var learningRate: Double
        var finalTrainLoss: Double?
        var divergedAtStep: Int?
        var branchMultiplier: Double
        var coordinates: [Sample]
        /// ‖ΔW_l‖_F/‖W_l,0‖_F per block at the end of training (`measure: {feature_update: true}`).
        var weightUpdate: [Double]

        init(_ json: [String: Any]) {
            values = json["values"] as? [String: String] ?? [:]
            status = json["status"] as? String ?? ""
            let spec = json["spec"] as? [String: Any] ?? [:]
            // Point spec format 1 (README "Results schema"): defaults are left out.
            depth = spec["depth"] as? Int ?? 8
            width = spec["width"] as? Int ?? 128
            weightUpdate = json["weight_update_ratio"] as? [Double] ?? []
            learningRate = spec["lr"] as? Double ?? 0.001
            finalTrainLoss = json["final_train_loss"] as? Double
            divergedAtStep = json["diverged_at_step"] as? Int
            branchMultiplier = json["branch_multiplier"] as? Double ?? .nan
            coordinates = (json["coordinate_check"] as? [[String: Any]] ?? []).map { sample in
                Sample(step: sample["step"] as? Int ?? -1, rms: sample["block_rms"] as? [Double] ?? [],
                       deltaRMS: sample["block_delta_rms"] as? [Double] ?? [])
            }
        }
    }

    struct Group {
        var key: [String: String]
        var points: [Point]
    }

    struct Optimum: CustomStringConvertible {
        var depth: Int
        var log2LearningRate: Double
        var loss: Double
        var description: String { "L=\(depth): 2^\(log2LearningRate) (\(loss))" }
    }

    struct Block {
        var points: [Point]

        /// Points grouped by their values on `axes`, in first-seen order.
        func groups(by axes: [String], of subset: [Point]? = nil) -> [Group] {
            var groups: [Group] = []
            for point in subset ?? points {
                let key = Dictionary(uniqueKeysWithValues: axes.map { ($0, point.values[$0] ?? "") })
                if let index = groups.firstIndex(where: { $0.key == key }) {
                    groups[index].points.append(point)
                } else {
                    groups.append(Group(key: key, points: [point]))
                }
            }
            return groups
        }

        /// For each depth (ascending; or each value of `series`, e.g. `\.width`, reported in
        /// `Optimum.depth`): the learning rate whose seed-averaged final train loss is lowest among
        /// rates that did not diverge for any seed.
        func optima(parametrization: String?, fixed: [String: String] = [:], series: KeyPath<Point, Int> = \.depth) -> [Optimum] {
            let selected = points.filter { point in
                (parametrization == nil || point.values["parametrization"] == parametrization)
                    && fixed.allSatisfy { point.values[$0.key] == $0.value }
            }
            let depths = Set(selected.map { $0[keyPath: series] }).sorted()
            return depths.compactMap { depth in
                let atDepth = selected.filter { $0[keyPath: series] == depth }
                let rates = Set(atDepth.map(\.learningRate)).sorted()
                let candidates = rates.compactMap { rate -> (Double, Double)? in
                    let runs = atDepth.filter { $0.learningRate == rate }
                    guard runs.allSatisfy({ $0.divergedAtStep == nil && $0.finalTrainLoss?.isFinite == true }) else { return nil }
                    return (rate, runs.compactMap(\.finalTrainLoss).reduce(0, +) / Double(runs.count))
                }
                guard let best = candidates.min(by: { $0.1 < $1.1 }) else { return nil }
                return Optimum(depth: depth, log2LearningRate: log2(best.0), loss: best.1)
            }
        }
    }
}
