// The plain state every screen draws: immutable data classes with display-ready strings, made by
// the ViewModels from the core's records. Screens are functions of these and of event lambdas
// only, which is what lets the JVM checks render them with synthetic data.
package app.steady.android.state

import app.steady.core.model.BandLevel
import app.steady.core.model.DeescalationStep
import app.steady.core.model.IncidentTag
import app.steady.core.model.InjuryIndicator
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.ReviewWith
import app.steady.core.model.S65Item
import app.steady.core.model.SheetList
import app.steady.core.model.SheetText

/** Enrolment: the server, the one-time code, and who is using the device. */
data class EnrolUiState(
    val serverUrl: String = "",
    val code: String = "",
    val staffName: String = "",
    val jobTitle: String = "",
    val serverError: String? = null,
    val codeError: String? = null,
    val staffError: String? = null,
    /** A problem that belongs to no one field (no network, a refused code...). */
    val message: String? = null,
    val busy: Boolean = false,
    /** Enrolled: the app moves on to People. */
    val enrolled: Boolean = false,
)

/** One unit on the device, as the unit picker shows it. */
data class UnitRow(
    val id: String,
    val name: String,
    val organisation: String,
    val roleLabel: String,
    val active: Boolean,
    val pendingChanges: Int,
    /** "Ends Fri 27 Nov, 20:00" for a placement (UK time), "Ended Fri 27 Nov, 20:00" once over, else null. */
    val endsLabel: String?,
    /** When the grant ends or ended (epoch milliseconds), if it does. */
    val endsAt: Long? = null,
)

/**
 * The selected unit's placement has ended: what happens to its records and what the user can do
 * next, instead of an empty list.
 */
data class EndedPlacementUi(
    val unitId: String,
    val unitName: String,
    /** "Your placement in Willow Ward ended Fri 27 Nov, 20:00. Its records leave this phone …". */
    val text: String,
    /** Changes made in the unit that have not reached the server yet. */
    val pendingChanges: Int,
    /** An active unit to switch to, if there is one. */
    val switchTo: Choice? = null,
)

/** One person in a list. */
data class PersonRow(
    val id: String,
    /** The name they like to be called. */
    val name: String,
    /** Their full name when it differs, or their local identifier. */
    val detail: String?,
    val safetyAlerts: List<String>,
    val reviewOverdue: Boolean,
    val pendingChanges: Int,
    /** The unit's name, shown for search hits from another unit. */
    val unitName: String? = null,
    /** Pinned on this phone: listed first (the core's shift order). */
    val pinned: Boolean = false,
    /** Why they are near the top, when it is a recent event: "Incident recorded · Mon 23 Nov, 14:05". */
    val recentEvent: String? = null,
    /** For a search hit: the line that matched, in the core's words ("Trigger: Loud alarms"). */
    val matchLine: String? = null,
)

/** People: the units, their people, and the search box. */
data class PeopleUiState(
    val units: List<UnitRow> = emptyList(),
    val selectedUnitId: String? = null,
    val query: String = "",
    val people: List<PersonRow> = emptyList(),
    /** Changes on this device waiting to reach the server. */
    val pendingSync: Int = 0,
    /** Changes the server refused or edits that lost, waiting for the user. */
    val problems: Int = 0,
    /** Incident drafts on this device not yet submitted ("2 drafts to finish"). */
    val draftsToFinish: Int = 0,
    /** Proposals for the plan waiting for review, by unit id (the review queue). */
    val proposalsByUnit: Map<String, Int> = emptyMap(),
    /** The selected unit's placement has ended: shown in place of the list. */
    val ended: EndedPlacementUi? = null,
    /** Enrolled, but every placement has ended and left the phone: the way to the next one. */
    val noPlacement: Boolean = false,
    val loading: Boolean = true,
    val message: String? = null,
)

/** One item of a sheet list. */
data class ItemUi(
    val id: String,
    val text: String,
    /** Accepted from an incident's proposal: "From the incident of Mon 23 Nov, 14:05". */
    val sourceLine: String? = null,
    /** That incident, opened when the line is tapped. */
    val sourceIncidentId: String? = null,
    /** Beside a "what helps" strategy: "tried 3 · helped 2" (the core's strategyOutcomes). */
    val outcome: String? = null,
)

