// The prone-hold alert outside the open screen: which local notification to schedule or cancel,
// when, and with what words, and when to ask for the permission to post it. Plain Kotlin, so the
// JVM checks drive it with a recording sink; the Android half (AlarmManager, the notification,
// the permission dialog) is platform/ProneAlarms.kt.
//
// The moment is the core's (`proneHoldAlertAt`: the first millisecond a running prone hold is
// over 10 minutes) and so are the words (`proneHoldAlertText`, also the in-app banner's); the
// app restates neither.
//
// Beyond one process: after a reboot, an app update or exact alarms newly allowed, the platform
// asks for everything to be set again ([forgetScheduled], then the watcher's pass over the
// store); at sign-out [cancelAll] takes every alarm down, and nothing is scheduled again until
// the next session's watcher [resume]s.
package app.steady.android.state

import app.steady.core.ProneAlertText
import app.steady.core.model.UseOfForce
import app.steady.core.proneHoldAlertAt
import app.steady.core.proneHoldAlertText
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/** One scheduled prone-hold notification: for [entryId] of [incidentId], at [atMillis]. */
data class ProneAlarm(
    /** The use-of-force entry (one alarm per entry; scheduling again replaces it). */
    val entryId: String,
    /** The incident the notification opens when tapped. */
    val incidentId: String,
    /** When it fires, epoch milliseconds: the core's `proneHoldAlertAt`. */
    val atMillis: Long,
    /** The notification's title, the core's words. */
    val title: String,
    /** The notification's body, the core's words. */
    val body: String,
)

/** What only the platform can do for the prone alert. */
interface ProneAlarmSink {
    /** Schedules [alarm], replacing any alarm already scheduled for its entry. */
    fun schedule(alarm: ProneAlarm)

    /** Cancels the alarm of [entryId], and takes down its notification if it is showing. */
    fun cancel(entryId: String)

    /**
     * Sign-out: cancels every alarm, [known] (those this process scheduled or saw) and any the
     * platform still holds from before a restart, and takes down every notification showing.
     */
    fun cancelAll(known: Set<String>) = known.forEach(::cancel)
}

/** What the platform knows about the permission to post notifications (Android 13+). */
interface NotificationPermissionState {
    /** The dialog would be useful: the permission is needed, not granted, and not yet asked. */
    fun shouldAsk(): Boolean

    /** The dialog was shown (whatever the answer): never ask again on our own. */
    fun markAsked()
}

/**
 * Keeps the prone-hold notifications in step with an incident's use-of-force entries, and
 * decides when to ask for the notification permission: at enrolment, or when the first incident
 * draft is open (the quick capture that comes before any use of force is recorded) — never while
 * a hold runs, when a system dialog would cover the screen in the middle of a restraint.
 */
