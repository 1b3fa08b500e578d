// The enrol screen's model: the form (typed or filled from a scanned QR code), then the staff
// member, the enrolment and a first sync — so the unit's people and guidance are on the phone
// before the shift starts (DESIGN.md §1, bank and agency staff).

import Foundation
import Observation
import SteadyCore

/// State and actions of the enrol screen.
@MainActor
@Observable
public final class EnrolModel {
    /// The form as filled in.
    public var form = EnrolmentForm()
    /// Messages by field (the form's own checks, then the core's `Validation` answers).
    public private(set) var fieldErrors: [Field: String] = [:]
    /// A problem that belongs to no field (network, storage).
    public private(set) var problem: UserProblem?
    /// Enrolling now.
    public private(set) var busy = false
    /// The scanned text was not an enrolment code.
    public private(set) var scanRejected = false

    private let session: AppSession

    /// The model for `session`.
    public init(session: AppSession) {
        self.session = session
    }

    /// Takes a scanned QR code or a tapped `steady://enrol` link.
    public func scanned(_ text: String) {
        scanRejected = !form.apply(scanned: text)
        if !scanRejected {
            fieldErrors[EnrolmentField.server] = nil
            fieldErrors[EnrolmentField.code] = nil
        }
    }

    /// Sets the staff member, enrols, then syncs once. Returns whether the device is enrolled.
    @discardableResult
    public func enrol() async -> Bool {
        fieldErrors = form.problems
        problem = nil
        guard fieldErrors.isEmpty, let core = session.core else { return false }
        busy = true
        defer { busy = false }
        let form = self.form
        let staff = StaffMember(
            name: form.staffName.trimmingCharacters(in: .whitespacesAndNewlines),
            jobTitle: form.jobTitle.trimmingCharacters(in: .whitespacesAndNewlines)
        )
        let server = form.server.trimmingCharacters(in: .whitespacesAndNewlines)
        let code = form.code.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            try await core.call { try $0.setStaffMember(staff: staff) }
            let grants = try await core.call { try $0.enroll(serverUrl: server, code: code) }
            Log.sync.info("enrolled with \(grants.count, privacy: .public) grants")
        } catch {
            let found = UserProblem(error)
            if let field = found.field {
                fieldErrors[field] = found.message
            } else {
                problem = found
            }
            return false
        }
        do {
            _ = try await core.call { try $0.sync(observer: nil) }
        } catch {
            // Enrolled; the first sync can wait for signal. Say so, then carry on.
            problem = UserProblem(error)
        }
        await session.refresh()
        return true
    }
}
