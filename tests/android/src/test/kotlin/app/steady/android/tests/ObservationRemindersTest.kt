// The hourly reminder after rapid tranquillisation (NICE QS154 statement 4), through the incident
// ViewModel against the real library and a real steady-server, with a recording sink in place of
// AlarmManager (which cannot run on the JVM; run.sh type-checks ObservationAlarms.kt against
// android-all): scheduled at the core's `nextObservationDue` once an RT entry is saved,
// rescheduled after each observation (one taken earlier, one from another phone arriving by
// sync while the screen stays open), cancelled by "No further concerns"; the notification's words
// name the unit, never the person. Also the form's "taken at" (a past time accepted, a future
// one refused by the field, as the core would), the chips' words and the ranges from the core,
// and the one-person-monitors prompt in the pinned Stop bar.
package app.steady.android.tests

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.runDesktopComposeUiTest
import app.steady.android.state.BREATHING_CHOICES
import app.steady.android.state.COLOUR_CHOICES
import app.steady.android.state.CONSCIOUSNESS_CHOICES
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.OBSERVATION_PHASES
import app.steady.android.state.ObsField
import app.steady.android.state.ObservationReminder
import app.steady.android.state.ObservationReminderSink
import app.steady.android.state.ObservationReminderWatcher
import app.steady.android.state.ObservationReminders
import app.steady.android.state.POSITION_CHOICES
import app.steady.android.state.vitalRangeText
import app.steady.android.ui.BAR_MONITOR_TAG
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.MONITOR_PROMPT
import app.steady.android.ui.NEXT_CHECK_TAG
import app.steady.android.ui.RUNNING_BAR_TAG
import app.steady.android.ui.incidentEvents
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.bodyPositionLabel
import app.steady.core.breathingLabel
import app.steady.core.consciousnessLabel
import app.steady.core.model.BodyPosition
import app.steady.core.model.Breathing
import app.steady.core.model.Consciousness
import app.steady.core.model.ObservationPhase
import app.steady.core.model.PhysicalObservation
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import app.steady.core.model.SkinColour
import app.steady.core.model.UseOfForce
import app.steady.core.nextObservationDue
import app.steady.core.observationPhaseLabel
import app.steady.core.skinColourLabel
import app.steady.core.vitalSignRanges
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.io.File

private val RT = RestrictiveInterventionType.CHEMICAL_INJECTION_RAPID_TRANQUILLISATION
private const val MINUTE = 60_000L

/** Records what the reminders asked the platform to do, in order. */
class RecordingReminders : ObservationReminderSink {
    val scheduled = mutableListOf<ObservationReminder>()
    val cancelled = mutableListOf<String>()

    override fun schedule(reminder: ObservationReminder) {
        scheduled += reminder
    }

    override fun cancel(incidentId: String) {
        cancelled += incidentId
    }
}

class ObservationRemindersTest {
    @BeforeEach
    fun main() = useTestMain()

