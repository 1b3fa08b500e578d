// People: pick the unit, search as you type (offline), tap a person. The list is in the core's
// shift order — pinned on this phone, then anyone with a safety alert or a recent event, then the
// rest, by the name staff use — and each row says why: the pin (a toggle on the row), the recent
// event, the safety alerts. A search hit shows the line that matched ("Trigger: Loud alarms").
// Rows also flag a review that is overdue or changes waiting to sync. Several placements: the
// unit picker shows each with its role and end (UK time), ended ones marked. When the selected
// placement has ended the list gives way to what happens to its records and the ways on (the
// next placement's code, another active unit); with no placement left, the way to the next one.
package app.steady.android.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.filled.Star
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.FilterChip
import androidx.compose.material3.Icon
import androidx.compose.material3.IconToggleButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.steady.android.state.EndedPlacementUi
import app.steady.android.state.PeopleUiState
import app.steady.android.state.PersonRow
import app.steady.android.state.UnitRow
import app.steady.android.ui.theme.LocalSteadyColors

/** The People screen. */
@Composable
fun PeopleScreen(
    state: PeopleUiState,
    onQueryChange: (String) -> Unit,
    onSelectUnit: (String) -> Unit,
    onOpenPerson: (String) -> Unit,
    onCapture: () -> Unit,
    onNavigate: (TopDestination) -> Unit,
    onOpenDrafts: () -> Unit = {},
    onTogglePin: (String) -> Unit = {},
    onAddPlacement: () -> Unit = {},
    /** Opens the review queue of a unit (proposals for the plan). */
    onOpenProposals: (String) -> Unit = {},
    /** Opens the shift huddle of a unit (with its handover notes). */
    onOpenHuddle: (String) -> Unit = {},
) {
    SteadyScaffold(
        title = "People",
        // Every placement over and gone: there is no unit to capture into.
        onCapture = onCapture.takeUnless { state.noPlacement },
        current = TopDestination.PEOPLE,
        onNavigate = onNavigate,
        actions = {
            if (state.pendingSync > 0) {
                Pill(
                    "${state.pendingSync} to sync",
                    MaterialTheme.colorScheme.tertiaryContainer,
                    MaterialTheme.colorScheme.onTertiaryContainer,
                )
            }
        },
    ) {
        if (state.noPlacement) {
            item { NoPlacementCard(onAddPlacement) }
            return@SteadyScaffold
        }
        if (state.units.size > 1) {
            item {
                // Several placements at once: each with its role and its end, ended ones marked.
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    state.units.forEach { u -> UnitChip(u, u.id == state.selectedUnitId, onSelectUnit) }
                }
            }
        }
        // The unit's line; when its placement has ended the card below says it all.
        state.units.firstOrNull { it.id == state.selectedUnitId }?.takeIf { state.ended == null }?.let { u ->
            item {
                Text(
                    listOfNotNull(u.organisation, u.roleLabel, u.endsLabel).joinToString(" · "),
                    style = MaterialTheme.typography.bodyMedium,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
            }
        }
        state.ended?.let { ended ->
            item { EndedPlacementCard(ended, onAddPlacement, onSelectUnit) }
            if (state.draftsToFinish > 0) {
                item { DraftsLine(state.draftsToFinish, onOpenDrafts) }
            }
            if (state.problems > 0) {
                item { MessageStrip("${state.problems} change(s) need your attention: see Incidents.") }
            }
            state.message?.let { item { MessageStrip(it) } }
            return@SteadyScaffold
        }
        item {
            OutlinedTextField(
                value = state.query,
                onValueChange = onQueryChange,
                leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
                label = { Text("Search names, alerts, triggers, signs") },
                singleLine = true,
                modifier = Modifier.fillMaxWidth(),
            )
        }
        if (state.draftsToFinish > 0) {
            item { DraftsLine(state.draftsToFinish, onOpenDrafts) }
        }
        // The unit's shift huddle, for the start of a shift and a handover.
        state.selectedUnitId?.let { unit ->
            item { ActionLine("Shift huddle and handover notes") { onOpenHuddle(unit) } }
        }
        // The unit's review queue: proposals for people's plans from incidents and debriefs.
        state.selectedUnitId?.let { unit ->
            val waiting = state.proposalsByUnit[unit] ?: 0
            if (waiting > 0) {
                item {
                    ActionLine(if (waiting == 1) "1 proposal for the plan to review" else "$waiting proposals for the plan to review") {
                        onOpenProposals(unit)
                    }
                }
            }
        }
        if (state.problems > 0) {
            item { MessageStrip("${state.problems} change(s) need your attention: see Incidents.") }
        }
        state.message?.let { item { MessageStrip(it) } }
        if (!state.loading && state.people.isEmpty()) {
            item {
                Text(
                    if (state.query.isBlank()) "No people in this unit on this device yet." else "No one matches \"${state.query}\".",
                    style = MaterialTheme.typography.bodyLarge,
                )
            }
        }
        items(state.people, key = { it.id }) { person -> PersonCard(person, onOpenPerson, onTogglePin) }
    }
}

