// Opening and closing the store many times (an app started by every push, a worker run by
// WorkManager) must not leak native memory: 10,000 open/query/close cycles, resident memory
// measured from /proc/self/status.
package app.steady.tests

import app.steady.core.SteadyStore
import app.steady.core.model.NewPerson
import app.steady.core.model.Role
import app.steady.core.model.SheetList
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

/** The bound, also stated in bindings/README.md. */
const val RSS_GROWTH_BOUND_MIB = 64

class MemoryTest {
    private fun residentMib(): Double {
        // The JVM's heap is committed and touched at start (-Xms = -Xmx, AlwaysPreTouch; see
        // pom.xml), so what grows here is native memory: the library, SQLite, JNA.
        System.gc()
        Thread.sleep(100)
        val line = File("/proc/self/status").readLines().first { it.startsWith("VmRSS:") }
        return line.split(Regex("\\s+"))[1].toLong() / 1024.0
    }

    @Test
    fun `10,000 open, query and close cycles keep resident memory growth under the bound`() {
        val unit = newUnit("oakfield", "Oakfield House")
        val device = Device().join(unit, Role.EDITOR)
        val sam = device.store.createPerson(unit, NewPerson("Samuel Okafor", "Sam"))
        device.store.addSafetyAlert(sam, "No prone holds: asthma", null)
        device.store.addSheetItem(sam, SheetList.WARNING_SIGNS, "Pacing", null)
        device.store.close()

        fun cycle() {
            SteadyStore.open(device.path, device.key).use { s ->
                assertEquals(1, s.people(unit).size)
                assertEquals("Sam", s.amberCard(sam).name)
            }
        }

        repeat(500) { cycle() } // warm-up: JIT, JNA, SQLite's and the allocator's first growth
        val before = residentMib()
        val started = System.nanoTime()
        val checkpoints =
            (1..4).map {
                repeat(2_500) { cycle() }
                residentMib()
            }
        val seconds = (System.nanoTime() - started) / 1e9
        val after = checkpoints.last()
        val growth = after - before
        report(
            "rss",
            "memory: 10,000 open/query/close cycles in %.1f s; resident %.1f MiB after warm-up, %s MiB after each 2,500; growth %.1f MiB (bound %d MiB)"
                .format(seconds, before, checkpoints.joinToString(", ") { "%.1f".format(it) }, growth, RSS_GROWTH_BOUND_MIB),
        )
        assertTrue(growth < RSS_GROWTH_BOUND_MIB, "resident memory grew by %.1f MiB".format(growth))
        device.dir.toFile().deleteRecursively()
    }
}
