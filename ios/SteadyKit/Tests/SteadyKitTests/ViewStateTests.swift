// View state from the core's records: what the people list, the sheet, the incidents list and
// the sync screen show, and what the app does about each error.

import SteadyCore
import XCTest
@testable import SteadyKit

final class ViewStateTests: XCTestCase {
    func test_pending_badge_is_hidden_at_zero_and_capped_like_the_core() {
        XCTAssertNil(pendingBadge(0))
        XCTAssertEqual(pendingBadge(1), "1")
        XCTAssertEqual(pendingBadge(999), "999")
        XCTAssertEqual(pendingBadge(1000), "999+")
    }

    func test_people_rows_lead_with_the_preferred_name_and_carry_alerts_and_flags() {
        let row = PersonRowState(Fixtures.person(
            id: "p1", name: "Samuel Jones", preferred: "Sam", alerts: ["No prone holds: asthma"],
            overdue: true, pending: 3
        ))
        XCTAssertEqual(row.name, "Sam (Samuel Jones)")
        XCTAssertEqual(row.safetyAlerts, ["No prone holds: asthma"])
        XCTAssertTrue(row.reviewOverdue)
        XCTAssertEqual(row.pendingBadge, "3")
        XCTAssertTrue(row.accessibilityLabel.contains("Safety alerts: No prone holds: asthma"))
        XCTAssertTrue(row.accessibilityLabel.contains("review overdue"))
        XCTAssertEqual(PersonRowState(Fixtures.person(id: "p2", name: "Ava", preferred: "Ava")).name, "Ava")
    }

    func test_search_filters_instantly_by_every_word_and_merges_the_cores_hits() {
        let all = [
            PersonRowState(Fixtures.person(id: "p1", name: "Samuel Jones", alerts: ["Asthma"])),
            PersonRowState(Fixtures.person(id: "p2", name: "Ava Patel")),
            PersonRowState(Fixtures.person(id: "p3", name: "Noah Smith")),
        ]
        XCTAssertEqual(filterPeople(all, query: "").map(\.id), ["p1", "p2", "p3"])
        XCTAssertEqual(filterPeople(all, query: "sam asth").map(\.id), ["p1"])
        XCTAssertEqual(filterPeople(all, query: "PATEL").map(\.id), ["p2"])
        // "pacing" is a warning sign only the core's full-text search knows about.
        let local = filterPeople(all, query: "pacing")
        XCTAssertTrue(local.isEmpty)
        let merged = mergeSearch(local: local, all: all, hits: [
            SearchHit(personId: "p3", unitId: "home", name: "Noah Smith"),
            SearchHit(personId: "p3", unitId: "home", name: "Noah Smith"),
            SearchHit(personId: "gone", unitId: "home", name: "Not loaded"),
        ])
        XCTAssertEqual(merged.map(\.id), ["p3"])
    }

    func test_the_sheet_reads_in_traffic_light_order_with_every_heading() {
        let person = Person(id: "p1", unitId: "home", displayName: "Sam", preferredName: nil, localIdentifier: nil, safetyAlerts: [])
        let sheet = SupportSheet(
            person: person,
            texts: [SheetTextValue(field: .whatStaffShouldDo, text: "Stay calm, offer the garden")],
            triggers: [ListItem(id: "t1", text: "Loud alarms")],
            warningSigns: [ListItem(id: "w1", text: "Pacing")],
            whatHelps: [ListItem(id: "h1", text: "Walk outside")],
            whatToAvoid: [ListItem(id: "a1", text: "Crowding him")],
            authorisedInterventions: [],
            contraindications: [],
            review: Review(lastReviewedAt: nil, lastReviewedBy: nil, due: nil, overdue: false)
        )
        XCTAssertEqual(sheet.sections.map(\.title), [
            "About me", "Communication", "Green: when I'm calm", "Triggers",
            "Amber: rising distress", "Red: crisis", "Blue: recovery",
        ])
        XCTAssertEqual(sheet.text(.whatStaffShouldDo), "Stay calm, offer the garden")
        XCTAssertEqual(sheet.text(.whoToCall), "")
        let amber = sheet.sections[4]
        XCTAssertEqual(amber.band, .amber)
        XCTAssertEqual(amber.entries.first, .list(.warningSigns, heading: "Early warning signs", items: [ListItem(id: "w1", text: "Pacing")]))
        // Every text field appears exactly once.
        let texts = sheet.sections.flatMap(\.entries).compactMap { entry -> SheetText? in
            if case let .text(field, _, _) = entry { return field }
            return nil
        }
        XCTAssertEqual(texts.count, 13)
        // The headings are the core's words (the one-page-profile voice), not a copy kept here.
        XCTAssertEqual(Set(texts.map { sheetTextHeading(field: $0) }).count, 13)
        XCTAssertEqual(sheet.sections.map(\.title), sheetLayout().map(\.title))
        let green = sheet.sections[2]
        XCTAssertEqual(green.band, .green)
        XCTAssertEqual(green.entries[1], .text(.routines, heading: "Routines that keep me well", text: ""))
        // Red reads in the core's order: text fields and lists interleave.
        XCTAssertEqual(sheet.sections[5].entries.map(\.id), [
            "What staff should do in a crisis",
            "Restrictive interventions authorised in the care plan",
            "Contraindications",
            "Who to call",
        ])
    }

