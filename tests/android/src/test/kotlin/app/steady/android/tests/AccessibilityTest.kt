// TalkBack and shaking hands: on every screen, everything that can be tapped has words for
// TalkBack (its text or a content description) and a touch target of at least 48 × 48 dp.
// Read from Compose's semantics tree, the same tree TalkBack reads on a phone.
package app.steady.android.tests

import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.runDesktopComposeUiTest
import app.steady.android.ui.theme.SteadyTheme
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessibilityTest {
    private val devices = mutableListOf<Device>()

    @AfterAll
    fun closeDevices() = devices.forEach { it.close() }

    private fun label(node: SemanticsNode): String? {
        val c = node.config
        return listOfNotNull(
            c.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" "),
            c.getOrNull(SemanticsProperties.Text)?.joinToString(" ") { it.text },
            c.getOrNull(SemanticsProperties.EditableText)?.text,
        ).joinToString(" ").trim().ifEmpty { null }
    }

    @OptIn(ExperimentalTestApi::class)
    @TestFactory
    fun `everything tappable is labelled and at least 48 dp`(): List<DynamicTest> =
        demoScreens(devices).map { (name, content) ->
            DynamicTest.dynamicTest("a11y-$name") {
                // Tall enough that every item of the lazy list is composed.
                runDesktopComposeUiTest(width = 411, height = A11Y_HEIGHT_DP) {
                    setContent { SteadyTheme(dark = false) { content() } }
                    val tappable = onAllNodes(hasClickAction()).fetchSemanticsNodes()
                    assertTrue(tappable.isNotEmpty(), "$name has nothing to tap")
                    val problems =
                        tappable.mapNotNull { node ->
                            val words = label(node)
                            val box = node.touchBoundsInRoot
                            val w = box.width / density.density
                            val h = box.height / density.density
                            when {
                                words == null -> "an unlabelled tappable element at $box: ${node.config}"
                                w < 47.5f || h < 47.5f -> "\"$words\" is only ${w.toInt()} × ${h.toInt()} dp"
                                else -> null
                            }
                        }
                    assertTrue(problems.isEmpty(), "$name:\n" + problems.joinToString("\n"))
                }
            }
        }
}
