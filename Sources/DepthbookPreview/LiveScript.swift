import Foundation
import Render

/// The browser side of the preview: listens to `/__depthbook/events?page=PATH` (its own page's
/// stream) and applies ``PreviewEvent``s.
///
/// A `page` event swaps the body in place (no reload: scroll position, and anything else the
/// reader's window holds, stay), then runs the new body's scripts in order, skipping scripts
/// already loaded (`katex.min.js`), so the page's own KaTeX typesetting runs again; it is the
/// page's script, not a copy here. Errors show as a fixed overlay naming `file:line:col`;
/// progress as a bar at the top of the block's figure. Each applied event bumps
/// `window.__depthbook.version` and fires a `depthbook:update` event on `document` with
/// `{version, kind}` (the end-to-end test and the latency benchmark wait for it).
enum LiveScript {
    static let path = "/__depthbook/live.js"
    static let eventsPath = "/__depthbook/events"

    /// The tags added before `</body>` of a served page: the version it shows, then the script.
    static func tags(version: Int, errors: [String]) -> String {
        let state = (try? JSONSerialization.data(withJSONObject: ["version": version, "errors": errors]))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        // `</` cannot end the inline script early: JSON may escape `/` as `\/`, and we make sure.
        let safe = state.replacingOccurrences(of: "</", with: "<\\/")
        return "<script data-depthbook-live>window.__depthbook = \(safe);</script>\n"
            + "<script data-depthbook-live src=\"\(path)\"></script>\n"
    }

    /// `html` with ``tags(version:errors:)`` before its last `</body>` (appended if it has none).
    static func inject(into html: String, version: Int, errors: [String]) -> String {
        let tags = tags(version: version, errors: errors)
        guard let end = html.range(of: "</body>", options: [.backwards, .caseInsensitive]) else { return html + tags }
        return html.replacingCharacters(in: end.lowerBound..<end.lowerBound, with: tags)
    }

