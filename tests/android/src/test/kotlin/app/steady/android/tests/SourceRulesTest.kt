// Rules about the app's own source that no compiler checks: the screens and their state stay
// free of android.* (so they compile and render here), and nothing in the app writes logs, so no
// personal data can reach logcat.
package app.steady.android.tests

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

class SourceRulesTest {
    private val app = File("../../android/app/src/main/kotlin/app/steady/android")

    private fun kotlinFiles(dir: String): List<File> = File(app, dir).walkTopDown().filter { it.extension == "kt" }.toList()

    @Test
    fun `screens and state import nothing from android`() {
        val files = kotlinFiles("ui") + kotlinFiles("state")
        assertTrue(files.size >= 20, "found ${files.size} files under $app")
        val offenders =
            files.flatMap { f ->
                f.readLines().filter { it.startsWith("import android.") }.map { "${f.name}: $it" }
            }
        assertEquals(emptyList<String>(), offenders)
    }

    @Test
    fun `the app writes no logs`() {
        val logging = Regex("""\b(android\.util\.Log|Log\.[vdiwe]\(|println\(|printStackTrace\(|Timber\.)""")
        val offenders =
            (kotlinFiles("ui") + kotlinFiles("state") + kotlinFiles("platform")).flatMap { f ->
                f.readLines().filter { logging.containsMatchIn(it) }.map { "${f.name}: ${it.trim()}" }
            }
        assertEquals(emptyList<String>(), offenders)
    }
}
