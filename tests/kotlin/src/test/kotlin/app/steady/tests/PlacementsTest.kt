// A bank worker's placements as the apps would drive them: enrolled for one unit, the next
// unit's code added without signing out, both units' people on the phone at once, then the first
// placement ending and leaving the phone while the second stays. All names are invented.
package app.steady.tests

import app.steady.core.Field
import app.steady.core.SteadyException
import app.steady.core.StoreListener
import app.steady.core.model.NewPerson
import app.steady.core.model.Role
import app.steady.core.model.StoreChange
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.CopyOnWriteArrayList

class PlacementsTest {
    private class Heard : StoreListener {
        val changes = CopyOnWriteArrayList<StoreChange>()

        override fun onChange(change: StoreChange) {
            changes += change
        }

        fun units(): Set<String> = changes.flatMap { it.unitsWithNewAccess }.toSet()
    }

    private fun peopleIn(
        device: Device,
        unit: String,
    ): List<String> = device.store.people(unit).map { it.displayName }

    @Test
    fun `a bank worker adds the next unit's code without signing out, and the ward's placement ends while the home's stays`() {
        val ward = newUnit("ash", "Ash Ward")
        val home = newUnit("birch", "Birch House")
        Device("Priya Shah", "Ward manager").use { wardLead ->
            wardLead.join(ward, Role.EDITOR)
            wardLead.store.createPerson(ward, NewPerson("Sam Okafor"))
            wardLead.store.sync(null)
            Device("Jo Park", "Home manager").use { homeLead ->
                homeLead.join(home, Role.EDITOR)
                homeLead.store.createPerson(home, NewPerson("Robin Shah"))
                homeLead.store.sync(null)

                Device("Chris Lee", "Bank support worker").use { bank ->
                    bank.join(ward, Role.EDITOR)
                    assertEquals(listOf("Sam Okafor"), peopleIn(bank, ward))
                    val deviceId = bank.store.deviceId()
                    val heard = Heard()
                    val subscription = bank.store.subscribe(heard)

                    // The home's manager gives the next placement's code; the worker types it in.
                    val grants = bank.store.addPlacement(SyncServer.issueCode(home, Role.EDITOR))
                    assertEquals(setOf(ward, home), grants.map { it.unitId }.toSet(), "all the phone's grants")
                    assertEquals(setOf(home), heard.units(), "the people list hears of the new unit")
                    assertTrue(bank.store.syncStatus().enrolled, "not signed out")
                    assertEquals(deviceId, bank.store.deviceId())

                    // Both units' people are on the phone after the next sync, with the same token.
                    bank.store.sync(null)
                    assertEquals(listOf("Sam Okafor"), peopleIn(bank, ward))
                    assertEquals(listOf("Robin Shah"), peopleIn(bank, home))
                    bank.store.createPerson(home, NewPerson("Alex Brown"))
                    assertEquals(0u, bank.store.sync(null).quarantined)

                    // A code typed wrong (or already used) is refused as at enrolment; nothing changes.
                    val refused = assertThrows<SteadyException.Validation> { bank.store.addPlacement("nope-nope") }
                    assertEquals(Field.ENROLMENT_CODE, refused.field)
                    assertEquals(2, bank.store.units().size)

                    // The ward placement ends: its data leaves the phone at the next sync, the
                    // home's stays.
                    SyncServer.admin("grant", "end", "--device", deviceId, "--unit", ward)
                    val report = bank.store.sync(null)
                    assertEquals(listOf(ward), report.purgedUnits)
                    assertEquals(listOf(home), bank.store.units().map { it.grant.unitId })
                    assertTrue(bank.store.units().single().active)
                    assertEquals(listOf("Alex Brown", "Robin Shah"), peopleIn(bank, home).sorted())
                    assertTrue(bank.store.searchPeople("Sam", 5u).isEmpty())
                    subscription.cancel()
                }
            }
        }
    }
}