/** The amber card: what a worker needs when someone's distress is rising. */
data class AmberUi(
    val safetyAlerts: List<ItemUi> = emptyList(),
    val warningSigns: List<ItemUi> = emptyList(),
    val whatHelps: List<ItemUi> = emptyList(),
    val whatToAvoid: List<ItemUi> = emptyList(),
)

/** The colour family of a sheet section (traffic-light plan plus one-page profile). */
enum class SectionTone { ABOUT, COMMUNICATION, GREEN, TRIGGERS, AMBER, RED, BLUE, REVIEW }

/** One entry of a sheet section, in the core's order: a text field or a list. */
sealed interface SheetEntryUi {
    /** Its heading, the core's words. */
    val label: String
}

/** One text field of a sheet section. */
data class SheetTextUi(
    /** The field, or null for a read-only line (the review dates). */
    val field: SheetText?,
    override val label: String,
    val text: String,
) : SheetEntryUi

/** One list of a sheet section. */
data class SheetListUi(
    /** The list, or null for a read-only list (authorised interventions). */
    val list: SheetList?,
    override val label: String,
    val items: List<ItemUi>,
) : SheetEntryUi

/** One section of the whole sheet. */
data class SheetSectionUi(
    val tone: SectionTone,
    val title: String,
    /** What it holds, in the order the core's sheet layout gives. */
    val entries: List<SheetEntryUi> = emptyList(),
) {
    /** Its text fields, in order. */
    val texts: List<SheetTextUi> get() = entries.filterIsInstance<SheetTextUi>()

    /** Its lists, in order. */
    val lists: List<SheetListUi> get() = entries.filterIsInstance<SheetListUi>()
}

/** Person: the amber card first, then the sheet by section. */
data class PersonUiState(
    val personId: String = "",
    /** The person's unit (for Quick capture and the checklist opened from here). */
    val unitId: String = "",
    val name: String = "",
    val detail: String? = null,
    val amber: AmberUi = AmberUi(),
    val sections: List<SheetSectionUi> = emptyList(),
    val reviewOverdue: Boolean = false,
    val reviewLine: String = "",
    /** This device may edit (editor or lead in the person's unit, access active). */
    val canEdit: Boolean = false,
    val editing: Boolean = false,
    /** Text typed into the "add" box of each list while editing. */
    val newItems: Map<SheetList, String> = emptyMap(),
    /** The name as recorded, as typed while editing (saved through the core as typed). */
    val displayName: String = "",
    /** What they like to be called, as typed ("" when none). */
    val preferredName: String = "",
    /** The organisation's identifier, as typed ("" when none). */
    val localIdentifier: String = "",
    /** The NHS number, as typed; as stored it is shown in groups ("943 476 5919"; "" when none). */
    val nhsNumber: String = "",
    /** The core's reason for refusing the typed display name, shown under the field. */
    val displayNameError: String? = null,
    /** The core's reason for refusing the typed preferred name. */
    val preferredNameError: String? = null,
    /** The core's reason for refusing the typed identifier. */
    val localIdentifierError: String? = null,
    /** The core's reason for refusing the typed NHS number (its check digit, its length). */
    val nhsNumberError: String? = null,
    /** The safety alert being typed. */
    val newAlert: String = "",
    /** The core's reason for refusing the typed safety alert, shown under its field. */
    val newAlertError: String? = null,
    /** The safety alert waiting for "Remove" to be confirmed, if any. */
    val confirmRemoveAlertId: String? = null,
    /** What each safety alert and contraindication rules out, by item id (the core's restraint profile). */
    val cautionAvoids: Map<String, List<RestrictiveInterventionType>> = emptyMap(),
    /** The interventions an editor can mark as ruled out, with the core's code and label. */
    val interventionChoices: List<Pair<RestrictiveInterventionType, String>> = emptyList(),
    /** The caution whose "rules out" list is open for editing, by item id. */
    val editingAvoidsId: String? = null,
    val pendingChanges: Int = 0,
    /** Proposals for this person's plan waiting for an editor (the review queue). */
    val proposalsWaiting: Int = 0,
    val loading: Boolean = true,
    val message: String? = null,
)

/** A checklist the user can pick. */
data class TemplateChoice(
    val id: String,
    val name: String,
)

