// A bank or agency worker's placements (issue 14, review row (c), F6): each unit listed with its
// role and end on a UK clock ("Ends Fri 5 Dec, 20:00", "Ended Thu 4 Dec, 20:00"); the ended state
// in words — when it ended, what happens to its records, how many changes still wait — instead of
// an empty list; and "Add a placement": the next unit's code, typed or from its `steady://enrol`
// link, redeemed at the server this phone already syncs with (`addPlacement`, the same token),
// without signing out. A link for another server is refused with the reason: the store holds one
// server at a time.

import Foundation
import Observation
import SteadyCore

/// Words for placements, on the ward's clock (Europe/London) whatever zone the phone is set to.
public enum PlacementText {
    /// The zone of every unit Steady serves.
    public static let uk = TimeZone(identifier: "Europe/London") ?? .current

    private static let dayTimeFormat: DateFormatter = {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_GB")
        format.timeZone = uk
        format.dateFormat = "EEE d MMM, HH:mm"
        return format
    }()

    /// "Fri 5 Dec, 20:00" (UK time), as Android's `TimeLabels.dayTime` says it.
    public static func dayTime(_ time: Timestamp) -> String {
        dayTimeFormat.string(from: time.date)
    }

    /// "Ends Fri 5 Dec, 20:00" while in force, "Ended Fri 5 Dec, 20:00" after; nil for a grant
    /// with no end that is still in force.
    public static func endLine(_ unit: UnitAccess) -> String? {
        guard let ends = unit.grant.endsAt else { return unit.active ? nil : "Ended" }
        return (unit.active ? "Ends " : "Ended ") + dayTime(ends)
    }

    /// "Editor · Ends Fri 5 Dec, 20:00": what the unit picker shows under a unit's name.
    public static func pickerLine(_ unit: UnitAccess) -> String {
        [unit.grant.role.label, endLine(unit)].compactMap { $0 }.joined(separator: " · ")
    }

    /// "Your placement in Willow Ward ended Fri 5 Dec, 20:00. Its records leave this phone once
    /// everything is synced (2 changes waiting)." `endedAt` is already in words.
    public static func ended(unitName: String, endedAt: String?, pendingChanges: Int) -> String {
        let waiting: String
        switch pendingChanges {
        case 0: waiting = "nothing waiting to send"
        case 1: waiting = "1 change waiting"
        default: waiting = "\(pendingChanges) changes waiting"
        }
        let when = endedAt.map { "ended \($0)" } ?? "has ended"
        return "Your placement in \(unitName) \(when). Its records leave this phone once everything is synced (\(waiting))."
    }

    /// Every placement has ended and left the phone.
    public static let noPlacementTitle = "No placement on this phone"
    /// What to do then.
    public static let noPlacementMessage =
        "Your placements have ended and their records have left this phone. Add your next placement's code from your lead to carry on."
    /// The way to the next placement.
    public static let addNext = "Add your next placement"
}

/// The selected unit's placement has ended: shown in place of the people list.
public struct EndedPlacementState: Equatable, Sendable {
    /// The unit.
    public let unitId: String
    /// Its name.
    public let unitName: String
    /// When it ended, what happens to its records, what still waits.
    public let text: String
    /// Changes made there not yet on the server.
    public let pendingChanges: Int
    /// An active unit to switch to ("Switch to Oakfield House"), if any.
    public let switchToId: String?
    /// Its name.
    public let switchToName: String?

    /// The ended state for `selected` among `units`, or nil while it is active (or not there).
    public init?(units: [UnitAccess], selected: String?) {
        guard let unit = units.first(where: { $0.grant.unitId == selected }), !unit.active else { return nil }
        unitId = unit.grant.unitId
        unitName = unit.grant.name
        pendingChanges = Int(unit.pendingChanges)
        text = PlacementText.ended(unitName: unit.grant.name, endedAt: unit.grant.endsAt.map(PlacementText.dayTime),
                                   pendingChanges: Int(unit.pendingChanges))
        let other = units.first(where: \.active)
        switchToId = other?.grant.unitId
        switchToName = other?.grant.name
    }
}

/// What a scanned or tapped link gives "Add a placement".
public enum PlacementLinkReading: Equatable, Sendable {
    /// The code to add.
    case code(String)
    /// Why it cannot be used here, in the user's words.
    case refused(String)

