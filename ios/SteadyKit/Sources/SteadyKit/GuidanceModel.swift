// The guidance screen's model: the unit's guidance cards, on the device, filtered as the user
// types (title, body and tags).

import Foundation
import Observation
import SteadyCore

/// State and actions of the guidance screen.
@MainActor
@Observable
public final class GuidanceModel {
    /// Every card of the unit, by title.
    public private(set) var cards: [GuidanceCard] = []
    /// The filter text.
    public var query = ""
    /// The last problem, to show.
    public var problem: UserProblem?

    private let session: AppSession

    /// The model for `session`.
    public init(session: AppSession) {
        self.session = session
    }

    /// The cards matching every word of the query.
    public var shown: [GuidanceCard] {
        let words = query.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        if words.isEmpty { return cards }
        return cards.filter { card in
            let haystack = ([card.title, card.body] + card.tags).joined(separator: " ").lowercased()
            return words.allSatisfy { haystack.contains($0) }
        }
    }

    /// Loads the cards of the unit in use.
    public func load() async {
        guard let core = session.core, let unitId = session.selectedUnitId else { return }
        do {
            cards = try await core.call { try $0.guidanceCards(unitId: unitId) }
        } catch {
            problem = await session.handle(error)
        }
    }
}
