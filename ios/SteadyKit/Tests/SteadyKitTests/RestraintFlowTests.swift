// The person in the restraint flow without a screen (issue 15, items 1 and 2): the profile's
// marks on the intervention choices (alerts first, what each rules out, what the plan
// authorises), no prone quick start, the confirmation's state (a reason is required; nothing
// else to type), the monitoring prompt from the first second of a physical hold, the 10-minute
// prone mark as a reporting fact, and every copy of an entry keeping the reason given.
// Synthetic people only.

import SteadyCore
import XCTest
@testable import SteadyKit

final class RestraintFlowTests: XCTestCase {
    private let start: Timestamp = 1_795_424_400_000

    private let asthma = Caution(list: .safetyAlert, id: "a1", text: "No prone holds: asthma", avoid: [.physicalProne])
    private let hip = Caution(list: .contraindication, id: "c1", text: "Recent hip replacement: no floor holds",
                              avoid: [.physicalSupine, .physicalProne, .physicalKneeling])
    private let readOnly = Caution(list: .contraindication, id: "c2", text: "Dislikes being touched on the head", avoid: [])

    private var sam: RestraintProfile {
        RestraintProfile(
            personId: "p1", name: "Sam",
            cautions: [asthma, hip, readOnly],
            authorised: [AuthorisedIntervention(id: "ai1", intervention: .physicalStanding,
                                                note: "Two staff, standing only, for no more than 5 minutes")]
        )
    }

    // MARK: The profile's marks

    func test_the_choices_mark_what_the_persons_cautions_rule_out_alerts_first() throws {
        let choices = RestraintChoices(profile: sam)
        let prone = try XCTUnwrap(choices.all.first { $0.intervention == .physicalProne })
        XCTAssertTrue(prone.isRuledOut)
        XCTAssertEqual(prone.ruledOutBy.map(\.id), ["a1", "c1"], "the safety alert first, then the contraindication")
        XCTAssertEqual(prone.mark, "Ruled out by their cautions")
        XCTAssertTrue(prone.accessibilityLabel.contains("Ruled out by their cautions"), "not colour alone")

        let supine = try XCTUnwrap(choices.quickStarts.first { $0.intervention == .physicalSupine })
        XCTAssertEqual(supine.ruledOutBy.map(\.text), ["Recent hip replacement: no floor holds"], "in the person's words")

        let standing = try XCTUnwrap(choices.quickStarts.first { $0.intervention == .physicalStanding })
        XCTAssertFalse(standing.isRuledOut)
        XCTAssertEqual(standing.mark, "In their plan")
        XCTAssertEqual(standing.authorised?.note, "Two staff, standing only, for no more than 5 minutes")

        let seated = try XCTUnwrap(choices.all.first { $0.intervention == .physicalSeated })
        XCTAssertNil(seated.mark, "neither ruled out nor authorised")
        XCTAssertEqual(choices.all.filter(\.isRuledOut).map(\.intervention), [.physicalProne, .physicalSupine, .physicalKneeling])
    }

    func test_there_is_no_prone_quick_start_and_prone_stays_in_the_full_list() {
        for profile in [sam, nil] {
            let choices = RestraintChoices(profile: profile)
            XCTAssertFalse(choices.quickStarts.contains { $0.intervention.isProne })
            XCTAssertTrue(choices.all.contains { $0.intervention == .physicalProne })
            XCTAssertEqual(choices.all.map(\.intervention), RestrictiveInterventionType.all, "the full list is every type")
        }
        XCTAssertFalse(RestraintChoices.quickStartTypes.contains(.physicalProne))
    }

    func test_without_a_profile_nothing_is_marked() {
        let choices = RestraintChoices(profile: nil)
        XCTAssertTrue(choices.all.allSatisfy { $0.mark == nil && !$0.isRuledOut })
    }

    func test_a_caution_says_what_it_rules_out_in_the_full_lists_order() {
        XCTAssertEqual(hip.rulesOutLine, "Rules out: \(RestrictiveInterventionType.physicalProne.label), "
            + "\(RestrictiveInterventionType.physicalSupine.label), \(RestrictiveInterventionType.physicalKneeling.label)")
        XCTAssertNil(readOnly.rulesOutLine, "a caution to read only")
        XCTAssertEqual(asthma.quoted, "Safety alert: No prone holds: asthma")
        XCTAssertEqual(sam.safetyAlerts.map(\.id), ["a1"])
        XCTAssertEqual(sam.contraindications.map(\.id), ["c1", "c2"])
        XCTAssertEqual(sam.cautions(ids: ["c1", "a1"]).map(\.id), ["a1", "c1"], "the profile's order, alerts first")
    }

    func test_the_care_plan_line_is_the_plans_answer() {
        XCTAssertTrue(sam.authorises(.physicalStanding))
        XCTAssertFalse(sam.authorises(.physicalProne))
        XCTAssertEqual(sam.carePlanLine(for: .physicalStanding),
                       "The plan authorises this intervention: Two staff, standing only, for no more than 5 minutes")
        XCTAssertEqual(sam.carePlanLine(for: .physicalSeated), "The plan does not authorise this intervention.")
    }

    // MARK: The confirmation's state

