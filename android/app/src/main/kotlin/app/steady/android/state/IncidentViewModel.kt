// Completing an incident after the quick capture: de-escalation (the person's own "what helps"
// first, then the general steps), use of force with the person's safety alerts,
// contraindications and authorised interventions (the core's restraint profile) from the first
// tap, an intervention their own cautions rule out recorded only after an explicit confirmation
// with a reason, running timers, the one-person-monitors prompt and the prone-hold alert,
// start and end times entered or corrected afterwards, entries removed while a draft, staff,
// every s.6(5) item the core checks ((k) as the nine protected characteristics), injuries (yes /
// no / not known, and what), physical observations during and after a hold (on the draft and
// after submission), outcome, debriefs (held is an explicit answer);
// submit after a confirmation showing what locks and the s.6(5) items still missing; addenda
// once it is locked. Text is saved through the core a moment after typing stops.
package app.steady.android.state

import androidx.lifecycle.viewModelScope
import app.steady.core.Field
import app.steady.core.SteadyException
import app.steady.core.deescalationStepLabel
import app.steady.core.earliestRecordTime
import app.steady.core.interventionCode
import app.steady.core.interventionLabel
import app.steady.core.latestRecordTime
import app.steady.core.model.BodyPosition
import app.steady.core.model.Breathing
import app.steady.core.model.CautionList
import app.steady.core.model.Consciousness
import app.steady.core.model.Debrief
import app.steady.core.model.Deescalation
import app.steady.core.model.DeescalationStep
import app.steady.core.model.EntityKind
import app.steady.core.model.Identification
import app.steady.core.model.Incident
import app.steady.core.model.IncidentDetails
import app.steady.core.model.IncidentStatus
import app.steady.core.model.InjuryIndicator
import app.steady.core.model.NewTimelineEvent
import app.steady.core.model.ObservationPhase
import app.steady.core.model.PlanProposal
import app.steady.core.model.PostIncidentReview
import app.steady.core.model.RestraintProfile
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.ReviewWith
import app.steady.core.model.S65Item
import app.steady.core.model.SheetList
import app.steady.core.model.SkinColour
import app.steady.core.model.StaffMember
import app.steady.core.model.TimelineEventKind
import app.steady.core.model.UseOfForce
import app.steady.core.observationWords
import app.steady.core.reasonCode
import app.steady.core.reasonLabel
import app.steady.core.s65ItemDescription
import app.steady.core.s65ItemLetter
import app.steady.core.sheetListHeading
import app.steady.core.timelineEventLabel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch

/**
 * Reads "Name, job title" lines into staff members; the error names the first line that is not
 * in that shape. Blank lines are ignored.
 */
fun parseStaffLines(text: String): Pair<List<StaffMember>, String?> {
    val staff = mutableListOf<StaffMember>()
    text.lines().map { it.trim() }.filter { it.isNotEmpty() }.forEachIndexed { i, line ->
        val comma = line.indexOf(',')
        val name = if (comma > 0) line.substring(0, comma).trim() else ""
        val title = if (comma > 0) line.substring(comma + 1).trim() else ""
        if (name.isEmpty() || title.isEmpty()) {
            return staff to "Line ${i + 1}: write the name, a comma, then the job title"
        }
        staff += StaffMember(name, title)
    }
    return staff to null
}

/** How far back the "earlier" steps may move an incident's time: a week. */
const val MAX_BACKDATE_MS: Long = 7L * 24 * 60 * 60 * 1000