    func test_an_incident_the_core_could_not_wholly_read_says_what_is_left_out() {
        XCTAssertNil(unreadableWarning(Fixtures.incident().unreadable))
        let incident = Fixtures.incident(unreadable: ["use_of_force/uof-2", "debrief_person"])
        XCTAssertEqual(
            unreadableWarning(incident.unreadable),
            "Part of this record could not be read on this device: use of force/uof-2, debrief person; "
                + "the rest is shown. Tell your lead."
        )
    }

    func test_an_overdue_review_is_said_plainly() {
        let line = reviewLine(
            Review(lastReviewedAt: 1000, lastReviewedBy: "Jo Lead", due: 2000, overdue: true),
            format: { "t\($0)" }
        )
        XCTAssertEqual(line.text, "Reviewed t1000 by Jo Lead. Review overdue since t2000.")
        XCTAssertTrue(line.overdue)
        XCTAssertEqual(
            reviewLine(Review(lastReviewedAt: nil, lastReviewedBy: nil, due: nil, overdue: false), format: { _ in "" }).text,
            "Not reviewed yet."
        )
    }

    func test_a_moderate_result_shows_the_persons_own_strategies() {
        let result = ChecklistResult(
            runId: "r1", templateId: "own:p1", templateVersion: 1,
            score: ChecklistScore(score: 2, maxScore: 4, band: ScoreBand(min: 1, max: 2, level: .moderate, guidance: "Use what helps")),
            whatHelps: [ListItem(id: "h1", text: "Walk outside")], whatToAvoid: []
        )
        let state = ChecklistResultState(result)
        XCTAssertEqual(state.score, "2 of 4")
        XCTAssertEqual(state.band, "Moderate")
        XCTAssertTrue(state.showsStrategies)
    }

    func test_incidents_sort_into_attention_drafts_waiting_and_submitted() {
        let rows = [
            IncidentRowState(Fixtures.summary(id: "a", status: .draft, pending: 2), problemIds: []),
            IncidentRowState(Fixtures.summary(id: "b", status: .submitted, pending: 1), problemIds: []),
            IncidentRowState(Fixtures.summary(id: "c", status: .submitted, pending: 0), problemIds: []),
            IncidentRowState(Fixtures.summary(id: "d", status: .submitted, pending: 0), problemIds: ["d"]),
        ]
        XCTAssertEqual(rows.map(\.state), [.draft, .waitingToSync, .submitted, .needsAttention])
        XCTAssertEqual(incidentSections(rows).map(\.state), [.needsAttention, .draft, .waitingToSync, .submitted])
        XCTAssertEqual(incidentSections([]).count, 0)
    }

    func test_problems_carry_their_reasons() {
        let refused = SyncProblemState(QuarantinedChange(
            opId: "op1", entity: .incident, entityId: "i1", unitId: "ward",
            reason: "grant_ended", detail: "the placement in this unit has ended"
        ))
        XCTAssertEqual(refused.reason, "the placement in this unit has ended")
        XCTAssertEqual(refused.kind, .quarantined(opId: "op1"))
        XCTAssertEqual(refused.recordKind, "Incident")

        let overtaken = SyncProblemState(Conflict(
            id: 7, entity: .sheet, entityId: "p1", unitId: "home", field: "what_staff_should_do",
            itemId: "", myValueJson: "\"Offer tea\"", winningValueJson: "\"Offer the garden\"",
            winningStamp: Hlc(wallMs: 1, counter: 0, device: "d2"), opId: "op2", at: 5
        ))
        XCTAssertEqual(overtaken.kind, .conflict(conflictId: 7))
        XCTAssertTrue(overtaken.reason.contains("what staff should do"))
        XCTAssertTrue(overtaken.reason.contains("(Offer tea)"))
        XCTAssertTrue(overtaken.reason.contains("(Offer the garden)"))
    }

