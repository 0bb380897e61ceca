import Foundation
import XCTest

/// Pages in headless Chromium, offline: a `--self-contained` page typesets every formula with a
/// clean console; every page of the ci-scale book reads at 1280 and 390 CSS px, light and dark.
final class BrowserTests: XCTestCase {
    static func chromium() -> String? {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    func testSelfContainedPageTypesetsEveryFormulaOffline() throws {
        guard let chromium = Self.chromium() else {
            print("BrowserTests: skipped, Chromium is not installed (make test-deps installs it)")
            throw XCTSkip("Chromium is not installed (apt-get install chromium)")
        }
        guard FileManager.default.fileExists(atPath: "/usr/share/javascript/katex/katex.min.js")
                || ProcessInfo.processInfo.environment["DEPTHBOOK_KATEX_DIR"] != nil else {
            print("BrowserTests: skipped, KaTeX is not installed")
            throw XCTSkip("KaTeX is not installed (apt-get install libjs-katex fonts-katex)")
        }
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notebook = directory.appendingPathComponent("formulas.md")
        try """
            # Formulas

            Inline $a^2 + b^2 = c^2$, then $j<k$ and $\\{x\\}$, and one KaTeX cannot parse: $\\frac{1}{$.

            $$
            \\sum_{\\ell=1}^{L} L^{-1/2}\\, W_\\ell \\phi(h_{\\ell-1})
            $$

            - in a list: $\\eta^* \\propto L^{-\\gamma}$
              $$
              x
              - y
              $$

            > quoted $E = mc^2$

            \\begin{align}
            a &= b \\\\
            c &= d
            \\end{align}

            """.write(to: notebook, atomically: true, encoding: .utf8)
        let page = directory.appendingPathComponent("formulas.html")
        let render = try CommandRunner.run(["render", notebook.path, "--self-contained", "-o", page.path, "--quiet"])
        XCTAssertEqual(render.status, 0, render.stderr)
        let source = try String(contentsOf: page, encoding: .utf8)
        let mathCount = source.components(separatedBy: "<span class=\"math ").count - 1
        XCTAssertEqual(mathCount, 9)

        let browser = try CommandRunner.run([
            "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
            "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
            // No network: every host resolves to nothing.
            "--host-resolver-rules=MAP * ~NOTFOUND", "--no-proxy-server",
            "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
            "--dump-dom", page.absoluteString,
        ], program: URL(fileURLWithPath: chromium))
        let dom = browser.stdout, log = browser.stderr
        XCTAssertEqual(browser.status, 0, log)

        // Each math span now starts with KaTeX's output.
        let spans = dom.components(separatedBy: "<span class=\"math ").dropFirst()
        XCTAssertEqual(spans.count, mathCount)
        for (index, span) in spans.enumerated() {
            let head = span.prefix(200)
            XCTAssertTrue(head.contains("<span class=\"katex"), "math element \(index + 1) not typeset: \(head)")
        }
        XCTAssertEqual(dom.components(separatedBy: "class=\"katex-error\"").count - 1, 1, "the one bad formula shows its error in place")
        let consoleLines = log.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        XCTAssertEqual(consoleLines, [], "console messages")
    }

    /// Every page of the ci-scale book (``CIBook``), in iframes 1280 and 390 CSS px wide, light
    /// and dark: SVG text ≥ 11 CSS px; no table, plot or caption wider than the box holding it at
    /// 1280 px, no table or plot at 390 px; every formula typeset, no KaTeX error, no console
    /// message; every series ≥ 3:1 against the page; no prose table row over 3 lines of text
    /// tall (a phone squeezed them to a word per line); index and neighbour links; each figure's
    /// YAML in a `<details>`; links to the CSV and the results JSON.
    ///
    /// `DEPTHBOOK_MEASURE_BOOK=DIR` measures the pages of DIR instead (e.g. a full `make demo`
    /// book, or one from another commit); the figures are printed either way.
    func testBookReadsOnAnyScreen() throws {
        guard let chromium = Self.chromium() else {
            print("BrowserTests: skipped, Chromium is not installed (make test-deps installs it)")
            throw XCTSkip("Chromium is not installed (apt-get install chromium)")
        }
        let folder: URL
        if let given = ProcessInfo.processInfo.environment["DEPTHBOOK_MEASURE_BOOK"] {
            folder = URL(fileURLWithPath: given)
        } else {
            guard FileManager.default.fileExists(atPath: "/usr/share/javascript/katex/katex.min.js") else {
                throw XCTSkip("KaTeX is not installed (apt-get install libjs-katex fonts-katex)")
            }
            let book = try CIBook.rendered()
            XCTAssertEqual(book.status, 0, book.stderr)
            folder = book.output
        }
        let pages = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".html") && !$0.hasPrefix("probe") }.sorted()
        let chapters = pages.filter { $0 != "index.html" }
        XCTAssertGreaterThanOrEqual(chapters.count, 4, "pages: \(pages)")
        let pageList = String(data: try JSONSerialization.data(withJSONObject: pages), encoding: .utf8) ?? "[]"
        let probe = folder.appendingPathComponent("probe-\(UUID().uuidString).html")
        try "<!DOCTYPE html><html><body><pre id=\"result\">pending</pre>\n<script>window.BOOK_PAGES = \(pageList);\n\(Self.probeScript)</script></body></html>\n"
            .write(to: probe, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: probe) }
        let profile = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: profile) }

        var worstText: [Int: Double] = [:], lowestContrast: [String: Double] = [:]
        var wide1280 = 0, wide390 = 0, proseTables = 0, tallestProseRow: [Int: Double] = [:]
        for mode in ["light", "dark"] {
            let browser = try CommandRunner.run([
                "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                "--user-data-dir=\(profile.appendingPathComponent(mode).path)",
                "--host-resolver-rules=MAP * ~NOTFOUND", "--no-proxy-server", "--allow-file-access-from-files",
                "--window-size=1400,1000", "--virtual-time-budget=60000", "--enable-logging=stderr", "--v=0",
            ] + (mode == "dark" ? ["--force-dark-mode"] : []) + ["--dump-dom", probe.absoluteString],
                program: URL(fileURLWithPath: chromium))
            XCTAssertEqual(browser.status, 0, browser.stderr)
            let consoleLines = browser.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
            XCTAssertEqual(consoleLines, [], "console messages (\(mode))")
            guard let start = browser.stdout.range(of: "<pre id=\"result\">"),
                  let end = browser.stdout.range(of: "</pre>", range: start.upperBound..<browser.stdout.endIndex) else {
                return XCTFail("no probe result in the DOM (\(mode)): \(browser.stdout.prefix(300))")
            }
            let json = browser.stdout[start.upperBound..<end.lowerBound]
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&amp;", with: "&")
            guard let measured = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
                return XCTFail("probe result is not a list (\(mode)): \(json.prefix(300))")
            }
            XCTAssertEqual(measured.count, pages.count * 2, "one measurement per page and width (\(mode))")
            for page in measured {
                let name = "\(page["page"] ?? "?") at \(page["width"] ?? "?") px, \(mode)"
                if let error = page["error"] { XCTFail("\(name): \(error)"); continue }
                let width = page["width"] as? Int ?? 0
                let isChapter = (page["page"] as? String) != "index.html"
                if let text = page["minSVGTextPx"] as? Double {
                    worstText[width] = min(worstText[width] ?? .infinity, text)
                    XCTAssertGreaterThanOrEqual(text, 11, "\(name): SVG text \(text) px (\(page["minSVGTextWhere"] ?? ""))")
                } else if isChapter {
                    XCTFail("\(name): no SVG text measured")
                }
                let wide = page["wide"] as? [String] ?? []
                if width >= 1000 { wide1280 += wide.count } else { wide390 += wide.count }
                XCTAssertEqual(wide, [], "\(name): wider than their box")
                XCTAssertEqual(page["uncuedScrollers"] as? [String], [], "\(name): boxes that hide content without a scroll cue")
                XCTAssertEqual(page["crampedProseCells"] as? Int, 0, "\(name): prose table cells without padding")
                proseTables += page["proseTables"] as? Int ?? 0
                let rowLines = page["tallestProseRowLines"] as? Double ?? 0
                tallestProseRow[width] = max(tallestProseRow[width] ?? 0, rowLines)
                XCTAssertLessThanOrEqual(rowLines, 3, "\(name): a prose table row \(rowLines) lines tall (\(page["tallestProseRowWhere"] ?? ""))")
                XCTAssertEqual(page["untypesetMath"] as? Int, 0, "\(name): math not typeset")
                XCTAssertEqual(page["katexErrors"] as? Int, 0, "\(name): KaTeX errors")
                if let contrast = page["lowestSeriesContrast"] as? Double {
                    lowestContrast[mode] = min(lowestContrast[mode] ?? .infinity, contrast)
                    XCTAssertGreaterThanOrEqual(contrast, 3, "\(name): series colour \(page["lowestSeriesColour"] ?? "") against the page")
                }
                guard isChapter else { continue }
                XCTAssertEqual(page["indexLink"] as? Bool, true, "\(name): no link to the index")
                XCTAssertGreaterThanOrEqual(page["neighbourLinks"] as? Int ?? 0, 1, "\(name): no previous/next link")
                let figures = page["figures"] as? Int ?? 0
                XCTAssertGreaterThan(figures, 0, "\(name): no figure")
                XCTAssertEqual(page["sourceDetails"] as? Int, figures, "\(name): figures without their YAML in <details>")
                XCTAssertGreaterThanOrEqual(page["csvLinks"] as? Int ?? 0, figures, "\(name): CSV links")
                XCTAssertGreaterThanOrEqual(page["jsonLinks"] as? Int ?? 0, 1, "\(name): results JSON link")
                let titles = page["svgTitles"] as? [String] ?? []
                XCTAssertEqual(Set(titles).count, titles.count, "\(name): SVGs share a <title>: \(titles)")
            }
        }
        XCTAssertGreaterThan(proseTables, 0, "the book has a prose table to check (tutorial 02)")
        print("BrowserTests: book figures: smallest SVG text \(worstText[1280] ?? 0) px at 1280, \(worstText[390] ?? 0) px at 390; "
              + "wide elements \(wide1280) at 1280 px, \(wide390) at 390 px (light + dark); "
              + "lowest series contrast \(lowestContrast["light"] ?? 0):1 light, \(lowestContrast["dark"] ?? 0):1 dark; "
              + "tallest prose table row \(tallestProseRow[1280] ?? 0) lines at 1280, \(tallestProseRow[390] ?? 0) at 390")
    }

    /// Loads every page of `window.BOOK_PAGES` in an iframe 1280, then 390 CSS px wide, measures
    /// it, and writes the list of measurements into `<pre id="result">` as JSON.
    static let probeScript = #"""
