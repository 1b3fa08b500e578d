// Completing an incident: from the first second of any physical hold, the one-person-monitors
// prompt above everything, then at 10 minutes prone the core's alert words (the notification's
// too); Stop for each running hold pinned to the bottom of the screen; de-escalation with the
// person's own "what helps" first; use of force with the person's safety alerts,
// contraindications and authorised interventions above the choices (no prone quick start), an
// intervention their cautions rule out marked on its button and started only after a confirmation
// with a reason; running timers, start and end times
// corrected afterwards, a mistaken entry removed (after a confirmation), the reason changed;
// every s.6(5) item the core checks, labelled by the core ((k) as nine answers); physical
// observations under the use of force from a hold's first second, and after submission (see
// ObservationViews.kt); staff, injuries (yes / no / not known, and what), outcome and
// debriefs (held is an explicit answer); the s.6(5) items still missing; Submit asks first and
// shows what will be locked; then addenda only, and debriefs held after (a form of their own).
package app.steady.android.ui

import androidx.compose.foundation.BorderStroke
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.navigationBarsPadding
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Check
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.FilterChipDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.AnswerKind
import app.steady.android.state.ForceEntryUi
import app.steady.android.state.ForceTimePickerUi
import app.steady.android.state.IncidentUiState
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.InjuryWho
import app.steady.android.state.ObsField
import app.steady.android.state.OverrideConfirmUi
import app.steady.android.state.ProneAlerts
import app.steady.android.state.RestraintUi
import app.steady.android.state.ReviewFormUi
import app.steady.android.state.StrategyUi
import app.steady.android.state.SubmitConfirmUi
import app.steady.android.ui.theme.LocalSteadyColors
import app.steady.core.ProneAlertText
import app.steady.core.model.BodyPosition
import app.steady.core.model.Breathing
import app.steady.core.model.Consciousness
import app.steady.core.model.InjuryIndicator
import app.steady.core.model.ObservationPhase
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.ReviewWith
import app.steady.core.model.S65Item
import app.steady.core.model.SheetList
import app.steady.core.model.SkinColour
import app.steady.core.model.TimelineEventKind
import app.steady.core.restraintWords

/** Events of the incident screen. */
data class IncidentEvents(
    val onBack: () -> Unit = {},
    val onNoteChange: (String) -> Unit = {},
    val onPlaceChange: (String) -> Unit = {},
    val onToggleOwnStrategy: (String) -> Unit = {},
    val onToggleStep: (String) -> Unit = {},
    val onStartForce: (RestrictiveInterventionType, RestrictiveInterventionReason?) -> Unit = { _, _ -> },
    val onStopForce: (String) -> Unit = {},
    val onInCarePlan: (String, Boolean) -> Unit = { _, _ -> },
    val onReasonChange: (String, RestrictiveInterventionReason) -> Unit = { _, _ -> },
    val onHowForceChange: (String, String) -> Unit = { _, _ -> },
    val onStaffChange: (String, String) -> Unit = { _, _ -> },
    val onInjuriesChange: (String, String) -> Unit = { _, _ -> },
    val onOutcomeChange: (String) -> Unit = {},
    /** A debrief (true: with the person) was answered: held or not. */
    val onDebriefHeld: (Boolean, Boolean) -> Unit = { _, _ -> },
    /** A debrief's note changed (it never answers "held"). */
    val onDebriefNote: (Boolean, String) -> Unit = { _, _ -> },
    val onOtherDeescalationChange: (String) -> Unit = {},
    /** A yes / no s.6(5) answer: (i), (l), (n), (p). */
    val onS65Answer: (S65Item, Boolean) -> Unit = { _, _ -> },
    /** An s.6(5) text: (i)'s reason, (j), (k). */
    val onS65Text: (S65Item, String) -> Unit = { _, _ -> },
    /** Opens the time picker for an entry's start (false) or end (true). */
    val onEditForceTime: (String, Boolean) -> Unit = { _, _ -> },
    val onForceTimeStep: (Long) -> Unit = {},
    val onForceTimeSave: () -> Unit = {},
    val onForceTimeCancel: () -> Unit = {},
    val onRemoveForceRequest: (String) -> Unit = {},
    val onRemoveForceCancel: () -> Unit = {},
    val onRemoveForceConfirm: () -> Unit = {},
    /** Submit tapped: shows the confirmation. */
    val onSubmitRequest: () -> Unit = {},
    val onSubmitCancel: () -> Unit = {},
    /** Submit confirmed: locks the record. */
    val onSubmit: () -> Unit = {},
    val onAddendumReasonChange: (String) -> Unit = {},
    val onAddendumTextChange: (String) -> Unit = {},
    val onAddAddendum: () -> Unit = {},
    /** "Record a debrief held after" (submitted only): opens the form. */
    val onReviewOpen: () -> Unit = {},
    val onReviewWith: (ReviewWith) -> Unit = {},
    val onReviewHeld: (Boolean) -> Unit = {},
    /** Moves when the debrief was held by the given milliseconds. */
    val onReviewTimeStep: (Long) -> Unit = {},
    val onReviewWho: (String) -> Unit = {},
    val onReviewWhyNot: (String) -> Unit = {},
    val onReviewWellbeing: (Boolean) -> Unit = {},
    val onReviewNote: (String) -> Unit = {},
    val onReviewCancel: () -> Unit = {},
    /** Records the debrief through the core. */
    val onReviewSave: () -> Unit = {},
    /** Moves when it happened by the given milliseconds (negative: earlier). */
    val onShiftOccurredAt: (Long) -> Unit = {},
    /** The reason for going ahead against the person's cautions, as typed. */
    val onOverrideReasonChange: (String) -> Unit = {},
    /** The confirmation was cancelled: nothing is recorded. */
    val onOverrideCancel: () -> Unit = {},
    /** Confirmed with the reason: recorded, the reason kept in the record. */
    val onOverrideConfirm: () -> Unit = {},
    /** Was the person, were staff, was anyone else injured: Yes / No / Not known. */
    val onInjured: (InjuryWho, InjuryIndicator) -> Unit = { _, _ -> },
    /** s.6(5)(k): a characteristic (by the core's name) answered Stated, Not known or Prefers not to say. */
    val onCharacteristicKind: (String, AnswerKind) -> Unit = { _, _ -> },
    /** s.6(5)(k): a characteristic's stated words. */
    val onCharacteristicStated: (String, String) -> Unit = { _, _ -> },
    val onObservationPhase: (ObservationPhase) -> Unit = {},
    val onObservationBreathing: (Breathing) -> Unit = {},
    val onObservationColour: (SkinColour) -> Unit = {},
    val onObservationConsciousness: (Consciousness) -> Unit = {},
    val onObservationPosition: (BodyPosition) -> Unit = {},
    /** A vital sign or a text of the observation form, as typed. */
    val onObservationField: (ObsField, String) -> Unit = { _, _ -> },
    /** Records the observation through the core. */
    val onObservationSave: () -> Unit = {},
    /** "No further concerns" tapped (after rapid tranquillisation). */
    val onObservationNoFurtherConcerns: () -> Unit = {},
    /** The "taken at" time moved by so many minutes (−5, −15, −60, +5). */
    val onObservationTakenStep: (Int) -> Unit = {},
    /** The "taken at" time back to now. */
    val onObservationTakenNow: () -> Unit = {},
    /** "Helped" beside a strategy ticked (true: one of the person's own; the key). */
    val onToggleHelped: (Boolean, String) -> Unit = { _, _ -> },
    /** A timeline button tapped. */
    val onTimelineTap: (TimelineEventKind) -> Unit = {},
    val onTimelineAskText: (String) -> Unit = {},
    val onTimelineAskCancel: () -> Unit = {},
    val onTimelineAskSave: () -> Unit = {},
    /** Undo of a mistaken tap (by the moment's id). */
    val onTimelineUndo: (String) -> Unit = {},
    val onJobReferenceChange: (String) -> Unit = {},
    val onProposalOpen: () -> Unit = {},
    val onProposalList: (SheetList) -> Unit = {},
    val onProposalText: (String) -> Unit = {},
    val onProposalCancel: () -> Unit = {},
    val onProposalSave: () -> Unit = {},
    val onIdentifyOpen: () -> Unit = {},
    val onIdentifyHospital: (String) -> Unit = {},
    val onIdentifyIdentifier: (String) -> Unit = {},
    val onIdentifyNhsNumber: (String) -> Unit = {},
    val onIdentifyCancel: () -> Unit = {},
    val onIdentifySave: () -> Unit = {},
)

