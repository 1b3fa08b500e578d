// Sync and settings: when sync last worked, what waits, what needs the user, the last error;
// sync now; and sign-out, which deletes everything Steady keeps on this device.
package app.steady.android.ui

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
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.SyncUiState

/** Events of the Sync & settings screen. */
data class SyncEvents(
    val onSyncNow: () -> Unit = {},
    val onSignOut: () -> Unit = {},
    val onSignOutConfirmed: () -> Unit = {},
    val onSignOutCancelled: () -> Unit = {},
    val onCapture: () -> Unit = {},
    val onNavigate: (TopDestination) -> Unit = {},
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

@Composable
private fun Line(
    label: String,
    value: String,
) {
    Text(label, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
    Text(value, style = MaterialTheme.typography.bodyLarge)
}
