// The person in the restraint flow, on screen (SteadyKit's RestraintFlow.swift holds the
// logic): the person's safety alerts and contraindications, each with what it rules out, and
// what their plan authorises with its conditions, shown above the intervention choices; the
// choices marked; the question with a required reason before a ruled-out intervention is
// recorded; the bar that keeps a running hold's Stop and the monitoring prompt on screen at
// every text size; and the person screen's "what it rules out" marks and their editor.
//
// Marks never rely on colour alone: a ruled-out choice carries a "nosign" symbol and the words
// "Ruled out by their cautions", which VoiceOver reads with the intervention's name.

import SteadyCore
import SteadyKit
import SwiftUI

/// The person's cautions and authorised interventions, before any intervention is chosen.
struct RestraintProfileSection: View {
    let profile: RestraintProfile?
    let unreadable: Bool
    /// The incident names a known person (else there is no profile to show).
    let personNamed: Bool

    var body: some View {
        if let profile {
            Section {
                if profile.cautions.isEmpty {
                    Text("No safety alerts or contraindications recorded.").foregroundStyle(.secondary)
                }
                ForEach(profile.cautions, id: \.id) { caution in
                    CautionRow(caution: caution)
                }
                Text("Authorised in their plan")
                    .font(.subheadline.weight(.semibold))
                    .foregroundStyle(.secondary)
                    .accessibilityAddTraits(.isHeader)
                if profile.authorised.isEmpty {
                    Text("Their plan authorises no restrictive intervention.").foregroundStyle(.secondary)
                }
                ForEach(profile.authorised, id: \.id) { item in
                    VStack(alignment: .leading, spacing: 2) {
                        Label(item.intervention.codeAndLabel, systemImage: "checkmark.seal")
                        if !item.note.isEmpty {
                            Text(item.note).font(.footnote).foregroundStyle(.secondary)
                        }
                    }
                    .accessibilityElement(children: .combine)
                }
            } header: {
                Text("Before any hold: \(profile.name)")
            }
            .listRowBackground(Color.red.opacity(0.08))
        } else if unreadable && personNamed {
            Section {
                Label("Their safety alerts and contraindications could not be shown here. Check their support sheet before any hold.",
                      systemImage: "exclamationmark.triangle")
                    .foregroundStyle(Color.steadyAlert)
            } header: {
                Text("Before any hold")
            }
        }
    }
}

/// One safety alert or contraindication, in the person's words, with what it rules out.
struct CautionRow: View {
    let caution: Caution

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Label {
                Text(caution.text).font(.headline)
            } icon: {
                Image(systemName: caution.list == .safetyAlert ? "exclamationmark.triangle.fill" : "cross.case.fill")
            }
            .foregroundStyle(Color.steadyAlert)
            Text(caution.list.label).font(.footnote).foregroundStyle(.secondary)
            if let line = caution.rulesOutLine {
                Label(line, systemImage: "nosign")
                    .font(.subheadline.weight(.semibold))
                    .foregroundStyle(Color.steadyAlert)
            }
        }
        .frame(minHeight: 44, alignment: .leading)
        .accessibilityElement(children: .combine)
    }
}

/// A one-tap start, marked ruled out or in the plan.
struct InterventionChoiceButton: View {
    let choice: InterventionChoice
    let disabled: Bool
    let action: () -> Void

    var body: some View {
        Button(action: action) {
            VStack(alignment: .leading, spacing: 2) {
                Text(choice.intervention.label).foregroundStyle(Color.accentColor)
                if let mark = choice.mark {
                    Label(mark, systemImage: choice.isRuledOut ? "nosign" : "checkmark.seal")
                        .font(.footnote.weight(choice.isRuledOut ? .semibold : .regular))
                        .foregroundStyle(choice.isRuledOut ? Color.steadyAlert : Color.secondary)
                }
            }
            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
            .contentShape(Rectangle())
        }
        .disabled(disabled)
        .accessibilityLabel(choice.accessibilityLabel)
        .accessibilityHint(choice.isRuledOut ? "Asks for your reason before anything is recorded" : "Starts its timer now")
    }
}

/// An intervention in the full list's menu: "01 Prone restraint", with its mark.
struct InterventionMenuItem: View {
    let choice: InterventionChoice
    let action: () -> Void

    var body: some View {
        Button(action: action) {
            if choice.isRuledOut {
                Label("\(choice.title) — ruled out by their cautions", systemImage: "nosign")
            } else if choice.authorised != nil {
                Label("\(choice.title) — in their plan", systemImage: "checkmark.seal")
            } else {
                Text(choice.title)
            }
        }
        .accessibilityLabel(choice.accessibilityLabel)
    }
}

