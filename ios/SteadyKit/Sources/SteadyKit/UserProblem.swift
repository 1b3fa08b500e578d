// What the app does about an error from the core: one `UserProblem` per `SteadyError` case,
// the input a validation is about typed by the core (`Field`), a refusal by its rule (`Refusal`),
// following the table in bindings/README.md ("what the app does"). The words come from the
// core's error (which never carries the personal data being saved); the reaction is chosen here
// because it is the app's — go to enrolment, offer an addendum, reset, wait for unlock.

import Foundation
import SteadyCore

/// What the app should do next about a problem.
public enum ProblemAction: Equatable, Sendable {
    /// Show the message next to this input (the core names it; no field names restated here).
    case fixField(Field)
    /// A use of force cannot be submitted yet: take the user to each missing s.6(5) item.
    case completeUseOfForce([S65Item])
    /// The person's own cautions (these ids, from `restraintProfile`) rule the intervention
    /// out: show them and ask for the reason for going ahead before recording it.
    case confirmAgainstCautions([String])
    /// The incident is submitted: offer an addendum instead.
    case offerAddendum
    /// The record is gone from the device: go back.
    case goBack
    /// Nothing to do but read it (no grant, role too low, not the author).
    case none
    /// The placement in this unit has ended: say what happens to its data; offer the next
    /// placement's code.
    case placementEnded
    /// The store is from a newer Steady: update the app. Never offer a reset (the data is intact).
    case updateApp
    /// Enrol (again) with a code from a lead.
    case enrol
    /// The device was revoked; its data is gone: wipe and delete the key, then enrol.
    case wipeAndEnrol
    /// Nothing was lost; try again later (background sync will).
    case retryLater
    /// The key no longer opens the store: delete store and key, enrol again.
    case resetStore
    /// The key cannot be read yet (before first unlock): try again once unlocked. Never reset.
    case waitForUnlock
    /// The store file or its key is damaged: show it, and offer a reset with the warning that
    /// anything not yet synced is lost.
    case showWithReset
    /// A passing storage fault (disk full): show it; try again later. No reset.
    case tryAgain
    /// A bug in the library: show it and report it; the store is still usable.
    case report
}

/// An error as the user sees it.
public struct UserProblem: Equatable, Sendable, Identifiable, Error {
    /// A stable id for alerts.
    public let id = UUID()
    /// A short title.
    public let title: String
    /// What happened and what to do, in plain words.
    public let message: String
    /// What the app does about it.
    public let action: ProblemAction
    /// The kind, safe to log (no values, no personal data).
    public let kind: String

    /// A problem from its parts.
    public init(title: String, message: String, action: ProblemAction, kind: String) {
        self.title = title
        self.message = message
        self.action = action
        self.kind = kind
    }

    public static func == (lhs: UserProblem, rhs: UserProblem) -> Bool {
        lhs.title == rhs.title && lhs.message == rhs.message && lhs.action == rhs.action
            && lhs.kind == rhs.kind
    }