    /// Reads `text` as an enrolment link for the server this phone syncs with.
    public static func read(_ text: String, enrolledServer: String?) -> PlacementLinkReading {
        guard let link = EnrolmentLink.parse(text) else {
            return .refused("That is not a Steady enrolment code.")
        }
        if let enrolledServer, sameServer(link.server, enrolledServer) { return .code(link.code) }
        return .refused(
            "This code is for another sync server (\(link.server)). This phone syncs with \(enrolledServer ?? "no server yet"), "
                + "and holds one server at a time: to use the other, sync, then sign out and enrol with it."
        )
    }

    /// The same server, whatever the case of its scheme and host or a trailing slash.
    public static func sameServer(_ a: String, _ b: String) -> Bool {
        func norm(_ s: String) -> String {
            let trimmed = s.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let c = URLComponents(string: trimmed), let host = c.host else {
                return trimmed.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            }
            let port = c.port.map { ":\($0)" } ?? ""
            var path = c.path
            while path.hasSuffix("/") { path.removeLast() }
            return "\(c.scheme?.lowercased() ?? "")://\(host.lowercased())\(port)\(path)"
        }
        return norm(a) == norm(b)
    }
}

/// State and actions of "Add a placement" (Settings, and the ended state's way on).
@MainActor
@Observable
public final class PlacementModel {
    /// The code as typed, or from a scanned or tapped link.
    public var code = ""
    /// Why the code was refused: the form's check, a link for another server, or the server's
    /// answer for `Field.enrolmentCode`. Shown under the code field.
    public private(set) var codeError: String?
    /// A problem that is no field's (no network: nothing was lost).
    public private(set) var problem: UserProblem?
    /// "Added Oakfield House. …" once added.
    public private(set) var added: String?
    /// Adding now.
    public private(set) var busy = false

    private let session: AppSession

    /// The model for `session`.
    public init(session: AppSession) {
        self.session = session
    }

    /// The code field changed.
    public func codeChanged(_ text: String) {
        code = text
        codeError = nil
    }

    /// A scanned QR code or a tapped `steady://enrol` link: its code fills the field if it is for
    /// the server this phone syncs with; otherwise the reason is shown.
    public func scanned(_ text: String) async {
        switch PlacementLinkReading.read(text, enrolledServer: await enrolledServer()) {
        case let .code(found):
            code = found
            codeError = nil
        case let .refused(reason):
            codeError = reason
        }
        problem = nil
    }

    /// Adds the placement, pulls its unit, and shows it. Returns whether it was added.
    @discardableResult
    public func add() async -> Bool {
        guard !busy, let core = session.core else { return false }
        problem = nil
        added = nil
        var typed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        // A link pasted into the field is read as one.
        if EnrolmentLink.parse(typed) != nil {
            switch PlacementLinkReading.read(typed, enrolledServer: await enrolledServer()) {
            case let .code(found): typed = found
            case let .refused(reason):
                codeError = reason
                return false
            }
        }
        guard !typed.isEmpty else {
            codeError = "Enter the code your next unit's lead gave you."
            return false
        }
        code = typed
        codeError = nil
        busy = true
        defer { busy = false }
        let before = Set(session.units.map(\.grant.unitId))
        let grants: [UnitGrant]
        do {
            grants = try await core.call { try $0.addPlacement(code: typed) }
        } catch {
            let found = await session.handle(error)
            if found.field == EnrolmentField.code {
                codeError = found.message
            } else if found.action == .retryLater {
                problem = UserProblem(
                    title: "Can't reach the sync server",
                    message: "The placement was not added yet. Nothing was lost: your code and everything on this phone are kept. Try again when there is signal.",
                    action: .retryLater, kind: "add_placement:network"
                )
            } else {
                problem = found
            }
            return false
        }
        let new = grants.filter { !before.contains($0.unitId) }
        let names = (new.isEmpty ? grants : new).map(\.name).joined(separator: ", ")
        // The new unit's people: now if there is signal, else with the next sync.
        let pulled = (try? await core.call { try $0.sync(observer: nil) }) != nil
        await session.refresh()
        if let first = new.first, session.selectedUnit.map({ !$0.active }) ?? true {
            session.select(unitId: first.unitId)
        }
        if new.isEmpty {
            added = "That code is for a placement this phone already has (\(names))."
        } else {
            added = pulled ? "Added \(names). Its people are on this phone." : "Added \(names). Its people arrive with the next sync."
        }
        code = ""
        return true
    }

    private func enrolledServer() async -> String? {
        guard let core = session.core else { return nil }
        return try? await core.call { try $0.syncStatus() }.serverUrl
    }
}
