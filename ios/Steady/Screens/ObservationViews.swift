// The incident screen's physical observations (NICE QS154: during and after restraint, and after
// rapid tranquillisation at least hourly), its s.6(5)(k) rows of the nine protected
// characteristics, and the injury questions. The logic is SteadyKit's (Observations.swift,
// IncidentModel); the words of an observation and of each characteristic are the core's.

import SwiftUI
import SteadyCore
import SteadyKit

/// One-tap answers as chips in a grid, the chosen one with a check mark; tapping it again
/// clears it. 44-point targets; VoiceOver reads each as a button, selected or not.
struct ChoiceChips<Value: Hashable>: View {
    let title: String
    let options: [Value]
    let label: (Value) -> String
    @Binding var selection: Value?

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(title)
                .font(.subheadline.weight(.semibold))
                .accessibilityAddTraits(.isHeader)
            LazyVGrid(columns: [GridItem(.adaptive(minimum: 130), spacing: 8)], alignment: .leading, spacing: 8) {
                ForEach(options, id: \.self) { option in
                    let chosen = selection == option
                    Button {
                        selection = chosen ? nil : option
                    } label: {
                        Label(label(option), systemImage: chosen ? "checkmark.circle.fill" : "circle")
                            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                    }
                    .buttonStyle(.bordered)
                    .tint(chosen ? .accentColor : .secondary)
                    .accessibilityAddTraits(chosen ? .isSelected : [])
                }
            }
        }
        .padding(.vertical, 4)
    }
}

/// "Observations": the quick form, then those taken, newest first. On a draft from the first
/// second of a hold (under the use of force), and on a submitted incident.
struct ObservationsSection: View {
    @Bindable var model: IncidentModel

    var body: some View {
        Section {
            if let due = model.nextObservationDueText {
                // After rapid tranquillisation: the core's next check, on the ward's clock.
                Text(due)
                    .font(.headline)
                    .foregroundStyle(model.nextObservationOverdue ? Color.steadyAlert : .primary)
            }
            TakenAtRow(model: model)
            Picker("When", selection: Binding(
                get: { model.observationDraft.phase },
                set: { phase in
                    model.observationDraft.phase = phase
                    model.observationDraft.phaseChosen = true
                }
            )) {
                ForEach(ObservationPhase.all, id: \.self) { phase in
                    Text(phase.label).tag(phase)
                }
            }
            .pickerStyle(.menu)
            .frame(minHeight: 44)
            if model.observationDraft.phase == .afterRapidTranquillisation {
                Toggle(isOn: $model.observationDraft.noFurtherConcerns) {
                    VStack(alignment: .leading, spacing: 2) {
                        Text("No further concerns")
                        Text("Only when their physical health raises no further concerns: the hourly reminders stop.")
                            .font(.footnote).foregroundStyle(.secondary)
                    }
                }
                .frame(minHeight: 44)
            }
            ChoiceChips(title: "Breathing", options: Breathing.all, label: { $0.label },
                        selection: $model.observationDraft.breathing)
            ChoiceChips(title: "Colour", options: SkinColour.all, label: { $0.label },
                        selection: $model.observationDraft.colour)
            ChoiceChips(title: "Consciousness (ACVPU)", options: Consciousness.all, label: { $0.label },
                        selection: $model.observationDraft.consciousness)
            ChoiceChips(title: "Position", options: BodyPosition.all, label: { $0.label },
                        selection: $model.observationDraft.position)
            ForEach(ObservationField.allCases) { field in
                VStack(alignment: .leading, spacing: 2) {
                    TextField(field.label, text: value(of: field), axis: field.isNumber ? .horizontal : .vertical)
                        .keyboardType(keyboard(for: field))
                        .frame(minHeight: 44)
                    if let error = model.observationDraft.errors[field] {
                        FieldError(message: error)
                    } else if let range = field.rangeText {
                        // The core's plausible range (vitalSignRanges), in the form's units.
                        Text(range).font(.footnote).foregroundStyle(.secondary)
                    }
                }
            }
            FieldError(message: model.observationDraft.error)
            Button {
                Task { await model.recordObservation() }
            } label: {
                Text("Record observation").font(.headline).frame(maxWidth: .infinity, minHeight: 44)
            }
            .disabled(model.busy)
            if let saved = model.observationSavedAt {
                Text("Observation recorded at \(TimeText.dateTime(saved))")
                    .font(.footnote).foregroundStyle(.secondary)
            }
        } header: {
            Text("Record an observation")
        } footer: {
            Text("From the first minute of a hold and after it; after rapid tranquillisation, at least every hour. Tap a chosen answer again to clear it.")
        }
        Section("Observations taken") {
            if model.observations.isEmpty {
                Text("No observations recorded yet.").foregroundStyle(.secondary)
            }
            ForEach(model.observations) { row in
                VStack(alignment: .leading, spacing: 4) {
                    Text(row.heading).font(.subheadline.weight(.semibold))
                    Text(row.text)
                    Text("\(TimeText.dateTime(row.at)) · \(row.by)")
                        .font(.footnote).foregroundStyle(.secondary)
                }
                .accessibilityElement(children: .combine)
            }
        }
    }

