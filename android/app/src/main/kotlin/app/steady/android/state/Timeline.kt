// The incident's timeline (one tap per moment: a HEMS crew at a roadside, a ward's teamwork), its
// job or CAD reference, a later identification of a person unknown at the time, and proposals
// for the person's plan: the plain state the incident screen draws for them, and the pure rules
// that turn the core's records into it. The buttons, their order and words are the core's
// (`timelineEventKinds`, `timelineEventLabel`); the list headings are the core's
// (`sheetListHeading`).
package app.steady.android.state

import app.steady.core.model.Incident
import app.steady.core.model.SheetList
import app.steady.core.model.TimelineEventKind
import app.steady.core.sheetListHeading
import app.steady.core.timelineEventKinds
import app.steady.core.timelineEventLabel

/** One one-tap button of the timeline, in the core's order and words. */
data class TimelineButtonUi(
    val kind: TimelineEventKind,
    val label: String,
    /** Support arrived, staff swapped: asks who, in a small sheet, before it is recorded. */
    val asksWho: Boolean,
    /** Other: asks for a note (the core refuses it without one). */
    val asksNote: Boolean,
)

/** The kinds that say who came or swapped in. */
val TIMELINE_WHO_KINDS: Set<TimelineEventKind> = setOf(TimelineEventKind.SUPPORT_ARRIVED, TimelineEventKind.STAFF_SWAPPED)

/** The timeline's buttons, from `timelineEventKinds()`, with the core's words. */
fun timelineButtons(): List<TimelineButtonUi> =
    timelineEventKinds().map {
        TimelineButtonUi(it, timelineEventLabel(it), asksWho = it in TIMELINE_WHO_KINDS, asksNote = it == TimelineEventKind.OTHER)
    }

/** One moment recorded: its time (UK), the core's words, who came, the note, who recorded it. */
data class TimelineEventUi(
    val id: String,
    val kind: TimelineEventKind,
    /** "14:02". */
    val atLabel: String,
    /** "Support arrived: Sam Okafor" (the core's words, then who or the note). */
    val text: String,
    /** "Jo Bell, Paramedic". */
    val by: String,
)

/** The moments of [i], in the order they happened (the core's order). */
fun timelineRows(
    i: Incident,
    labels: TimeLabels,
): List<TimelineEventUi> =
    i.timeline.map { e ->
        val extra = listOfNotNull(e.who?.takeIf { it.isNotBlank() }, e.note?.takeIf { it.isNotBlank() }).joinToString(" · ")
        TimelineEventUi(
            id = e.id,
            kind = e.kind,
            atLabel = labels.time(e.at),
            text = timelineEventLabel(e.kind) + if (extra.isEmpty()) "" else ": $extra",
            by = listOf(e.author, e.jobTitle).filter { it.isNotBlank() }.joinToString(", "),
        )
    }

/**
 * The small sheet a button opens before it records: who came or swapped in, or the note of
 * "Other". [error]: the core's rule (Field.TIMELINE) or this form's, under the field.
 */
data class TimelineAskUi(
    val kind: TimelineEventKind,
    /** "Support arrived: who came?". */
    val title: String,
    /** The field's label: "Who" or "What happened". */
    val fieldLabel: String,
    val text: String = "",
    val error: String? = null,
)

/** The lists a proposal may add to, in the sheet's order, with the core's headings. */
val PROPOSAL_LISTS: List<Pair<SheetList, String>> get() =
    listOf(SheetList.TRIGGERS, SheetList.WARNING_SIGNS, SheetList.WHAT_HELPS, SheetList.WHAT_TO_AVOID)
        .map { it to sheetListHeading(it) }

/**
 * "Propose for the plan": which list, the words. [error]: the core's rule (Field.PROPOSAL),
 * shown under the words; [done]: the confirmation, once proposed.
 */
data class ProposalFormUi(
    val list: SheetList? = null,
    val text: String = "",
    val listError: String? = null,
    val error: String? = null,
)

/** What the confirmation says once a proposal is recorded. */
const val PROPOSAL_SENT =
    "Proposed for the plan. An editor of the sheet will review it: accept it onto the sheet or decline it with a reason."

/**
 * "Patient identified" (after submission, a person unknown at the time): the receiving hospital,
 * its identifier, the NHS number. [error]: the core's rule (Field.IDENTIFICATION), by its field.
 */
data class IdentifyFormUi(
    val hospital: String = "",
    val hospitalIdentifier: String = "",
    val nhsNumber: String = "",
    val hospitalError: String? = null,
    val identifierError: String? = null,
    val nhsNumberError: String? = null,
    val error: String? = null,
)
