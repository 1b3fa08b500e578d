// The shift huddle: at the start of a shift or a handover, who in the unit had a red or amber
// event or a moderate or high checklist over the last 24 or 72 hours, the incidents still
// drafts, the support sheets overdue for review, and the handover notes the last shift left
// (newest first, with who wrote them and when). Anyone working in the unit adds a note: the core
// signs it with this phone's member of staff and keeps it to 2000 characters; a refusal is shown
// under the field and the typed words are kept.
package app.steady.android.state

import app.steady.core.SteadyException
import app.steady.core.model.BandLevel
import app.steady.core.model.Huddle
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** One person to talk about: their name and the period's events in words. */
data class HuddlePersonUi(
    val personId: String,
    val name: String,
    /** "2 red · 1 amber · checklist high". */
    val summary: String,
)

/** One handover note: its words, "Alex Morgan, Support worker · Mon 23 Nov, 14:05", whom it is about. */
data class HandoverNoteUi(
    val noteId: String,
    val text: String,
    val byLine: String,
    /** "About Sam", or null for the unit. */
    val about: String?,
)

/** The huddle screen. */
data class HuddleUiState(
    val unitName: String = "",
    /** 24 or 72. */
    val hours: Int = 24,
    val people: List<HuddlePersonUi> = emptyList(),
    /** "Sam · Mon 23 Nov, 14:05 · recorded by Alex Morgan (use of force)". */
    val drafts: List<String> = emptyList(),
    /** "Jo Park: review was due Mon 23 Nov, 00:00". */
    val overdue: List<String> = emptyList(),
    val notes: List<HandoverNoteUi> = emptyList(),
    /** The note being typed. */
    val noteText: String = "",
    val noteError: String? = null,
    val message: String? = null,
    val loading: Boolean = true,
)

/** The look-backs offered. */
val HUDDLE_HOURS = listOf(24, 72)

/** A checklist band in words (never left to colour). */
fun bandWords(band: BandLevel): String =
    when (band) {
        BandLevel.LOW -> "low"
        BandLevel.MODERATE -> "moderate"
        BandLevel.HIGH -> "high"
    }

/** State and events of [unitId]'s shift huddle. */
class HuddleViewModel(
    session: SteadySession,
    private val unitId: String,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(HuddleUiState())

    /** What the screen shows. */
    val state: StateFlow<HuddleUiState> = mutable.asStateFlow()

    init {
        // A note or an incident from another phone arriving by sync changes the huddle.
        reloadOnChange { load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, loading = false) }

    private fun load() {
        val store = session.store
        val unitName =
            store
                .units()
                .firstOrNull { it.grant.unitId == unitId }
                ?.grant
                ?.name
                .orEmpty()
        val h = store.shiftHuddle(unitId, mutable.value.hours.toUInt())
        mutable.update { it.copy(unitName = unitName, loading = false).with(h, session.labels) }
    }

    private fun HuddleUiState.with(
        h: Huddle,
        labels: TimeLabels,
    ): HuddleUiState =
        copy(
            people =
                h.people.map { p ->
                    val band = p.checklistBand?.let { "checklist ${bandWords(it)}" }
                    HuddlePersonUi(p.personId, p.name, listOfNotNull("${p.red} red", "${p.amber} amber", band).joinToString(" · "))
                },
            drafts =
                h.openDrafts.map { d ->
                    val about = d.about.ifBlank { "Not named" }
                    val force = if (d.useOfForce) " (use of force: its record waits)" else ""
                    "$about · ${labels.dayTime(d.occurredAt)} · recorded by ${d.recordedBy}$force"
                },
            overdue = h.sheetsOverdue.map { "${it.name}: review was due ${labels.dayTime(it.due)}" },
            notes =
                h.notes.map { n ->
                    HandoverNoteUi(
                        noteId = n.noteId,
                        text = n.text,
                        byLine = listOf(n.author, n.jobTitle).filter { it.isNotBlank() }.joinToString(", ") + " · ${labels.dayTime(n.at)}",
                        about = n.personId?.let { "About ${n.personName.ifBlank { "someone no longer on this phone" }}" },
                    )
                },
        )

    /** Looks back over [hours] (24 or 72). */
    fun onHours(hours: Int) {
        if (hours !in HUDDLE_HOURS) return
        mutable.update { it.copy(hours = hours) }
        io { load() }
    }

    /** The note, as typed. */
    fun onNoteText(text: String) = mutable.update { it.copy(noteText = text, noteError = null) }

    /** Adds the note for the unit (signed by this phone's member of staff); a refusal stays under the field. */
    fun onAddNote() {
        val text = mutable.value.noteText
        io {
            try {
                session.store.addHandoverNote(unitId, null, text)
            } catch (e: SteadyException.Validation) {
                mutable.update { it.copy(noteError = errorText(e)) }
                return@io
            } catch (e: SteadyException.NotAllowed) {
                mutable.update { it.copy(noteError = refusalText(e.refusal)) }
                return@io
            }
            mutable.update { it.copy(noteText = "", noteError = null, message = "Handover note added.") }
            session.device.requestSync()
            load()
        }
    }
}
