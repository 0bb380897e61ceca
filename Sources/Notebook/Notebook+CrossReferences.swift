extension Notebook {
    /// The prefixes that make an `@word` a cross-reference whether or not it names anything
    /// (Quarto's `fig-`, `eq-`, `tbl-`, `sec-`).
    static let referencePrefixes = ["fig-", "eq-", "tbl-", "sec-"]

    /// Every cross-reference problem, in document order, each located at its `@`.
    ///
    /// - An `@label` whose target exists only on paper: a `Table: … {#tbl-x}` caption that is
    ///   not directly above or below a pipe table (so no table took it).
    /// - An `@word` that names nothing but looks like a reference: it starts with `fig-`, `eq-`,
    ///   `tbl-` or `sec-`, or it is within two edits of an id and less than half that id's
    ///   length away (`@tny` for `tiny`, `@lr-transfr`; not `@bob` for `b1`). Every other
    ///   `@word` (a handle in running text: `@alice`) stays text, as does an e-mail address (no
    ///   space or `(` before its `@`) and any `@` in code or math.
    ///
    /// - Parameter blockIDs: the experiment blocks' ids (fence `{#id}` or YAML `id:`).
    public func crossReferenceErrors(blockIDs: Set<String>) -> [NotebookError] {
        let ids = blockIDs.union(targets.keys)
        var errors: [(SourceLocation, NotebookError)] = []
        for case .crossReference(let id, let location) in inlines where targets[id] == nil && !blockIDs.contains(id) && captionLabels.contains(id) {
            errors.append((location, .located(location, message: "cross-reference @\(id): the caption {#\(id)} belongs to no table",
                                              hint: "hint: put the `Table: … {#\(id)}` paragraph directly above or below the pipe table, with one blank line between")))
        }
        for word in uncitedWords {
            let prefixed = Self.referencePrefixes.contains { word.id.hasPrefix($0) && word.id.count > $0.count }
            let near = ids.filter { id in
                let distance = DidYouMean.editDistance(word.id.lowercased(), id.lowercased())
                return distance <= 2 && 2 * distance < id.count
            }
            guard prefixed || !near.isEmpty else { continue }
            errors.append((word.location, .located(word.location, message: "cross-reference @\(word.id): no block, equation or table has this id",
                                                   hint: "hint: " + Self.crossReferenceHint(for: word.id, ids: ids))))
        }
        return errors.sorted { ($0.0.line, $0.0.column) < ($1.0.line, $1.0.column) }.map(\.1)
    }

    /// A located error for each `{{BLOCK.…` in prose that no `}}` closes in its paragraph
    /// (`{{b.best_lr[4}`, `{{b.best_lr[4] here`), which would print as text.
    public var unclosedReferenceErrors: [NotebookError] {
        unclosedReferences.map { word in
            let shown = word.id.count > 40 ? String(word.id.prefix(40)) + "…" : word.id
            return .located(word.location, message: "\(shown): the inline reference is not closed with }}",
                            hint: "hint: write {{block.quantity[…]}} with both braces, on one paragraph's lines")
        }
    }

    /// "did you mean @tiny?" (or a block id without Quarto's `fig-`), then what can be cited.
    static func crossReferenceHint(for word: String, ids: Set<String>) -> String {
        var suggestion = DidYouMean.suggestion(for: word, among: ids.sorted())
        if suggestion == nil, let prefix = referencePrefixes.first(where: { word.hasPrefix($0) }),
           ids.contains(String(word.dropFirst(prefix.count))) {
            suggestion = String(word.dropFirst(prefix.count))
        }
        let listed = ids.sorted().prefix(12).map { "@" + $0 }.joined(separator: ", ") + (ids.count > 12 ? ", …" : "")
        let known = ids.isEmpty ? "this notebook has no ids yet" : "ids here: " + listed
        let how = "label an equation `$$ … $$ {#eq-x}`, a table `Table: … {#tbl-x}`, a block ```experiment {#x}; write \\@ for a literal @"
        return (suggestion.map { "did you mean @\($0)? " } ?? "") + "\(known); \(how)"
    }
}
