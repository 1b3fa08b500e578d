// The session and models against the real core (the XCFramework), each test in its own
// temporary directory with a key held in memory. No server: these are the moments before
// enrolment, a key that no longer opens the store, sign-out, and the rule that no core call
// runs on the main thread.

import Foundation
import SteadyCore
import XCTest
@testable import SteadyKit

final class CoreSessionTests: XCTestCase {
    private var directory: URL!
    private var defaults: UserDefaults!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steady-tests-\(UUID().uuidString)", isDirectory: true)
        defaults = UserDefaults(suiteName: "steady-tests-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    @MainActor
    private func session(keys: DeviceKey) -> AppSession {
        AppSession(location: StoreLocation(directory: directory), keys: keys,
                   clock: ManualWallClock(start: Fixtures.now), defaults: defaults)
    }

    @MainActor
    func test_a_new_phone_opens_an_empty_store_and_asks_to_enrol() async throws {
        let app = session(keys: MemoryDeviceKey())
        await app.start()
        XCTAssertEqual(app.phase, .needsEnrolment)
        XCTAssertNotNil(app.core)
        XCTAssertTrue(StoreLocation(directory: directory).storeExists)
        let excluded = try directory.resourceValues(forKeys: [.isExcludedFromBackupKey]).isExcludedFromBackup
        XCTAssertEqual(excluded, true, "the store's directory is never backed up")
    }

    @MainActor
    func test_core_calls_never_run_on_the_main_thread() async throws {
        let app = session(keys: MemoryDeviceKey())
        await app.start()
        let core = try XCTUnwrap(app.core)
        let onMain = try await core.call { store -> Bool in
            _ = try store.syncStatus()
            return Thread.isMainThread
        }
        XCTAssertFalse(onMain)
    }

    @MainActor
    func test_a_reset_keychain_entry_offers_a_reset_and_never_reads_garbage() async throws {
        let keys = MemoryDeviceKey()
        var first: AppSession? = session(keys: keys)
        await first?.start()
        XCTAssertEqual(first?.phase, .needsEnrolment)
        first = nil

        try keys.replaceKey()
        let second = session(keys: keys)
        await second.start()
        guard case let .failed(problem) = second.phase else {
            return XCTFail("expected a failed phase, got \(second.phase)")
        }
        XCTAssertEqual(problem.action, .resetStore)

        await second.resetAfterWrongKey()
        XCTAssertEqual(second.phase, .needsEnrolment, "a fresh store, ready to enrol again")
    }

    @MainActor
    func test_sign_out_deletes_the_store_and_its_key() async throws {
        let keys = MemoryDeviceKey()
        let app = session(keys: keys)
        await app.start()
        let before = try keys.databaseKey()
        let firstCore = try XCTUnwrap(app.core)
        let firstDevice = try await firstCore.call { try $0.deviceId() }

        await app.signOut()
        XCTAssertEqual(app.phase, .needsEnrolment)
        XCTAssertNotEqual(try keys.databaseKey(), before, "the old key is gone")
        let secondCore = try XCTUnwrap(app.core)
        let secondDevice = try await secondCore.call { try $0.deviceId() }
        XCTAssertNotEqual(firstDevice, secondDevice, "a new, empty store")
    }

    @MainActor
    func test_capture_without_a_grant_is_refused_with_a_reason_not_lost_silently() async throws {
        let app = session(keys: MemoryDeviceKey())
        await app.start()
        let capture = CaptureModel(session: app)
        capture.draft.unitId = "nowhere"
        capture.draft.note = "Test note"
        let id = await capture.save()
        XCTAssertNil(id)
        XCTAssertEqual(capture.problem?.action, ProblemAction.none)
    }

    @MainActor
    func test_enrolment_problems_land_next_to_their_field() async throws {
        let app = session(keys: MemoryDeviceKey())
        await app.start()
        let enrol = EnrolModel(session: app)

        // The form's own check: nothing typed.
        let enrolledEmpty = await enrol.enrol()
        XCTAssertFalse(enrolledEmpty)
        XCTAssertNotNil(enrol.fieldErrors[.serverUrl])
        XCTAssertNotNil(enrol.fieldErrors[.enrolmentCode])

        // The core's check: plain http to another machine is refused before anything is sent.
        enrol.form = EnrolmentForm(server: "http://sync.example.org", code: "K7Q2MX-ABCDEFGHJKMNPQRSTVWX",
                                   staffName: "Alex Morgan", jobTitle: "Support worker")
        let enrolledHttp = await enrol.enrol()
        XCTAssertFalse(enrolledHttp)
        XCTAssertNotNil(enrol.fieldErrors[.serverUrl])
        XCTAssertEqual(app.phase, .needsEnrolment)
    }

    @MainActor
    func test_a_scanned_code_fills_the_form() async {
        let app = session(keys: MemoryDeviceKey())
        let enrol = EnrolModel(session: app)
        enrol.scanned("steady://enrol?server=https://s.example&code=AB-CD")
        XCTAssertFalse(enrol.scanRejected)
        XCTAssertEqual(enrol.form.server, "https://s.example")
        enrol.scanned("hello")
        XCTAssertTrue(enrol.scanRejected)
        XCTAssertEqual(enrol.form.code, "AB-CD")
    }
}