/** One cue of a checklist, ticked or not. */
data class CheckItemUi(
    val id: String,
    val text: String,
    val checked: Boolean,
)

/** The scored result of a checklist run. */
data class ChecklistResultUi(
    val score: Int,
    val maxScore: Int,
    val level: BandLevel,
    val levelLabel: String,
    val guidance: String,
    /** The person's own strategies, shown for a moderate or high band. */
    val whatHelps: List<String>,
    val whatToAvoid: List<String>,
)

/** Checklist: pick STAMP or the person's own warning signs, tick, score. */
data class ChecklistUiState(
    val personName: String? = null,
    val templates: List<TemplateChoice> = emptyList(),
    val selectedTemplateId: String? = null,
    val items: List<CheckItemUi> = emptyList(),
    val result: ChecklistResultUi? = null,
    val source: String = "",
    val licence: String = "",
    val message: String? = null,
)

/** A choice in a picker (a unit or a person). */
data class Choice(
    val id: String,
    val label: String,
)

/** An incident tag, with its words, selected or not. */
data class TagChoice(
    val tag: IncidentTag,
    val label: String,
    val selected: Boolean,
)

/** Quick capture: saved from the first tap; unit, optional person or description, tags, note. */
data class CaptureUiState(
    val units: List<Choice> = emptyList(),
    /** The unit; null only while a phone with several units waits for the user to say which. */
    val unitId: String? = null,
    val people: List<Choice> = emptyList(),
    val personId: String? = null,
    val unidentifiedPerson: String = "",
    val tags: List<TagChoice> = emptyList(),
    val note: String = "",
    /** When it happened: the first tap (the moment capture was opened). */
    val occurredAtLabel: String = "",
    /** The draft in the core: there from the first tap once the unit is known. */
    val draftId: String? = null,
    /** "Saved on this device 03:12" once the core holds it. */
    val savedLabel: String? = null,
    /** Save was tapped: the capture is done (the incident stays a draft to complete). */
    val done: Boolean = false,
    /** Back or Cancel on a started capture: "Keep this draft" or go back to it. */
    val askingToLeave: Boolean = false,
    /** The screen may close. */
    val left: Boolean = false,
    val message: String? = null,
) {
    /** Save needs only a unit: a tag and a note are optional. */
    val canSave: Boolean get() = unitId != null

    /** Several units and none chosen yet: the screen asks which first. */
    val needsUnit: Boolean get() = unitId == null && units.size > 1

    /** Something exists or was tapped: leaving asks first. */
    val started: Boolean
        get() = draftId != null || note.isNotBlank() || unidentifiedPerson.isNotBlank() || tags.any { it.selected }
}

/** A de-escalation strategy or step, ticked or not. */
data class StrategyUi(
    val key: String,
    val label: String,
    val ticked: Boolean,
    /** Of those tried, it helped (Deescalation.helped / stepsHelped): only while ticked. */
    val helped: Boolean = false,
)

/** One use-of-force entry with its running timer. */
data class ForceEntryUi(
    val id: String,
    val typeLabel: String,
    val reason: RestrictiveInterventionReason?,
    val reasonLabel: String?,
    val startedLabel: String?,
    val elapsedLabel: String?,
    val running: Boolean,
    /** A prone hold still running past 10 minutes. */
    val proneAlert: Boolean,
    /** A prone hold that passed 10 minutes (running or ended). */
    val proneOverTen: Boolean,
    val inCarePlan: Boolean?,
    /** "Name, job title" per line. */
    val staffText: String,
    val staffError: String? = null,
    val howForceWasUsed: String,
    /** When it started and ended (epoch milliseconds), null while not recorded. */
    val startedAt: Long? = null,
    val endedAt: Long? = null,
    /** A physical restraint (any of the core's physical types): one person monitors from its first second. */
    val physical: Boolean = false,
    /** What the person's plan says of it: "The plan authorises this: …" or that it does not; null: no person. */
    val planLine: String? = null,
    /** The person's cautions that rule it out, in their words (empty: none). */
    val ruledOutBy: List<String> = emptyList(),
    /** Why staff went ahead although the cautions rule it out (kept in the record). */
    val overrideReason: String? = null,
)

