// The end of a placement on a phone that was closed when it ended: the app's start-up removes the
// unit (issue 14), as the purge after a sync does, so an agency worker's phone does not keep
// showing a unit they no longer work in until it next reaches the server.
package app.steady.android.tests

import app.steady.core.model.StaffMember
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Instant
import java.time.temporal.ChronoUnit

class PlacementEndTest {
    @Test
    fun a_placement_that_ended_while_the_app_was_closed_is_removed_at_start_up() {
        val unit = DemoServer.newUnit("Ended Placement House (synthetic)")
        val ends = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS)
        val code =
            Regex("enrolment code:\\s*(\\S+)")
                .find(DemoServer.admin("code", "issue", "--grant", "$unit:reader:$ends"))
                ?.groupValues
                ?.get(1) ?: error("no code")
        Device().use { d ->
            d.store.setStaffMember(StaffMember("Ari Agency", "Support worker"))
            d.store.enroll(DemoServer.url, code)
            d.store.sync(null)
            // Still in force: start-up keeps it.
            assertEquals(emptyList<String>(), d.session.purgeEndedPlacements())
            assertTrue(d.store.units().any { it.grant.unitId == unit })
            // The placement ends while the app is closed; the next start-up removes it.
            Thread.sleep(maxOf(0, ends.toEpochMilli() - System.currentTimeMillis()) + 500)
            assertEquals(listOf(unit), d.session.purgeEndedPlacements())
            assertTrue(d.store.units().none { it.grant.unitId == unit })
        }
    }
}
