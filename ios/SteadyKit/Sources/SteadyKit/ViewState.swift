// Plain view state made from the core's records: what each row, card and section shows. The
// SwiftUI views take these and draw them; everything here is testable without a screen.
//
// Nothing is decided here that the core already decides (overdue reviews, pending counts,
// bands, which strategies go with a result, what is missing before submission): those arrive
// in the records and are only put into words.

import Foundation
import SteadyCore

// MARK: - Counts

/// The badge for a count of changes not yet on the server: `nil` for none, "999+" at the
/// core's cap (`PENDING_COUNT_CAP` = 1000), the number otherwise.
public func pendingBadge(_ count: UInt32) -> String? {
    if count == 0 { return nil }
    if count >= 1000 { return "999+" }
    return String(count)
}

// MARK: - People

/// One row of the people list.
public struct PersonRowState: Equatable, Sendable, Identifiable {
    /// The person's id.
    public let id: String
    /// Preferred name first, with the recorded name after it when different.
    public let name: String
    /// Safety alerts, in order: shown under the name, always.
    public let safetyAlerts: [String]
    /// The support sheet is past its review date.
    public let reviewOverdue: Bool
    /// The pending-sync badge, if any.
    public let pendingBadge: String?
    /// Pinned on this phone: first in the core's shift order.
    public let pinned: Bool
    /// The recent event that put them near the top (the core's words and time), if any.
    public let recentEvent: RecentEvent?
    /// For a search hit: the line that matched, in the core's words ("Trigger: Loud alarms").
    public var matchLine: String?

    /// The row for `summary`, in the core's shift order when made from `people(unitId:)`.
    public init(_ summary: PersonSummary) {
        id = summary.id
        name = displayName(preferred: summary.preferredName, recorded: summary.displayName)
        safetyAlerts = summary.safetyAlerts
        reviewOverdue = summary.reviewOverdue
        pendingBadge = SteadyKit.pendingBadge(summary.pendingChanges)
        pinned = summary.pinned
        recentEvent = summary.recentEvent
        matchLine = nil
    }

    /// What VoiceOver reads for the row.
    public var accessibilityLabel: String {
        var parts = [name]
        if pinned { parts.append("Pinned") }
        if let matchLine { parts.append("Matched \(matchLine)") }
        if !safetyAlerts.isEmpty {
            parts.append("Safety alerts: " + safetyAlerts.joined(separator: "; "))
        }
        if let recentEvent { parts.append("In the last 72 hours: \(recentEvent.label)") }
        if reviewOverdue { parts.append("Support sheet review overdue") }
        if let badge = pendingBadge { parts.append("\(badge) changes waiting to sync") }
        return parts.joined(separator: ". ")
    }
}

/// "Sam (Samuel Jones)" when a preferred name differs, else the recorded name.
public func displayName(preferred: String?, recorded: String) -> String {
    guard let preferred = preferred?.trimmingCharacters(in: .whitespaces), !preferred.isEmpty,
          preferred != recorded
    else { return recorded }
    return "\(preferred) (\(recorded))"
}

/// The people list filtered instantly, on the device, as the user types: a name, an alert's
/// words. The core's full-text search (`searchPeople`, which also finds triggers and warning
/// signs) runs alongside and its hits are merged in by `mergeSearch`.
public func filterPeople(_ rows: [PersonRowState], query: String) -> [PersonRowState] {
    let words = query.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
    if words.isEmpty { return rows }
    return rows.filter { row in
        let haystack = ([row.name] + row.safetyAlerts).joined(separator: " ").lowercased()
        return words.allSatisfy { haystack.contains($0) }
    }
}

