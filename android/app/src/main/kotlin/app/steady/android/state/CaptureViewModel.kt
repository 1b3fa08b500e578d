// Quick capture: saved from the first tap. Opening the screen is the first tap: its time is the
// moment it happened, and the draft is created in the core at once (`captureIncident` is durable
// when it returns), before any tag or note. Every later input updates that same draft. The
// draft's id, the first tap's time and what was tapped since live in the SavedStateHandle, so a
// ViewModel rebuilt after the process was killed (phone pocketed, app swapped out) continues the
// same draft instead of starting a second one with a new time. Leaving a started capture asks
// first; nothing is ever thrown away unasked.
package app.steady.android.state

import androidx.lifecycle.SavedStateHandle
import app.steady.core.incidentTagLabel
import app.steady.core.model.IncidentDetails
import app.steady.core.model.IncidentStatus
import app.steady.core.model.IncidentTag
import app.steady.core.model.QuickCapture
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * The note stored while nothing was typed and no tag tapped: the core needs a note, and this
 * one says plainly that the record is a start, not an account.
 */
const val QUICK_CAPTURE_PLACEHOLDER_NOTE = "Quick capture — details to follow"

/**
 * State and events of Quick capture; [unitId] and [personId] preselect when opened from a person.
 * [saved] is the navigation entry's SavedStateHandle: what a killed process needs to carry on.
 */
