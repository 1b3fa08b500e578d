// The alert, overdue, Stop and capture colours reach WCAG AA (4.5:1) against what they are drawn
// on, in light and dark mode; and the measurement itself is WCAG's (black on white 21:1, the
// system red the review measured fails). CI measures the same values from Palette.swift's text
// (tests/swift-parse/check_swift.py).

import XCTest
@testable import SteadyKit

final class PaletteContrastTests: XCTestCase {
    func test_the_measure_is_wcags() {
        XCTAssertEqual(RGB(hex: 0x000000).contrast(with: RGB(hex: 0xFFFFFF)), 21, accuracy: 0.001)
        XCTAssertEqual(RGB(hex: 0x777777).contrast(with: RGB(hex: 0x777777)), 1, accuracy: 0.001)
        XCTAssertEqual(RGB(hex: 0xFFFFFF).relativeLuminance, 1, accuracy: 0.0001)
        // The colours apps.md F13 measured: system red on white 3.5:1, system orange 2.2:1.
        XCTAssertEqual(RGB(hex: 0xFF3B30).contrast(with: Palette.lightRow), 3.55, accuracy: 0.01)
        XCTAssertEqual(RGB(hex: 0xFF9500).contrast(with: Palette.lightRow), 2.20, accuracy: 0.01)
        XCTAssertFalse(ContrastRequirement("system red on a 12% red row", foreground: RGB(hex: 0xFF3B30),
                                           background: RGB(hex: 0xFF3B30).over(Palette.lightRow, alpha: 0.12)).isMet)
    }

    func test_a_tint_is_painted_over_its_background() {
        let half = RGB(hex: 0xFFFFFF).over(RGB(hex: 0x000000), alpha: 0.5)
        XCTAssertEqual(half, RGB(red: 0.5, green: 0.5, blue: 0.5))
    }

    func test_every_pair_reaches_aa_in_light_and_dark() {
        XCTAssertFalse(Palette.requirements.isEmpty)
        for requirement in Palette.requirements {
            XCTAssertGreaterThanOrEqual(requirement.ratio, 4.5, requirement.name)
            XCTAssertTrue(requirement.isMet, requirement.name)
        }
    }

    func test_alert_and_overdue_text_reach_aa_on_every_background_in_both_modes() {
        // Independent of `requirements`, so dropping an entry from that list is not enough.
        let light = [Palette.lightRow, Palette.lightGrouped]
        let dark = [Palette.darkPlain, Palette.darkRow, Palette.darkElevatedRow]
        for pair in [Palette.alert, Palette.overdue] {
            for background in light {
                XCTAssertGreaterThanOrEqual(pair.light.contrast(with: background), 4.5)
            }
            for background in dark {
                XCTAssertGreaterThanOrEqual(pair.dark.contrast(with: background), 4.5)
            }
        }
        for fill in [Palette.alertFill, Palette.captureFill] {
            XCTAssertGreaterThanOrEqual(Palette.buttonLabel.contrast(with: fill.light), 4.5)
            XCTAssertGreaterThanOrEqual(Palette.buttonLabel.contrast(with: fill.dark), 4.5)
        }
    }

    func test_the_capture_button_is_not_the_alert_red() {
        XCTAssertNotEqual(Palette.captureFill, Palette.alertFill)
        XCTAssertNotEqual(Palette.captureFill.light, Palette.alert.light)
    }
}