    func test_the_confirmation_needs_a_reason_and_names_the_cautions() {
        var request = CautionOverrideRequest(
            intervention: .physicalProne, personName: "Sam", cautions: sam.rulingOut(.physicalProne),
            action: .add(startedAt: start)
        )
        XCTAssertEqual(request.cautions.map(\.text), ["No prone holds: asthma", "Recent hip replacement: no floor holds"])
        XCTAssertTrue(request.title.contains("Sam"))
        XCTAssertTrue(request.explanation.hasPrefix("Sam's own cautions rule this out"))
        XCTAssertFalse(request.canConfirm, "no reason, no confirmation")
        XCTAssertEqual(request.reasonProblem, "Give the reason for going ahead.")
        request.reason = "   \n "
        XCTAssertFalse(request.canConfirm, "spaces are not a reason")
        request.reason = "  He was on the floor already and choking a peer  "
        XCTAssertTrue(request.canConfirm)
        XCTAssertNil(request.reasonProblem)
        XCTAssertEqual(request.trimmedReason, "He was on the floor already and choking a peer")
        request.reason = String(repeating: "x", count: CautionOverrideRequest.maxReason + 1)
        XCTAssertFalse(request.canConfirm, "the core keeps at most 500 characters")
        XCTAssertEqual(CautionOverrideRequest.maxReason, 500)
    }

    func test_the_confirmation_says_what_it_will_record() {
        let now = CautionOverrideRequest(intervention: .physicalProne, personName: "Sam", cautions: [asthma],
                                         action: .add(startedAt: start))
        XCTAssertTrue(now.confirmTitle.hasPrefix("Start "))
        XCTAssertTrue(now.explanation.contains("caution rules"), "one caution")
        let afterwards = CautionOverrideRequest(intervention: .physicalProne, personName: "Sam", cautions: [asthma],
                                                action: .add(startedAt: nil))
        XCTAssertTrue(afterwards.confirmTitle.hasPrefix("Record "))
        let change = CautionOverrideRequest(intervention: .physicalProne, personName: "Sam", cautions: [],
                                            action: .update(UseOfForce(id: "u1", intervention: .physicalProne)))
        XCTAssertEqual(change.confirmTitle, "Save with this reason")
        XCTAssertTrue(change.explanation.contains("safety alerts or contraindications"), "the core named cautions not on this device yet")
        XCTAssertEqual(change.cancelTitle, "Don't record it")
        XCTAssertNotEqual(now.id, afterwards.id, "each question is its own sheet")
    }

    // MARK: Monitoring and the 10-minute mark

    func test_the_monitoring_prompt_shows_from_the_first_second_of_any_physical_hold() {
        let standing = UseOfForce(id: "u1", intervention: .physicalStanding, startedAt: start)
        let board = ForceTimerBoard(entries: [standing], now: start, title: { $0.intervention.label })
        XCTAssertEqual(board.monitoringPrompt, RestraintWords.monitoring, "at 0:00, not at 10 minutes")
        XCTAssertEqual(board.running.map(\.id), ["u1"])
        XCTAssertTrue(RestraintWords.monitoring.contains("One person monitors airway, breathing and colour throughout"))
        XCTAssertTrue(RestraintWords.monitoring.contains("least restrictive position as soon as possible"))

        let ended = standing.ended(at: start + 60_000)
        XCTAssertNil(ForceTimerBoard(entries: [ended], now: start + 90_000, title: { _ in "" }).monitoringPrompt)
        let oral = UseOfForce(id: "u2", intervention: .chemicalOral, startedAt: start)
        let chemical = ForceTimerBoard(entries: [oral], now: start, title: { _ in "" })
        XCTAssertNil(chemical.monitoringPrompt, "not a physical hold")
        XCTAssertEqual(chemical.running.map(\.id), ["u2"], "its Stop still stays on screen")
        XCTAssertEqual(RestrictiveInterventionType.all.filter(\.isPhysicalHold).count, 8, "MHSDS 01-08")
    }

    func test_ten_minutes_prone_is_a_reporting_fact() {
        let prone = UseOfForce(id: "u1", intervention: .physicalProne, startedAt: start)
        let state = ForceTimerState(entry: prone, now: start + 10 * 60_000 + 1, title: "Prone")
        XCTAssertTrue(state.proneAlert)
        XCTAssertTrue(state.accessibilityDescription.hasSuffix("over 10 minutes prone: reported separately"))
        XCTAssertEqual(RestraintWords.proneReported, "Over 10 minutes prone: reported separately")
        XCTAssertTrue(proneHoldAlertText().body.contains("reported separately"), "the scheduled alert says what it is")
    }

    // MARK: The reason stays with the entry

    func test_every_copy_of_an_entry_keeps_the_reason_given() {
        let entry = UseOfForce(id: "u1", intervention: .physicalProne, startedAt: start,
                               contraindicationOverride: "Already on the floor")
        let copies = [
            entry.started(at: start + 1), entry.ended(at: start + 60_000), entry.with(.start, at: start - 1),
            entry.with(reason: .preventViolenceToOthers), entry.with(inCarePlan: false),
            entry.with(startedAt: nil, endedAt: nil),
        ]
        for copy in copies {
            XCTAssertEqual(copy.contraindicationOverride, "Already on the floor")
        }
        XCTAssertNil(entry.with(contraindicationOverride: nil).contraindicationOverride)
        XCTAssertEqual(UseOfForce(id: "u2", intervention: .physicalSeated).with(contraindicationOverride: "x")
            .contraindicationOverride, "x")
    }

    func test_the_submit_confirmation_lists_the_reason_given_against_the_cautions() {
        let entry = UseOfForce(id: "u1", intervention: .physicalProne, startedAt: start, endedAt: start + 60_000,
                               contraindicationOverride: "Already on the floor")
        let confirmation = SubmitConfirmation(
            incident: Fixtures.incident(useOfForce: [entry]), missing: [], mentalHealthUnit: false,
            dateTime: { _ in "when" }, clock: { _ in "14:05" }
        )
        XCTAssertTrue(confirmation.locked.contains("Against the person's cautions, because: Already on the floor"),
                      confirmation.locked.description)
    }
}
