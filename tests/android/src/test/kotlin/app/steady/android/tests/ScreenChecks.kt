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
import app.steady.android.ui.theme.SteadyTheme
import org.jetbrains.skia.EncodedImageFormat
import org.junit.jupiter.api.Assertions.assertTrue
import java.io.File

// The checks every screen test makes of what it renders, written once: each screen drawn to a
// PNG that is not blank, and everything tappable on it labelled for TalkBack and at least 48 dp.

/** Where the screenshots go (`steady.screens.dir`, else `target/screens`). */
internal val screensDir: File =
    File(System.getProperty("steady.screens.dir") ?: "target/screens").apply { mkdirs() }

/** What TalkBack reads for a node: its description, text or edited text; null if nothing. */
internal fun tappableLabel(node: SemanticsNode): String? {
    val c = node.config
    return listOfNotNull(
        c.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" "),
        c.getOrNull(SemanticsProperties.Text)?.joinToString(" ") { it.text },
        c.getOrNull(SemanticsProperties.EditableText)?.text,
    ).joinToString(" ").trim().ifEmpty { null }
}

/** Fails naming every tappable element of `content` that is unlabelled or under 48 dp. */
@OptIn(ExperimentalTestApi::class)
internal fun assertTappablesLabelled(
    name: String,
    content: @Composable () -> Unit,
) = runDesktopComposeUiTest(width = 411, height = A11Y_HEIGHT_DP) {
    setContent { SteadyTheme(dark = false) { content() } }
    val problems =
        onAllNodes(hasClickAction()).fetchSemanticsNodes().mapNotNull { node ->
            val words = tappableLabel(node)
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

/** Draws `content` in variant `v` to `screensDir/file.png`; fails if the image is blank. */
internal fun renderScreen(
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
        val image = scene.render(1_000_000_000)
        val png = image.encodeToData(EncodedImageFormat.PNG) ?: error("no PNG for $file")
        File(screensDir, "$file.png").writeBytes(png.bytes)
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
