// One store shared by coroutines on Dispatchers.IO, as an app's screens, workers and a sync would
// share it: every call is safe from any thread and nothing is lost or duplicated.
package app.steady.tests

import app.steady.core.model.IncidentTag
import app.steady.core.model.NewPerson
import app.steady.core.model.QuickCapture
import app.steady.core.model.Role
import app.steady.core.model.SheetList
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class ConcurrencyTest {
    @Test
    fun `eight coroutines on Dispatchers IO capture, read and sync through one store`() {
        val unit = newUnit("oakfield", "Oakfield House")
        val perCoroutine = 25
        Device("Priya Shah", "Care lead").use { d ->
            d.join(unit, Role.EDITOR)
            val sam = d.store.createPerson(unit, NewPerson("Samuel Okafor", "Sam"))
            d.store.addSheetItem(sam, SheetList.WHAT_HELPS, "Quiet lounge", null)

            val ids =
                runBlocking {
                    (0 until 8)
                        .map { worker ->
                            async(Dispatchers.IO) {
                                (0 until perCoroutine).map { i ->
                                    if (worker == 0 && i % 5 == 0) {
                                        // One of them syncs now and then while the others write.
                                        d.store.sync(null)
                                    }
                                    val id =
                                        d.store.captureIncident(
                                            QuickCapture(
                                                unitId = unit,
                                                note = "Worker $worker, note $i",
                                                personId = sam,
                                                tags = listOf(IncidentTag.NEAR_MISS),
                                            ),
                                        )
                                    assertEquals("Sam", d.store.amberCard(sam).name)
                                    assertEquals(1, d.store.people(unit).size)
                                    d.store.searchPeople("Samuel", 3u)
                                    id
                                }
                            }
                        }.awaitAll()
                        .flatten()
                }

            assertEquals(8 * perCoroutine, ids.toSet().size)
            assertEquals(8 * perCoroutine, d.store.incidents(unit).size)
            d.store.checkIntegrity()
            d.store.verifyAuditTrail()
            runBlocking { withContext(Dispatchers.IO) { d.store.sync(null) } }
            assertEquals(0u, d.store.outboxStatus().pending)

            // Every capture reached the server exactly once.
            Device("Jo Bell", "Care assistant").use { other ->
                other.join(unit, Role.READER)
                assertEquals(
                    ids.toSet(),
                    other.store
                        .incidents(unit)
                        .map { it.id }
                        .toSet(),
                )
            }
        }
    }
}
