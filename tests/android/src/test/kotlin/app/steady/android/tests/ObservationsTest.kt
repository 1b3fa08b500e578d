// Physical observations during and after restraint (NICE QS154), s.6(5)(k) as the nine protected
// characteristics, and the injury indicators, through the incident ViewModel against the real
// library and a real steady-server: an observation taken on a running hold of Sam's (his "No
// prone holds: asthma" alert still asks first for prone), timed by the core and listed newest
// first with who took it, also by a reader on another phone and after submission; a vital sign
// out of range refused under its field with the core's rule; (k) met only once all nine are
// answered; injury asked yes / no / not known. The forms are rendered to target/screens (37-39)
// in light, dark and at font 2.0, and checked for labels and 48 dp targets.
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
import app.steady.android.state.AnswerKind
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.InjuryWho
import app.steady.android.state.ObsField
import app.steady.android.state.parseTenths
import app.steady.android.ui.IncidentEvents
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.SteadyScaffold
import app.steady.android.ui.characteristicsSection
import app.steady.android.ui.observationsSection
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.characteristicLabels
import app.steady.core.model.Answer
import app.steady.core.model.BodyPosition
import app.steady.core.model.Breathing
import app.steady.core.model.Consciousness
import app.steady.core.model.IncidentStatus
import app.steady.core.model.InjuryIndicator
import app.steady.core.model.ObservationPhase
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import app.steady.core.model.S65Item
import app.steady.core.model.SkinColour
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

