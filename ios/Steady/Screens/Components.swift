// Small views shared by the screens: the quick capture button, badges, the yes/no/not answered
// picker, a field's error message, a full-screen message, the problem alert, and the app's
// colours. Text uses text styles only (Dynamic Type); where colour carries meaning (alerts,
// overdue, missing, Stop, capture) it is one of SteadyKit's `Palette` pairs, measured at 4.5:1
// or more against their backgrounds in light and dark mode (PaletteContrastTests, and CI's
// swift-parse check); everything else is a system colour. Tappable things are at least 44 points.

import SteadyCore
import SteadyKit
import SwiftUI
import UIKit

extension Color {
    /// A `Palette` pair as a colour that follows light and dark mode.
    init(_ pair: AppearancePair) {
        self.init(uiColor: UIColor { traits in
            let rgb = traits.userInterfaceStyle == .dark ? pair.dark : pair.light
            return UIColor(red: rgb.red, green: rgb.green, blue: rgb.blue, alpha: 1)
        })
    }

    /// Safety alerts, the prone-hold timer past 10 minutes, a refused field's message.
    static let steadyAlert = Color(Palette.alert)
    /// "Review overdue", s.6(5) items still missing, a note not saved yet.
    static let steadyOverdue = Color(Palette.overdue)
    /// The Stop button's fill (white label).
    static let steadyAlertFill = Color(Palette.alertFill)
    /// The capture button's fill (white label): not the alert red.
    static let steadyCapture = Color(Palette.captureFill)
}

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
            .tint(Color.steadyCapture)
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

/// A small rounded badge ("3", "Draft", "Review overdue"). `color` tints the capsule and its
/// outline; the text is `.primary`, which stays legible on any tint (a red or orange caption on
/// its own 18% tint measured 2.0-3.0:1, apps.md F13; `.primary` on the `Palette` tints 9.4:1 or
/// more).
struct Badge: View {
    let text: String
    var color: Color = .blue

    var body: some View {
        Text(text)
            .font(.caption.weight(.semibold))
            .foregroundStyle(.primary)
            .padding(.horizontal, 8)
            .padding(.vertical, 2)
            .background(color.opacity(Palette.tintAlpha), in: Capsule())
            .overlay(Capsule().strokeBorder(color, lineWidth: 1))
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

/// Yes / No / Not answered, for answers the s.6(5) check counts as missing until given; `yes`
/// and `no` may be worded for the question ("Held" / "Not held"). Nothing is ever answered for
/// the user: it starts at "Not answered" until they choose.
struct TriStatePicker: View {
    let title: String
    @Binding var value: Bool?
    var yes = "Yes"
    var no = "No"

    var body: some View {
        Picker(title, selection: $value) {
            Text("Not answered").tag(Bool?.none)
            Text(yes).tag(Bool?.some(true))
            Text(no).tag(Bool?.some(false))
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
                .foregroundStyle(Color.steadyAlert)
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
    /// The zone of every unit Steady serves: times read as the ward clock shows them, whatever
    /// zone the phone is set to (a grant's end reads as the lead set it).
    static let uk = TimeZone(identifier: "Europe/London") ?? .current

    private static func style(date: Date.FormatStyle.DateStyle, time: Date.FormatStyle.TimeStyle) -> Date.FormatStyle {
        var style = Date.FormatStyle(date: date, time: time, locale: Locale(identifier: "en_GB"))
        style.timeZone = uk
        return style
    }

    /// "23 Nov 2026, 14:05".
    static func dateTime(_ time: Timestamp) -> String {
        time.date.formatted(style(date: .abbreviated, time: .shortened))
    }

    /// "14:05" (UK time).
    static func time(_ time: Timestamp) -> String {
        time.date.formatted(style(date: .omitted, time: .shortened))
    }

    /// "23 Nov 2026".
    static func date(_ time: Timestamp) -> String {
        time.date.formatted(style(date: .abbreviated, time: .omitted))
    }
}
