// The restraint flow's screens (issue 15 items 1 and 2) rendered to PNG in tests/android/target/
// screens as ScreensTest renders the rest — light, dark, font 2.0 (long, and at a phone's 891 dp)
// — from the state the real ViewModels build for Sam, whose safety alert "No prone holds: asthma"
// rules out prone: the flow before any hold, the confirmation a prone start asks for, a hold
// running under the monitoring prompt with Stop pinned, and an editor choosing what an alert
// rules out. Each screen is also checked as AccessibilityTest checks every other: everything
// tappable labelled and at least 48 dp.
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
import app.steady.android.ui.IncidentEvents
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.PersonEvents
import app.steady.android.ui.PersonScreen
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.model.CautionList
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import org.jetbrains.skia.EncodedImageFormat
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import java.io.File

/** The restraint flow's screens, each from a ViewModel over real data. */
fun restraintScreens(devices: MutableList<Device>): List<Pair<String, @Composable () -> Unit>> {
    useTestMain()
    val ward = DemoServer.newUnit("Cedar Ward", mentalHealthUnit = true)
    val lead = Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").also { devices += it }
    val sam = samWithNoProneAlert(lead.store, ward)

    fun incident(): IncidentViewModel {
        val id = lead.store.captureIncident(QuickCapture(unitId = ward, personId = sam, note = "Hit out at a peer in the dining room"))
        return IncidentViewModel(lead.session, id, saveDelayMillis = 0, ticker = false)
    }
    // Before any hold: Sam's cautions and plan above the choices, prone marked on its button.
    val flow = incident()
    // Prone tapped: the confirmation, the reason being written.
    val confirm =
        incident().apply {
            onStartForce(RestrictiveInterventionType.PHYSICAL_PRONE, null)
            onOverrideReasonChange("Face down on broken glass when we reached him")
        }
    // Confirmed, 40 seconds in: the monitoring prompt from the first second, Stop pinned below.
    val running =
        incident().apply {
            onStartForce(RestrictiveInterventionType.PHYSICAL_PRONE, null)
            onOverrideReasonChange("Face down on broken glass when we reached him; turning him onto his side")
            onOverrideConfirm()
            onReasonChange(
                state.value.useOfForce
                    .single()
                    .id,
                RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS,
            )
            lead.clock.advance(40_000)
            tick()
        }
    // The editor choosing what the first alert rules out.
    val alert =
        lead.store
            .restraintProfile(sam)
            .cautions
            .first { it.list == CautionList.SAFETY_ALERT }
            .id
    val rulesOut =
        PersonViewModel(lead.session, sam, saveDelayMillis = 0).apply {
            onToggleEditing()
            onEditAvoids(alert)
        }
    return listOf(
        "30-restraint-flow" to { IncidentScreen(flow.state.value, IncidentEvents()) },
        "31-restraint-confirm" to { IncidentScreen(confirm.state.value, IncidentEvents()) },
        "32-restraint-hold-running" to { IncidentScreen(running.state.value, IncidentEvents()) },
        "33-person-rules-out" to { PersonScreen(rulesOut.state.value, PersonEvents()) },
    )
}

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestraintScreensTest {
    private val variants =
        listOf(
            Variant("light", dark = false, fontScale = 1f),
            Variant("dark", dark = true, fontScale = 1f),
            Variant("large-font", dark = false, fontScale = 2f, heightDp = 2400),
            Variant("phone-light", dark = false, fontScale = 1f, heightDp = PHONE_HEIGHT_DP),
            Variant("phone-dark", dark = true, fontScale = 1f, heightDp = PHONE_HEIGHT_DP),
            Variant("phone-large-font", dark = false, fontScale = 2f, heightDp = PHONE_HEIGHT_DP),
        )
    private val devices = mutableListOf<Device>()
    private val screens by lazy { restraintScreens(devices) }

    @AfterAll
    fun closeDevices() = devices.forEach { it.close() }

    @TestFactory
    fun `the restraint flow renders in light, dark and at the largest font, long and at a phone's height`(): List<DynamicTest> =
        screens.flatMap { (name, content) ->
            variants.map { v -> DynamicTest.dynamicTest("$name-${v.name}") { renderScreen("$name-${v.name}", v, content) } }
        }

    @TestFactory
    fun `everything tappable in the restraint flow is labelled and at least 48 dp`(): List<DynamicTest> =
        screens.map { (name, content) ->
            DynamicTest.dynamicTest("a11y-$name") { assertTappablesLabelled(name, content) }
        }
}
