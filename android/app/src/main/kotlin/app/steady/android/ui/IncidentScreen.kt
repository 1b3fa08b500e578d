// Completing an incident: the prone-hold alert above everything; de-escalation with the
// person's own "what helps" first; use of force with running timers; staff, injuries,
// outcome and debriefs; the s.6(5) items still missing; submit; then addenda only.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.selection.toggleable
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.ForceEntryUi
import app.steady.android.state.IncidentUiState
import app.steady.android.state.StrategyUi
import app.steady.android.ui.theme.LocalSteadyColors
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType

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
    val onDebriefChange: (Boolean, Boolean, String) -> Unit = { _, _, _ -> },
    val onSubmit: () -> Unit = {},
    val onAddendumReasonChange: (String) -> Unit = {},
    val onAddendumTextChange: (String) -> Unit = {},
    val onAddAddendum: () -> Unit = {},
    /** Moves when it happened by the given milliseconds (negative: earlier). */
    val onShiftOccurredAt: (Long) -> Unit = {},
)

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

/** The most used interventions, offered as one-tap starts (the rest are in the full list). */
private val quickStarts =
    listOf(
        RestrictiveInterventionType.PHYSICAL_STANDING,
        RestrictiveInterventionType.PHYSICAL_SEATED,
        RestrictiveInterventionType.PHYSICAL_SUPINE,
        RestrictiveInterventionType.PHYSICAL_PRONE,
        RestrictiveInterventionType.PHYSICAL_RESTRICTIVE_ESCORT,
    )

