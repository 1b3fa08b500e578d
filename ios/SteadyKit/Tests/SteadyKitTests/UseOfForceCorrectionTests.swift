// A use of force written up after the event, without a server: the times a start or end may
// take (never later than now, the core's window, the other end), the copies that change one
// thing only, a debrief note that never answers "held", and what Submit's confirmation says
// will be locked and is still missing. The same behaviour through the real core and server is
// UseOfForceRecordTests.

import SteadyCore
import XCTest
@testable import SteadyKit

final class UseOfForceCorrectionTests: XCTestCase {
    private let minute: Timestamp = 60_000
    private let now = Fixtures.now

    private func hold(started: Timestamp? = nil, ended: Timestamp? = nil) -> UseOfForce {
        UseOfForce(
            id: "f1", intervention: .physicalStanding, reason: .preventViolenceToOthers,
            startedAt: started, endedAt: ended, inCarePlan: true,
            howForceWasUsed: "Two staff held his arms", staff: [StaffMember(name: "Priya Shah", jobTitle: "Ward manager")]
        )
    }

    func test_a_start_or_end_is_never_later_than_now_and_never_before_the_cores_window() {
        let entry = hold(started: now - 30 * minute)
        XCTAssertEqual(ForceTimeRule.latest(now: now), now, "never in the future, though the core allows a day ahead")
        XCTAssertEqual(ForceTimeRule.earliest, earliestRecordTime())
        XCTAssertNil(ForceTimeRule.problem(.end, of: entry, time: now, now: now))
        XCTAssertNotNil(ForceTimeRule.problem(.end, of: entry, time: now + 1, now: now))
        XCTAssertTrue(ForceTimeRule.problem(.start, of: entry, time: now + 15 * minute, now: now)?.contains("later than now") ?? false)
        XCTAssertNotNil(ForceTimeRule.problem(.start, of: entry, time: earliestRecordTime() - 1, now: now))
        XCTAssertNil(ForceTimeRule.problem(.start, of: hold(), time: earliestRecordTime(), now: now))
    }

    func test_an_end_is_never_before_its_start_nor_a_start_after_its_end() {
        let start = now - 35 * minute
        let entry = hold(started: start, ended: start + 12 * minute)
        let early = ForceTimeRule.problem(.end, of: entry, time: start - minute, now: now, clock: { _ in "10:00" })
        XCTAssertEqual(early, "The end can't be before the start (10:00).")
        let late = ForceTimeRule.problem(.start, of: entry, time: start + 13 * minute, now: now, clock: { _ in "10:12" })
        XCTAssertEqual(late, "The start can't be after the end (10:12).")
        XCTAssertNil(ForceTimeRule.problem(.end, of: entry, time: start, now: now), "an end at the start is allowed")
        XCTAssertNil(ForceTimeRule.problem(.start, of: entry, time: start - 5 * minute, now: now), "an earlier start is a correction")
    }

    func test_the_picker_offers_only_allowed_times_and_starts_where_it_should() {
        let start = now - 35 * minute
        let running = hold(started: start)
        XCTAssertEqual(ForceTimeRule.bounds(.end, of: running, now: now), start...now)
        XCTAssertEqual(ForceTimeRule.bounds(.start, of: running, now: now), earliestRecordTime()...now)
        let ended = hold(started: start, ended: start + 12 * minute)
        XCTAssertEqual(ForceTimeRule.bounds(.start, of: ended, now: now), earliestRecordTime()...(start + 12 * minute))
        // A recorded time; an end not yet recorded starts at now; a start at when it happened.
        XCTAssertEqual(ForceTimeRule.initial(.start, of: running, occurredAt: now - 60 * minute, now: now), start)
        XCTAssertEqual(ForceTimeRule.initial(.end, of: running, occurredAt: now - 60 * minute, now: now), now)
        XCTAssertEqual(ForceTimeRule.initial(.start, of: hold(), occurredAt: now - 60 * minute, now: now), now - 60 * minute)
    }

    func test_entering_one_time_or_the_reason_changes_nothing_else() {
        let start = now - 35 * minute
        let entry = hold(started: start, ended: start + 12 * minute)
        let corrected = entry.with(.start, at: start - 5 * minute)
        XCTAssertEqual(corrected.startedAt, start - 5 * minute)
        XCTAssertEqual(corrected.endedAt, start + 12 * minute, "the end is kept (started(at:) would clear it)")
        XCTAssertEqual(corrected.with(.end, at: start).endedAt, start)
        XCTAssertEqual(corrected.with(.end, at: start).startedAt, start - 5 * minute)
        let other = entry.with(reason: .preventSeriousIntentionalSelfHarm)
        XCTAssertEqual(other.reason, .preventSeriousIntentionalSelfHarm)
        XCTAssertEqual(other.with(reason: .preventViolenceToOthers), entry, "a chosen reason can be changed back")
        XCTAssertEqual(entry.with(inCarePlan: false).inCarePlan, false)
        for changed in [corrected, other, entry.with(inCarePlan: nil)] {
            XCTAssertEqual(changed.id, entry.id)
            XCTAssertEqual(changed.intervention, entry.intervention)
            XCTAssertEqual(changed.howForceWasUsed, entry.howForceWasUsed)
            XCTAssertEqual(changed.staff, entry.staff)
        }
    }