/// The local filter's rows, then any person the core's search found that the filter did not
/// (best match first), keeping each person once. Every row the core found carries the line that
/// matched (`matchLine`), unless that line is the name the row already shows.
public func mergeSearch(
    local: [PersonRowState], all: [PersonRowState], hits: [SearchHit]
) -> [PersonRowState] {
    let lines = Dictionary(hits.compactMap { hit in matchLine(hit).map { (hit.personId, $0) } },
                           uniquingKeysWith: { first, _ in first })
    let withLine = { (row: PersonRowState) -> PersonRowState in
        var row = row
        row.matchLine = lines[row.id]
        return row
    }
    var seen = Set(local.map(\.id))
    var merged = local.map(withLine)
    let byId = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    for hit in hits where !seen.contains(hit.personId) {
        if let row = byId[hit.personId] {
            merged.append(withLine(row))
            seen.insert(hit.personId)
        }
    }
    return merged
}

/// The line to show under a search hit: the core's words ("Trigger: Loud alarms"), or `nil`
/// when it matched one of the names (the row's title already shows both).
public func matchLine(_ hit: SearchHit) -> String? {
    guard let matched = hit.matched, matched.field != .name, matched.field != .preferredName
    else { return nil }
    return matched.line
}

// MARK: - Amber card and sheet

/// The amber card: what a worker needs when distress is rising, safety alerts first.
public struct AmberCardState: Equatable, Sendable {
    /// The name to use.
    public let name: String
    /// Safety alerts, always first.
    public let safetyAlerts: [ListItem]
    /// Early warning signs.
    public let warningSigns: [ListItem]
    /// What helps.
    public let whatHelps: [ListItem]
    /// What to avoid.
    public let whatToAvoid: [ListItem]
    /// The sheet is past its review date.
    public let reviewOverdue: Bool

    /// The state of `card`.
    public init(_ card: AmberCard) {
        name = card.name
        safetyAlerts = card.safetyAlerts
        warningSigns = card.warningSigns
        whatHelps = card.whatHelps
        whatToAvoid = card.whatToAvoid
        reviewOverdue = card.reviewOverdue
    }

    /// The card's sections in the order they are shown (empty ones kept, said as "None
    /// recorded", so an empty list is never mistaken for a missing screen).
    public var sections: [(title: String, items: [ListItem])] {
        [
            ("Safety alerts", safetyAlerts),
            ("Early warning signs", warningSigns),
            ("What helps", whatHelps),
            ("What to avoid", whatToAvoid),
        ]
    }
}

/// One entry of a sheet section as shown: the core's entry (`SheetEntry`) with its heading —
/// the core's words — and what the sheet holds for it.
public enum SheetEntryState: Equatable, Sendable, Identifiable {
    /// A text field, with its heading and current text ("" when empty).
    case text(SheetText, heading: String, text: String)
    /// A list, with its heading and items.
    case list(SheetList, heading: String, items: [ListItem])
    /// The restrictive interventions authorised in the care plan.
    case interventions(heading: String, items: [AuthorisedIntervention])

    /// A stable id for lists of entries.
    public var id: String {
        switch self {
        case let .text(_, heading, _), let .list(_, heading, _), let .interventions(heading, _):
            return heading
        }
    }
}

/// One section of the support sheet as shown: the core's section (`sheetLayout()`: band, title,
/// entries in order) filled from a sheet.
public struct SheetSectionState: Equatable, Sendable, Identifiable {
    /// The section's title, the core's words.
    public let title: String
    /// Its colour band (the core's), for the view to tint.
    public let band: SheetBand
    /// Its entries, in the core's order.
    public let entries: [SheetEntryState]

    /// The title doubles as the id: titles are unique.
    public var id: String { title }
}

extension SupportSheet {
    /// The text of `field`, or "" when it is empty.
    public func text(_ field: SheetText) -> String {
        texts.first { $0.field == field }?.text ?? ""
    }

    /// The items of `list`.
    public func items(_ list: SheetList) -> [ListItem] {
        switch list {
        case .triggers: return triggers
        case .warningSigns: return warningSigns
        case .whatHelps: return whatHelps
        case .whatToAvoid: return whatToAvoid
        case .contraindications: return contraindications
        }
    }