    /// The page served before any render succeeded: only the overlay, filled by the events.
    static func placeholderPage(title: String, version: Int, errors: [String]) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTMLEscaping.escape(title))</title></head>
        <body><main class="notebook"><p>Rendering \(HTMLEscaping.escape(title))…</p></main>
        \(tags(version: version, errors: errors))</body></html>
        """
    }

    static let source = #"""
    (function () {
      "use strict";
      var state = window.__depthbook || { version: 0, errors: [] };
      window.__depthbook = state;
      var progress = {};
      var loaded = {};
      Array.prototype.forEach.call(document.scripts, function (s) { if (s.src) { loaded[s.src] = true; } });

      function announce(kind) {
        document.dispatchEvent(new CustomEvent("depthbook:update", { detail: { version: state.version, kind: kind } }));
      }

      function showErrors(errors) {
        state.errors = errors || [];
        var overlay = document.getElementById("depthbook-overlay");
        if (!state.errors.length) { if (overlay) { overlay.remove(); } return; }
        if (!overlay) {
          overlay = document.createElement("div");
          overlay.id = "depthbook-overlay";
          overlay.setAttribute("role", "alert");
          overlay.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:2147483647;" +
            "max-height:50vh;overflow:auto;background:#fff5f5;color:#611;border:2px solid #c33;" +
            "border-radius:6px;padding:0.75rem 1rem;font:14px/1.4 ui-monospace,monospace;box-shadow:0 4px 16px #0004";
        }
        overlay.textContent = "";
        var title = document.createElement("strong");
        title.textContent = "depthbook: the page below is out of date";
        overlay.appendChild(title);
        state.errors.forEach(function (message) {
          var pre = document.createElement("pre");
          pre.className = "depthbook-error";
          pre.style.cssText = "white-space:pre-wrap;margin:0.5rem 0 0";
          pre.textContent = message;
          overlay.appendChild(pre);
        });
        document.body.appendChild(overlay);
      }

      function clock(seconds) {
        var whole = Math.round(seconds);
        var s = whole % 60;
        return Math.floor(whole / 60) + ":" + (s < 10 ? "0" : "") + s;
      }

      function showProgress(p) {
        var id = "depthbook-progress-" + p.anchor;
        var bar = document.getElementById(id);
        if (p.finished) { delete progress[p.anchor]; if (bar) { bar.remove(); } return; }
        progress[p.anchor] = p;
        if (!bar) {
          bar = document.createElement("div");
          bar.id = id;
          bar.className = "depthbook-progress";
          bar.setAttribute("role", "progressbar");
          bar.style.cssText = "font:13px/1.4 system-ui,sans-serif;margin:0.25rem 0 0.5rem";
          bar.appendChild(document.createElement("progress"));
          bar.appendChild(document.createElement("span"));
          var block = document.getElementById(p.anchor);
          var figure = block && (block.querySelector("figure") || block);
          if (figure) { figure.insertBefore(bar, figure.firstChild); } else { document.body.appendChild(bar); }
        }
        var meter = bar.querySelector("progress");
        meter.max = p.total;
        meter.value = p.done;
        bar.setAttribute("aria-valuenow", p.done);
        bar.setAttribute("aria-valuemax", p.total);
        bar.querySelector("span").textContent = " " + p.done + "/" + p.total + " points" +
          (p.eta === null ? "" : " · ETA " + clock(p.eta));
      }

      // Runs the scripts of the new body in order; one with a src not yet loaded is awaited.
      function runScripts(scripts, index, done) {
        if (index >= scripts.length) { done(); return; }
        var old = scripts[index];
        var next = function () { runScripts(scripts, index + 1, done); };
        if (old.hasAttribute("data-depthbook-live") || (old.src && loaded[old.src])) { next(); return; }
        var fresh = document.createElement("script");
        if (old.src) {
          fresh.src = old.src;
          loaded[old.src] = true;
          fresh.onload = next;
          fresh.onerror = next;
          old.replaceWith(fresh);
        } else {
          fresh.textContent = old.textContent;
          old.replaceWith(fresh);
          next();
        }
      }

      function showPage(data) {
        var doc = new DOMParser().parseFromString(data.html, "text/html");
        var x = window.scrollX, y = window.scrollY;
        document.title = doc.title;
        document.body.innerHTML = doc.body.innerHTML;
        window.scrollTo(x, y);
        state.version = data.version;
        runScripts(Array.prototype.slice.call(document.body.querySelectorAll("script")), 0, function () {
          window.scrollTo(x, y);
          showErrors(data.errors);
          var running = data.running || [];
          Object.keys(progress).forEach(function (anchor) {
            if (running.indexOf(anchor) < 0) { delete progress[anchor]; }
          });
          Object.keys(progress).forEach(function (anchor) {
            var p = progress[anchor];
            var bar = document.getElementById("depthbook-progress-" + anchor);
            if (bar) { bar.remove(); }
            showProgress(p);
          });
          announce("page");
        });
      }

      // The events of this page (a book serves one stream per chapter, and the index's).
      var source = new EventSource("/__depthbook/events?page=" + encodeURIComponent(location.pathname));
      source.addEventListener("page", function (event) {
        var data = JSON.parse(event.data);
        if (data.version === state.version) { return; }
        showPage(data);
      });
      source.addEventListener("problem", function (event) {
        var data = JSON.parse(event.data);
        if (data.version === state.version) { return; }
        state.version = data.version;
        progress = {};
        Array.prototype.forEach.call(document.querySelectorAll(".depthbook-progress"), function (b) { b.remove(); });
        showErrors(data.errors);
        announce("problem");
      });
      source.addEventListener("progress", function (event) {
        showProgress(JSON.parse(event.data));
        document.dispatchEvent(new CustomEvent("depthbook:progress", { detail: JSON.parse(event.data) }));
      });
      if (state.errors && state.errors.length) { showErrors(state.errors); }
    })();
    """#
}