/** A safety alert or contraindication in the restraint flow, with what it rules out. */
data class CautionUi(
    val id: String,
    /** "Safety alert" or "Contraindication". */
    val kind: String,
    /** Its words, as written in the person's plan. */
    val text: String,
    /** The interventions it rules out, by the core's labels (empty: a caution to read). */
    val rulesOut: List<String>,
)

/** An intervention the person's plan authorises, with the plan's conditions. */
data class AuthorisedUi(
    val intervention: RestrictiveInterventionType,
    /** "07 Physical restraint: standing", the core's code and label. */
    val label: String,
    val conditions: String,
)

/** The person in the restraint flow, from the core's restraint profile. */
data class RestraintUi(
    /** The name staff use. */
    val name: String,
    /** Safety alerts first, then contraindications. */
    val cautions: List<CautionUi> = emptyList(),
    val authorised: List<AuthorisedUi> = emptyList(),
    /** For each intervention the cautions rule out, those cautions' words. */
    val ruledOut: Map<RestrictiveInterventionType, List<String>> = emptyMap(),
)

/**
 * "Their own cautions rule this out": the explicit confirmation, with a required reason, before
 * an intervention the person's safety alerts or contraindications rule out is recorded.
 */
data class OverrideConfirmUi(
    val intervention: RestrictiveInterventionType,
    /** "01 Physical restraint: prone", the core's code and label. */
    val interventionLabel: String,
    /** The cautions that rule it out, in the person's words. */
    val cautions: List<CautionUi>,
    /** The entry being changed, or null when it is a new start. */
    val entryId: String? = null,
    /** What the confirmation goes ahead with: "The timer starts from your tap at 14:02." */
    val detail: String = "",
    /** The reason, as typed. */
    val reason: String = "",
    /** Why Confirm was refused (no reason, too long). */
    val error: String? = null,
)

/**
 * The time picker for a use of force's start or end, entered or corrected after the event:
 * [valueMillis] moves by steps and is saved through the core only on Save. Never later than
 * now, never before the core's earliest record time, an end never before its start.
 */
data class ForceTimePickerUi(
    val entryId: String,
    /** True: the end; false: the start. */
    val end: Boolean,
    val title: String,
    val valueMillis: Long,
    val valueLabel: String,
    /** Why the last step or Save was refused. */
    val error: String? = null,
)

/** The confirmation shown before Submit locks the record: what is locked and what is missing. */
data class SubmitConfirmUi(
    /** What will be locked, one line each. */
    val locked: List<String>,
    /** s.6(5) items still missing (the core's list). */
    val missing: List<MissingItemUi>,
    /** On a mental health unit a missing item stops the submission. */
    val blocked: Boolean,
)

/** An s.6(5) item still missing. */
data class MissingItemUi(
    val letter: String,
    val description: String,
)

/**
 * The form of a debrief (post-incident review) held, or declined, after submission: with the
 * person or with staff; held (when, no later than now, and who) or not held (why, required);
 * for staff, whether support for their wellbeing was offered; what was learned or agreed.
 */
data class ReviewFormUi(
    val with: ReviewWith = ReviewWith.PERSON,
    val held: Boolean = true,
    /** When it was held (epoch milliseconds), moved with the picker's steps. */
    val heldAt: Long = 0,
    val heldAtLabel: String = "",
    /** Why the picked time was refused (later than now, before the incident), or the core's reason. */
    val heldAtError: String? = null,
    val who: String = "",
    val whyNot: String = "",
    /** Why "not held" cannot be recorded yet (no reason given), the core's words when it refused. */
    val whyNotError: String? = null,
    val wellbeingOffered: Boolean = true,
    val note: String = "",
    /** Any other refusal of the core (role, length), shown above Record. */
    val error: String? = null,
)

/** An addendum after submission. */
data class AddendumUi(
    val author: String,
    val atLabel: String,
    val reason: String,
    val text: String,
    /** For a debrief held after submission: when it was held ("Held Tue 14:05"); null otherwise. */
    val heldLabel: String? = null,
)

