// Quick capture is saved from the first tap (issue 14): the capture the first tap makes is
// valid with nothing else tapped, later taps update the same draft, the open capture (id, unit,
// first tap's time; no words) survives a relaunch so the same draft carries on with the same
// time, and Cancel on a started capture asks. The core is real; with no server there is no
// grant here, so the capture itself is proved on Android's JVM suite against the same library.

import Foundation
import SteadyCore
import XCTest
@testable import SteadyKit

final class CaptureDraftTests: XCTestCase {
    private var directory: URL!
    private var defaults: UserDefaults!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steady-capture-\(UUID().uuidString)", isDirectory: true)
        defaults = UserDefaults(suiteName: "steady-capture-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    @MainActor
    private func session(clock: ManualWallClock = ManualWallClock(start: Fixtures.now)) -> AppSession {
        AppSession(location: StoreLocation(directory: directory), keys: MemoryDeviceKey(),
                   clock: clock, defaults: defaults)
    }

    func test_the_first_tap_alone_makes_a_valid_capture_with_a_plain_placeholder_note() throws {
        let draft = CaptureDraft(unitId: "hems", now: Fixtures.now)
        let capture = try XCTUnwrap(draft.capture, "nothing tapped but the button: still a capture")
        XCTAssertEqual(capture.note, quickCapturePlaceholderNote)
        XCTAssertEqual(capture.note, "Quick capture — details to follow", "the same words as Android")
        XCTAssertEqual(capture.occurredAt, Fixtures.now)
        XCTAssertEqual(capture.tags, [])
    }

    func test_later_taps_become_an_update_of_the_same_draft_keeping_the_first_taps_time() {
        var draft = CaptureDraft(unitId: "hems", personId: nil, now: Fixtures.now)
        draft.tags = [.nearMiss]
        draft.unidentifiedPerson = " man ~40, roadside "
        let details = draft.details
        XCTAssertEqual(details.tags, [.nearMiss])
        XCTAssertEqual(details.note, IncidentTag.nearMiss.label)
        XCTAssertEqual(details.unidentifiedPerson, "man ~40, roadside")
        XCTAssertEqual(details.occurredAt, Fixtures.now, "the time stays the first tap's")
        draft.note = "Fell from ladder"
        XCTAssertEqual(draft.details.note, "Fell from ladder")
    }

    func test_the_open_capture_round_trips_and_holds_no_words() throws {
        let store = OpenCaptureStore(defaults: defaults)
        XCTAssertNil(store.load())
        let open = OpenCapture(incidentId: "i1", unitId: "hems", occurredAt: Fixtures.now)
        store.save(open)
        XCTAssertEqual(store.load(), open)
        let raw = try XCTUnwrap(defaults.data(forKey: "steady.openCapture"))
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: raw) as? [String: Any]).keys.sorted()
        XCTAssertEqual(keys, ["incidentId", "occurredAt", "unitId"], "ids and a time only: UserDefaults is not encrypted")
        store.clear()
        XCTAssertNil(store.load())
    }

    @MainActor
    func test_after_a_relaunch_the_model_continues_the_open_draft_with_the_first_taps_time() async {
        let store = OpenCaptureStore(defaults: defaults)
        store.save(OpenCapture(incidentId: "i1", unitId: "hems", occurredAt: Fixtures.now))
        // Half an hour later, iOS having ended the app meanwhile.
        let app = session(clock: ManualWallClock(start: Fixtures.now + 30 * 60_000))
        let model = CaptureModel(session: app, openCaptures: store)
        XCTAssertEqual(model.savedId, "i1", "the same draft, not a second one")
        XCTAssertEqual(model.draft.occurredAt, Fixtures.now, "and the first tap's time, not a new one")
        XCTAssertEqual(model.draft.unitId, "hems")
        XCTAssertTrue(CaptureModel.hasOpenCapture(in: store), "the app reopens the sheet for it")
    }

    @MainActor
    func test_a_new_capture_is_kept_open_from_the_first_tap_and_a_refused_one_is_not_dropped() async {
        let store = OpenCaptureStore(defaults: defaults)
        let app = session()
        await app.start()
        let model = CaptureModel(session: app, openCaptures: store)
        XCTAssertNil(store.load(), "building the model leaves no trace: SwiftUI may build spares")
        model.draft.unitId = "nowhere"
        await model.start()
        XCTAssertEqual(store.load()?.occurredAt, Fixtures.now, "the first tap's time is kept at once")
        // No grant on this phone: the core refuses with a reason, and nothing is let go.
        let id = await model.save()
        XCTAssertNil(id)
        XCTAssertNotNil(model.problem)
        XCTAssertNotNil(store.load(), "a refused capture stays open, not lost")
        XCTAssertFalse(model.done)
    }

    func test_cancel_asks_on_a_started_capture_and_only_then() {
        let fresh = CaptureDraft(unitId: nil, now: Fixtures.now)
        XCTAssertEqual(CaptureModel.leaveDecision(savedId: nil, draft: fresh, done: false), .close,
                       "nothing exists and nothing was tapped")
        XCTAssertEqual(CaptureModel.leaveDecision(savedId: "i1", draft: fresh, done: false), .ask,
                       "a draft exists from the first tap: ask")
        var tapped = fresh
        tapped.tags = [.nearMiss]
        XCTAssertEqual(CaptureModel.leaveDecision(savedId: nil, draft: tapped, done: false), .ask,
                       "something tapped before the unit was chosen: ask")
        XCTAssertEqual(CaptureModel.leaveDecision(savedId: "i1", draft: tapped, done: true), .close,
                       "after Save the user already said it is done")
    }
}
