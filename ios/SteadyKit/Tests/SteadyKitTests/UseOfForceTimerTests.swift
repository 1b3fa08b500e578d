// The use-of-force timers and the prone-hold rule, on a hand-moved clock: the boundary is the
// core's (`prone_over_ten_minutes`: strictly more than 10 minutes).

import SteadyCore
import XCTest
@testable import SteadyKit

final class UseOfForceTimerTests: XCTestCase {
    private let start: Timestamp = 1_795_424_400_000

    private func hold(_ type: RestrictiveInterventionType, id: String = "u1", ended: Timestamp? = nil) -> UseOfForce {
        UseOfForce(id: id, intervention: type, startedAt: start, endedAt: ended)
    }

    func test_a_prone_hold_alerts_only_after_ten_minutes() {
        let clock = ManualWallClock(start: start)
        let prone = hold(.physicalProne)
        clock.advance(seconds: 9 * 60 + 59)
        XCTAssertFalse(prone.proneOverTenMinutes(now: clock.now()))
        clock.advance(seconds: 1)
        XCTAssertFalse(prone.proneOverTenMinutes(now: clock.now()), "exactly 10:00 is not over 10 minutes")
        clock.advance(seconds: 1)
        XCTAssertTrue(prone.proneOverTenMinutes(now: clock.now()))
    }

    func test_other_holds_never_raise_the_prone_alert() {
        let now = start + 60 * 60_000
        for type in RestrictiveInterventionType.all where type != .physicalProne {
            XCTAssertFalse(hold(type).proneOverTenMinutes(now: now), type.code)
        }
    }

    func test_an_ended_hold_is_judged_on_its_own_length() {
        let short = hold(.physicalProne, ended: start + 5 * 60_000)
        XCTAssertFalse(short.proneOverTenMinutes(now: start + 60 * 60_000))
        let long = hold(.physicalProne, ended: start + 11 * 60_000)
        XCTAssertTrue(long.proneOverTenMinutes(now: start + 11 * 60_000))
        XCTAssertFalse(long.isRunning)
        XCTAssertNil(long.proneAlertAt, "an ended hold needs no notification")
    }

    func test_a_hold_not_started_has_no_timer() {
        let entry = UseOfForce(intervention: .physicalProne)
        XCTAssertNil(entry.elapsedMs(now: start))
        XCTAssertFalse(entry.proneOverTenMinutes(now: start + 3_600_000))
        XCTAssertEqual(ForceTimerState(entry: entry, now: start, title: "Prone").elapsed, "Not started")
    }

    func test_the_notification_is_scheduled_for_the_first_moment_past_the_limit() {
        let prone = hold(.physicalProne)
        XCTAssertEqual(prone.proneAlertAt, start + 10 * 60_000 + 1)
        XCTAssertTrue(prone.proneOverTenMinutes(now: prone.proneAlertAt!))
        XCTAssertFalse(prone.proneOverTenMinutes(now: prone.proneAlertAt! - 1))
    }

    func test_the_board_shows_every_timer_and_alerts_once_per_hold() {
        let clock = ManualWallClock(start: start)
        let entries = [hold(.physicalProne, id: "prone"), hold(.physicalStanding, id: "standing")]
        var ledger = ProneAlertLedger()

        clock.advance(seconds: 65)
        var board = ForceTimerBoard(entries: entries, now: clock.now(), title: { $0.intervention == .physicalProne ? "Prone" : "Standing" })
        XCTAssertEqual(board.timers.map(\.elapsed), ["1:05", "1:05"])
        XCTAssertFalse(board.hasProneAlert)
        XCTAssertEqual(board.nextAlertAt, start + 600_001)
        XCTAssertTrue(ledger.newAlerts(on: board).isEmpty)

        clock.advance(seconds: 9 * 60)
        board = ForceTimerBoard(entries: entries, now: clock.now(), title: { _ in "" })
        XCTAssertEqual(board.proneAlerts, ["prone"])
        XCTAssertNil(board.nextAlertAt)
        XCTAssertEqual(ledger.newAlerts(on: board), ["prone"])

        clock.advance(seconds: 1)
        board = ForceTimerBoard(entries: entries, now: clock.now(), title: { _ in "" })
        XCTAssertTrue(ledger.newAlerts(on: board).isEmpty, "the in-app alert shows once per hold")
    }

    func test_started_and_ended_copies_keep_everything_else() {
        let entry = UseOfForce(
            id: "u9", intervention: .physicalSupine, reason: .preventViolenceToOthers,
            inCarePlan: true, howForceWasUsed: "two staff", staff: [StaffMember(name: "A", jobTitle: "HCA")]
        )
        let running = entry.started(at: start)
        XCTAssertTrue(running.isRunning)
        let ended = running.ended(at: start + 90_000)
        XCTAssertEqual(ended.elapsedMs(now: start + 999_999), 90_000)
        XCTAssertEqual(ended.reason, .preventViolenceToOthers)
        XCTAssertEqual(ended.inCarePlan, true)
        XCTAssertEqual(ended.howForceWasUsed, "two staff")
        XCTAssertEqual(ended.staff.count, 1)
        XCTAssertEqual(ended.id, "u9")
    }

    func test_durations_read_as_minutes_and_seconds_or_hours() {
        XCTAssertEqual(ForceTimerState.format(ms: 0), "0:00")
        XCTAssertEqual(ForceTimerState.format(ms: 59_999), "0:59")
        XCTAssertEqual(ForceTimerState.format(ms: 600_000), "10:00")
        XCTAssertEqual(ForceTimerState.format(ms: 3_723_000), "1:02:03")
    }
}
