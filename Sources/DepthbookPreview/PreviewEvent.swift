import Foundation

/// One update for the browser, encoded as a server-sent event (the one codec of the push).
///
/// `event: NAME` then one `data:` line of JSON (JSON escapes newlines, so one line always
/// suffices), then a blank line (WHATWG HTML, "Server-sent events", §9.2.6). Names and fields:
/// - `page` `{version, html, errors, running}`: the whole new page; the browser swaps its body in
///   place, shows `errors` (failing blocks) as an overlay or clears it when empty, and keeps the
///   progress bars of the blocks in `running` (anchors; empty on a run's final page).
/// - `problem` `{version, errors}` (not `error`: EventSource fires that for a lost connection): the notebook did not render (`file:line:col: message; hint`);
///   the browser keeps the last page under an overlay.
/// - `progress` `{block, anchor, done, total, eta, finished}`: a running block's bar; `done`
///   counts cached points too, `eta` is seconds or null.
enum PreviewEvent: Equatable {
    case page(version: Int, html: String, errors: [String], running: [String])
    case error(version: Int, messages: [String])
    case progress(BlockProgress)

    var name: String {
        switch self {
        case .page: return "page"
        case .error: return "problem"
        case .progress: return "progress"
        }
    }

    var fields: [String: Any] {
        switch self {
        case .page(let version, let html, let errors, let running):
            return ["version": version, "html": html, "errors": errors, "running": running]
        case .error(let version, let messages):
            return ["version": version, "errors": messages]
        case .progress(let block):
            return ["block": block.label, "anchor": block.anchor, "done": block.cached + block.done,
                    "total": block.total, "eta": block.eta().map { ($0 * 10).rounded() / 10 } ?? NSNull(),
                    "finished": block.finished]
        }
    }

    var serverSentEvent: String {
        let json = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        return "event: \(name)\ndata: \(json)\n\n"
    }
}
