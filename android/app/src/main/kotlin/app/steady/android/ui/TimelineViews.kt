// The incident screen's timeline (big one-tap buttons from the core's kinds, usable in gloves at
// a roadside; "who" or "what" asked in a small sheet; each moment with its UK time and who
// recorded it, and Undo while a draft), the job or CAD reference, "Propose for the plan" and
// "Patient identified": stateless parts of IncidentScreen.
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import app.steady.android.state.IdentifyFormUi
import app.steady.android.state.IncidentUiState
import app.steady.android.state.PROPOSAL_LISTS
import app.steady.android.state.ProposalFormUi
import app.steady.android.state.TimelineAskUi
import app.steady.android.state.TimelineEventUi

/** The test tag of the timeline's buttons. */
const val TIMELINE_BUTTONS_TAG = "timeline-buttons"

/**
 * "Timeline": while a draft, the one-tap buttons (at least 64 dp high, two to a row on a phone),
 * the sheet a button opened, the last tap confirmed; then the moments in the order they
 * happened, each with Undo while a draft. On a submitted record, the moments only.
 */
fun LazyListScope.timelineSection(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    item(key = "timeline-heading") { Heading("Timeline") }
    val ask = state.timelineAsk
    if (!state.submitted) {
        if (ask != null) {
            item(key = "timeline-ask") { TimelineAsk(ask, events) }
        } else {
            item(key = "timeline-buttons") { TimelineButtons(state, events) }
        }
        state.timelineError?.let { item(key = "timeline-error") { ErrorLine(it) } }
        state.timelineSaved?.let { saved ->
            item(key = "timeline-saved") {
                Text(
                    saved,
                    style = MaterialTheme.typography.bodyMedium,
                    modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
                )
            }
        }
    }
    if (state.timeline.isEmpty()) {
        item(key = "timeline-none") { Text("No moments recorded yet.", style = MaterialTheme.typography.bodyLarge) }
    } else {
        items(state.timeline, key = { "timeline-" + it.id }) { TimelineRow(it, !state.submitted, events) }
    }
}