    func test_conflict_values_read_as_words() {
        XCTAssertEqual(jsonDisplay("\"Walk\""), "Walk")
        XCTAssertEqual(jsonDisplay("null"), "removed")
        XCTAssertEqual(jsonDisplay("true"), "yes")
        XCTAssertEqual(jsonDisplay("12"), "12")
        XCTAssertEqual(jsonDisplay("{\"text\":\"Music\",\"order\":2}"), "Music")
        XCTAssertEqual(jsonDisplay("not json"), "not json")
    }

    func test_sync_status_says_when_and_what_waits() {
        let status = SyncStatus(
            enrolled: true, serverUrl: "https://s.example", pending: 1, quarantined: 1, conflicts: 2,
            lastSuccessAt: Fixtures.now - 5 * 60_000, lastAttemptAt: Fixtures.now, lastError: "x",
            lastProblem: .offline, resyncing: false
        )
        let state = SyncStatusState(status, now: Fixtures.now)
        XCTAssertEqual(state.lastSync, "Last synced 5 minutes ago")
        XCTAssertEqual(state.pending, "1 change waiting to sync")
        XCTAssertEqual(state.problems, 3)
        XCTAssertEqual(state.refused, "1 change refused by the server, kept on this device")
        XCTAssertEqual(state.lastError, "No connection to the sync server. Nothing is lost; it will try again.")
        let none = SyncStatus(
            enrolled: true, serverUrl: "https://s.example", pending: 0, quarantined: 0, conflicts: 0,
            lastSuccessAt: nil, lastAttemptAt: nil, lastError: nil, lastProblem: nil, resyncing: false
        )
        XCTAssertNil(SyncStatusState(none, now: Fixtures.now).refused)
        XCTAssertEqual(relativeTime(from: 0, to: 30_000), "just now")
        XCTAssertEqual(relativeTime(from: 0, to: 3_600_000), "1 hour ago")
        XCTAssertEqual(relativeTime(from: 0, to: 2 * 86_400_000), "2 days ago")
    }

    func test_every_error_has_its_reaction() {
        let cases: [(SteadyError, ProblemAction)] = [
            (.Validation(field: .note, path: "note", rule: "must not be empty"), .fixField(.note)),
            (.UseOfForceIncomplete(missing: [.reason]), .completeUseOfForce([.reason])),
            (.Contraindicated(intervention: .physicalProne, cautionIds: ["a1"]), .confirmAgainstCautions(["a1"])),
            (.Locked(record: "i1"), .offerAddendum),
            (.NotFound(what: "person", id: "p1"), .goBack),
            (.NotAllowed(
                refusal: .placementEnded(unitId: "w", unitName: "Willow Ward", endedAt: 1),
                reason: "access to Willow Ward ended"
            ), .placementEnded),
            (.NotAllowed(
                refusal: .roleTooLow(role: .reader, needs: .editor, action: "edit support sheets"),
                reason: "a reader cannot edit support sheets; it needs editor"
            ), .none),
            (.NotEnrolled(reason: "unauthorized"), .enrol),
            (.Revoked, .wipeAndEnrol),
            (.Network(detail: "timeout"), .retryLater),
            (.Interrupted, .retryLater),
            (.WrongKey, .resetStore),
            (.KeyUnavailable(detail: "locked"), .waitForUnlock),
            (.KeyUnreadable(detail: "bad tag"), .resetStore),
            (.NeedsAppUpdate(found: 9, supported: 4), .updateApp),
            (.Damaged(detail: "page 3"), .showWithReset),
            (.Storage(detail: "disk full"), .tryAgain),
            (.Internal(detail: "panic"), .report),
        ]
        for (error, action) in cases {
            XCTAssertEqual(UserProblem(error).action, action, "\(error)")
        }
        XCTAssertEqual(UserProblem(SteadyError.Validation(field: .displayName, path: "display_name", rule: "must not be empty")).message,
                       "Display name must not be empty.")
        XCTAssertEqual(UserProblem(CocoaError(.fileNoSuchFile)).action, .report)
    }

    func test_every_listed_code_is_in_its_list_once() {
        XCTAssertEqual(Set(IncidentTag.all).count, IncidentTag.all.count)
        XCTAssertTrue(IncidentTag.all.allSatisfy(IncidentTag.listed))
        XCTAssertEqual(RestrictiveInterventionType.all.count, 15)
        XCTAssertTrue(RestrictiveInterventionType.all.allSatisfy(RestrictiveInterventionType.listed))
        XCTAssertEqual(RestrictiveInterventionType.all.first?.code, "01")
        XCTAssertEqual(RestrictiveInterventionReason.all.count, 12)
        XCTAssertTrue(RestrictiveInterventionReason.all.allSatisfy(RestrictiveInterventionReason.listed))
        XCTAssertEqual(DeescalationStep.all.count, 7)
        XCTAssertTrue(DeescalationStep.all.allSatisfy(DeescalationStep.listed))
    }
}
