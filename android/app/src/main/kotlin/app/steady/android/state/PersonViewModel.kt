// Person: the amber card first (safety alerts, early warning signs, what helps, what to avoid),
// then what a worker on shift looks for next — triggers, then the red (crisis) section — and
// only then the rest of the sheet (about me, communication, green, blue, review); the amber
// section is not repeated below the card except while editing. Editors and leads edit in place — the sheet, the safety
// alerts and the person's names; each change is saved through the core a moment after typing
// stops, and at once when editing ends. A value the core refuses stays on screen, with the
// core's reason next to the field, so nothing typed is lost. Each safety alert and
// contraindication is marked with the restrictive interventions it rules out (the core's
// restraint profile); an editor or lead sets them, one intervention type at a time.
package app.steady.android.state

import app.steady.core.SteadyException
import app.steady.core.interventionCode
import app.steady.core.interventionLabel
import app.steady.core.model.CautionList
import app.steady.core.model.RestrictiveInterventionType
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

    /** The NHS number as last read from the core (digits only; "" when none). */
    @Volatile private var storedNhsNumber = ""

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
        storedNhsNumber = nhsDigits(person.nhsNumber.orEmpty())
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
        // Items accepted from an incident say which; "what helps" says how often it was tried and helped.
        val times = runCatching { store.incidents(person.unitId).associate { it.id to it.occurredAt } }.getOrNull() ?: emptyMap()
        val outcomes = runCatching { store.strategyOutcomes(personId).associateBy { it.itemId } }.getOrNull() ?: emptyMap()
        val item = { i: app.steady.core.model.ListItem -> decoratedItem(i, session.labels, times, outcomes) }
        val sections = sheetSections(sheet, session.labels) { _, i -> item(i) }
        val amber =
            AmberUi(
                safetyAlerts = card.safetyAlerts.map(item),
                warningSigns = card.warningSigns.map(item),
                whatHelps = card.whatHelps.map(item),
                whatToAvoid = card.whatToAvoid.map(item),
            )
        val waiting = runCatching { store.planProposals(person.unitId).count { it.personId == personId } }.getOrNull() ?: 0
        // What each alert and contraindication rules out: the restraint flow's own reading.
        val avoids =
            runCatching { store.restraintProfile(personId).cautions.associate { it.id to it.avoid } }.getOrNull()
                ?: emptyMap()
        mutable.update { s ->
            // While editing, keep what the user is typing rather than what was last saved.
            val merged =
                if (s.editing) {
                    sections.map { section ->
                        val old = s.sections.firstOrNull { it.tone == section.tone }
                        section.copy(
                            entries =
                                section.entries.map { e ->
                                    if (e is SheetTextUi && e.field != null) {
                                        old?.texts?.firstOrNull { it.field == e.field } ?: e
                                    } else {
                                        e
                                    }
                                },
                        )
                    }
                } else {
                    sections
                }
            // While editing, the name fields keep what is typed (it may be refused and still shown).
            val keepNames = s.editing && canEdit
            s.copy(
                displayName = if (keepNames) s.displayName else person.displayName,
                preferredName = if (keepNames) s.preferredName else person.preferredName.orEmpty(),
                localIdentifier = if (keepNames) s.localIdentifier else person.localIdentifier.orEmpty(),
                nhsNumber = if (keepNames) s.nhsNumber else nhsGroups(person.nhsNumber.orEmpty()),
                unitId = person.unitId,
                detail =
                    listOfNotNull(
                        person.displayName.takeIf { it != card.name },
                        person.localIdentifier?.takeIf { it.isNotBlank() },
                        person.nhsNumber?.takeIf { it.isNotBlank() }?.let { "NHS number ${nhsGroups(it)}" },
                    ).joinToString(" · ").ifEmpty { null },
                sections = merged,
                amber = amber,
                proposalsWaiting = waiting,
                reviewLine = sections.last().texts.joinToString(". ") { it.text },
                canEdit = canEdit,
                editing = s.editing && canEdit,
                pendingChanges = pending,
                cautionAvoids = avoids,
                interventionChoices = RestrictiveInterventionType.entries.map { it to "${interventionCode(it)} ${interventionLabel(it)}" },
                editingAvoidsId = s.editingAvoidsId.takeIf { s.editing && canEdit },
                loading = false,
            )
        }
    }

    /** Opens (or closes) the "rules out" choices of one safety alert or contraindication. */
    fun onEditAvoids(itemId: String) {
        if (!editable()) return
        mutable.update { it.copy(editingAvoidsId = if (it.editingAvoidsId == itemId) null else itemId) }
    }

    /**
     * Marks (or unmarks) [type] as ruled out by the safety alert or contraindication [itemId]:
     * saved through the core at once (editor or lead). Starting a ruled-out intervention on the
     * person then needs a confirmed reason.
     */
    fun onToggleAvoid(
        list: CautionList,
        itemId: String,
        type: RestrictiveInterventionType,
    ) {
        if (!editable()) return
        val now = mutable.value.cautionAvoids[itemId].orEmpty()
        val next = if (type in now) now - type else RestrictiveInterventionType.entries.filter { it in now || it == type }
        mutable.update { it.copy(cautionAvoids = it.cautionAvoids + (itemId to next)) }
        io {
            try {
                session.store.setCautionAvoids(personId, list, itemId, next)
            } catch (e: SteadyException) {
                // Refused (e.g. the role changed): show what is stored, and why.
                load()
                throw e
            }
        }
    }

    /** Editing on or off. Turning it off saves whatever is still waiting. */
    fun onToggleEditing() {
        val now = mutable.value
        val wasEditing = now.editing
        if (wasEditing &&
            listOfNotNull(now.displayNameError, now.preferredNameError, now.localIdentifierError, now.nhsNumberError).isNotEmpty()
        ) {
            // Leaving now would drop what was typed: the refused value is not stored.
            mutable.update { it.copy(message = "A name was not saved: correct it (the reason is under the field), then Done.") }
            return
        }
        mutable.update {
            it.copy(
                editing = !it.editing && it.canEdit,
                newItems = emptyMap(),
                confirmRemoveAlertId = null,
                editingAvoidsId = null,
            )
        }
        if (wasEditing) {
            session.persistScope.launch {
                saver.flush()
                session.changed()
            }
        }
    }

    /** Refuses an edit on a read-only device; true when editing may go on. */
    private fun editable(): Boolean {
        val s = mutable.value
        if (s.canEdit && s.editing) return true
        if (!s.canEdit) showMessage("Read only: your role in this unit cannot change this person's details.")
        return false
    }

    /**
     * Saves one of the names through the core under [key]; a refusal is shown next to its field
     * (by [setError]) and the typed text stays.
     */
    private fun saveName(
        key: String,
        setError: (PersonUiState, String?) -> PersonUiState,
        save: () -> Unit,
    ) {
        saver.schedule(key) {
            attempt {
                try {
                    save()
                } catch (e: SteadyException.Validation) {
                    mutable.update { setError(it, errorText(e)) }
                    return@attempt
                }
                mutable.update { setError(it, null) }
                session.changed()
            }
        }
    }

    /** The display name (the name as recorded) was edited: shown at once, saved after a pause. */
    fun onDisplayNameChange(text: String) {
        if (!editable()) return
        mutable.update { it.copy(displayName = text) }
        saveName("name:display", { s, e -> s.copy(displayNameError = e) }) {
            session.store.updatePerson(personId, text, null, null)
        }
    }

    /** What they like to be called was edited; empty clears it. */
    fun onPreferredNameChange(text: String) {
        if (!editable()) return
        mutable.update { it.copy(preferredName = text) }
        saveName("name:preferred", { s, e -> s.copy(preferredNameError = e) }) {
            session.store.updatePerson(personId, null, text, null)
        }
    }

    /** The organisation's identifier was edited; empty clears it. */
    fun onLocalIdentifierChange(text: String) {
        if (!editable()) return
        mutable.update { it.copy(localIdentifier = text) }
        saveName("name:identifier", { s, e -> s.copy(localIdentifierError = e) }) {
            session.store.updatePerson(personId, null, null, text)
        }
    }

    /**
     * The NHS number was edited: saved through the core (which checks its check digit) after a
     * pause, only when it differs from what is stored; emptied, it is cleared. A refusal is shown
     * under the field and the typed number stays.
     */
    fun onNhsNumberChange(text: String) {
        if (!editable()) return
        mutable.update { it.copy(nhsNumber = text) }
        saver.schedule("name:nhs") {
            attempt {
                val typed = nhsDigits(text)
                if (typed == storedNhsNumber) {
                    // Unchanged (or still empty): nothing to save.
                    mutable.update { it.copy(nhsNumberError = null) }
                    return@attempt
                }
                try {
                    session.store.setNhsNumber(personId, text.trim().ifEmpty { null })
                } catch (e: SteadyException.Validation) {
                    mutable.update { it.copy(nhsNumberError = errorText(e)) }
                    return@attempt
                }
                storedNhsNumber = typed
                mutable.update { it.copy(nhsNumberError = null) }
                session.changed()
            }
        }
    }

    /** The new safety alert's box changed. */
    fun onNewAlertChange(text: String) = mutable.update { it.copy(newAlert = text, newAlertError = null) }

    /**
     * Adds the typed safety alert at the end of the person's alerts, through the core at once.
     * A refusal (empty, too long) is shown under the box and the text stays.
     */
    fun onAddAlert() {
        if (!editable()) return
        val text = mutable.value.newAlert
        io {
            try {
                session.store.addSafetyAlert(personId, text, null)
            } catch (e: SteadyException.Validation) {
                mutable.update { it.copy(newAlertError = errorText(e)) }
                return@io
            }
            mutable.update { it.copy(newAlert = if (it.newAlert == text) "" else it.newAlert, newAlertError = null) }
            session.changed()
        }
    }

    /** "Remove" on a safety alert: asks to confirm first (an alert is too important to lose to a slip). */
    fun onRemoveAlertRequest(alertId: String) {
        if (!editable()) return
        mutable.update { it.copy(confirmRemoveAlertId = alertId) }
    }

    /** The removal was not wanted. */
    fun onRemoveAlertCancel() = mutable.update { it.copy(confirmRemoveAlertId = null) }

    /** The removal was confirmed: the alert is removed through the core at once. */
    fun onRemoveAlertConfirm() {
        if (!editable()) return
        val id = mutable.value.confirmRemoveAlertId ?: return
        mutable.update { it.copy(confirmRemoveAlertId = null) }
        io {
            session.store.removeSafetyAlert(personId, id)
            session.changed()
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
                        section.copy(
                            entries = section.entries.map { if (it is SheetTextUi && it.field == field) it.copy(text = text) else it },
                        )
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

/** The digits of an NHS number as typed (spaces and hyphens dropped, as the core drops them). */
fun nhsDigits(text: String): String = text.filterNot { it == ' ' || it == '-' }

/** An NHS number in its usual groups of 3, 3 and 4 ("943 476 5919"); anything else as it is. */
fun nhsGroups(text: String): String {
    val d = nhsDigits(text)
    return if (d.length == 10 && d.all { it.isDigit() }) "${d.substring(0, 3)} ${d.substring(3, 6)} ${d.substring(6)}" else text
}

/** The sections a worker on shift needs first, right after the amber card, in this order. */
private val FIRST_ON_SHIFT = listOf(SectionTone.TRIGGERS, SectionTone.RED)

/**
 * The sheet's sections in shift order: triggers and the red section first, then the others in
 * the core's order (the app's Review section stays last). Headings and entries are the core's.
 */
fun shiftOrder(sections: List<SheetSectionUi>): List<SheetSectionUi> {
    val first = FIRST_ON_SHIFT.mapNotNull { tone -> sections.firstOrNull { it.tone == tone } }
    return first + sections.filter { it.tone !in FIRST_ON_SHIFT }
}

/**
 * The sections shown below the amber card, in shift order ([shiftOrder]; `sections` itself stays
 * in the core's order): all of them while editing (the amber lists are edited there); in read
 * mode the amber section is left out, as the card above already shows it.
 */
fun PersonUiState.shownSections(): List<SheetSectionUi> = shiftOrder(sections).filter { editing || it.tone != SectionTone.AMBER }
