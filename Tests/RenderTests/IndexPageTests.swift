import XCTest
@testable import Render

final class IndexPageTests: XCTestCase {
    /// Entries are listed in order, escaped, and a missing description adds no empty line.
    func testEntriesAreListedInOrderAndEscaped() {
        let html = IndexPage.html(title: "Notes <1>", entries: [
            IndexPage.Entry(title: "A & B", description: "x < y", href: "01-a.html"),
            IndexPage.Entry(title: "C", description: nil, href: "02-c\".html"),
        ])
        XCTAssertTrue(html.contains("<title>Notes &lt;1&gt;</title>"))
        XCTAssertTrue(html.contains("<li><a href=\"01-a.html\">A &amp; B</a><br><span class=\"description\">x &lt; y</span></li>\n<li><a href=\"02-c&quot;.html\">C</a></li>"))
        XCTAssertTrue(html.contains(EmbeddedTemplates.style))
    }
}
