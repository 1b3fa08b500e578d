// The apps stay current by listening, not by reloading everything: a Kotlin StoreListener hears
// what each committed write changed, a second phone's edit arrives named by the sync, and a
// sync stopped by the OS ends with Interrupted and loses nothing.
package app.steady.tests

import app.steady.core.SteadyException
import app.steady.core.StoreListener
import app.steady.core.SyncObserver
import app.steady.core.SyncProgress
import app.steady.core.model.EntityKind
import app.steady.core.model.NewPerson
import app.steady.core.model.QuickCapture
import app.steady.core.model.Role
import app.steady.core.model.StoreChange
import app.steady.core.model.SyncStatus
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.CopyOnWriteArrayList

class StoreChangesTest {
    private class Heard : StoreListener {
        val changes = CopyOnWriteArrayList<StoreChange>()

        override fun onChange(change: StoreChange) {
            changes += change
        }

        fun touched(
            kind: EntityKind,
            id: String,
        ) = changes.any { c -> c.records.any { it.kind == kind && it.id == id } }
    }

    @Test
    fun `a screen hears its own save and a colleague's edit, and nothing after cancelling`() {
        val unit = newUnit("oakfield", "Oakfield House")
        Device("Priya Shah", "Care lead").use { lead ->
            lead.join(unit, Role.EDITOR)
            Device("Chris Lee", "Support worker").use { worker ->
                worker.join(unit, Role.EDITOR)
                val heard = Heard()
                val subscription = worker.store.subscribe(heard)

                val id = worker.store.captureIncident(QuickCapture(unitId = unit, note = "Pacing by the door"))
                assertTrue(heard.touched(EntityKind.INCIDENT, id))

                heard.changes.clear()
                repeat(3) { worker.store.incident(id) }
                assertTrue(heard.changes.isEmpty(), "reading announces nothing")

                val sam = lead.store.createPerson(unit, NewPerson("Sam"))
                lead.store.sync(null)
                worker.store.sync(null)
                assertTrue(heard.touched(EntityKind.PERSON, sam), "${heard.changes}")

                subscription.cancel()
                heard.changes.clear()
                worker.store.captureIncident(QuickCapture(unitId = unit, note = "Calm again"))
                assertTrue(heard.changes.isEmpty())
            }
        }
    }

    @Test
    fun `a sync stopped by the OS while it waits ends as Interrupted, and the next one sends it all`() {
        val unit = newUnit("hems", "Air Ambulance Base")
        Device("Dana Cole", "Critical care paramedic").use { crew ->
            val signal = Link()
            crew.join(unit, Role.READER, through = signal.url)
            crew.store.captureIncident(QuickCapture(unitId = unit, note = "Agitated driver, calmed by crew"))
            signal.cut()
            // WorkManager's onStopped arrives as the first attempt fails and the core waits to retry.
            val stopper =
                object : SyncObserver {
                    override fun onProgress(progress: SyncProgress) = crew.store.interruptSync()

                    override fun onFinished(status: SyncStatus) {}
                }
            assertThrows<SteadyException.Interrupted> { crew.store.sync(stopper) }
            assertEquals(1u, crew.store.outboxStatus().pending)
            assertNull(crew.store.syncStatus().lastProblem, "an interrupt is not a failure")

            signal.restore()
            assertEquals(1u, crew.store.sync(null).pushed)
            assertEquals(0u, crew.store.outboxStatus().pending)
            signal.close()
        }
    }
}
