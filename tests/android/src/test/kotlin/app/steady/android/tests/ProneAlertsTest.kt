// The prone-hold notification's decisions, against the real Rust library and a real server:
// what is scheduled (when, with which words), what is cancelled, and when the notification
// permission is asked. The Android half (AlarmManager, the dialog) only records here.
package app.steady.android.tests

import app.steady.android.state.NotificationPermissionState
import app.steady.android.state.ProneAlarm
import app.steady.android.state.ProneAlarmSink
import app.steady.android.state.ProneAlertWatcher
import app.steady.android.state.ProneAlerts
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import app.steady.core.model.UseOfForce
import app.steady.core.proneHoldAlertAt
import app.steady.core.proneHoldAlertText
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Records what the platform was asked to do. */
class RecordingAlarms : ProneAlarmSink {
    val scheduled = mutableListOf<ProneAlarm>()
    val cancelled = mutableListOf<String>()

    override fun schedule(alarm: ProneAlarm) {
        scheduled += alarm
    }

    override fun cancel(entryId: String) {
        cancelled += entryId
    }
}

/** A permission not granted and never asked, until the dialog has been shown once. */
class FakePermission : NotificationPermissionState {
    var asked = false

    override fun shouldAsk() = !asked

    override fun markAsked() {
        asked = true
    }
}

class ProneAlertsTest {
    private fun Device.draft(): String =
        store.captureIncident(QuickCapture(unitId = OAKFIELD, note = "Hit out at staff", personId = "$OAKFIELD-p03"))

    private fun Device.start(
        incident: String,
        type: RestrictiveInterventionType,
    ): String =
        store.addUseOfForce(incident, UseOfForce(intervention = type, startedAt = clock.nowMillis(), staff = listOf(store.staffMember())))

    private fun Device.entry(
        incident: String,
        id: String,
    ): UseOfForce = store.incident(incident).useOfForce.single { it.id == id }

    @Test
    fun `starting a prone hold schedules one alert at the core's time with the core's words`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val alarms = RecordingAlarms()
            val watcher = ProneAlertWatcher(d.session, ProneAlerts(alarms, FakePermission()))
            val incident = d.draft()
            val id = d.start(incident, RestrictiveInterventionType.PHYSICAL_PRONE)
            watcher.check()
            val entry = d.entry(incident, id)
            val text = proneHoldAlertText()
            assertEquals(listOf(ProneAlarm(id, incident, proneHoldAlertAt(entry)!!, text.title, text.body)), alarms.scheduled)
            assertEquals(
                entry.startedAt!! + PRONE_ALERT_AFTER_MS + 1,
                alarms.scheduled.single().atMillis,
                "the first moment over 10 minutes",
            )
            assertTrue(text.body.contains("airway and breathing"), "the clinical message, not only the 10-minute mark")

            // Later changes (another screen, a sync) schedule nothing twice.
            d.clock.advance(60_000)
            watcher.check()
            assertEquals(1, alarms.scheduled.size)
            assertTrue(alarms.cancelled.isEmpty())
        }
    }

    @Test
    fun `ending the hold or removing it cancels its alert`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val alarms = RecordingAlarms()
            val watcher = ProneAlertWatcher(d.session, ProneAlerts(alarms, FakePermission()))
            val incident = d.draft()
            val ended = d.start(incident, RestrictiveInterventionType.PHYSICAL_PRONE)
            val removed = d.start(incident, RestrictiveInterventionType.PHYSICAL_PRONE)
            watcher.check()
            assertEquals(setOf(ended, removed), alarms.scheduled.map { it.entryId }.toSet())

            d.clock.advance(4 * 60_000)
            d.store.updateUseOfForce(incident, d.entry(incident, ended).copy(endedAt = d.clock.nowMillis()))
            watcher.check()
            assertEquals(listOf(ended), alarms.cancelled)

            d.store.removeUseOfForce(incident, removed)
            watcher.check()
            assertEquals(listOf(ended, removed), alarms.cancelled)
            assertEquals(2, alarms.scheduled.size, "nothing new scheduled")
        }
    }

    @Test
    fun `a seated hold schedules nothing`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val alarms = RecordingAlarms()
            val watcher = ProneAlertWatcher(d.session, ProneAlerts(alarms, FakePermission()))
            val incident = d.draft()
            val seated = d.start(incident, RestrictiveInterventionType.PHYSICAL_SEATED)
            watcher.check()
            d.clock.advance(3 * PRONE_ALERT_AFTER_MS)
            watcher.check()
            d.store.updateUseOfForce(incident, d.entry(incident, seated).copy(endedAt = d.clock.nowMillis()))
            watcher.check()
            assertTrue(alarms.scheduled.isEmpty())
            assertTrue(alarms.cancelled.isEmpty())
        }
    }

    @Test
    fun `the permission is asked at enrolment`() {
        Device().use { d ->
            val permission = FakePermission()
            val alerts = ProneAlerts(RecordingAlarms(), permission)
            val watcher = ProneAlertWatcher(d.session, alerts)
            watcher.check()
            assertFalse(alerts.askPermission.value, "not before enrolment")
            d.join(OAKFIELD, Role.EDITOR)
            watcher.check()
            assertTrue(alerts.askPermission.value, "just enrolled")
            alerts.onPermissionAnswered()
            assertFalse(alerts.askPermission.value)
            watcher.check()
            d.draft()
            watcher.check()
            assertFalse(alerts.askPermission.value, "asked once, never again")
        }
    }

    @Test
    fun `the permission is asked with a draft open before force, and never while a hold runs`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            // Enrolled before this version: the first moment is an incident draft open.
            val alerts = ProneAlerts(RecordingAlarms(), FakePermission())
            val watcher = ProneAlertWatcher(d.session, alerts)
            val incident = d.draft()
            watcher.check()
            assertTrue(alerts.askPermission.value, "a draft open and no hold running")

            // Not answered yet and a hold starts: the pending ask is withdrawn.
            val id = d.start(incident, RestrictiveInterventionType.PHYSICAL_PRONE)
            watcher.check()
            assertFalse(alerts.askPermission.value, "never during a running hold")
            d.clock.advance(5 * 60_000)
            watcher.check()
            assertFalse(alerts.askPermission.value)

            d.store.updateUseOfForce(incident, d.entry(incident, id).copy(endedAt = d.clock.nowMillis()))
            watcher.check()
            assertTrue(alerts.askPermission.value, "after the hold, still not asked: ask now")
        }
    }

    @Test
    fun `a running hold on a device that enrols is not interrupted either`() {
        val alerts = ProneAlerts(RecordingAlarms(), FakePermission())
        alerts.onEnrolled(holdRunning = true)
        assertFalse(alerts.askPermission.value)
        alerts.onEnrolled(holdRunning = false)
        assertTrue(alerts.askPermission.value)
    }
}
