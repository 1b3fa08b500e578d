// Person: the amber card first — safety alerts, early warning signs, what helps, what to
// avoid — then triggers and the red (crisis) section, then the rest of the sheet. Quick capture
// sits in the top bar and in the row under the card, never floating over it: on a phone
// (891 dp, font 1.0) a full card is on screen whole, nothing covering its last line. Editors
// edit in place (safety alerts, names and the NHS number, the sheet, and what each safety alert or contraindication
// rules out, for the restraint flow); readers read, the "rules out" marks included.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Check
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.FilterChip
import androidx.compose.material3.FilterChipDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import app.steady.android.state.ItemUi
import app.steady.android.state.PersonUiState
import app.steady.android.state.SectionTone
import app.steady.android.state.SheetListUi
import app.steady.android.state.SheetSectionUi
import app.steady.android.state.SheetTextUi
import app.steady.android.state.shownSections
import app.steady.android.ui.theme.LocalSteadyColors
import app.steady.core.interventionLabel
import app.steady.core.model.CautionList
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.SheetList
import app.steady.core.model.SheetText

/** Events of the Person screen. */
data class PersonEvents(
    val onBack: () -> Unit = {},
    val onCapture: () -> Unit = {},
    val onChecklist: () -> Unit = {},
    val onToggleEditing: () -> Unit = {},
    val onTextChange: (SheetText, String) -> Unit = { _, _ -> },
    val onNewItemChange: (SheetList, String) -> Unit = { _, _ -> },
    val onAddItem: (SheetList) -> Unit = {},
    val onRemoveItem: (SheetList, String) -> Unit = { _, _ -> },
    val onDisplayNameChange: (String) -> Unit = {},
    val onPreferredNameChange: (String) -> Unit = {},
    val onLocalIdentifierChange: (String) -> Unit = {},
    /** The NHS number was edited (checked and saved by the core; empty clears it). */
    val onNhsNumberChange: (String) -> Unit = {},
    val onNewAlertChange: (String) -> Unit = {},
    val onAddAlert: () -> Unit = {},
    val onRemoveAlertRequest: (String) -> Unit = {},
    val onRemoveAlertConfirm: () -> Unit = {},
    val onRemoveAlertCancel: () -> Unit = {},
    /** Opens or closes the "rules out" choices of a safety alert or contraindication (by item id). */
    val onEditAvoids: (String) -> Unit = {},
    /** Marks or unmarks an intervention as ruled out by a safety alert or contraindication. */
    val onToggleAvoid: (CautionList, String, RestrictiveInterventionType) -> Unit = { _, _, _ -> },
    /** Opens the incident an accepted item came from. */
    val onOpenIncident: (String) -> Unit = {},
    /** Opens the review queue of this person's proposals. */
    val onOpenProposals: () -> Unit = {},
)

/** The test tag of the amber card, for the check that it is whole above a phone's fold. */
const val AMBER_CARD_TAG = "amber-card"

