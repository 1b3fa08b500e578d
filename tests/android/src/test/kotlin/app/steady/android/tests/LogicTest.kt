// The app's plain rules, without the store: the enrolment link, server address and code
// checks, staff lines, the prone-hold rule with a fake clock, and the words for what the core
// could not read.
package app.steady.android.tests

import app.steady.android.state.EnrolmentLink
import app.steady.android.state.TimeLabels
import app.steady.android.state.checkEnrolmentCode
import app.steady.android.state.checkServerAddress
import app.steady.android.state.parseStaffLines
import app.steady.android.state.proneHoldAlert
import app.steady.android.state.proneHoldOverTen
import app.steady.android.state.unreadableWarning
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.UseOfForce
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.ZoneId

class LogicTest {
    @Test
    fun `an enrolment QR code gives the server and the code`() {
        val link = EnrolmentLink.parse("steady://enrol?server=https%3A%2F%2Fsync.example.org&code=ABCD-EFGH-JKLM")
        assertEquals(EnrolmentLink("https://sync.example.org", "ABCD-EFGH-JKLM"), link)
        assertEquals(
            EnrolmentLink("http://127.0.0.1:8440", "K7Q2-99XZ"),
            EnrolmentLink.parse("  STEADY://Enrol?code=K7Q2-99XZ&server=http://127.0.0.1:8440 "),
        )
    }

    @Test
    fun `anything else scanned is refused`() {
        listOf(
            "https://sync.example.org",
            "steady://enrol?server=https://sync.example.org",
            "steady://enrol?code=ABCD",
            "steady://other?server=https://a.example&code=ABCDEFG",
            "steady://enrol?server=http://sync.example.org&code=ABCDEFG",
            "not a link at all",
            "",
        ).forEach { assertNull(EnrolmentLink.parse(it), it) }
    }

    @Test
    fun `server addresses must be https except to this device`() {
        assertNull(checkServerAddress("https://sync.example.org"))
        assertNull(checkServerAddress("http://127.0.0.1:8440"))
        assertNull(checkServerAddress("http://localhost:8440"))
        assertNotNull(checkServerAddress("http://sync.example.org"))
        assertNotNull(checkServerAddress("sync.example.org"))
        assertNotNull(checkServerAddress(""))
        assertNotNull(checkEnrolmentCode(" "))
        assertNotNull(checkEnrolmentCode("AB"))
        assertNull(checkEnrolmentCode("ABCD-EFGH"))
    }

    @Test
    fun `staff lines are a name and a job title`() {
        val (staff, error) = parseStaffLines("Jo Bell, Support worker\n\n  Priya Shah ,  Nurse in charge ")
        assertNull(error)
        assertEquals(listOf("Jo Bell" to "Support worker", "Priya Shah" to "Nurse in charge"), staff.map { it.name to it.jobTitle })
        assertEquals("Line 2: write the name, a comma, then the job title", parseStaffLines("Jo Bell, HCA\nPriya Shah").second)
    }

    @Test
    fun `an incident the core could not wholly read says which parts are missing, and nothing when all was read`() {
        assertNull(unreadableWarning(emptyList()))
        assertEquals(
            "Part of this record could not be read on this device: use of force/uof-2, debrief person; " +
                "the rest is shown. Tell your lead.",
            unreadableWarning(listOf("use_of_force/uof-2", "debrief_person")),
        )
    }

    @Test
    fun `a prone hold alerts only once it passes ten minutes, and only while it runs`() {
        val t0 = 1_800_000_000_000
        val prone = UseOfForce(intervention = RestrictiveInterventionType.PHYSICAL_PRONE, startedAt = t0)
        assertFalse(proneHoldAlert(prone, t0 + PRONE_ALERT_AFTER_MS))
        assertTrue(proneHoldAlert(prone, t0 + PRONE_ALERT_AFTER_MS + 1_000))
        val seated = prone.copy(intervention = RestrictiveInterventionType.PHYSICAL_SEATED)
        assertFalse(proneHoldAlert(seated, t0 + 3 * PRONE_ALERT_AFTER_MS))
        val ended = prone.copy(endedAt = t0 + 11 * 60_000)
        assertFalse(proneHoldAlert(ended, t0 + 20 * 60_000))
        assertTrue(proneHoldOverTen(ended, t0 + 20 * 60_000))
        assertFalse(proneHoldOverTen(prone.copy(endedAt = t0 + 9 * 60_000), t0 + 20 * 60_000))
    }

    @Test
    fun `durations read as minutes and seconds`() {
        val labels = TimeLabels(ZoneId.of("UTC"))
        assertEquals("0:00", labels.duration(0))
        assertEquals("10:01", labels.duration(601_000))
        assertEquals("1:02:03", labels.duration(3_723_000))
    }
}