/// On an entry the person's cautions rule out: which, and the reason staff gave.
struct OverrideRecordRow: View {
    let cautions: [Caution]
    let reason: String?

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Label("Against their cautions", systemImage: "nosign")
                .font(.subheadline.weight(.semibold))
                .foregroundStyle(Color.steadyAlert)
            ForEach(cautions, id: \.id) { caution in
                Text(caution.quoted).font(.footnote)
            }
            Text(reason.map { "Reason given: \($0)" } ?? "No reason recorded yet.")
                .font(.footnote)
                .foregroundStyle(reason == nil ? Color.steadyOverdue : Color.secondary)
        }
        .accessibilityElement(children: .combine)
    }
}

/// Asked before an intervention the person's cautions rule out is recorded: the cautions in
/// their words and a required reason. Cancel (or a swipe down) records nothing.
struct CautionOverrideSheet: View {
    let request: CautionOverrideRequest
    let onConfirm: (String) -> Void
    let onCancel: () -> Void
    @State private var reason: String
    @FocusState private var focused: Bool

    init(request: CautionOverrideRequest, onConfirm: @escaping (String) -> Void, onCancel: @escaping () -> Void) {
        self.request = request
        self.onConfirm = onConfirm
        self.onCancel = onCancel
        _reason = State(initialValue: request.reason)
    }

    private var draft: CautionOverrideRequest {
        var draft = request
        draft.reason = reason
        return draft
    }

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    ForEach(request.cautions, id: \.id) { caution in
                        CautionRow(caution: caution)
                    }
                } header: {
                    Text(request.explanation).font(.body).foregroundStyle(.primary).textCase(nil)
                }
                .listRowBackground(Color.red.opacity(0.08))
                Section {
                    TextField("Why you must go ahead", text: $reason, axis: .vertical)
                        .lineLimit(3...8)
                        .focused($focused)
                        .accessibilityHint(draft.reasonProblem ?? "")
                    if !reason.isEmpty {
                        FieldError(message: draft.reasonProblem)
                    }
                } header: {
                    Text("Reason (required, kept in the record)")
                }
                Section {
                    Button {
                        onConfirm(reason)
                    } label: {
                        Text(request.confirmTitle).font(.headline).frame(maxWidth: .infinity, minHeight: 44)
                    }
                    .buttonStyle(.borderedProminent)
                    .tint(Color.steadyAlertFill)
                    .disabled(!draft.canConfirm)
                } footer: {
                    Text("Nothing is recorded until you confirm.")
                }
            }
            .navigationTitle(request.title)
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button(request.cancelTitle, action: onCancel) }
            }
            .onAppear { focused = true }
        }
    }
}

/// The running holds, kept at the bottom of the screen at every text size: the monitoring
/// prompt while a physical hold runs, and each running hold's timer and Stop. The capture
/// button floats over the bottom trailing corner of every tab, so the bar leaves room beneath
/// it (`captureClearance`, scaled with the capture button's text).
struct RunningHoldsBar: View {
    let model: IncidentModel
    /// The capture button's height and padding (Components.swift: 56 points and 16 around).
    @ScaledMetric(relativeTo: .headline) private var captureClearance: CGFloat = 76

    var body: some View {
        let board = model.board
        if !model.isSubmitted, !board.running.isEmpty {
            VStack(alignment: .leading, spacing: 8) {
                if let prompt = board.monitoringPrompt {
                    MonitoringPrompt(text: prompt)
                }
                ForEach(board.running) { timer in
                    RunningHoldRow(timer: timer, disabled: model.busy) {
                        if let entry = model.forceEntry(timer.id) {
                            Task { await model.stop(entry) }
                        }
                    }
                }
                Color.clear.frame(height: captureClearance).accessibilityHidden(true)
            }
            .padding(.horizontal)
            .padding(.top, 8)
            .frame(maxWidth: .infinity, alignment: .leading)
            .background(.regularMaterial)
            .overlay(alignment: .top) { Divider() }
        }
    }
}

/// The one-person-monitors prompt. At accessibility text sizes it scrolls inside a bounded box,
/// so the Stop buttons below it stay on screen.
private struct MonitoringPrompt: View {
    let text: String
    @Environment(\.dynamicTypeSize) private var typeSize

