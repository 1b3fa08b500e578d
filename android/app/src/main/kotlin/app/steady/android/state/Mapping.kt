// From the core's records to the screens' state: section order and headings of the support
// sheet, words for bands and errors. One place, so every screen says the same thing.
package app.steady.android.state

import app.steady.core.SteadyException
import app.steady.core.interventionLabel
import app.steady.core.model.BandLevel
import app.steady.core.model.PersonSummary
import app.steady.core.model.SheetList
import app.steady.core.model.SheetText
import app.steady.core.model.SupportSheet

/** A sentence for the user about a failed call. Never includes the data being saved. */
fun errorText(error: Throwable): String =
    when (error) {
        is SteadyException.Validation -> error.rule.replaceFirstChar { it.uppercase() }
        is SteadyException.Locked -> "This incident is submitted and locked. Add an addendum instead."
        is SteadyException.NotFound -> "This ${error.what} is no longer on this device."
        is SteadyException.NotAllowed -> "Not allowed: ${error.reason}."
        is SteadyException.NotEnrolled -> "This device is not enrolled. Ask your lead for a code."
        is SteadyException.Revoked -> "This device was removed by your organisation. Its data has been deleted."
        is SteadyException.Network -> "No connection to the sync server. Nothing is lost; it will try again."
        is SteadyException.WrongKey -> "The store cannot be opened with this device's key."
        is SteadyException.KeyUnavailable -> "Unlock the device to open Steady's data."
        is SteadyException.Storage -> "The device's store failed: ${error.detail}"
        is SteadyException.Internal -> "Something went wrong inside Steady. Please report it."
        else -> "Something went wrong. Please try again."
    }

/** Words for a score band. */
fun bandLabel(level: BandLevel): String =
    when (level) {
        BandLevel.LOW -> "Low"
        BandLevel.MODERATE -> "Moderate"
        BandLevel.HIGH -> "High"
    }

/** The heading of a sheet text field, in the person's own voice as one-page profiles write them. */
fun sheetTextLabel(field: SheetText): String =
    when (field) {
        SheetText.LIKED_AND_ADMIRED -> "What people like and admire about me"
        SheetText.IMPORTANT_TO_ME -> "What's important to me"
        SheetText.HOW_TO_SUPPORT_ME -> "How best to support me"
        SheetText.HOW_I_COMMUNICATE -> "How I communicate"
        SheetText.HOW_TO_COMMUNICATE_WITH_ME -> "How to communicate with me"
        SheetText.WHEN_SETTLED -> "What I'm like when I'm settled"
        SheetText.ROUTINES -> "My routines"
        SheetText.SENSORY_NEEDS -> "My sensory needs"
        SheetText.LIKES_AND_DISLIKES -> "Likes and dislikes that keep me well"
        SheetText.WHAT_STAFF_SHOULD_DO -> "What staff should do"
        SheetText.WHO_TO_CALL -> "Who to call"
        SheetText.SUPPORT_AFTERWARDS -> "How to support me afterwards"
        SheetText.HOW_I_DEBRIEF -> "How I like to be debriefed"
    }

/** The heading of a sheet list. */
fun sheetListLabel(list: SheetList): String =
    when (list) {
        SheetList.TRIGGERS -> "Triggers"
        SheetList.WARNING_SIGNS -> "Early warning signs"
        SheetList.WHAT_HELPS -> "What helps"
        SheetList.WHAT_TO_AVOID -> "What to avoid"
        SheetList.CONTRAINDICATIONS -> "Contraindications"
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

/** The whole sheet by section, in the traffic-light order care plans use. */
fun sheetSections(
    sheet: SupportSheet,
    labels: TimeLabels,
): List<SheetSectionUi> {
    val texts = sheet.texts.associate { it.field to it.text }

    fun text(field: SheetText) = SheetTextUi(field, sheetTextLabel(field), texts[field].orEmpty())

    fun list(
        list: SheetList,
        items: List<app.steady.core.model.ListItem>,
    ) = SheetListUi(list, sheetListLabel(list), items.map { ItemUi(it.id, it.text) })
    val review = sheet.review
    val reviewTexts =
        listOfNotNull(
            review.lastReviewedAt?.let { at ->
                "Last reviewed ${labels.dayTime(at)}" + (review.lastReviewedBy?.let { " by $it" } ?: "")
            } ?: "Not reviewed yet",
            review.due?.let { (if (review.overdue) "Review overdue since " else "Next review due ") + labels.dayTime(it) },
        )
    return listOf(
        SheetSectionUi(
            SectionTone.ABOUT,
            "About me",
            texts =
                listOf(
                    text(SheetText.LIKED_AND_ADMIRED),
                    text(SheetText.IMPORTANT_TO_ME),
                    text(SheetText.HOW_TO_SUPPORT_ME),
                ),
        ),
        SheetSectionUi(
            SectionTone.COMMUNICATION,
            "Communication",
            texts = listOf(text(SheetText.HOW_I_COMMUNICATE), text(SheetText.HOW_TO_COMMUNICATE_WITH_ME)),
        ),
        SheetSectionUi(
            SectionTone.GREEN,
            "Green: calm",
            texts =
                listOf(
                    text(SheetText.WHEN_SETTLED),
                    text(SheetText.ROUTINES),
                    text(SheetText.SENSORY_NEEDS),
                    text(SheetText.LIKES_AND_DISLIKES),
                ),
        ),
        SheetSectionUi(SectionTone.TRIGGERS, "Triggers", lists = listOf(list(SheetList.TRIGGERS, sheet.triggers))),
        SheetSectionUi(
            SectionTone.AMBER,
            "Amber: rising distress",
            lists =
                listOf(
                    list(SheetList.WARNING_SIGNS, sheet.warningSigns),
                    list(SheetList.WHAT_HELPS, sheet.whatHelps),
                    list(SheetList.WHAT_TO_AVOID, sheet.whatToAvoid),
                ),
        ),
        SheetSectionUi(
            SectionTone.RED,
            "Red: crisis",
            texts = listOf(text(SheetText.WHAT_STAFF_SHOULD_DO), text(SheetText.WHO_TO_CALL)),
            lists =
                listOf(
                    SheetListUi(
                        null,
                        "Restrictive interventions in the care plan",
                        sheet.authorisedInterventions.map { a ->
                            ItemUi(a.id, interventionLabel(a.intervention) + if (a.note.isNotBlank()) ": ${a.note}" else "")
                        },
                    ),
                    list(SheetList.CONTRAINDICATIONS, sheet.contraindications),
                ),
        ),
        SheetSectionUi(
            SectionTone.BLUE,
            "Blue: recovery",
            texts = listOf(text(SheetText.SUPPORT_AFTERWARDS), text(SheetText.HOW_I_DEBRIEF)),
        ),
        SheetSectionUi(
            SectionTone.REVIEW,
            "Review",
            texts = reviewTexts.mapIndexed { i, line -> SheetTextUi(null, if (i == 0) "Reviewed" else "Due", line) },
        ),
    )
}