/** One placement in the unit picker: its name, role and end; an ended one says so. */
@Composable
private fun UnitChip(
    unit: UnitRow,
    selected: Boolean,
    onSelect: (String) -> Unit,
) {
    val detail = listOfNotNull(unit.roleLabel, unit.endsLabel).joinToString(" · ")
    FilterChip(
        selected = selected,
        onClick = { onSelect(unit.id) },
        leadingIcon = if (unit.active) null else ({ Icon(Icons.Filled.Lock, contentDescription = null) }),
        label = {
            Column(Modifier.padding(vertical = 6.dp)) {
                Text(unit.name, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
                Text(detail, style = MaterialTheme.typography.labelMedium)
            }
        },
        modifier =
            Modifier.heightIn(min = 48.dp).semantics {
                contentDescription = "${unit.name}, ${if (unit.active) "" else "placement ended, "}$detail"
            },
    )
}

/**
 * The selected unit's placement has ended: when, what happens to its records, and the ways on —
 * the next placement's code, or another unit still active.
 */
@Composable
private fun EndedPlacementCard(
    ended: EndedPlacementUi,
    onAddPlacement: () -> Unit,
    onSelectUnit: (String) -> Unit,
) {
    Card(
        colors =
            CardDefaults.cardColors(
                containerColor = MaterialTheme.colorScheme.secondaryContainer,
                contentColor = MaterialTheme.colorScheme.onSecondaryContainer,
            ),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Icon(Icons.Filled.Lock, contentDescription = null)
                Text("Placement ended", style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            }
            Text(ended.text, style = MaterialTheme.typography.bodyLarge)
            Button(onClick = onAddPlacement, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) {
                Text("Add your next placement")
            }
            ended.switchTo?.let { other ->
                OutlinedButton(onClick = { onSelectUnit(other.id) }, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) {
                    Text("Switch to ${other.label}")
                }
            }
        }
    }
}

/** Every placement has ended and left the phone: not an empty shell, but the way to the next one. */
@Composable
private fun NoPlacementCard(onAddPlacement: () -> Unit) {
    Card(
        colors =
            CardDefaults.cardColors(
                containerColor = MaterialTheme.colorScheme.secondaryContainer,
                contentColor = MaterialTheme.colorScheme.onSecondaryContainer,
            ),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Text("No placement on this phone", style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold)
            Text(
                "Your placements have ended and their records have left this phone. " +
                    "Add your next placement's code from your lead to carry on.",
                style = MaterialTheme.typography.bodyLarge,
            )
            Button(onClick = onAddPlacement, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) {
                Text("Add your next placement")
            }
            Text(
                "To stop using Steady on this phone, sign out in Sync and settings.",
                style = MaterialTheme.typography.bodyMedium,
            )
        }
    }
}

/** "2 drafts to finish": incidents started and not yet submitted; opens them in Incidents. */
@Composable
private fun DraftsLine(
    count: Int,
    onOpen: () -> Unit,
) = ActionLine(if (count == 1) "1 draft to finish" else "$count drafts to finish", onOpen)

