// The review queue: proposals for people's plans from incidents and debriefs, each with the
// person, the list (the core's heading), the words, who proposed it and when, and a link to its
// incident. Editors and leads accept or decline (with a reason, kept on the sheet); readers see
// the queue without the buttons.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.DeclineFormUi
import app.steady.android.state.ProposalRowUi
import app.steady.android.state.ReviewQueueUiState

/** Events of the review queue. */
data class ReviewQueueEvents(
    val onBack: () -> Unit = {},
    /** Opens the incident a proposal came from. */
    val onOpenIncident: (String) -> Unit = {},
    val onAccept: (String) -> Unit = {},
    val onDeclineOpen: (String) -> Unit = {},
    val onDeclineReason: (String) -> Unit = {},
    val onDeclineCancel: () -> Unit = {},
    val onDeclineConfirm: () -> Unit = {},
)

/** The test tag of each proposal's card. */
const val PROPOSAL_CARD_TAG = "proposal-card"

/** The review queue screen. */
@Composable
fun ReviewQueueScreen(
    state: ReviewQueueUiState,
    events: ReviewQueueEvents,
) {
    SteadyScaffold(title = "Proposals for the plan", onBack = events.onBack) {
        item {
            Text(
                listOfNotNull(state.personName, state.unitName.ifBlank { null }).joinToString(" · "),
                style = MaterialTheme.typography.bodyMedium,
            )
        }
        state.message?.let { item { MessageStrip(it) } }
        if (!state.loading && !state.canDecide) {
            item {
                Text(
                    "Read only: an editor or a lead of this unit accepts or declines proposals.",
                    style = MaterialTheme.typography.bodyMedium,
                )
            }
        }
        if (!state.loading && state.rows.isEmpty()) {
            item { Text("Nothing waiting for review.", style = MaterialTheme.typography.bodyLarge) }
        }
        items(
            state.rows,
            key = { it.key },
        ) { row -> ProposalCard(row, state.canDecide, state.declining?.takeIf { it.key == row.key }, events) }
    }
}

@Composable
private fun ProposalCard(
    row: ProposalRowUi,
    canDecide: Boolean,
    declining: DeclineFormUi?,
    events: ReviewQueueEvents,
) {
    SectionCard(
        "${row.personName}: ${row.listHeading}",
        MaterialTheme.colorScheme.surfaceVariant,
        MaterialTheme.colorScheme.onSurfaceVariant,
        modifier = Modifier.testTag(PROPOSAL_CARD_TAG),
    ) {
        Text(row.text, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        Text("${row.proposedBy} · ${row.proposedAtLabel}", style = MaterialTheme.typography.bodyMedium)
        TextButton(
            onClick = { events.onOpenIncident(row.incidentId) },
            modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "${row.incidentLabel}: open it" },
        ) { Text(row.incidentLabel) }
        if (!canDecide) return@SectionCard
        if (declining != null) {
            Field("Why it is declined (kept on the sheet)", declining.reason, events.onDeclineReason, error = declining.error)
            Row(
                Modifier.fillMaxWidth(),
                verticalAlignment = Alignment.CenterVertically,
                horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
            ) {
                TextButton(onClick = events.onDeclineCancel, modifier = Modifier.heightIn(min = 48.dp)) { Text("Cancel") }
                Button(
                    onClick = events.onDeclineConfirm,
                    colors =
                        ButtonDefaults.buttonColors(
                            containerColor = MaterialTheme.colorScheme.error,
                            contentColor = MaterialTheme.colorScheme.onError,
                        ),
                    modifier = Modifier.heightIn(min = 48.dp),
                ) { Text("Decline") }
            }
        } else {
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Button(
                    onClick = { events.onAccept(row.key) },
                    modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "Accept onto the sheet: ${row.text}" },
                ) { Text("Accept") }
                OutlinedButton(
                    onClick = { events.onDeclineOpen(row.key) },
                    modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "Decline: ${row.text}" },
                ) { Text("Decline…") }
            }
        }
    }
}
