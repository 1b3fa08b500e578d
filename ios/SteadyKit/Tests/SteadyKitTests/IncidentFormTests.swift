// The completion form saves only what changed, and the quick capture makes a valid
// `QuickCapture` in three taps.

import SteadyCore
import XCTest
@testable import SteadyKit

final class IncidentFormTests: XCTestCase {
    func test_an_untouched_form_saves_nothing() {
        let incident = Fixtures.incident()
        XCTAssertNil(IncidentForm(incident).changes(from: incident))
    }

    func test_only_the_changed_fields_are_sent() throws {
        let incident = Fixtures.incident()
        var form = IncidentForm(incident)
        form.outcome = "  Settled after 20 minutes  "
        form.deathOrSeriousInjury = false
        let details = try XCTUnwrap(form.changes(from: incident))
        XCTAssertEqual(details.outcome, "Settled after 20 minutes")
        XCTAssertEqual(details.deathOrSeriousInjury, false)
        XCTAssertNil(details.note)
        XCTAssertNil(details.occurredAt)
        XCTAssertNil(details.deescalation)
        XCTAssertNil(details.nonStaffInvolved)
        XCTAssertNil(details.debriefPerson)
    }

    func test_a_cleared_text_is_sent_empty_so_the_core_clears_it() throws {
        let incident = Fixtures.incident()
        var form = IncidentForm(incident)
        form.note = ""
        XCTAssertEqual(try XCTUnwrap(form.changes(from: incident)).note, "")
    }

    func test_own_strategies_keep_the_persons_order() throws {
        let incident = Fixtures.incident()
        var form = IncidentForm(incident)
        form.ownStrategies = ["Quiet room", "Music", "Walk outside"]
        form.generalSteps = [.giveTime, .giveSpace]
        let details = try XCTUnwrap(form.changes(from: incident, whatHelps: ["Walk outside", "Quiet room", "Music"]))
        let deescalation = try XCTUnwrap(details.deescalation)
        XCTAssertEqual(deescalation.ownStrategies, ["Walk outside", "Quiet room", "Music"])
        XCTAssertEqual(deescalation.generalSteps, [.giveSpace, .giveTime])
        XCTAssertNil(deescalation.other)
    }

    func test_helped_is_sent_only_for_what_was_tried() throws {
        let incident = Fixtures.incident()
        var form = IncidentForm(incident)
        form.ownStrategies = ["Quiet room", "Music"]
        form.generalSteps = [.giveTime]
        form.helped = ["Music", "Walk outside"]
        form.stepsHelped = [.giveTime, .giveSpace]
        let details = try XCTUnwrap(form.changes(from: incident, whatHelps: ["Walk outside", "Quiet room", "Music"]))
        let deescalation = try XCTUnwrap(details.deescalation)
        XCTAssertEqual(deescalation.helped, ["Music"])
        XCTAssertEqual(deescalation.stepsHelped, [.giveTime])
        // Marking one as helped is a change on its own.
        var again = IncidentForm(incident)
        again.ownStrategies = Set(incident.deescalation.ownStrategies)
        XCTAssertNil(again.changes(from: incident))
    }

    func test_an_unanswered_debrief_is_not_sent_and_an_answer_is() throws {
        let incident = Fixtures.incident()
        var form = IncidentForm(incident)
        form.debriefPersonNote = "Asleep"
        XCTAssertNil(form.changes(from: incident)?.debriefPerson, "a note without an answer says nothing")
        form.debriefPersonHeld = false
        XCTAssertEqual(try XCTUnwrap(form.changes(from: incident)).debriefPerson, Debrief(held: false, note: "Asleep"))
    }

    func test_three_taps_button_tag_save_make_a_valid_capture() throws {
        var draft = CaptureDraft(unitId: "hems", now: Fixtures.now)
        XCTAssertTrue(draft.canSave, "a tag is optional: the draft exists from the first tap")
        draft.tags.insert(.nearMiss)
        XCTAssertTrue(draft.canSave)
        let capture = try XCTUnwrap(draft.capture)
        XCTAssertEqual(capture.unitId, "hems")
        XCTAssertEqual(capture.tags, [.nearMiss])
        XCTAssertEqual(capture.occurredAt, Fixtures.now, "the time is the first tap")
        XCTAssertFalse(capture.note.isEmpty, "the tag's words stand in for a note")
    }

    func test_tags_stand_in_for_the_note_in_the_lists_order_as_on_android() {
        var draft = CaptureDraft(unitId: "home", now: Fixtures.now)
        draft.tags = [.nearMiss, .verbalAggression]
        XCTAssertEqual(draft.noteToSave, "\(IncidentTag.verbalAggression.label), \(IncidentTag.nearMiss.label)")
    }

    func test_a_typed_note_wins_and_a_description_is_kept_for_someone_unknown() throws {
        var draft = CaptureDraft(unitId: "hems", now: Fixtures.now)
        draft.note = " Fall from ladder, conscious "
        draft.unidentifiedPerson = " man ~40, roadside "
        let capture = try XCTUnwrap(draft.capture)
        XCTAssertEqual(capture.note, "Fall from ladder, conscious")
        XCTAssertEqual(capture.unidentifiedPerson, "man ~40, roadside")
        XCTAssertNil(capture.personId)
    }

    func test_a_known_person_replaces_the_description() throws {
        var draft = CaptureDraft(unitId: "home", personId: "p1", now: Fixtures.now)
        draft.note = "Pacing"
        draft.unidentifiedPerson = "left over from before"
        let capture = try XCTUnwrap(draft.capture)
        XCTAssertEqual(capture.personId, "p1")
        XCTAssertNil(capture.unidentifiedPerson, "the core refuses both together")
    }

    func test_no_unit_no_capture() {
        var draft = CaptureDraft(unitId: nil, now: Fixtures.now)
        draft.note = "Something"
        XCTAssertNil(draft.capture)
    }
}