    @Test
    fun `an RT entry schedules the reminder at the core's time, each observation moves it, and no further concerns cancels it`() {
        val ward = DemoServer.newUnit("Hazel Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").use { d ->
            val sam = samWithNoProneAlert(d.store, ward)
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Assaulted a peer", personId = sam))
            val sink = RecordingReminders()
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false, reminders = ObservationReminders(sink))

            fun s() = vm.state.value

            fun due() = nextObservationDue(d.store.incident(id))
            assertTrue(sink.scheduled.isEmpty(), "nothing before rapid tranquillisation")
            assertNull(s().nextObservationDue)

            // The injection, written up 50 minutes after it was given: the core's time is 10 minutes away.
            val t0 = d.clock.nowMillis()
            d.store.addUseOfForce(
                id,
                UseOfForce(
                    intervention = RT,
                    reason = RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS,
                    startedAt = t0 - 50 * MINUTE,
                    endedAt = t0 - 50 * MINUTE,
                    howForceWasUsed = "Injection, as prescribed",
                    staff = listOf(d.store.staffMember()),
                ),
            )
            // The screen reloaded by itself (the store's change) and the reminder is set.
            val first = sink.scheduled.single()
            assertEquals(due(), first.atMillis, "at the core's time")
            assertEquals(t0 + 10 * MINUTE, first.atMillis)
            assertEquals(id, first.incidentId)
            assertEquals("Physical observations due", first.title)
            assertTrue(first.body.contains("Hazel Ward"), first.body)
            assertFalse(
                first.body.contains("Sam") || first.body.contains("Okafor") || first.title.contains("Sam"),
                "no name on the lock screen",
            )
            assertEquals("Next check due ${d.session.labels.time(first.atMillis)}", s().nextObservationDue)
            assertFalse(s().observationOverdue)

            // An observation taken 15 minutes ago, recorded now: accepted, and the next is due an hour after it.
            vm.onObservationPhase(ObservationPhase.AFTER_RAPID_TRANQUILLISATION)
            vm.onObservationConsciousness(Consciousness.VOICE)
            vm.onObservationField(ObsField.PULSE, "72")
            vm.onObservationTakenStep(-15)
            assertEquals("Taken at ${d.session.labels.time(t0 - 15 * MINUTE)} (15 min ago)", s().observationForm.takenAtLabel)
            assertNull(s().observationForm.takenAtError)
            vm.onObservationSave()
            val taken =
                d.store
                    .incident(id)
                    .addenda
                    .single()
                    .observation!!
            assertEquals(t0 - 15 * MINUTE, taken.observedAt, "the time set, not the tap's")
            assertEquals(t0 + 45 * MINUTE, sink.scheduled.last().atMillis)
            assertEquals(due(), sink.scheduled.last().atMillis)
            assertNull(s().observationForm.takenAt, "the next one is timed now again")

            // A time still to come is refused by the field, and nothing is recorded.
            vm.onObservationField(ObsField.PULSE, "70")
            vm.onObservationTakenStep(5)
            assertNotNull(s().observationForm.takenAtError)
            assertTrue(s().observationForm.takenAtError!!.startsWith("Never later than now"), s().observationForm.takenAtError)
            vm.onObservationSave()
            assertEquals(
                1,
                d.store
                    .incident(id)
                    .addenda.size,
                "a future time is not saved",
            )
            assertNotNull(s().observationForm.takenAtError, "the rule stays by the field")
            vm.onObservationTakenNow()
            assertNull(s().observationForm.takenAtError)

            // Another phone records the next check: it arrives by sync and the open screen shows it,
            // with the reminder moved to an hour after it, without leaving the screen.
            d.store.sync(null)
            Device().join(ward, Role.READER, "Chris Lee", "Bank healthcare assistant").use { other ->
                other.store.sync(null)
                other.store.addPhysicalObservation(
                    id,
                    PhysicalObservation(phase = ObservationPhase.AFTER_RAPID_TRANQUILLISATION, pulse = 68u),
                )
                other.store.sync(null)
            }
            val before = sink.scheduled.size
            d.store.sync(null)
            assertEquals(2, s().observations.size, "the other phone's observation is on the open screen")
            assertEquals("Chris Lee, Bank healthcare assistant", s().observations.first().by)
            assertEquals(before + 1, sink.scheduled.size, "rescheduled after the synced observation")
            assertEquals(due(), sink.scheduled.last().atMillis)

            // No further concerns: the checks end, and the reminder is cancelled.
            vm.onObservationNoFurtherConcerns()
            vm.onObservationConsciousness(Consciousness.ALERT)
            vm.onObservationSave()
            assertEquals(
                true,
                d.store
                    .incident(id)
                    .addenda
                    .mapNotNull { it.observation }
                    .maxByOrNull { it.observedAt!! }!!
                    .noFurtherConcerns,
            )
            assertNull(due())
            assertEquals(listOf(id), sink.cancelled)
            assertNull(s().nextObservationDue)
            assertTrue(
                s()
                    .observations
                    .first()
                    .text
                    .contains("No further concerns"),
                s().observations.first().text,
            )
        }
    }

    @Test
    fun `an RT entry started on the screen schedules the reminder an hour on, and a watcher sets it again after a restart`() {
        val ward = DemoServer.newUnit("Cedar Ward", mentalHealthUnit = true)
        Device().join(ward, Role.EDITOR).use { d ->
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Rapid tranquillisation"))
            val sink = RecordingReminders()
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false, reminders = ObservationReminders(sink))
            vm.onStartForce(RT, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
            val given =
                d.store
                    .incident(id)
                    .useOfForce
                    .single()
                    .startedAt!!
            assertEquals(given + 60 * MINUTE, sink.scheduled.single().atMillis)
            assertFalse(vm.state.value.monitoring, "an injection is not a physical hold")

            // A new process (after a reboot): nothing remembered, the platform's pending id read back.
            val again = RecordingReminders()
            ObservationReminderWatcher(d.session, ObservationReminders(again)) { setOf(id) }.reschedule()
            assertEquals(sink.scheduled.single(), again.scheduled.single())

            // Sign-out: every reminder cancelled.
            val reminders = ObservationReminders(again)
            ObservationReminderWatcher(d.session, reminders).check(setOf(id))
            reminders.cancelAll()
            assertTrue(id in again.cancelled)
        }
    }

    @Test
    fun `the chips' words and the vital sign ranges are the core's`() {
        assertEquals(ObservationPhase.entries.map { observationPhaseLabel(it) }, OBSERVATION_PHASES.map { it.second })
        assertEquals(Breathing.entries.map { breathingLabel(it) }, BREATHING_CHOICES.map { it.second })
        assertEquals(SkinColour.entries.map { skinColourLabel(it) }, COLOUR_CHOICES.map { it.second })
        assertEquals(Consciousness.entries.map { consciousnessLabel(it) }, CONSCIOUSNESS_CHOICES.map { it.second })
        assertEquals(BodyPosition.entries.map { bodyPositionLabel(it) }, POSITION_CHOICES.map { it.second })
        assertEquals("V: responds to voice", consciousnessLabel(Consciousness.VOICE), "with the ACVPU letter")
        val spo2 = vitalSignRanges().single { it.name == "oxygen_saturation" }
        assertEquals("${spo2.least} to ${spo2.most}", vitalRangeText(ObsField.OXYGEN_SATURATION))
        val temp = vitalSignRanges().single { it.name == "temperature_tenths_c" }
        assertEquals(
            "${temp.least / 10u}.${temp.least % 10u} to ${temp.most / 10u}.${temp.most % 10u}",
            vitalRangeText(ObsField.TEMPERATURE),
        )
        assertNull(vitalRangeText(ObsField.NOTE))
        // No copy of the words in the app: the old duplicates are gone from the source.
        val source = File("../../android/app/src/main/kotlin/app/steady/android/state/Observations.kt").readText()
        for (words in listOf("\"Laboured\"", "\"Usual colour\"", "\"A: alert\"", "\"Face down\"", "\"After rapid tranquillisation\"")) {
            assertFalse(source.contains(words), "Observations.kt restates $words")
        }
    }

    @OptIn(ExperimentalTestApi::class)
    @Test
    fun `the next check shows in the observations section, and the monitoring prompt is in the pinned Stop bar`() {
        val ward = DemoServer.newUnit("Aspen Ward", mentalHealthUnit = true)
        Device().join(ward, Role.EDITOR).use { d ->
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Held, then injected"))
            val vm =
                IncidentViewModel(
                    d.session,
                    id,
                    saveDelayMillis = 0,
                    ticker = false,
                    reminders = ObservationReminders(RecordingReminders()),
                )
            vm.onStartForce(RestrictiveInterventionType.PHYSICAL_STANDING, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
            vm.onStartForce(RT, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
            val state = vm.state.value
            assertNotNull(state.nextObservationDue)
            runDesktopComposeUiTest(width = 411, height = 891) {
                setContent { SteadyTheme(dark = false) { IncidentScreen(state, incidentEvents(vm, onBack = {})) } }
                // The prompt inside the bar that holds Stop, on screen whatever is scrolled.
                onNode(hasText(MONITOR_PROMPT) and hasTestTag(BAR_MONITOR_TAG)).assertIsDisplayed()
                onNode(hasTestTag(BAR_MONITOR_TAG) and hasAnyAncestor(hasTestTag(RUNNING_BAR_TAG))).assertExists()
            }
            runDesktopComposeUiTest(width = 411, height = 12_000) {
                setContent { SteadyTheme(dark = false) { IncidentScreen(state, incidentEvents(vm, onBack = {})) } }
                onNodeWithTag(NEXT_CHECK_TAG).assertExists()
                onNode(hasText(state.nextObservationDue!!)).assertExists()
            }
        }
    }

    @Test
    fun `the reminder's receiver is declared unexported and its PendingIntents are immutable`() {
        val manifest = File("../../android/app/src/main/AndroidManifest.xml").readText()
        val receiver =
            Regex(
                """<receiver\s+android:name="\.platform\.ObservationAlarmReceiver"\s+android:exported="false"""",
            ).find(manifest)
        assertNotNull(receiver, "ObservationAlarmReceiver declared, not exported")
        val source = File("../../android/app/src/main/kotlin/app/steady/android/platform/ObservationAlarms.kt").readText()
        val flags =
            Regex(
                """PendingIntent\.FLAG_[A-Z_]+(?:\s+or\s+PendingIntent\.FLAG_[A-Z_]+)*""",
            ).findAll(source).map { it.value }.toList()
        assertTrue(flags.isNotEmpty())
        assertTrue(flags.all { "FLAG_IMMUTABLE" in it }, flags.toString())
    }
}