/** Completing an incident: detail after the quick capture; submit; addenda. */
data class IncidentUiState(
    val id: String = "",
    val about: String = "",
    val occurredAtLabel: String = "",
    /** When it happened (epoch milliseconds), changed with the "earlier" steps while a draft. */
    val occurredAt: Long = 0,
    /** Why the last change of the time was refused (e.g. it would be in the future). */
    val occurredAtError: String? = null,
    val recordedBy: String = "",
    val submitted: Boolean = false,
    val submittedLabel: String? = null,
    val mentalHealthUnit: Boolean = false,
    val note: String = "",
    val place: String = "",
    val ownStrategies: List<StrategyUi> = emptyList(),
    val generalSteps: List<StrategyUi> = emptyList(),
    val useOfForce: List<ForceEntryUi> = emptyList(),
    val interventionChoices: List<Pair<RestrictiveInterventionType, String>> = emptyList(),
    val reasonChoices: List<Pair<RestrictiveInterventionReason, String>> = emptyList(),
    val injuriesPerson: String = "",
    val injuriesStaff: String = "",
    val injuriesOthers: String = "",
    val outcome: String = "",
    val debriefPersonHeld: Boolean? = null,
    val debriefPersonNote: String = "",
    val debriefStaffHeld: Boolean? = null,
    val debriefStaffNote: String = "",
    /** Anything else tried to avoid force (with the ticked steps: s.6(5)(o)). */
    val otherDeescalation: String = "",
    /** s.6(5)(i): null while unanswered. */
    val nonStaffInvolved: Boolean? = null,
    val nonStaffReason: String = "",
    /** s.6(5)(j). */
    val mentalDisorder: String = "",
    /** s.6(5)(k) as free text: only an older record's, shown read-only. */
    val relevantCharacteristics: String = "",
    /** s.6(5)(k): the nine protected characteristics (characteristicLabels()), each answered or not yet. */
    val characteristics: List<CharacteristicRowUi> = emptyList(),
    /** Was the person, were staff, was anyone else injured: Yes / No / Not known; null while unanswered. */
    val injured: Map<InjuryWho, InjuryIndicator?> = emptyMap(),
    /** Yes / No / Not known, in the core's words. */
    val injuryChoices: List<Pair<InjuryIndicator, String>> = emptyList(),
    /** The physical observations taken, newest first. */
    val observations: List<ObservationUi> = emptyList(),
    /** The quick observation form (on a draft and after submission). */
    val observationForm: ObservationFormUi = ObservationFormUi(),
    /** "Observation recorded at 14:02", after the last one was saved. */
    val observationSaved: String? = null,
    /**
     * After rapid tranquillisation, the core's next check (`nextObservationDue`): "Next check
     * due 15:02", or "Check overdue: due 15:02"; null when none is scheduled.
     */
    val nextObservationDue: String? = null,
    /** The next check is past its time. */
    val observationOverdue: Boolean = false,
    /** s.6(5)(l), (n), (p): null while unanswered. */
    val learningDisabilityOrAutism: Boolean? = null,
    val deathOrSeriousInjury: Boolean? = null,
    val notificationSent: Boolean? = null,
    /** Each s.6(5) item's label, "(i) why anyone…", from the core's letter and description. */
    val s65Labels: Map<S65Item, String> = emptyMap(),
    /** A debrief note typed while held / not held is unanswered: kept here, saved once answered. */
    val debriefPersonUnsaved: Boolean = false,
    val debriefStaffUnsaved: Boolean = false,
    /** The start or end time being entered or corrected, or null. */
    val timePicker: ForceTimePickerUi? = null,
    /** The use of force waiting for "Remove" to be confirmed, or null. */
    val removingForceId: String? = null,
    /** The Submit confirmation, or null while not asked. */
    val confirmSubmit: SubmitConfirmUi? = null,
    val missing: List<MissingItemUi> = emptyList(),
    val addenda: List<AddendumUi> = emptyList(),
    val addendumReason: String = "",
    val addendumText: String = "",
    /** The form of a debrief held (or declined) after submission, while open; null otherwise. */
    val review: ReviewFormUi? = null,
    /** A prone hold past 10 minutes is running: shown above everything. */
    val proneAlert: Boolean = false,
    /** A physical hold is running: the one-person-monitors prompt, from its first second. */
    val monitoring: Boolean = false,
    /** The person's safety alerts, contraindications and authorised interventions; null: no known person. */
    val restraint: RestraintUi? = null,
    /** The confirmation of an intervention the person's cautions rule out, or null. */
    val confirmOverride: OverrideConfirmUi? = null,
    /** Parts of the stored record the core could not read and left out, in words; null when all was read. */
    val unreadableWarning: String? = null,
    /** The timeline's one-tap buttons, the core's kinds and words in its order. */
    val timelineButtons: List<TimelineButtonUi> = emptyList(),
    /** The moments recorded, in the order they happened. */
    val timeline: List<TimelineEventUi> = emptyList(),
    /** The sheet a button opened (who came, the note of "Other"), or null. */
    val timelineAsk: TimelineAskUi? = null,
    /** A tap the core refused (Field.TIMELINE), shown by the buttons. */
    val timelineError: String? = null,
    /** "Recorded: Arrived at 14:02", after the last tap. */
    val timelineSaved: String? = null,
    /** The job or CAD reference of an ambulance or HEMS call, as typed. */
    val jobReference: String = "",
    /** The core's rule for the reference (Field.JOB_REFERENCE), under its field. */
    val jobReferenceError: String? = null,
    /** The person was not identified at the time (a description instead of a person). */
    val unidentified: Boolean = false,
    /** The "Propose for the plan" form, while open. */
    val proposal: ProposalFormUi? = null,
    /** The confirmation after a proposal: an editor will review it. */
    val proposalSent: String? = null,
    /** The incident names a person whose sheet a proposal would change. */
    val canPropose: Boolean = false,
    /** What was proposed from this incident: "Early warning signs: Pacing by the door". */
    val proposed: List<String> = emptyList(),
    /** The "Patient identified" form, while open (submitted, unidentified only). */
    val identify: IdentifyFormUi? = null,
    /** The identifications added, "Identified at St Elsewhere: hospital number …, NHS number …". */
    val identifications: List<String> = emptyList(),
    val savedLabel: String? = null,
    val message: String? = null,
    val loading: Boolean = true,
)

