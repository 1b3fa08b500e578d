// The core's errors arriving as the right Kotlin exception classes, with their fields; and a
// panic inside the core arriving as an exception while the JVM and the store carry on.
package app.steady.tests

import app.steady.core.Field
import app.steady.core.KeyException
import app.steady.core.KeyProvider
import app.steady.core.SteadyException
import app.steady.core.SteadyStore
import app.steady.core.model.IncidentDetails
import app.steady.core.model.NewPerson
import app.steady.core.model.QuickCapture
import app.steady.core.model.Refusal
import app.steady.core.model.Role
import app.steady.core.model.SheetText
import app.steady.core.testingPanic
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File

class ErrorsTest {
    @Test
    fun `input that breaks a rule is a Validation naming the field`() {
        Device().use { d ->
            val e =
                assertThrows<SteadyException.Validation> {
                    d.store.createPerson("any-unit", NewPerson(displayName = "   "))
                }
            assertEquals(Field.DISPLAY_NAME, e.field)
            assertEquals("display_name", e.path)
            assertEquals("must not be empty", e.rule)
            // Every error the apps see is one sealed class.
            assertTrue(e is SteadyException)
        }
    }

    @Test
    fun `a reader editing a support sheet is NotAllowed`() {
        val unit = newUnit("oakfield", "Oakfield House")
        Device("Priya Shah", "Care lead").use { lead ->
            lead.join(unit, Role.EDITOR)
            val sam = lead.store.createPerson(unit, NewPerson("Sam"))
            lead.store.sync(null)
            Device("Chris Lee", "Agency support worker").use { agency ->
                agency.join(unit, Role.READER)
                assertEquals("Sam", agency.store.amberCard(sam).name)
                val e =
                    assertThrows<SteadyException.NotAllowed> {
                        agency.store.setSheetText(sam, SheetText.WHAT_STAFF_SHOULD_DO, "Call 999")
                    }
                assertTrue(e.reason.contains("reader"), e.reason)
                val refusal = e.refusal as Refusal.RoleTooLow
                assertEquals(Role.READER, refusal.role)
                assertEquals(Role.EDITOR, refusal.needs)
            }
        }
    }

    @Test
    fun `a submitted incident is Locked, and takes an addendum instead`() {
        val unit = newUnit("oakfield", "Oakfield House")
        Device().use { d ->
            d.join(unit, Role.EDITOR)
            val id = d.store.captureIncident(QuickCapture(unitId = unit, note = "Threw a cup; calmed with space"))
            d.store.submitIncident(id)
            val e =
                assertThrows<SteadyException.Locked> {
                    d.store.updateIncident(id, IncidentDetails(note = "changed"))
                }
            assertEquals(id, e.record)
            d.store.addAddendum(id, "Time corrected", "It happened at 14:10, not 14:00")
            assertEquals(
                1,
                d.store
                    .incident(id)
                    .addenda.size,
            )
        }
    }

    @Test
    fun `a record that is not on the device is NotFound`() {
        Device().use { d ->
            val e = assertThrows<SteadyException.NotFound> { d.store.amberCard("no-such-person") }
            assertEquals("person", e.what)
            assertEquals("no-such-person", e.id)
        }
    }

    @Test
    fun `sync before enrolment is NotEnrolled`() {
        Device().use { d ->
            assertThrows<SteadyException.NotEnrolled> { d.store.sync(null) }
        }
    }

    @Test
    fun `a refused enrolment code is a Validation of the code`() {
        Device().use { d ->
            val e = assertThrows<SteadyException.Validation> { d.store.enroll(SyncServer.url, "nope-nope") }
            assertEquals(Field.ENROLMENT_CODE, e.field)
        }
    }

    @Test
    fun `a key that does not open the store is WrongKey, and a locked keystore is KeyUnavailable`() {
        Device().use { d ->
            d.store.close()
            assertThrows<SteadyException.WrongKey> { SteadyStore.open(d.path, FixedKey(randomKey())) }
            val locked =
                object : KeyProvider {
                    override fun databaseKey(): ByteArray = throw KeyException.Unavailable("before first unlock")
                }
            val e = assertThrows<SteadyException.KeyUnavailable> { SteadyStore.open(d.path, locked) }
            assertTrue(e.detail.contains("before first unlock"), e.detail)
            val short =
                object : KeyProvider {
                    override fun databaseKey(): ByteArray = ByteArray(16)
                }
            assertEquals("key", assertThrows<SteadyException.Validation> { SteadyStore.open(d.path, short) }.path)
            val damaged =
                object : KeyProvider {
                    override fun databaseKey(): ByteArray = throw KeyException.Unreadable("the wrapped key fails its tag")
                }
            assertThrows<SteadyException.KeyUnreadable> { SteadyStore.open(d.path, damaged) }
        }
    }

    @Test
    fun `a revoked device is told at its next sync, and wipe deletes the store`() {
        val unit = newUnit("oakfield", "Oakfield House")
        Device().use { d ->
            d.join(unit, Role.EDITOR)
            d.store.createPerson(unit, NewPerson("Sam"))
            d.store.sync(null)
            SyncServer.revokeDevice(d.store.deviceId())
            assertThrows<SteadyException.Revoked> { d.store.sync(null) }
            assertTrue(d.store.units().isEmpty())
            d.store.wipe()
            assertFalse(File(d.path).exists())
            assertThrows<SteadyException.Storage> { d.store.units() }
        }
    }

    @Test
    fun `a panic inside the core arrives as SteadyException Internal and the JVM and store carry on`() {
        Device().use { d ->
            d.store.testingPanicInsideCore()
            val e = assertThrows<SteadyException.Internal> { d.store.units() }
            assertTrue(e.detail.contains("panicked inside the core"), e.detail)
            // Same store, next call: fine.
            assertEquals(0, d.store.units().size)
            d.store.checkIntegrity()
            val outside = assertThrows<SteadyException.Internal> { testingPanic("boom") }
            assertEquals("panic: boom", outside.detail)
        }
        // And a new store still opens in this JVM.
        Device().use { assertEquals(0u, it.store.outboxStatus().pending) }
    }
}