/** The Person screen. */
@Composable
fun PersonScreen(
    state: PersonUiState,
    events: PersonEvents,
) {
    SteadyScaffold(
        title = state.name.ifEmpty { "Person" },
        onBack = events.onBack,
        // No floating button here: it would sit over the amber card's last lines.
        onCapture = null,
        actions = {
            IconButton(onClick = events.onCapture) {
                Icon(Icons.Filled.Add, contentDescription = "Quick capture")
            }
            if (state.canEdit) {
                TextButton(onClick = events.onToggleEditing) { Text(if (state.editing) "Done" else "Edit") }
            }
        },
    ) {
        state.detail?.let { item { Text(it, style = MaterialTheme.typography.bodyMedium) } }
        // 1. Safety alerts, always first.
        items(state.amber.safetyAlerts, key = { "alert-" + it.id }) { alert -> SafetyAlertRow(alert, state, events) }
        if (state.editing) {
            item {
                Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Field("New safety alert", state.newAlert, events.onNewAlertChange, error = state.newAlertError)
                    Button(onClick = events.onAddAlert, modifier = Modifier.heightIn(min = 48.dp)) { Text("Add safety alert") }
                }
            }
        }
        // 2. The amber card.
        item { AmberCard(state, events) }
        item {
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = events.onCapture, modifier = Modifier.heightIn(min = 48.dp)) {
                    Icon(Icons.Filled.Add, contentDescription = null)
                    Text("Quick capture", modifier = Modifier.padding(start = 4.dp))
                }
                OutlinedButton(onClick = events.onChecklist, modifier = Modifier.heightIn(min = 48.dp)) { Text("Run a checklist") }
                if (state.proposalsWaiting > 0) {
                    OutlinedButton(onClick = events.onOpenProposals, modifier = Modifier.heightIn(min = 48.dp)) {
                        Text(if (state.proposalsWaiting == 1) "1 proposal to review" else "${state.proposalsWaiting} proposals to review")
                    }
                }
                if (state.reviewOverdue) {
                    Pill("Review overdue", MaterialTheme.colorScheme.errorContainer, MaterialTheme.colorScheme.onErrorContainer)
                }
                if (state.pendingChanges > 0) {
                    Pill(
                        "${state.pendingChanges} to sync",
                        MaterialTheme.colorScheme.tertiaryContainer,
                        MaterialTheme.colorScheme.onTertiaryContainer,
                    )
                }
            }
        }
        state.message?.let { item { MessageStrip(it) } }
        if (!state.canEdit && !state.loading) {
            item {
                Text("Read only: your role in this unit cannot change support sheets.", style = MaterialTheme.typography.bodyMedium)
            }
        }
        if (state.editing) {
            item {
                SectionCard("Name and identifier", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
                    Field(
                        "Name as recorded",
                        state.displayName,
                        events.onDisplayNameChange,
                        error = state.displayNameError,
                        singleLine = true,
                    )
                    Field(
                        "Likes to be called (optional)",
                        state.preferredName,
                        events.onPreferredNameChange,
                        error = state.preferredNameError,
                        singleLine = true,
                    )
                    Field(
                        "Local identifier (optional)",
                        state.localIdentifier,
                        events.onLocalIdentifierChange,
                        error = state.localIdentifierError,
                        singleLine = true,
                    )
                    Field(
                        "NHS number (optional)",
                        state.nhsNumber,
                        events.onNhsNumberChange,
                        error = state.nhsNumberError,
                        singleLine = true,
                        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
                    )
                    Text(
                        "10 digits, checked by the core. A use-of-force record needs it (its consistent identifier).",
                        style = MaterialTheme.typography.bodyMedium,
                    )
                }
            }
        }
        // 3. Triggers and the red section, then the rest of the sheet (the amber section only
        // while editing: in read mode the card above is it).
        items(state.shownSections(), key = { it.tone.name }) { section -> SheetSection(section, state, events) }
    }
}

/**
 * The amber card: a real card title (larger than its three headings, with an icon), then early
 * warning signs, what helps and what to avoid, each line whole (never cut).
 */
@Composable
private fun AmberCard(
    state: PersonUiState,
    events: PersonEvents,
) {
    val steady = LocalSteadyColors.current
    Card(
        modifier = Modifier.fillMaxWidth().testTag(AMBER_CARD_TAG),
        colors = CardDefaults.cardColors(containerColor = steady.amber, contentColor = steady.onAmber),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Icon(Icons.Filled.Warning, contentDescription = null)
                Text(
                    "Amber card",
                    style = MaterialTheme.typography.titleLarge,
                    fontWeight = FontWeight.ExtraBold,
                    modifier = Modifier.semantics { heading() },
                )
            }
            Heading("Early warning signs", Modifier.padding(top = 4.dp))
            ItemBullets(state.amber.warningSigns, events)
            Heading("What helps", Modifier.padding(top = 4.dp))
            ItemBullets(state.amber.whatHelps, events)
            Heading("What to avoid", Modifier.padding(top = 4.dp))
            ItemBullets(state.amber.whatToAvoid, events)
        }
    }
}

