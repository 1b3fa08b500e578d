// The enrolment link a lead's QR code carries, `steady://enrol?server=<url>&code=<code>`
// (written by `steady-server`'s `enrolment_link`, docs/protocol.md), and the enrolment form's
// checks.
//
// Only the shape is checked here: whether the address is acceptable (https, or plain http to
// this device only) and whether the code is valid are the core's and the server's to decide,
// and their answers come back as `SteadyError.Validation` naming the field (`server_url`,
// `code`), shown next to that field. One rule, one place.

import Foundation

/// A server address and enrolment code read from a QR code or a tapped link.
public struct EnrolmentLink: Equatable, Sendable {
    /// The sync server's address, e.g. `https://sync.example.org:8443`.
    public let server: String
    /// The enrolment code, e.g. `K7Q2MX-ABCDEFGHJKMNPQRSTVWX`.
    public let code: String

    /// A link from its two parts.
    public init(server: String, code: String) {
        self.server = server
        self.code = code
    }

    /// Reads `steady://enrol?server=...&code=...`; `nil` for anything else (another scheme or
    /// host, a missing or empty part). Percent-escapes are decoded; surrounding spaces trimmed.
    public static func parse(_ text: String) -> EnrolmentLink? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed),
              components.scheme?.lowercased() == "steady",
              components.host?.lowercased() == "enrol",
              components.path.isEmpty || components.path == "/"
        else { return nil }
        let items = components.queryItems ?? []
        func value(_ name: String) -> String? {
            let found = items.filter { $0.name == name }
            // Two servers or two codes in one link: refuse rather than guess.
            guard found.count == 1, let raw = found[0].value else { return nil }
            let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty ? nil : value
        }
        guard let server = value("server"), let code = value("code") else { return nil }
        return EnrolmentLink(server: server, code: code)
    }
}

/// What the enrolment form holds while it is being filled in, and whether it may be sent.
public struct EnrolmentForm: Equatable, Sendable {
    /// The server address as typed or scanned.
    public var server: String
    /// The code as typed or scanned.
    public var code: String
    /// The staff member's name, stamped on what they record.
    public var staffName: String
    /// Their job title.
    public var jobTitle: String

    /// A form, empty unless told otherwise.
    public init(server: String = "", code: String = "", staffName: String = "", jobTitle: String = "") {
        self.server = server
        self.code = code
        self.staffName = staffName
        self.jobTitle = jobTitle
    }

    /// One message per input that is not ready, keyed by the core's `Field` so the core's own
    /// `Validation` answers land in the same place. Empty when the form may be sent.
    public var problems: [Field: String] {
        var found: [Field: String] = [:]
        if server.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            found[EnrolmentField.server] = "Enter the sync server's address."
        }
        if code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            found[EnrolmentField.code] = "Enter the enrolment code from your lead."
        }
        if staffName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            found[EnrolmentField.name] = "Enter your name as colleagues know it."
        }
        if jobTitle.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            found[EnrolmentField.jobTitle] = "Enter your job title."
        }
        return found
    }

    /// The form may be sent.
    public var isReady: Bool { problems.isEmpty }

    /// Fills the address and code from a scanned or tapped link.
    public mutating func apply(_ link: EnrolmentLink) {
        server = link.server
        code = link.code
    }

    /// Fills the address and code from scanned text: a `steady://enrol` link. Returns whether
    /// the text was one (a QR code of something else changes nothing).
    @discardableResult
    public mutating func apply(scanned text: String) -> Bool {
        guard let link = EnrolmentLink.parse(text) else { return false }
        apply(link)
        return true
    }
}

/// The field names the enrolment form and the core share.
public enum EnrolmentField {
    /// The server address.
    public static let server = Field.serverUrl
    /// The enrolment code.
    public static let code = Field.enrolmentCode
    /// The staff member's name.
    public static let name = Field.staffName
    /// The staff member's job title.
    public static let jobTitle = Field.jobTitle
}
