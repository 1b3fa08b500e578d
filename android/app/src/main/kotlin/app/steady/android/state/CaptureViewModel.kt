// Quick capture: three taps from anywhere — open (the time is taken now), a tag, save — with
// the unit, a person or a description of someone unknown, and a note as optional extras. The
// draft goes into the core as soon as there is something to keep, and every later change a
// moment after it is made, so nothing typed is lost if the phone dies or the app is killed.
package app.steady.android.state

import app.steady.core.incidentTagLabel
import app.steady.core.model.IncidentDetails
import app.steady.core.model.IncidentTag
import app.steady.core.model.QuickCapture
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** State and events of Quick capture; [unitId] and [personId] preselect when opened from a person. */
class CaptureViewModel(
    session: SteadySession,
    unitId: String? = null,
    personId: String? = null,
    saveDelayMillis: Long = 600,
) : SessionViewModel(session) {
    /** Tap 1 is the moment it happened (editable later). */
    private val occurredAt = session.clock.nowMillis()
    private val mutable =
        MutableStateFlow(
            CaptureUiState(
                unitId = unitId,
                personId = personId,
                occurredAtLabel = session.labels.dayTime(occurredAt),
                tags = IncidentTag.entries.map { TagChoice(it, incidentTagLabel(it), false) },
            ),
        )

    /** What the screen shows. */
    val state: StateFlow<CaptureUiState> = mutable.asStateFlow()

    private val saver = DraftSaver(session.persistScope, saveDelayMillis)

    init {
        io { load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text) }

    private fun load() {
        val units = session.store.units().filter { it.active }
        mutable.update { s ->
            val unit = s.unitId?.takeIf { id -> units.any { it.grant.unitId == id } } ?: units.firstOrNull()?.grant?.unitId
            s.copy(units = units.map { Choice(it.grant.unitId, it.grant.name) }, unitId = unit)
        }
        loadPeople()
    }

    private fun loadPeople() {
        val unit = mutable.value.unitId ?: return
        val people =
            session.store
                .people(unit)
                .map { personRow(it) }
                .map { Choice(it.id, it.name) }
        mutable.update { s -> s.copy(people = people, personId = s.personId?.takeIf { id -> people.any { it.id == id } }) }
    }

    /** A unit was picked (only before the draft exists: an incident stays in its unit). */
    fun onSelectUnit(id: String) {
        if (mutable.value.draftId != null) return
        mutable.update { it.copy(unitId = id, personId = null) }
        io { loadPeople() }
    }

    /** A known person was picked, or none. */
    fun onSelectPerson(id: String?) {
        mutable.update { it.copy(personId = id, unidentifiedPerson = if (id != null) "" else it.unidentifiedPerson) }
        persistSoon()
    }

    /** Someone whose name is not known, described ("man ~40, roadside"). */
    fun onUnidentifiedChange(text: String) {
        mutable.update { it.copy(unidentifiedPerson = text, personId = if (text.isNotBlank()) null else it.personId) }
        persistSoon()
    }

    /** A tag was tapped. */
    fun onToggleTag(tag: IncidentTag) {
        mutable.update { s -> s.copy(tags = s.tags.map { if (it.tag == tag) it.copy(selected = !it.selected) else it }) }
        persistSoon()
    }

    /** The note changed. */
    fun onNoteChange(text: String) {
        mutable.update { it.copy(note = text) }
        persistSoon()
    }

    /** Save: whatever waits is written now; the capture is done. */
    fun onSave() {
        if (!mutable.value.canSave) {
            mutable.update { it.copy(message = "Tap a tag or write a note first") }
            return
        }
        session.persistScope.launch {
            saver.flush()
            if (mutable.value.draftId == null) saver.exclusive { persist() }
            if (mutable.value.draftId != null) {
                mutable.update { it.copy(done = true) }
                session.device.requestSync()
            }
        }
    }

    private fun persistSoon() {
        if (!mutable.value.canSave) return
        saver.schedule("draft") { persist() }
    }

    /** The note as stored: what was typed, or the tags in words when nothing was. */
    private fun noteOf(s: CaptureUiState): String =
        s.note.trim().ifEmpty {
            s.tags.filter { it.selected }.joinToString(", ") { it.label }
        }

    /** Creates the draft, or brings it up to date. Runs inside the saver's lock. */
    private fun persist() {
        val s = mutable.value
        val unit = s.unitId ?: return
        if (!s.canSave) return
        attempt {
            val tags = s.tags.filter { it.selected }.map { it.tag }
            val unidentified = s.unidentifiedPerson.trim().ifEmpty { null }
            val id = s.draftId
            if (id == null) {
                val created =
                    session.store.captureIncident(
                        QuickCapture(
                            unitId = unit,
                            note = noteOf(s),
                            personId = s.personId,
                            unidentifiedPerson = unidentified,
                            tags = tags,
                            occurredAt = occurredAt,
                        ),
                    )
                mutable.update { it.copy(draftId = created) }
            } else {
                session.store.updateIncident(
                    id,
                    IncidentDetails(
                        note = noteOf(s),
                        personId = s.personId,
                        unidentifiedPerson = if (s.personId == null) unidentified.orEmpty() else "",
                        tags = tags,
                    ),
                )
            }
            mutable.update {
                it.copy(savedLabel = "Saved on this device at ${session.labels.time(session.clock.nowMillis())}", message = null)
            }
            session.changed()
        }
    }

    override fun onCleared() {
        // Leaving the screen never loses what was typed.
        session.persistScope.launch { saver.flush() }
    }
}
