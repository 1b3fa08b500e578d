// Sync and settings: when sync last worked, what waits, what needs the user, the last error;
// sync now; the placements on this phone (role and end, UK time) and "Add a placement" for the
// next unit's code without signing out; and sign-out, which deletes everything Steady keeps on
// this device.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.AddPlacementUi
import app.steady.android.state.SyncUiState

/** Events of the Sync & settings screen. */
data class SyncEvents(
    val onSyncNow: () -> Unit = {},
    val onSignOut: () -> Unit = {},
    val onSignOutConfirmed: () -> Unit = {},
    val onSignOutCancelled: () -> Unit = {},
    val onCapture: () -> Unit = {},
    val onNavigate: (TopDestination) -> Unit = {},
    val onAddPlacementOpen: () -> Unit = {},
    val onAddPlacementCancel: () -> Unit = {},
    val onPlacementCodeChange: (String) -> Unit = {},
    /** Opens the camera for the placement's QR code (absent where there is none). */
    val onPlacementScan: (() -> Unit)? = null,
    val onAddPlacement: () -> Unit = {},
)

/** The Sync & settings screen. */
@Composable
fun SyncScreen(
    state: SyncUiState,
    events: SyncEvents,
) {
    SteadyScaffold(
        title = "Sync and settings",
        onCapture = events.onCapture,
        current = TopDestination.SYNC,
        onNavigate = events.onNavigate,
    ) {
        state.addPlacement?.let { form -> item { AddPlacementCard(form, state.server, events) } }
        item {
            SectionCard("Sync", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
                Line("Server", state.server ?: "Not enrolled")
                Line("Last success", state.lastSuccessLabel)
                Line("Last try", state.lastAttemptLabel)
                Line("Waiting to send", state.pending.toString())
                Line("Refused by the server", state.quarantined.toString())
                Line("Edits that lost", state.conflicts.toString())
                state.lastError?.let { Line("Last problem", it) }
            }
        }
        state.message?.let { item { MessageStrip(it) } }
        item {
            Button(
                onClick = events.onSyncNow,
                enabled = state.enrolled && !state.syncing,
                modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp),
            ) {
                Text(if (state.syncing) "Syncing…" else "Sync now")
            }
        }
        item {
            SectionCard("Placements on this phone", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
                if (state.units.isEmpty()) Text("None: add your next placement's code.", style = MaterialTheme.typography.bodyLarge)
                state.units.forEach { u ->
                    Column(Modifier.semantics(mergeDescendants = true) {}) {
                        Text(u.name, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
                        Text(listOf(u.organisation, u.roleLabel).joinToString(" · "), style = MaterialTheme.typography.bodyLarge)
                        u.endsLabel?.let { ends ->
                            Text(
                                if (u.active) ends else "$ends · records leave this phone once synced",
                                style = MaterialTheme.typography.bodyLarge,
                                fontWeight = if (u.active) FontWeight.Normal else FontWeight.Bold,
                            )
                        }
                    }
                }
                if (state.addPlacement == null) {
                    OutlinedButton(
                        onClick = events.onAddPlacementOpen,
                        enabled = state.enrolled,
                        modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp),
                    ) { Text("Add a placement") }
                }
            }
        }
        item {
            SectionCard("This device", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
                Line("Used by", state.staffLine.ifEmpty { "Not set" })
                Line("Device id", state.deviceId)
            }
        }
        item {
            OutlinedButton(
                onClick = events.onSignOut,
                colors = ButtonDefaults.outlinedButtonColors(contentColor = MaterialTheme.colorScheme.error),
                modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp),
            ) { Text("Sign out and delete data from this device") }
        }
        if (state.confirmingSignOut) {
            item {
                AlertDialog(
                    onDismissRequest = events.onSignOutCancelled,
                    title = { Text("Delete everything on this device?") },
                    text = {
                        Text(
                            if (state.pending > 0) {
                                "${state.pending} change(s) have not reached the server and will be lost. " +
                                    "Sync first if you can."
                            } else {
                                "All support sheets and incidents on this device will be deleted. You will need a new code to enrol again."
                            },
                        )
                    },
                    confirmButton = {
                        TextButton(
                            onClick = events.onSignOutConfirmed,
                            modifier = Modifier.heightIn(min = 48.dp),
                        ) { Text("Delete and sign out") }
                    },
                    dismissButton = {
                        TextButton(onClick = events.onSignOutCancelled, modifier = Modifier.heightIn(min = 48.dp)) { Text("Cancel") }
                    },
                )
            }
        }
    }
}

/**
 * "Add a placement": the next unit's code from its lead, typed or scanned, added at the server
 * this phone syncs with, without signing out. Errors sit under the code; a network failure says
 * nothing was lost.
 */
@Composable
private fun AddPlacementCard(
    form: AddPlacementUi,
    server: String?,
    events: SyncEvents,
) {
    SectionCard("Add a placement", MaterialTheme.colorScheme.secondaryContainer, MaterialTheme.colorScheme.onSecondaryContainer) {
        // The field first: at font 2.0 it is still above the fold.
        Text(
            "The code from your next unit's lead. Your other placements and unsynced changes stay.",
            style = MaterialTheme.typography.bodyLarge,
        )
        Field("Placement code", form.code, events.onPlacementCodeChange, form.codeError, singleLine = true)
        form.message?.let { MessageStrip(it) }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.fillMaxWidth()) {
            OutlinedButton(
                onClick = events.onAddPlacementCancel,
                enabled = !form.busy,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp),
            ) { Text("Cancel") }
            Button(
                onClick = events.onAddPlacement,
                enabled = !form.busy,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp),
            ) { Text(if (form.busy) "Adding…" else "Add") }
        }
        events.onPlacementScan?.let { scan ->
            OutlinedButton(onClick = scan, enabled = !form.busy, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) {
                Text("Scan its QR code")
            }
        }
        server?.let { Text("Codes for $it only: this phone syncs with one server.", style = MaterialTheme.typography.bodyMedium) }
    }
}

@Composable
private fun Line(
    label: String,
    value: String,
) {
    Text(label, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
    Text(value, style = MaterialTheme.typography.bodyLarge)
}