/** The one-person-monitors prompt, from the first second of any physical hold (the core's words). */
val MONITOR_PROMPT: String get() = restraintWords().monitoring

/** The test tag of the monitoring prompt in the pinned Stop bar. */
const val BAR_MONITOR_TAG = "bar-monitor-prompt"

/** The test tag of the pinned bar of running holds. */
const val RUNNING_BAR_TAG = "running-holds-bar"

/** The 10-minute prone flag, as the reporting fact it is (the core's words). */
val PRONE_OVER_TEN_FACT: String get() = restraintWords().proneReported

/** The test tag of each running hold's Stop, pinned to the bottom of the screen. */
const val STOP_HOLD_TAG = "stop-running-hold"

/** The steps offered for "when it happened": label, what TalkBack reads, milliseconds. */
private val timeSteps =
    listOf(
        Triple("−5 min", "5 minutes earlier", -5 * 60_000L),
        Triple("−15 min", "15 minutes earlier", -15 * 60_000L),
        Triple("−1 h", "1 hour earlier", -60 * 60_000L),
        Triple("+5 min", "5 minutes later", 5 * 60_000L),
    )

/** When it happened, with steps to move it: staff often record after the event. */
@Composable
private fun OccurredAtControl(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text("When it happened", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        Text(
            state.occurredAtLabel,
            style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
        )
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            timeSteps.forEach { (label, spoken, millis) ->
                OutlinedButton(
                    onClick = { events.onShiftOccurredAt(millis) },
                    modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "Make the time $spoken" },
                ) { Text(label) }
            }
        }
        state.occurredAtError?.let {
            Text(
                it,
                color = MaterialTheme.colorScheme.error,
                style = MaterialTheme.typography.bodyMedium,
                modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
            )
        }
    }
}

/**
 * The most used interventions, offered first (the rest are under "Other types"). Never prone: a
 * position the guidance says must not be planned is not a one-tap start (audit §2 item 5); it
 * stays in the full list.
 */
val QUICK_STARTS =
    listOf(
        RestrictiveInterventionType.PHYSICAL_STANDING,
        RestrictiveInterventionType.PHYSICAL_SEATED,
        RestrictiveInterventionType.PHYSICAL_RESTRICTIVE_ESCORT,
        RestrictiveInterventionType.PHYSICAL_SUPINE,
    )

/**
 * Every event of the incident screen wired to [vm]: one wiring for each place the screen opens
 * (the app's route, and the incident a tapped prone-hold notification opens).
 */