/** The incident screen. */
@Composable
fun IncidentScreen(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    val steady = LocalSteadyColors.current
    SteadyScaffold(title = if (state.submitted) "Incident (submitted)" else "Complete incident", onBack = events.onBack) {
        if (state.proneAlert) {
            item {
                Surface(
                    color = steady.alert,
                    contentColor = steady.onAlert,
                    shape = MaterialTheme.shapes.medium,
                    modifier = Modifier.fillMaxWidth().semantics { liveRegion = LiveRegionMode.Assertive },
                ) {
                    Text(
                        "PRONE HOLD OVER 10 MINUTES. Move to a safer position now and check breathing.",
                        style = MaterialTheme.typography.titleLarge,
                        fontWeight = FontWeight.Bold,
                        modifier = Modifier.padding(16.dp),
                    )
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
        if (!state.submitted && !state.loading) item { OccurredAtControl(state, events) }
        state.message?.let { item { MessageStrip(it) } }
        if (state.submitted) {
            item { Heading("What was recorded") }
            item { RecordLine("Note", state.note) }
            item { RecordLine("Place", state.place) }
            item {
                RecordLine(
                    "De-escalation tried",
                    (state.ownStrategies + state.generalSteps).filter { it.ticked }.joinToString("; ") { it.label },
                )
            }
            items(state.useOfForce, key = { "done-" + it.id }) { e ->
                RecordLine(
                    e.typeLabel,
                    listOfNotNull(e.reasonLabel, e.startedLabel, e.elapsedLabel?.let { "lasted $it" }, e.staffText.replace("\n", "; "))
                        .filter { it.isNotBlank() }
                        .joinToString(". "),
                )
            }
            item { RecordLine("Injuries to the person", state.injuriesPerson) }
            item { RecordLine("Injuries to staff", state.injuriesStaff) }
            item { RecordLine("Injuries to others", state.injuriesOthers) }
            item { RecordLine("Outcome", state.outcome) }
            item { Heading("Addenda") }
            if (state.addenda.isEmpty()) item { Text("None yet.", style = MaterialTheme.typography.bodyLarge) }
            items(state.addenda) { a ->
                SectionCard(
                    "${a.atLabel} · ${a.author}",
                    MaterialTheme.colorScheme.surfaceVariant,
                    MaterialTheme.colorScheme.onSurfaceVariant,
                ) {
                    Text("Reason: ${a.reason}", style = MaterialTheme.typography.bodyMedium, fontWeight = FontWeight.Bold)
                    Text(a.text, style = MaterialTheme.typography.bodyLarge)
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
        item { Heading("De-escalation tried") }
        if (state.ownStrategies.isNotEmpty()) {
            item { Text("Their own \"what helps\"", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold) }
            items(state.ownStrategies, key = { "own-" + it.key }) { TickRow(it, events.onToggleOwnStrategy) }
        }
        item { Text("General steps", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold) }
        items(state.generalSteps, key = { "step-" + it.key }) { TickRow(it, events.onToggleStep) }
        if (!forceFirst) forceSection(state, events)
        item { Heading("Injuries") }
        item { Field("To the person", state.injuriesPerson, { events.onInjuriesChange("person", it) }) }
        item { Field("To staff", state.injuriesStaff, { events.onInjuriesChange("staff", it) }) }
        item { Field("To others", state.injuriesOthers, { events.onInjuriesChange("others", it) }) }
        item { Heading("Outcome") }
        item { Field("What happened afterwards", state.outcome, events.onOutcomeChange) }
        item { Heading("Debrief") }
        item {
            DebriefRow("With the person", state.debriefPersonHeld, state.debriefPersonNote) { held, note ->
                events.onDebriefChange(true, held, note)
            }
        }
        item {
            DebriefRow("With staff", state.debriefStaffHeld, state.debriefStaffNote) { held, note ->
                events.onDebriefChange(false, held, note)
            }
        }
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
            Button(onClick = events.onSubmit, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) { Text("Submit") }
        }
    }
}

private fun LazyListScope.forceSection(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    item { Heading("Use of force") }
    items(state.useOfForce, key = { it.id }) { ForceEntry(it, state.reasonChoices, events) }
    item {
        Text("Start an intervention now (the timer starts):", style = MaterialTheme.typography.bodyMedium)
    }
    val (quick, other) = state.interventionChoices.partition { it.first in quickStarts }
    item { StartButtons(quick, events) }
    if (other.isNotEmpty()) {
        item { Text("Other types", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold) }
        item { StartButtons(other, events) }
    }
}

@Composable
private fun StartButtons(
    choices: List<Pair<RestrictiveInterventionType, String>>,
    events: IncidentEvents,
) {
    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
        choices.forEach { (type, label) ->
            OutlinedButton(onClick = { events.onStartForce(type, null) }, modifier = Modifier.heightIn(min = 48.dp)) {
                Text(label)
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
) {
    Row(
        verticalAlignment = Alignment.CenterVertically,
        modifier =
            Modifier
                .fillMaxWidth()
                .heightIn(min = 48.dp)
                .toggleable(value = s.ticked, role = Role.Checkbox, onValueChange = { onToggle(s.key) }),
    ) {
        Checkbox(checked = s.ticked, onCheckedChange = null)
        Text(s.label, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(start = 8.dp))
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
        if (e.proneAlert) {
            Surface(color = steady.alert, contentColor = steady.onAlert, shape = MaterialTheme.shapes.small) {
                Text(
                    "Over 10 minutes prone",
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
        if (e.proneOverTen && !e.running) Text("Prone over 10 minutes: report separately.", fontWeight = FontWeight.Bold)
        if (e.running) {
            Button(
                onClick = { events.onStopForce(e.id) },
                colors = ButtonDefaults.buttonColors(containerColor = MaterialTheme.colorScheme.error),
                modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp),
            ) { Text("Stop: it has ended") }
        }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            FilterChip(
                selected = e.inCarePlan == true,
                onClick = { events.onInCarePlan(e.id, true) },
                label = { Text("In care plan") },
                modifier = Modifier.heightIn(min = 48.dp),
            )
            FilterChip(
                selected = e.inCarePlan == false,
                onClick = { events.onInCarePlan(e.id, false) },
                label = { Text("Not in care plan") },
                modifier = Modifier.heightIn(min = 48.dp),
            )
        }
        Text("Reason", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            reasons.filter { e.reason == null || it.first == e.reason }.forEach { (reason, label) ->
                FilterChip(
                    selected = reason == e.reason,
                    onClick = { events.onReasonChange(e.id, reason) },
                    label = { Text(label) },
                    modifier = Modifier.heightIn(min = 48.dp),
                )
            }
        }
        Field("How force was used", e.howForceWasUsed, { events.onHowForceChange(e.id, it) })
        Field("Staff involved (name, job title; one a line)", e.staffText, { events.onStaffChange(e.id, it) }, e.staffError)
    }
}

@Composable
private fun DebriefRow(
    title: String,
    held: Boolean?,
    note: String,
    onChange: (Boolean, String) -> Unit,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(title, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            FilterChip(
                selected = held == true,
                onClick = { onChange(true, note) },
                label = { Text("Held") },
                modifier = Modifier.heightIn(min = 48.dp),
            )
            FilterChip(selected = held == false, onClick = {
                onChange(false, note)
            }, label = { Text("Not held") }, modifier = Modifier.heightIn(min = 48.dp))
        }
        Field(if (held == false) "Why not" else "Notes", note, { onChange(held ?: true, it) })
    }
}