    var body: some View {
        let label = Label(text, systemImage: "lungs.fill")
            .font(.body.weight(.semibold))
            .frame(maxWidth: .infinity, alignment: .leading)
        if typeSize.isAccessibilitySize {
            ScrollView {
                label
            }
            .frame(height: 120)
            .accessibilityElement(children: .combine)
        } else {
            label.fixedSize(horizontal: false, vertical: true)
        }
    }
}

/// One running hold in the bar: its name, time and the 10-minute prone fact; Stop on the
/// leading side (away from the capture button), full width at accessibility sizes.
private struct RunningHoldRow: View {
    let timer: ForceTimerState
    let disabled: Bool
    let stop: () -> Void
    @Environment(\.dynamicTypeSize) private var typeSize

    var body: some View {
        let layout = typeSize.isAccessibilitySize
            ? AnyLayout(VStackLayout(alignment: .leading, spacing: 6))
            : AnyLayout(HStackLayout(alignment: .center, spacing: 12))
        layout {
            Button(action: stop) {
                Text("Stop")
                    .font(.headline)
                    .frame(maxWidth: typeSize.isAccessibilitySize ? .infinity : nil, minHeight: 44)
                    .padding(.horizontal, 12)
            }
            .buttonStyle(.borderedProminent)
            .tint(Color.steadyAlertFill)
            .disabled(disabled)
            .accessibilityLabel("Stop \(timer.title)")
            VStack(alignment: .leading, spacing: 2) {
                Text("\(timer.title) \(timer.elapsed)")
                    .font(.headline.monospacedDigit())
                if timer.proneAlert {
                    Label(RestraintWords.proneReported, systemImage: "flag.fill")
                        .font(.footnote.weight(.semibold))
                        .foregroundStyle(Color.steadyAlert)
                }
            }
            .accessibilityElement(children: .combine)
            .accessibilityLabel(timer.accessibilityDescription)
        }
    }
}

/// The interventions a safety alert or contraindication rules out: marks for everyone, and for
/// editors a button to change them.
struct CautionAvoidMarks: View {
    let avoid: [RestrictiveInterventionType]
    let canEdit: Bool
    let edit: () -> Void

    var body: some View {
        let named = RestrictiveInterventionType.all.filter { avoid.contains($0) }.map(\.label)
        if !named.isEmpty {
            Label("Rules out: " + named.joined(separator: ", "), systemImage: "nosign")
                .font(.subheadline.weight(.semibold))
                .foregroundStyle(Color.steadyAlert)
        }
        if canEdit {
            Button(named.isEmpty ? "Set what it rules out" : "Change what it rules out", action: edit)
                .font(.subheadline)
                .buttonStyle(.borderless)
                .frame(minHeight: 44)
        }
    }
}

/// What a caution being edited rules out.
struct CautionAvoidEdit: Identifiable {
    let list: CautionList
    let itemId: String
    let text: String
    let avoid: [RestrictiveInterventionType]
    var id: String { itemId }
}

/// Chooses the interventions a safety alert or contraindication rules out (editors and leads),
/// saved through the core on Save; starting one of them on the person then asks for a reason.
struct CautionAvoidsSheet: View {
    let edit: CautionAvoidEdit
    let onSave: ([RestrictiveInterventionType]) async -> EditResult
    @State private var chosen: Set<RestrictiveInterventionType>
    @State private var saving = false
    @Environment(\.dismiss) private var dismiss

    init(edit: CautionAvoidEdit, onSave: @escaping ([RestrictiveInterventionType]) async -> EditResult) {
        self.edit = edit
        self.onSave = onSave
        _chosen = State(initialValue: Set(edit.avoid))
    }

    var body: some View {
        NavigationStack {
            List {
                Section {
                    Text(edit.text).font(.headline)
                } header: {
                    Text(edit.list.label)
                }
                Section {
                    ForEach(RestrictiveInterventionType.all, id: \.self) { type in
                        Toggle(isOn: Binding(
                            get: { chosen.contains(type) },
                            set: { on in
                                if on { chosen.insert(type) } else { chosen.remove(type) }
                            }
                        )) {
                            Text(type.codeAndLabel)
                        }
                        .frame(minHeight: 44)
                    }
                } header: {
                    Text("Rules out")
                } footer: {
                    Text("Staff starting one of these on the person are shown this and asked for their reason, which the record keeps. None chosen: a caution to read only.")
                }
            }
            .navigationTitle("What it rules out")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") {
                        saving = true
                        Task {
                            let ordered = RestrictiveInterventionType.all.filter { chosen.contains($0) }
                            let result = await onSave(ordered)
                            saving = false
                            if result != .invalid { dismiss() }
                        }
                    }
                    .disabled(saving)
                }
            }
        }
    }
}