fun incidentEvents(
    vm: IncidentViewModel,
    onBack: () -> Unit,
) = IncidentEvents(
    onBack = onBack,
    onNoteChange = vm::onNoteChange,
    onPlaceChange = vm::onPlaceChange,
    onToggleOwnStrategy = vm::onToggleOwnStrategy,
    onToggleStep = vm::onToggleStep,
    onStartForce = vm::onStartForce,
    onStopForce = vm::onStopForce,
    onInCarePlan = vm::onInCarePlan,
    onReasonChange = vm::onReasonChange,
    onHowForceChange = vm::onHowForceChange,
    onStaffChange = vm::onStaffChange,
    onInjuriesChange = vm::onInjuriesChange,
    onOutcomeChange = vm::onOutcomeChange,
    onDebriefHeld = vm::onDebriefHeld,
    onDebriefNote = vm::onDebriefNote,
    onOtherDeescalationChange = vm::onOtherDeescalationChange,
    onS65Answer = vm::onS65Answer,
    onS65Text = vm::onS65Text,
    onEditForceTime = vm::onEditForceTime,
    onForceTimeStep = vm::onForceTimeStep,
    onForceTimeSave = vm::onForceTimeSave,
    onForceTimeCancel = vm::onForceTimeCancel,
    onRemoveForceRequest = vm::onRemoveForceRequest,
    onRemoveForceCancel = vm::onRemoveForceCancel,
    onRemoveForceConfirm = vm::onRemoveForceConfirm,
    onSubmitRequest = vm::onSubmitRequest,
    onSubmitCancel = vm::onSubmitCancel,
    onSubmit = vm::onSubmit,
    onAddendumReasonChange = vm::onAddendumReasonChange,
    onAddendumTextChange = vm::onAddendumTextChange,
    onAddAddendum = vm::onAddAddendum,
    onReviewOpen = vm::onReviewOpen,
    onReviewWith = vm::onReviewWith,
    onReviewHeld = vm::onReviewHeld,
    onReviewTimeStep = vm::onReviewTimeStep,
    onReviewWho = vm::onReviewWho,
    onReviewWhyNot = vm::onReviewWhyNot,
    onReviewWellbeing = vm::onReviewWellbeing,
    onReviewNote = vm::onReviewNote,
    onReviewCancel = vm::onReviewCancel,
    onReviewSave = vm::onReviewSave,
    onShiftOccurredAt = vm::onShiftOccurredAt,
    onOverrideReasonChange = vm::onOverrideReasonChange,
    onOverrideCancel = vm::onOverrideCancel,
    onOverrideConfirm = vm::onOverrideConfirm,
    onInjured = vm::onInjured,
    onCharacteristicKind = vm::onCharacteristicKind,
    onCharacteristicStated = vm::onCharacteristicStated,
    onObservationPhase = vm::onObservationPhase,
    onObservationBreathing = vm::onObservationBreathing,
    onObservationColour = vm::onObservationColour,
    onObservationConsciousness = vm::onObservationConsciousness,
    onObservationPosition = vm::onObservationPosition,
    onObservationField = vm::onObservationField,
    onObservationSave = vm::onObservationSave,
    onObservationNoFurtherConcerns = vm::onObservationNoFurtherConcerns,
    onObservationTakenStep = vm::onObservationTakenStep,
    onObservationTakenNow = vm::onObservationTakenNow,
    onToggleHelped = vm::onToggleHelped,
    onTimelineTap = vm::onTimelineTap,
    onTimelineAskText = vm::onTimelineAskText,
    onTimelineAskCancel = vm::onTimelineAskCancel,
    onTimelineAskSave = vm::onTimelineAskSave,
    onTimelineUndo = vm::onTimelineUndo,
    onJobReferenceChange = vm::onJobReferenceChange,
    onProposalOpen = vm::onProposalOpen,
    onProposalList = vm::onProposalList,
    onProposalText = vm::onProposalText,
    onProposalCancel = vm::onProposalCancel,
    onProposalSave = vm::onProposalSave,
    onIdentifyOpen = vm::onIdentifyOpen,
    onIdentifyHospital = vm::onIdentifyHospital,
    onIdentifyIdentifier = vm::onIdentifyIdentifier,
    onIdentifyNhsNumber = vm::onIdentifyNhsNumber,
    onIdentifyCancel = vm::onIdentifyCancel,
    onIdentifySave = vm::onIdentifySave,
)

