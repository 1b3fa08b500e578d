// Guidance: the organisation's short cards, offline; tap a card to read it whole.
package app.steady.android.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.steady.android.state.GuidanceUiState

/** The Guidance screen. */
@Composable
fun GuidanceScreen(
    state: GuidanceUiState,
    onQueryChange: (String) -> Unit,
    onToggle: (String) -> Unit,
    onCapture: () -> Unit,
    onNavigate: (TopDestination) -> Unit,
) {
    SteadyScaffold(title = "Guidance", onCapture = onCapture, current = TopDestination.GUIDANCE, onNavigate = onNavigate) {
        item { Field("Filter", state.query, onQueryChange, singleLine = true) }
        if (!state.loading && state.cards.isEmpty()) {
            item { Text("No guidance cards on this device.", style = MaterialTheme.typography.bodyLarge) }
        }
        items(state.cards, key = { it.id }) { c ->
            val open = c.id == state.expandedId
            Card(
                Modifier
                    .fillMaxWidth()
                    .heightIn(min = 48.dp)
                    .clickable(role = Role.Button, onClickLabel = if (open) "Close" else "Read") { onToggle(c.id) },
            ) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                    Text(c.title, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.SemiBold)
                    Text(
                        c.body,
                        style = MaterialTheme.typography.bodyLarge,
                        maxLines = if (open) Int.MAX_VALUE else 2,
                        overflow = TextOverflow.Ellipsis,
                    )
                    if (c.tags.isNotEmpty()) {
                        Text(c.tags.joinToString(" · "), style = MaterialTheme.typography.labelLarge)
                    }
                }
            }
        }
    }
}
