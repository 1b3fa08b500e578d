// The app's own colours where colour carries meaning: safety alerts and the prone-hold timer,
// overdue reviews and missing s.6(5) items, the Stop button and the capture button. Each is a
// plain sRGB value here (no UIKit), in a light and a dark variant, so its contrast against the
// backgrounds it is drawn on can be measured without a device: WCAG 2.x relative luminance and
// contrast ratio, AA's 4.5:1 for text (apps.md F13: system red on a tinted row measured about
// 3.0:1, system orange about 2.2:1). The app makes a dynamic `Color` of each pair
// (ios/Steady/Screens/Components.swift).
//
// Measured twice: by `PaletteContrastTests` on a Mac, and in CI by tests/swift-parse/check_swift.py,
// which reads the values and `requirements` from this file's text since nothing compiles Swift
// there. So keep every colour as `public static let name = RGB(hex: 0xRRGGBB)` and every entry
// of `requirements` as one `ContrastRequirement("…", foreground: a, background: b[, tint: c])`.

import Foundation

/// A colour in sRGB, each component from 0 to 1.
public struct RGB: Equatable, Sendable {
    /// Red, 0...1.
    public let red: Double
    /// Green, 0...1.
    public let green: Double
    /// Blue, 0...1.
    public let blue: Double

    /// The colour `0xRRGGBB`.
    public init(hex: UInt32) {
        red = Double((hex >> 16) & 0xFF) / 255
        green = Double((hex >> 8) & 0xFF) / 255
        blue = Double(hex & 0xFF) / 255
    }