class CaptureViewModel(
    session: SteadySession,
    unitId: String? = null,
    personId: String? = null,
    saveDelayMillis: Long = 600,
    private val saved: SavedStateHandle = SavedStateHandle(),
) : SessionViewModel(session) {
    /** Restored after a process death (the handle already held a capture). */
    private val restored = saved.contains(KEY_OCCURRED_AT)

    /** Tap 1 is the moment it happened (editable later), kept across a process death. */
    private val occurredAt: Long = saved[KEY_OCCURRED_AT] ?: session.clock.nowMillis().also { saved[KEY_OCCURRED_AT] = it }

    private val mutable =
        MutableStateFlow(
            CaptureUiState(
                unitId = saved[KEY_UNIT] ?: unitId,
                personId = if (saved.contains(KEY_PERSON)) saved[KEY_PERSON] else personId,
                unidentifiedPerson = saved[KEY_UNIDENTIFIED] ?: "",
                note = saved[KEY_NOTE] ?: "",
                occurredAtLabel = session.labels.dayTime(occurredAt),
                tags = tagChoices(saved.get<ArrayList<String>>(KEY_TAGS).orEmpty().toSet()),
                draftId = saved[KEY_DRAFT],
                done = saved[KEY_DONE] ?: false,
            ),
        )

    /** What the screen shows. */
    val state: StateFlow<CaptureUiState> = mutable.asStateFlow()

    private val saver = DraftSaver(session.persistScope, saveDelayMillis)

    init {
        // In the session's scope, not the screen's: a capture started is finished even if the
        // screen closes at once.
        session.persistScope.launch(session.io) {
            saver.exclusive {
                attempt {
                    load()
                    start()
                }
            }
        }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text) }

    private fun load() {
        val units = session.store.units().filter { it.active }
        mutable.update { s ->
            val unit =
                s.unitId?.takeIf { id -> units.any { it.grant.unitId == id } }
                    // One unit: that one. Several and none given: the user says which (the one
                    // question asked before the draft exists; the first tap's time is kept).
                    ?: units.singleOrNull()?.grant?.unitId
            s.copy(units = units.map { Choice(it.grant.unitId, it.grant.name) }, unitId = unit)
        }
        mutable.value.unitId?.let { saved[KEY_UNIT] = it }
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

    /** The draft at once: continued when the saved state names one, else created. In the lock. */
    private fun start() {
        val id = mutable.value.draftId
        if (id != null) {
            continueDraft(id)
            return
        }
        if (restored) adoptDraft()
        persist()
    }

    /** After a process death: the draft the saved state names, with its stored fields. */
    private fun continueDraft(id: String) {
        val stored = session.store.incident(id)
        if (stored.status != IncidentStatus.DRAFT) {
            // Submitted from the incident screen meanwhile: nothing more to capture here.
            mutable.update { it.copy(done = true) }
            return
        }
        if (!saved.contains(KEY_TAGS)) {
            // Nothing tapped since the draft was made: the screen shows what the core holds.
            mutable.update { s ->
                s.copy(
                    tags = tagChoices(stored.tags.map { it.name }.toSet()),
                    note = stored.note.takeUnless { it == QUICK_CAPTURE_PLACEHOLDER_NOTE || it == tagWords(stored.tags) }.orEmpty(),
                    personId = stored.personId,
                    unidentifiedPerson = stored.unidentifiedPerson.orEmpty(),
                )
            }
        } else {
            // What was tapped since may not have reached the core before the kill: write it now.
            persist()
        }
    }

    /**
     * The process died after the core saved the draft but before its id reached the saved state:
     * the draft is the one in this unit with the first tap's exact time, so it is taken up again
     * rather than captured twice.
     */
    private fun adoptDraft() {
        val unit = mutable.value.unitId ?: return
        val found =
            session.store
                .incidents(unit)
                .firstOrNull { it.status == IncidentStatus.DRAFT && it.occurredAt == occurredAt }
                ?: return
        remember(found.id)
    }

    private fun remember(id: String) {
        saved[KEY_DRAFT] = id
        mutable.update { it.copy(draftId = id) }
    }

    /** A unit was picked (only before the draft exists: an incident stays in its unit). */
    fun onSelectUnit(id: String) {
        if (mutable.value.draftId != null) return
        mutable.update { it.copy(unitId = id, personId = null) }
        saved[KEY_UNIT] = id
        session.persistScope.launch(session.io) {
            saver.exclusive {
                attempt {
                    loadPeople()
                    persist()
                }
            }
        }
    }

    /** A known person was picked, or none. */
    fun onSelectPerson(id: String?) {
        mutable.update { it.copy(personId = id, unidentifiedPerson = if (id != null) "" else it.unidentifiedPerson) }
        changed()
    }

    /** Someone whose name is not known, described ("man ~40, roadside"). */
    fun onUnidentifiedChange(text: String) {
        mutable.update { it.copy(unidentifiedPerson = text, personId = if (text.isNotBlank()) null else it.personId) }
        changed()
    }

    /** A tag was tapped. */
    fun onToggleTag(tag: IncidentTag) {
        mutable.update { s -> s.copy(tags = s.tags.map { if (it.tag == tag) it.copy(selected = !it.selected) else it }) }
        changed()
    }

    /** The note changed. */
    fun onNoteChange(text: String) {
        mutable.update { it.copy(note = text) }
        changed()
    }

    /** Save: whatever waits is written now; the capture is done. A tag is optional. */
    fun onSave() {
        if (mutable.value.unitId == null) {
            mutable.update { it.copy(message = "Choose the unit first") }
            return
        }
        session.persistScope.launch {
            saver.flush()
            if (mutable.value.draftId == null) saver.exclusive { attempt { persist() } }
            if (mutable.value.draftId != null) {
                saved[KEY_DONE] = true
                mutable.update { it.copy(done = true) }
                session.device.requestSync()
            }
        }
    }

    /**
     * Back or Cancel. A capture that holds something asks first (keep, or stay); one not started
     * (no unit chosen, nothing tapped), or already saved with Save, just closes.
     */
    fun onBack() {
        val s = mutable.value
        if (s.started && !s.done) {
            mutable.update { it.copy(askingToLeave = true) }
        } else {
            mutable.update { it.copy(left = true) }
        }
    }

    /**
     * "Keep this draft": everything waiting is written, then the screen closes; the draft is
     * listed under "drafts to finish". (The core has no way yet to delete an incident draft, so
     * keeping is the only way out: see android/README.md.)
     */
    fun onKeepDraft() {
        session.persistScope.launch {
            saver.flush()
            mutable.update { it.copy(askingToLeave = false, left = true) }
            session.device.requestSync()
        }
    }

    /** "Go back to it": the question closes, the capture stays open. */
    fun onStay() = mutable.update { it.copy(askingToLeave = false) }

    /** An input changed: into the saved state now, into the core a moment later. */
    private fun changed() {
        val s = mutable.value
        saved[KEY_NOTE] = s.note
        saved[KEY_PERSON] = s.personId
        saved[KEY_UNIDENTIFIED] = s.unidentifiedPerson
        saved[KEY_TAGS] = ArrayList(s.tags.filter { it.selected }.map { it.tag.name })
        if (s.unitId == null) return
        saver.schedule("draft") { attempt { persist() } }
    }

    /** The note as stored: what was typed, else the tags in words, else the placeholder. */
    private fun noteOf(s: CaptureUiState): String =
        s.note
            .trim()
            .ifEmpty {
                tagWords(s.tags.filter { it.selected }.map { it.tag })
            }.ifEmpty { QUICK_CAPTURE_PLACEHOLDER_NOTE }

    /** Creates the draft, or brings it up to date. Runs inside the saver's lock. */
    private fun persist() {
        val s = mutable.value
        val unit = s.unitId ?: return
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
            remember(created)
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
    }

    override fun onCleared() {
        // Leaving the screen never loses what was typed.
        session.persistScope.launch { saver.flush() }
    }

    private companion object {
        const val KEY_DRAFT = "capture.draftId"
        const val KEY_OCCURRED_AT = "capture.occurredAt"
        const val KEY_UNIT = "capture.unitId"
        const val KEY_PERSON = "capture.personId"
        const val KEY_UNIDENTIFIED = "capture.unidentified"
        const val KEY_NOTE = "capture.note"
        const val KEY_TAGS = "capture.tags"
        const val KEY_DONE = "capture.done"

        fun tagChoices(selected: Set<String>): List<TagChoice> =
            IncidentTag.entries.map { TagChoice(it, incidentTagLabel(it), it.name in selected) }

        fun tagWords(tags: List<IncidentTag>): String = tags.joinToString(", ") { incidentTagLabel(it) }
    }
}
