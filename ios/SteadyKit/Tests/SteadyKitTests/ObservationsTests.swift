// Physical observations, s.6(5)(k) as nine answers and the injury indicators: the form's rules
// (SteadyKit's Observations.swift and IncidentForm), the twin of Android's ObservationsTest.
// Parsed here, run on a Mac (`swift test`).

import SteadyCore
import XCTest
@testable import SteadyKit

final class ObservationsTests: XCTestCase {
    func test_the_phase_follows_whether_a_hold_runs_until_chosen() {
        var draft = ObservationDraft()
        XCTAssertEqual(draft.following(holdRunning: true).phase, .duringRestraint)
        XCTAssertEqual(draft.following(holdRunning: false).phase, .afterRestraint)
        draft.phase = .afterRapidTranquillisation
        draft.phaseChosen = true
        XCTAssertEqual(draft.following(holdRunning: true).phase, .afterRapidTranquillisation)
        XCTAssertEqual(draft.next.phase, .afterRapidTranquillisation, "the chosen phase stays for the next check")
        XCTAssertTrue(draft.next.values.isEmpty)
    }

    func test_the_form_makes_the_cores_observation_with_the_temperature_in_tenths() throws {
        var draft = ObservationDraft().following(holdRunning: true)
        draft.breathing = .normal
        draft.consciousness = .alert
        draft.values[.oxygenSaturation] = "97"
        draft.values[.pulse] = " 104 "
        draft.values[.temperature] = "36.8"
        draft.values[.notTakenBecause] = ""
        let (observation, errors) = draft.observation()
        XCTAssertTrue(errors.isEmpty)
        let o = try XCTUnwrap(observation)
        XCTAssertEqual(o.phase, .duringRestraint)
        XCTAssertEqual(o.oxygenSaturation, 97)
        XCTAssertEqual(o.pulse, 104)
        XCTAssertEqual(o.temperatureTenthsC, 368)
        XCTAssertNil(o.notTakenBecause, "an empty field is left out")
        XCTAssertNil(o.observedAt, "timed by the core")
    }

    func test_a_number_that_is_not_one_is_refused_under_its_field() {
        var draft = ObservationDraft()
        draft.values[.pulse] = "fast"
        draft.values[.temperature] = "36.85"
        let (observation, errors) = draft.observation()
        XCTAssertNil(observation)
        XCTAssertEqual(errors[.pulse], "A whole number")
        XCTAssertEqual(errors[.temperature], "A temperature such as 36.8")
    }

    func test_the_cores_rule_is_shown_in_the_forms_units() {
        XCTAssertEqual(ObservationField.of(path: "observation.oxygen_saturation"), .oxygenSaturation)
        XCTAssertNil(ObservationField.of(path: "observation"))
        XCTAssertEqual(observationRuleText(field: .oxygenSaturation, rule: "from 50 to 100"), "From 50 to 100")
        XCTAssertEqual(observationRuleText(field: .temperature, rule: "from 250 to 450"), "From 25.0 to 45.0 °C")
        XCTAssertEqual(parseTenths("37"), 370)
        XCTAssertEqual(parseTenths("36,5"), 365)
        XCTAssertNil(parseTenths("warm"))
    }

    func test_k_is_nine_rows_in_the_cores_order_and_saved_only_when_answered() throws {
        let incident = Fixtures.incident()
        var form = IncidentForm(incident)
        XCTAssertEqual(form.characteristicRows.map(\.label), characteristicLabels().map(\.label))
        XCTAssertEqual(form.characteristicRows.count, 9)
        XCTAssertNil(form.changes(from: incident))

        // "Stated" with no words is no answer yet: nothing to save.
        form.characteristicRows[0].kind = .stated
        XCTAssertNil(form.changes(from: incident))
        form.characteristicRows[0].stated = "34"
        form.characteristicRows[1].kind = .notKnown
        form.characteristicRows[2].kind = .prefersNotToSay
        let details = try XCTUnwrap(form.changes(from: incident))
        let c = try XCTUnwrap(details.characteristics)
        XCTAssertEqual(c.age, .stated(value: "34"))
        XCTAssertEqual(c.disability, .notKnown)
        XCTAssertEqual(c.genderReassignment, .prefersNotToSay)
        XCTAssertNil(c.race)
        XCTAssertEqual(form.characteristicsAnswered, 3)
        XCTAssertEqual(makeCharacteristicRows(c).map(\.kind), form.characteristicRows.map(\.kind), "read back the same")
    }

