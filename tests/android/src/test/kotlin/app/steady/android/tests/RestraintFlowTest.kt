// The person in the restraint flow (issue 15 items 1 and 2), through the incident ViewModel and
// screen against the real library and a real steady-server: a person whose safety alert reads
// "No prone holds: asthma" (ruling out prone) has it on screen from the first tap, with their
// contraindications and the plan's authorised interventions; a prone hold is recorded only
// after an explicit confirmation with a reason, which the record keeps and the server accepts;
// cancelling records nothing; a caution that arrives by sync while the screen is open opens
// the same confirmation from the core's refusal; "in the care plan" comes from the plan and can
// be changed; prone is no quick start; the one-person-monitors prompt is up from the first
// second of a hold; and at font 2.0 on a phone (411 × 891 dp) Stop is on screen whole while a
// prone hold runs past 10 minutes under its alert. The person screen: an editor sets what an
// alert or contraindication rules out; a reader sees the marks only.
package app.steady.android.tests

import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.runDesktopComposeUiTest
import androidx.compose.ui.unit.Density
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.PersonViewModel
import app.steady.android.ui.BAR_MONITOR_TAG
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.MONITOR_PROMPT
import app.steady.android.ui.PRONE_OVER_TEN_FACT
import app.steady.android.ui.PersonEvents
import app.steady.android.ui.PersonScreen
import app.steady.android.ui.QUICK_STARTS
import app.steady.android.ui.RUNNING_BAR_TAG
import app.steady.android.ui.STOP_HOLD_TAG
import app.steady.android.ui.incidentEvents
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.SteadyStore
import app.steady.core.interventionLabel
import app.steady.core.model.CautionList
import app.steady.core.model.NewPerson
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import app.steady.core.model.SheetList
import app.steady.core.proneHoldAlertText
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.io.File

private val PRONE = RestrictiveInterventionType.PHYSICAL_PRONE
private val STANDING = RestrictiveInterventionType.PHYSICAL_STANDING
private val SUPINE = RestrictiveInterventionType.PHYSICAL_SUPINE

/** Sam, as the audit found him: "No prone holds: asthma", ruling out prone. Returns his id. */
fun samWithNoProneAlert(
    store: SteadyStore,
    unit: String,
): String {
    val sam = store.createPerson(unit, NewPerson("Samuel Okafor", "Sam", "AW000112"))
    val alert = store.addSafetyAlert(sam, "No prone holds: asthma", null)
    store.setCautionAvoids(sam, CautionList.SAFETY_ALERT, alert, listOf(PRONE))
    store.addSafetyAlert(sam, "Allergic to penicillin", null)
    val hip = store.addSheetItem(sam, SheetList.CONTRAINDICATIONS, "Recent hip replacement: no floor holds", null)
    store.setCautionAvoids(sam, CautionList.CONTRAINDICATION, hip, listOf(SUPINE, RestrictiveInterventionType.PHYSICAL_KNEELING))
    store.addAuthorisedIntervention(sam, STANDING, "Standing hold by two staff for no more than 10 minutes, holding the upper arms.")
    return sam
}

class RestraintFlowTest {
    @BeforeEach
    fun main() = useTestMain()

    private val reason = "He was face down on broken glass when we reached him; turned onto his side within a minute"

