// From the core's records to the screens' state: the support sheet laid out as the core lays it
// out, words for bands and errors. One place, so every screen says the same thing.
package app.steady.android.state

import app.steady.core.SteadyException
import app.steady.core.authorisedInterventionsHeading
import app.steady.core.interventionLabel
import app.steady.core.model.BandLevel
import app.steady.core.model.PersonSummary
import app.steady.core.model.Refusal
import app.steady.core.model.SheetBand
import app.steady.core.model.SheetEntry
import app.steady.core.model.SheetList
import app.steady.core.model.SupportSheet
import app.steady.core.model.SyncProblem
import app.steady.core.s65ItemLetter
import app.steady.core.sheetLayout
import app.steady.core.sheetListHeading
import app.steady.core.sheetTextHeading

/** A sentence for the user about a failed call. Never includes the data being saved. */
fun errorText(error: Throwable): String =
    when (error) {
        is SteadyException.Validation -> {
            error.rule.replaceFirstChar { it.uppercase() }
        }

        is SteadyException.UseOfForceIncomplete -> {
            "Not submitted: ${error.missing.size} required s.6(5) item(s) missing: " +
                error.missing.joinToString(", ") { "(${s65ItemLetter(it)})" } + "."
        }

        is SteadyException.Contraindicated -> {
            "Their own safety alerts or contraindications rule out " +
                "${interventionLabel(error.intervention).lowercase()}. Record it only if you must, with the reason."
        }

        is SteadyException.Locked -> {
            "This incident is submitted and locked. Add an addendum instead."
        }

        is SteadyException.NotFound -> {
            "This ${error.what} is no longer on this device."
        }

        is SteadyException.NotAllowed -> {
            refusalText(error.refusal)
        }

        is SteadyException.NotEnrolled -> {
            "This device is not enrolled. Ask your lead for a code."
        }

        is SteadyException.Revoked -> {
            "This device was removed by your organisation. Its data has been deleted."
        }

        is SteadyException.Network -> {
            "No connection to the sync server. Nothing is lost; it will try again."
        }

        is SteadyException.Interrupted -> {
            "Sync paused. Nothing is lost; it carries on later."
        }

        is SteadyException.WrongKey -> {
            "The store cannot be opened with this device's key."
        }

        is SteadyException.KeyUnavailable -> {
            "Unlock the device to open Steady's data."
        }

        is SteadyException.KeyUnreadable -> {
            "This device's key for Steady is damaged, so its data here cannot be read."
        }

        is SteadyException.NeedsAppUpdate -> {
            "This phone's data was saved by a newer version of Steady. Update the app to open it; nothing has been deleted."
        }

        is SteadyException.Damaged -> {
            "Steady's data on this phone is damaged. Ask your lead before resetting: anything not yet synced would be lost."
        }

        is SteadyException.Storage -> {
            "The device's store failed: ${error.detail}"
        }

        is SteadyException.Internal -> {
            "Something went wrong inside Steady. Please report it."
        }

        else -> {
            "Something went wrong. Please try again."
        }
    }

/** Why the device's grant refused, in the user's words. */
fun refusalText(refusal: Refusal): String =
    when (refusal) {
        is Refusal.PlacementEnded -> {
            "Your placement in ${refusal.unitName} has ended. Its data leaves this phone once everything is synced."
        }

        is Refusal.NoAccess -> {
            "This phone has no access to that unit."
        }

        is Refusal.RoleTooLow -> {
            "Your role here (${refusal.role.name.lowercase()}) cannot ${refusal.action}."
        }

        is Refusal.NotTheAuthor -> {
            "Only the person who recorded it, or a lead, can ${refusal.action}."
        }

        is Refusal.Rule -> {
            "Not allowed: ${refusal.rule}."
        }
    }

/** The last sync problem, in the user's words (the core's detail stays for support). */
fun syncProblemText(problem: SyncProblem): String =
    when (problem) {
        SyncProblem.OFFLINE -> "No connection to the sync server. Nothing is lost; it will try again."
        SyncProblem.SERVER_REFUSED -> "The sync server refused the request. Nothing is lost; tell your lead if it goes on."
        SyncProblem.TOKEN_REFUSED -> "The sync server no longer accepts this phone. Enrol it again with a new code."
        SyncProblem.NOT_ENROLLED -> "This phone is not enrolled."
        SyncProblem.REVOKED -> "This phone was removed by your organisation."
        SyncProblem.DEVICE -> "Something on this phone failed during sync. Nothing is lost; it will try again."
    }

/**
 * The warning for the parts of a stored incident the core could not read on this device and left
 * out (`Incident.unreadable`: a field, or `list/item id`), or null when everything was read. The
 * rest of the record is still shown; the user is told, never left to think it is complete.
 */
fun unreadableWarning(unreadable: List<String>): String? =
    if (unreadable.isEmpty()) {
        null
    } else {
        "Part of this record could not be read on this device: " +
            unreadable.joinToString(", ") { it.replace('_', ' ') } +
            "; the rest is shown. Tell your lead."
    }