/** State and events of the incident screen. [ticker]: refresh the timers every second. */
class IncidentViewModel(
    session: SteadySession,
    private val incidentId: String,
    saveDelayMillis: Long = 600,
    ticker: Boolean = true,
    /** The hourly reminder after rapid tranquillisation, set at the core's time on every load. */
    private val reminders: ObservationReminders = ObservationReminders.NONE,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(IncidentUiState(id = incidentId))

    /** What the screen shows. */
    val state: StateFlow<IncidentUiState> = mutable.asStateFlow()

    private val saver = DraftSaver(session.persistScope, saveDelayMillis)

    @Volatile private var entries: List<UseOfForce> = emptyList()

    @Volatile private var ownHelps: List<String> = emptyList()

    @Volatile private var staffDrafts: Map<String, String> = emptyMap()

    /** The person's restraint profile (null: the incident names nobody on this device). */
    @Volatile private var profile: RestraintProfile? = null

    /** The person named by the incident, if any. */
    @Volatile private var personId: String? = null

    /** What the open override confirmation does once a reason is given. */
    @Volatile private var pendingOverride: ((String) -> Unit)? = null

    init {
        // Loads now, and again whenever this incident changes in the store: a save here, or an
        // observation (or anything else) another phone recorded, arriving by sync.
        reloadOnChange(relevant = { c ->
            c.unitsWithNewAccess.isNotEmpty() || c.records.any { it.kind == EntityKind.INCIDENT && it.id == incidentId }
        }) { load() }
        if (ticker) {
            viewModelScope.launch {
                while (isActive) {
                    delay(1000)
                    if (entries.any { isRunning(it) }) tick()
                }
            }
        }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, loading = false) }

    private fun load() {
        val store = session.store
        val incident = store.incident(incidentId)
        val unit = store.units().firstOrNull { it.grant.unitId == incident.unitId }
        ownHelps =
            incident.personId?.let { pid ->
                runCatching { store.amberCard(pid).whatHelps.map { it.text } }.getOrNull()
            } ?: emptyList()
        entries = incident.useOfForce
        personId = incident.personId
        // From the first tap of a use of force: the person's cautions and plan, read every load
        // so a caution that arrived by sync shows at once.
        profile = incident.personId?.let { pid -> runCatching { store.restraintProfile(pid) }.getOrNull() }
        val missing =
            if (incident.status == IncidentStatus.DRAFT) store.missingUseOfForceItems(incidentId) else emptyList()
        // The hourly check after rapid tranquillisation: the reminder follows the core's time.
        val now = session.clock.nowMillis()
        val due = reminders.onIncident(incident, unit?.grant?.name.orEmpty(), now)
        mutable.update { s ->
            fromIncident(s, incident, unit?.grant?.mentalHealthUnit ?: false, missing).copy(
                nextObservationDue =
                    due?.let {
                        if (it > now) "Next check due ${session.labels.time(it)}" else "Check overdue: due ${session.labels.time(it)}"
                    },
                observationOverdue = due != null && due <= now,
            )
        }
    }

    private fun fromIncident(
        s: IncidentUiState,
        i: Incident,
        mentalHealthUnit: Boolean,
        missing: List<S65Item>,
    ): IncidentUiState {
        val own = (ownHelps + i.deescalation.ownStrategies).distinct()
        return s.copy(
            about = i.personName ?: i.unidentifiedPerson ?: "Person not recorded",
            occurredAtLabel = session.labels.dayTime(i.occurredAt),
            occurredAt = i.occurredAt,
            recordedBy = i.recordedBy,
            submitted = i.status == IncidentStatus.SUBMITTED,
            submittedLabel = i.submittedAt?.let { "Submitted ${session.labels.dayTime(it)}" },
            mentalHealthUnit = mentalHealthUnit,
            note = if (s.loading) i.note else s.note,
            place = if (s.loading) i.place.orEmpty() else s.place,
            ownStrategies = own.map { StrategyUi(it, it, it in i.deescalation.ownStrategies, it in i.deescalation.helped) },
            generalSteps =
                DeescalationStep.entries.map {
                    StrategyUi(it.name, deescalationStepLabel(it), it in i.deescalation.generalSteps, it in i.deescalation.stepsHelped)
                },
            timelineButtons = timelineButtons(),
            timeline = timelineRows(i, session.labels),
            timelineAsk = if (i.status == IncidentStatus.SUBMITTED) null else s.timelineAsk,
            jobReference = if (s.loading) i.jobReference.orEmpty() else s.jobReference,
            unidentified = i.personId == null,
            canPropose = i.personId != null,
            proposed =
                i.addenda.mapNotNull { a -> a.proposal?.let { "${sheetListHeading(it.list)}: ${it.text} (${a.author})" } },
            identifications =
                i.addenda.filter { it.identified != null }.map {
                    "${it.text} (${it.author}, ${session.labels.dayTime(
                        it.at,
                    )})"
                },
            identify = if (i.status == IncidentStatus.SUBMITTED && i.personId == null) s.identify else null,
            useOfForce = forceRows(),
            interventionChoices = RestrictiveInterventionType.entries.map { it to "${interventionCode(it)} ${interventionLabel(it)}" },
            reasonChoices = RestrictiveInterventionReason.entries.map { it to "${reasonCode(it)} ${reasonLabel(it)}" },
            injuriesPerson = if (s.loading) i.injuriesPerson.orEmpty() else s.injuriesPerson,
            injuriesStaff = if (s.loading) i.injuriesStaff.orEmpty() else s.injuriesStaff,
            injuriesOthers = if (s.loading) i.injuriesOthers.orEmpty() else s.injuriesOthers,
            outcome = if (s.loading) i.outcome.orEmpty() else s.outcome,
            debriefPersonHeld = i.debriefPerson?.held,
            debriefPersonNote = if (s.loading) i.debriefPerson?.note.orEmpty() else s.debriefPersonNote,
            debriefStaffHeld = i.debriefStaff?.held,
            debriefStaffNote = if (s.loading) i.debriefStaff?.note.orEmpty() else s.debriefStaffNote,
            debriefPersonUnsaved = i.debriefPerson == null && s.debriefPersonUnsaved,
            debriefStaffUnsaved = i.debriefStaff == null && s.debriefStaffUnsaved,
            otherDeescalation = if (s.loading) i.deescalation.other.orEmpty() else s.otherDeescalation,
            nonStaffInvolved = i.nonStaffInvolved,
            nonStaffReason = if (s.loading) i.nonStaffReason.orEmpty() else s.nonStaffReason,
            mentalDisorder = if (s.loading) i.mentalDisorder.orEmpty() else s.mentalDisorder,
            // s.6(5)(k): an older record's free text, read-only; the nine answers as answered.
            relevantCharacteristics = i.relevantCharacteristics.orEmpty(),
            characteristics =
                if (s.loading || s.characteristics.isEmpty()) characteristicRows(i.characteristics) else s.characteristics,
            injured =
                if (s.loading) {
                    mapOf(InjuryWho.PERSON to i.injuredPerson, InjuryWho.STAFF to i.injuredStaff, InjuryWho.OTHERS to i.injuredOthers)
                } else {
                    s.injured
                },
            injuryChoices = injuryChoices(),
            observations = observationRows(i),
            observationForm = followPhase(s.observationForm),
            learningDisabilityOrAutism = i.learningDisabilityOrAutism,
            deathOrSeriousInjury = i.deathOrSeriousInjury,
            notificationSent = i.notificationSent,
            s65Labels = S65Item.entries.associateWith { s65Label(it) },
            removingForceId = s.removingForceId?.takeIf { id -> i.useOfForce.any { it.id == id } },
            missing = missing.map { MissingItemUi(s65ItemLetter(it), s65ItemDescription(it)) },
            addenda =
                i.addenda.filter { it.observation == null && it.identified == null }.map {
                    val heldAt = it.review?.takeIf { r -> r.held }?.heldAt
                    AddendumUi(
                        it.author,
                        session.labels.dayTime(it.at),
                        it.reason,
                        it.text,
                        heldAt?.let { t ->
                            "Held ${session.labels.dayTime(t)}"
                        },
                    )
                },
            proneAlert = entries.any { proneHoldAlert(it, session.clock.nowMillis()) },
            monitoring = monitoring(),
            restraint = profile?.let(::restraintUi),
            confirmOverride = if (i.status == IncidentStatus.SUBMITTED) null else s.confirmOverride,
            unreadableWarning = unreadableWarning(i.unreadable),
            loading = false,
        )
    }

    private fun forceRows(): List<ForceEntryUi> {
        val now = session.clock.nowMillis()
        return entries.map { e ->
            val staffText = staffDrafts[e.id] ?: e.staff.joinToString("\n") { "${it.name}, ${it.jobTitle}" }
            ForceEntryUi(
                id = e.id,
                typeLabel = "${interventionCode(e.intervention)} ${interventionLabel(e.intervention)}",
                reason = e.reason,
                reasonLabel = e.reason?.let { "${reasonCode(it)} ${reasonLabel(it)}" },
                startedLabel =
                    e.startedAt?.let {
                        "Started ${session.labels.time(it)}" +
                            (e.endedAt?.let { end -> ", ended ${session.labels.time(end)}" } ?: "")
                    },
                elapsedLabel = elapsedMillis(e, now)?.let { session.labels.duration(it) },
                running = isRunning(e),
                proneAlert = proneHoldAlert(e, now),
                proneOverTen = proneHoldOverTen(e, now),
                inCarePlan = e.inCarePlan,
                staffText = staffText,
                staffError = parseStaffLines(staffText).second,
                howForceWasUsed = e.howForceWasUsed,
                startedAt = e.startedAt,
                endedAt = e.endedAt,
                physical = isPhysical(e.intervention),
                planLine = profile?.let { planLine(it, e.intervention) },
                ruledOutBy = ruling(e.intervention).map { it.text },
                overrideReason = e.contraindicationOverride,
            )
        }
    }

    /** The observations taken, newest first, in the core's words, with when and who. */
    private fun observationRows(i: Incident): List<ObservationUi> =
        i.addenda
            .mapNotNull { a -> a.observation?.let { a to it } }
            .sortedByDescending { (a, o) -> o.observedAt ?: a.at }
            .map { (a, o) ->
                val words = observationWords(o)
                ObservationUi(
                    id = a.id,
                    atLabel = session.labels.dayTime(o.observedAt ?: a.at),
                    by = listOf(a.author, a.jobTitle).filter { it.isNotBlank() }.joinToString(", "),
                    heading = words.getOrElse(0) { a.reason },
                    text = words.getOrElse(1) { a.text },
                )
            }

    /** The form's phase, until chosen: during restraint while a hold runs, else after restraint. */
    private fun followPhase(f: ObservationFormUi): ObservationFormUi =
        if (f.phaseChosen) {
            f
        } else {
            f.copy(phase = if (entries.any { isRunning(it) }) ObservationPhase.DURING_RESTRAINT else ObservationPhase.AFTER_RESTRAINT)
        }

    /** A physical hold is running: one person monitors airway, breathing and colour. */
    private fun monitoring(): Boolean = entries.any { isRunning(it) && isPhysical(it.intervention) }

    /** The person's cautions that rule [type] out (none when no person is known). */
    private fun ruling(type: RestrictiveInterventionType) = profile?.cautions?.filter { type in it.avoid }.orEmpty()

    /** What the plan says of [type], for "In the care plan" (s.6(5)(d)). */
    private fun planLine(
        p: RestraintProfile,
        type: RestrictiveInterventionType,
    ): String {
        val authorised = p.authorised.filter { it.intervention == type }
        return if (authorised.isEmpty()) {
            "The plan does not authorise this."
        } else {
            "The plan authorises this: " + authorised.joinToString("; ") { it.note.ifBlank { "no conditions written" } }
        }
    }

    /** Refreshes the running timers and the prone-hold alert (every second while one runs). */
    fun tick() {
        val now = session.clock.nowMillis()
        mutable.update {
            it.copy(useOfForce = forceRows(), proneAlert = entries.any { e -> proneHoldAlert(e, now) }, monitoring = monitoring())
        }
    }

    private fun reloadAfter(block: () -> Unit) =
        io {
            block()
            load()
        }

    private fun saveDetails(
        key: String,
        details: () -> IncidentDetails,
    ) {
        mutable.update { it.copy(savedLabel = null) }
        saver.schedule(key) {
            attempt {
                session.store.updateIncident(incidentId, details())
                // The list of s.6(5) items still missing follows every answer.
                val missing = session.store.missingUseOfForceItems(incidentId)
                mutable.update {
                    it.copy(
                        savedLabel = "Saved on this device at ${session.labels.time(session.clock.nowMillis())}",
                        missing = missing.map { m -> MissingItemUi(s65ItemLetter(m), s65ItemDescription(m)) },
                    )
                }
            }
        }
    }

    /**
     * Moves when it happened by [deltaMillis] (negative: earlier), saved through the core at
     * once: staff often record after the event. Refused, with the reason shown by the time,
     * when it would be in the future, more than [MAX_BACKDATE_MS] before now, or once submitted.
     */
    fun onShiftOccurredAt(deltaMillis: Long) {
        val s = mutable.value
        if (s.loading) return
        if (s.submitted) {
            mutable.update { it.copy(occurredAtError = "Submitted: the time is locked. Add an addendum to correct it.") }
            return
        }
        val now = session.clock.nowMillis()
        val next = s.occurredAt + deltaMillis
        val error =
            when {
                next > now -> "It cannot be later than now (${session.labels.time(now)})."
                next < now - MAX_BACKDATE_MS -> "It cannot be more than 7 days ago."
                else -> null
            }
        if (error != null) {
            mutable.update { it.copy(occurredAtError = error) }
            return
        }
        mutable.update {
            it.copy(occurredAt = next, occurredAtLabel = session.labels.dayTime(next), occurredAtError = null, savedLabel = null)
        }
        io {
            try {
                session.store.updateIncident(incidentId, IncidentDetails(occurredAt = next))
            } catch (e: SteadyException) {
                // Not saved (e.g. submitted on another device meanwhile): show the stored time again.
                mutable.update { it.copy(occurredAtError = errorText(e)) }
                load()
                return@io
            }
            mutable.update { it.copy(savedLabel = "Saved on this device at ${session.labels.time(session.clock.nowMillis())}") }
            load()
        }
    }

    /** The note changed. */
    fun onNoteChange(text: String) {
        mutable.update { it.copy(note = text) }
        if (text.isNotBlank()) saveDetails("note") { IncidentDetails(note = text) }
    }

    /** The place changed. */
    fun onPlaceChange(text: String) {
        mutable.update { it.copy(place = text) }
        saveDetails("place") { IncidentDetails(place = text) }
    }

    /** An injuries field changed: "person", "staff" or "others". */
    fun onInjuriesChange(
        who: String,
        text: String,
    ) {
        mutable.update {
            when (who) {
                "person" -> it.copy(injuriesPerson = text)
                "staff" -> it.copy(injuriesStaff = text)
                else -> it.copy(injuriesOthers = text)
            }
        }
        saveDetails("injuries:$who") {
            when (who) {
                "person" -> IncidentDetails(injuriesPerson = text)
                "staff" -> IncidentDetails(injuriesStaff = text)
                else -> IncidentDetails(injuriesOthers = text)
            }
        }
    }

    /** The outcome changed. */
    fun onOutcomeChange(text: String) {
        mutable.update { it.copy(outcome = text) }
        saveDetails("outcome") { IncidentDetails(outcome = text) }
    }

    /** A debrief (with the person, `person = true`, or with staff) was answered: held or not. */
    fun onDebriefHeld(
        person: Boolean,
        held: Boolean,
    ) {
        mutable.update {
            if (person) {
                it.copy(debriefPersonHeld = held, debriefPersonUnsaved = false)
            } else {
                it.copy(debriefStaffHeld = held, debriefStaffUnsaved = false)
            }
        }
        saveDebrief(person)
    }

    /**
     * A debrief's note changed. It never answers "held": while held / not held is unanswered the
     * note stays on the screen (marked as not saved) and is saved with the answer.
     */
    fun onDebriefNote(
        person: Boolean,
        note: String,
    ) {
        mutable.update {
            if (person) {
                it.copy(debriefPersonNote = note, debriefPersonUnsaved = it.debriefPersonHeld == null && note.isNotBlank())
            } else {
                it.copy(debriefStaffNote = note, debriefStaffUnsaved = it.debriefStaffHeld == null && note.isNotBlank())
            }
        }
        saveDebrief(person)
    }

    private fun saveDebrief(person: Boolean) {
        val s = mutable.value
        val held = (if (person) s.debriefPersonHeld else s.debriefStaffHeld) ?: return
        val d = Debrief(held, (if (person) s.debriefPersonNote else s.debriefStaffNote).trim())
        saveDetails(if (person) "debrief:person" else "debrief:staff") {
            if (person) IncidentDetails(debriefPerson = d) else IncidentDetails(debriefStaff = d)
        }
    }

    /** Anything else tried to avoid force, in words. */
    fun onOtherDeescalationChange(text: String) {
        mutable.update { it.copy(otherDeescalation = text) }
        val d = deescalationNow(mutable.value)
        saveDetails("deescalation") { IncidentDetails(deescalation = d) }
    }

    /**
     * A yes / no answer to an s.6(5) item: (i) anyone not unit staff involved, (l) learning
     * disability or autism, (n) death or serious injury, (p) the people in the care plan told.
     */
    fun onS65Answer(
        item: S65Item,
        yes: Boolean,
    ) {
        mutable.update {
            when (item) {
                S65Item.NON_STAFF_INVOLVEMENT -> it.copy(nonStaffInvolved = yes)
                S65Item.LEARNING_DISABILITY_OR_AUTISM -> it.copy(learningDisabilityOrAutism = yes)
                S65Item.DEATH_OR_SERIOUS_INJURY -> it.copy(deathOrSeriousInjury = yes)
                S65Item.NOTIFICATION_SENT -> it.copy(notificationSent = yes)
                else -> return
            }
        }
        saveDetails("s65:$item") {
            when (item) {
                S65Item.NON_STAFF_INVOLVEMENT -> IncidentDetails(nonStaffInvolved = yes)
                S65Item.LEARNING_DISABILITY_OR_AUTISM -> IncidentDetails(learningDisabilityOrAutism = yes)
                S65Item.DEATH_OR_SERIOUS_INJURY -> IncidentDetails(deathOrSeriousInjury = yes)
                else -> IncidentDetails(notificationSent = yes)
            }
        }
    }

    /**
     * The text of an s.6(5) item: (i) why someone not unit staff was involved, (j) the mental
     * disorder, (k) relevant characteristics.
     */
    fun onS65Text(
        item: S65Item,
        text: String,
    ) {
        mutable.update {
            when (item) {
                S65Item.NON_STAFF_INVOLVEMENT -> it.copy(nonStaffReason = text)
                S65Item.MENTAL_DISORDER -> it.copy(mentalDisorder = text)
                S65Item.RELEVANT_CHARACTERISTICS -> it.copy(relevantCharacteristics = text)
                else -> return
            }
        }
        saveDetails("s65:$item") {
            when (item) {
                S65Item.NON_STAFF_INVOLVEMENT -> IncidentDetails(nonStaffReason = text)
                S65Item.MENTAL_DISORDER -> IncidentDetails(mentalDisorder = text)
                else -> IncidentDetails(relevantCharacteristics = text)
            }
        }
    }

    /** Was the person, were staff, was anyone else injured: Yes / No / Not known. */
    fun onInjured(
        who: InjuryWho,
        answer: InjuryIndicator,
    ) {
        mutable.update { it.copy(injured = it.injured + (who to answer)) }
        saveDetails("injured:$who") {
            when (who) {
                InjuryWho.PERSON -> IncidentDetails(injuredPerson = answer)
                InjuryWho.STAFF -> IncidentDetails(injuredStaff = answer)
                InjuryWho.OTHERS -> IncidentDetails(injuredOthers = answer)
            }
        }
    }

    private fun updateRow(
        name: String,
        change: (CharacteristicRowUi) -> CharacteristicRowUi,
    ) = mutable.update { s -> s.copy(characteristics = s.characteristics.map { if (it.name == name) change(it) else it }) }

    /** s.6(5)(k): a characteristic answered "Stated", "Not known" or "Prefers not to say". */
    fun onCharacteristicKind(
        name: String,
        kind: AnswerKind,
    ) {
        updateRow(name) { it.copy(kind = kind, error = null) }
        saveCharacteristics()
    }

    /** s.6(5)(k): the stated words of a characteristic (the answer becomes "Stated"). */
    fun onCharacteristicStated(
        name: String,
        text: String,
    ) {
        updateRow(name) { it.copy(kind = AnswerKind.STATED, stated = text, error = null) }
        saveCharacteristics()
    }

    /**
     * Saves all nine answers a moment after the last tap (the core replaces them at once); a
     * refusal of one answer is shown under its row.
     */
    private fun saveCharacteristics() {
        mutable.update { it.copy(savedLabel = null) }
        saver.schedule("characteristics") {
            attempt {
                try {
                    session.store.updateIncident(
                        incidentId,
                        IncidentDetails(characteristics = characteristicsOf(mutable.value.characteristics)),
                    )
                } catch (e: SteadyException.Validation) {
                    val name = e.path.removePrefix("characteristics.")
                    if (mutable.value.characteristics.none { it.name == name }) throw e
                    updateRow(name) { it.copy(error = errorText(e)) }
                    return@attempt
                }
                savedNow()
            }
        }
    }

    /** "Saved on this device at …", and the s.6(5) items still missing. */
    private fun savedNow() {
        val missing = session.store.missingUseOfForceItems(incidentId)
        mutable.update {
            it.copy(
                savedLabel = "Saved on this device at ${session.labels.time(session.clock.nowMillis())}",
                missing = missing.map { m -> MissingItemUi(s65ItemLetter(m), s65ItemDescription(m)) },
            )
        }
    }

    private fun updateObservation(change: (ObservationFormUi) -> ObservationFormUi) =
        mutable.update { it.copy(observationForm = change(it.observationForm), observationSaved = null) }

    /** The observation's phase, chosen: it stays until changed. */
    fun onObservationPhase(phase: ObservationPhase) = updateObservation { it.copy(phase = phase, phaseChosen = true, error = null) }

    /** Breathing tapped (tapping the chosen one again clears it). */
    fun onObservationBreathing(b: Breathing) = updateObservation { it.copy(breathing = b.takeIf { _ -> it.breathing != b }, error = null) }

    /** Colour tapped (again: cleared). */
    fun onObservationColour(c: SkinColour) = updateObservation { it.copy(colour = c.takeIf { _ -> it.colour != c }, error = null) }

    /** Consciousness (ACVPU) tapped (again: cleared). */
    fun onObservationConsciousness(c: Consciousness) =
        updateObservation { it.copy(consciousness = c.takeIf { _ -> it.consciousness != c }, error = null) }

    /** Position tapped (again: cleared). */
    fun onObservationPosition(p: BodyPosition) = updateObservation { it.copy(position = p.takeIf { _ -> it.position != p }, error = null) }

    /** A vital sign or a text of the observation, as typed. */
    fun onObservationField(
        field: ObsField,
        text: String,
    ) = updateObservation { it.copy(values = it.values + (field to text), errors = it.errors - field, error = null) }

    /** "No further concerns" tapped (after rapid tranquillisation; again: cleared). */
    fun onObservationNoFurtherConcerns() = updateObservation { it.copy(noFurtherConcerns = !it.noFurtherConcerns, error = null) }

    /**
     * The "taken at" time moved by [minutes] (−5, −15, −60, +5) from the one set, or from now: an
     * observation written up a little after it was taken. A time later than now is refused
     * here, by the field, as the core would.
     */
    fun onObservationTakenStep(minutes: Int) {
        val now = session.clock.nowMillis()
        val at = (mutable.value.observationForm.takenAt ?: now) + minutes * 60_000L
        updateObservation { it.copy(takenAt = at, takenAtLabel = takenLabel(at, now), takenAtError = takenAtProblem(at, now)) }
    }

    /** The "taken at" time back to the moment Record is tapped. */
    fun onObservationTakenNow() = updateObservation { it.copy(takenAt = null, takenAtLabel = null, takenAtError = null) }

    private fun takenLabel(
        at: Long,
        now: Long,
    ): String {
        val ago = (now - at) / 60_000L
        return "Taken at ${session.labels.time(at)}" +
            when {
                at > now -> " (in the future)"
                ago == 0L -> " (now)"
                else -> " ($ago min ago)"
            }
    }

    /**
     * Records the observation through the core, timed at the "taken at" time or now (on a draft
     * from the first minute of a hold, and after submission). A number that is not one, a time
     * still to come, or a value the core refuses (its rule: "from 50 to 100"), stays in the form
     * with the reason under its field. The hourly reminder moves with the core's next due time.
     */
    fun onObservationSave() {
        val f = mutable.value.observationForm
        val now = session.clock.nowMillis()
        val (observation, errors) = observationOf(f)
        val future = takenAtProblem(f.takenAt, now)
        if (observation == null || future != null) {
            updateObservation { it.copy(errors = errors, error = null, takenAtError = future) }
            return
        }
        io {
            try {
                session.store.addPhysicalObservation(incidentId, observation)
            } catch (e: SteadyException.Validation) {
                val field = ObsField.ofPath(e.path)
                val words = observationRuleText(field, e.rule)
                updateObservation {
                    when {
                        field != null -> it.copy(errors = it.errors + (field to words))
                        e.path == "observation.observed_at" -> it.copy(takenAtError = "$TAKEN_AT_RULE: $words")
                        else -> it.copy(error = words)
                    }
                }
                return@io
            } catch (e: SteadyException) {
                updateObservation { it.copy(error = errorText(e)) }
                return@io
            }
            mutable.update {
                it.copy(
                    observationForm = ObservationFormUi(phase = f.phase, phaseChosen = f.phaseChosen),
                    observationSaved = "Observation recorded, taken at ${session.labels.time(f.takenAt ?: now)}",
                )
            }
            session.device.requestSync()
            load()
        }
    }

    private fun deescalationNow(s: IncidentUiState) =
        Deescalation(
            ownStrategies = s.ownStrategies.filter { it.ticked }.map { it.key },
            generalSteps = s.generalSteps.filter { it.ticked }.map { DeescalationStep.valueOf(it.key) },
            other = s.otherDeescalation.trim().ifEmpty { null },
            // Which of those tried helped: a subset of what was tried, as the core checks.
            helped = s.ownStrategies.filter { it.ticked && it.helped }.map { it.key },
            stepsHelped = s.generalSteps.filter { it.ticked && it.helped }.map { DeescalationStep.valueOf(it.key) },
        )

    /** Ticks or unticks a strategy; unticked, it no longer "helped". */
    private fun toggled(s: StrategyUi) = s.copy(ticked = !s.ticked, helped = s.helped && !s.ticked)

    /** One of the person's own strategies was ticked or unticked. */
    fun onToggleOwnStrategy(key: String) {
        mutable.update { s -> s.copy(ownStrategies = s.ownStrategies.map { if (it.key == key) toggled(it) else it }) }
        val d = deescalationNow(mutable.value)
        saveDetails("deescalation") { IncidentDetails(deescalation = d) }
    }

    /** A general de-escalation step was ticked or unticked. */
    fun onToggleStep(key: String) {
        mutable.update { s -> s.copy(generalSteps = s.generalSteps.map { if (it.key == key) toggled(it) else it }) }
        val d = deescalationNow(mutable.value)
        saveDetails("deescalation") { IncidentDetails(deescalation = d) }
    }

    /**
     * "Helped" beside a strategy ticked (`own`: one of the person's own, else a general step):
     * the sheet then counts how often it was tried and helped. Not ticked: nothing to say.
     */
    fun onToggleHelped(
        own: Boolean,
        key: String,
    ) {
        val flip = { it: StrategyUi -> if (it.key == key && it.ticked) it.copy(helped = !it.helped) else it }
        mutable.update { s ->
            if (own) s.copy(ownStrategies = s.ownStrategies.map(flip)) else s.copy(generalSteps = s.generalSteps.map(flip))
        }
        val d = deescalationNow(mutable.value)
        saveDetails("deescalation") { IncidentDetails(deescalation = d) }
    }

    /**
     * A timeline button tapped (drafts only): recorded at once, stamped by the core now; "Support
     * arrived" and "Staff swapped" first ask who, "Other" asks what, then record on Record.
     */
    fun onTimelineTap(kind: TimelineEventKind) {
        val s = mutable.value
        if (s.submitted || s.loading) return
        val label = timelineEventLabel(kind)
        when {
            kind in TIMELINE_WHO_KINDS -> {
                mutable.update {
                    it.copy(
                        timelineAsk = TimelineAskUi(kind, "$label: who?", "Who (name, job title)"),
                        timelineError = null,
                    )
                }
            }

            kind == TimelineEventKind.OTHER -> {
                mutable.update {
                    it.copy(
                        timelineAsk = TimelineAskUi(kind, "$label: what happened?", "What happened"),
                        timelineError = null,
                    )
                }
            }

            else -> {
                addTimeline(NewTimelineEvent(kind = kind))
            }
        }
    }

    /** The words of the open sheet, as typed. */
    fun onTimelineAskText(text: String) = mutable.update { it.copy(timelineAsk = it.timelineAsk?.copy(text = text, error = null)) }

    /** The sheet closed: nothing is recorded. */
    fun onTimelineAskCancel() = mutable.update { it.copy(timelineAsk = null) }

    /**
     * Records the moment with who or what, stamped by the core (one clock: the core's, as for
     * every other tap, so the list keeps the order of the taps); the core's rule stays under the
     * field.
     */
    fun onTimelineAskSave() {
        val a = mutable.value.timelineAsk ?: return
        val words = a.text.trim().ifEmpty { null }
        addTimeline(
            if (a.kind in TIMELINE_WHO_KINDS) {
                NewTimelineEvent(kind = a.kind, who = words)
            } else {
                NewTimelineEvent(kind = a.kind, note = words)
            },
        )
    }

    private fun addTimeline(event: NewTimelineEvent) =
        io {
            try {
                session.store.addTimelineEvent(incidentId, event)
            } catch (e: SteadyException.Validation) {
                if (e.field != Field.TIMELINE) throw e
                val words = errorText(e)
                mutable.update {
                    if (it.timelineAsk !=
                        null
                    ) {
                        it.copy(timelineAsk = it.timelineAsk.copy(error = words))
                    } else {
                        it.copy(timelineError = words)
                    }
                }
                return@io
            }
            val now = session.clock.nowMillis()
            mutable.update {
                it.copy(
                    timelineAsk = null,
                    timelineError = null,
                    timelineSaved = "Recorded: ${timelineEventLabel(event.kind)} at ${session.labels.time(event.at ?: now)}",
                )
            }
            load()
        }

    /** Undo of a mistaken tap (drafts only): the moment is removed through the core. */
    fun onTimelineUndo(eventId: String) {
        if (mutable.value.submitted) return
        val e = mutable.value.timeline.firstOrNull { it.id == eventId } ?: return
        io {
            session.store.removeTimelineEvent(incidentId, eventId)
            mutable.update { it.copy(timelineSaved = "Removed: ${e.text} at ${e.atLabel}", timelineError = null) }
            load()
        }
    }

    /** The job or CAD reference, as typed; saved a moment after typing stops, its rule under the field. */
    fun onJobReferenceChange(text: String) {
        mutable.update { it.copy(jobReference = text, jobReferenceError = null, savedLabel = null) }
        saver.schedule("job_reference") {
            attempt {
                try {
                    session.store.updateIncident(incidentId, IncidentDetails(jobReference = text.trim()))
                } catch (e: SteadyException.Validation) {
                    if (e.field != Field.JOB_REFERENCE) throw e
                    mutable.update { it.copy(jobReferenceError = errorText(e)) }
                    return@attempt
                }
                savedNow()
            }
        }
    }

    /** "Propose for the plan": opens the form (a draft or submitted, the incident naming a person). */
    fun onProposalOpen() {
        if (!mutable.value.canPropose) return
        mutable.update { it.copy(proposal = ProposalFormUi(), proposalSent = null) }
    }

    private fun updateProposal(change: (ProposalFormUi) -> ProposalFormUi) =
        mutable.update { s -> s.copy(proposal = s.proposal?.let(change)) }

    /** The list it would go on. */
    fun onProposalList(list: SheetList) = updateProposal { it.copy(list = list, listError = null, error = null) }

    /** Its words. */
    fun onProposalText(text: String) = updateProposal { it.copy(text = text, error = null) }

    /** Closed: nothing proposed. */
    fun onProposalCancel() = mutable.update { it.copy(proposal = null) }

    /**
     * Proposes it through the core (anyone in the unit): an editor reviews it. The core's rule
     * (Field.PROPOSAL) stays under the words, with what was typed.
     */
    fun onProposalSave() {
        val f = mutable.value.proposal ?: return
        val list = f.list
        if (list == null) {
            updateProposal { it.copy(listError = "Choose the list it belongs on") }
            return
        }
        io {
            try {
                session.store.proposePlanChange(incidentId, PlanProposal(list = list, text = f.text.trim()))
            } catch (e: SteadyException.Validation) {
                if (e.field != Field.PROPOSAL) throw e
                updateProposal { it.copy(error = errorText(e)) }
                return@io
            } catch (e: SteadyException) {
                updateProposal { it.copy(error = errorText(e)) }
                return@io
            }
            mutable.update { it.copy(proposal = null, proposalSent = PROPOSAL_SENT) }
            session.device.requestSync()
            load()
        }
    }

    /** "Patient identified": opens the form (submitted, a person unknown at the time). */
    fun onIdentifyOpen() {
        val s = mutable.value
        if (!s.submitted || !s.unidentified) return
        mutable.update { it.copy(identify = IdentifyFormUi()) }
    }

    private fun updateIdentify(change: (IdentifyFormUi) -> IdentifyFormUi) =
        mutable.update { s -> s.copy(identify = s.identify?.let(change)) }

    /** The receiving hospital or service. */
    fun onIdentifyHospital(text: String) = updateIdentify { it.copy(hospital = text, hospitalError = null, error = null) }

    /** Its identifier for the person. */
    fun onIdentifyIdentifier(text: String) = updateIdentify { it.copy(hospitalIdentifier = text, identifierError = null, error = null) }

    /** The NHS number (its check digit is the core's). */
    fun onIdentifyNhsNumber(text: String) = updateIdentify { it.copy(nhsNumber = text, nhsNumberError = null, error = null) }

    /** Closed: nothing added. */
    fun onIdentifyCancel() = mutable.update { it.copy(identify = null) }

    /** Adds the identification as an addendum; the core's rule (Field.IDENTIFICATION) under its field. */
    fun onIdentifySave() {
        val f = mutable.value.identify ?: return
        io {
            try {
                session.store.identifyPatient(
                    incidentId,
                    Identification(
                        hospital = f.hospital.trim(),
                        hospitalIdentifier = f.hospitalIdentifier.trim().ifEmpty { null },
                        nhsNumber = f.nhsNumber.filterNot { it.isWhitespace() }.ifEmpty { null },
                    ),
                )
            } catch (e: SteadyException.Validation) {
                val words = errorText(e)
                updateIdentify {
                    when {
                        e.field != Field.IDENTIFICATION -> it.copy(error = words)
                        e.path.endsWith("nhs_number") -> it.copy(nhsNumberError = words)
                        e.path.endsWith("hospital_identifier") -> it.copy(identifierError = words)
                        e.path.endsWith("hospital") -> it.copy(hospitalError = words)
                        else -> it.copy(error = words)
                    }
                }
                return@io
            } catch (e: SteadyException) {
                updateIdentify { it.copy(error = errorText(e)) }
                return@io
            }
            mutable.update { it.copy(identify = null, message = "Identification added: it is with the record.") }
            session.device.requestSync()
            load()
        }
    }

    /**
     * A restrictive intervention starts now: its timer runs from this tap; the user is the first
     * staff member. If the person's own safety alerts or contraindications rule it out, nothing is
     * recorded until the confirmation ([onOverrideConfirm]) gives the reason for going ahead.
     */
    fun onStartForce(
        type: RestrictiveInterventionType,
        reason: RestrictiveInterventionReason?,
    ) {
        if (mutable.value.submitted) return
        val startedAt = session.clock.nowMillis()
        val start = { why: String? ->
            val me = session.store.staffMember()
            session.store.addUseOfForce(
                incidentId,
                UseOfForce(
                    intervention = type,
                    reason = reason,
                    startedAt = startedAt,
                    staff = listOf(me),
                    contraindicationOverride = why,
                ),
            )
            Unit
        }
        val ruling = ruling(type)
        if (ruling.isNotEmpty()) {
            askOverride(type, null, ruling.map(::cautionUi), "The timer starts from your tap at ${session.labels.time(startedAt)}.") {
                start(it)
            }
            return
        }
        reloadAfter { forceWrite(type, null, "The timer starts from your tap at ${session.labels.time(startedAt)}.", start) }
    }

    /**
     * Runs [write] without an override reason; if the core refuses it because the person's
     * cautions rule [type] out (one may have arrived by sync meanwhile), opens the confirmation,
     * which runs [write] again with the reason.
     */
    private fun forceWrite(
        type: RestrictiveInterventionType,
        entryId: String?,
        detail: String,
        write: (String?) -> Unit,
    ) {
        try {
            write(null)
        } catch (e: SteadyException.Contraindicated) {
            openOverrideFor(e, entryId, detail, write)
        }
    }

    /** The confirmation for the cautions the core named, read afresh (one may be new). */
    private fun openOverrideFor(
        e: SteadyException.Contraindicated,
        entryId: String?,
        detail: String,
        write: (String?) -> Unit,
    ) {
        profile = personId?.let { pid -> runCatching { session.store.restraintProfile(pid) }.getOrNull() } ?: profile
        val named =
            profile
                ?.cautions
                ?.filter { it.id in e.cautionIds }
                .orEmpty()
                .map(::cautionUi)
        askOverride(e.intervention, entryId, named, detail) { write(it) }
    }

    private fun askOverride(
        type: RestrictiveInterventionType,
        entryId: String?,
        cautions: List<CautionUi>,
        detail: String,
        write: (String) -> Unit,
    ) {
        pendingOverride = write
        mutable.update {
            it.copy(
                confirmOverride =
                    OverrideConfirmUi(
                        intervention = type,
                        interventionLabel = "${interventionCode(type)} ${interventionLabel(type)}",
                        cautions = cautions,
                        entryId = entryId,
                        detail = detail,
                    ),
                timePicker = null,
                removingForceId = null,
                confirmSubmit = null,
                restraint = profile?.let(::restraintUi),
            )
        }
    }

    /** The reason for going ahead against the person's cautions, as typed. */
    fun onOverrideReasonChange(text: String) =
        mutable.update { it.copy(confirmOverride = it.confirmOverride?.copy(reason = text, error = null)) }

    /** The confirmation was cancelled: nothing is recorded or changed. */
    fun onOverrideCancel() {
        pendingOverride = null
        mutable.update { it.copy(confirmOverride = null) }
    }

    /**
     * Confirmed, with the reason: the intervention is recorded (or the change saved) with the
     * reason in the record. No reason: refused, and the confirmation stays.
     */
    fun onOverrideConfirm() {
        val o = mutable.value.confirmOverride ?: return
        val why = o.reason.trim()
        if (why.isEmpty()) {
            mutable.update {
                it.copy(confirmOverride = o.copy(error = "Write why you are going ahead: it is kept in the record."))
            }
            return
        }
        val write = pendingOverride ?: return
        io {
            try {
                write(why)
            } catch (e: SteadyException.Validation) {
                mutable.update { it.copy(confirmOverride = it.confirmOverride?.copy(error = errorText(e))) }
                return@io
            }
            pendingOverride = null
            mutable.update { it.copy(confirmOverride = null) }
            load()
        }
    }

    /**
     * Saves a change to an entry; if the core refuses it because the person's cautions rule its
     * intervention out (a caution added by sync since it started), the confirmation opens and
     * saves it with the reason.
     */
    private fun updateEntry(
        e: UseOfForce,
        detail: String = "Your change is saved once you confirm.",
    ) = forceWrite(e.intervention, e.id, detail) { why ->
        session.store.updateUseOfForce(incidentId, if (why == null) e else e.copy(contraindicationOverride = why))
    }

    /** The intervention ended now (the time of this tap, even if a confirmation follows). */
    fun onStopForce(entryId: String) =
        reloadAfter {
            val e = entries.first { it.id == entryId }
            val now = session.clock.nowMillis()
            updateEntry(e.copy(endedAt = now), "It ended at ${session.labels.time(now)}: that is saved once you confirm.")
        }

    /**
     * Opens the time picker for an entry's start (`end = false`) or end: at the recorded time,
     * or, when there is none, at the start (for an end) or when the incident happened.
     */
    fun onEditForceTime(
        entryId: String,
        end: Boolean,
    ) {
        val e = entries.firstOrNull { it.id == entryId } ?: return
        if (mutable.value.submitted) return
        val now = session.clock.nowMillis()
        val value = if (end) e.endedAt ?: now else e.startedAt ?: mutable.value.occurredAt
        mutable.update {
            it.copy(
                timePicker =
                    ForceTimePickerUi(
                        entryId = entryId,
                        end = end,
                        title = (if (end) "When it ended: " else "When it started: ") + interventionLabel(e.intervention),
                        valueMillis = value,
                        valueLabel = session.labels.dayTime(value),
                    ),
            )
        }
    }

    /** Why [millis] cannot be this entry's start or end, or null when it can. */
    private fun forceTimeError(
        p: ForceTimePickerUi,
        millis: Long,
    ): String? {
        val now = session.clock.nowMillis()
        val e = entries.firstOrNull { it.id == p.entryId } ?: return "This entry is no longer recorded."
        val latest = minOf(now, latestRecordTime(now))
        return when {
            millis > latest -> {
                "It cannot be later than now (${session.labels.time(now)})."
            }

            millis < earliestRecordTime() -> {
                "It cannot be before ${session.labels.dayTime(earliestRecordTime())}."
            }

            p.end && e.startedAt != null && millis < e.startedAt!! -> {
                "The end cannot be before the start (${session.labels.time(e.startedAt!!)})."
            }

            !p.end && e.endedAt != null && millis > e.endedAt!! -> {
                "The start cannot be after the end (${session.labels.time(e.endedAt!!)})."
            }

            else -> {
                null
            }
        }
    }

    /** Moves the picked time by [deltaMillis]; a step past a limit is refused with the reason. */
    fun onForceTimeStep(deltaMillis: Long) {
        val p = mutable.value.timePicker ?: return
        onForceTimeSet(p.valueMillis + deltaMillis)
    }

    /** Sets the picked time (the picker's fields); out of bounds: refused with the reason. */
    fun onForceTimeSet(millis: Long) {
        val p = mutable.value.timePicker ?: return
        val error = forceTimeError(p, millis)
        mutable.update {
            it.copy(
                timePicker =
                    if (error != null) {
                        p.copy(error = error)
                    } else {
                        p.copy(valueMillis = millis, valueLabel = session.labels.dayTime(millis), error = null)
                    },
            )
        }
    }

    /** Closes the picker without changing anything. */
    fun onForceTimeCancel() = mutable.update { it.copy(timePicker = null) }

    /** Saves the picked time through the core; a refusal stays in the picker with its reason. */
    fun onForceTimeSave() {
        val p = mutable.value.timePicker ?: return
        val error = forceTimeError(p, p.valueMillis)
        if (error != null) {
            mutable.update { it.copy(timePicker = p.copy(error = error)) }
            return
        }
        io {
            val e = entries.first { it.id == p.entryId }
            val changed = if (p.end) e.copy(endedAt = p.valueMillis) else e.copy(startedAt = p.valueMillis)
            try {
                session.store.updateUseOfForce(incidentId, changed)
            } catch (x: SteadyException.Contraindicated) {
                mutable.update { it.copy(timePicker = null) }
                openOverrideFor(x, e.id, "The time is saved once you confirm.") { why ->
                    session.store.updateUseOfForce(incidentId, if (why == null) changed else changed.copy(contraindicationOverride = why))
                }
                return@io
            } catch (x: SteadyException) {
                mutable.update { it.copy(timePicker = p.copy(error = errorText(x))) }
                return@io
            }
            mutable.update { it.copy(timePicker = null) }
            load()
        }
    }

    /** Asks to remove an entry started by mistake (drafts only); nothing changes until confirmed. */
    fun onRemoveForceRequest(entryId: String) {
        if (mutable.value.submitted) return
        mutable.update { it.copy(removingForceId = entryId) }
    }

    /** Keeps the entry. */
    fun onRemoveForceCancel() = mutable.update { it.copy(removingForceId = null) }

    /** Removes the entry through the core (refused once submitted). */
    fun onRemoveForceConfirm() {
        val id = mutable.value.removingForceId ?: return
        mutable.update { it.copy(removingForceId = null, timePicker = it.timePicker?.takeIf { p -> p.entryId != id }) }
        reloadAfter { session.store.removeUseOfForce(incidentId, id) }
    }

    /** Why the intervention was used (MHSDS reason); a chosen reason can be changed. */
    fun onReasonChange(
        entryId: String,
        reason: RestrictiveInterventionReason,
    ) = reloadAfter {
        val e = entries.first { it.id == entryId }
        updateEntry(e.copy(reason = reason))
    }

    /**
     * Whether this intervention is in the person's care plan (s.6(5)(d)): the core fills it from
     * the plan when an entry starts; staff can change the answer.
     */
    fun onInCarePlan(
        entryId: String,
        inPlan: Boolean,
    ) = reloadAfter {
        val e = entries.first { it.id == entryId }
        updateEntry(e.copy(inCarePlan = inPlan))
    }

    /** How force was used, in words. */
    fun onHowForceChange(
        entryId: String,
        text: String,
    ) {
        entries = entries.map { if (it.id == entryId) it.copy(howForceWasUsed = text) else it }
        mutable.update { it.copy(useOfForce = forceRows()) }
        saver.schedule("force:$entryId:how") {
            attempt {
                entries.firstOrNull { it.id == entryId }?.let { updateEntry(it) }
            }
        }
    }

    /** The staff involved in an intervention, one "Name, job title" a line. */
    fun onStaffChange(
        entryId: String,
        text: String,
    ) {
        staffDrafts = staffDrafts + (entryId to text)
        val (staff, error) = parseStaffLines(text)
        if (error == null) entries = entries.map { if (it.id == entryId) it.copy(staff = staff) else it }
        mutable.update { it.copy(useOfForce = forceRows()) }
        if (error != null) return
        saver.schedule("force:$entryId:staff") {
            attempt {
                entries.firstOrNull { it.id == entryId }?.let { updateEntry(it) }
            }
        }
    }

    /**
     * Submit was tapped: everything waiting is saved, then the confirmation shows what will be
     * locked and the s.6(5) items still missing. Nothing is submitted until [onSubmit].
     */
    fun onSubmitRequest() {
        session.persistScope.launch {
            saver.flush()
            saver.exclusive {
                attempt {
                    val missing =
                        session.store
                            .missingUseOfForceItems(incidentId)
                            .map { MissingItemUi(s65ItemLetter(it), s65ItemDescription(it)) }
                    val s = mutable.value
                    val locked =
                        listOfNotNull(
                            "When it happened: ${s.occurredAtLabel}",
                            "Note and place",
                            "De-escalation tried",
                            if (s.timeline.isEmpty()) null else "The timeline (${s.timeline.size} moments)",
                            if (s.useOfForce.isEmpty()) null else "Use of force: " + s.useOfForce.joinToString("; ") { it.typeLabel },
                            if (s.useOfForce.isEmpty()) null else "The s.6(5) answers",
                            "Injuries, outcome and debriefs",
                        )
                    mutable.update {
                        it.copy(
                            missing = missing,
                            confirmSubmit = SubmitConfirmUi(locked, missing, blocked = it.mentalHealthUnit && missing.isNotEmpty()),
                        )
                    }
                }
            }
        }
    }

    /** The confirmation was cancelled: the incident stays a draft. */
    fun onSubmitCancel() = mutable.update { it.copy(confirmSubmit = null) }

    /**
     * Submit, confirmed: everything waiting is saved first; a refusal shows the s.6(5) items
     * still missing. After this the record is locked.
     */
    fun onSubmit() {
        mutable.update { it.copy(confirmSubmit = null) }
        session.persistScope.launch {
            saver.flush()
            saver.exclusive {
                attempt {
                    try {
                        val outcome = session.store.submitIncident(incidentId)
                        val advice = outcome.advice.joinToString(", ") { "(${s65ItemLetter(it)})" }
                        mutable.update {
                            it.copy(
                                message =
                                    if (outcome.advice.isEmpty()) {
                                        "Submitted. It is locked now; add an addendum to correct it."
                                    } else {
                                        "Submitted. Advice: items $advice of s.6(5) are not recorded."
                                    },
                            )
                        }
                    } catch (e: SteadyException.UseOfForceIncomplete) {
                        val missing = e.missing
                        mutable.update {
                            it.copy(
                                missing = missing.map { m -> MissingItemUi(s65ItemLetter(m), s65ItemDescription(m)) },
                                message = "Not submitted: ${missing.size} required s.6(5) item(s) missing.",
                            )
                        }
                        return@attempt
                    }
                    session.device.requestSync()
                    load()
                }
            }
        }
    }

    /** The addendum's reason changed. */
    fun onAddendumReasonChange(text: String) = mutable.update { it.copy(addendumReason = text) }

    /** The addendum's text changed. */
    fun onAddendumTextChange(text: String) = mutable.update { it.copy(addendumText = text) }

    /** Adds the addendum (after submission; nothing already recorded changes). */
    fun onAddAddendum() {
        val s = mutable.value
        if (s.addendumReason.isBlank() || s.addendumText.isBlank()) {
            mutable.update { it.copy(message = "Give a reason and the text of the addendum") }
            return
        }
        reloadAfter {
            session.store.addAddendum(incidentId, s.addendumReason.trim(), s.addendumText.trim())
            mutable.update { it.copy(addendumReason = "", addendumText = "", message = "Addendum added") }
        }
    }

    /** "Record a debrief held after": opens the form, held now with the person (submitted only). */
    fun onReviewOpen() {
        val s = mutable.value
        if (!s.submitted) return
        val now = session.clock.nowMillis()
        mutable.update { it.copy(review = ReviewFormUi(heldAt = now, heldAtLabel = session.labels.dayTime(now)), message = null) }
    }

    private fun updateReview(change: (ReviewFormUi) -> ReviewFormUi) = mutable.update { s -> s.copy(review = s.review?.let(change)) }

    /** With the person or with staff. */
    fun onReviewWith(with: ReviewWith) = updateReview { it.copy(with = with, error = null) }

    /** Held or not held. */
    fun onReviewHeld(held: Boolean) = updateReview { it.copy(held = held, whyNotError = null, heldAtError = null, error = null) }

    /** Why [millis] cannot be when the debrief was held, or null when it can. */
    private fun reviewTimeError(millis: Long): String? {
        val now = session.clock.nowMillis()
        val occurred = mutable.value.occurredAt
        return when {
            millis > now -> "It cannot be later than now (${session.labels.time(now)})."
            millis < occurred -> "It cannot be before the incident (${session.labels.dayTime(occurred)})."
            else -> null
        }
    }

    /** Moves when it was held by [deltaMillis]; a step past now or before the incident is refused with the reason. */
    fun onReviewTimeStep(deltaMillis: Long) {
        val r = mutable.value.review ?: return
        onReviewTimeSet(r.heldAt + deltaMillis)
    }

    /** Sets when it was held; out of bounds: refused with the reason, the time unchanged. */
    fun onReviewTimeSet(millis: Long) {
        val error = reviewTimeError(millis)
        updateReview {
            if (error != null) {
                it.copy(heldAtError = error)
            } else {
                it.copy(heldAt = millis, heldAtLabel = session.labels.dayTime(millis), heldAtError = null)
            }
        }
    }

    /** Who took part. */
    fun onReviewWho(text: String) = updateReview { it.copy(who = text) }

    /** Why it was not held. */
    fun onReviewWhyNot(text: String) = updateReview { it.copy(whyNot = text, whyNotError = null) }

    /** For staff: support for their wellbeing offered or not. */
    fun onReviewWellbeing(offered: Boolean) = updateReview { it.copy(wellbeingOffered = offered) }

    /** What was learned or agreed. */
    fun onReviewNote(text: String) = updateReview { it.copy(note = text) }

    /** Closes the form; nothing is recorded. */
    fun onReviewCancel() = mutable.update { it.copy(review = null) }

    /**
     * Records the debrief through the core as its own append-only entry (shown with the
     * addenda). Not held needs why; held needs a time no later than now. A refusal of the
     * core stays in the form, under its field, with what was typed.
     */
    fun onReviewSave() {
        val r = mutable.value.review ?: return
        if (!r.held && r.whyNot.isBlank()) {
            updateReview { it.copy(whyNotError = "Say why it was not held (declined, too unwell, discharged…)") }
            return
        }
        if (r.held) {
            reviewTimeError(r.heldAt)?.let { e ->
                updateReview { it.copy(heldAtError = e) }
                return
            }
        }
        val review =
            PostIncidentReview(
                with = r.with,
                held = r.held,
                heldAt = if (r.held) r.heldAt else null,
                who = if (r.held) r.who.trim() else "",
                whyNot = if (r.held) null else r.whyNot.trim(),
                wellbeingOffered = if (r.with == ReviewWith.STAFF) r.wellbeingOffered else null,
                note = r.note.trim(),
            )
        io {
            try {
                session.store.addPostIncidentReview(incidentId, review)
            } catch (e: SteadyException.Validation) {
                val words = errorText(e)
                updateReview {
                    when {
                        e.path.contains("why_not") -> it.copy(whyNotError = words)
                        e.path.contains("held_at") -> it.copy(heldAtError = words)
                        else -> it.copy(error = words)
                    }
                }
                return@io
            } catch (e: SteadyException) {
                updateReview { it.copy(error = errorText(e)) }
                return@io
            }
            mutable.update { it.copy(review = null, message = "Debrief recorded: it is with the addenda.") }
            session.device.requestSync()
            load()
        }
    }

    /** Saves what is waiting now (the screen is closing). */
    fun flush() {
        session.persistScope.launch { saver.flush() }
    }

    override fun onCleared() = flush()
}