    /// The whole sheet by section. The sections, their titles, order and headings are the
    /// core's (`sheetLayout()`, `sheetTextHeading`, `sheetListHeading`,
    /// `authorisedInterventionsHeading`), so the iPhone, the Android phone and the console say
    /// the same words; nothing of the layout is kept here.
    public var sections: [SheetSectionState] {
        sheetLayout().map { section in
            SheetSectionState(
                title: section.title,
                band: section.band,
                entries: section.entries.map { entry -> SheetEntryState in
                    switch entry {
                    case let .text(field):
                        return .text(field, heading: sheetTextHeading(field: field), text: self.text(field))
                    case let .list(list):
                        return .list(list, heading: sheetListHeading(list: list), items: self.items(list))
                    case .authorisedInterventions:
                        return .interventions(heading: authorisedInterventionsHeading(),
                                              items: self.authorisedInterventions)
                    }
                }
            )
        }
    }
}

/// The review line of a sheet: "Reviewed 3 Mar 2026 by Alex. Next review due 3 Sep 2026." and
/// whether it is overdue (the core's flag).
public func reviewLine(_ review: Review, format: (Timestamp) -> String) -> (text: String, overdue: Bool) {
    var parts: [String] = []
    if let at = review.lastReviewedAt {
        var line = "Reviewed \(format(at))"
        if let by = review.lastReviewedBy, !by.isEmpty { line += " by \(by)" }
        parts.append(line + ".")
    } else {
        parts.append("Not reviewed yet.")
    }
    if let due = review.due {
        parts.append(review.overdue ? "Review overdue since \(format(due))." : "Next review due \(format(due)).")
    }
    return (parts.joined(separator: " "), review.overdue)
}

// MARK: - Checklist

/// A checklist result as shown: score, band words, guidance and — for a moderate or high band —
/// the person's own strategies (the core attaches them only then).
public struct ChecklistResultState: Equatable, Sendable {
    /// "3 of 5".
    public let score: String
    /// "Low", "Moderate" or "High".
    public let band: String
    /// The band's level, for colour.
    public let level: BandLevel
    /// The band's guidance.
    public let guidance: String
    /// The person's own "what helps", when the core attached it.
    public let whatHelps: [ListItem]
    /// The person's own "what to avoid", when the core attached it.
    public let whatToAvoid: [ListItem]

    /// The state of `result`.
    public init(_ result: ChecklistResult) {
        score = "\(result.score.score) of \(result.score.maxScore)"
        level = result.score.band.level
        band = bandName(result.score.band.level)
        guidance = result.score.band.guidance
        whatHelps = result.whatHelps
        whatToAvoid = result.whatToAvoid
    }

    /// Strategies to show next to the result.
    public var showsStrategies: Bool { !whatHelps.isEmpty || !whatToAvoid.isEmpty }
}

/// A band level in words.
public func bandName(_ level: BandLevel) -> String {
    switch level {
    case .low: return "Low"
    case .moderate: return "Moderate"
    case .high: return "High"
    }
}

// MARK: - Incidents

/// Where an incident stands, for the list's sections and badges.
public enum IncidentSyncState: Equatable, Sendable {
    /// A draft: editable.
    case draft
    /// Submitted, with changes not yet on the server.
    case waitingToSync
    /// Submitted and on the server.
    case submitted
    /// The server refused one of its changes, or another change won over one: needs a look.
    case needsAttention

    /// The state in words.
    public var label: String {
        switch self {
        case .draft: return "Draft"
        case .waitingToSync: return "Waiting to sync"
        case .submitted: return "Submitted"
        case .needsAttention: return "Needs attention"
        }
    }
}

/// One row of the incidents list.
public struct IncidentRowState: Equatable, Sendable, Identifiable {
    /// The incident's id.
    public let id: String
    /// When it happened.
    public let occurredAt: Timestamp
    /// Who it was about, as the core shows it.
    public let about: String
    /// Tags in words.
    public let tags: [String]
    /// It records a use of force.
    public let useOfForce: Bool
    /// Its state.
    public let state: IncidentSyncState
    /// The pending badge, if any.
    public let pendingBadge: String?