    func test_a_debrief_note_alone_never_answers_held_and_waits_on_screen() throws {
        let incident = Fixtures.incident()
        var form = IncidentForm(incident)
        form.debriefStaffNote = "Team huddle at handover"
        XCTAssertTrue(form.debriefStaffNoteWaiting)
        XCTAssertNil(form.changes(from: incident), "nothing can be saved yet: no call, no \"held\"")
        // Another field is saved; after the reload the waiting note is still on screen.
        form.outcome = "Settled"
        let details = try XCTUnwrap(form.changes(from: incident))
        XCTAssertNil(details.debriefStaff)
        XCTAssertEqual(details.outcome, "Settled")
        let reloaded = IncidentForm(incident).keepingWaitingNotes(of: form)
        XCTAssertEqual(reloaded.debriefStaffNote, "Team huddle at handover")
        XCTAssertNil(reloaded.debriefStaffHeld)
        // The answer, given explicitly, saves the note with it.
        var answered = reloaded
        answered.debriefStaffHeld = true
        XCTAssertFalse(answered.debriefStaffNoteWaiting)
        XCTAssertEqual(try XCTUnwrap(answered.changes(from: incident)).debriefStaff,
                       Debrief(held: true, note: "Team huddle at handover"))
    }

    func test_an_answered_review_is_not_overwritten_by_a_waiting_note() {
        let incident = Fixtures.incident(debriefPerson: Debrief(held: false, note: "Asleep"))
        var earlier = IncidentForm(incident)
        earlier.debriefStaffNote = "Huddle"
        let kept = IncidentForm(incident).keepingWaitingNotes(of: earlier)
        XCTAssertEqual(kept.debriefPersonNote, "Asleep")
        XCTAssertEqual(kept.debriefPersonHeld, false)
        XCTAssertEqual(kept.debriefStaffNote, "Huddle")
    }

    func test_the_submit_confirmation_shows_what_will_be_locked() {
        let start = now - 35 * minute
        let incident = Fixtures.incident(useOfForce: [hold(started: start, ended: start + 12 * minute)])
        let confirmation = SubmitConfirmation(
            incident: incident, missing: [], mentalHealthUnit: true,
            dateTime: { _ in "23 Nov 2026 at 14:05" }, clock: { $0 == start ? "14:05" : "14:17" }
        )
        XCTAssertFalse(confirmation.blocked)
        XCTAssertNil(confirmation.missingHeading)
        XCTAssertEqual(confirmation.title, "Submit this incident?")
        XCTAssertTrue(confirmation.lockNote.contains("locked for good"))
        XCTAssertEqual(confirmation.locked.first, "When it happened: 23 Nov 2026 at 14:05")
        XCTAssertTrue(confirmation.locked.contains("About: Sam"))
        let force = "Use of force: \(RestrictiveInterventionType.physicalStanding.code) "
            + "\(RestrictiveInterventionType.physicalStanding.label), 14:05 to 14:17 (12:00)"
        XCTAssertTrue(confirmation.locked.contains(force), confirmation.locked.description)
        XCTAssertTrue(confirmation.locked.contains { $0.hasPrefix("The s.6(5) answers") })
        XCTAssertEqual(confirmation.locked.last, "Injuries, outcome and reviews held")
    }

    func test_on_a_mental_health_unit_missing_items_block_and_elsewhere_they_are_advice() {
        let incident = Fixtures.incident(useOfForce: [hold(started: now - 5 * minute)])
        let missing: [S65Item] = [.placeDateDuration, .nonStaffInvolvement, .notificationSent]
        let ward = SubmitConfirmation(incident: incident, missing: missing, mentalHealthUnit: true)
        XCTAssertTrue(ward.blocked)
        XCTAssertEqual(ward.missing, missing, "the core's list, in its order")
        XCTAssertEqual(ward.title, "Not ready to submit")
        XCTAssertEqual(ward.backTitle, "Back to the record")
        XCTAssertTrue(ward.missingHeading?.contains("Required on this unit") ?? false)
        XCTAssertTrue(ward.locked.contains { $0.hasPrefix("Use of force:") && $0.hasSuffix("end not recorded") })
        let home = SubmitConfirmation(incident: incident, missing: missing, mentalHealthUnit: false)
        XCTAssertFalse(home.blocked)
        XCTAssertEqual(home.backTitle, "Keep editing")
        XCTAssertTrue(home.missingHeading?.contains("you can submit") ?? false)
    }

    func test_without_force_the_confirmation_has_no_force_lines() {
        let confirmation = SubmitConfirmation(incident: Fixtures.incident(personId: nil), missing: [], mentalHealthUnit: false)
        XCTAssertFalse(confirmation.locked.contains { $0.hasPrefix("Use of force") || $0.hasPrefix("The s.6(5)") })
        XCTAssertFalse(confirmation.locked.contains { $0.hasPrefix("About:") })
    }
}
