// Every screen of the app rendered offscreen to PNG (target/screens), in light and dark and at
// the largest font scale, from the state the real ViewModels build over the demo organisation's
// data (pulled from a real steady-server): once long (1600 dp; 2400 dp at font 2.0), to see the
// whole screen, and once at a real phone's height (411 × 891 dp, the `phone-*` files), to judge
// what is on screen before any scrolling. A screen that throws while composing, or renders
// nothing but background, fails here. CI keeps the images; people look at them.
package app.steady.android.tests

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import app.steady.android.state.CaptureViewModel
import app.steady.android.state.ChecklistViewModel
import app.steady.android.state.EnrolViewModel
import app.steady.android.state.GuidanceViewModel
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.IncidentsViewModel
import app.steady.android.state.PeopleViewModel
import app.steady.android.state.PersonViewModel
import app.steady.android.state.ProblemRow
import app.steady.android.state.SyncViewModel
import app.steady.android.ui.CaptureEvents
import app.steady.android.ui.CaptureScreen
import app.steady.android.ui.ChecklistScreen
import app.steady.android.ui.EnrolScreen
import app.steady.android.ui.GuidanceScreen
import app.steady.android.ui.IncidentEvents
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.IncidentsScreen
import app.steady.android.ui.PeopleScreen
import app.steady.android.ui.PersonEvents
import app.steady.android.ui.PersonScreen
import app.steady.android.ui.SyncEvents
import app.steady.android.ui.SyncScreen
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.model.IncidentTag
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import java.io.File

/** One way of looking at a screen. */
data class Variant(
    val name: String,
    val dark: Boolean,
    val fontScale: Float,
    val heightDp: Int = 1600,
)

/** A real phone's height in dp (a Pixel 7 is 411 × 891 dp). */
const val PHONE_HEIGHT_DP = 891

/**
 * The height the 48 dp and label checks lay a screen out at: tall enough for the longest (a use
 * of force with its observations and the nine s.6(5)(k) rows), since a lazy list clips the item
 * at its window's edge and a clipped chip would measure short.
 */
const val A11Y_HEIGHT_DP = 12_000

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScreensTest {
    private val out = File(System.getProperty("steady.screens.dir") ?: "target/screens").apply { mkdirs() }
    private val variants =
        listOf(
            Variant("light", dark = false, fontScale = 1f),
            Variant("dark", dark = true, fontScale = 1f),
            Variant("large-font", dark = false, fontScale = 2f, heightDp = 2400),
            // What a phone shows before scrolling (e.g. a Pixel 7: 411 × 891 dp).
            Variant("phone-light", dark = false, fontScale = 1f, heightDp = PHONE_HEIGHT_DP),
            Variant("phone-dark", dark = true, fontScale = 1f, heightDp = PHONE_HEIGHT_DP),
            Variant("phone-large-font", dark = false, fontScale = 2f, heightDp = PHONE_HEIGHT_DP),
        )
    private val devices = mutableListOf<Device>()

    @AfterAll
    fun closeDevices() = devices.forEach { it.close() }

    @TestFactory
    fun `every screen renders in light, dark and at the largest font, long and at a phone's height`(): List<DynamicTest> {
        val screens = demoScreens(devices)
        val tests =
            screens.flatMap { (name, content) ->
                variants.map { v ->
                    DynamicTest.dynamicTest("$name-${v.name}") { render("$name-${v.name}", v, content) }
                }
            }
        val phone =
            DynamicTest.dynamicTest("04-person-editor-phone") {
                render(
                    "04-person-editor-phone",
                    Variant("phone", dark = true, fontScale = 1.3f, heightDp = PHONE_HEIGHT_DP),
                    screens[3].second,
                )
            }
        return tests + phone
    }

    private fun render(
        file: String,
        v: Variant,
        content: @Composable () -> Unit,
    ) {
        val density = 2f
        val scene =
            ImageComposeScene(
                width = (411 * density).toInt(),
                height = (v.heightDp * density).toInt(),
                density = Density(density, v.fontScale),
            ) { SteadyTheme(dark = v.dark) { content() } }
        try {
            scene.render(0)
            val image: Image = scene.render(1_000_000_000)
            val png = image.encodeToData(EncodedImageFormat.PNG) ?: error("no PNG for $file")
            File(out, "$file.png").writeBytes(png.bytes)
            val bitmap =
                org.jetbrains.skia.Bitmap
                    .makeFromImage(image)
            val colours = HashSet<Int>()
            for (y in 0 until bitmap.height step 7) for (x in 0 until bitmap.width step 7) colours += bitmap.getColor(x, y)
            assertTrue(colours.size > 20, "$file looks empty: ${colours.size} colours")
        } finally {
            scene.close()
        }
    }
}
