// The incident timeline, the job reference, proposals for the plan and their review queue, the
// "helped" toggles and a later identification, through the ViewModels against the real library
// and a real steady-server: taps recorded in order with who recorded them, a mistaken one undone;
// "Other" without a note refused by its field (Field.TIMELINE); a reader's proposed warning sign
// accepted on an editor's phone and shown on a third phone's amber card with its source line; a
// decline keeping its reason; "helped" counted beside "what helps"; a bad NHS number refused under
// its field on "Patient identified". The timeline section and the review queue are rendered to
// target/screens (40-41) in light, dark and at font 2.0, and checked for labels and 48 dp targets.
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
import app.steady.android.state.PROPOSAL_SENT
import app.steady.android.state.PersonViewModel
import app.steady.android.state.ReviewQueueViewModel
import app.steady.android.ui.IncidentEvents
import app.steady.android.ui.ReviewQueueEvents
import app.steady.android.ui.ReviewQueueScreen
import app.steady.android.ui.SteadyScaffold
import app.steady.android.ui.theme.SteadyTheme
import app.steady.android.ui.timelineSection
import app.steady.core.model.IncidentStatus
import app.steady.core.model.NewPerson
import app.steady.core.model.QuickCapture
import app.steady.core.model.Role
import app.steady.core.model.SheetList
import app.steady.core.model.TimelineEventKind
import app.steady.core.timelineEventKinds
import app.steady.core.timelineEventLabel
import org.jetbrains.skia.EncodedImageFormat
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import java.io.File

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TimelineAndProposalsTest {
    private val devices = mutableListOf<Device>()

    @AfterAll
    fun closeDevices() = devices.forEach { it.close() }

    @BeforeEach
    fun main() = useTestMain()

    @Test
    fun `timeline taps are recorded in order with who recorded them, and a mistaken one is undone`() {
        val unit = DemoServer.newUnit("Air Ambulance North")
        Device().join(unit, Role.EDITOR, "Alex Grey", "Critical care paramedic").use { d ->
            val id =
                d.store.captureIncident(
                    QuickCapture(unitId = unit, note = "Roadside call", unidentifiedPerson = "Man, about 30, roadside"),
                )
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)

            fun s() = vm.state.value

            // The buttons are the core's, in its order and words.
            assertEquals(timelineEventKinds(), s().timelineButtons.map { it.kind })
            assertEquals(timelineEventKinds().map { timelineEventLabel(it) }, s().timelineButtons.map { it.label })

            vm.onTimelineTap(TimelineEventKind.ARRIVED)
            vm.onTimelineTap(TimelineEventKind.AGITATED)
            vm.onTimelineTap(TimelineEventKind.SEDATION) // a mistaken tap
            // Support arrived asks who first: nothing recorded until Record.
            vm.onTimelineTap(TimelineEventKind.SUPPORT_ARRIVED)
            assertNotNull(s().timelineAsk)
            assertEquals(
                3,
                d.store
                    .incident(id)
                    .timeline.size,
            )
            vm.onTimelineAskText("Sam Okafor, doctor")
            vm.onTimelineAskSave()
            assertNull(s().timelineAsk)

            val recorded = d.store.incident(id).timeline
            assertEquals(
                listOf(
                    TimelineEventKind.ARRIVED,
                    TimelineEventKind.AGITATED,
                    TimelineEventKind.SEDATION,
                    TimelineEventKind.SUPPORT_ARRIVED,
                ),
                recorded.map { it.kind },
            )
            assertEquals("Sam Okafor, doctor", recorded.last().who)
            assertEquals("Alex Grey", recorded.first().author)
            assertEquals("Support arrived: Sam Okafor, doctor", s().timeline.last().text)
            assertEquals("Alex Grey, Critical care paramedic", s().timeline.first().by)
            assertTrue(
                s()
                    .timeline
                    .first()
                    .atLabel
                    .matches(Regex("\\d\\d:\\d\\d")),
                s().timeline.first().atLabel,
            )

            // Undo the mistaken tap: gone from the core's record, the rest in order.
            vm.onTimelineUndo(s().timeline[2].id)
            assertEquals(
                listOf(TimelineEventKind.ARRIVED, TimelineEventKind.AGITATED, TimelineEventKind.SUPPORT_ARRIVED),
                d.store
                    .incident(id)
                    .timeline
                    .map { it.kind },
            )
            assertEquals(3, s().timeline.size)
            assertTrue(s().timelineSaved!!.startsWith("Removed: Sedation given"), s().timelineSaved)

            // The job or CAD reference, saved through the core; one too long refused under its field.
            vm.onJobReferenceChange("CAD 240117-0042")
            assertEquals("CAD 240117-0042", d.store.incident(id).jobReference)
            vm.onJobReferenceChange("X".repeat(41))
            assertNotNull(s().jobReferenceError, "a reference over 40 characters is refused by its field")
            assertEquals("CAD 240117-0042", d.store.incident(id).jobReference)

            // Submitted: the timeline is shown, no buttons and no undo taps reach the core.
            vm.onJobReferenceChange("CAD 240117-0042")
            vm.onSubmit()
            assertEquals(IncidentStatus.SUBMITTED, d.store.incident(id).status)
            vm.onTimelineTap(TimelineEventKind.HANDOVER)
            vm.onTimelineUndo(s().timeline.first().id)
            assertEquals(
                3,
                d.store
                    .incident(id)
                    .timeline.size,
            )
        }
    }

    @Test
    fun `Other without a note is refused by its field, and recorded once a note is given`() {
        val unit = DemoServer.newUnit("Rowan Ward")
        Device().join(unit, Role.EDITOR).use { d ->
            val id = d.store.captureIncident(QuickCapture(unitId = unit, note = "Shouting in the lounge"))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            vm.onTimelineTap(TimelineEventKind.OTHER)
            assertNotNull(vm.state.value.timelineAsk)
            vm.onTimelineAskSave()
            val ask = vm.state.value.timelineAsk
            assertNotNull(ask, "the sheet stays open")
            assertNotNull(ask!!.error, "the core's rule under the note (Field.TIMELINE)")
            assertTrue(
                d.store
                    .incident(id)
                    .timeline
                    .isEmpty(),
            )
            vm.onTimelineAskText("Moved to the quiet room")
            vm.onTimelineAskSave()
            assertNull(vm.state.value.timelineAsk)
            val e =
                d.store
                    .incident(id)
                    .timeline
                    .single()
            assertEquals(TimelineEventKind.OTHER, e.kind)
            assertEquals("Moved to the quiet room", e.note)
        }
    }

    @Test
    fun `a reader proposes a warning sign, an editor accepts it on another phone, and a third phone's amber card shows its source`() {
        val unit = DemoServer.newUnit("Birch House")
        val editor = Device().join(unit, Role.EDITOR, "Priya Shah", "Deputy manager").also { devices += it }
        val sam = editor.store.createPerson(unit, NewPerson("Samuel Okafor", "Sam", "BH0001"))
        editor.store.sync(null)
        val reader = Device().join(unit, Role.READER, "Chris Lee", "Bank support worker").also { devices += it }
        val id = reader.store.captureIncident(QuickCapture(unitId = unit, note = "Upset after a phone call", personId = sam))
        val vm = IncidentViewModel(reader.session, id, saveDelayMillis = 0, ticker = false)
        assertTrue(vm.state.value.canPropose)

        // No list chosen: refused by the form; then a warning sign.
        vm.onProposalOpen()
        vm.onProposalText("Pacing by the front door")
        vm.onProposalSave()
        assertNotNull(
            vm.state.value.proposal!!
                .listError,
        )
        vm.onProposalList(SheetList.WARNING_SIGNS)
        vm.onProposalSave()
        assertNull(vm.state.value.proposal)
        assertEquals(PROPOSAL_SENT, vm.state.value.proposalSent)
        assertTrue(
            vm.state.value.proposalSent!!
                .contains("An editor"),
        )
        assertEquals(1, vm.state.value.proposed.size)
        reader.store.sync(null)

        // The reader sees the queue but not Accept / Decline; a forced accept is refused plainly.
        val readerQueue = ReviewQueueViewModel(reader.session, unit)
        assertFalse(readerQueue.state.value.canDecide)
        assertEquals(1, readerQueue.state.value.rows.size)
        readerQueue.onAccept(
            readerQueue.state.value.rows
                .single()
                .key,
        )
        assertTrue(
            readerQueue.state.value.message!!
                .contains("cannot"),
            readerQueue.state.value.message,
        )

        // The editor's phone: the queue, from the home screen (the unit) and the sheet (the person).
        editor.store.sync(null)
        val people =
            app.steady.android.state
                .PeopleViewModel(editor.session)
        assertEquals(1, people.state.value.proposalsByUnit[unit])
        val person = PersonViewModel(editor.session, sam, saveDelayMillis = 0)
        assertEquals(1, person.state.value.proposalsWaiting)
        val queue = ReviewQueueViewModel(editor.session, unit, sam)
        val row =
            queue.state.value.rows
                .single()
        assertTrue(queue.state.value.canDecide)
        assertEquals("Sam", row.personName)
        assertEquals("Pacing by the front door", row.text)
        assertEquals("Chris Lee, Bank support worker", row.proposedBy)
        assertEquals(id, row.incidentId)
        assertTrue(row.incidentLabel.startsWith("From the incident of "), row.incidentLabel)
        queue.onAccept(row.key)
        assertTrue(
            queue.state.value.rows
                .isEmpty(),
        )
        assertTrue(
            queue.state.value.message!!
                .startsWith("Accepted"),
            queue.state.value.message,
        )
        editor.store.sync(null)

        // A third phone: the amber card shows it, with the line back to its incident.
        Device().join(unit, Role.READER, "Dee Ward", "Night support worker").use { third ->
            val card = PersonViewModel(third.session, sam, saveDelayMillis = 0).state.value
            val sign = card.amber.warningSigns.single { it.text == "Pacing by the front door" }
            assertEquals(id, sign.sourceIncidentId)
            val occurred = third.session.labels.dayTime(third.store.incident(id).occurredAt)
            assertEquals("From the incident of $occurred", sign.sourceLine)
        }
    }

    @Test
    fun `a proposal declined with a reason leaves the plan as it was and keeps the reason`() {
        val unit = DemoServer.newUnit("Cedar House")
        Device().join(unit, Role.LEAD, "Priya Shah", "Manager").use { d ->
            val sam = d.store.createPerson(unit, NewPerson("Samuel Okafor", "Sam", "CH0001"))
            val id = d.store.captureIncident(QuickCapture(unitId = unit, note = "Loud music upset him", personId = sam))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            vm.onProposalOpen()
            vm.onProposalList(SheetList.TRIGGERS)
            vm.onProposalText("Loud music")
            vm.onProposalSave()
            val queue = ReviewQueueViewModel(d.session, unit)
            val key =
                queue.state.value.rows
                    .single()
                    .key
            queue.onDeclineOpen(key)
            queue.onDeclineConfirm()
            assertNotNull(
                queue.state.value.declining
                    ?.error,
                "an empty reason is refused under the reason (Field.PROPOSAL)",
            )
            queue.onDeclineReason("Already on the plan as noise")
            queue.onDeclineConfirm()
            assertNull(queue.state.value.declining)
            assertTrue(
                queue.state.value.rows
                    .isEmpty(),
            )
            assertEquals(
                "Already on the plan as noise",
                d.store
                    .declinedProposals(sam)
                    .single()
                    .reason,
            )
            assertTrue(
                d.store
                    .supportSheet(sam)
                    .triggers
                    .none { it.text == "Loud music" },
            )
        }
    }

    @Test
    fun `helped beside each strategy tried gives the sheet's tried and helped counts`() {
        val unit = DemoServer.newUnit("Elm House")
        Device().join(unit, Role.EDITOR, "Priya Shah", "Deputy manager").use { d ->
            val sam = d.store.createPerson(unit, NewPerson("Samuel Okafor", "Sam", "EH0001"))
            d.store.addSheetItem(sam, SheetList.WHAT_HELPS, "Quiet room with the lights low", null)
            d.store.addSheetItem(sam, SheetList.WHAT_HELPS, "Talking about football", null)
            repeat(3) { n ->
                val id = d.store.captureIncident(QuickCapture(unitId = unit, note = "Distressed $n", personId = sam))
                val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
                vm.onToggleOwnStrategy("Quiet room with the lights low")
                // "Helped" only beside a strategy ticked.
                vm.onToggleHelped(true, "Talking about football")
                if (n < 2) vm.onToggleHelped(true, "Quiet room with the lights low")
                val stored = d.store.incident(id).deescalation
                assertEquals(listOf("Quiet room with the lights low"), stored.ownStrategies)
                assertEquals(if (n < 2) listOf("Quiet room with the lights low") else emptyList<String>(), stored.helped)
            }
            val card = PersonViewModel(d.session, sam, saveDelayMillis = 0).state.value
            assertEquals(
                "tried 3 · helped 2",
                card.amber.whatHelps
                    .single { it.text.startsWith("Quiet") }
                    .outcome,
            )
            assertNull(
                card.amber.whatHelps
                    .single { it.text.startsWith("Talking") }
                    .outcome,
                "never tried: no counts",
            )
        }
    }

    @Test
    fun `patient identified after submission, a bad NHS number refused under its field`() {
        val unit = DemoServer.newUnit("Air Ambulance South")
        Device().join(unit, Role.EDITOR, "Alex Grey", "Critical care paramedic").use { d ->
            val id =
                d.store.captureIncident(
                    QuickCapture(unitId = unit, note = "Collapsed in the street", unidentifiedPerson = "Woman, about 50, collapsed"),
                )
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            vm.onIdentifyOpen()
            assertNull(vm.state.value.identify, "a draft is not identified: after submission only")
            vm.onSubmit()
            assertTrue(vm.state.value.submitted && vm.state.value.unidentified)
            vm.onIdentifyOpen()
            vm.onIdentifyHospital("Royal Infirmary ED")
            vm.onIdentifyIdentifier("RI-0042")
            vm.onIdentifyNhsNumber("943 476 5918")
            vm.onIdentifySave()
            val f = vm.state.value.identify!!
            assertNotNull(f.nhsNumberError, "the check digit's rule under the NHS number")
            assertNull(f.hospitalError)
            assertTrue(
                d.store
                    .incident(id)
                    .addenda
                    .none { it.identified != null },
            )
            vm.onIdentifyNhsNumber("943 476 5919")
            vm.onIdentifySave()
            assertNull(vm.state.value.identify)
            val added =
                d.store
                    .incident(id)
                    .addenda
                    .single { it.identified != null }
            assertEquals("9434765919", added.identified!!.nhsNumber)
            assertTrue(
                vm.state.value.identifications
                    .single()
                    .startsWith("Identified at Royal Infirmary ED"),
            )
        }
    }

    // Screens --------------------------------------------------------------------------------

    private val screens: List<Pair<String, @Composable () -> Unit>> by lazy {
        useTestMain()
        val unit = DemoServer.newUnit("Air Ambulance East")
        val editor = Device().join(unit, Role.EDITOR, "Alex Grey", "Critical care paramedic").also { devices += it }
        val sam = editor.store.createPerson(unit, NewPerson("Samuel Okafor", "Sam", "AE0001"))
        val id = editor.store.captureIncident(QuickCapture(unitId = unit, note = "Agitated at the roadside", personId = sam))
        val vm =
            IncidentViewModel(editor.session, id, saveDelayMillis = 0, ticker = false).apply {
                onTimelineTap(TimelineEventKind.ARRIVED)
                onTimelineTap(TimelineEventKind.AGITATED)
                onTimelineTap(TimelineEventKind.STAFF_SWAPPED)
                onTimelineAskText("Jo Bell, paramedic")
                onTimelineAskSave()
                onProposalOpen()
                onProposalList(SheetList.WHAT_HELPS)
                onProposalText("Letting him sit in the ambulance doorway")
                onProposalSave()
                onProposalOpen()
                onProposalList(SheetList.WARNING_SIGNS)
                onProposalText("Clenching his fists")
                onProposalSave()
            }
        val queue =
            ReviewQueueViewModel(editor.session, unit).apply {
                onDeclineOpen(
                    state.value.rows
                        .last()
                        .key,
                )
            }
        listOf(
            "40-timeline" to { SteadyScaffold("Complete incident") { timelineSection(vm.state.value, IncidentEvents()) } },
            "41-review-queue" to { ReviewQueueScreen(queue.state.value, ReviewQueueEvents()) },
        )
    }

    private val variants =
        listOf(
            Variant("light", dark = false, fontScale = 1f, heightDp = 2000),
            Variant("dark", dark = true, fontScale = 1f, heightDp = 2000),
            Variant("large-font", dark = false, fontScale = 2f, heightDp = 4000),
        )

    @TestFactory
    fun `the timeline and the review queue render in light, dark and at the largest font`(): List<DynamicTest> =
        screens.flatMap { (name, content) ->
            variants.map { v -> DynamicTest.dynamicTest("$name-${v.name}") { renderScreen("$name-${v.name}", v, content) } }
        }

    @TestFactory
    fun `everything tappable on them is labelled and at least 48 dp`(): List<DynamicTest> =
        screens.map { (name, content) ->
            DynamicTest.dynamicTest("a11y-$name") { assertTappablesLabelled(name, content) }
        }
}