/** The incident screen. [alertText]: the prone-hold alert's words, the core's. */
@Composable
fun IncidentScreen(
    state: IncidentUiState,
    events: IncidentEvents,
    alertText: ProneAlertText = ProneAlerts.words,
) {
    val steady = LocalSteadyColors.current
    val running = if (state.submitted || state.loading) emptyList() else state.useOfForce.filter { it.running }
    SteadyScaffold(
        title = if (state.submitted) "Incident (submitted)" else "Complete incident",
        onBack = events.onBack,
        // Stop for each running hold, pinned: on screen whatever the font size or the banner.
        bottomBar = { if (running.isNotEmpty()) RunningHoldsBar(running, events) },
    ) {
        if (state.monitoring || state.proneAlert) {
            item {
                Surface(
                    color = steady.alert,
                    contentColor = steady.onAlert,
                    shape = MaterialTheme.shapes.medium,
                    modifier = Modifier.fillMaxWidth().semantics { liveRegion = LiveRegionMode.Assertive },
                ) {
                    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                        // From the first second of any physical hold.
                        Text(MONITOR_PROMPT, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
                        if (state.proneAlert) {
                            // The notification's words, the core's: the same on Android and iOS.
                            Text(alertText.title, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
                            Text(alertText.body, style = MaterialTheme.typography.bodyLarge)
                        }
                    }
                }
            }
        }
        item {
            Column {
                Text(state.about, style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.SemiBold)
                Text("${state.occurredAtLabel} · recorded by ${state.recordedBy}", style = MaterialTheme.typography.bodyMedium)
                state.submittedLabel?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
                state.savedLabel?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
            }
        }
        state.unreadableWarning?.let { warning ->
            item {
                Surface(
                    color = MaterialTheme.colorScheme.errorContainer,
                    contentColor = MaterialTheme.colorScheme.onErrorContainer,
                    shape = MaterialTheme.shapes.medium,
                    modifier = Modifier.fillMaxWidth(),
                ) {
                    Text(warning, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(12.dp))
                }
            }
        }
        // A question being answered (a time, a removal, Submit) takes the screen, as a dialog
        // would, under the prone alert: nothing else can be tapped by mistake meanwhile.
        if (!state.submitted && !state.loading) {
            val picker = state.timePicker
            val removing = state.useOfForce.firstOrNull { it.id == state.removingForceId }
            val confirm = state.confirmSubmit
            val override = state.confirmOverride
            when {
                override != null -> {
                    item { OverrideConfirmCard(override, state.restraint, events) }
                    return@SteadyScaffold
                }

                picker != null -> {
                    item {
                        SectionCard(picker.title, MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
                            TimePicker(picker, events)
                        }
                    }
                    return@SteadyScaffold
                }

                removing != null -> {
                    item { RemoveForceCard(removing, events) }
                    return@SteadyScaffold
                }

                confirm != null -> {
                    item { SubmitConfirmCard(confirm, events) }
                    return@SteadyScaffold
                }
            }
        }
        // A proposal for the plan, and an identification, take the screen as the draft's questions
        // do; a proposal opened from the debrief form returns to it.
        state.proposal?.let { f ->
            item { ProposalForm(f, events) }
            return@SteadyScaffold
        }
        val identify = state.identify
        if (state.submitted && identify != null) {
            item { IdentifyForm(identify, events) }
            return@SteadyScaffold
        }
        // The debrief form takes the screen as the draft's questions do.
        val review = state.review
        if (state.submitted && review != null) {
            item { ReviewForm(review, events) }
            return@SteadyScaffold
        }
        if (!state.submitted && !state.loading) item { OccurredAtControl(state, events) }
        state.message?.let { item { MessageStrip(it) } }
        // One tap per moment, near the top: at a roadside it is the first thing recorded.
        if (!state.submitted && !state.loading) timelineSection(state, events)
        if (state.submitted) {
            item { Heading("What was recorded") }
            item { RecordLine("Note", state.note) }
            item { RecordLine("Place", state.place) }
            if (state.jobReference.isNotBlank()) item { RecordLine("Job or CAD reference", state.jobReference) }
            item {
                RecordLine(
                    "De-escalation tried",
                    (state.ownStrategies + state.generalSteps).filter { it.ticked }.joinToString("; ") { it.label },
                )
            }
            items(state.useOfForce, key = { "done-" + it.id }) { e ->
                RecordLine(
                    e.typeLabel,
                    listOfNotNull(
                        e.reasonLabel,
                        e.startedLabel,
                        e.elapsedLabel?.let { "lasted $it" },
                        e.staffText.replace("\n", "; "),
                        if (e.proneOverTen) PRONE_OVER_TEN_FACT else null,
                        e.overrideReason?.let { "Went ahead against their cautions: $it" },
                    ).filter { it.isNotBlank() }
                        .joinToString(". "),
                )
            }
            if (state.otherDeescalation.isNotBlank()) item { RecordLine("Also tried", state.otherDeescalation) }
            if (state.useOfForce.isNotEmpty()) {
                items(s65Answers(state), key = { "s65-" + it.first }) { (label, value) -> RecordLine(label, value) }
            }
            item { RecordLine(InjuryWho.PERSON.label, injuryRecord(state, InjuryWho.PERSON)) }
            item { RecordLine("Injuries to the person", state.injuriesPerson) }
            item { RecordLine(InjuryWho.STAFF.label, injuryRecord(state, InjuryWho.STAFF)) }
            item { RecordLine("Injuries to staff", state.injuriesStaff) }
            item { RecordLine(InjuryWho.OTHERS.label, injuryRecord(state, InjuryWho.OTHERS)) }
            item { RecordLine("Injuries to others", state.injuriesOthers) }
            item { RecordLine("Outcome", state.outcome) }
            item { RecordLine("Debrief with the person", debriefText(state.debriefPersonHeld, state.debriefPersonNote)) }
            item { RecordLine("Debrief with staff", debriefText(state.debriefStaffHeld, state.debriefStaffNote)) }
            if (state.timeline.isNotEmpty()) timelineSection(state, events)
            // Observations go on after submission (after rapid tranquillisation, hourly).
            if (showsObservations(state)) observationsSection(state, events)
            identifySection(state, events)
            proposalSection(state, events)
            item { Heading("Addenda") }
            if (state.addenda.isEmpty()) item { Text("None yet.", style = MaterialTheme.typography.bodyLarge) }
            items(state.addenda) { a ->
                SectionCard(
                    "${a.atLabel} · ${a.author}",
                    MaterialTheme.colorScheme.surfaceVariant,
                    MaterialTheme.colorScheme.onSurfaceVariant,
                ) {
                    Text("Reason: ${a.reason}", style = MaterialTheme.typography.bodyMedium, fontWeight = FontWeight.Bold)
                    a.heldLabel?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
                    Text(a.text, style = MaterialTheme.typography.bodyLarge)
                }
            }
            item {
                OutlinedButton(onClick = events.onReviewOpen, modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)) {
                    Text("Record a debrief held after")
                }
            }
            item { Field("Reason for the addendum", state.addendumReason, events.onAddendumReasonChange) }
            item { Field("Addendum", state.addendumText, events.onAddendumTextChange) }
            item {
                Button(onClick = events.onAddAddendum, modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)) { Text("Add addendum") }
            }
            return@SteadyScaffold
        }
        // A running intervention and its timer come first: that is what needs watching.
        val forceFirst = state.useOfForce.any { it.running }
        if (forceFirst) forceSection(state, events)
        item { Field("Note", state.note, events.onNoteChange) }
        item { Field("Place", state.place, events.onPlaceChange, singleLine = true) }
        item { JobReferenceField(state, events) }
        item { Heading("De-escalation tried") }
        if (state.ownStrategies.isNotEmpty()) {
            item { Text("Their own \"what helps\"", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold) }
            items(
                state.ownStrategies,
                key = { "own-" + it.key },
            ) { TickRow(it, events.onToggleOwnStrategy) { k -> events.onToggleHelped(true, k) } }
        }
        item { Text("General steps", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold) }
        items(state.generalSteps, key = { "step-" + it.key }) { TickRow(it, events.onToggleStep) { k -> events.onToggleHelped(false, k) } }
        item { Field("Anything else tried", state.otherDeescalation, events.onOtherDeescalationChange) }
        if (!forceFirst) forceSection(state, events)
        val force = state.useOfForce.isNotEmpty()
        if (force) {
            item { Heading("People and characteristics") }
            item {
                YesNoRow(label(state, S65Item.NON_STAFF_INVOLVEMENT), state.nonStaffInvolved, "Yes, someone was", "No, nobody was") {
                    events.onS65Answer(S65Item.NON_STAFF_INVOLVEMENT, it)
                }
            }
            if (state.nonStaffInvolved == true) {
                item {
                    Field(
                        "Who, and why they were involved",
                        state.nonStaffReason,
                        { events.onS65Text(S65Item.NON_STAFF_INVOLVEMENT, it) },
                    )
                }
            }
            item { Field(label(state, S65Item.MENTAL_DISORDER), state.mentalDisorder, { events.onS65Text(S65Item.MENTAL_DISORDER, it) }) }
            characteristicsSection(label(state, S65Item.RELEVANT_CHARACTERISTICS), state, events)
            item {
                YesNoRow(label(state, S65Item.LEARNING_DISABILITY_OR_AUTISM), state.learningDisabilityOrAutism) {
                    events.onS65Answer(S65Item.LEARNING_DISABILITY_OR_AUTISM, it)
                }
            }
        }
        item { Heading("Injuries") }
        // Asked as explicit answers (the export never guesses them from text), beside the words.
        injuryQuestions(state, events)
        item { Field("Injuries to the person: what", state.injuriesPerson, { events.onInjuriesChange("person", it) }) }
        item { Field("Injuries to staff: what", state.injuriesStaff, { events.onInjuriesChange("staff", it) }) }
        item { Field("Injuries to others: what", state.injuriesOthers, { events.onInjuriesChange("others", it) }) }
        item { Heading("Outcome") }
        item { Field("What happened afterwards", state.outcome, events.onOutcomeChange) }
        if (force) {
            item {
                YesNoRow(label(state, S65Item.DEATH_OR_SERIOUS_INJURY), state.deathOrSeriousInjury) {
                    events.onS65Answer(S65Item.DEATH_OR_SERIOUS_INJURY, it)
                }
            }
        }
        item { Heading("Debrief") }
        item {
            DebriefRow("With the person", state.debriefPersonHeld, state.debriefPersonNote, state.debriefPersonUnsaved, {
                events.onDebriefHeld(true, it)
            }) { events.onDebriefNote(true, it) }
        }
        item {
            DebriefRow("With staff", state.debriefStaffHeld, state.debriefStaffNote, state.debriefStaffUnsaved, {
                events.onDebriefHeld(false, it)
            }) { events.onDebriefNote(false, it) }
        }
        if (force) {
            item {
                YesNoRow(label(state, S65Item.NOTIFICATION_SENT), state.notificationSent) {
                    events.onS65Answer(S65Item.NOTIFICATION_SENT, it)
                }
            }
        }
        proposalSection(state, events)
        if (state.missing.isNotEmpty()) {
            item {
                SectionCard(
                    if (state.mentalHealthUnit) "Required before submitting (s.6(5))" else "Advised (s.6(5))",
                    MaterialTheme.colorScheme.errorContainer,
                    MaterialTheme.colorScheme.onErrorContainer,
                ) {
                    state.missing.forEach { m -> Text("(${m.letter}) ${m.description}", style = MaterialTheme.typography.bodyLarge) }
                }
            }
        }
        item {
            Button(onClick = events.onSubmitRequest, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) { Text("Submit") }
        }
    }
}

