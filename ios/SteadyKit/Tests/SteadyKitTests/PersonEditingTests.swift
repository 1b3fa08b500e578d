// Editing on the person and incident screens: the details form sends only what changed, and
// against the real core in a temporary directory (a key in memory, no server) the core's
// answers land where the screen shows them — a refused field next to that field, anything
// else as a problem — with a time in the future refused before the core is asked. The same
// edits by an editor and a reader, end to end, are in ServerMomentsTests (they need a grant).

import Foundation
import SteadyCore
import XCTest
@testable import SteadyKit

final class PersonDetailsFormTests: XCTestCase {
    private let person = Person(
        id: "p1", unitId: "home", displayName: "Samuel Brightwell", preferredName: "Sam",
        localIdentifier: nil, safetyAlerts: []
    )

    func test_an_untouched_form_sends_nothing() {
        XCTAssertNil(PersonDetailsForm(person).change(from: person))
    }

    func test_only_the_changed_name_is_sent_trimmed() throws {
        var form = PersonDetailsForm(person)
        form.displayName = "  Samuel J. Brightwell "
        let change = try XCTUnwrap(form.change(from: person))
        XCTAssertEqual(change.displayName, "Samuel J. Brightwell")
        XCTAssertNil(change.preferredName, "left as it is, so another device's change stands")
        XCTAssertNil(change.localIdentifier)
    }

    func test_spaces_around_an_unchanged_name_are_not_a_change() {
        var form = PersonDetailsForm(person)
        form.preferredName = " Sam "
        XCTAssertNil(form.change(from: person))
    }

    func test_a_cleared_optional_field_is_sent_empty_so_the_core_clears_it() throws {
        var form = PersonDetailsForm(person)
        form.preferredName = ""
        form.localIdentifier = "Room 4"
        let change = try XCTUnwrap(form.change(from: person))
        XCTAssertEqual(change.preferredName, "")
        XCTAssertEqual(change.localIdentifier, "Room 4")
        XCTAssertNil(change.displayName)
    }

    func test_an_emptied_name_is_still_sent_so_the_core_can_refuse_it() throws {
        var form = PersonDetailsForm(person)
        form.displayName = "   "
        XCTAssertEqual(try XCTUnwrap(form.change(from: person)).displayName, "")
    }
}

final class PersonEditingTests: XCTestCase {
    private var directory: URL!
    private var defaults: UserDefaults!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steady-edit-tests-\(UUID().uuidString)", isDirectory: true)
        defaults = UserDefaults(suiteName: "steady-edit-tests-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    @MainActor
    private func startedSession() async throws -> AppSession {
        let session = AppSession(location: StoreLocation(directory: directory), keys: MemoryDeviceKey(),
                                 clock: ManualWallClock(start: SystemWallClock().now()), defaults: defaults)
        await session.start()
        XCTAssertNotNil(session.core)
        return session
    }

    @MainActor
    func test_an_empty_recorded_name_is_refused_next_to_its_field() async throws {
        let session = try await startedSession()
        let model = PersonModel(session: session, personId: "unknown")
        let result = await model.save(PersonDetailsChange(displayName: "", preferredName: nil, localIdentifier: nil))
        XCTAssertEqual(result, .invalid)
        let message = try XCTUnwrap(model.fieldErrors[PersonField.displayName])
        XCTAssertTrue(message.hasPrefix("Display name"), message)
        XCTAssertNil(model.problem, "a field problem is not an alert")
    }

    @MainActor
    func test_an_over_long_identifier_is_refused_next_to_its_field() async throws {
        let session = try await startedSession()
        let model = PersonModel(session: session, personId: "unknown")
        let long = String(repeating: "7", count: 41)
        let result = await model.save(PersonDetailsChange(displayName: nil, preferredName: nil, localIdentifier: long))
        XCTAssertEqual(result, .invalid)
        XCTAssertNotNil(model.fieldErrors[PersonField.localIdentifier])
        XCTAssertNil(model.fieldErrors[PersonField.displayName])
    }

    @MainActor
    func test_a_valid_change_for_a_person_not_on_the_device_is_a_problem_not_a_field() async throws {
        let session = try await startedSession()
        let model = PersonModel(session: session, personId: "unknown")
        let result = await model.save(PersonDetailsChange(displayName: "Samuel Brightwell", preferredName: nil,
                                                          localIdentifier: nil))
        XCTAssertEqual(result, .failed)
        XCTAssertTrue(model.fieldErrors.isEmpty)
        XCTAssertEqual(model.problem?.action, .goBack)
    }

    @MainActor
    func test_an_empty_safety_alert_is_refused_next_to_its_field() async throws {
        let session = try await startedSession()
        let model = PersonModel(session: session, personId: "unknown")
        let result = await model.addSafetyAlert("   ")
        XCTAssertEqual(result, .invalid)
        XCTAssertNotNil(model.fieldErrors[PersonField.safetyAlert])
        XCTAssertNil(model.problem)

        // A new attempt starts clean: the old message does not linger.
        let second = await model.addSafetyAlert("Choking risk: soft diet only")
        XCTAssertEqual(second, .failed, "no such person on this device")
        XCTAssertTrue(model.fieldErrors.isEmpty)
        XCTAssertEqual(model.problem?.action, .goBack)
    }

    @MainActor
    func test_removing_an_alert_of_a_person_not_on_the_device_is_a_problem() async throws {
        let session = try await startedSession()
        let model = PersonModel(session: session, personId: "unknown")
        let result = await model.removeSafetyAlert("alert-1")
        XCTAssertEqual(result, .failed)
        XCTAssertEqual(model.problem?.action, .goBack)
    }

    @MainActor
    func test_without_a_grant_nothing_is_editable() async throws {
        let session = try await startedSession()
        let model = PersonModel(session: session, personId: "unknown")
        await model.load()
        XCTAssertFalse(model.canEdit)
        XCTAssertNil(model.detailsForm)
    }

    @MainActor
    func test_a_time_in_the_future_is_refused_without_asking_the_core() async throws {
        let session = try await startedSession()
        let model = IncidentModel(session: session, incidentId: "unknown", alerts: NoAlerts())
        let result = await model.changeOccurredAt(session.clock.now() + 60_000)
        XCTAssertEqual(result, .invalid)
        XCTAssertNotNil(model.fieldErrors[IncidentModel.occurredAtField])
        // Had the core been asked, the unknown incident would have come back as a problem.
        XCTAssertNil(model.problem)
    }

    @MainActor
    func test_a_past_time_goes_to_the_core() async throws {
        let session = try await startedSession()
        let model = IncidentModel(session: session, incidentId: "unknown", alerts: NoAlerts())
        let result = await model.changeOccurredAt(session.clock.now() - 15 * 60_000)
        XCTAssertEqual(result, .failed)
        XCTAssertTrue(model.fieldErrors.isEmpty)
        XCTAssertEqual(model.problem?.action, .goBack, "the core was asked and knows no such incident")
    }
}

/// Prone-alert scheduling that does nothing (no use of force in these tests).
private struct NoAlerts: ProneAlertScheduling {
    func schedule(entryId: String, at: Timestamp) async {}
    func cancel(entryId: String) async {}
}
