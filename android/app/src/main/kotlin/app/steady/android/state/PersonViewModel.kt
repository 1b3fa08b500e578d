// Person: the amber card first (safety alerts, early warning signs, what helps, what to avoid),
// then the whole sheet by section. Editors and leads edit in place; each change is saved
// through the core a moment after typing stops, and at once when editing ends.
package app.steady.android.state

import app.steady.core.model.Role
import app.steady.core.model.SheetList
import app.steady.core.model.SheetText
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** State and events of the Person screen. */
class PersonViewModel(
    session: SteadySession,
    private val personId: String,
    saveDelayMillis: Long = 600,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(PersonUiState(personId = personId))

    /** What the screen shows. */
    val state: StateFlow<PersonUiState> = mutable.asStateFlow()

    private val saver = DraftSaver(session.persistScope, saveDelayMillis)

    init {
        reloadOnChange { load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, loading = false) }

    private fun load() {
        val store = session.store
        // The amber card first: it is what the user came for.
        val card = store.amberCard(personId)
        mutable.update {
            it.copy(
                name = card.name,
                amber =
                    AmberUi(
                        safetyAlerts = card.safetyAlerts.map { i -> ItemUi(i.id, i.text) },
                        warningSigns = card.warningSigns.map { i -> ItemUi(i.id, i.text) },
                        whatHelps = card.whatHelps.map { i -> ItemUi(i.id, i.text) },
                        whatToAvoid = card.whatToAvoid.map { i -> ItemUi(i.id, i.text) },
                    ),
                reviewOverdue = card.reviewOverdue,
            )
        }
        val sheet = store.supportSheet(personId)
        val person = sheet.person
        val grant = store.units().firstOrNull { it.grant.unitId == person.unitId }
        val canEdit = grant != null && grant.active && grant.grant.role != Role.READER
        val pending =
            runCatching {
                store
                    .people(person.unitId)
                    .firstOrNull { it.id == personId }
                    ?.pendingChanges
                    ?.toInt()
            }.getOrNull() ?: 0
        val sections = sheetSections(sheet, session.labels)
        mutable.update { s ->
            // While editing, keep what the user is typing rather than what was last saved.
            val merged =
                if (s.editing) {
                    sections.map { section ->
                        val old = s.sections.firstOrNull { it.tone == section.tone }
                        section.copy(
                            texts =
                                section.texts.map { t ->
                                    old?.texts?.firstOrNull { it.field == t.field && t.field != null } ?: t
                                },
                        )
                    }
                } else {
                    sections
                }
            s.copy(
                unitId = person.unitId,
                detail =
                    listOfNotNull(
                        person.displayName.takeIf { it != card.name },
                        person.localIdentifier?.takeIf { it.isNotBlank() },
                    ).joinToString(" · ").ifEmpty { null },
                sections = merged,
                reviewLine = sections.last().texts.joinToString(". ") { it.text },
                canEdit = canEdit,
                editing = s.editing && canEdit,
                pendingChanges = pending,
                loading = false,
            )
        }
    }

    /** Editing on or off. Turning it off saves whatever is still waiting. */
    fun onToggleEditing() {
        val wasEditing = mutable.value.editing
        mutable.update { it.copy(editing = !it.editing && it.canEdit, newItems = emptyMap()) }
        if (wasEditing) {
            session.persistScope.launch {
                saver.flush()
                session.changed()
            }
        }
    }

    /** A text field was edited: shown at once, saved after a pause. */
    fun onTextChange(
        field: SheetText,
        text: String,
    ) {
        mutable.update { s ->
            s.copy(
                sections =
                    s.sections.map { section ->
                        section.copy(texts = section.texts.map { if (it.field == field) it.copy(text = text) else it })
                    },
            )
        }
        saver.schedule("text:$field") {
            attempt { session.store.setSheetText(personId, field, text) }
        }
    }

    /** The "add" box of a list changed. */
    fun onNewItemChange(
        list: SheetList,
        text: String,
    ) = mutable.update { it.copy(newItems = it.newItems + (list to text)) }

    /** Adds the typed item to the end of a list. */
    fun onAddItem(list: SheetList) {
        val text =
            mutable.value.newItems[list]
                ?.trim()
                .orEmpty()
        if (text.isEmpty()) return
        mutable.update { it.copy(newItems = it.newItems - list) }
        io {
            session.store.addSheetItem(personId, list, text, null)
            session.changed()
        }
    }

    /** Removes an item from a list. */
    fun onRemoveItem(
        list: SheetList,
        itemId: String,
    ) = io {
        session.store.removeSheetItem(personId, list, itemId)
        session.changed()
    }

    /** Saves what is waiting now (the screen is closing). */
    fun flush() {
        session.persistScope.launch { saver.flush() }
    }

    override fun onCleared() {
        flush()
    }
}