/** The core's label of an s.6(5) item, "(i) why anyone…" (letter and description). */
private fun label(
    state: IncidentUiState,
    item: S65Item,
): String = state.s65Labels[item].orEmpty()

private fun yesNo(value: Boolean?): String =
    when (value) {
        true -> "Yes"
        false -> "No"
        null -> ""
    }

private fun debriefText(
    held: Boolean?,
    note: String,
): String =
    when (held) {
        true -> "Held" + if (note.isBlank()) "" else ": $note"
        false -> "Not held" + if (note.isBlank()) "" else ": $note"
        null -> ""
    }

/** The s.6(5) answers of a submitted record, as label and value. */
private fun s65Answers(state: IncidentUiState): List<Pair<String, String>> =
    listOf(
        label(state, S65Item.NON_STAFF_INVOLVEMENT) to
            (yesNo(state.nonStaffInvolved) + if (state.nonStaffInvolved == true) ": ${state.nonStaffReason}" else ""),
        label(state, S65Item.MENTAL_DISORDER) to state.mentalDisorder,
        label(state, S65Item.RELEVANT_CHARACTERISTICS) to characteristicsRecord(state),
        label(state, S65Item.LEARNING_DISABILITY_OR_AUTISM) to yesNo(state.learningDisabilityOrAutism),
        label(state, S65Item.DEATH_OR_SERIOUS_INJURY) to yesNo(state.deathOrSeriousInjury),
        label(state, S65Item.NOTIFICATION_SENT) to yesNo(state.notificationSent),
    )

/** "Submit this incident?": what will be locked, the s.6(5) items missing, then the choice. */
@Composable
private fun SubmitConfirmCard(
    confirm: SubmitConfirmUi,
    events: IncidentEvents,
) {
    SectionCard(
        "Submit this incident?",
        MaterialTheme.colorScheme.secondaryContainer,
        MaterialTheme.colorScheme.onSecondaryContainer,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    ) {
        Text("Once submitted it is locked for good; corrections are addenda. This locks:", style = MaterialTheme.typography.bodyLarge)
        confirm.locked.forEach { Text("• $it", style = MaterialTheme.typography.bodyLarge) }
        if (confirm.missing.isNotEmpty()) {
            Text(
                if (confirm.blocked) {
                    "Required on this unit before it can be submitted (s.6(5)):"
                } else {
                    "Not recorded yet (s.6(5)); you can submit, but they should be recorded:"
                },
                style = MaterialTheme.typography.bodyLarge,
                fontWeight = FontWeight.Bold,
            )
            confirm.missing.forEach { m -> Text("(${m.letter}) ${m.description}", style = MaterialTheme.typography.bodyLarge) }
        }
        Row(
            Modifier.fillMaxWidth(),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
        ) {
            TextButton(onClick = events.onSubmitCancel, modifier = Modifier.heightIn(min = 48.dp)) {
                Text(if (confirm.blocked) "Back to the record" else "Keep editing")
            }
            if (!confirm.blocked) {
                Button(onClick = events.onSubmit, modifier = Modifier.heightIn(min = 48.dp)) { Text("Submit and lock") }
            }
        }
    }
}

/** A yes / no answer that starts unanswered; the chosen one carries a check mark. */
@Composable
private fun YesNoRow(
    title: String,
    value: Boolean?,
    yes: String = "Yes",
    no: String = "No",
    onAnswer: (Boolean) -> Unit,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(title, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            CheckChip(value == true, yes) { onAnswer(true) }
            CheckChip(value == false, no) { onAnswer(false) }
        }
        if (value == null) Text("Not answered yet", style = MaterialTheme.typography.bodyMedium)
    }
}

/** A chip whose selected state shows as a check mark too, not only as a fill. */
@Composable
internal fun CheckChip(
    selected: Boolean,
    text: String,
    onClick: () -> Unit,
) {
    FilterChip(
        selected = selected,
        onClick = onClick,
        label = { Text(text) },
        leadingIcon = if (selected) ({ Icon(Icons.Filled.Check, contentDescription = null) }) else null,
        // Inside the grey use-of-force card the default border and selected fill nearly vanish
        // (apps.md F3): the theme's outline for every border, the primary container when chosen.
        colors = FilterChipDefaults.filterChipColors(selectedContainerColor = MaterialTheme.colorScheme.primaryContainer),
        border =
            FilterChipDefaults.filterChipBorder(
                enabled = true,
                selected = selected,
                borderColor = MaterialTheme.colorScheme.outline,
                selectedBorderColor = MaterialTheme.colorScheme.primary,
            ),
        modifier = Modifier.heightIn(min = 48.dp),
    )
}