    @Test
    fun `a no prone alert is on screen from the first tap, a prone hold waits for a confirmed reason, and the record keeps it`() {
        val ward = DemoServer.newUnit("Ash Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").use { d ->
            val sam = samWithNoProneAlert(d.store, ward)
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Fell and hit out in the corridor", personId = sam))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)

            fun s() = vm.state.value

            fun stored() = d.store.incident(id)

            // Before any hold: alerts first, then contraindications, each with what it rules
            // out; the plan's authorised intervention with its conditions.
            val r = s().restraint!!
            assertEquals("Sam", r.name)
            assertEquals(
                listOf(
                    "Safety alert" to "No prone holds: asthma",
                    "Safety alert" to "Allergic to penicillin",
                    "Contraindication" to "Recent hip replacement: no floor holds",
                ),
                r.cautions.map { it.kind to it.text },
            )
            assertEquals(listOf(interventionLabel(PRONE)), r.cautions[0].rulesOut)
            assertTrue(r.cautions[1].rulesOut.isEmpty(), "a caution to read, not a bar")
            assertEquals(listOf("No prone holds: asthma"), r.ruledOut[PRONE])
            assertEquals(listOf("Recent hip replacement: no floor holds"), r.ruledOut[SUPINE])
            assertFalse(STANDING in r.ruledOut)
            assertEquals(listOf(STANDING), r.authorised.map { it.intervention })
            assertTrue(
                r.authorised
                    .single()
                    .conditions
                    .startsWith("Standing hold by two staff"),
            )

            // No prone quick start; prone stays in the full list.
            assertFalse(PRONE in QUICK_STARTS)
            assertTrue(s().interventionChoices.any { it.first == PRONE })

            // Prone asks first, naming the alert in Sam's words; Cancel records nothing.
            vm.onStartForce(PRONE, null)
            val ask = s().confirmOverride!!
            assertEquals(PRONE, ask.intervention)
            assertEquals(listOf("No prone holds: asthma"), ask.cautions.map { it.text })
            assertNull(ask.entryId)
            assertTrue(stored().useOfForce.isEmpty(), "nothing recorded before the confirmation")
            vm.onOverrideCancel()
            assertNull(s().confirmOverride)
            assertTrue(stored().useOfForce.isEmpty(), "cancelling records nothing")

            // The reason is required.
            vm.onStartForce(PRONE, null)
            val tapped = d.clock.nowMillis()
            d.clock.advance(40_000)
            vm.onOverrideReasonChange("   ")
            vm.onOverrideConfirm()
            assertNotNull(s().confirmOverride!!.error, "no reason, no hold")
            assertTrue(stored().useOfForce.isEmpty())

            vm.onOverrideReasonChange(reason)
            vm.onOverrideConfirm()
            assertNull(s().confirmOverride)
            val prone = stored().useOfForce.single()
            assertEquals(PRONE, prone.intervention)
            assertEquals(reason, prone.contraindicationOverride, "the reason is in the record")
            assertEquals(tapped, prone.startedAt, "the hold started at the tap, not when the reason was written")
            assertEquals(false, prone.inCarePlan, "the plan does not authorise prone: filled in from the plan")
            val row = s().useOfForce.single()
            assertEquals(reason, row.overrideReason)
            assertEquals(listOf("No prone holds: asthma"), row.ruledOutBy)
            assertTrue(row.planLine!!.contains("does not authorise"), row.planLine)

            // From the first second of the hold: one person monitors.
            assertTrue(s().monitoring)
            assertFalse(s().proneAlert, "the 10-minute flag is not the first prompt")

            // A standing hold: no question; "in the care plan" is the plan's answer, and changeable.
            vm.onStartForce(STANDING, null)
            assertNull(s().confirmOverride)
            val standing = stored().useOfForce.single { it.intervention == STANDING }
            assertEquals(true, standing.inCarePlan)
            assertNull(standing.contraindicationOverride)
            vm.onInCarePlan(standing.id, false)
            assertEquals(false, stored().useOfForce.single { it.intervention == STANDING }.inCarePlan)

            // Stopping the prone hold keeps its reason (no second question).
            vm.onStopForce(prone.id)
            assertNull(s().confirmOverride)
            assertEquals(reason, stored().useOfForce.single { it.id == prone.id }.contraindicationOverride)
            assertNotNull(stored().useOfForce.single { it.id == prone.id }.endedAt)

            // The server takes the hold with its reason: another phone on the ward pulls it so.
            d.store.sync(null)
            Device().join(ward, Role.READER, "Chris Lee", "Bank healthcare assistant").use { other ->
                val pulled =
                    other.store
                        .incident(id)
                        .useOfForce
                        .single { it.intervention == PRONE }
                assertEquals(reason, pulled.contraindicationOverride)
            }
        }
    }

