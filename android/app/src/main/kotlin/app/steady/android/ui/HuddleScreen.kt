// The shift huddle: the look-back (24 or 72 hours), the people to talk about with their red and
// amber events and checklist band in words, the open drafts, the sheets overdue for review, and
// the handover notes, newest first, with a field to add one.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.HUDDLE_HOURS
import app.steady.android.state.HuddleUiState

/** Events of the huddle. */
data class HuddleEvents(
    val onBack: () -> Unit = {},
    val onHours: (Int) -> Unit = {},
    val onOpenPerson: (String) -> Unit = {},
    val onNoteText: (String) -> Unit = {},
    val onAddNote: () -> Unit = {},
)

/** The test tag of each handover note's card. */
const val HANDOVER_NOTE_TAG = "handover-note"

/** The shift huddle screen. */
@Composable
fun HuddleScreen(
    state: HuddleUiState,
    events: HuddleEvents,
) {
    SteadyScaffold(title = "Shift huddle", onBack = events.onBack) {
        item { Text(state.unitName, style = MaterialTheme.typography.bodyMedium) }
        item {
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                HUDDLE_HOURS.forEach { h ->
                    FilterChip(
                        selected = h == state.hours,
                        onClick = { events.onHours(h) },
                        label = { Text("Last $h hours") },
                        modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "Look back over the last $h hours" },
                    )
                }
            }
        }
        state.message?.let { item { MessageStrip(it) } }
        item { Text("Handover notes", style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold) }
        item {
            Field(
                "Add a handover note for the next shift",
                state.noteText,
                events.onNoteText,
                error = state.noteError,
                hint = "Signed with your name. Up to 2000 characters.",
            )
        }
        item {
            Button(
                onClick = events.onAddNote,
                enabled = state.noteText.isNotBlank(),
                modifier = Modifier.heightIn(min = 48.dp),
            ) { Text("Add handover note") }
        }
        if (!state.loading && state.notes.isEmpty()) {
            item { Text("No handover notes in the last ${state.hours} hours.", style = MaterialTheme.typography.bodyLarge) }
        }
        items(state.notes, key = { it.noteId }) { n ->
            SectionCard(
                n.byLine,
                MaterialTheme.colorScheme.surfaceVariant,
                MaterialTheme.colorScheme.onSurfaceVariant,
                modifier = Modifier.testTag(HANDOVER_NOTE_TAG),
            ) {
                n.about?.let { Text(it, style = MaterialTheme.typography.bodyMedium, fontWeight = FontWeight.Bold) }
                Text(n.text, style = MaterialTheme.typography.bodyLarge)
            }
        }
        item { Text("People", style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold) }
        if (!state.loading && state.people.isEmpty()) {
            item { Text("Nobody had an event or a moderate or high checklist.", style = MaterialTheme.typography.bodyLarge) }
        }
        items(state.people, key = { it.personId }) { p ->
            TextButton(
                onClick = { events.onOpenPerson(p.personId) },
                modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "${p.name}: ${p.summary}. Open their sheet" },
            ) { Text("${p.name}: ${p.summary}") }
        }
        item { Text("Open drafts", style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold) }
        item { Bullets(state.drafts, empty = "No incident is still a draft.") }
        item { Text("Sheets overdue for review", style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold) }
        item { Bullets(state.overdue, empty = "None overdue.") }
    }
}