private fun LazyListScope.forceSection(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    item { Heading("Use of force") }
    // The person first: their cautions and plan, above anything that starts a hold.
    state.restraint?.let { r -> item(key = "restraint") { RestraintCard(r) } }
    items(state.useOfForce, key = { it.id }) { ForceEntry(it, state.reasonChoices, events) }
    // From the first second of a hold: its observations, right under it.
    if (showsObservations(state)) observationsSection(state, events)
    item {
        Text("Start an intervention now (the timer starts):", style = MaterialTheme.typography.bodyMedium)
    }
    val (quick, other) = state.interventionChoices.partition { it.first in QUICK_STARTS }
    item { StartButtons(quick.sortedBy { QUICK_STARTS.indexOf(it.first) }, state.restraint, events) }
    if (other.isNotEmpty()) {
        item { Text("Other types", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold) }
        item { StartButtons(other, state.restraint, events) }
    }
}

/**
 * The person in the restraint flow: safety alerts, then contraindications (each marked with
 * what it rules out), then what the plan authorises with its conditions.
 */
@Composable
private fun RestraintCard(r: RestraintUi) {
    val steady = LocalSteadyColors.current
    SectionCard("${r.name}: cautions and plan", steady.red, steady.onRed) {
        if (r.cautions.isEmpty()) {
            Text("No safety alerts or contraindications recorded.", style = MaterialTheme.typography.bodyLarge)
        }
        r.cautions.forEach { c ->
            Row(verticalAlignment = Alignment.Top, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Icon(Icons.Filled.Warning, contentDescription = null)
                Column {
                    Text("${c.kind}: ${c.text}", style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.Bold)
                    if (c.rulesOut.isNotEmpty()) {
                        Text("Rules out: " + c.rulesOut.joinToString(", "), style = MaterialTheme.typography.bodyMedium)
                    }
                }
            }
        }
        Text("Authorised in the plan", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        if (r.authorised.isEmpty()) {
            Text("None: no restrictive intervention is authorised in the plan.", style = MaterialTheme.typography.bodyLarge)
        }
        r.authorised.forEach { a ->
            Text(a.label + if (a.conditions.isNotBlank()) ": ${a.conditions}" else "", style = MaterialTheme.typography.bodyLarge)
        }
    }
}

@Composable
private fun StartButtons(
    choices: List<Pair<RestrictiveInterventionType, String>>,
    restraint: RestraintUi?,
    events: IncidentEvents,
) {
    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
        choices.forEach { (type, label) ->
            val ruledOutBy = restraint?.ruledOut?.get(type).orEmpty()
            val inPlan = restraint?.authorised?.any { it.intervention == type } == true
            OutlinedButton(
                onClick = { events.onStartForce(type, null) },
                border =
                    if (ruledOutBy.isEmpty()) {
                        BorderStroke(1.dp, MaterialTheme.colorScheme.outline)
                    } else {
                        BorderStroke(2.dp, MaterialTheme.colorScheme.error)
                    },
                modifier = Modifier.heightIn(min = 48.dp),
            ) {
                Column {
                    Text(label)
                    if (ruledOutBy.isNotEmpty()) {
                        Text(
                            "Ruled out by: " + ruledOutBy.joinToString("; "),
                            style = MaterialTheme.typography.labelMedium,
                            fontWeight = FontWeight.Bold,
                            color = MaterialTheme.colorScheme.error,
                        )
                    } else if (inPlan) {
                        Text("In the plan", style = MaterialTheme.typography.labelMedium)
                    }
                }
            }
        }
    }
}

/**
 * "Their own cautions rule this out": the cautions in the person's words, a required reason
 * (kept in the record), then Cancel (nothing recorded) or go ahead.
 */
@Composable
private fun OverrideConfirmCard(
    o: OverrideConfirmUi,
    restraint: RestraintUi?,
    events: IncidentEvents,
) {
    SectionCard(
        "Their own plan rules this out",
        MaterialTheme.colorScheme.errorContainer,
        MaterialTheme.colorScheme.onErrorContainer,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    ) {
        Text(o.interventionLabel, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        Text(
            (restraint?.name?.let { "$it's " } ?: "The person's ") + "safety alerts or contraindications say:",
            style = MaterialTheme.typography.bodyLarge,
        )
        if (o.cautions.isEmpty()) {
            Text("(They changed on another phone: see their cautions above the choices.)", style = MaterialTheme.typography.bodyLarge)
        }
        o.cautions.forEach { c ->
            Row(verticalAlignment = Alignment.Top, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Icon(Icons.Filled.Warning, contentDescription = null)
                Text("${c.kind}: ${c.text}", style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            }
        }
        Text(
            "Record it only if you must. Why are you going ahead? The reason is kept in the record.",
            style = MaterialTheme.typography.bodyLarge,
        )
        Field("Reason for going ahead (required)", o.reason, events.onOverrideReasonChange, error = o.error)
        if (o.detail.isNotBlank()) Text(o.detail, style = MaterialTheme.typography.bodyMedium)
        Row(
            Modifier.fillMaxWidth(),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
        ) {
            TextButton(onClick = events.onOverrideCancel, modifier = Modifier.heightIn(min = 48.dp)) {
                Text(if (o.entryId == null) "Cancel: record nothing" else "Cancel: change nothing")
            }
        }
        Button(
            onClick = events.onOverrideConfirm,
            colors =
                ButtonDefaults.buttonColors(
                    containerColor = MaterialTheme.colorScheme.error,
                    contentColor = MaterialTheme.colorScheme.onError,
                ),
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp),
        ) { Text(if (o.entryId == null) "Go ahead: start it with this reason" else "Go ahead: save with this reason") }
    }
}

/** Each running hold, its timer and Stop: pinned under the screen, so always on screen. */
@Composable
private fun RunningHoldsBar(
    running: List<ForceEntryUi>,
    events: IncidentEvents,
) {
    Surface(
        color = MaterialTheme.colorScheme.surfaceVariant,
        contentColor = MaterialTheme.colorScheme.onSurfaceVariant,
        shadowElevation = 8.dp,
        modifier = Modifier.fillMaxWidth().testTag(RUNNING_BAR_TAG),
    ) {
        Column(
            Modifier.fillMaxWidth().navigationBarsPadding().padding(horizontal = 16.dp, vertical = 8.dp),
            verticalArrangement = Arrangement.spacedBy(6.dp),
        ) {
            // While a physical hold runs the prompt stays in view with its Stop, as on iOS; at
            // the largest text sizes it scrolls in a bounded box so Stop is never pushed off.
            if (running.any { it.physical }) {
                Text(
                    MONITOR_PROMPT,
                    style = MaterialTheme.typography.bodyMedium,
                    fontWeight = FontWeight.Bold,
                    modifier =
                        Modifier
                            .fillMaxWidth()
                            .heightIn(max = 96.dp)
                            .verticalScroll(rememberScrollState())
                            .testTag(BAR_MONITOR_TAG),
                )
            }
            running.forEach { e ->
                Text(
                    e.typeLabel + (e.elapsedLabel?.let { " · running $it" } ?: ""),
                    style = MaterialTheme.typography.titleSmall,
                    fontWeight = FontWeight.Bold,
                )
                Button(
                    onClick = { events.onStopForce(e.id) },
                    colors =
                        ButtonDefaults.buttonColors(
                            containerColor = MaterialTheme.colorScheme.error,
                            contentColor = MaterialTheme.colorScheme.onError,
                        ),
                    modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).testTag(STOP_HOLD_TAG),
                ) { Text("Stop: it has ended") }
            }
        }
    }
}