    /// The problem for any error thrown by a core call.
    public init(_ error: Error) {
        if let problem = error as? UserProblem {
            self = problem
            return
        }
        guard let steady = error as? SteadyError else {
            self.init(
                title: "Something went wrong",
                message: "Please try again. If it keeps happening, tell your lead.",
                action: .report, kind: "unexpected"
            )
            return
        }
        switch steady {
        case let .Validation(field, path, rule):
            self.init(title: "Check this", message: UserProblem.sentence(field: path, rule: rule),
                      action: .fixField(field), kind: "validation:\(path)")
        case let .UseOfForceIncomplete(missing):
            let letters = missing.map { "(\(s65ItemLetter(item: $0)))" }.joined(separator: ", ")
            self.init(
                title: "Not submitted yet",
                message: "This use of force still needs s.6(5) items \(letters) before it can be submitted.",
                action: .completeUseOfForce(missing), kind: "use_of_force_incomplete"
            )
        case let .Contraindicated(intervention, cautionIds):
            self.init(
                title: "Check the person's cautions",
                message: "Their own safety alerts or contraindications rule out \(interventionLabel(intervention: intervention).lowercased()). Record it only if you must, with the reason.",
                action: .confirmAgainstCautions(cautionIds), kind: "contraindicated"
            )
        case .Locked:
            self.init(
                title: "Already submitted",
                message: "This incident is submitted and can no longer change. Add an addendum instead.",
                action: .offerAddendum, kind: "locked"
            )
        case .NotFound:
            self.init(
                title: "No longer on this device",
                message: "This record was removed, or its unit's data has left this device.",
                action: .goBack, kind: "not_found"
            )
        case let .NotAllowed(refusal, reason):
            switch refusal {
            case let .placementEnded(_, unitName, _):
                self.init(
                    title: "Placement ended",
                    message: "Your placement in \(unitName) has ended. Its data leaves this phone once everything is synced. Add your next placement's code in Settings.",
                    action: .placementEnded, kind: "not_allowed:placement_ended"
                )
            case let .roleTooLow(role, _, action):
                self.init(title: "Not allowed",
                          message: "Your role here (\(role)) cannot \(action).",
                          action: .none, kind: "not_allowed:role")
            case .noAccess:
                self.init(title: "Not allowed", message: "This phone has no access to that unit.",
                          action: .none, kind: "not_allowed:no_access")
            case .notTheAuthor, .rule:
                self.init(title: "Not allowed", message: UserProblem.capitalised(reason),
                          action: .none, kind: "not_allowed:rule")
            }
        case .NotEnrolled:
            self.init(
                title: "Enrol this device",
                message: "The sync server no longer knows this device. Ask your lead for a new code.",
                action: .enrol, kind: "not_enrolled"
            )
        case .Revoked:
            self.init(
                title: "This device was removed",
                message: "Your organisation removed this device, and its data has been deleted. Ask your lead for a new code.",
                action: .wipeAndEnrol, kind: "revoked"
            )
        case .Network:
            self.init(
                title: "Can't reach the sync server",
                message: "Nothing is lost: everything is saved on this phone and will sync when there is signal.",
                action: .retryLater, kind: "network"
            )
        case .Interrupted:
            self.init(
                title: "Sync paused",
                message: "Nothing is lost: the rest goes with the next sync.",
                action: .retryLater, kind: "interrupted"
            )
        case .WrongKey:
            self.init(
                title: "This phone's data can't be opened",
                message: "The key that protects Steady's data on this phone has been reset. Reset Steady and enrol again; anything already synced comes back.",
                action: .resetStore, kind: "wrong_key"
            )
        case .KeyUnavailable:
            self.init(
                title: "Unlock your phone",
                message: "Steady's data opens once the phone has been unlocked since it started.",
                action: .waitForUnlock, kind: "key_unavailable"
            )
        case .KeyUnreadable:
            self.init(
                title: "This phone's data can't be opened",
                message: "The key that protects Steady's data on this phone is damaged. Reset Steady and enrol again; anything already synced comes back.",
                action: .resetStore, kind: "key_unreadable"
            )
        case .NeedsAppUpdate:
            self.init(
                title: "Update Steady",
                message: "The data on this phone was saved by a newer version of Steady. Update the app to open it; nothing has been deleted.",
                action: .updateApp, kind: "needs_app_update"
            )
        case .Damaged:
            self.init(
                title: "Steady's data is damaged",
                message: "Steady's data on this phone is damaged. Ask your lead before resetting: anything not yet synced would be lost.",
                action: .showWithReset, kind: "damaged"
            )
        case let .Storage(detail):
            self.init(
                title: "Storage problem",
                message: "Steady could not read or save its data (\(detail)). Free some space, then try again.",
                action: .tryAgain, kind: "storage"
            )
        case let .Internal(detail):
            self.init(
                title: "Something went wrong",
                message: "Please tell your lead: \(detail). Your data is safe.",
                action: .report, kind: "internal"
            )
        }
    }

    /// The input this problem belongs next to, if any.
    public var field: Field? {
        if case let .fixField(field) = action { return field }
        return nil
    }

    /// "Note must not be empty." from `note` / `must not be empty`.
    static func sentence(field: String, rule: String) -> String {
        let words = field.replacingOccurrences(of: "_", with: " ")
        return capitalised("\(words) \(rule)")
    }

    static func capitalised(_ text: String) -> String {
        guard let first = text.first else { return text }
        let body = first.uppercased() + text.dropFirst()
        return body.hasSuffix(".") ? body : body + "."
    }
}