/** One incident in the list. */
data class IncidentRow(
    val id: String,
    val about: String,
    val whenLabel: String,
    val tags: List<String>,
    val useOfForce: Boolean,
    val waitingToSync: Boolean,
    val submitted: Boolean,
)

/** A change the server refused, or an edit that lost: what and why. */
data class ProblemRow(
    val id: String,
    val title: String,
    val reason: String,
)

/** Incidents: drafts, waiting to sync, submitted; problems with reasons. */
data class IncidentsUiState(
    val drafts: List<IncidentRow> = emptyList(),
    val waiting: List<IncidentRow> = emptyList(),
    val submitted: List<IncidentRow> = emptyList(),
    val quarantined: List<ProblemRow> = emptyList(),
    val conflicts: List<ProblemRow> = emptyList(),
    val loading: Boolean = true,
    val message: String? = null,
)

/** One guidance card. */
data class GuidanceCardUi(
    val id: String,
    val title: String,
    val body: String,
    val tags: List<String>,
)

/** Guidance: the unit's cards, offline. */
data class GuidanceUiState(
    val query: String = "",
    val cards: List<GuidanceCardUi> = emptyList(),
    val expandedId: String? = null,
    val loading: Boolean = true,
)

/** Sync and settings. */
data class SyncUiState(
    val enrolled: Boolean = false,
    val server: String? = null,
    val staffLine: String = "",
    val deviceId: String = "",
    val lastSuccessLabel: String = "Never",
    val lastAttemptLabel: String = "Never",
    val pending: Int = 0,
    val quarantined: Int = 0,
    val conflicts: Int = 0,
    val lastError: String? = null,
    val syncing: Boolean = false,
    val confirmingSignOut: Boolean = false,
    val signedOut: Boolean = false,
    val message: String? = null,
    /** The placements on this phone, each with its role and end. */
    val units: List<UnitRow> = emptyList(),
    /** The "Add a placement" form, or null while closed. */
    val addPlacement: AddPlacementUi? = null,
)

/** "Add a placement": the next unit's code, added at the enrolled server without signing out. */
data class AddPlacementUi(
    /** The code as typed, or from a scanned or pasted `steady://enrol` link. */
    val code: String = "",
    /** Why the code was refused (the form's check, or the server's answer for `Field.ENROLMENT_CODE`). */
    val codeError: String? = null,
    /** A problem that is no field's (no network: nothing was lost). */
    val message: String? = null,
    val busy: Boolean = false,
)
