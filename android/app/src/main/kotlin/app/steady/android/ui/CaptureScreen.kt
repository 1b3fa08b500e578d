// Quick capture: tags as big chips and Save within thumb's reach, so a note takes three taps
// (open, a tag, Save); unit, person or a description, and the note are there when wanted. The
// draft exists from the first tap (the line under the time says so); Back on a started capture
// asks before the screen closes, and says where the draft will be.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Check
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.steady.android.state.CaptureUiState
import app.steady.core.model.IncidentTag

/** Events of Quick capture. */
data class CaptureEvents(
    val onBack: () -> Unit = {},
    val onSelectUnit: (String) -> Unit = {},
    val onSelectPerson: (String?) -> Unit = {},
    val onUnidentifiedChange: (String) -> Unit = {},
    val onToggleTag: (IncidentTag) -> Unit = {},
    val onNoteChange: (String) -> Unit = {},
    val onSave: () -> Unit = {},
    val onComplete: (String) -> Unit = {},
    val onKeepDraft: () -> Unit = {},
    val onStay: () -> Unit = {},
)

/** The Quick capture screen. */
@Composable
fun CaptureScreen(
    state: CaptureUiState,
    events: CaptureEvents,
) {
    SteadyScaffold(title = "Quick capture", onBack = events.onBack) {
        item {
            Text("When: ${state.occurredAtLabel}", style = MaterialTheme.typography.titleMedium)
        }
        if (state.needsUnit) {
            item { Heading("Which unit?") }
            item { UnitChips(state, events) }
        }
        item { Heading("What happened") }
        item {
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                state.tags.forEach { t ->
                    FilterChip(
                        selected = t.selected,
                        onClick = { events.onToggleTag(t.tag) },
                        label = { Text(t.label, style = MaterialTheme.typography.bodyLarge) },
                        leadingIcon = if (t.selected) ({ Icon(Icons.Filled.Check, contentDescription = null) }) else null,
                        modifier = Modifier.heightIn(min = 48.dp),
                    )
                }
            }
        }
        item {
            Button(
                onClick = events.onSave,
                enabled = state.canSave && !state.done,
                modifier = Modifier.fillMaxWidth().heightIn(min = 64.dp).semantics { contentDescription = "Save incident" },
            ) {
                Text(if (state.done) "Saved" else "Save", style = MaterialTheme.typography.titleLarge)
            }
        }
        state.savedLabel?.let { item { Text(it, style = MaterialTheme.typography.bodyMedium) } }
        state.message?.let { item { MessageStrip(it) } }
        if (state.done && state.draftId != null) {
            item {
                Button(onClick = { events.onComplete(state.draftId) }, modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)) {
                    Text("Add detail now")
                }
            }
        }
        item { Field("Note", state.note, events.onNoteChange) }
        if (state.units.size > 1 && !state.needsUnit) {
            item { Heading("Unit") }
            item { UnitChips(state, events) }
        }
        item { Heading("Who") }
        item {
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                state.people.forEach { p ->
                    FilterChip(
                        selected = p.id == state.personId,
                        onClick = { events.onSelectPerson(if (p.id == state.personId) null else p.id) },
                        label = { Text(p.label) },
                        modifier = Modifier.heightIn(min = 48.dp),
                    )
                }
            }
        }
        item {
            Field("Or describe them (name not known)", state.unidentifiedPerson, events.onUnidentifiedChange, singleLine = true)
        }
        if (state.askingToLeave) {
            item { LeaveQuestion(state, events) }
        }
    }
}

/** The units to choose from (only until the draft exists: an incident stays in its unit). */
@Composable
private fun UnitChips(
    state: CaptureUiState,
    events: CaptureEvents,
) {
    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
        state.units.forEach { u ->
            FilterChip(
                selected = u.id == state.unitId,
                onClick = { events.onSelectUnit(u.id) },
                enabled = state.draftId == null,
                label = { Text(u.label) },
                modifier = Modifier.heightIn(min = 48.dp),
            )
        }
    }
}

/**
 * Back on a started capture: keep the draft, or go back to it. There is no "Delete it": the
 * core has no way to delete an incident draft, so the question says where the draft will be.
 */
@Composable
private fun LeaveQuestion(
    state: CaptureUiState,
    events: CaptureEvents,
) {
    AlertDialog(
        onDismissRequest = events.onStay,
        title = { Text("Keep this draft?") },
        text = {
            Text(
                "This incident (${state.occurredAtLabel}) is saved on this device as a draft. " +
                    "It stays under \"Drafts to finish\" on People and Incidents until you complete and submit it. " +
                    "Drafts cannot be deleted from the phone yet.",
            )
        },
        confirmButton = {
            TextButton(onClick = events.onKeepDraft, modifier = Modifier.heightIn(min = 48.dp)) { Text("Keep this draft") }
        },
        dismissButton = {
            TextButton(onClick = events.onStay, modifier = Modifier.heightIn(min = 48.dp)) { Text("Go back to it") }
        },
    )
}