/** One line of a submitted record: its label, and "Not recorded" when empty. */
@Composable
private fun RecordLine(
    label: String,
    value: String,
) {
    Column {
        Text(label, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        Text(value.ifBlank { "Not recorded" }, style = MaterialTheme.typography.bodyLarge)
    }
}

@Composable
private fun TickRow(
    s: StrategyUi,
    onToggle: (String) -> Unit,
    onHelped: (String) -> Unit,
) {
    Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.fillMaxWidth()) {
        Row(
            verticalAlignment = Alignment.CenterVertically,
            modifier =
                Modifier
                    .weight(1f)
                    .heightIn(min = 48.dp)
                    .toggleable(value = s.ticked, role = Role.Checkbox, onValueChange = { onToggle(s.key) }),
        ) {
            Checkbox(checked = s.ticked, onCheckedChange = null)
            Text(s.label, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(start = 8.dp))
        }
        // Beside a strategy tried: did it help? The sheet counts it.
        if (s.ticked) {
            Row(Modifier.semantics { contentDescription = "Helped: ${s.label}" }) {
                CheckChip(s.helped, "Helped") { onHelped(s.key) }
            }
        }
    }
}

@Composable
private fun ForceEntry(
    e: ForceEntryUi,
    reasons: List<Pair<RestrictiveInterventionReason, String>>,
    events: IncidentEvents,
) {
    val steady = LocalSteadyColors.current
    SectionCard(e.typeLabel, MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
        if (e.proneOverTen) {
            // A reporting fact, not the first clinical prompt (that is the monitoring one above).
            Surface(
                color = if (e.running) steady.alert else MaterialTheme.colorScheme.secondaryContainer,
                contentColor = if (e.running) steady.onAlert else MaterialTheme.colorScheme.onSecondaryContainer,
                shape = MaterialTheme.shapes.small,
            ) {
                Text(
                    PRONE_OVER_TEN_FACT,
                    style = MaterialTheme.typography.titleMedium,
                    fontWeight = FontWeight.Bold,
                    modifier = Modifier.padding(horizontal = 12.dp, vertical = 8.dp),
                )
            }
        }
        e.startedLabel?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
        e.elapsedLabel?.let {
            Text(
                (if (e.running) "Running " else "Lasted ") + it,
                style = MaterialTheme.typography.headlineMedium,
                fontWeight = FontWeight.Bold,
            )
        }
        if (e.running) Text("Stop is pinned at the bottom of the screen.", style = MaterialTheme.typography.bodyMedium)
        if (e.ruledOutBy.isNotEmpty()) {
            Text(
                "Ruled out by: " + e.ruledOutBy.joinToString("; "),
                style = MaterialTheme.typography.bodyMedium,
                fontWeight = FontWeight.Bold,
            )
        }
        e.overrideReason?.let {
            Text("Reason for going ahead (kept in the record): $it", style = MaterialTheme.typography.bodyMedium)
        }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            OutlinedButton(
                onClick = { events.onEditForceTime(e.id, false) },
                border = BorderStroke(1.dp, MaterialTheme.colorScheme.outline),
                modifier = Modifier.heightIn(min = 48.dp),
            ) {
                Text("Correct the start")
            }
            OutlinedButton(
                onClick = { events.onEditForceTime(e.id, true) },
                border = BorderStroke(1.dp, MaterialTheme.colorScheme.outline),
                modifier = Modifier.heightIn(min = 48.dp),
            ) {
                Text(if (e.endedAt == null) "Enter when it ended" else "Correct the end")
            }
        }
        Text("In the care plan?", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        e.planLine?.let {
            Text(
                "$it The plan's answer is filled in; tap the other to change it.",
                style = MaterialTheme.typography.bodyMedium,
            )
        }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            CheckChip(e.inCarePlan == true, "In care plan") { events.onInCarePlan(e.id, true) }
            CheckChip(e.inCarePlan == false, "Not in care plan") { events.onInCarePlan(e.id, false) }
        }
        Text("Reason", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        if (e.reason != null) Text("Tap another reason to change it.", style = MaterialTheme.typography.bodyMedium)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            reasons.forEach { (reason, label) ->
                CheckChip(reason == e.reason, label) { events.onReasonChange(e.id, reason) }
            }
        }
        Field("How force was used", e.howForceWasUsed, { events.onHowForceChange(e.id, it) })
        Field("Staff involved (name, job title; one a line)", e.staffText, { events.onStaffChange(e.id, it) }, e.staffError)
        TextButton(onClick = { events.onRemoveForceRequest(e.id) }, modifier = Modifier.heightIn(min = 48.dp)) {
            Text("Started by mistake? Remove this entry")
        }
    }
}

