// Issue 15 items 4 and 5 on Android, against the real library and a real steady-server: the
// person's NHS number typed in the details editor (a bad check digit refused under the field, a
// good one saved and shown in groups, emptied to clear it), and a debrief held the day after an
// incident was submitted recorded through the incident screen's form and read back from the
// stored record (and by a second phone). Both forms are rendered to PNG in tests/android/target/
// screens as the other renders are — light, dark, font 2.0 — and checked as AccessibilityTest
// checks every screen: everything tappable labelled and at least 48 dp.
package app.steady.android.tests

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.runDesktopComposeUiTest
import androidx.compose.ui.unit.Density
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.PersonViewModel
import app.steady.android.state.nhsGroups
import app.steady.android.ui.IncidentEvents
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.PersonEvents
import app.steady.android.ui.PersonScreen
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.model.IncidentDetails
import app.steady.core.model.IncidentStatus
import app.steady.core.model.NewPerson
import app.steady.core.model.QuickCapture
import app.steady.core.model.ReviewWith
import app.steady.core.model.Role
import org.jetbrains.skia.EncodedImageFormat
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import java.io.File

private const val HOUR = 60 * 60_000L

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NhsNumberAndReviewTest {
    private val devices = mutableListOf<Device>()

    @AfterAll
    fun closeDevices() = devices.forEach { it.close() }

    @Test
    fun `a bad NHS number is refused under its field and a good one saved, shown in groups, and cleared when emptied`() {
        useTestMain()
        val ward = DemoServer.newUnit("Rowan Ward", mentalHealthUnit = true)
        Device().join(ward, Role.EDITOR, "Ada Byrne", "Staff nurse").use { d ->
            val id = d.store.createPerson(ward, NewPerson("Jamie Hollis", null, "RW-12"))
            val vm = PersonViewModel(d.session, id, saveDelayMillis = 0)

            fun s() = vm.state.value
            assertEquals("", s().nhsNumber)
            vm.onToggleEditing()

            // The last digit wrong: the core's check-digit refusal, under the field; nothing stored.
            vm.onNhsNumberChange("943 476 5918")
            assertNotNull(s().nhsNumberError, "the core refuses a bad check digit")
            assertEquals("943 476 5918", s().nhsNumber, "the typed number stays on screen")
            assertNull(
                d.store
                    .supportSheet(id)
                    .person.nhsNumber,
            )
            vm.onToggleEditing()
            assertTrue(s().editing, "Done waits until the refused number is corrected")

            // Corrected: saved, the error gone; read mode shows it in groups.
            vm.onNhsNumberChange("9434765919")
            assertNull(s().nhsNumberError, s().nhsNumberError)
            assertEquals(
                "9434765919",
                d.store
                    .supportSheet(id)
                    .person.nhsNumber,
            )
            vm.onToggleEditing()
            assertEquals(false, s().editing)
            assertEquals("943 476 5919", s().nhsNumber)
            assertTrue(s().detail.orEmpty().contains("NHS number 943 476 5919"), s().detail)
            assertEquals("943 476 5919", nhsGroups("943-476-5919"))

            // The local identifier stays beside it.
            assertEquals(
                "RW-12",
                d.store
                    .supportSheet(id)
                    .person.localIdentifier,
            )

            // The same number in other spacing is no change; emptied, it is cleared.
            vm.onToggleEditing()
            vm.onNhsNumberChange("943-476-5919")
            assertNull(s().nhsNumberError)
            assertEquals(
                "9434765919",
                d.store
                    .supportSheet(id)
                    .person.nhsNumber,
            )
            vm.onNhsNumberChange("")
            assertNull(s().nhsNumberError)
            assertNull(
                d.store
                    .supportSheet(id)
                    .person.nhsNumber,
                "emptied, it is cleared",
            )
        }
    }

    @Test
    fun `a debrief held the day after submission is recorded through the form and read back from the record`() {
        useTestMain()
        val ward = DemoServer.newUnit("Hazel Ward")
        Device().join(ward, Role.EDITOR, "Tom Reid", "Healthcare assistant").use { d ->
            val person = d.store.createPerson(ward, NewPerson("Kai Thornbury", "Kai", null, nhsNumber = "999 000 0018"))
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Shouted at a peer at lunch", personId = person))
            // It happened yesterday lunchtime and is written up and submitted now. (The core's
            // clock is the real one, so a debrief cannot be dated after a submission a day
            // later; it is the day after the incident, recorded after the submission.)
            val occurredAt = d.clock.nowMillis() - 22 * HOUR
            d.store.updateIncident(id, IncidentDetails(occurredAt = occurredAt))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)

            fun s() = vm.state.value
            vm.onOutcomeChange("Settled after a walk")
            // A draft has its own debrief answers: the form is for after submission only.
            vm.onReviewOpen()
            assertNull(s().review)
            vm.onSubmitRequest()
            vm.onSubmit()
            assertTrue(s().submitted, s().message)

            // A debrief with staff this morning.
            vm.onReviewOpen()
            assertNotNull(s().review)
            assertEquals(d.clock.nowMillis(), s().review!!.heldAt, "held now, to start with")
            vm.onReviewWith(ReviewWith.STAFF)

            // Not held needs why: refused before anything is recorded.
            vm.onReviewHeld(false)
            vm.onReviewSave()
            assertNotNull(s().review!!.whyNotError)
            assertEquals(
                0,
                d.store
                    .incident(id)
                    .addenda.size,
            )

            // Held: never later than now.
            vm.onReviewHeld(true)
            vm.onReviewTimeStep(HOUR)
            assertNotNull(s().review!!.heldAtError, "never in the future")
            assertEquals(d.clock.nowMillis(), s().review!!.heldAt)
            vm.onReviewTimeStep(-2 * HOUR)
            assertNull(s().review!!.heldAtError)
            val heldAt = d.clock.nowMillis() - 2 * HOUR
            vm.onReviewWho("Tom Reid, Priya Shah (ward manager)")
            vm.onReviewWellbeing(true)
            vm.onReviewNote("Agreed to offer Kai his headphones earlier at lunch")
            vm.onReviewSave()
            assertNull(s().review, s().review?.toString())

            // Stored as its own entry, with the addenda.
            val review =
                d.store
                    .incident(id)
                    .addenda
                    .single()
                    .review
            assertNotNull(review)
            assertEquals(ReviewWith.STAFF, review!!.with)
            assertEquals(true, review.held)
            assertEquals(heldAt, review.heldAt)
            assertTrue(review.heldAt!! > occurredAt + 18 * HOUR, "held the day after the incident")
            assertTrue(
                d.store
                    .incident(id)
                    .addenda
                    .single()
                    .at >= review.heldAt!!,
                "recorded after it was held",
            )
            assertEquals(true, review.wellbeingOffered)
            assertEquals("Agreed to offer Kai his headphones earlier at lunch", review.note)
            val shown = s().addenda.single()
            assertTrue(shown.reason.contains("staff"), shown.reason)
            assertNotNull(shown.heldLabel)

            // A second phone on the ward pulls it from the server, submitted, with the review.
            d.store.sync(null)
            Device().join(ward, Role.READER, "Chris Lee", "Bank healthcare assistant").use { other ->
                val pulled = other.store.incident(id)
                assertEquals(IncidentStatus.SUBMITTED, pulled.status)
                assertEquals(
                    true,
                    pulled.addenda
                        .single()
                        .review
                        ?.held,
                )
            }
        }
    }

    /** The two forms, each from a ViewModel over real data. */
    private val screens: List<Pair<String, @Composable () -> Unit>> by lazy {
        useTestMain()
        val ward = DemoServer.newUnit("Willow Ward", mentalHealthUnit = true)
        val lead = Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").also { devices += it }
        val person = lead.store.createPerson(ward, NewPerson("Jamie Hollis", "Jamie", "WW-07"))
        val nhs =
            PersonViewModel(lead.session, person, saveDelayMillis = 0).apply {
                onToggleEditing()
                onNhsNumberChange("943 476 5918")
            }
        val id = lead.store.captureIncident(QuickCapture(unitId = ward, note = "Threw a chair in the lounge", personId = person))
        lead.store.updateIncident(id, IncidentDetails(occurredAt = lead.clock.nowMillis() - 20 * HOUR))
        lead.store.submitIncident(id)
        val review =
            IncidentViewModel(lead.session, id, saveDelayMillis = 0, ticker = false).apply {
                onReviewOpen()
                onReviewWith(ReviewWith.STAFF)
                onReviewTimeStep(-HOUR)
                onReviewWho("Priya Shah, Tom Reid")
                onReviewNote("Agreed to move lunch to the quiet room for a week")
            }
        val declined =
            IncidentViewModel(lead.session, id, saveDelayMillis = 0, ticker = false).apply {
                onReviewOpen()
                onReviewHeld(false)
                onReviewSave()
            }
        listOf(
            "34-person-nhs-number-refused" to { PersonScreen(nhs.state.value, PersonEvents()) },
            "35-incident-debrief-after" to { IncidentScreen(review.state.value, IncidentEvents()) },
            "36-incident-debrief-not-held" to { IncidentScreen(declined.state.value, IncidentEvents()) },
        )
    }

    private val variants =
        listOf(
            Variant("light", dark = false, fontScale = 1f),
            Variant("dark", dark = true, fontScale = 1f),
            Variant("large-font", dark = false, fontScale = 2f, heightDp = 2400),
        )

    @TestFactory
    fun `the NHS number and debrief forms render in light, dark and at the largest font`(): List<DynamicTest> =
        screens.flatMap { (name, content) ->
            variants.map { v -> DynamicTest.dynamicTest("$name-${v.name}") { renderScreen("$name-${v.name}", v, content) } }
        }

    @TestFactory
    fun `everything tappable in the two forms is labelled and at least 48 dp`(): List<DynamicTest> =
        screens.map { (name, content) ->
            DynamicTest.dynamicTest("a11y-$name") { assertTappablesLabelled(name, content) }
        }
}
