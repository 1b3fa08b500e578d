// A bank worker's placements as the Android app serves them (issue 14, review row (c), F6): the
// placement ends while the people screen is open and the screen says so in words — when, on a UK
// clock, and what happens to its records — instead of "No people … yet"; the next placement's
// code is added from Sync and settings without signing out; several placements are listed with
// their role and end; the ended one leaves the phone at the next sync, or at start-up; and with
// no placement left the app shows the way to the next one. Real library, real steady-server.
package app.steady.android.tests

import app.steady.android.state.PeopleViewModel
import app.steady.android.state.PlacementLink
import app.steady.android.state.SyncViewModel
import app.steady.android.state.endedPlacementText
import app.steady.android.state.readPlacementLink
import app.steady.android.state.sameServer
import app.steady.core.model.IncidentTag
import app.steady.core.model.QuickCapture
import app.steady.core.model.Role
import app.steady.core.model.StaffMember
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.net.URLEncoder
import java.nio.charset.StandardCharsets
import java.time.Instant
import java.time.temporal.ChronoUnit

/** A unit whose placement code ends [seconds] from now, and when. */
fun endingPlacement(
    name: String,
    seconds: Long,
    role: Role = Role.EDITOR,
): Triple<String, String, Instant> {
    val unit = DemoServer.newUnit(name)
    val ends = Instant.now().plusSeconds(seconds).truncatedTo(ChronoUnit.SECONDS)
    val out = DemoServer.admin("code", "issue", "--grant", "$unit:${role.name.lowercase()}:$ends")
    val code = Regex("enrolment code:\\s*(\\S+)").find(out)?.groupValues?.get(1) ?: error("no code in: $out")
    return Triple(unit, code, ends)
}

/** Waits (up to [seconds]) for [done], checking every 100 ms. */
fun waitUntil(
    seconds: Long = 15,
    done: () -> Boolean,
) {
    val until = System.currentTimeMillis() + seconds * 1000
    while (!done()) {
        check(System.currentTimeMillis() < until) { "timed out" }
        Thread.sleep(100)
    }
}

/** A `steady://enrol` link, as a lead's QR code carries it. */
fun enrolmentLink(
    server: String,
    code: String,
): String =
    "steady://enrol?server=${URLEncoder.encode(server, StandardCharsets.UTF_8)}&code=${URLEncoder.encode(code, StandardCharsets.UTF_8)}"

class PlacementFlowTest {
    @BeforeEach
    fun main() = useTestMain()

    @Test
    fun `a bank worker's ward placement ends on screen, the home's code is added from settings, and the ward leaves at the next sync`() {
        val (ward, wardCode, ends) = endingPlacement("Ash Ward (synthetic)", seconds = 15)
        Device().use { d ->
            d.store.setStaffMember(StaffMember("Chris Lee", "Bank support worker"))
            d.store.enroll(DemoServer.url, wardCode)
            d.store.sync(null)
            val deviceId = d.store.deviceId()
            val people = PeopleViewModel(d.session)
            assertEquals(ward, people.state.value.selectedUnitId)
            assertNull(people.state.value.ended)

            // The care home's manager gives the next placement's code before the ward's ends;
            // the worker adds it in Sync and settings: typed wrong first, then from its QR code.
            val sync = SyncViewModel(d.session)
            sync.onAddPlacementOpen()
            sync.onPlacementCodeChange("K7Q2MX-ABCDEFGHJKMNPQRSTVWX")
            sync.onAddPlacement()
            val refused = sync.state.value.addPlacement
            assertNotNull(refused?.codeError, "a refused code is shown under the code field: $refused")
            assertEquals(1, d.store.units().size, "a refused code changes nothing")
            sync.onPlacementScanned(enrolmentLink(DemoServer.url, DemoServer.issueCode(OAKFIELD, Role.EDITOR)))
            assertNull(
                sync.state.value.addPlacement
                    ?.codeError,
            )
            sync.onAddPlacement()
            val added = sync.state.value
            assertNull(added.addPlacement, "the form closes once added: $added")
            assertEquals("Added Oakfield House. Its people are on this phone.", added.message)
            assertTrue(added.enrolled && !added.signedOut, "not signed out")
            assertEquals(deviceId, d.store.deviceId(), "the same phone, the same token")

            // Several placements at once: each with its role and its end, on a UK clock.
            val wardEnds = "Ends " + d.session.labels.dayTime(ends.toEpochMilli())
            val listed = added.units.associateBy { it.name }
            assertEquals(setOf("Ash Ward (synthetic)", "Oakfield House"), listed.keys)
            assertEquals(wardEnds, listed.getValue("Ash Ward (synthetic)").endsLabel)
            assertEquals("Editor", listed.getValue("Ash Ward (synthetic)").roleLabel)
            assertNull(listed.getValue("Oakfield House").endsLabel, "an open-ended grant shows no end")
            assertEquals(
                listed.keys,
                people.state.value.units
                    .map { it.name }
                    .toSet(),
                "the picker lists both",
            )
            assertEquals(ward, people.state.value.selectedUnitId, "the ward stays selected while it lasts")
            assertEquals(12, d.store.people(OAKFIELD).size, "the home's people arrived with the add")

            // The last incident of the ward shift, captured before the end and not yet synced.
            d.store.captureIncident(
                QuickCapture(unitId = ward, note = "Shouting at handover; settled", tags = listOf(IncidentTag.VERBAL_AGGRESSION)),
            )
            val waiting =
                d.store
                    .units()
                    .single { it.grant.unitId == ward }
                    .pendingChanges
                    .toInt()
            assertTrue(waiting >= 1)

            // The placement ends with the screen open: it says so by itself, in words.
            waitUntil(seconds = 30) { people.state.value.ended != null }
            val s = people.state.value
            val ended = s.ended!!
            val endedAt = d.session.labels.dayTime(ends.toEpochMilli())
            assertEquals(endedPlacementText("Ash Ward (synthetic)", endedAt, waiting), ended.text)
            assertTrue(
                ended.text.startsWith(
                    "Your placement in Ash Ward (synthetic) ended $endedAt. Its records leave this phone once everything is synced (",
                ),
                ended.text,
            )
            assertTrue(ended.text.endsWith(if (waiting == 1) "(1 change waiting)." else "($waiting changes waiting)."), ended.text)
            assertFalse(Regex("\\d{4}-\\d{2}-\\d{2}T").containsMatchIn(ended.text), "no ISO time: ${ended.text}")
            assertEquals("Oakfield House", ended.switchTo?.label, "another unit is active: switch to it")
            assertTrue(s.people.isEmpty())
            assertEquals("Ended $endedAt", s.units.single { it.id == ward }.endsLabel, "the picker marks it ended")
            assertFalse(s.units.single { it.id == ward }.active)

            // The next sync sends the last incident (made while the placement was in force), then
            // the ward leaves the phone; the home's people stay and are shown.
            sync.onSyncNow()
            assertEquals(0, sync.state.value.pending, sync.state.value.toString())
            assertEquals(listOf(OAKFIELD), d.store.units().map { it.grant.unitId })
            assertEquals(
                listOf("Oakfield House"),
                sync.state.value.units
                    .map { it.name },
            )
            val after = people.state.value
            assertEquals(OAKFIELD, after.selectedUnitId)
            assertNull(after.ended)
            assertEquals(12, after.people.size)
            assertTrue(d.store.searchPeople("handover", 5u).isEmpty())
        }
    }