// Loads every page of a book in iframes 1280 and 390 CSS px wide and writes what it measured
// into <pre id="result"> as JSON (read back with --dump-dom).
(function () {
  function rgb(text) {
    var m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(text || "");
    return m && (m[4] === undefined || parseFloat(m[4]) > 0) ? [+m[1], +m[2], +m[3]] : null;
  }
  function luminance(c) {
    var v = c.map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function holder(element, win) {
    for (var node = element.parentElement; node; node = node.parentElement) {
      var style = win.getComputedStyle(node);
      if (style.overflowX !== "visible" || node.tagName === "MAIN" || node.tagName === "BODY") {
        return node.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      }
    }
    return win.innerWidth;
  }
  function describe(element) {
    var figure = element.closest("figure.experiment, figure, table");
    var id = figure && (figure.id || (figure.querySelector("figcaption") || {}).textContent || "");
    return element.tagName.toLowerCase() + (id ? " in " + String(id).slice(0, 60) : "");
  }
  function measure(win, width, page) {
    var doc = win.document, out = { page: page, width: width, problems: [] };
    var minText = Infinity, minTextWhere = "";
    doc.querySelectorAll("svg text, svg tspan").forEach(function (t) {
      if (!t.getClientRects().length || !t.textContent.trim()) { return; }
      var m = t.getScreenCTM(); if (!m) { return; }
      var px = parseFloat(win.getComputedStyle(t).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      if (px < minText) { minText = px; minTextWhere = t.textContent.slice(0, 30); }
    });
    out.minSVGTextPx = minText === Infinity ? null : Math.round(minText * 10) / 10;
    out.minSVGTextWhere = minTextWhere;
    var wide = [];
    var selector = width >= 1000 ? "table, svg, figcaption, caption" : "table, svg";
    doc.querySelectorAll(selector).forEach(function (e) {
      if (e.closest(".katex") || !e.getClientRects().length) { return; }
      // A prose table scrolls inside its own box (.prose-table): that box must fit.
      if (e.tagName === "TABLE" && e.parentElement.classList.contains("prose-table")) { e = e.parentElement; }
      var w = e.getBoundingClientRect().width, room = holder(e, win);
      if (w > room + 1) { wide.push(describe(e) + ": " + Math.round(w) + " px in " + Math.round(room)); }
    });
    if (doc.documentElement.scrollWidth > win.innerWidth + 1) { wide.push("page: " + doc.documentElement.scrollWidth + " px"); }
    out.wide = wide;
    // Scroll boxes (a prose table, a display equation, a results table's wrapper) that hold more
    // than they show must scroll, show a cue (edge shadows) and contain KaTeX's absolutely
    // positioned MathML (position other than static), or the page widens.
    var uncued = [];
    doc.querySelectorAll(".table-scroll, main table:not(.results), .math.display").forEach(function (e) {
      if (e.scrollWidth <= e.clientWidth + 1) { return; }
      var style = win.getComputedStyle(e);
      if (style.overflowX === "visible" || style.backgroundImage === "none" || style.position === "static") {
        uncued.push(describe(e) + " (" + e.className + "): " + e.scrollWidth + " px in " + e.clientWidth + ", overflow " + style.overflowX + ", position " + style.position);
      }
    });
    out.uncuedScrollers = uncued;
    var cramped = 0;
    doc.querySelectorAll("main table:not(.results) th, main table:not(.results) td").forEach(function (c) {
      if (parseFloat(win.getComputedStyle(c).paddingLeft) < 4) { cramped++; }
    });
    out.crampedProseCells = cramped;
    out.proseTables = doc.querySelectorAll("main table:not(.results)").length;
    // The tallest body row of a prose table, in lines of its text: a table squeezed to a
    // phone wrapped a column a word per line (7.4 lines in tutorial 06 at 390 px).
    var tallest = 0, tallestWhere = "";
    doc.querySelectorAll("main table:not(.results) tbody tr").forEach(function (r) {
      var cell = r.querySelector("td"); if (!cell) { return; }
      var lines = r.getBoundingClientRect().height / parseFloat(win.getComputedStyle(cell).lineHeight);
      if (lines > tallest) { tallest = lines; tallestWhere = r.textContent.trim().slice(0, 40); }
    });
    out.tallestProseRowLines = Math.round(tallest * 10) / 10;
    out.tallestProseRowWhere = tallestWhere;
    var untypeset = 0;
    doc.querySelectorAll(".math").forEach(function (e) { if (!e.querySelector(".katex")) { untypeset++; } });
    out.untypesetMath = untypeset;
    out.katexErrors = doc.querySelectorAll(".katex-error").length;
    var background = rgb(win.getComputedStyle(doc.documentElement).backgroundColor)
      || rgb(win.getComputedStyle(doc.body).backgroundColor) || [255, 255, 255];
    var lowest = Infinity, lowestWhere = "";
    doc.querySelectorAll("svg .series *, svg [style*='--series'], .legend .swatch").forEach(function (e) {
      var style = win.getComputedStyle(e);
      [style.stroke, style.fill, style.backgroundColor, style.borderTopColor].forEach(function (c) {
        if (e.tagName === "title" || c === "none") { return; }
        // A line's fill is never painted (it defaults to black).
        if ((e.tagName === "line" || e.tagName === "polyline") && c === style.fill) { return; }
        var colour = rgb(c); if (!colour) { return; }
        if (e.classList.contains("swatch") && c !== style.backgroundColor && c !== style.borderTopColor) { return; }
        var r = contrast(colour, background);
        if (r < lowest) { lowest = r; lowestWhere = c; }
      });
    });
    out.lowestSeriesContrast = lowest === Infinity ? null : Math.round(lowest * 100) / 100;
    out.lowestSeriesColour = lowestWhere;
    var links = Array.prototype.map.call(doc.querySelectorAll("a[href]"), function (a) { return a.getAttribute("href"); });
    out.indexLink = !!doc.querySelector("a[rel~=index]");
    out.neighbourLinks = doc.querySelectorAll("a[rel~=prev], a[rel~=next]").length;
    out.figures = doc.querySelectorAll("figure.experiment").length;
    out.sourceDetails = doc.querySelectorAll("figure.experiment details.experiment-source pre").length;
    out.csvLinks = links.filter(function (h) { return /\.csv$/.test(h); }).length;
    out.jsonLinks = links.filter(function (h) { return /\.results\.json$/.test(h); }).length;
    out.svgTitles = Array.prototype.map.call(doc.querySelectorAll("svg > title"), function (t) { return t.textContent; });
    return out;
  }
  var pages = window.BOOK_PAGES, widths = [1280, 390], results = [], queue = [];
  pages.forEach(function (p) { widths.forEach(function (w) { queue.push([p, w]); }); });
  function next() {
    if (!queue.length) { document.getElementById("result").textContent = JSON.stringify(results); return; }
    var item = queue.shift(), frame = document.createElement("iframe");
    frame.style.width = item[1] + "px"; frame.style.height = "900px"; frame.style.border = "0";
    frame.onload = function () {
      try { results.push(measure(frame.contentWindow, item[1], item[0])); }
      catch (error) { results.push({ page: item[0], width: item[1], error: String(error) }); }
      frame.remove(); next();
    };
    frame.src = item[0];
    document.body.appendChild(frame);
  }
  next();
})();
"""#
}
