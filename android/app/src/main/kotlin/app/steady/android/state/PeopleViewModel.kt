// People: the device's units and their people in the core's shift order (pinned on this phone,
// then a safety alert or a recent event, then the rest, by the name staff use), searched offline
// as the user types — each hit with the line that matched — with the pending-sync badge, the
// overdue-review flag and a pin per person.
package app.steady.android.state

import androidx.lifecycle.viewModelScope
import app.steady.core.model.IncidentStatus
import app.steady.core.model.PersonSummary
import app.steady.core.model.Role
import app.steady.core.model.SearchField
import app.steady.core.model.UnitAccess
import app.steady.core.roleLabel
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** State and events of the People screen. */
class PeopleViewModel(
    session: SteadySession,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(PeopleUiState())

    /** What the screen shows. */
    val state: StateFlow<PeopleUiState> = mutable.asStateFlow()

    /** Every active unit's people, by unit id: search hits are shown from here. */
    @Volatile private var everyone: Map<String, List<PersonRow>> = emptyMap()

    init {
        reloadOnChange { load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, loading = false) }

    private fun load() {
        val store = session.store
        val units = unitRows(store.units(), session.labels)
        everyone =
            units.filter { it.active }.associate { u ->
                u.id to store.people(u.id).map { shiftRow(it) }
            }
        // Drafts left open (a capture never finished, a kill mid-capture): listed where the user
        // starts, so none is forgotten.
        val drafts =
            units.filter { it.active }.sumOf { u ->
                store.incidents(u.id).count { it.status == IncidentStatus.DRAFT }
            }
        // The review queue of each unit: proposals for the plan waiting for an editor.
        val proposals =
            units.filter { it.active }.associate { u -> u.id to (runCatching { store.planProposals(u.id).size }.getOrNull() ?: 0) }
        val status = store.syncStatus()
        val known = knownUnits
        knownUnits = units.map { it.id }.toSet()
        mutable.update { s ->
            val kept = s.selectedUnitId?.let { id -> units.firstOrNull { it.id == id } }
            // The next placement just added while the selected one has ended: show it.
            val added = if (known != null) units.firstOrNull { it.active && it.id !in known } else null
            val selected =
                when {
                    kept != null && (kept.active || added == null) -> kept.id
                    added != null -> added.id
                    else -> units.firstOrNull { it.active }?.id ?: units.firstOrNull()?.id
                }
            s.copy(
                units = units,
                selectedUnitId = selected,
                pendingSync = status.pending.toInt(),
                problems = (status.quarantined + status.conflicts).toInt(),
                draftsToFinish = drafts,
                proposalsByUnit = proposals,
                ended = endedState(units, selected),
                noPlacement = status.enrolled && units.isEmpty(),
                loading = false,
            )
        }
        applyQuery()
        reloadAtNextEnd(units)
    }

    /** The unit ids of the last load: a unit not among them was just added. */
    @Volatile private var knownUnits: Set<String>? = null

    /** Reloads when the next active placement ends, so the ended state shows while the screen is open. */
    @Volatile private var endTimer: Job? = null

    private fun reloadAtNextEnd(units: List<UnitRow>) {
        endTimer?.cancel()
        // The core decides "ended" by the device's own clock, so the wait is by it too.
        val next = units.filter { it.active }.mapNotNull { it.endsAt }.minOrNull() ?: return
        endTimer =
            viewModelScope.launch(session.io) {
                delay((next - SystemClock.nowMillis()).coerceAtLeast(0) + END_MARGIN_MS)
                attempt { load() }
            }
    }

    /** What the screen says when [selected]'s placement has ended, or null while it is active. */
    private fun endedState(
        units: List<UnitRow>,
        selected: String?,
    ): EndedPlacementUi? {
        val unit = units.firstOrNull { it.id == selected }?.takeUnless { it.active } ?: return null
        val other = units.firstOrNull { it.active }
        return EndedPlacementUi(
            unitId = unit.id,
            unitName = unit.name,
            text = endedPlacementText(unit.name, unit.endsAt?.let(session.labels::dayTime), unit.pendingChanges),
            pendingChanges = unit.pendingChanges,
            switchTo = other?.let { Choice(it.id, it.name) },
        )
    }

    /** What the list shows for the current unit and search text. */
    private fun applyQuery() {
        val s = mutable.value
        val query = s.query.trim()
        val rows =
            if (query.isEmpty()) {
                everyone[s.selectedUnitId].orEmpty()
            } else {
                val unitNames = s.units.associate { it.id to it.name }
                session.store.searchPeople(query, 50u).mapNotNull { hit ->
                    val row = everyone[hit.unitId]?.firstOrNull { it.id == hit.personId } ?: return@mapNotNull null
                    // Why they matched, unless it was a name: the row shows both names already.
                    val line = hit.matched?.takeUnless { it.field == SearchField.NAME || it.field == SearchField.PREFERRED_NAME }?.line
                    val unit = if (hit.unitId == s.selectedUnitId) row.unitName else unitNames[hit.unitId]
                    row.copy(unitName = unit, matchLine = line)
                }
            }
        mutable.update { if (it.query == s.query && it.selectedUnitId == s.selectedUnitId) it.copy(people = rows) else it }
    }

    /** A row in the core's shift order: the pin and the recent event that put them near the top. */
    private fun shiftRow(p: PersonSummary): PersonRow =
        personRow(p).copy(
            pinned = p.pinned,
            recentEvent = p.recentEvent?.let { "${it.label} · ${session.labels.dayTime(it.at)}" },
        )

    /**
     * Pins a person on this phone (first in the list, for this shift) or unpins them. The order
     * is the core's: the list reloads from it.
     */
    fun onTogglePin(personId: String) {
        val pinned =
            everyone.values
                .flatten()
                .firstOrNull { it.id == personId }
                ?.pinned ?: return
        io {
            session.store.pinPerson(personId, !pinned)
            // A pin is this phone's list only: no record changed, so only this screen reloads.
            load()
        }
    }

    /** The search text changed: results follow at once, from the device's own index. */
    fun onQueryChange(text: String) {
        mutable.update { it.copy(query = text) }
        io { applyQuery() }
    }

    /** Another unit was picked. */
    fun onSelectUnit(unitId: String) {
        mutable.update { it.copy(selectedUnitId = unitId, query = "", ended = endedState(it.units, unitId)) }
        io { applyQuery() }
    }

    /** The role this device holds in a unit. */
    fun roleIn(unitId: String): Role? =
        session.store
            .units()
            .firstOrNull { it.grant.unitId == unitId }
            ?.grant
            ?.role
}