    /// The typed value of `field`; typing clears that field's refusal.
    private func value(of field: ObservationField) -> Binding<String> {
        Binding(
            get: { model.observationDraft.values[field] ?? "" },
            set: { text in
                model.observationDraft.values[field] = text
                model.observationDraft.errors[field] = nil
                model.observationDraft.error = nil
            }
        )
    }

    private func keyboard(for field: ObservationField) -> UIKeyboardType {
        switch field {
        case .temperature: return .decimalPad
        case .respiratoryRate, .oxygenSaturation, .pulse, .systolicBp, .diastolicBp: return .numberPad
        case .notTakenBecause, .hydration, .sideEffects, .note: return .default
        }
    }
}

/// s.6(5)(k): the nine protected characteristics in the core's order and words, each
/// "Stated" (with the words), "Not known" or "Prefers not to say"; an older record's free text
/// read-only above them.
struct CharacteristicsRows: View {
    @Binding var form: IncidentForm
    let errors: [String: String]

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text("(k) Relevant characteristics")
                .font(.subheadline.weight(.semibold))
                .accessibilityAddTraits(.isHeader)
            Text("\(form.characteristicsAnswered) of \(form.characteristicRows.count) answered. \"Not known\" is an answer.")
                .font(.footnote).foregroundStyle(.secondary)
            if !form.relevantCharacteristics.isEmpty {
                Text("Recorded before as free text: \(form.relevantCharacteristics)")
                    .font(.footnote).foregroundStyle(.secondary)
            }
        }
        ForEach(form.characteristicRows.indices, id: \.self) { index in
            let row = form.characteristicRows[index]
            VStack(alignment: .leading, spacing: 4) {
                ChoiceChips(title: row.label, options: AnswerKind.allCases, label: { $0.label },
                            selection: $form.characteristicRows[index].kind)
                if row.kind == .stated {
                    TextField("\(row.label): as stated", text: $form.characteristicRows[index].stated)
                        .frame(minHeight: 44)
                }
                FieldError(message: errors[row.name])
            }
        }
    }
}

/// An injury question: Not answered, Yes, No or Not known (the core's words).
struct InjuryPicker: View {
    let title: String
    @Binding var value: InjuryIndicator?

    var body: some View {
        Picker(title, selection: $value) {
            Text("Not answered").tag(InjuryIndicator?.none)
            ForEach(InjuryIndicator.all, id: \.self) { answer in
                Text(answer.label).tag(InjuryIndicator?.some(answer))
            }
        }
        .pickerStyle(.menu)
        .frame(minHeight: 44)
    }
}

/// "Taken at": now (the tap on Record) unless moved earlier by the steps; the rule by the field
/// ("Never later than now") and a refusal of a time still to come under it.
struct TakenAtRow: View {
    @Bindable var model: IncidentModel

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text("Taken at").font(.subheadline.weight(.semibold)).accessibilityAddTraits(.isHeader)
            Text(model.observationDraft.takenAt.map { TimeText.dateTime($0) } ?? "Now: when you tap Record")
            LazyVGrid(columns: [GridItem(.adaptive(minimum: 90), spacing: 8)], alignment: .leading, spacing: 8) {
                ForEach(ObservationDraft.takenAtSteps, id: \.self) { minutes in
                    Button(minutes < 0 ? "−\(-minutes) min" : "+\(minutes) min") {
                        model.moveObservationTime(minutes: minutes)
                    }
                    .buttonStyle(.bordered)
                    .frame(minHeight: 44)
                }
                if model.observationDraft.takenAt != nil {
                    Button("Now") { model.observationTimeNow() }
                        .buttonStyle(.bordered)
                        .frame(minHeight: 44)
                }
            }
            if let error = model.observationDraft.takenAtError {
                FieldError(message: error)
            } else {
                Text(ObservationDraft.takenAtRule).font(.footnote).foregroundStyle(.secondary)
            }
        }
        .padding(.vertical, 4)
    }
}