    /// A colour from its components, each 0...1.
    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// WCAG 2.x relative luminance: 0 for black, 1 for white.
    public var relativeLuminance: Double {
        func linear(_ c: Double) -> Double {
            c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// WCAG 2.x contrast ratio with `other`, from 1 (the same) to 21 (black and white).
    public func contrast(with other: RGB) -> Double {
        let a = relativeLuminance
        let b = other.relativeLuminance
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// This colour at `alpha` (0...1) painted over `background`, as the screen shows it.
    public func over(_ background: RGB, alpha: Double) -> RGB {
        RGB(
            red: alpha * red + (1 - alpha) * background.red,
            green: alpha * green + (1 - alpha) * background.green,
            blue: alpha * blue + (1 - alpha) * background.blue
        )
    }
}

/// A colour's light- and dark-mode values.
public struct AppearancePair: Equatable, Sendable {
    /// In light mode.
    public let light: RGB
    /// In dark mode.
    public let dark: RGB

    /// The pair.
    public init(light: RGB, dark: RGB) {
        self.light = light
        self.dark = dark
    }
}

/// One pair that must be legible: `foreground` text on `background`, or on `tint` painted over
/// `background` at `Palette.tintAlpha` (a badge's capsule).
public struct ContrastRequirement: Equatable, Sendable {
    /// What is drawn on what, in words.
    public let name: String
    /// The text.
    public let foreground: RGB
    /// What is behind it.
    public let background: RGB
    /// A tint laid over the background at `Palette.tintAlpha`, if any.
    public let tint: RGB?
    /// The least ratio allowed: WCAG AA for text.
    public let minimum: Double

    /// The requirement; `minimum` is AA's 4.5:1 for text of any size.
    public init(_ name: String, foreground: RGB, background: RGB, tint: RGB? = nil, minimum: Double = 4.5) {
        self.name = name
        self.foreground = foreground
        self.background = background
        self.tint = tint
        self.minimum = minimum
    }

    /// What the text is actually drawn on.
    public var effectiveBackground: RGB {
        tint.map { $0.over(background, alpha: Palette.tintAlpha) } ?? background
    }

    /// The measured ratio.
    public var ratio: Double { foreground.contrast(with: effectiveBackground) }

    /// The ratio reaches the minimum.
    public var isMet: Bool { ratio >= minimum }
}

/// The colours, the system backgrounds they are drawn on, and what each must reach.
public enum Palette {
    // The system's backgrounds (iOS 17): a list row and a plain screen, the grouped list's
    // background, and, in dark mode, a row inside a sheet (elevated). Labels: `.primary` text.
    /// Light: a row of an inset grouped list, a plain screen (`systemBackground`).
    public static let lightRow = RGB(hex: 0xFFFFFF)
    /// Light: behind the rows of a grouped list (`systemGroupedBackground`).
    public static let lightGrouped = RGB(hex: 0xF2F2F7)
    /// Dark: a plain screen, behind the rows of a grouped list.
    public static let darkPlain = RGB(hex: 0x000000)
    /// Dark: a row of an inset grouped list (`secondarySystemGroupedBackground`).
    public static let darkRow = RGB(hex: 0x1C1C1E)
    /// Dark: a row of a list inside a sheet (the elevated `secondarySystemGroupedBackground`).
    public static let darkElevatedRow = RGB(hex: 0x2C2C2E)
    /// Light: `.primary` text.
    public static let lightLabel = RGB(hex: 0x000000)
    /// Dark: `.primary` text.
    public static let darkLabel = RGB(hex: 0xFFFFFF)
    /// The label of a filled (`.borderedProminent`) button, in both modes.
    public static let buttonLabel = RGB(hex: 0xFFFFFF)

    // The colours.
    /// Light: safety alerts, the prone-hold timer past 10 minutes, a refused field's message.
    public static let alertTextLight = RGB(hex: 0xB3261E)
    /// Dark: the same.
    public static let alertTextDark = RGB(hex: 0xFF8A80)
    /// Light: "Review overdue", s.6(5) items still missing, a note not saved yet.
    public static let overdueTextLight = RGB(hex: 0x9C4A00)
    /// Dark: the same.
    public static let overdueTextDark = RGB(hex: 0xFFB340)
    /// Light: the fill of the Stop button (white label).
    public static let alertFillLight = RGB(hex: 0xB3261E)
    /// Dark: the same.
    public static let alertFillDark = RGB(hex: 0xC62828)
    /// Light: the fill of the capture button (white label): the app's blue, not the alert red,
    /// so red keeps meaning "alert" (apps.md F13).
    public static let captureFillLight = RGB(hex: 0x0E5A8D)
    /// Dark: the same.
    public static let captureFillDark = RGB(hex: 0x1A65A3)

    /// How strongly a badge's colour tints its capsule; its text is `.primary`.
    public static let tintAlpha = 0.18

    /// Alert text.
    public static let alert = AppearancePair(light: alertTextLight, dark: alertTextDark)
    /// Overdue and missing text.
    public static let overdue = AppearancePair(light: overdueTextLight, dark: overdueTextDark)
    /// The Stop button.
    public static let alertFill = AppearancePair(light: alertFillLight, dark: alertFillDark)
    /// The capture button.
    public static let captureFill = AppearancePair(light: captureFillLight, dark: captureFillDark)

    /// Every pair the app draws, each to reach 4.5:1.
    public static let requirements: [ContrastRequirement] = [
        ContrastRequirement("alert text on a row, light", foreground: alertTextLight, background: lightRow),
        ContrastRequirement("alert text on the grouped background, light", foreground: alertTextLight, background: lightGrouped),
        ContrastRequirement("alert text on a plain screen, dark", foreground: alertTextDark, background: darkPlain),
        ContrastRequirement("alert text on a row, dark", foreground: alertTextDark, background: darkRow),
        ContrastRequirement("alert text on a row in a sheet, dark", foreground: alertTextDark, background: darkElevatedRow),
        ContrastRequirement("overdue text on a row, light", foreground: overdueTextLight, background: lightRow),
        ContrastRequirement("overdue text on the grouped background, light", foreground: overdueTextLight, background: lightGrouped),
        ContrastRequirement("overdue text on a plain screen, dark", foreground: overdueTextDark, background: darkPlain),
        ContrastRequirement("overdue text on a row, dark", foreground: overdueTextDark, background: darkRow),
        ContrastRequirement("overdue text on a row in a sheet, dark", foreground: overdueTextDark, background: darkElevatedRow),
        ContrastRequirement("Stop label on its fill, light", foreground: buttonLabel, background: alertFillLight),
        ContrastRequirement("Stop label on its fill, dark", foreground: buttonLabel, background: alertFillDark),
        ContrastRequirement("capture label on its fill, light", foreground: buttonLabel, background: captureFillLight),
        ContrastRequirement("capture label on its fill, dark", foreground: buttonLabel, background: captureFillDark),
        ContrastRequirement("badge text on an alert tint, light", foreground: lightLabel, background: lightGrouped, tint: alertTextLight),
        ContrastRequirement("badge text on an alert tint, dark", foreground: darkLabel, background: darkElevatedRow, tint: alertTextDark),
        ContrastRequirement("badge text on an overdue tint, light", foreground: lightLabel, background: lightGrouped, tint: overdueTextLight),
        ContrastRequirement("badge text on an overdue tint, dark", foreground: darkLabel, background: darkElevatedRow, tint: overdueTextDark),
    ]
}