/** "Remove this entry?": for an entry started by mistake, while the incident is a draft. */
@Composable
private fun RemoveForceCard(
    e: ForceEntryUi,
    events: IncidentEvents,
) {
    SectionCard(
        "Remove this use of force?",
        MaterialTheme.colorScheme.errorContainer,
        MaterialTheme.colorScheme.onErrorContainer,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    ) {
        Text(e.typeLabel, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        e.startedLabel?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
        Text(
            "Only for an entry started by mistake: it is taken out of this draft with its times, reason and staff.",
            style = MaterialTheme.typography.bodyLarge,
        )
        Row(
            Modifier.fillMaxWidth(),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
        ) {
            TextButton(onClick = events.onRemoveForceCancel, modifier = Modifier.heightIn(min = 48.dp)) { Text("Keep") }
            Button(
                onClick = events.onRemoveForceConfirm,
                colors =
                    ButtonDefaults.buttonColors(
                        containerColor = MaterialTheme.colorScheme.error,
                        contentColor = MaterialTheme.colorScheme.onError,
                    ),
                modifier = Modifier.heightIn(min = 48.dp),
            ) { Text("Remove") }
        }
    }
}

/** The steps offered by the start / end time picker: label, what TalkBack reads, milliseconds. */
private val pickerSteps =
    listOf(
        Triple("−1 day", "1 day earlier", -24 * 60 * 60_000L),
        Triple("−1 h", "1 hour earlier", -60 * 60_000L),
        Triple("−15 min", "15 minutes earlier", -15 * 60_000L),
        Triple("−1 min", "1 minute earlier", -60_000L),
        Triple("+1 min", "1 minute later", 60_000L),
        Triple("+15 min", "15 minutes later", 15 * 60_000L),
        Triple("+1 h", "1 hour later", 60 * 60_000L),
    )

/** A start or end time entered or corrected after the event: steps, then Save or Cancel. */
@Composable
private fun TimePicker(
    p: ForceTimePickerUi,
    events: IncidentEvents,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(
            p.valueLabel,
            style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
        )
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            pickerSteps.forEach { (label, spoken, millis) ->
                OutlinedButton(
                    onClick = { events.onForceTimeStep(millis) },
                    border = BorderStroke(1.dp, MaterialTheme.colorScheme.outline),
                    modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "Make the time $spoken" },
                ) { Text(label) }
            }
        }
        p.error?.let {
            Text(
                it,
                color = MaterialTheme.colorScheme.error,
                style = MaterialTheme.typography.bodyMedium,
                modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
            )
        }
        Row(
            Modifier.fillMaxWidth(),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
        ) {
            TextButton(onClick = events.onForceTimeCancel, modifier = Modifier.heightIn(min = 48.dp)) { Text("Cancel") }
            Button(onClick = events.onForceTimeSave, modifier = Modifier.heightIn(min = 48.dp)) { Text("Save time") }
        }
    }
}

/**
 * A debrief held (or declined) after submission: with the person or staff; held, when (never
 * later than now) and who, or not held and why; for staff, wellbeing support offered; what was
 * agreed. Record saves it through the core as an entry with the addenda.
 */
@Composable
private fun ReviewForm(
    r: ReviewFormUi,
    events: IncidentEvents,
) {
    SectionCard("Debrief held after", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
        Text("With", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            CheckChip(r.with == ReviewWith.PERSON, "The person") { events.onReviewWith(ReviewWith.PERSON) }
            CheckChip(r.with == ReviewWith.STAFF, "Staff") { events.onReviewWith(ReviewWith.STAFF) }
        }
        Text("Held", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            CheckChip(r.held, "Held") { events.onReviewHeld(true) }
            CheckChip(!r.held, "Not held") { events.onReviewHeld(false) }
        }
        if (r.held) {
            Text("When it was held", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
            Text(
                r.heldAtLabel,
                style = MaterialTheme.typography.titleMedium,
                modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
            )
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                pickerSteps.forEach { (label, spoken, millis) ->
                    OutlinedButton(
                        onClick = { events.onReviewTimeStep(millis) },
                        border = BorderStroke(1.dp, MaterialTheme.colorScheme.outline),
                        modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "Make when it was held $spoken" },
                    ) { Text(label) }
                }
            }
            r.heldAtError?.let { ErrorLine(it) }
            Field("Who took part", r.who, events.onReviewWho)
        } else {
            Field("Why it was not held", r.whyNot, events.onReviewWhyNot, error = r.whyNotError)
        }
        if (r.with == ReviewWith.STAFF) {
            Row(
                verticalAlignment = Alignment.CenterVertically,
                modifier =
                    Modifier
                        .fillMaxWidth()
                        .heightIn(min = 48.dp)
                        .toggleable(value = r.wellbeingOffered, role = Role.Checkbox, onValueChange = events.onReviewWellbeing),
            ) {
                Checkbox(checked = r.wellbeingOffered, onCheckedChange = null)
                Text(
                    "Support for staff wellbeing offered",
                    style = MaterialTheme.typography.bodyLarge,
                    modifier = Modifier.padding(start = 8.dp),
                )
            }
        }
        Field("What was learned or agreed", r.note, events.onReviewNote)
        // What the debrief learned may belong on the plan: proposed here, reviewed by an editor.
        OutlinedButton(onClick = events.onProposalOpen, modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)) {
            Text("Propose for the plan")
        }
        r.error?.let { ErrorLine(it) }
        Row(
            Modifier.fillMaxWidth(),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
        ) {
            TextButton(onClick = events.onReviewCancel, modifier = Modifier.heightIn(min = 48.dp)) { Text("Cancel") }
            Button(onClick = events.onReviewSave, modifier = Modifier.heightIn(min = 48.dp)) { Text("Record debrief") }
        }
    }
}

/** A refusal, in the error colour, read out when it appears. */
@Composable
internal fun ErrorLine(text: String) {
    Text(
        text,
        color = MaterialTheme.colorScheme.error,
        style = MaterialTheme.typography.bodyMedium,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    )
}

@Composable
private fun DebriefRow(
    title: String,
    held: Boolean?,
    note: String,
    unsaved: Boolean,
    onHeld: (Boolean) -> Unit,
    onNote: (String) -> Unit,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        YesNoRow(title, held, "Held", "Not held", onHeld)
        Field(
            if (held == false) "Why not" else "Notes",
            note,
            onNote,
            error = if (unsaved) "Not saved yet: answer held or not held first" else null,
        )
    }
}
