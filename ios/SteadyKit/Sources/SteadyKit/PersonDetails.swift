// The person's own details as an editor changes them on the person screen: recorded name,
// preferred name and local identifier. Only what changed is sent (the core leaves a `nil`
// field as it is), so a name changed on another device meanwhile is not overwritten by this
// form's stale copy; a cleared optional field is sent as "" (the core clears it). The core
// checks lengths and the required name and answers `Validation` with the field's name, which
// the screen shows next to that field.

import Foundation
import SteadyCore

/// The inputs of a person's details, as the core names them (the `field` of a `Validation`).
public enum PersonField {
    /// The recorded name (required).
    public static let displayName = Field.displayName
    /// The name they like to be called.
    public static let preferredName = Field.preferredName
    /// A local identifier (room or hospital number).
    public static let localIdentifier = Field.localIdentifier
    /// The NHS number: the consistent identifier a use-of-force record needs.
    public static let nhsNumber = Field.nhsNumber
    /// A safety alert's text.
    public static let safetyAlert = Field.safetyAlert
}

/// What changed in a person's details: `nil` leaves a field as it is.
public struct PersonDetailsChange: Equatable, Sendable {
    /// The new recorded name.
    public let displayName: String?
    /// The new preferred name ("" clears it).
    public let preferredName: String?
    /// The new local identifier ("" clears it).
    public let localIdentifier: String?
    /// The new NHS number as typed ("" clears it; the core checks its check digit).
    public var nhsNumber: String? = nil
}

/// A person's details as being edited.
public struct PersonDetailsForm: Equatable, Sendable {
    /// The recorded name.
    public var displayName: String
    /// The name they like to be called (empty: none).
    public var preferredName: String
    /// A local identifier (empty: none).
    public var localIdentifier: String
    /// The NHS number, shown in groups of 3, 3 and 4 (empty: none).
    public var nhsNumber: String

    /// The form filled from `person`.
    public init(_ person: Person) {
        displayName = person.displayName
        preferredName = person.preferredName ?? ""
        localIdentifier = person.localIdentifier ?? ""
        nhsNumber = PersonDetailsForm.grouped(person.nhsNumber ?? "")
    }

    /// `9434765919` as people read it: `943 476 5919`.
    public static func grouped(_ digits: String) -> String {
        guard digits.count == 10 else { return digits }
        let d = Array(digits)
        return String(d[0..<3]) + " " + String(d[3..<6]) + " " + String(d[6..<10])
    }

    /// The fields that differ from `person`, trimmed; `nil` when nothing changed. An emptied
    /// recorded name is still sent, so the core's "must not be empty" lands next to it.
    public func change(from person: Person) -> PersonDetailsChange? {
        let base = PersonDetailsForm(person)
        func changed(_ new: String, _ old: String) -> String? {
            let trimmed = new.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed == old ? nil : trimmed
        }
        var change = PersonDetailsChange(
            displayName: changed(displayName, base.displayName),
            preferredName: changed(preferredName, base.preferredName),
            localIdentifier: changed(localIdentifier, base.localIdentifier)
        )
        change.nhsNumber = changed(nhsNumber, base.nhsNumber)
        if change.displayName == nil, change.preferredName == nil, change.localIdentifier == nil,
           change.nhsNumber == nil {
            return nil
        }
        return change
    }
}

/// How an edit that has its own sheet ended: the sheet closes unless the input was refused.
public enum EditResult: Equatable, Sendable {
    /// Saved through the core (or nothing to save).
    case saved
    /// The core (or the model's own check) refused a field: its message is in `fieldErrors`;
    /// keep the sheet open so it can be corrected.
    case invalid
    /// Any other problem: it is in `problem`, shown once the sheet has closed.
    case failed
}