/** One safety alert, prominent; while editing, "Remove" and its confirmation. */
@Composable
private fun SafetyAlertRow(
    alert: ItemUi,
    state: PersonUiState,
    events: PersonEvents,
) {
    val steady = LocalSteadyColors.current
    Column {
        Surface(
            color = steady.alert,
            contentColor = steady.onAlert,
            shape = MaterialTheme.shapes.medium,
            modifier = Modifier.fillMaxWidth().semantics { contentDescription = "Safety alert: ${alert.text}" },
        ) {
            Row(
                Modifier.fillMaxWidth().heightIn(min = 48.dp).padding(horizontal = 12.dp, vertical = 8.dp),
                verticalAlignment = Alignment.CenterVertically,
                horizontalArrangement = Arrangement.spacedBy(8.dp),
            ) {
                Icon(Icons.Filled.Warning, contentDescription = null)
                Text(
                    alert.text,
                    style = MaterialTheme.typography.titleMedium,
                    fontWeight = FontWeight.Bold,
                    modifier = Modifier.weight(1f),
                )
                if (state.editing && state.confirmRemoveAlertId != alert.id) {
                    IconButton(onClick = { events.onRemoveAlertRequest(alert.id) }) {
                        Icon(Icons.Filled.Delete, contentDescription = "Remove safety alert: ${alert.text}")
                    }
                }
            }
        }
        RulesOut(CautionList.SAFETY_ALERT, alert, state, events)
        if (state.editing && state.confirmRemoveAlertId == alert.id) {
            // The question on its own line, the buttons below: at large font sizes a shared row
            // squeezed the question into a column of broken words.
            Text(
                "Remove this safety alert?",
                style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.fillMaxWidth().padding(top = 4.dp),
            )
            Row(
                Modifier.fillMaxWidth(),
                verticalAlignment = Alignment.CenterVertically,
                horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
            ) {
                TextButton(onClick = events.onRemoveAlertCancel, modifier = Modifier.heightIn(min = 48.dp)) { Text("Keep") }
                Button(
                    onClick = events.onRemoveAlertConfirm,
                    colors =
                        ButtonDefaults.buttonColors(
                            containerColor = MaterialTheme.colorScheme.error,
                            contentColor = MaterialTheme.colorScheme.onError,
                        ),
                    modifier = Modifier.heightIn(min = 48.dp),
                ) { Text("Remove") }
            }
        }
    }
}

@Composable
private fun toneColors(tone: SectionTone): Pair<Color, Color> {
    val steady = LocalSteadyColors.current
    val scheme = MaterialTheme.colorScheme
    return when (tone) {
        SectionTone.GREEN -> steady.green to steady.onGreen
        SectionTone.AMBER -> steady.amber to steady.onAmber
        SectionTone.RED -> steady.red to steady.onRed
        SectionTone.BLUE -> steady.blue to steady.onBlue
        SectionTone.TRIGGERS -> scheme.tertiaryContainer to scheme.onTertiaryContainer
        else -> scheme.surfaceVariant to scheme.onSurfaceVariant
    }
}

@Composable
private fun SheetSection(
    section: SheetSectionUi,
    state: PersonUiState,
    events: PersonEvents,
) {
    val (container, content) = toneColors(section.tone)
    SectionCard(section.title, container, content) {
        // In the core's order: text fields and lists interleave (Red: what staff should do, the
        // authorised interventions, contraindications, who to call).
        section.entries.forEach { entry ->
            when (entry) {
                is SheetTextUi -> SheetTextEntry(entry, state, events)
                is SheetListUi -> SheetListEntry(entry, state, events)
            }
        }
    }
}

