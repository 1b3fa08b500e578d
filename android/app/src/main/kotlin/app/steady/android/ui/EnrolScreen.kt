// Enrol: the sync server's address and the code a lead issued, typed or scanned from the QR
// code, and who is using the device.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import app.steady.android.state.EnrolUiState

/** The Enrol screen. [onScan] opens the camera (absent where there is none). */
@Composable
fun EnrolScreen(
    state: EnrolUiState,
    onServerChange: (String) -> Unit,
    onCodeChange: (String) -> Unit,
    onStaffNameChange: (String) -> Unit,
    onJobTitleChange: (String) -> Unit,
    onScan: (() -> Unit)?,
    onEnrol: () -> Unit,
) {
    SteadyScaffold(title = "Set up this device") {
        item {
            Text(
                "Ask your lead for an enrolment code. Scan its QR code, or type the server address and code.",
                style = MaterialTheme.typography.bodyLarge,
            )
        }
        if (onScan != null) {
            item {
                Button(onClick = onScan, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) {
                    Text("Scan the QR code")
                }
            }
        }
        item {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Field("Server address", state.serverUrl, onServerChange, state.serverError, singleLine = true)
                Field("Enrolment code", state.code, onCodeChange, state.codeError, singleLine = true)
                Field("Your name", state.staffName, onStaffNameChange, state.staffError, singleLine = true)
                Field("Your job title", state.jobTitle, onJobTitleChange, singleLine = true)
            }
        }
        state.message?.let { item { MessageStrip(it) } }
        item {
            OutlinedButton(
                onClick = onEnrol,
                enabled = !state.busy,
                modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp),
            ) {
                Text(if (state.busy) "Enrolling…" else "Enrol this device")
            }
        }
    }
}
