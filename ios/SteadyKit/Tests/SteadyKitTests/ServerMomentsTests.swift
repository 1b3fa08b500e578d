// DESIGN.md §1's moments through the app's models, the real core and a real steady-server.
// Needs a server and a fresh enrolment code, because a code enrols one device once:
//
//   cargo run --release -p steady-server -- demo        (prints a code; serves 127.0.0.1:8440)
//   STEADY_TEST_SERVER_URL=http://127.0.0.1:8440 STEADY_TEST_ENROL_CODE=<code> swift test
//
// Skipped (not passed) when those are not set.

import Foundation
import SteadyCore
import XCTest
@testable import SteadyKit

/// Records what the incident screen asks the notification centre to do.
final class RecordingProneAlerts: ProneAlertScheduling, @unchecked Sendable {
    private let lock = NSLock()
    private var scheduled: [String: Timestamp] = [:]

    func schedule(entryId: String, at: Timestamp) async {
        lock.withLock { scheduled[entryId] = at }
    }

    func cancel(entryId: String) async {
        _ = lock.withLock { scheduled.removeValue(forKey: entryId) }
    }

    var pending: [String: Timestamp] { lock.withLock { scheduled } }
}

final class ServerMomentsTests: XCTestCase {
    @MainActor
    func test_the_three_moments_against_a_real_server() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let server = environment["STEADY_TEST_SERVER_URL"], let code = environment["STEADY_TEST_ENROL_CODE"] else {
            throw XCTSkip("set STEADY_TEST_SERVER_URL and STEADY_TEST_ENROL_CODE (steady-server demo prints both)")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steady-moments-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualWallClock(start: SystemWallClock().now())
        let session = AppSession(location: StoreLocation(directory: directory), keys: MemoryDeviceKey(),
                                 clock: clock, defaults: UserDefaults(suiteName: UUID().uuidString)!)
        await session.start()
        XCTAssertEqual(session.phase, .needsEnrolment)

        // Bank staff before a first shift: enrol, and the unit's people arrive with the first sync.
        let enrol = EnrolModel(session: session)
        enrol.form = EnrolmentForm(server: server, code: code, staffName: "Alex Morgan", jobTitle: "Support worker")
        let enrolled = await enrol.enrol()
        XCTAssertTrue(enrolled, "\(enrol.fieldErrors) \(String(describing: enrol.problem))")
        XCTAssertEqual(session.phase, .ready)
        XCTAssertFalse(session.units.isEmpty)

        // Care worker on shift: the people list, then a person's amber card, alerts first.
        let people = PeopleModel(session: session)
        await people.load()
        let first = try XCTUnwrap(people.all.first, "the demo unit has people")
        people.search(String(first.name.prefix(3)))
        XCTAssertTrue(people.shown.contains { $0.id == first.id }, "instant offline search finds them")
        let person = PersonModel(session: session, personId: first.id)
        await person.load()
        let card = try XCTUnwrap(person.card)
        XCTAssertEqual(card.safetyAlerts.map(\.text), first.safetyAlerts)
        XCTAssertEqual(person.sections.count, 7)

        // An editor in the care home: safety alerts and the person's details, each saved at once.
        let core = try XCTUnwrap(session.core)
        let editorUnit = try XCTUnwrap(session.units.first { $0.active && $0.grant.role.canEditSheets },
                                       "the demo code makes this device an editor in one unit")
        let editorUnitId = editorUnit.grant.unitId
        let editorPeople = try await core.call { try $0.people(unitId: editorUnitId) }
        let someone = try XCTUnwrap(editorPeople.first)
        let editing = PersonModel(session: session, personId: someone.id)
        await editing.load()
        XCTAssertTrue(editing.canEdit)
        let alertText = "Test alert: walks with a frame"
        let added = await editing.addSafetyAlert(alertText)
        XCTAssertEqual(added, .saved, String(describing: editing.problem))
        let alert = try XCTUnwrap(editing.card?.safetyAlerts.first { $0.text == alertText })
        let emptyAlert = await editing.addSafetyAlert("  ")
        XCTAssertEqual(emptyAlert, .invalid)
        XCTAssertNotNil(editing.fieldErrors[PersonField.safetyAlert])
        let removed = await editing.removeSafetyAlert(alert.id)
        XCTAssertEqual(removed, .saved)
        XCTAssertFalse(editing.card?.safetyAlerts.contains { $0.id == alert.id } ?? true)

        let original = try XCTUnwrap(editing.person)
        var details = try XCTUnwrap(editing.detailsForm)
        details.preferredName = "Test preferred"
        let renamed = await editing.updateDetails(details)
        XCTAssertEqual(renamed, .saved)
        XCTAssertEqual(editing.person?.preferredName, "Test preferred")
        XCTAssertEqual(editing.person?.displayName, original.displayName)
        details = try XCTUnwrap(editing.detailsForm)
        details.displayName = ""
        let unnamed = await editing.updateDetails(details)
        XCTAssertEqual(unnamed, .invalid)
        XCTAssertNotNil(editing.fieldErrors[PersonField.displayName])
        XCTAssertEqual(editing.person?.displayName, original.displayName, "nothing was saved")
        details = PersonDetailsForm(original)
        let restored = await editing.updateDetails(details)
        XCTAssertEqual(restored, .saved)
        XCTAssertEqual(editing.person?.preferredName, original.preferredName)

        // A reader on the ward: no edit controls, and the core refuses a write anyway.
        if let readerUnit = session.units.first(where: { $0.active && !$0.grant.role.canEditSheets }) {
            let readerUnitId = readerUnit.grant.unitId
            let readerPeople = try await core.call { try $0.people(unitId: readerUnitId) }
            let patient = try XCTUnwrap(readerPeople.first)
            let reading = PersonModel(session: session, personId: patient.id)
            await reading.load()
            XCTAssertNotNil(reading.sheet)
            XCTAssertFalse(reading.canEdit)
            let refused = await reading.addSafetyAlert(alertText)
            XCTAssertEqual(refused, .failed)
            XCTAssertEqual(reading.problem?.action, ProblemAction.none)
            XCTAssertEqual(reading.card?.safetyAlerts.map(\.text), patient.safetyAlerts)
        }

        // HEMS crew with no signal: three taps, a durable draft, then a sync.
        let capture = CaptureModel(session: session)
        capture.toggle(.nearMiss)
        let saved = await capture.save()
        let incidentId = try XCTUnwrap(saved)
        let incidents = IncidentsModel(session: session)
        await incidents.load()
        XCTAssertEqual(incidents.rows.first { $0.id == incidentId }?.state, .draft)

        // Completion: a prone hold whose timer passes 10 minutes raises the alert once.
        let alerts = RecordingProneAlerts()
        let incident = IncidentModel(session: session, incidentId: incidentId, alerts: alerts)
        await incident.load()

        // When it happened: earlier is saved at once, later than now is refused.
        let earlier = clock.now() - 5 * 60_000
        let moved = await incident.changeOccurredAt(earlier)
        XCTAssertEqual(moved, .saved, String(describing: incident.problem))
        XCTAssertEqual(incident.incident?.occurredAt, earlier)
        XCTAssertEqual(incident.form?.occurredAt, earlier)
        XCTAssertFalse(incident.hasUnsavedChanges, "the form does not send it again")
        let future = await incident.changeOccurredAt(clock.now() + 60_000)
        XCTAssertEqual(future, .invalid)
        XCTAssertEqual(incident.incident?.occurredAt, earlier)

        await incident.addUseOfForce(.physicalProne)
        let entry = try XCTUnwrap(incident.incident?.useOfForce.first)
        XCTAssertEqual(alerts.pending[entry.id], clock.now() + 10 * 60_000 + 1)
        clock.advance(seconds: 600)
        incident.tick()
        XCTAssertFalse(incident.showingProneAlert)
        clock.advance(seconds: 1)
        incident.tick()
        XCTAssertTrue(incident.showingProneAlert)
        incident.showingProneAlert = false
        clock.advance(seconds: 1)
        incident.tick()
        XCTAssertFalse(incident.showingProneAlert, "once per hold")
        let running = try XCTUnwrap(incident.incident?.useOfForce.first)
        await incident.stop(running)
        XCTAssertNil(alerts.pending[entry.id], "the notification is cancelled when the hold ends")
        XCTAssertFalse(incident.missing.isEmpty, "s.6(5) items are listed before submission")

        let sync = SyncModel(session: session)
        let synced = await sync.syncNow()
        XCTAssertTrue(synced, String(describing: sync.problem))
        XCTAssertEqual(sync.rawStatus?.pending, 0)
    }
}
