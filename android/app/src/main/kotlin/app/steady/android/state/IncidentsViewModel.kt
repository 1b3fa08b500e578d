// Incidents: drafts, those waiting to sync, and submitted ones, across the device's units; and
// the changes the server refused (quarantined) or that lost to a later edit (conflicts), each
// with its reason, so nothing is silently lost.
package app.steady.android.state

import app.steady.core.incidentTagLabel
import app.steady.core.model.EntityKind
import app.steady.core.model.IncidentStatus
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** State and events of the Incidents screen. */
class IncidentsViewModel(
    session: SteadySession,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(IncidentsUiState())

    /** What the screen shows. */
    val state: StateFlow<IncidentsUiState> = mutable.asStateFlow()

    init {
        // Incidents, their refused changes and conflicts, and the grants that gate them.
        reloadOnChange(relevant = { c ->
            c.syncStatus || c.unitsWithNewAccess.isNotEmpty() || c.records.any { it.kind == EntityKind.INCIDENT }
        }) { load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, loading = false) }

    private fun load() {
        val store = session.store
        val rows =
            store
                .units()
                .filter { it.active }
                .flatMap { store.incidents(it.grant.unitId) }
                .sortedByDescending { it.occurredAt }
                .map {
                    IncidentRow(
                        id = it.id,
                        about = it.about,
                        whenLabel = session.labels.dayTime(it.occurredAt),
                        tags = it.tags.map { t -> incidentTagLabel(t) },
                        useOfForce = it.useOfForce,
                        waitingToSync = it.pendingChanges > 0u,
                        submitted = it.status == IncidentStatus.SUBMITTED,
                    )
                }
        val quarantined =
            store.quarantinedChanges().map {
                ProblemRow(it.opId, "A change to ${it.entity.name.lowercase().replace('_', ' ')} was refused", it.detail)
            }
        val conflicts =
            store.conflicts().map {
                ProblemRow(
                    it.id.toString(),
                    "Your edit of ${it.field.replace('_', ' ')} lost to a later change",
                    "Changed elsewhere at ${session.labels.dayTime(it.winningStamp.wallMs)}. Your value is kept here.",
                )
            }
        mutable.update {
            it.copy(
                drafts = rows.filter { r -> !r.submitted },
                waiting = rows.filter { r -> r.submitted && r.waitingToSync },
                submitted = rows.filter { r -> r.submitted && !r.waitingToSync },
                quarantined = quarantined,
                conflicts = conflicts,
                loading = false,
            )
        }
    }

    /** Gives up a refused change: the record goes back to the server's value. */
    fun onDiscardQuarantined(opId: String) =
        io {
            session.store.discardQuarantined(opId)
        }

    /** The user has read a conflict. */
    fun onDismissConflict(id: String) =
        io {
            session.store.dismissConflict(id.toLong())
        }
}
