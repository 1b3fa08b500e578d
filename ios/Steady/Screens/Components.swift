// Small views shared by the screens: the quick capture button, badges, the yes/no/not answered
// picker, a field's error message, a full-screen message, and the problem alert. Text uses
// text styles only (Dynamic Type); colours are system colours (dark mode); tappable things are
// at least 44 points.

import SteadyCore
import SteadyKit
import SwiftUI

/// The persistent quick capture button, bottom right over the screen.
private struct CaptureButton: ViewModifier {
    @Environment(Router.self) private var router

    func body(content: Content) -> some View {
        content.overlay(alignment: .bottomTrailing) {
            Button {
                router.requestCapture()
            } label: {
                Label("Record incident", systemImage: "square.and.pencil")
                    .font(.headline)
                    .padding(.horizontal, 18)
                    .frame(minHeight: 56)
            }
            .buttonStyle(.borderedProminent)
            .buttonBorderShape(.capsule)
            .tint(.red)
            .shadow(radius: 3)
            .padding()
            .accessibilityHint("Saves a timestamped incident in three taps")
        }
    }
}

extension View {
    /// Adds the persistent quick capture button.
    func captureButton() -> some View {
        modifier(CaptureButton())
    }

    /// Shows `problem` as an alert while it is set.
    func problemAlert(_ problem: Binding<UserProblem?>) -> some View {
        alert(
            problem.wrappedValue?.title ?? "",
            isPresented: Binding(
                get: { problem.wrappedValue != nil },
                set: { showing in if !showing { problem.wrappedValue = nil } }
            ),
            presenting: problem.wrappedValue
        ) { _ in
            Button("OK", role: .cancel) {}
        } message: { shown in
            Text(shown.message)
        }
    }

    /// A minimum 44-point tap target.
    func tapTarget() -> some View {
        frame(minWidth: 44, minHeight: 44).contentShape(Rectangle())
    }
}

/// A small rounded badge ("3", "Draft", "Review overdue").
struct Badge: View {
    let text: String
    var color: Color = .blue

    var body: some View {
        Text(text)
            .font(.caption.weight(.semibold))
            .padding(.horizontal, 8)
            .padding(.vertical, 2)
            .background(color.opacity(0.18), in: Capsule())
            .foregroundStyle(color)
    }
}

/// The pending-sync badge.
struct PendingBadge: View {
    let text: String

    var body: some View {
        Label(text, systemImage: "arrow.triangle.2.circlepath")
            .font(.caption)
            .foregroundStyle(.secondary)
            .accessibilityLabel("\(text) changes waiting to sync")
    }
}

/// Yes / No / Not answered, for answers the s.6(5) check counts as missing until given.
struct TriStatePicker: View {
    let title: String
    @Binding var value: Bool?

    var body: some View {
        Picker(title, selection: $value) {
            Text("Not answered").tag(Bool?.none)
            Text("Yes").tag(Bool?.some(true))
            Text("No").tag(Bool?.some(false))
        }
        .pickerStyle(.menu)
        .frame(minHeight: 44)
    }
}

/// The core's message for a refused field, shown under it (nothing when there is none).
/// VoiceOver announces it when it appears, so a refused save is never silent.
struct FieldError: View {
    let message: String?

    var body: some View {
        if let message {
            Label(message, systemImage: "exclamationmark.circle.fill")
                .font(.footnote)
                .foregroundStyle(.red)
                .onAppear { AccessibilityNotification.Announcement(message).post() }
        }
    }
}

/// A full-screen message with actions.
struct MessageView<Actions: View>: View {
    let systemImage: String
    let title: String
    let message: String
    @ViewBuilder var actions: () -> Actions

    var body: some View {
        ContentUnavailableView {
            Label(title, systemImage: systemImage)
        } description: {
            Text(message)
        } actions: {
            actions()
        }
    }
}

/// A bulleted item of a list, read as one element by VoiceOver.
struct BulletRow: View {
    let text: String
    var systemImage = "circle.fill"
    var color: Color = .secondary

    var body: some View {
        HStack(alignment: .firstTextBaseline, spacing: 10) {
            Image(systemName: systemImage)
                .font(.caption2)
                .foregroundStyle(color)
                .accessibilityHidden(true)
            Text(text)
                .frame(maxWidth: .infinity, alignment: .leading)
        }
        .accessibilityElement(children: .combine)
    }
}

/// Formats the core's timestamps for display.
enum TimeText {
    /// "23 Nov 2026 at 14:05".
    static func dateTime(_ time: Timestamp) -> String {
        time.date.formatted(date: .abbreviated, time: .shortened)
    }

    /// "23 Nov 2026".
    static func date(_ time: Timestamp) -> String {
        time.date.formatted(date: .abbreviated, time: .omitted)
    }
}