    /// The row for `summary`; `problemIds` are the records with a quarantined change or a
    /// conflict.
    public init(_ summary: IncidentSummary, problemIds: Set<String>) {
        id = summary.id
        occurredAt = summary.occurredAt
        about = summary.about
        tags = summary.tags.map(\.label)
        useOfForce = summary.useOfForce
        pendingBadge = SteadyKit.pendingBadge(summary.pendingChanges)
        if problemIds.contains(summary.id) {
            state = .needsAttention
        } else {
            switch summary.status {
            case .draft: state = .draft
            case .submitted: state = summary.pendingChanges > 0 ? .waitingToSync : .submitted
            }
        }
    }
}

/// One section of the incidents list.
public struct IncidentSection: Equatable, Sendable, Identifiable {
    /// The state its incidents share.
    public let state: IncidentSyncState
    /// Its incidents, newest first.
    public let rows: [IncidentRowState]

    /// The state is the id: one section per state.
    public var id: IncidentSyncState { state }
}

/// The incidents list in its sections: needs attention, drafts, waiting to sync, submitted;
/// empty sections left out.
public func incidentSections(_ rows: [IncidentRowState]) -> [IncidentSection] {
    let order: [IncidentSyncState] = [.needsAttention, .draft, .waitingToSync, .submitted]
    return order.compactMap { state in
        let matching = rows.filter { $0.state == state }
        return matching.isEmpty ? nil : IncidentSection(state: state, rows: matching)
    }
}

// MARK: - What the core could not read

/// The warning for the parts of a stored incident the core could not read on this device and
/// left out (`Incident.unreadable`: a field, or `list/item id`), or `nil` when everything was
/// read. The rest of the record is still shown; the user is told, never left to think it whole.
public func unreadableWarning(_ unreadable: [String]) -> String? {
    if unreadable.isEmpty { return nil }
    let parts = unreadable.map { $0.replacingOccurrences(of: "_", with: " ") }
    return "Part of this record could not be read on this device: "
        + parts.joined(separator: ", ") + "; the rest is shown. Tell your lead."
}

// MARK: - Sync problems

/// A change that needs the user: refused by the server, or overtaken by a later change.
public struct SyncProblemState: Equatable, Sendable, Identifiable {
    /// What kind of problem.
    public enum Kind: Equatable, Sendable {
        /// Refused (quarantined) — `opId` to discard it.
        case quarantined(opId: String)
        /// Overtaken (a conflict) — `conflictId` to dismiss it.
        case conflict(conflictId: Int64)
    }

    /// A stable id.
    public let id: String
    /// Which kind.
    public let kind: Kind
    /// The record it belongs to.
    public let entityId: String
    /// The kind of record, in words.
    public let recordKind: String
    /// Why, in words.
    public let reason: String

    /// A refused change, with the server's (or device's) reason in words.
    public init(_ change: QuarantinedChange) {
        id = "q:" + change.opId
        kind = .quarantined(opId: change.opId)
        entityId = change.entityId
        recordKind = entityName(change.entity)
        reason = change.detail.isEmpty ? change.reason : change.detail
    }

    /// An edit another change won over, with both values.
    public init(_ conflict: Conflict) {
        id = "c:\(conflict.id)"
        kind = .conflict(conflictId: conflict.id)
        entityId = conflict.entityId
        recordKind = entityName(conflict.entity)
        let field = conflict.field.replacingOccurrences(of: "_", with: " ")
        reason = "Your change to \(field) (\(jsonDisplay(conflict.myValueJson))) was overtaken by a later change (\(jsonDisplay(conflict.winningValueJson)))."
    }
}