/** The physical restraints (the core's MHSDS physical types): one person monitors throughout. */
fun isPhysical(type: RestrictiveInterventionType): Boolean = type.name.startsWith("PHYSICAL_")

/** A caution as the restraint flow shows it, in the person's words. */
fun cautionUi(c: app.steady.core.model.Caution): CautionUi =
    CautionUi(
        id = c.id,
        kind = if (c.list == CautionList.SAFETY_ALERT) "Safety alert" else "Contraindication",
        text = c.text,
        rulesOut = c.avoid.map { interventionLabel(it) },
    )

/** The restraint profile as the screen shows it: cautions, authorised interventions, what is ruled out. */
fun restraintUi(p: RestraintProfile): RestraintUi =
    RestraintUi(
        name = p.name,
        cautions = p.cautions.map(::cautionUi),
        authorised =
            p.authorised.map {
                AuthorisedUi(it.intervention, "${interventionCode(it.intervention)} ${interventionLabel(it.intervention)}", it.note)
            },
        ruledOut =
            RestrictiveInterventionType.entries
                .associateWith { t -> p.cautions.filter { t in it.avoid }.map { it.text } }
                .filterValues { it.isNotEmpty() },
    )

/** An s.6(5) item's label: "(i) why anyone…", from the core's letter and description. */
fun s65Label(item: S65Item): String = "(${s65ItemLetter(item)}) ${s65ItemDescription(item)}"
