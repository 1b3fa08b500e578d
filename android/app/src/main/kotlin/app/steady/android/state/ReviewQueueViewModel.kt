// The review queue: proposals for people's plans made from incidents and debriefs (often by
// staff who cannot edit the sheet), waiting for an editor or a lead to accept them onto the sheet
// (linked to their incident) or decline them with a reason kept on the sheet. Everyone in the
// unit sees the queue; only editors and leads see Accept and Decline, and a refusal of the core
// (NotAllowed, a role too low) is shown plainly. Opened from the unit's home (every person) or
// from a person's sheet (theirs only).
package app.steady.android.state

import app.steady.core.Field
import app.steady.core.SteadyException
import app.steady.core.model.ItemSource
import app.steady.core.model.PendingProposal
import app.steady.core.model.Role
import app.steady.core.sheetListHeading
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** One proposal waiting: whose sheet, which list (the core's heading), the words, who, when, its incident. */
data class ProposalRowUi(
    /** "incidentId/entryId": the proposal's source, as a key. */
    val key: String,
    val personId: String,
    val personName: String,
    val listHeading: String,
    val text: String,
    /** "Chris Lee, Bank healthcare assistant". */
    val proposedBy: String,
    /** "Proposed Mon 23 Nov, 14:05". */
    val proposedAtLabel: String,
    /** "From the incident of Mon 23 Nov, 13:40". */
    val incidentLabel: String,
    val incidentId: String,
)

/** Decline: the reason being typed for one proposal, with the core's rule (Field.PROPOSAL) under it. */
data class DeclineFormUi(
    val key: String,
    val reason: String = "",
    val error: String? = null,
)

/** The review queue screen. */
data class ReviewQueueUiState(
    val unitName: String = "",
    /** Only this person's proposals (opened from their sheet), or everyone's. */
    val personName: String? = null,
    val rows: List<ProposalRowUi> = emptyList(),
    /** Editor or lead, the placement active: Accept and Decline are offered. */
    val canDecide: Boolean = false,
    val declining: DeclineFormUi? = null,
    val message: String? = null,
    val loading: Boolean = true,
)

/** The key of a proposal's source. */
fun sourceKey(s: ItemSource): String = "${s.incidentId}/${s.entryId}"

/** State and events of the review queue of [unitId] (only [personId]'s proposals, when given). */
class ReviewQueueViewModel(
    session: SteadySession,
    private val unitId: String,
    private val personId: String? = null,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(ReviewQueueUiState())

    /** What the screen shows. */
    val state: StateFlow<ReviewQueueUiState> = mutable.asStateFlow()

    @Volatile private var pending: List<PendingProposal> = emptyList()

    init {
        // Another phone's proposal, acceptance or decline arriving by sync changes the queue.
        reloadOnChange { load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, loading = false) }

    private fun load() {
        val store = session.store
        val access = store.units().firstOrNull { it.grant.unitId == unitId }
        val names = store.people(unitId).associate { it.id to personRow(it).name }
        pending = store.planProposals(unitId).filter { personId == null || it.personId == personId }
        val rows =
            pending.map { p ->
                ProposalRowUi(
                    key = sourceKey(p.source),
                    personId = p.personId,
                    personName = names[p.personId] ?: "Someone no longer on this phone",
                    listHeading = sheetListHeading(p.proposal.list),
                    text = p.proposal.text,
                    proposedBy = listOf(p.proposedBy, p.jobTitle).filter { it.isNotBlank() }.joinToString(", "),
                    proposedAtLabel = "Proposed ${session.labels.dayTime(p.proposedAt)}",
                    incidentLabel = "From the incident of ${session.labels.dayTime(p.incidentAt)}",
                    incidentId = p.source.incidentId,
                )
            }
        mutable.update { s ->
            s.copy(
                unitName = access?.grant?.name.orEmpty(),
                personName = personId?.let { names[it] },
                rows = rows,
                canDecide = access != null && access.active && access.grant.role != Role.READER,
                declining = s.declining?.takeIf { d -> rows.any { it.key == d.key } },
                loading = false,
            )
        }
    }

    private fun sourceOf(key: String): ItemSource? = pending.firstOrNull { sourceKey(it.source) == key }?.source

    /** Accepts it onto the sheet, linked to its incident (editor or lead; a refusal is shown). */
    fun onAccept(key: String) {
        val source = sourceOf(key) ?: return
        val row = mutable.value.rows.firstOrNull { it.key == key } ?: return
        io {
            try {
                session.store.acceptProposal(source)
            } catch (e: SteadyException.NotAllowed) {
                mutable.update { it.copy(message = refusalText(e.refusal)) }
                return@io
            }
            mutable.update { it.copy(message = "Accepted: on ${row.personName}'s sheet under ${row.listHeading}.") }
            session.device.requestSync()
            load()
        }
    }

    /** Decline tapped: asks for the reason (kept on the sheet). */
    fun onDeclineOpen(key: String) = mutable.update { it.copy(declining = DeclineFormUi(key), message = null) }

    /** The reason, as typed. */
    fun onDeclineReason(text: String) = mutable.update { it.copy(declining = it.declining?.copy(reason = text, error = null)) }

    /** Not declined after all. */
    fun onDeclineCancel() = mutable.update { it.copy(declining = null) }

    /** Declines it with the reason; the core's rule (Field.PROPOSAL) stays under the reason. */
    fun onDeclineConfirm() {
        val d = mutable.value.declining ?: return
        val source = sourceOf(d.key) ?: return
        io {
            try {
                session.store.declineProposal(source, d.reason.trim())
            } catch (e: SteadyException.Validation) {
                if (e.field != Field.PROPOSAL) throw e
                mutable.update { it.copy(declining = it.declining?.copy(error = errorText(e))) }
                return@io
            } catch (e: SteadyException.NotAllowed) {
                mutable.update { it.copy(declining = null, message = refusalText(e.refusal)) }
                return@io
            }
            mutable.update { it.copy(declining = null, message = "Declined. The reason is kept on the sheet.") }
            session.device.requestSync()
            load()
        }
    }
}
