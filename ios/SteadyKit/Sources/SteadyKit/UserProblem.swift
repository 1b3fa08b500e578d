// What the app does about an error from the core: one `UserProblem` per `SteadyError` case,
// following the table in bindings/README.md ("what the app does"). The words come from the
// core's error (which never carries the personal data being saved); the reaction is chosen here
// because it is the app's — go to enrolment, offer an addendum, reset, wait for unlock.

import Foundation
import SteadyCore

/// What the app should do next about a problem.
public enum ProblemAction: Equatable, Sendable {
    /// Show the message next to the input named by the core's field name.
    case fixField(String)
    /// The incident is submitted: offer an addendum instead.
    case offerAddendum
    /// The record is gone from the device: go back.
    case goBack
    /// Nothing to do but read it (no grant, role too low, placement ended).
    case none
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
    /// Show it; offer a reset if it persists.
    case showWithReset
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
        case let .Validation(field, rule):
            self.init(title: "Check this", message: UserProblem.sentence(field: field, rule: rule),
                      action: .fixField(field), kind: "validation:\(field)")
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
        case let .NotAllowed(reason):
            self.init(title: "Not allowed", message: UserProblem.capitalised(reason),
                      action: .none, kind: "not_allowed")
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
        case let .Storage(detail):
            self.init(
                title: "Storage problem",
                message: "Steady could not read or save its data (\(detail)). If this keeps happening, reset Steady and enrol again.",
                action: .showWithReset, kind: "storage"
            )
        case let .Internal(detail):
            self.init(
                title: "Something went wrong",
                message: "Please tell your lead: \(detail). Your data is safe.",
                action: .report, kind: "internal"
            )
        }
    }

    /// The field this problem belongs next to, if any.
    public var field: String? {
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
