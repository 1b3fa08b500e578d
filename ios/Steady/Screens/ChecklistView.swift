// Checklist: STAMP or the person's own warning signs (the core offers both; the person's own
// first) → tick what is present → score and band, with the band's guidance and — when it is
// moderate or high — that person's own "what helps" and "what to avoid" next to the result. The
// template's source and licence note are shown with it.

import SteadyCore
import SteadyKit
import SwiftUI

struct ChecklistView: View {
    @State private var model: ChecklistModel

    init(session: AppSession, personId: String?) {
        _model = State(initialValue: ChecklistModel(session: session, personId: personId))
    }

    var body: some View {
        List {
            if model.templates.count > 1 {
                Section {
                    Picker("Checklist", selection: Binding(
                        get: { model.selected?.id ?? "" },
                        set: { id in
                            if let template = model.templates.first(where: { $0.id == id }) { model.choose(template) }
                        }
                    )) {
                        ForEach(model.templates, id: \.id) { template in
                            Text(template.name).tag(template.id)
                        }
                    }
                    .frame(minHeight: 44)
                }
            }
            if let template = model.selected {
                Section {
                    ForEach(template.items, id: \.id) { item in
                        Toggle(isOn: Binding(
                            get: { model.present.contains(item.id) },
                            set: { _ in model.toggle(item.id) }
                        )) {
                            Text(item.text)
                        }
                        .frame(minHeight: 44)
                    }
                } header: {
                    Text("What do you see now?")
                }
                Section {
                    Button {
                        Task { await model.score() }
                    } label: {
                        HStack {
                            Text("Score").font(.headline)
                            Spacer()
                            if model.busy { ProgressView() }
                        }
                        .frame(minHeight: 44)
                    }
                    .disabled(model.busy)
                }
                if let result = model.result {
                    ResultSections(result: result)
                }
                Section {
                    Text(template.source).font(.footnote)
                    Text(template.licence).font(.footnote).foregroundStyle(.secondary)
                } header: {
                    Text("About this checklist")
                }
            }
        }
        .navigationTitle(model.selected?.name ?? "Checklist")
        .task { await model.load() }
        .problemAlert($model.problem)
    }
}

private struct ResultSections: View {
    let result: ChecklistResultState

    var body: some View {
        Section {
            VStack(alignment: .leading, spacing: 6) {
                Text("\(result.band): \(result.score)")
                    .font(.title2.bold())
                    .foregroundStyle(color)
                Text(result.guidance)
            }
            .accessibilityElement(children: .combine)
            .padding(.vertical, 4)
        } header: {
            Text("Result")
        }
        .listRowBackground(color.opacity(0.15))
        if result.showsStrategies {
            Section {
                ForEach(result.whatHelps, id: \.id) { item in
                    BulletRow(text: item.text, systemImage: "checkmark.circle.fill", color: .green)
                }
            } header: {
                Text("What helps")
            }
            .listRowBackground(Color.orange.opacity(0.15))
            Section {
                ForEach(result.whatToAvoid, id: \.id) { item in
                    BulletRow(text: item.text, systemImage: "xmark.octagon.fill", color: .red)
                }
            } header: {
                Text("What to avoid")
            }
            .listRowBackground(Color.orange.opacity(0.15))
        }
    }

    private var color: Color {
        switch result.level {
        case .low: return .green
        case .moderate: return .orange
        case .high: return .red
        }
    }
}