private val STANDING = RestrictiveInterventionType.PHYSICAL_STANDING
private val PRONE = RestrictiveInterventionType.PHYSICAL_PRONE

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservationsTest {
    private val devices = mutableListOf<Device>()

    @AfterAll
    fun closeDevices() = devices.forEach { it.close() }

    @BeforeEach
    fun main() = useTestMain()

    @Test
    fun `an observation taken on a running hold is recorded by the core and listed newest first with who took it`() {
        val ward = DemoServer.newUnit("Larch Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").use { d ->
            val sam = samWithNoProneAlert(d.store, ward)
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Hit out at a peer", personId = sam))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)

            fun s() = vm.state.value

            // Before any hold: after restraint preselected; no observations.
            assertEquals(ObservationPhase.AFTER_RESTRAINT, s().observationForm.phase)
            assertTrue(s().observations.isEmpty())

            // A standing hold: the monitoring prompt from the first second, "during restraint" preselected.
            vm.onStartForce(STANDING, null)
            assertTrue(s().monitoring)
            assertEquals(ObservationPhase.DURING_RESTRAINT, s().observationForm.phase)

            vm.onObservationBreathing(Breathing.NORMAL)
            vm.onObservationColour(SkinColour.PALE)
            vm.onObservationColour(SkinColour.NORMAL)
            vm.onObservationConsciousness(Consciousness.ALERT)
            vm.onObservationPosition(BodyPosition.SEATED)
            vm.onObservationPosition(BodyPosition.SEATED) // tapped again: cleared
            vm.onObservationPosition(BodyPosition.STANDING)
            vm.onObservationField(ObsField.OXYGEN_SATURATION, "97")
            vm.onObservationField(ObsField.PULSE, " 104 ")
            vm.onObservationField(ObsField.TEMPERATURE, "36.8")
            vm.onObservationSave()

            val stored = d.store.incident(id)
            assertEquals(IncidentStatus.DRAFT, stored.status, "taken on the draft, from the first minute")
            val o = stored.addenda.single().observation!!
            assertEquals(ObservationPhase.DURING_RESTRAINT, o.phase)
            assertEquals(Breathing.NORMAL, o.breathing)
            assertEquals(SkinColour.NORMAL, o.colour)
            assertEquals(Consciousness.ALERT, o.consciousness)
            assertEquals(BodyPosition.STANDING, o.position)
            assertEquals(97u, o.oxygenSaturation)
            assertEquals(104u, o.pulse)
            assertEquals(368u, o.temperatureTenthsC)
            assertNotNull(o.observedAt, "timed by the core")

            val shown = s().observations.single()
            assertEquals("Physical observation during restraint", shown.heading)
            assertTrue(shown.text.contains("SpO2 97%"), shown.text)
            assertTrue(shown.text.contains("Temp 36.8 °C"), shown.text)
            assertEquals("Priya Shah, Ward manager", shown.by)
            assertTrue(s().addenda.isEmpty(), "an observation is not shown as an addendum")
            assertNotNull(s().observationSaved)
            // The form is empty again, still during restraint, for the next set.
            assertTrue(
                s()
                    .observationForm.values
                    .isEmpty(),
            )
            assertNull(s().observationForm.breathing)
            assertEquals(ObservationPhase.DURING_RESTRAINT, s().observationForm.phase)

            // The member of staff monitoring is often not the one recording: a reader on another
            // phone adds one to the same draft, under their own name.
            d.store.sync(null)
            Device().join(ward, Role.READER, "Chris Lee", "Bank healthcare assistant").use { other ->
                other.store.sync(null)
                val ov = IncidentViewModel(other.session, id, saveDelayMillis = 0, ticker = false)
                ov.onObservationField(ObsField.NOT_TAKEN_BECAUSE, "Too agitated to approach for a pulse")
                ov.onObservationBreathing(Breathing.LABOURED)
                ov.onObservationSave()
                assertNull(
                    ov.state.value.observationForm.error,
                    ov.state.value.observationForm
                        .toString(),
                )
                other.store.sync(null)
            }
            d.store.sync(null)
            val fresh = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            val list = fresh.state.value.observations
            assertEquals(2, list.size)
            assertEquals("Chris Lee, Bank healthcare assistant", list.first().by, "newest first")
            assertTrue(list.first().text.contains("Not taken: Too agitated"), list.first().text)

            // The hold ends: "after restraint" preselected from then on.
            vm.onStopForce(s().useOfForce.single().id)
            assertEquals(ObservationPhase.AFTER_RESTRAINT, s().observationForm.phase)
        }
    }

    @Test
    fun `a vital sign out of range is refused under its field with the core's rule, and nothing is recorded`() {
        val home = DemoServer.newUnit("Birch House")
        Device().join(home, Role.EDITOR, "Jo Bell", "Senior support worker").use { d ->
            val id = d.store.captureIncident(QuickCapture(unitId = home, note = "Held to stop a fall"))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)

            fun form() = vm.state.value.observationForm

            fun stored() = d.store.incident(id).addenda

            vm.onStartForce(STANDING, null)

            // Nothing observed: the core's words, for the whole form.
            vm.onObservationSave()
            assertEquals("Record at least one observation, or why they were not taken", form().error)

            vm.onObservationField(ObsField.OXYGEN_SATURATION, "970")
            vm.onObservationSave()
            assertEquals("From 50 to 100", form().errors[ObsField.OXYGEN_SATURATION])
            assertEquals("970", form().values[ObsField.OXYGEN_SATURATION], "what was typed stays")
            assertTrue(stored().isEmpty())

            // Typing again clears that field's reason.
            vm.onObservationField(ObsField.OXYGEN_SATURATION, "97")
            assertNull(form().errors[ObsField.OXYGEN_SATURATION])

            // A temperature in degrees; its range in degrees too.
            vm.onObservationField(ObsField.TEMPERATURE, "52.0")
            vm.onObservationSave()
            assertEquals("From 25.0 to 45.0 °C", form().errors[ObsField.TEMPERATURE])
            vm.onObservationField(ObsField.TEMPERATURE, "")

            // Not a number: refused by the form before the core.
            vm.onObservationField(ObsField.PULSE, "fast")
            vm.onObservationSave()
            assertEquals("A whole number", form().errors[ObsField.PULSE])
            vm.onObservationField(ObsField.PULSE, "88")

            // Diastolic above systolic.
            vm.onObservationField(ObsField.SYSTOLIC_BP, "80")
            vm.onObservationField(ObsField.DIASTOLIC_BP, "120")
            vm.onObservationSave()
            assertEquals("Lower than the systolic pressure", form().errors[ObsField.DIASTOLIC_BP])
            assertTrue(stored().isEmpty(), "nothing recorded while refused")

            vm.onObservationField(ObsField.DIASTOLIC_BP, "60")
            vm.onObservationSave()
            assertTrue(form().errors.isEmpty(), form().errors.toString())
            val o = stored().single().observation!!
            assertEquals(80u, o.systolicBp)
            assertEquals(60u, o.diastolicBp)
            assertEquals(97u, o.oxygenSaturation)
        }
    }

    @Test
    fun `after submission the observation form remains, for the checks after rapid tranquillisation`() {
        val home = DemoServer.newUnit("Hazel House")
        Device().join(home, Role.LEAD, "Dana Whitfield", "Home manager").use { d ->
            val id = d.store.captureIncident(QuickCapture(unitId = home, note = "IM lorazepam after a long restraint"))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            vm.onStartForce(STANDING, null)
            vm.onObservationBreathing(Breathing.NORMAL)
            vm.onObservationSave()
            vm.onStopForce(
                vm.state.value.useOfForce
                    .single()
                    .id,
            )
            vm.onSubmit()
            assertTrue(vm.state.value.submitted, vm.state.value.message)

            vm.onObservationPhase(ObservationPhase.AFTER_RAPID_TRANQUILLISATION)
            vm.onObservationConsciousness(Consciousness.VOICE)
            vm.onObservationField(ObsField.RESPIRATORY_RATE, "14")
            vm.onObservationField(ObsField.SIDE_EFFECTS, "Drowsy, no stiffness")
            vm.onObservationSave()
            val list = vm.state.value.observations
            assertEquals(2, list.size)
            assertEquals("Physical observation after rapid tranquillisation", list.first().heading)
            assertEquals(
                ObservationPhase.AFTER_RAPID_TRANQUILLISATION,
                vm.state.value.observationForm.phase,
                "the chosen phase stays for the next hourly check",
            )
            val stored = d.store.incident(id)
            assertEquals(IncidentStatus.SUBMITTED, stored.status)
            assertEquals(2, stored.addenda.count { it.observation != null })
        }
    }

    @Test
    fun `s65 k is met once all nine protected characteristics are answered, not known being an answer`() {
        val ward = DemoServer.newUnit("Alder Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").use { d ->
            val sam = samWithNoProneAlert(d.store, ward)
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Restrained in the corridor", personId = sam))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)

            fun s() = vm.state.value

            fun kMissing() = S65Item.RELEVANT_CHARACTERISTICS in d.store.missingUseOfForceItems(id)

            vm.onStartForce(STANDING, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
            assertEquals(characteristicLabels().map { it.label }, s().characteristics.map { it.label }, "the core's nine, in its order")
            assertEquals(9, s().characteristics.size)
            assertTrue(kMissing())

            val rows = s().characteristics
            // "Stated" with no words yet is not an answer.
            vm.onCharacteristicKind("age", AnswerKind.STATED)
            assertFalse(s().characteristics.first().answered)
            vm.onCharacteristicStated("age", "34")
            rows.drop(1).dropLast(1).forEachIndexed { i, r ->
                vm.onCharacteristicKind(r.name, if (i % 2 == 0) AnswerKind.NOT_KNOWN else AnswerKind.PREFERS_NOT_TO_SAY)
            }
            assertTrue(kMissing(), "eight of nine: not yet")
            assertTrue(s().missing.any { it.letter == "k" })
            vm.onCharacteristicKind(rows.last().name, AnswerKind.NOT_KNOWN)
            assertFalse(kMissing(), "nine answers meet (k)")
            assertFalse(s().missing.any { it.letter == "k" }, "the missing list follows")

            val c = d.store.incident(id).characteristics!!
            assertEquals(Answer.Stated("34"), c.age)
            assertEquals(Answer.NotKnown, c.disability)
            assertEquals(Answer.PrefersNotToSay, c.genderReassignment)
            assertEquals(Answer.NotKnown, c.sexualOrientation)

            // Read back by a fresh screen.
            val again = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            assertEquals(
                s().characteristics.map { it.kind },
                again.state.value.characteristics
                    .map { it.kind },
            )
            assertEquals(
                "34",
                again.state.value.characteristics
                    .first()
                    .stated,
            )

            // A stated answer too long is refused under its row, the others kept.
            vm.onCharacteristicStated("race", "x".repeat(101))
            val race = s().characteristics.single { it.name == "race" }
            assertNotNull(race.error, "refused under its row")
            assertEquals(
                Answer.NotKnown,
                d.store
                    .incident(id)
                    .characteristics!!
                    .race,
                "the stored answer unchanged",
            )

            // An older record's free text still meets (k) and is shown read-only.
            val old = d.store.captureIncident(QuickCapture(unitId = ward, note = "Older record", personId = sam))
            d.store.updateIncident(
                old,
                app.steady.core.model
                    .IncidentDetails(relevantCharacteristics = "White British man, 34"),
            )
            val ov = IncidentViewModel(d.session, old, saveDelayMillis = 0, ticker = false)
            ov.onStartForce(STANDING, null)
            assertEquals("White British man, 34", ov.state.value.relevantCharacteristics)
            assertFalse(S65Item.RELEVANT_CHARACTERISTICS in d.store.missingUseOfForceItems(old))
        }
    }

    @Test
    fun `injury is asked as yes, no or not known for the person, staff and others`() {
        val home = DemoServer.newUnit("Rowan House")
        Device().join(home, Role.EDITOR, "Jo Bell", "Senior support worker").use { d ->
            val id = d.store.captureIncident(QuickCapture(unitId = home, note = "Fell against the door"))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            assertEquals(
                listOf("Yes", "No", "Not known"),
                vm.state.value.injuryChoices
                    .map { it.second },
            )
            assertTrue(InjuryWho.entries.all { vm.state.value.injured[it] == null }, "unanswered at first")
            vm.onInjured(InjuryWho.PERSON, InjuryIndicator.YES)
            vm.onInjuriesChange("person", "Graze to the left elbow")
            vm.onInjured(InjuryWho.STAFF, InjuryIndicator.NO)
            vm.onInjured(InjuryWho.OTHERS, InjuryIndicator.NOT_KNOWN)
            val i = d.store.incident(id)
            assertEquals(InjuryIndicator.YES, i.injuredPerson)
            assertEquals(InjuryIndicator.NO, i.injuredStaff)
            assertEquals(InjuryIndicator.NOT_KNOWN, i.injuredOthers)
            assertEquals("Graze to the left elbow", i.injuriesPerson)
            // Changed: a tap on another answer.
            vm.onInjured(InjuryWho.STAFF, InjuryIndicator.YES)
            assertEquals(InjuryIndicator.YES, d.store.incident(id).injuredStaff)
            val again = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            assertEquals(InjuryIndicator.YES, again.state.value.injured[InjuryWho.STAFF])
        }
    }

    @Test
    fun `a no prone person's prone start still asks first while a hold runs under its observations`() {
        val ward = DemoServer.newUnit("Oak Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").use { d ->
            val sam = samWithNoProneAlert(d.store, ward)
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Went to the floor during a standing hold", personId = sam))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            vm.onStartForce(STANDING, null)
            vm.onObservationBreathing(Breathing.NORMAL)
            vm.onObservationSave()
            vm.onStartForce(PRONE, null)
            val ask = vm.state.value.confirmOverride!!
            assertEquals(listOf("No prone holds: asthma"), ask.cautions.map { it.text })
            assertEquals(
                1,
                d.store
                    .incident(id)
                    .useOfForce.size,
                "nothing recorded before the confirmation",
            )
            vm.onOverrideCancel()
            assertEquals(
                1,
                d.store
                    .incident(id)
                    .useOfForce.size,
                "Cancel records nothing",
            )
            assertEquals(1, vm.state.value.observations.size)
        }
    }

    @Test
    fun `a temperature is read in degrees with at most one decimal place`() {
        assertEquals(368u, parseTenths("36.8"))
        assertEquals(370u, parseTenths("37"))
        assertEquals(365u, parseTenths("36,5"))
        assertNull(parseTenths("36.85"))
        assertNull(parseTenths("warm"))
    }

    // Screens --------------------------------------------------------------------------------

    /** The forms, each from a ViewModel over real data. */
    private val screens: List<Pair<String, @Composable () -> Unit>> by lazy {
        useTestMain()
        val ward = DemoServer.newUnit("Hawthorn Ward", mentalHealthUnit = true)
        val lead = Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").also { devices += it }
        val sam = samWithNoProneAlert(lead.store, ward)

        fun incident(note: String) =
            IncidentViewModel(
                lead.session,
                lead.store.captureIncident(QuickCapture(unitId = ward, personId = sam, note = note)),
                saveDelayMillis = 0,
                ticker = false,
            )
        // A standing hold 3 minutes in: one observation taken, the next being typed, SpO2 refused.
        val obs =
            incident("Hit out at a peer in the dining room").apply {
                onStartForce(STANDING, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
                onObservationBreathing(Breathing.NORMAL)
                onObservationColour(SkinColour.NORMAL)
                onObservationConsciousness(Consciousness.ALERT)
                onObservationPosition(BodyPosition.STANDING)
                onObservationField(ObsField.PULSE, "112")
                onObservationSave()
                lead.clock.advance(180_000)
                tick()
                onObservationBreathing(Breathing.LABOURED)
                onObservationField(ObsField.OXYGEN_SATURATION, "940")
                onObservationSave()
            }
        // (k) part answered.
        val k =
            incident("Restrained in the corridor").apply {
                onStartForce(STANDING, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
                onStopForce(
                    state.value.useOfForce
                        .single()
                        .id,
                )
                onCharacteristicStated("age", "34")
                onCharacteristicKind("disability", AnswerKind.STATED)
                onCharacteristicStated("disability", "Asthma")
                onCharacteristicKind("gender_reassignment", AnswerKind.PREFERS_NOT_TO_SAY)
                onCharacteristicKind("race", AnswerKind.NOT_KNOWN)
                onInjured(InjuryWho.PERSON, InjuryIndicator.NO)
            }
        // Standing hold running with an observation; prone tapped: the confirmation for his alert.
        val confirm =
            incident("Went to the floor during a standing hold").apply {
                onStartForce(STANDING, null)
                onObservationBreathing(Breathing.NOISY)
                onObservationSave()
                onStartForce(PRONE, null)
                onOverrideReasonChange("Went to the floor face down; turning him onto his side")
            }
        listOf(
            "37-observations-hold-running" to {
                SteadyScaffold("Complete incident") { observationsSection(obs.state.value, IncidentEvents()) }
            },
            "38-characteristics-k" to {
                SteadyScaffold("Complete incident") {
                    characteristicsSection("(k) relevant characteristics", k.state.value, IncidentEvents())
                }
            },
            "39-no-prone-confirm-during-hold" to { IncidentScreen(confirm.state.value, IncidentEvents()) },
        )
    }

    private val variants =
        listOf(
            Variant("light", dark = false, fontScale = 1f, heightDp = 2000),
            Variant("dark", dark = true, fontScale = 1f, heightDp = 2000),
            Variant("large-font", dark = false, fontScale = 2f, heightDp = 4000),
            Variant("phone-large-font", dark = false, fontScale = 2f, heightDp = PHONE_HEIGHT_DP),
        )

    @TestFactory
    fun `the observation and characteristics forms render in light, dark and at the largest font`(): List<DynamicTest> =
        screens.flatMap { (name, content) ->
            variants.map { v -> DynamicTest.dynamicTest("$name-${v.name}") { renderScreen("$name-${v.name}", v, content) } }
        }

    @TestFactory
    fun `everything tappable in the forms is labelled and at least 48 dp`(): List<DynamicTest> =
        screens.map { (name, content) ->
            DynamicTest.dynamicTest("a11y-$name") { assertTappablesLabelled(name, content) }
        }
}
