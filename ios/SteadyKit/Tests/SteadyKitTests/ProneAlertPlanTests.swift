// The prone-hold notification's plan and the permission's timing, on fixed times: what is
// scheduled (at the core's moment, with the core's words), what is cancelled, and that the
// permission is asked at enrolment or on the incident screen, never while a hold runs.

import SteadyCore
import XCTest
@testable import SteadyKit

final class ProneAlertPlanTests: XCTestCase {
    private let start: Timestamp = 1_795_424_400_000

    private func hold(_ type: RestrictiveInterventionType, id: String = "u1", ended: Timestamp? = nil) -> UseOfForce {
        UseOfForce(id: id, intervention: type, startedAt: start, endedAt: ended)
    }

    func test_a_running_prone_hold_schedules_one_alert_at_the_cores_time_with_the_cores_words() {
        let prone = hold(.physicalProne)
        let plan = ProneAlertPlan.plan(entries: [prone], now: start)
        XCTAssertEqual(plan.schedule.count, 1)
        let request = plan.schedule[0]
        XCTAssertEqual(request.at, proneHoldAlertAt(entry: prone))
        XCTAssertEqual(request.at, start + 10 * 60_000 + 1, "the first moment over 10 minutes")
        XCTAssertEqual(request.title, proneHoldAlertText().title)
        XCTAssertEqual(request.body, proneHoldAlertText().body)
        XCTAssertTrue(request.body.contains("airway and breathing"))
        XCTAssertEqual(request.identifier, "app.steady.prone.u1")
        XCTAssertEqual(request.delaySeconds(now: start), 600.001, accuracy: 0.0001)
        XCTAssertTrue(plan.cancel.isEmpty)
    }

    func test_ending_or_removing_the_hold_cancels_its_alert() {
        let ended = hold(.physicalProne, ended: start + 4 * 60_000)
        let plan = ProneAlertPlan.plan(entries: [ended], now: start + 4 * 60_000, removed: ["u2"])
        XCTAssertTrue(plan.schedule.isEmpty)
        XCTAssertEqual(plan.cancel, ["u2", "u1"])
    }

    func test_a_seated_hold_schedules_nothing() {
        let plan = ProneAlertPlan.plan(entries: [hold(.physicalSeated)], now: start)
        XCTAssertTrue(plan.schedule.isEmpty)
    }

    func test_a_hold_already_past_its_moment_is_not_scheduled_again() {
        let plan = ProneAlertPlan.plan(entries: [hold(.physicalProne)], now: start + 11 * 60_000)
        XCTAssertTrue(plan.schedule.isEmpty)
        XCTAssertTrue(plan.cancel.isEmpty, "its notification has fired; leave it showing")
    }

    func test_permission_is_asked_at_enrolment_or_on_the_incident_screen_never_during_a_hold() {
        XCTAssertTrue(shouldAskForNotifications(at: .enrolled, entries: [], undetermined: true))
        XCTAssertTrue(shouldAskForNotifications(at: .incidentScreen, entries: [], undetermined: true))
        XCTAssertTrue(shouldAskForNotifications(
            at: .incidentScreen, entries: [hold(.physicalProne, ended: start + 60_000)], undetermined: true
        ))
        XCTAssertFalse(shouldAskForNotifications(at: .incidentScreen, entries: [hold(.physicalProne)], undetermined: true))
        XCTAssertFalse(shouldAskForNotifications(at: .incidentScreen, entries: [hold(.physicalSeated)], undetermined: true))
        XCTAssertFalse(shouldAskForNotifications(at: .enrolled, entries: [], undetermined: false), "asked once")
    }

    func test_the_incident_model_asks_through_the_scheduler_only_when_due() async {
        let recorder = AskRecorder(undetermined: true)
        await recorder.askForNotificationsIfDue(at: .incidentScreen, entries: [hold(.physicalProne)])
        XCTAssertEqual(recorder.asks, 0, "never during a running hold")
        await recorder.askForNotificationsIfDue(at: .incidentScreen, entries: [])
        XCTAssertEqual(recorder.asks, 1)
    }
}

/// Counts permission requests.
private final class AskRecorder: ProneAlertScheduling, @unchecked Sendable {
    let undetermined: Bool
    private(set) var asks = 0

    init(undetermined: Bool) { self.undetermined = undetermined }

    func schedule(entryId: String, at: Timestamp) async {}
    func cancel(entryId: String) async {}
    func notificationsUndetermined() async -> Bool { undetermined }
    func requestNotificationPermission() async { asks += 1 }
}
