import Foundation

/// One served page and the browsers watching it: the ``PreviewState`` they see and the
/// server-sent event streams that push each change of it.
///
/// A notebook's ``PreviewSession`` owns one; a book (``PreviewBook``) has one per chapter
/// (its session's) and one for the index. Updates are applied and broadcast under one lock, so
/// every browser sees the events in the order the state changed.
public final class LivePage: @unchecked Sendable {
    private let lock = NSLock()
    private var state = PreviewState()
    private var subscribers: [UUID: AsyncStream<String>.Continuation] = [:]

    init() {}

    /// The state now (page, assets, errors, progress).
    func snapshot() -> PreviewState {
        lock.lock(); defer { lock.unlock() }
        return state
    }

    /// A stream of server-sent events, starting with the current state (so a browser that
    /// reconnects after a restart or a missed event catches up).
    func subscribe() -> AsyncStream<String> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(64))
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.lock(); self.subscribers[id] = nil; self.lock.unlock()
        }
        lock.lock()
        subscribers[id] = continuation
        let current = state
        lock.unlock()
        if let html = current.html {
            continuation.yield(PreviewEvent.page(version: current.version, html: html, errors: current.errors,
                                                 running: current.progress.keys.sorted()).serverSentEvent)
        } else if !current.errors.isEmpty {
            continuation.yield(PreviewEvent.error(version: current.version, messages: current.errors).serverSentEvent)
        }
        for progress in current.progress.values {
            continuation.yield(PreviewEvent.progress(progress).serverSentEvent)
        }
        return stream
    }

    /// Applies `change` to the state and sends the event it returns (nil: nothing to send).
    func update(_ change: (inout PreviewState) -> PreviewEvent?) {
        lock.lock(); defer { lock.unlock() }
        guard let event = change(&state) else { return }
        let text = event.serverSentEvent
        for continuation in subscribers.values { continuation.yield(text) }
    }

    /// A new page (version bumped): its HTML, assets by path relative to the page, the failing
    /// blocks; `final` clears the progress of running blocks.
    func publishPage(html: String, assets: [String: Data], errors: [String], final: Bool) {
        update { state in
            state.version += 1
            state.html = html
            state.assets = assets
            state.errors = errors
            if final { state.progress = [:] }
            return .page(version: state.version, html: html, errors: errors, running: state.progress.keys.sorted())
        }
    }

    /// The page did not render: `message` shows as an overlay over the last good page.
    func publishError(_ message: String) {
        update { state in
            state.version += 1
            state.errors = [message]
            state.progress = [:]
            return .error(version: state.version, messages: [message])
        }
    }

    /// Ends every stream (the server stops).
    func finish() {
        lock.lock()
        let streams = subscribers.values
        subscribers = [:]
        lock.unlock()
        for stream in streams { stream.finish() }
    }
}
