// The app's loggers. Logs never hold personal data: names, notes, sheet text, ids of people or
// incidents and server addresses are not logged at all; what is logged is the kind of event,
// counts and error kinds (`UserProblem.kind`). Anything variable is interpolated with
// `privacy: .private` unless it is one of our own fixed words, so even a mistake is redacted
// in a collected log.

import os

/// Loggers by area, subsystem `app.steady`.
public enum Log {
    /// Opening the store, the key, sign-out.
    public static let store = Logger(subsystem: "app.steady", category: "store")
    /// Enrolment and sync.
    public static let sync = Logger(subsystem: "app.steady", category: "sync")
    /// Screens and models.
    public static let ui = Logger(subsystem: "app.steady", category: "ui")
}