/** A moment past a grant's end before reloading, so the core's clock has passed it too. */
private const val END_MARGIN_MS = 500L

/**
 * The device's units as the unit picker and settings list them: name, role, and the end of the
 * placement on a UK clock ("Ends Fri 5 Dec, 20:00", "Ended Thu 4 Dec, 20:00").
 */
fun unitRows(
    units: List<UnitAccess>,
    labels: TimeLabels,
): List<UnitRow> =
    units.map { u ->
        UnitRow(
            id = u.grant.unitId,
            name = u.grant.name,
            organisation = u.grant.organisation,
            roleLabel = roleLabel(u.grant.role),
            active = u.active,
            pendingChanges = u.pendingChanges.toInt(),
            endsLabel =
                u.grant.endsAt?.let { (if (u.active) "Ends " else "Ended ") + labels.dayTime(it) }
                    ?: if (u.active) null else "Ended",
            endsAt = u.grant.endsAt,
        )
    }

/**
 * "Your placement in Willow Ward ended Fri 27 Nov, 20:00. Its records leave this phone once
 * everything is synced (2 changes waiting)." [endedAt] is already in words (UK time).
 */
fun endedPlacementText(
    unitName: String,
    endedAt: String?,
    pendingChanges: Int,
): String {
    val waiting =
        when (pendingChanges) {
            0 -> "nothing waiting to send"
            1 -> "1 change waiting"
            else -> "$pendingChanges changes waiting"
        }
    val ended = if (endedAt != null) "ended $endedAt" else "has ended"
    return "Your placement in $unitName $ended. Its records leave this phone once everything is synced ($waiting)."
}