    func test_injury_is_three_explicit_answers() throws {
        let incident = Fixtures.incident()
        var form = IncidentForm(incident)
        XCTAssertNil(form.injured(.person))
        form.setInjured(.person, .yes)
        form.setInjured(.others, .notKnown)
        let details = try XCTUnwrap(form.changes(from: incident))
        XCTAssertEqual(details.injuredPerson, .yes)
        XCTAssertNil(details.injuredStaff)
        XCTAssertEqual(details.injuredOthers, .notKnown)
        XCTAssertEqual(InjuryIndicator.all.map(\.label), ["Yes", "No", "Not known"])
    }

    func test_the_chips_words_and_the_ranges_are_the_cores() {
        XCTAssertEqual(Breathing.all.map(\.label), Breathing.all.map { breathingLabel(breathing: $0) })
        XCTAssertEqual(Consciousness.voice.label, consciousnessLabel(consciousness: .voice))
        XCTAssertEqual(SkinColour.blue.label, skinColourLabel(colour: .blue))
        XCTAssertEqual(BodyPosition.prone.label, bodyPositionLabel(position: .prone))
        XCTAssertEqual(ObservationPhase.afterRapidTranquillisation.label,
                       observationPhaseLabel(phase: .afterRapidTranquillisation))
        let spo2 = vitalSignRanges().first { $0.name == "oxygen_saturation" }!
        XCTAssertEqual(ObservationField.oxygenSaturation.rangeText, "\(spo2.least) to \(spo2.most)")
        XCTAssertNil(ObservationField.note.rangeText)
    }

    func test_a_past_taken_at_time_is_sent_and_a_future_one_refused_by_the_field() throws {
        let now: Timestamp = 1_764_000_000_000
        var draft = ObservationDraft()
        draft.phase = .afterRapidTranquillisation
        draft.consciousness = .voice
        draft.moveTakenAt(minutes: -15, now: now)
        XCTAssertNil(draft.takenAtError)
        XCTAssertEqual(try XCTUnwrap(draft.observation().0).observedAt, now - 15 * 60_000)
        draft.moveTakenAt(minutes: 5, now: now)
        draft.moveTakenAt(minutes: 5, now: now)
        draft.moveTakenAt(minutes: 5, now: now)
        XCTAssertNotNil(draft.takenAtError, "5 minutes ahead of now")
        XCTAssertTrue(draft.takenAtError!.hasPrefix(ObservationDraft.takenAtRule))
    }

    func test_no_further_concerns_is_sent_only_after_rapid_tranquillisation() throws {
        var draft = ObservationDraft()
        draft.noFurtherConcerns = true
        draft.consciousness = .alert
        draft.phase = .afterRestraint
        XCTAssertNil(try XCTUnwrap(draft.observation().0).noFurtherConcerns)
        draft.phase = .afterRapidTranquillisation
        XCTAssertEqual(try XCTUnwrap(draft.observation().0).noFurtherConcerns, true)
        XCTAssertFalse(draft.next.noFurtherConcerns, "the next check starts without it")
    }

    func test_the_reminder_names_the_unit_never_the_person() {
        let request = ObservationReminderRequest(incidentId: "i1", at: 3_600_000, unitName: "Hazel Ward")
        XCTAssertEqual(request.title, "Physical observations due")
        XCTAssertTrue(request.body.hasPrefix("Hazel Ward"))
        XCTAssertEqual(request.identifier, "app.steady.observations.i1")
        XCTAssertEqual(request.delaySeconds(now: 0), 3600)
        XCTAssertNil(ObservationReminderPlan.dueText(nil, now: 0))
        XCTAssertTrue(ObservationReminderPlan.dueText(3_600_000, now: 0)!.hasPrefix("Next check due "))
        XCTAssertTrue(ObservationReminderPlan.dueText(0, now: 1)!.hasPrefix("Check overdue"))
    }
}
