// The incident screen's physical observations (NICE QS154: during and after restraint, and after
// rapid tranquillisation at least hourly), its s.6(5)(k) form of the nine protected
// characteristics, and the three injury questions: stateless parts of IncidentScreen.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import app.steady.android.state.AnswerKind
import app.steady.android.state.BREATHING_CHOICES
import app.steady.android.state.COLOUR_CHOICES
import app.steady.android.state.CONSCIOUSNESS_CHOICES
import app.steady.android.state.CharacteristicRowUi
import app.steady.android.state.IncidentUiState
import app.steady.android.state.InjuryWho
import app.steady.android.state.OBSERVATION_PHASES
import app.steady.android.state.ObsField
import app.steady.android.state.ObservationFormUi
import app.steady.android.state.ObservationUi
import app.steady.android.state.POSITION_CHOICES
import app.steady.android.state.TAKEN_AT_RULE
import app.steady.android.state.TAKEN_AT_STEPS
import app.steady.android.state.characteristicText
import app.steady.android.state.vitalRangeText
import app.steady.core.model.ObservationPhase

/** The test tag of the observation form's Record button. */
const val RECORD_OBSERVATION_TAG = "record-observation"

/** Whether the incident screen shows its Observations section: once force is used, and after. */
fun showsObservations(state: IncidentUiState): Boolean = state.useOfForce.isNotEmpty() || state.observations.isNotEmpty()

/**
 * "Observations": the quick form, then those taken, newest first (time, who, the core's words).
 * On a draft from the first second of a hold, and on a submitted incident too.
 */
fun LazyListScope.observationsSection(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    item(key = "obs-heading") { Heading("Observations") }
    state.nextObservationDue?.let { due ->
        item(key = "obs-next-due") { NextCheckDue(due, state.observationOverdue) }
    }
    item(key = "obs-form") { ObservationForm(state.observationForm, state.observationSaved, events) }
    if (state.observations.isEmpty()) {
        item(key = "obs-none") { Text("No observations recorded yet.", style = MaterialTheme.typography.bodyLarge) }
    } else {
        item(key = "obs-taken") {
            Text("Taken, newest first", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        }
        items(state.observations, key = { "obs-" + it.id }) { ObservationRow(it) }
    }
}

/** The test tag of the "Next check due" line. */
const val NEXT_CHECK_TAG = "next-check-due"

/** After rapid tranquillisation: when the core says the next check is due (overdue in the alert colour). */
@Composable
private fun NextCheckDue(
    text: String,
    overdue: Boolean,
) {
    Text(
        text,
        style = MaterialTheme.typography.titleMedium,
        fontWeight = FontWeight.Bold,
        color = if (overdue) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface,
        modifier = Modifier.testTag(NEXT_CHECK_TAG).semantics { liveRegion = LiveRegionMode.Polite },
    )
}

@Composable
private fun ObservationRow(o: ObservationUi) {
    SectionCard("${o.atLabel} · ${o.by}", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
        Text(o.heading, style = MaterialTheme.typography.bodyMedium, fontWeight = FontWeight.Bold)
        Text(o.text, style = MaterialTheme.typography.bodyLarge)
    }
}

/** A label over a row of one-tap chips, the chosen one with a check mark. */
@Composable
private fun <T> ChipChoice(
    title: String,
    choices: List<Pair<T, String>>,
    selected: T?,
    onTap: (T) -> Unit,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(title, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            choices.forEach { (value, label) -> CheckChip(value == selected, label) { onTap(value) } }
        }
    }
}

/**
 * The quick observation form: the phase (preselected), one-tap breathing, colour, ACVPU and
 * position, the vital signs on a number keyboard, why they were not taken, then Record. Each
 * refusal is shown under its field; the entry is timed when Record is tapped.
 */
@Composable
private fun ObservationForm(
    f: ObservationFormUi,
    saved: String?,
    events: IncidentEvents,
) {
    SectionCard("Record an observation", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
        Text(
            "From the first minute of a hold and after it; after rapid tranquillisation, at least every hour. " +
                "Tap a chosen chip again to clear it.",
            style = MaterialTheme.typography.bodyMedium,
        )
        TakenAt(f, events)
        ChipChoice("When", OBSERVATION_PHASES, f.phase, events.onObservationPhase)
        if (f.phase == ObservationPhase.AFTER_RAPID_TRANQUILLISATION) {
            Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text("The hourly checks", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
                CheckChip(f.noFurtherConcerns, NO_FURTHER_CONCERNS, events.onObservationNoFurtherConcerns)
                Text(
                    "Choose it only when their physical health raises no further concerns: the reminders stop.",
                    style = MaterialTheme.typography.bodyMedium,
                )
            }
        }
        ChipChoice("Breathing", BREATHING_CHOICES, f.breathing, events.onObservationBreathing)
        ChipChoice("Colour", COLOUR_CHOICES, f.colour, events.onObservationColour)
        ChipChoice("Consciousness (ACVPU)", CONSCIOUSNESS_CHOICES, f.consciousness, events.onObservationConsciousness)
        ChipChoice("Position", POSITION_CHOICES, f.position, events.onObservationPosition)
        Text("Vital signs", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        // Two vital signs a row at ordinary text sizes; one a row at the largest, so no label is cut.
        val (numbers, texts) = ObsField.entries.partition { it.number }
        val perRow = if (LocalDensity.current.fontScale < 1.5f) 2 else 1
        numbers.chunked(perRow).forEach { pair ->
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.fillMaxWidth()) {
                pair.forEach { field -> ObsFieldInput(f, field, events, Modifier.weight(1f)) }
            }
        }
        texts.forEach { field -> ObsFieldInput(f, field, events) }
        f.error?.let { ErrorText(it) }
        saved?.let {
            Text(it, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite })
        }
        Button(
            onClick = events.onObservationSave,
            modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).testTag(RECORD_OBSERVATION_TAG),
        ) { Text("Record observation") }
    }
}