/** Words for a score band. */
fun bandLabel(level: BandLevel): String =
    when (level) {
        BandLevel.LOW -> "Low"
        BandLevel.MODERATE -> "Moderate"
        BandLevel.HIGH -> "High"
    }

/** A row of the people list. */
fun personRow(
    p: PersonSummary,
    unitName: String? = null,
): PersonRow {
    val preferred = p.preferredName?.takeIf { it.isNotBlank() }
    return PersonRow(
        id = p.id,
        name = preferred ?: p.displayName,
        detail = if (preferred != null && preferred != p.displayName) p.displayName else null,
        safetyAlerts = p.safetyAlerts,
        reviewOverdue = p.reviewOverdue,
        pendingChanges = p.pendingChanges.toInt(),
        unitName = unitName,
    )
}

/** The tone the screen colours a band of the core's sheet layout with. */
fun sectionTone(band: SheetBand): SectionTone =
    when (band) {
        SheetBand.ABOUT_ME -> SectionTone.ABOUT
        SheetBand.COMMUNICATION -> SectionTone.COMMUNICATION
        SheetBand.GREEN -> SectionTone.GREEN
        SheetBand.TRIGGERS -> SectionTone.TRIGGERS
        SheetBand.AMBER -> SectionTone.AMBER
        SheetBand.RED -> SectionTone.RED
        SheetBand.BLUE -> SectionTone.BLUE
    }

/** The items of one of the sheet's lists. */
fun SupportSheet.items(list: SheetList): List<app.steady.core.model.ListItem> =
    when (list) {
        SheetList.TRIGGERS -> triggers
        SheetList.WARNING_SIGNS -> warningSigns
        SheetList.WHAT_HELPS -> whatHelps
        SheetList.WHAT_TO_AVOID -> whatToAvoid
        SheetList.CONTRAINDICATIONS -> contraindications
    }

/**
 * The whole sheet by section: the sections, their titles, order and headings are the core's
 * (`sheetLayout`, `sheetTextHeading`, `sheetListHeading`), so the phone, the iPhone and the
 * console say the same words. The app adds only its own "Review" section at the end.
 */
fun sheetSections(
    sheet: SupportSheet,
    labels: TimeLabels,
    /** Each list item as shown (its source line, its outcome counts); plain by default. */
    item: (SheetList, app.steady.core.model.ListItem) -> ItemUi = { _, i -> ItemUi(i.id, i.text) },
): List<SheetSectionUi> {
    val texts = sheet.texts.associate { it.field to it.text }

    fun entry(e: SheetEntry): SheetEntryUi =
        when (e) {
            is SheetEntry.Text -> {
                SheetTextUi(e.field, sheetTextHeading(e.field), texts[e.field].orEmpty())
            }

            is SheetEntry.List -> {
                SheetListUi(e.list, sheetListHeading(e.list), sheet.items(e.list).map { item(e.list, it) })
            }

            SheetEntry.AuthorisedInterventions -> {
                SheetListUi(
                    null,
                    authorisedInterventionsHeading(),
                    sheet.authorisedInterventions.map { a ->
                        ItemUi(a.id, interventionLabel(a.intervention) + if (a.note.isNotBlank()) ": ${a.note}" else "")
                    },
                )
            }
        }
    val review = sheet.review
    val reviewTexts =
        listOfNotNull(
            review.lastReviewedAt?.let { at ->
                "Last reviewed ${labels.dayTime(at)}" + (review.lastReviewedBy?.let { " by $it" } ?: "")
            } ?: "Not reviewed yet",
            review.due?.let { (if (review.overdue) "Review overdue since " else "Next review due ") + labels.dayTime(it) },
        )
    return sheetLayout().map { section ->
        SheetSectionUi(sectionTone(section.band), section.title, section.entries.map(::entry))
    } +
        SheetSectionUi(
            SectionTone.REVIEW,
            "Review",
            reviewTexts.mapIndexed { i, line -> SheetTextUi(null, if (i == 0) "Reviewed" else "Due", line) },
        )
}

/**
 * A sheet item as the sheet and the amber card show it: accepted from an incident's proposal,
 * "From the incident of …" (that incident's time, when it is on this phone); a "what helps"
 * strategy, "tried N · helped M" from the core's `strategyOutcomes`.
 */
fun decoratedItem(
    i: app.steady.core.model.ListItem,
    labels: TimeLabels,
    incidentTimes: Map<String, Long>,
    outcomes: Map<String, app.steady.core.model.StrategyOutcome>,
): ItemUi =
    ItemUi(
        id = i.id,
        text = i.text,
        sourceLine =
            i.source?.let { src ->
                incidentTimes[src.incidentId]?.let { "From the incident of ${labels.dayTime(it)}" } ?: "From an incident"
            },
        sourceIncidentId = i.source?.incidentId,
        // Only once tried: an untried strategy's "tried 0 · helped 0" would only lengthen the card.
        outcome = outcomes[i.id]?.takeIf { it.tried > 0u }?.let { "tried ${it.tried} · helped ${it.helped}" },
    )
