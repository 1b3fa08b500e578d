// Keeps the prone-hold notifications in step with the store, whichever screen is open: after
// every local write and every sync (the session's revision) it reads the device's incident
// drafts and hands their use-of-force entries to [ProneAlerts]. So a hold started, ended or
// removed on any screen, or an entry changed by another device's sync, schedules or cancels
// the alert, and no ViewModel has to remember to. [reschedule] is the same pass after the
// platform dropped its alarms (a reboot, an app update): the store, not a copy, says what runs.
package app.steady.android.state

import app.steady.core.model.IncidentStatus
import app.steady.core.model.UseOfForce
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/** Reads the store and drives [alerts]; [check] once per change, or [start] to follow them. */
class ProneAlertWatcher(
    private val session: SteadySession,
    private val alerts: ProneAlerts,
) {
    private var wasEnrolled: Boolean? = null
    private var watched: Set<String> = emptySet()

    /** Follows the session's revision in [scope] (on the session's io dispatcher) until cancelled. */
    fun start(scope: CoroutineScope): Job =
        scope.launch(session.io) {
            session.revision.collect { runCatching { check() } }
        }

    /**
     * Every alarm set again from the store, whatever was scheduled before: for the platform's
     * reschedule after a reboot, an app update, or exact alarms newly allowed. A hold still
     * running is scheduled at its alert time if that is still to come; one whose time passed
     * while the phone was off is not sounded late (the banner shows it when the incident opens).
     */
    @Synchronized
    fun reschedule() {
        alerts.forgetScheduled()
        check()
    }

    /**
     * One pass: every draft incident with use of force, and every incident watched before (now
     * submitted or gone), gets its entries' alerts scheduled or cancelled; then the permission
     * moments (just enrolled; an incident draft open), never while a hold runs.
     */
    @Synchronized
    fun check() {
        val store = session.store
        val now = session.clock.nowMillis()
        val drafts =
            store
                .units()
                .flatMap { store.incidents(it.grant.unitId) }
                .filter { it.status == IncidentStatus.DRAFT }
        val withForce = drafts.filter { it.useOfForce }.map { it.id }.toSet()
        var running = false
        for (id in withForce + watched) {
            val entries: List<UseOfForce> = runCatching { store.incident(id).useOfForce }.getOrDefault(emptyList())
            alerts.onEntries(id, entries, now)
            if (entries.any { isRunning(it) }) running = true
        }
        watched = withForce
        val enrolled = store.syncStatus().enrolled
        if (wasEnrolled == false && enrolled) alerts.onEnrolled(running)
        wasEnrolled = enrolled
        if (drafts.isNotEmpty() || running) alerts.onIncidentDraft(running)
    }
}