    @Test
    fun `a caution that arrives by sync while the screen is open opens the same confirmation`() {
        val home = DemoServer.newUnit("Elm House")
        Device().join(home, Role.EDITOR, "Jo Bell", "Senior support worker").use { a ->
            val mo = a.store.createPerson(home, NewPerson("Maureen Ellis", "Mo", null))
            a.store.sync(null)
            val id = a.store.captureIncident(QuickCapture(unitId = home, note = "Hit out during personal care", personId = mo))
            val vm = IncidentViewModel(a.session, id, saveDelayMillis = 0, ticker = false)
            assertTrue(
                vm.state.value.restraint!!
                    .cautions
                    .isEmpty(),
            )

            // Meanwhile, on the lead's phone: "No prone holds: asthma", ruling out prone.
            Device().join(home, Role.LEAD, "Dana Whitfield", "Home manager").use { lead ->
                val alert = lead.store.addSafetyAlert(mo, "No prone holds: asthma", null)
                lead.store.setCautionAvoids(mo, CautionList.SAFETY_ALERT, alert, listOf(PRONE))
                lead.store.sync(null)
            }
            a.store.sync(null)

            // The screen has not reloaded; the core refuses, and the confirmation names the alert.
            vm.onStartForce(PRONE, null)
            val ask = vm.state.value.confirmOverride!!
            assertEquals(listOf("No prone holds: asthma"), ask.cautions.map { it.text })
            assertTrue(
                a.store
                    .incident(id)
                    .useOfForce
                    .isEmpty(),
            )
            assertEquals(
                listOf("No prone holds: asthma"),
                vm.state.value.restraint!!
                    .cautions
                    .map { it.text },
                "shown above the choices now",
            )
            vm.onOverrideReasonChange(reason)
            vm.onOverrideConfirm()
            assertEquals(
                reason,
                a.store
                    .incident(id)
                    .useOfForce
                    .single()
                    .contraindicationOverride,
            )
        }
    }

