import Foundation
import Notebook
@testable import Render
import XCTest

/// CSV names per panel, axis values as shown, one number format (issue 15, item 6).
final class OutputNamesTests: XCTestCase {
    func testOneFormatForAccuraciesAndRates() {
        XCTAssertEqual(NumberFormat.percent(0.767), "76.7%")
        XCTAssertEqual(NumberFormat.percent(0.74), "74.0%")
        XCTAssertEqual(NumberFormat.percent(1), "100.0%")
        XCTAssertEqual(NumberFormat.learningRate(pow(2, -9), ascii: true), "2^-9")
        XCTAssertEqual(NumberFormat.learningRate(pow(2, -7.5), ascii: true), "2^-7.5")
        XCTAssertEqual(NumberFormat.learningRate(0.003, ascii: true), "0.003")
    }

    func testPanelFileNames() {
        XCTAssertEqual(TableView.fileNamePart("sp"), "sp")
        XCTAssertEqual(TableView.fileNamePart("depth-mup · width=64"), "depth-mup.width-64")
        XCTAssertEqual(TableView.fileNamePart("alpha=0.5 gamma=0"), "alpha-0.5-gamma-0")
        XCTAssertEqual(TableView.fileNamePart("all points"), "all-points")
        XCTAssertEqual(TableView.fileNamePart("../x"), "..x")  // never a `/`
    }

    func testRateColumnsAreShownAndNumeric() {
        let table = TableView(caption: "c", columns: [TableView.Column("η", isNumber: true), TableView.Column("L = 4", isNumber: true)],
                              rows: [[TableView.Cell.learningRate(pow(2, -9)), TableView.Cell(text: "0.5", csv: "0.5")],
                                     [TableView.Cell.learningRate(pow(2, -13), edge: .low), TableView.Cell(text: "0.25", csv: "0.25")]])
        XCTAssertEqual(table.csv(), "η,η (numeric),L = 4\n2^-9,0.001953125,0.5\n<= 2^-13,0.0001220703125,0.25\n")
    }
}
