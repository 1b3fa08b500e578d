// Incidents: drafts to finish, those waiting to sync, submitted ones; and any change the
// server refused or that lost to a later edit, with the reason and what to do.
package app.steady.android.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.IncidentRow
import app.steady.android.state.IncidentsUiState
import app.steady.android.state.ProblemRow

/** The Incidents screen. */
@Composable
fun IncidentsScreen(
    state: IncidentsUiState,
    onOpen: (String) -> Unit,
    onCapture: () -> Unit,
    onNavigate: (TopDestination) -> Unit,
    onDiscardQuarantined: (String) -> Unit,
    onDismissConflict: (String) -> Unit,
) {
    SteadyScaffold(title = "Incidents", onCapture = onCapture, current = TopDestination.INCIDENTS, onNavigate = onNavigate) {
        state.message?.let { item { MessageStrip(it) } }
        if (state.quarantined.isNotEmpty()) {
            item { Heading("Refused by the server") }
            items(state.quarantined, key = { "q-" + it.id }) { p -> Problem(p, "Discard my change", onDiscardQuarantined) }
        }
        if (state.conflicts.isNotEmpty()) {
            item { Heading("Edits that lost to a later change") }
            items(state.conflicts, key = { "c-" + it.id }) { p -> Problem(p, "I have seen this", onDismissConflict) }
        }
        group("Drafts to finish", state.drafts, "No drafts.", onOpen)
        group("Waiting to sync", state.waiting, "Nothing waiting.", onOpen)
        group("Submitted", state.submitted, "None yet.", onOpen)
    }
}

private fun LazyListScope.group(
    title: String,
    rows: List<IncidentRow>,
    empty: String,
    onOpen: (String) -> Unit,
) {
    item { Heading(title) }
    if (rows.isEmpty()) item { Text(empty, style = MaterialTheme.typography.bodyLarge) }
    items(rows, key = { title + it.id }) { r ->
        Card(
            Modifier
                .fillMaxWidth()
                .heightIn(min = 48.dp)
                .clickable(role = Role.Button, onClickLabel = "Open incident") { onOpen(r.id) },
        ) {
            Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text(r.about, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.SemiBold)
                Text(r.whenLabel, style = MaterialTheme.typography.bodyMedium)
                if (r.tags.isNotEmpty()) Text(r.tags.joinToString(", "), style = MaterialTheme.typography.bodyMedium)
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    if (r.useOfForce) {
                        Pill(
                            "Use of force",
                            MaterialTheme.colorScheme.errorContainer,
                            MaterialTheme.colorScheme.onErrorContainer,
                        )
                    }
                    if (r.waitingToSync) {
                        Pill("Waiting to sync", MaterialTheme.colorScheme.tertiaryContainer, MaterialTheme.colorScheme.onTertiaryContainer)
                    }
                }
            }
        }
    }
}

@Composable
private fun Problem(
    p: ProblemRow,
    action: String,
    onAction: (String) -> Unit,
) {
    SectionCard(p.title, MaterialTheme.colorScheme.errorContainer, MaterialTheme.colorScheme.onErrorContainer) {
        Text(p.reason, style = MaterialTheme.typography.bodyLarge)
        TextButton(onClick = { onAction(p.id) }, modifier = Modifier.heightIn(min = 48.dp)) { Text(action) }
    }
}
