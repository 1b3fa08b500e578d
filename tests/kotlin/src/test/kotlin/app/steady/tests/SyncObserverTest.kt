// A Kotlin SyncObserver hears each round trip and the final status; one that throws cannot
// break the sync.
package app.steady.tests

import app.steady.core.SyncObserver
import app.steady.core.SyncProgress
import app.steady.core.model.NewPerson
import app.steady.core.model.Role
import app.steady.core.model.SyncStatus
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.concurrent.CopyOnWriteArrayList

class SyncObserverTest {
    private class Recorder : SyncObserver {
        val progress = CopyOnWriteArrayList<SyncProgress>()
        val finished = CopyOnWriteArrayList<SyncStatus>()
        val threads = CopyOnWriteArrayList<String>()

        override fun onProgress(progress: SyncProgress) {
            this.progress += progress
            threads += Thread.currentThread().name
        }

        override fun onFinished(status: SyncStatus) {
            finished += status
        }
    }

    @Test
    fun `the observer hears progress on the syncing thread, then the final status`() {
        val unit = newUnit("oakfield", "Oakfield House")
        Device().use { d ->
            d.join(unit, Role.EDITOR)
            repeat(5) { d.store.createPerson(unit, NewPerson("Person $it")) }
            val recorder = Recorder()
            val report = d.store.sync(recorder)
            assertEquals(5u, report.pushed)
            val last = recorder.progress.last()
            assertEquals(5u, last.sent)
            assertEquals(report.requests, last.requests)
            assertFalse(last.more)
            assertTrue(recorder.threads.all { it == Thread.currentThread().name })
            val status = recorder.finished.single()
            assertEquals(0u, status.pending)
            assertNotNull(status.lastSuccessAt)
        }
    }

    @Test
    fun `an observer that throws does not fail the sync`() {
        val unit = newUnit("oakfield", "Oakfield House")
        Device().use { d ->
            d.join(unit, Role.EDITOR)
            d.store.createPerson(unit, NewPerson("Sam"))
            val broken =
                object : SyncObserver {
                    override fun onProgress(progress: SyncProgress): Unit = throw IllegalStateException("UI gone")

                    override fun onFinished(status: SyncStatus): Unit = throw IllegalStateException("UI gone")
                }
            assertEquals(1u, d.store.sync(broken).pushed)
            assertEquals(0u, d.store.outboxStatus().pending)
        }
    }
}