@Composable
private fun SheetTextEntry(
    t: SheetTextUi,
    state: PersonUiState,
    events: PersonEvents,
) {
    val field = t.field
    if (state.editing && field != null) {
        Field(t.label, t.text, { events.onTextChange(field, it) })
    } else {
        Text(t.label, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        Text(t.text.ifBlank { "Not written yet" }, style = MaterialTheme.typography.bodyLarge)
    }
}

@Composable
private fun SheetListEntry(
    l: SheetListUi,
    state: PersonUiState,
    events: PersonEvents,
) {
    Text(l.label, style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
    val list = l.list
    val cautions = list == SheetList.CONTRAINDICATIONS
    if (state.editing && list != null) {
        l.items.forEach { item ->
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(item.text, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
                IconButton(onClick = { events.onRemoveItem(list, item.id) }) {
                    Icon(Icons.Filled.Delete, contentDescription = "Remove ${item.text}")
                }
            }
            if (cautions) RulesOut(CautionList.CONTRAINDICATION, item, state, events)
        }
        Field("Add to ${l.label.lowercase()}", state.newItems[list].orEmpty(), { events.onNewItemChange(list, it) })
        TextButton(onClick = { events.onAddItem(list) }, modifier = Modifier.heightIn(min = 48.dp)) { Text("Add") }
    } else if (cautions) {
        // Each contraindication with what it rules out in the restraint flow.
        if (l.items.isEmpty()) Bullets(emptyList())
        l.items.forEach { item ->
            Bullets(listOf(item.text))
            RulesOut(CautionList.CONTRAINDICATION, item, state, events)
        }
    } else {
        ItemBullets(l.items, events)
    }
}

/**
 * Sheet items as bullets: a "what helps" strategy with "tried N · helped M" beside it, an item
 * accepted from an incident's proposal with "From the incident of …" under it (tap: that incident).
 */
@Composable
private fun ItemBullets(
    items: List<ItemUi>,
    events: PersonEvents,
) {
    if (items.isEmpty()) Bullets(emptyList())
    items.forEach { item ->
        Row(verticalAlignment = Alignment.Top) {
            Text("•  ", style = MaterialTheme.typography.bodyLarge)
            Column {
                Text(
                    item.text + (item.outcome?.let { "  ($it)" } ?: ""),
                    style = MaterialTheme.typography.bodyLarge,
                )
                val source = item.sourceIncidentId
                if (item.sourceLine != null && source != null) {
                    TextButton(
                        onClick = { events.onOpenIncident(source) },
                        modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "${item.sourceLine}: open it" },
                    ) { Text(item.sourceLine, style = MaterialTheme.typography.bodyMedium) }
                }
            }
        }
    }
}

/**
 * What a safety alert or contraindication rules out in the restraint flow: the marks for
 * everyone; for an editor, "Rules out…" opens a choice of every intervention type, each saved
 * through the core as it is tapped.
 */
@Composable
private fun RulesOut(
    list: CautionList,
    item: ItemUi,
    state: PersonUiState,
    events: PersonEvents,
) {
    val avoid = state.cautionAvoids[item.id].orEmpty()
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        if (avoid.isNotEmpty()) {
            Text(
                "Rules out: " + avoid.joinToString(", ") { interventionLabel(it) },
                style = MaterialTheme.typography.bodyMedium,
                fontWeight = FontWeight.Bold,
            )
        }
        if (state.editing) {
            val open = state.editingAvoidsId == item.id
            TextButton(
                onClick = { events.onEditAvoids(item.id) },
                modifier =
                    Modifier.heightIn(min = 48.dp).semantics {
                        contentDescription = (if (open) "Close these choices: " else "Choose what it rules out: ") + item.text
                    },
            ) {
                Text(
                    if (open) {
                        "Close these choices"
                    } else if (avoid.isEmpty()) {
                        "Rules out… (none yet)"
                    } else {
                        "Change what it rules out"
                    },
                )
            }
            if (open) {
                Text(
                    "Tap each intervention this rules out: starting one then needs a reason.",
                    style = MaterialTheme.typography.bodyMedium,
                )
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    state.interventionChoices.forEach { (type, label) ->
                        val chosen = type in avoid
                        FilterChip(
                            selected = chosen,
                            onClick = { events.onToggleAvoid(list, item.id, type) },
                            label = { Text(label) },
                            leadingIcon = if (chosen) ({ Icon(Icons.Filled.Check, contentDescription = null) }) else null,
                            colors =
                                FilterChipDefaults.filterChipColors(
                                    selectedContainerColor = MaterialTheme.colorScheme.primaryContainer,
                                ),
                            border =
                                FilterChipDefaults.filterChipBorder(
                                    enabled = true,
                                    selected = chosen,
                                    borderColor = MaterialTheme.colorScheme.outline,
                                    selectedBorderColor = MaterialTheme.colorScheme.primary,
                                ),
                            modifier = Modifier.heightIn(min = 48.dp),
                        )
                    }
                }
            }
        }
    }
}