    @Test
    fun `with every placement over and purged at start-up the app shows the way to the next one, added without signing out`() {
        val (ward, wardCode, ends) = endingPlacement("Elm Ward (synthetic)", seconds = 3, role = Role.READER)
        Device().use { d ->
            d.store.setStaffMember(StaffMember("Ari Agency", "Agency support worker"))
            d.store.enroll(DemoServer.url, wardCode)
            d.store.sync(null)
            // The phone was closed when it ended; the next start-up removes the unit.
            Thread.sleep(maxOf(0, ends.toEpochMilli() - System.currentTimeMillis()) + 500)
            assertEquals(listOf(ward), d.session.purgeEndedPlacements())

            val people = PeopleViewModel(d.session)
            val empty = people.state.value
            assertTrue(empty.noPlacement, "not an empty shell: $empty")
            assertTrue(empty.units.isEmpty())
            assertNull(empty.ended)

            // "Add your next placement": a link for another organisation's server is refused and
            // says why; the right one's code is added; the phone stays enrolled.
            val sync = SyncViewModel(d.session)
            assertTrue(sync.state.value.enrolled)
            sync.onAddPlacementOpen()
            sync.onPlacementScanned(enrolmentLink("https://sync.other-trust.example", "K7Q2MX-ABCDEFGHJKMNPQRSTVWX"))
            val other =
                sync.state.value.addPlacement
                    ?.codeError
                    .orEmpty()
            assertTrue(other.startsWith("This code is for another sync server (https://sync.other-trust.example)."), other)
            assertEquals(
                "",
                sync.state.value.addPlacement
                    ?.code,
            )
            sync.onPlacementScanned("https://example.org/not-a-code")
            assertEquals(
                "That is not a Steady enrolment code.",
                sync.state.value.addPlacement
                    ?.codeError,
            )
            // A link pasted into the field is read as a link.
            sync.onPlacementCodeChange(enrolmentLink(DemoServer.url, DemoServer.issueCode(WILLOW, Role.READER)))
            sync.onAddPlacement()
            assertNull(sync.state.value.addPlacement, sync.state.value.toString())
            assertEquals(
                listOf("Willow Ward"),
                sync.state.value.units
                    .map { it.name },
            )
            assertFalse(d.hooks.forgotten, "never signed out")

            val back = people.state.value
            assertFalse(back.noPlacement)
            assertEquals(WILLOW, back.selectedUnitId)
            assertTrue(back.people.isNotEmpty(), "the new unit's people are shown")
        }
    }

    @Test
    fun `the words and the server check`() {
        assertEquals(
            "Your placement in Willow Ward ended Fri 5 Dec, 20:00. Its records leave this phone once everything is synced (2 changes waiting).",
            endedPlacementText("Willow Ward", "Fri 5 Dec, 20:00", 2),
        )
        assertTrue(endedPlacementText("Willow Ward", "Fri 5 Dec, 20:00", 1).endsWith("(1 change waiting)."))
        assertTrue(endedPlacementText("Willow Ward", null, 0).startsWith("Your placement in Willow Ward has ended."))
        assertTrue(sameServer("HTTPS://Sync.Example.org/", "https://sync.example.org"))
        assertFalse(sameServer("https://sync.example.org:8443", "https://sync.example.org"))
        assertEquals(
            PlacementLink.Code("K7Q2MX-ABC"),
            readPlacementLink("steady://enrol?server=https%3A%2F%2Fsync.example.org&code=K7Q2MX-ABC", "https://sync.example.org/"),
        )
        // Grant ends fall on the UK clock: 19:00 UTC in summer is 20:00 on the ward.
        val summer = Instant.parse("2026-07-03T19:00:00Z").toEpochMilli()
        assertEquals(
            "Fri 3 Jul, 20:00",
            app.steady.android.state
                .TimeLabels()
                .dayTime(summer),
        )
    }
}
