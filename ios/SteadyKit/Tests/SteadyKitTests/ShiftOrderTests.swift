// The amber card in two taps for everyone (issue 14), as the iPhone shows it: rows carry the
// core's shift-order reasons (pin, recent event), search hits the line that matched, and the
// person screen puts triggers and the red section right after the amber card. The last test runs
// against the real core and a real steady-server (skipped without one, like ServerMomentsTests).

import Foundation
import SteadyCore
import XCTest
@testable import SteadyKit

final class ShiftOrderTests: XCTestCase {
    private func summary(id: String, name: String, pinned: Bool = false, event: RecentEvent? = nil) -> PersonSummary {
        PersonSummary(
            id: id, unitId: "home", displayName: name, preferredName: nil, safetyAlerts: [],
            reviewOverdue: false, pendingChanges: 0, pinned: pinned, recentEvent: event
        )
    }

    func test_a_row_says_why_it_is_near_the_top() {
        let event = RecentEvent(kind: .useOfForce, at: Fixtures.now, label: "Use of force recorded")
        let pinned = PersonRowState(summary(id: "p1", name: "Noah Smith", pinned: true))
        let recent = PersonRowState(summary(id: "p2", name: "Ava Patel", event: event))
        XCTAssertTrue(pinned.pinned)
        XCTAssertNil(pinned.recentEvent)
        XCTAssertTrue(pinned.accessibilityLabel.contains("Pinned"))
        XCTAssertEqual(recent.recentEvent?.label, "Use of force recorded")
        XCTAssertTrue(recent.accessibilityLabel.contains("In the last 72 hours: Use of force recorded"))
        // The defaults of an older record: not pinned, nothing recent.
        XCTAssertFalse(PersonRowState(Fixtures.person(id: "p3", name: "Sam")).pinned)
    }

    func test_a_search_hit_carries_the_line_that_matched_but_not_a_name() {
        let all = [
            PersonRowState(Fixtures.person(id: "p1", name: "Samuel Jones")),
            PersonRowState(Fixtures.person(id: "p2", name: "Ava Patel")),
        ]
        let trigger = SearchHit(
            personId: "p2", unitId: "home", name: "Ava Patel",
            matched: SearchMatch(field: .trigger, text: "Loud alarms", line: "Trigger: Loud alarms")
        )
        let name = SearchHit(
            personId: "p1", unitId: "home", name: "Samuel Jones",
            matched: SearchMatch(field: .name, text: "Samuel Jones", line: "Name: Samuel Jones")
        )
        XCTAssertEqual(matchLine(trigger), "Trigger: Loud alarms")
        XCTAssertNil(matchLine(name), "the row's title already shows the name")
        let merged = mergeSearch(local: [all[0]], all: all, hits: [name, trigger])
        XCTAssertEqual(merged.map(\.id), ["p1", "p2"])
        XCTAssertNil(merged[0].matchLine)
        XCTAssertEqual(merged[1].matchLine, "Trigger: Loud alarms")
        XCTAssertTrue(merged[1].accessibilityLabel.contains("Matched Trigger: Loud alarms"))
    }

    func test_triggers_and_red_come_right_after_the_amber_card() {
        let person = Person(id: "p1", unitId: "home", displayName: "Sam", preferredName: nil, localIdentifier: nil, safetyAlerts: [])
        let sheet = SupportSheet(
            person: person, texts: [], triggers: [ListItem(id: "t1", text: "Loud alarms")],
            warningSigns: [], whatHelps: [], whatToAvoid: [], authorisedInterventions: [], contraindications: [],
            review: Review(lastReviewedAt: nil, lastReviewedBy: nil, due: nil, overdue: false)
        )
        let reader = shiftOrder(sheet.sections, keepAmber: false)
        XCTAssertEqual(reader.first.map(\.band), [.triggers, .red])
        XCTAssertEqual(reader.rest.map(\.band), [.aboutMe, .communication, .green, .blue])
        // Editors keep the amber section below: its lists are edited there.
        let editor = shiftOrder(sheet.sections, keepAmber: true)
        XCTAssertEqual(editor.rest.map(\.band), [.aboutMe, .communication, .green, .amber, .blue])
        // Nothing is lost or repeated: the core's titles, each once.
        XCTAssertEqual(Set((editor.first + editor.rest).map(\.title)), Set(sheetLayout().map(\.title)))
    }

    @MainActor
    func test_pinning_and_search_against_a_real_server() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let server = environment["STEADY_TEST_SERVER_URL"], let code = environment["STEADY_TEST_ENROL_CODE"] else {
            throw XCTSkip("set STEADY_TEST_SERVER_URL and STEADY_TEST_ENROL_CODE (steady-server demo prints both)")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steady-shift-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = AppSession(location: StoreLocation(directory: directory), keys: MemoryDeviceKey(),
                                 clock: ManualWallClock(start: SystemWallClock().now()),
                                 defaults: UserDefaults(suiteName: UUID().uuidString)!)
        await session.start()
        let enrol = EnrolModel(session: session)
        enrol.form = EnrolmentForm(server: server, code: code, staffName: "Alex Morgan", jobTitle: "Support worker")
        let enrolled = await enrol.enrol()
        XCTAssertTrue(enrolled)

        let people = PeopleModel(session: session)
        await people.load()
        let last = try XCTUnwrap(people.all.last)
        await people.togglePin(last)
        XCTAssertEqual(people.all.first?.id, last.id, "pinned comes first")
        XCTAssertEqual(people.all.first?.pinned, true)
        await people.togglePin(try XCTUnwrap(people.all.first))
        XCTAssertEqual(people.all.last?.id, last.id, "unpinned, the core's order again")

        // A trigger finds its person, and the row says which line matched.
        let core = try XCTUnwrap(session.core)
        let sheet = try await core.call { try $0.supportSheet(personId: last.id) }
        let trigger = try XCTUnwrap(sheet.triggers.first?.text)
        let hits = try await core.call { try $0.searchPeople(text: trigger, limit: 50) }
        let hit = try XCTUnwrap(hits.first { $0.personId == last.id })
        XCTAssertEqual(matchLine(hit), "Trigger: \(trigger)")

        let person = PersonModel(session: session, personId: last.id)
        await person.load()
        XCTAssertEqual(person.firstSections.map(\.band), [.triggers, .red])
    }
}
