// Guidance: the organisation's short cards for the device's units, read offline and filtered
// as the user types.
package app.steady.android.state

import app.steady.core.model.EntityKind
import app.steady.core.model.GuidanceCard
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** State and events of the Guidance screen. */
class GuidanceViewModel(
    session: SteadySession,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(GuidanceUiState())

    /** What the screen shows. */
    val state: StateFlow<GuidanceUiState> = mutable.asStateFlow()

    @Volatile private var all: List<GuidanceCard> = emptyList()

    init {
        reloadOnChange(relevant = { c ->
            c.unitsWithNewAccess.isNotEmpty() || c.records.any { it.kind == EntityKind.GUIDANCE }
        }) { load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(loading = false) }

    private fun load() {
        all =
            session.store
                .units()
                .filter { it.active }
                .flatMap { session.store.guidanceCards(it.grant.unitId) }
                .sortedBy { it.title.lowercase() }
        mutable.update { it.copy(loading = false, cards = filtered(it.query)) }
    }

    private fun filtered(query: String): List<GuidanceCardUi> {
        val words = query.lowercase().split(' ').filter { it.isNotBlank() }
        return all
            .filter { c ->
                val hay = (c.title + " " + c.body + " " + c.tags.joinToString(" ")).lowercase()
                words.all { it in hay }
            }.map { GuidanceCardUi(it.id, it.title, it.body, it.tags) }
    }

    /** The filter text changed. */
    fun onQueryChange(text: String) = mutable.update { it.copy(query = text, cards = filtered(text)) }

    /** A card was opened or closed. */
    fun onToggle(id: String) = mutable.update { it.copy(expandedId = if (it.expandedId == id) null else id) }
}
