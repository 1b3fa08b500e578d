// Checklist: STAMP or the person's own early warning signs; tick what you see, score it, and
// a moderate or high band puts the person's own strategies right under the result.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.selection.toggleable
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.ChecklistUiState
import app.steady.android.ui.theme.LocalSteadyColors
import app.steady.core.model.BandLevel

/** The Checklist screen. */
@Composable
fun ChecklistScreen(
    state: ChecklistUiState,
    onBack: () -> Unit,
    onSelectTemplate: (String) -> Unit,
    onToggle: (String) -> Unit,
    onScore: () -> Unit,
) {
    val steady = LocalSteadyColors.current
    SteadyScaffold(title = state.personName?.let { "Checklist: $it" } ?: "Checklist", onBack = onBack) {
        item {
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                state.templates.forEach { t ->
                    FilterChip(
                        selected = t.id == state.selectedTemplateId,
                        onClick = { onSelectTemplate(t.id) },
                        label = { Text(t.name) },
                        modifier = Modifier.heightIn(min = 48.dp),
                    )
                }
            }
        }
        item { Heading("What do you see now?") }
        items(state.items, key = { it.id }) { cue ->
            Row(
                verticalAlignment = Alignment.CenterVertically,
                modifier =
                    Modifier
                        .fillMaxWidth()
                        .heightIn(min = 48.dp)
                        .toggleable(value = cue.checked, role = Role.Checkbox, onValueChange = { onToggle(cue.id) }),
            ) {
                Checkbox(checked = cue.checked, onCheckedChange = null)
                Text(cue.text, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(start = 8.dp))
            }
        }
        item {
            Button(onClick = onScore, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) { Text("Score") }
        }
        state.message?.let { item { MessageStrip(it) } }
        state.result?.let { r ->
            item {
                val (container, content) =
                    when (r.level) {
                        BandLevel.LOW -> steady.green to steady.onGreen
                        BandLevel.MODERATE -> steady.amber to steady.onAmber
                        BandLevel.HIGH -> steady.red to steady.onRed
                    }
                SectionCard("${r.levelLabel}: ${r.score} of ${r.maxScore}", container, content) {
                    Text(r.guidance, style = MaterialTheme.typography.bodyLarge)
                    if (r.level != BandLevel.LOW) {
                        Text("What helps", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
                        Bullets(r.whatHelps)
                        Text("What to avoid", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
                        Bullets(r.whatToAvoid)
                    }
                }
            }
        }
        item {
            Text(state.source, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
        item {
            Text(state.licence, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}