@Composable
private fun TimelineButtons(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    FlowRow(
        horizontalArrangement = Arrangement.spacedBy(8.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
        maxItemsInEachRow = 2,
        modifier = Modifier.fillMaxWidth().testTag(TIMELINE_BUTTONS_TAG),
    ) {
        state.timelineButtons.forEach { b ->
            // Big targets: a gloved thumb at a roadside, no aiming.
            Button(
                onClick = { events.onTimelineTap(b.kind) },
                modifier = Modifier.weight(1f).widthIn(min = 120.dp).heightIn(min = 64.dp),
            ) { Text(b.label, style = MaterialTheme.typography.titleMedium) }
        }
    }
}

@Composable
private fun TimelineAsk(
    ask: TimelineAskUi,
    events: IncidentEvents,
) {
    SectionCard(ask.title, MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
        Field(ask.fieldLabel, ask.text, events.onTimelineAskText, error = ask.error, singleLine = true)
        Row(
            Modifier.fillMaxWidth(),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
        ) {
            TextButton(onClick = events.onTimelineAskCancel, modifier = Modifier.heightIn(min = 56.dp)) { Text("Cancel") }
            Button(onClick = events.onTimelineAskSave, modifier = Modifier.heightIn(min = 56.dp)) { Text("Record") }
        }
    }
}

@Composable
private fun TimelineRow(
    e: TimelineEventUi,
    undo: Boolean,
    events: IncidentEvents,
) {
    Surface(
        color = MaterialTheme.colorScheme.surfaceVariant,
        contentColor = MaterialTheme.colorScheme.onSurfaceVariant,
        shape = MaterialTheme.shapes.medium,
        modifier = Modifier.fillMaxWidth(),
    ) {
        Row(Modifier.padding(horizontal = 12.dp, vertical = 8.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(e.atLabel, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            Column(Modifier.weight(1f).padding(start = 12.dp)) {
                Text(e.text, style = MaterialTheme.typography.bodyLarge)
                Text(e.by, style = MaterialTheme.typography.bodyMedium)
            }
            if (undo) {
                TextButton(
                    onClick = { events.onTimelineUndo(e.id) },
                    modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "Undo: ${e.text} at ${e.atLabel}" },
                ) { Text("Undo") }
            }
        }
    }
}

/** The job or CAD reference of an ambulance or HEMS call (its rule, the core's, under it). */
@Composable
fun JobReferenceField(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    Field(
        "Job or CAD reference (optional)",
        state.jobReference,
        events.onJobReferenceChange,
        error = state.jobReferenceError,
        singleLine = true,
        hint = "The ambulance or HEMS call's reference",
    )
}

/** "Propose for the plan" and what was proposed from this incident (draft or submitted). */
fun LazyListScope.proposalSection(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    if (!state.canPropose) return
    item(key = "proposal-heading") { Heading("For their plan") }
    state.proposalSent?.let { item(key = "proposal-sent") { MessageStrip(it) } }
    if (state.proposed.isNotEmpty()) {
        item(key = "proposal-list") {
            Column {
                Text("Proposed from this incident", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
                Bullets(state.proposed)
            }
        }
    }
    item(key = "proposal-open") {
        OutlinedButton(onClick = events.onProposalOpen, modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)) {
            Text("Propose for the plan")
        }
    }
}

/** The proposal form: which list (the core's headings), the words; an editor reviews it. */
@Composable
fun ProposalForm(
    f: ProposalFormUi,
    events: IncidentEvents,
) {
    SectionCard("Propose for the plan", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
        Text(
            "What you saw may help next time. An editor of the sheet reviews it before it goes on.",
            style = MaterialTheme.typography.bodyMedium,
        )
        Text("Which list", style = MaterialTheme.typography.labelLarge, fontWeight = FontWeight.Bold)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            PROPOSAL_LISTS.forEach { (list, heading) -> CheckChip(f.list == list, heading) { events.onProposalList(list) } }
        }
        f.listError?.let { ErrorLine(it) }
        Field("Their words for it", f.text, events.onProposalText, error = f.error)
        Row(
            Modifier.fillMaxWidth(),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
        ) {
            TextButton(onClick = events.onProposalCancel, modifier = Modifier.heightIn(min = 48.dp)) { Text("Cancel") }
            Button(onClick = events.onProposalSave, modifier = Modifier.heightIn(min = 48.dp)) { Text("Propose") }
        }
    }
}

/** A submitted record about someone unknown at the time: the identifications and "Patient identified". */
fun LazyListScope.identifySection(
    state: IncidentUiState,
    events: IncidentEvents,
) {
    if (!state.submitted || !state.unidentified) return
    item(key = "identify-heading") { Heading("Patient identified") }
    if (state.identifications.isEmpty()) {
        item(key = "identify-none") { Text("Not identified yet.", style = MaterialTheme.typography.bodyLarge) }
    }
    items(state.identifications, key = { "identified-$it" }) { Text(it, style = MaterialTheme.typography.bodyLarge) }
    item(key = "identify-open") {
        OutlinedButton(onClick = events.onIdentifyOpen, modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)) {
            Text("Patient identified")
        }
    }
}

/** The form: hospital, its identifier, the NHS number; each refusal of the core under its field. */
@Composable
fun IdentifyForm(
    f: IdentifyFormUi,
    events: IncidentEvents,
) {
    SectionCard("Patient identified", MaterialTheme.colorScheme.surfaceVariant, MaterialTheme.colorScheme.onSurfaceVariant) {
        Text(
            "Links this record to the receiving hospital's identifier or the NHS number. The record keeps what was known then.",
            style = MaterialTheme.typography.bodyMedium,
        )
        Field("Receiving hospital or service", f.hospital, events.onIdentifyHospital, error = f.hospitalError, singleLine = true)
        Field(
            "Hospital identifier (optional)",
            f.hospitalIdentifier,
            events.onIdentifyIdentifier,
            error = f.identifierError,
            singleLine = true,
        )
        Field(
            "NHS number (optional)",
            f.nhsNumber,
            events.onIdentifyNhsNumber,
            error = f.nhsNumberError,
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
            hint = "10 digits, checked by the core",
        )
        f.error?.let { ErrorLine(it) }
        Row(
            Modifier.fillMaxWidth(),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.End),
        ) {
            TextButton(onClick = events.onIdentifyCancel, modifier = Modifier.heightIn(min = 48.dp)) { Text("Cancel") }
            Button(onClick = events.onIdentifySave, modifier = Modifier.heightIn(min = 48.dp)) { Text("Add identification") }
        }
    }
}
