// Guidance: the organisation's short guidance cards for the unit, on the phone, found by title,
// text or tag as the user types.

import SteadyCore
import SteadyKit
import SwiftUI

struct GuidanceView: View {
    @State private var model: GuidanceModel
    private let session: AppSession

    init(session: AppSession) {
        self.session = session
        _model = State(initialValue: GuidanceModel(session: session))
    }

    var body: some View {
        @Bindable var model = model
        List(model.shown, id: \.id) { card in
            NavigationLink {
                GuidanceCardView(card: card)
            } label: {
                VStack(alignment: .leading, spacing: 4) {
                    Text(card.title).font(.headline)
                    Text(card.body).font(.subheadline).foregroundStyle(.secondary).lineLimit(2)
                }
                .frame(minHeight: 44)
            }
        }
        .overlay {
            if model.shown.isEmpty {
                ContentUnavailableView("No guidance", systemImage: "book",
                                       description: Text("Guidance cards appear after a sync."))
            }
        }
        .searchable(text: $model.query, prompt: "Search guidance")
        .navigationTitle("Guidance")
        .task(id: session.selectedUnitId) { await model.load() }
        .problemAlert($model.problem)
    }
}

private struct GuidanceCardView: View {
    let card: GuidanceCard

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                Text(card.body)
                if !card.tags.isEmpty {
                    Text(card.tags.joined(separator: " · ")).font(.footnote).foregroundStyle(.secondary)
                }
            }
            .padding()
            .frame(maxWidth: .infinity, alignment: .leading)
        }
        .navigationTitle(card.title)
    }
}
