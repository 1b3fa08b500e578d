// The amber card in two taps for everyone (issue 14): the people list in the core's shift order
// with the pin and the reason shown, search hits that say which line matched, the person screen's
// sections in shift order, and — on a real phone's height (411 × 891 dp, font 1.0) — every demo
// person's full amber card on screen whole, with nothing drawn over it. Against the real library
// and a real steady-server with the demo organisation.
package app.steady.android.tests

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.runDesktopComposeUiTest
import app.steady.android.state.PeopleViewModel
import app.steady.android.state.PersonViewModel
import app.steady.android.state.SectionTone
import app.steady.android.state.shownSections
import app.steady.android.ui.AMBER_CARD_TAG
import app.steady.android.ui.PersonEvents
import app.steady.android.ui.PersonScreen
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.model.IncidentTag
import app.steady.core.model.QuickCapture
import app.steady.core.model.Role
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

class ShiftOrderTest {
    init {
        useTestMain()
    }

    @Test
    fun `people come in shift order, pinned first, with why`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val people = PeopleViewModel(d.session)
            val rows = people.state.value.people
            assertEquals(12, rows.size)
            // Every demo person has a safety alert: one group, by the name staff use (Peggy
            // under P, not under her recorded name, Margaret).
            assertEquals(rows.map { it.name }.sortedBy { it.lowercase() }, rows.map { it.name })
            assertTrue(rows.indexOfFirst { it.name == "Peggy" } > rows.indexOfFirst { it.name == "Mo" })

            // Pinned, the last person comes first; the row says so.
            val last = rows.last()
            people.onTogglePin(last.id)
            val pinned = people.state.value.people
            assertEquals(last.id, pinned.first().id)
            assertTrue(pinned.first().pinned)
            assertFalse(pinned.drop(1).any { it.pinned })

            // An incident about someone shows the core's words and the time on their row.
            d.store.captureIncident(
                QuickCapture(
                    unitId = OAKFIELD,
                    personId = rows[3].id,
                    note = "Shouted at a visitor",
                    tags = listOf(IncidentTag.VERBAL_AGGRESSION),
                    occurredAt = d.clock.nowMillis(),
                ),
            )
            d.session.changed()
            val row =
                people.state.value.people
                    .single { it.id == rows[3].id }
            assertNotNull(row.recentEvent)
            assertTrue(row.recentEvent!!.startsWith("Incident recorded · "), row.recentEvent)

            // Unpinned, the order is the core's again.
            people.onTogglePin(last.id)
            assertEquals(
                last.id,
                people.state.value.people
                    .last()
                    .id,
            )
        }
    }

    @Test
    fun `a search hit shows the line that matched`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val sam = d.store.supportSheet("$OAKFIELD-p01")
            val trigger = sam.triggers.first().text
            val people = PeopleViewModel(d.session)
            people.onQueryChange(trigger)
            val hit =
                people.state.value.people
                    .first { it.id == sam.person.id }
            assertEquals("Trigger: $trigger", hit.matchLine)
            // A name match is not repeated under the name it matched.
            people.onQueryChange("Sam")
            assertEquals(
                null,
                people.state.value.people
                    .first { it.id == sam.person.id }
                    .matchLine,
            )
        }
    }

    @Test
    fun `the person screen puts triggers and the red section right after the amber card`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val vm = PersonViewModel(d.session, "$OAKFIELD-p01", saveDelayMillis = 0)
            val shown = vm.state.value.shownSections()
            // Read mode: the amber section is the card above, not repeated below.
            assertEquals(
                listOf(
                    SectionTone.TRIGGERS,
                    SectionTone.RED,
                    SectionTone.ABOUT,
                    SectionTone.COMMUNICATION,
                    SectionTone.GREEN,
                    SectionTone.BLUE,
                    SectionTone.REVIEW,
                ),
                shown.map { it.tone },
            )
            // Editing: the amber section is back, where its lists are edited, after green.
            vm.onToggleEditing()
            val editing = vm.state.value.shownSections()
            assertEquals(listOf(SectionTone.TRIGGERS, SectionTone.RED), editing.take(2).map { it.tone })
            assertTrue(editing.any { it.tone == SectionTone.AMBER })
            // Nothing of the core's sheet is lost or repeated.
            assertEquals(
                vm.state.value.sections
                    .map { it.title }
                    .toSet(),
                editing.map { it.title }.toSet(),
            )
            assertEquals(vm.state.value.sections.size, editing.size)
        }
    }

    /**
     * The proof of "two taps": on a phone (411 × 891 dp, font 1.0) every demo person's amber card
     * — their full sheet's safety alerts, warning signs, what helps and what to avoid — is on
     * screen whole at the first frame, and no button is drawn over it. The margins are written to
     * target/screens/amber-fold.txt.
     */
    @OptIn(ExperimentalTestApi::class)
    @Test
    fun `a full amber card is whole above the fold of a phone at font 1`() {
        val phoneHeightDp = PHONE_HEIGHT_DP
        Device().join(OAKFIELD, Role.EDITOR).use { editor ->
            Device().join(WILLOW, Role.READER).use { reader ->
                val people =
                    editor.store.people(OAKFIELD).map { editor to it.id } +
                        reader.store.people(WILLOW).map { reader to it.id }
                val margins =
                    people.map { (device, id) ->
                        val vm = PersonViewModel(device.session, id)
                        val amber = vm.state.value.amber
                        assertTrue(
                            amber.safetyAlerts.isNotEmpty() && amber.warningSigns.isNotEmpty() &&
                                amber.whatHelps.isNotEmpty() && amber.whatToAvoid.isNotEmpty(),
                            "$id has a full amber card",
                        )
                        var margin = 0f
                        runDesktopComposeUiTest(width = 411, height = phoneHeightDp) {
                            setContent { SteadyTheme(dark = false) { PersonScreen(vm.state.value, PersonEvents()) } }
                            val card = onNode(hasTestTag(AMBER_CARD_TAG)).fetchSemanticsNode()
                            val scale = density.density
                            val shown = card.boundsInRoot
                            val whole = card.size
                            // Clipped bounds equal to the card's own size: nothing of it is cut.
                            assertEquals(whole.height.toFloat(), shown.height, 0.5f, "$id: the card is cut at the fold")
                            margin = phoneHeightDp - shown.bottom / scale
                            assertTrue(margin >= 0f, "$id: the card ends ${-margin} dp below the fold")
                            // Nothing tappable is drawn over it (no floating capture button).
                            val over =
                                onAllNodes(
                                    androidx.compose.ui.test
                                        .hasClickAction(),
                                ).fetchSemanticsNodes()
                                    .filter { it.boundsInRoot.overlaps(shown) }
                                    .map { it.config.getOrNull(SemanticsProperties.ContentDescription) ?: it.config }
                            assertTrue(over.isEmpty(), "$id: drawn over the amber card: $over")
                        }
                        "$id\t${"%.1f".format(margin)} dp" to margin
                    }
                File(System.getProperty("steady.screens.dir") ?: "target/screens")
                    .apply { mkdirs() }
                    .resolve("amber-fold.txt")
                    .writeText(
                        "Amber card bottom above the fold at 411 x $phoneHeightDp dp, font 1.0 (person, margin)\n" +
                            margins.joinToString("\n") { it.first } + "\nsmallest: ${"%.1f".format(margins.minOf { it.second })} dp\n",
                    )
            }
        }
    }
}
