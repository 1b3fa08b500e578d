// The shift huddle of a unit (the core's `shiftHuddle`): who had a red or amber event or a
// moderate or high checklist over the last 24 or 72 hours, the open drafts, the sheets overdue
// for review, and the handover notes the last shift left, newest first. Anyone working in the
// unit adds a note; the core signs it with this phone's member of staff and bounds it (2000
// characters), and its refusal stays under the field with the typed words kept. The twin of
// Android's HuddleViewModel.kt.

import Foundation
import Observation
import SteadyCore

/// The look-backs the huddle offers, in hours.
public let huddleHours: [UInt32] = [24, 72]

/// A checklist band in words (never left to colour).
public func bandWords(_ band: BandLevel) -> String {
    switch band {
    case .low: return "low"
    case .moderate: return "moderate"
    case .high: return "high"
    }
}

/// One person's line in the huddle: "2 red · 1 amber · checklist high".
public func huddleSummary(_ p: HuddlePerson) -> String {
    ["\(p.red) red", "\(p.amber) amber", p.checklistBand.map { "checklist \(bandWords($0))" }]
        .compactMap { $0 }
        .joined(separator: " · ")
}

/// A handover note's by-line: "Alex Morgan, Support worker".
public func noteAuthor(_ n: HandoverNote) -> String {
    [n.author, n.jobTitle].filter { !$0.isEmpty }.joined(separator: ", ")
}

@MainActor
@Observable
public final class HuddleModel {
    public let unitId: String
    /// 24 or 72.
    public var hours: UInt32 = 24
    public private(set) var huddle: Huddle?
    /// The note being typed, and the core's refusal of it.
    public var noteText = ""
    public private(set) var noteError: String?
    public private(set) var message: String?
    public var problem: UserProblem?

    private let session: AppSession

    public init(session: AppSession, unitId: String) {
        self.session = session
        self.unitId = unitId
    }

    public func load() async {
        guard let core = session.core else { return }
        let unit = unitId
        let hours = hours
        do {
            huddle = try await core.call { try $0.shiftHuddle(unitId: unit, hours: hours) }
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Adds the note for the unit, signed by this phone's member of staff.
    public func addNote() async {
        guard let core = session.core else { return }
        let unit = unitId
        let text = noteText
        do {
            _ = try await core.call { try $0.addHandoverNote(unitId: unit, personId: nil, text: text) }
            noteText = ""
            noteError = nil
            message = "Handover note added."
        } catch let SteadyError.Validation(_, _, rule) {
            noteError = rule
        } catch let SteadyError.NotAllowed(_, reason) {
            noteError = "Not allowed: \(reason)."
        } catch {
            problem = await session.handle(error)
        }
        await load()
    }
}
