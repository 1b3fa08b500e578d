// The timeline, proposals and their review queue, and the sheet's source and outcome lines
// (SteadyKit's Timeline.swift): the twin of Android's TimelineAndProposalsTest, its pure parts.
// Parsed here, run on a Mac (`swift test`).

import SteadyCore
import XCTest
@testable import SteadyKit

final class TimelineTests: XCTestCase {
    func test_the_buttons_are_the_cores_kinds_in_its_order_and_words() {
        let buttons = TimelineButton.all()
        XCTAssertEqual(buttons.map(\.kind), timelineEventKinds())
        XCTAssertEqual(buttons.map(\.label), timelineEventKinds().map { timelineEventLabel(kind: $0) })
        XCTAssertEqual(buttons.filter(\.asksWho).map(\.kind), [.supportArrived, .staffSwapped])
        XCTAssertEqual(buttons.filter(\.asksNote).map(\.kind), [.other])
    }

    func test_the_moments_are_listed_in_the_cores_order_with_who_came_and_who_recorded_them() {
        let events = [
            TimelineEvent(id: "e1", kind: .arrived, at: Fixtures.now, author: "Alex Grey",
                          jobTitle: "Paramedic", who: nil, note: nil),
            TimelineEvent(id: "e2", kind: .supportArrived, at: Fixtures.now + 60_000, author: "Alex Grey",
                          jobTitle: "Paramedic", who: "Sam Okafor, doctor", note: nil),
            TimelineEvent(id: "e3", kind: .other, at: Fixtures.now + 120_000, author: "Jo Bell",
                          jobTitle: "", who: nil, note: "Moved to the quiet room"),
        ]
        let rows = TimelineRow.rows(of: Fixtures.incident(timeline: events))
        XCTAssertEqual(rows.map(\.id), ["e1", "e2", "e3"])
        XCTAssertEqual(rows[0].text, timelineEventLabel(kind: .arrived))
        XCTAssertEqual(rows[1].text, "\(timelineEventLabel(kind: .supportArrived)): Sam Okafor, doctor")
        XCTAssertEqual(rows[2].text, "\(timelineEventLabel(kind: .other)): Moved to the quiet room")
        XCTAssertEqual(rows[0].by, "Alex Grey, Paramedic")
        XCTAssertEqual(rows[2].by, "Jo Bell")
    }

    func test_proposals_go_only_on_the_four_lists_under_the_cores_headings() {
        XCTAssertEqual(proposalLists.map(\.list), [.triggers, .warningSigns, .whatHelps, .whatToAvoid])
        XCTAssertEqual(proposalLists.map(\.heading), proposalLists.map { sheetListHeading(list: $0.list) })
        XCTAssertTrue(proposalSentText.contains("An editor"))
    }

    func test_an_accepted_item_says_which_incident_and_a_strategy_tried_says_how_often_it_helped() {
        let source = ItemSource(incidentId: "i1", entryId: "a1")
        let sign = ListItem(id: "w1", text: "Pacing by the front door", source: source)
        let help = ListItem(id: "h1", text: "Quiet room", source: nil)
        let untried = ListItem(id: "h2", text: "Football", source: nil)
        let outcomes = [
            "h1": StrategyOutcome(itemId: "h1", text: "Quiet room", tried: 3, helped: 2),
            "h2": StrategyOutcome(itemId: "h2", text: "Football", tried: 0, helped: 0),
        ]
        let format: (Timestamp) -> String = { _ in "Mon 23 Nov, 14:05" }
        let times = ["i1": Fixtures.now]
        XCTAssertEqual(sheetItemNotes(sign, incidentTimes: times, outcomes: outcomes, format: format).source,
                       "From the incident of Mon 23 Nov, 14:05")
        XCTAssertEqual(sheetItemNotes(sign, incidentTimes: [:], outcomes: outcomes, format: format).source,
                       "From an incident", "its incident not on this phone")
        XCTAssertEqual(sheetItemNotes(help, incidentTimes: times, outcomes: outcomes, format: format).outcome,
                       "tried 3 · helped 2")
        XCTAssertNil(sheetItemNotes(help, incidentTimes: times, outcomes: outcomes, format: format).source)
        XCTAssertNil(sheetItemNotes(untried, incidentTimes: times, outcomes: outcomes, format: format).outcome,
                     "never tried: no counts")
    }

    func test_the_queue_names_the_person_the_list_and_who_proposed_it() {
        let pending = PendingProposal(
            source: ItemSource(incidentId: "i1", entryId: "a1"), personId: "p1",
            proposal: PlanProposal(list: .warningSigns, text: "Pacing by the front door"),
            proposedBy: "Chris Lee", jobTitle: "Bank support worker",
            proposedAt: Fixtures.now + 60_000, incidentAt: Fixtures.now
        )
        let rows = ProposalRow.rows([pending], names: ["p1": "Sam"])
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0].personName, "Sam")
        XCTAssertEqual(rows[0].listHeading, sheetListHeading(list: .warningSigns))
        XCTAssertEqual(rows[0].proposedBy, "Chris Lee, Bank support worker")
        XCTAssertEqual(rows[0].id, "i1/a1")
        XCTAssertEqual(ProposalRow.rows([pending], names: [:])[0].personName, "Someone no longer on this phone")
    }

    func test_an_identification_refusal_goes_under_its_field() {
        XCTAssertEqual(IncidentExtrasModel.identifyField("identified.nhs_number"), "nhs_number")
        XCTAssertEqual(IncidentExtrasModel.identifyField("identified.hospital_identifier"), "hospital_identifier")
        XCTAssertEqual(IncidentExtrasModel.identifyField("identified.hospital"), "hospital")
        XCTAssertEqual(IncidentExtrasModel.identifyField("identified"), "")
    }
}