class ProneAlerts(
    private val sink: ProneAlarmSink,
    private val permission: NotificationPermissionState,
) {
    private val scheduled = HashMap<String, ProneAlarm>()
    private val proneEntriesOf = HashMap<String, Set<String>>()
    private val cancelled = HashSet<String>()
    private val asking = MutableStateFlow(false)
    private var stopped = false

    /** True while the platform should show the permission dialog; [onPermissionAnswered] ends it. */
    val askPermission: StateFlow<Boolean> = asking.asStateFlow()

    /**
     * The incident's entries as they are now: a running prone hold whose alert time is still to
     * come is scheduled (once; again only if its time changed); a prone entry that ended or is
     * no longer prone, and one that was removed, is cancelled. A running hold already past its
     * alert time is left as it is (its notification has fired or is about to). Nothing is
     * scheduled for any other intervention.
     */
    @Synchronized
    fun onEntries(
        incidentId: String,
        entries: List<UseOfForce>,
        now: Long,
    ) {
        // Signed out: the data is gone, and a pass over it still under way schedules nothing.
        if (stopped) return
        val text = words
        val present = entries.map { it.id }.toSet()
        for (gone in proneEntriesOf[incidentId].orEmpty() - present) cancel(gone)
        val prone = mutableSetOf<String>()
        for (e in entries) {
            val at = proneHoldAlertAt(e)
            val wasScheduled = e.id in scheduled
            when {
                at != null && at > now -> {
                    val alarm = ProneAlarm(e.id, incidentId, at, text.title, text.body)
                    if (scheduled[e.id] != alarm) {
                        scheduled[e.id] = alarm
                        cancelled.remove(e.id)
                        sink.schedule(alarm)
                    }
                    prone += e.id
                }

                at != null -> {
                    prone += e.id
                }

                // Once per entry (also after a restart, when an old alarm may still be set).
                (isProneType(e) || wasScheduled) && e.id !in cancelled -> {
                    cancel(e.id)
                }
            }
            if (isProneType(e)) prone += e.id
        }
        proneEntriesOf[incidentId] = prone
    }

    /** The entry [entryId] was removed from its incident: its alert goes. */
    @Synchronized
    fun onRemoved(entryId: String) = cancel(entryId)

    /**
     * Sign-out (or the unreadable store deleted): every alarm is cancelled, every notification
     * taken down, nothing is remembered, and nothing is scheduled again until [resume].
     */
    @Synchronized
    fun cancelAll() {
        stopped = true
        val known = scheduled.keys + cancelled + proneEntriesOf.values.flatten()
        scheduled.clear()
        cancelled.clear()
        proneEntriesOf.clear()
        asking.value = false
        sink.cancelAll(known)
    }

    /** A session is open again (after [cancelAll]): its entries are scheduled from now on. */
    @Synchronized
    fun resume() {
        stopped = false
    }

    /**
     * The platform dropped or changed its alarms (a reboot, an app update, exact alarms newly
     * allowed): forget what was scheduled, so the next [onEntries] sets each one again.
     */
    @Synchronized
    fun forgetScheduled() {
        scheduled.clear()
        cancelled.clear()
    }

    private fun cancel(entryId: String) {
        scheduled.remove(entryId)
        cancelled.add(entryId)
        proneEntriesOf.replaceAll { _, ids -> ids - entryId }
        sink.cancel(entryId)
    }

    /**
     * The device has just enrolled ([holdRunning]: a use of force is running on it): the moment
     * to ask, before any shift needs the alert.
     */
    fun onEnrolled(holdRunning: Boolean) = askUnless(holdRunning)

    /**
     * An incident draft is open on the device (a quick capture, the step before any use of force
     * is recorded): ask if not asked yet, unless a hold is running.
     */
    fun onIncidentDraft(holdRunning: Boolean) = askUnless(holdRunning)

    private fun askUnless(holdRunning: Boolean) {
        // While a hold runs a pending ask is withdrawn: no system dialog over a restraint.
        asking.value = !holdRunning && (asking.value || permission.shouldAsk())
    }

    /** The dialog was shown and answered (or could not be shown). */
    fun onPermissionAnswered() {
        permission.markAsked()
        asking.value = false
    }

    companion object {
        /** The alert's title and body, the core's (the notification's and the in-app banner's). */
        val words: ProneAlertText by lazy { proneHoldAlertText() }

        /** Does nothing: for screens and tests that have no platform. */
        val NONE =
            ProneAlerts(
                object : ProneAlarmSink {
                    override fun schedule(alarm: ProneAlarm) = Unit

                    override fun cancel(entryId: String) = Unit
                },
                object : NotificationPermissionState {
                    override fun shouldAsk() = false

                    override fun markAsked() = Unit
                },
            )
    }
}

/** Whether the core would alert on this kind of intervention were it running (its rule, not ours). */
private fun isProneType(e: UseOfForce): Boolean = proneHoldAlertAt(e.copy(startedAt = 0L, endedAt = null)) != null
