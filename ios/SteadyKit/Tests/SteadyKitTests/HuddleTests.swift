// The huddle's words: each person's events and checklist band in words (never colour alone),
// and a handover note's by-line with its job title.

import SteadyCore
import XCTest
@testable import SteadyKit

final class HuddleTests: XCTestCase {
    func test_a_persons_line_names_red_amber_and_the_band_in_words() {
        let p = HuddlePerson(personId: "p1", name: "Sam", red: 2, amber: 1, checklistBand: .high,
                             checklistRuns: 3, lastAt: 1_800_000_000_000)
        XCTAssertEqual(huddleSummary(p), "2 red · 1 amber · checklist high")
        let calm = HuddlePerson(personId: "p2", name: "Jo", red: 0, amber: 1, checklistBand: nil,
                                checklistRuns: 0, lastAt: 1_800_000_000_000)
        XCTAssertEqual(huddleSummary(calm), "0 red · 1 amber")
    }

    func test_a_notes_by_line_leaves_out_an_empty_job_title() {
        let note = HandoverNote(noteId: "n1", text: "Lift out of order", author: "Alex Morgan", jobTitle: "",
                                at: 1_800_000_000_000, personId: nil, personName: "", locked: false)
        XCTAssertEqual(noteAuthor(note), "Alex Morgan")
        let signed = HandoverNote(noteId: "n2", text: "Quiet night", author: "Jo Bell", jobTitle: "Night nurse",
                                  at: 1_800_000_000_000, personId: nil, personName: "", locked: false)
        XCTAssertEqual(noteAuthor(signed), "Jo Bell, Night nurse")
    }
}