/// A record kind in words.
public func entityName(_ entity: EntityKind) -> String {
    switch entity {
    case .person: return "Person"
    case .sheet: return "Support sheet"
    case .incident: return "Incident"
    case .checklistRun: return "Checklist"
    case .guidance: return "Guidance"
    }
}

/// A conflict's JSON value in words: a string without its quotes, `null` as "removed", lists and
/// objects as their items' text.
public func jsonDisplay(_ json: String) -> String {
    guard let data = json.data(using: .utf8),
          let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    else { return json }
    return describeJSON(value)
}

private func describeJSON(_ value: Any) -> String {
    switch value {
    case is NSNull:
        return "removed"
    case let text as String:
        return text
    case let number as NSNumber:
        if CFGetTypeID(number) == CFBooleanGetTypeID() { return number.boolValue ? "yes" : "no" }
        return number.stringValue
    case let list as [Any]:
        return list.map(describeJSON).joined(separator: ", ")
    case let object as [String: Any]:
        if let text = object["text"] as? String { return text }
        return object.keys.sorted().map { "\($0): \(describeJSON(object[$0] ?? NSNull()))" }
            .joined(separator: ", ")
    default:
        return String(describing: value)
    }
}

// MARK: - Sync status

/// The sync status line on the settings screen and the pending badge in the toolbar.
public struct SyncStatusState: Equatable, Sendable {
    /// "Last synced 5 minutes ago" or "Not synced yet".
    public let lastSync: String
    /// Changes waiting, in words, or `nil` for none.
    public let pending: String?
    /// Problems needing the user (quarantined + conflicts).
    public let problems: UInt32
    /// Changes the server refused, in words, or `nil` for none. They stay on this device (even
    /// after a placement ends and its unit's records leave) until the user discards them.
    public let refused: String?
    /// Why the last sync failed, if it did, in the user's words.
    public let lastError: String?
    /// Enrolled with a server.
    public let enrolled: Bool

    /// The state of `status` at `now`.
    public init(_ status: SyncStatus, now: Timestamp) {
        enrolled = status.enrolled
        if let at = status.lastSuccessAt {
            lastSync = "Last synced " + relativeTime(from: at, to: now)
        } else {
            lastSync = "Not synced yet"
        }
        if let badge = pendingBadge(status.pending) {
            pending = "\(badge) change\(status.pending == 1 ? "" : "s") waiting to sync"
        } else {
            pending = nil
        }
        problems = status.quarantined + status.conflicts
        if status.quarantined > 0 {
            refused = "\(status.quarantined) change\(status.quarantined == 1 ? "" : "s") refused by the server, kept on this device"
        } else {
            refused = nil
        }
        lastError = status.lastProblem.map(syncProblemText)
    }
}

/// The last sync problem in the user's words (the core's English detail stays for support).
public func syncProblemText(_ problem: SyncProblem) -> String {
    switch problem {
    case .offline: return "No connection to the sync server. Nothing is lost; it will try again."
    case .serverRefused: return "The sync server refused the request. Nothing is lost; tell your lead if it goes on."
    case .tokenRefused: return "The sync server no longer accepts this phone. Enrol it again with a new code."
    case .notEnrolled: return "This phone is not enrolled."
    case .revoked: return "This phone was removed by your organisation."
    case .device: return "Something on this phone failed during sync. Nothing is lost; it will try again."
    }
}

/// "just now", "5 minutes ago", "2 hours ago", "3 days ago".
public func relativeTime(from then: Timestamp, to now: Timestamp) -> String {
    let seconds = max(0, (now - then) / 1000)
    switch seconds {
    case ..<60: return "just now"
    case ..<3600:
        let m = seconds / 60
        return "\(m) minute\(m == 1 ? "" : "s") ago"
    case ..<86_400:
        let h = seconds / 3600
        return "\(h) hour\(h == 1 ? "" : "s") ago"
    default:
        let d = seconds / 86_400
        return "\(d) day\(d == 1 ? "" : "s") ago"
    }
}