    /**
     * At font 2.0 on a phone (411 × 891 dp), with a prone hold past 10 minutes under its alert
     * and Sam's cautions above the choices, Stop is on screen whole. The margin is written to
     * target/screens/stop-fold.txt.
     */
    @OptIn(ExperimentalTestApi::class)
    @Test
    fun `Stop is on screen whole at font 2 on a phone while a prone hold runs past 10 minutes`() {
        val ward = DemoServer.newUnit("Rowan Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").use { d ->
            val sam = samWithNoProneAlert(d.store, ward)
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Restrained after assault on a peer", personId = sam))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            vm.onStartForce(PRONE, null)
            vm.onOverrideReasonChange(reason)
            vm.onOverrideConfirm()
            assertTrue(vm.state.value.monitoring, "from the first second")
            d.clock.advance(PRONE_ALERT_AFTER_MS + 42_000)
            vm.tick()
            val state = vm.state.value
            assertTrue(state.proneAlert)
            assertTrue(state.useOfForce.single().proneOverTen)

            var margin = 0f
            runDesktopComposeUiTest(width = 411, height = PHONE_HEIGHT_DP) {
                setContent {
                    CompositionLocalProvider(LocalDensity provides Density(LocalDensity.current.density, 2f)) {
                        SteadyTheme(dark = false) { IncidentScreen(state, incidentEvents(vm, onBack = {})) }
                    }
                }
                // The monitoring prompt first (the banner at the top), the core's 10-minute words
                // under it; and the prompt again in the pinned bar, beside Stop, on screen whole.
                val prompts = onAllNodesWithText(MONITOR_PROMPT).fetchSemanticsNodes()
                assertEquals(2, prompts.size, "the banner's and the bar's")
                val title = onNodeWithText(proneHoldAlertText().title).fetchSemanticsNode()
                assertTrue(prompts.minOf { it.boundsInRoot.top } < title.boundsInRoot.top, "the prompt before the 10-minute words")
                onNode(hasText(MONITOR_PROMPT) and hasTestTag(BAR_MONITOR_TAG) and hasAnyAncestor(hasTestTag(RUNNING_BAR_TAG)))
                    .assertIsDisplayed()
                val stop = onNode(hasTestTag(STOP_HOLD_TAG)).fetchSemanticsNode()
                val scale = density.density
                val shown = stop.boundsInRoot
                assertEquals(stop.size.height.toFloat(), shown.height, 0.5f, "Stop is cut at the fold")
                margin = PHONE_HEIGHT_DP - shown.bottom / scale
                assertTrue(margin >= 0f, "Stop ends ${-margin} dp below the fold")
                assertTrue(shown.top >= 0f, "Stop is above the top of the screen")
            }
            File(System.getProperty("steady.screens.dir") ?: "target/screens")
                .apply { mkdirs() }
                .resolve("stop-fold.txt")
                .writeText(
                    "Stop's bottom above the fold at 411 x $PHONE_HEIGHT_DP dp, font 2.0, prone hold past 10 minutes: ${"%.1f".format(
                        margin,
                    )} dp\n",
                )
        }
    }

    @Test
    fun `the 10-minute prone flag is a reporting fact on the entry, and the record says so`() {
        assertEquals("Over 10 minutes prone: reported separately", PRONE_OVER_TEN_FACT)
        assertFalse(MONITOR_PROMPT.contains("10 minutes"), "the first prompt is clinical, not the reporting split")
    }

    @OptIn(ExperimentalTestApi::class)
    @Test
    fun `an editor sets what an alert or contraindication rules out, and a reader sees the marks only`() {
        val ward = DemoServer.newUnit("Hazel Ward", mentalHealthUnit = true)
        Device().join(ward, Role.EDITOR, "Jo Bell", "Senior support worker").use { editor ->
            val kai = editor.store.createPerson(ward, NewPerson("Kai Thornbury", "Kai", null))
            val alert = editor.store.addSafetyAlert(kai, "No prone holds: asthma", null)
            val skin = editor.store.addSheetItem(kai, SheetList.CONTRAINDICATIONS, "Fragile skin: no wrist holds", null)
            val vm = PersonViewModel(editor.session, kai, saveDelayMillis = 0)
            assertTrue(
                vm.state.value.cautionAvoids.values
                    .all { it.isEmpty() },
            )
            assertEquals(RestrictiveInterventionType.entries.size, vm.state.value.interventionChoices.size)

            vm.onToggleEditing()
            vm.onEditAvoids(alert)
            assertEquals(alert, vm.state.value.editingAvoidsId)
            vm.onToggleAvoid(CautionList.SAFETY_ALERT, alert, PRONE)
            vm.onToggleAvoid(CautionList.CONTRAINDICATION, skin, RestrictiveInterventionType.PHYSICAL_RESTRICTIVE_ESCORT)
            vm.onToggleAvoid(CautionList.CONTRAINDICATION, skin, SUPINE)
            vm.onToggleAvoid(CautionList.CONTRAINDICATION, skin, SUPINE)
            val profile = editor.store.restraintProfile(kai)
            assertEquals(listOf(PRONE), profile.cautions.single { it.id == alert }.avoid)
            assertEquals(listOf(RestrictiveInterventionType.PHYSICAL_RESTRICTIVE_ESCORT), profile.cautions.single { it.id == skin }.avoid)
            assertEquals(listOf(PRONE), vm.state.value.cautionAvoids[alert])
            vm.onToggleEditing()
            editor.store.sync(null)

            Device().join(ward, Role.READER, "Chris Lee", "Bank healthcare assistant").use { reader ->
                val read = PersonViewModel(reader.session, kai)
                assertEquals(listOf(PRONE), read.state.value.cautionAvoids[alert])
                read.onEditAvoids(alert)
                assertNull(read.state.value.editingAvoidsId, "a reader cannot open the choices")
                runDesktopComposeUiTest(width = 411, height = 2400) {
                    setContent { SteadyTheme(dark = false) { PersonScreen(read.state.value, PersonEvents()) } }
                    onNodeWithText("Rules out: " + interventionLabel(PRONE)).assertExists()
                    onNodeWithText(
                        "Rules out: " + interventionLabel(RestrictiveInterventionType.PHYSICAL_RESTRICTIVE_ESCORT),
                    ).assertExists()
                    onNodeWithText("Rules out… (none yet)").assertDoesNotExist()
                    onNodeWithText("Change what it rules out").assertDoesNotExist()
                }
            }
        }
    }
}