/** The words of the choice that ends the hourly checks after rapid tranquillisation. */
const val NO_FURTHER_CONCERNS = "No further concerns"

/**
 * When it was taken: now (the tap on Record) unless moved earlier by the steps; the rule by the
 * field ("Never later than now"), and the refusal of a time still to come under it.
 */
@Composable
private fun TakenAt(
    f: ObservationFormUi,
    events: IncidentEvents,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text("Taken at", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        Text(f.takenAtLabel ?: "Now: when you tap Record", style = MaterialTheme.typography.bodyLarge)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            TAKEN_AT_STEPS.forEach { m ->
                OutlinedButton(onClick = { events.onObservationTakenStep(m) }, modifier = Modifier.heightIn(min = 48.dp)) {
                    Text(if (m < 0) "−${-m} min" else "+$m min")
                }
            }
            if (f.takenAt != null) {
                OutlinedButton(onClick = events.onObservationTakenNow, modifier = Modifier.heightIn(min = 48.dp)) { Text("Now") }
            }
        }
        val error = f.takenAtError
        if (error != null) ErrorText(error) else Text(TAKEN_AT_RULE, style = MaterialTheme.typography.bodyMedium)
    }
}

/** One typed field of the form, its refusal under it; vital signs on a number keyboard. */
@Composable
private fun ObsFieldInput(
    f: ObservationFormUi,
    field: ObsField,
    events: IncidentEvents,
    modifier: Modifier = Modifier,
) {
    Field(
        field.label,
        f.values[field].orEmpty(),
        { events.onObservationField(field, it) },
        error = f.errors[field],
        // The core's plausible range (vitalSignRanges), in the form's units.
        hint = vitalRangeText(field),
        singleLine = field.number,
        modifier = modifier,
        keyboardOptions =
            when {
                field == ObsField.TEMPERATURE -> KeyboardOptions(keyboardType = KeyboardType.Decimal)
                field.number -> KeyboardOptions(keyboardType = KeyboardType.Number)
                else -> KeyboardOptions.Default
            },
    )
}

/** A refusal, in the error colour, read out when it appears. */
@Composable
private fun ErrorText(text: String) {
    Text(
        text,
        color = MaterialTheme.colorScheme.error,
        style = MaterialTheme.typography.bodyMedium,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    )
}

/** The words of each way to answer a characteristic. */
private val ANSWER_KINDS =
    listOf(
        AnswerKind.STATED to "Stated",
        AnswerKind.NOT_KNOWN to "Not known",
        AnswerKind.PREFERS_NOT_TO_SAY to "Prefers not to say",
    )

/**
 * s.6(5)(k): the nine protected characteristics of the Equality Act 2010 in the core's words
 * and order, each "Stated" (with the words), "Not known" or "Prefers not to say". An older
 * record's free text is shown read-only above them.
 */
fun LazyListScope.characteristicsSection(
    title: String,
    state: IncidentUiState,
    events: IncidentEvents,
) {
    item(key = "k-title") {
        Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(title, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
            val answered = state.characteristics.count { it.answered }
            Text(
                "$answered of ${state.characteristics.size} answered. \"Not known\" is an answer.",
                style = MaterialTheme.typography.bodyMedium,
            )
            if (state.relevantCharacteristics.isNotBlank()) {
                Text(
                    "Recorded before as free text: ${state.relevantCharacteristics}",
                    style = MaterialTheme.typography.bodyMedium,
                )
            }
        }
    }
    items(state.characteristics, key = { "k-" + it.name }) { CharacteristicRow(it, events) }
}

@Composable
private fun CharacteristicRow(
    row: CharacteristicRowUi,
    events: IncidentEvents,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        ChipChoice(row.label, ANSWER_KINDS, row.kind) { events.onCharacteristicKind(row.name, it) }
        if (row.kind == AnswerKind.STATED) {
            Field(
                "${row.label}: as stated",
                row.stated,
                { events.onCharacteristicStated(row.name, it) },
                error = row.error,
                singleLine = true,
            )
        } else {
            row.error?.let { ErrorText(it) }
        }
    }
}

/** The submitted record's (k): each characteristic and its answer, or the older free text. */
fun characteristicsRecord(state: IncidentUiState): String {
    val answered = state.characteristics.filter { it.kind != null }
    if (answered.isEmpty()) return state.relevantCharacteristics
    return state.characteristics.joinToString("; ") { "${it.label}: ${characteristicText(it)}" }
}

/** The three injury questions, each Yes / No / Not known, unanswered until tapped. */
fun LazyListScope.injuryQuestions(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    InjuryWho.entries.forEach { who ->
        item(key = "injured-$who") {
            Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                ChipChoice(who.label, state.injuryChoices, state.injured[who]) { events.onInjured(who, it) }
                if (state.injured[who] == null) Text("Not answered yet", style = MaterialTheme.typography.bodyMedium)
            }
        }
    }
}

/** The submitted record's injury answer for [who], in the core's words. */
fun injuryRecord(
    state: IncidentUiState,
    who: InjuryWho,
): String = state.injured[who]?.let { a -> state.injuryChoices.firstOrNull { it.first == a }?.second }.orEmpty()