@Composable
private fun ActionLine(
    text: String,
    onOpen: () -> Unit,
) {
    Card(
        colors =
            CardDefaults.cardColors(
                containerColor = MaterialTheme.colorScheme.tertiaryContainer,
                contentColor = MaterialTheme.colorScheme.onTertiaryContainer,
            ),
        modifier =
            Modifier
                .fillMaxWidth()
                .heightIn(min = 48.dp)
                .clickable(role = Role.Button, onClick = onOpen)
                .semantics { contentDescription = "$text: open" },
    ) {
        Row(modifier = Modifier.padding(12.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(text, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold, modifier = Modifier.weight(1f))
            Text("Open", style = MaterialTheme.typography.labelLarge)
        }
    }
}

@Composable
private fun PersonCard(
    person: PersonRow,
    onOpen: (String) -> Unit,
    onTogglePin: (String) -> Unit,
) {
    val steady = LocalSteadyColors.current
    Card(
        modifier =
            Modifier
                .fillMaxWidth()
                .heightIn(min = 56.dp)
                .clickable(role = Role.Button, onClickLabel = "Open ${person.name}'s card") { onOpen(person.id) },
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surfaceVariant),
    ) {
        Column(Modifier.padding(start = 16.dp, end = 4.dp, top = 4.dp, bottom = 12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Column(Modifier.weight(1f).padding(top = 8.dp)) {
                    Text(person.name, style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.SemiBold)
                    val detail = listOfNotNull(person.detail, person.unitName).joinToString(" · ")
                    if (detail.isNotEmpty()) Text(detail, style = MaterialTheme.typography.bodyMedium)
                }
                // The pin: this phone's own short list for the shift, first in the core's order.
                IconToggleButton(
                    checked = person.pinned,
                    onCheckedChange = { onTogglePin(person.id) },
                    modifier =
                        Modifier.semantics {
                            contentDescription = if (person.pinned) "Unpin ${person.name}" else "Pin ${person.name} to the top"
                            stateDescription = if (person.pinned) "Pinned" else "Not pinned"
                        },
                ) {
                    Icon(
                        Icons.Filled.Star,
                        contentDescription = null,
                        tint = if (person.pinned) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.outline,
                    )
                }
            }
            Column(Modifier.padding(end = 12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                person.matchLine?.let { line ->
                    Row(
                        verticalAlignment = Alignment.Top,
                        horizontalArrangement = Arrangement.spacedBy(6.dp),
                        modifier = Modifier.semantics(mergeDescendants = true) { contentDescription = "Matched $line" },
                    ) {
                        Icon(Icons.Filled.Search, contentDescription = null)
                        Text(line, style = MaterialTheme.typography.bodyLarge)
                    }
                }
                person.safetyAlerts.forEach { alert ->
                    Row(
                        verticalAlignment = Alignment.Top,
                        horizontalArrangement = Arrangement.spacedBy(6.dp),
                        modifier = Modifier.semantics(mergeDescendants = true) { contentDescription = "Safety alert: $alert" },
                    ) {
                        Icon(Icons.Filled.Warning, contentDescription = null, tint = steady.alert)
                        Text(alert, style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.Bold, color = steady.alert)
                    }
                }
                person.recentEvent?.let { event ->
                    Row(
                        verticalAlignment = Alignment.Top,
                        horizontalArrangement = Arrangement.spacedBy(6.dp),
                        modifier = Modifier.semantics(mergeDescendants = true) { contentDescription = "In the last 72 hours: $event" },
                    ) {
                        Icon(Icons.Filled.Info, contentDescription = null)
                        Text(event, style = MaterialTheme.typography.bodyMedium, fontWeight = FontWeight.SemiBold)
                    }
                }
                if (person.pinned || person.reviewOverdue || person.pendingChanges > 0) {
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        if (person.pinned) {
                            Pill("Pinned", MaterialTheme.colorScheme.primaryContainer, MaterialTheme.colorScheme.onPrimaryContainer)
                        }
                        if (person.reviewOverdue) {
                            Pill("Review overdue", MaterialTheme.colorScheme.errorContainer, MaterialTheme.colorScheme.onErrorContainer)
                        }
                        if (person.pendingChanges > 0) {
                            Pill(
                                "${person.pendingChanges} to sync",
                                MaterialTheme.colorScheme.tertiaryContainer,
                                MaterialTheme.colorScheme.onTertiaryContainer,
                            )
                        }
                    }
                }
            }
        }
    }
}
