// The hourly reminder after rapid tranquillisation (NICE QS154 statement 4: physical observations
// at least every hour until there are no further concerns): which local notification to schedule
// or cancel, and when. Plain Kotlin, so the JVM checks drive it with a recording sink; the
// Android half (AlarmManager, the channel, the notification) is platform/ObservationAlarms.kt,
// the same mechanism as the prone-hold alert's.
//
// The moment is the core's (`nextObservationDue`: an hour after the injection, then an hour after
// each observation, nothing once one records no further concerns); the app restates none of it.
// The notification says "Physical observations due" and the unit, never the person: it shows on
// the lock screen.
package app.steady.android.state

import app.steady.core.model.Incident
import app.steady.core.model.IncidentStatus
import app.steady.core.nextObservationDue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/** One scheduled reminder: for [incidentId], at [atMillis] (one per incident). */
data class ObservationReminder(
    /** The incident (scheduling again replaces its reminder; tapping opens it). */
    val incidentId: String,
    /** When it fires, epoch milliseconds: the core's `nextObservationDue`. */
    val atMillis: Long,
    /** "Physical observations due". */
    val title: String,
    /** The unit's name, nothing about the person. */
    val body: String,
)

/** What only the platform can do for the reminder. */
interface ObservationReminderSink {
    /** Schedules [reminder], replacing any already scheduled for its incident. */
    fun schedule(reminder: ObservationReminder)

    /** Cancels the reminder of [incidentId], and takes down its notification if showing. */
    fun cancel(incidentId: String)

    /** Sign-out: every reminder, [known] and any the platform still holds, cancelled. */
    fun cancelAll(known: Set<String>) = known.forEach(::cancel)
}

/**
 * Keeps each incident's reminder at the core's next due time: scheduled when the time is still
 * to come, rescheduled when it moves (an observation taken, here or on another phone), cancelled
 * when it becomes null (no further concerns, the rapid tranquillisation removed). A due time
 * that has already passed is not sounded late (the screen says the check is overdue).
 */
class ObservationReminders(
    private val sink: ObservationReminderSink,
) {
    private val scheduled = HashMap<String, ObservationReminder>()

    /** Incidents with a check due (scheduled, or overdue): read again after every change. */
    private val due = HashSet<String>()
    private var stopped = false

    /** The incidents with a check due: the watcher reads them again after every change. */
    @Synchronized
    fun tracked(): Set<String> = due.toSet()

    /** The reminder set for [incidentId], if any (for tests and the screen). */
    @Synchronized
    fun scheduledFor(incidentId: String): ObservationReminder? = scheduled[incidentId]

    /**
     * [incident] as it is now (in [unitName]): its reminder set at the core's next due time,
     * moved, or cancelled. Returns that time (null: nothing due).
     */
    @Synchronized
    fun onIncident(
        incident: Incident,
        unitName: String,
        now: Long,
    ): Long? {
        val at = nextObservationDue(incident)
        if (stopped) return at
        val id = incident.id
        when {
            at != null && at > now -> {
                due += id
                val reminder = ObservationReminder(id, at, TITLE, bodyFor(unitName))
                if (scheduled[id] != reminder) {
                    scheduled[id] = reminder
                    sink.schedule(reminder)
                }
            }

            // Overdue: its reminder has fired (or is firing); kept in view for the next check.
            at != null -> {
                due += id
                scheduled.remove(id)
            }

            // Nothing due any more (no further concerns): the reminder goes, pending or shown.
            id in due || id in scheduled -> {
                due -= id
                scheduled.remove(id)
                sink.cancel(id)
            }
        }
        return at
    }

    /** The incident is gone from the phone: its reminder goes. */
    @Synchronized
    fun onGone(incidentId: String) {
        due -= incidentId
        scheduled.remove(incidentId)
        sink.cancel(incidentId)
    }

    /** Sign-out: every reminder cancelled; nothing scheduled again until [resume]. */
    @Synchronized
    fun cancelAll() {
        stopped = true
        val known = scheduled.keys + due
        scheduled.clear()
        due.clear()
        sink.cancelAll(known)
    }

    /** A session is open again (after [cancelAll]). */
    @Synchronized
    fun resume() {
        stopped = false
    }

    /** The platform dropped its alarms (a reboot, an update): the next pass sets each again. */
    @Synchronized
    fun forgetScheduled() = scheduled.clear()

    companion object {
        /** The notification's title: no name, no detail. */
        const val TITLE = "Physical observations due"

        /** The notification's body: the unit, so staff know where; never the person. */
        fun bodyFor(unitName: String): String = listOf(unitName.trim(), HOURLY).filter { it.isNotEmpty() }.joinToString(": ")

        private const val HOURLY = "the hourly check after rapid tranquillisation"

        /** Does nothing: for screens and tests that have no platform. */
        val NONE =
            ObservationReminders(
                object : ObservationReminderSink {
                    override fun schedule(reminder: ObservationReminder) = Unit

                    override fun cancel(incidentId: String) = Unit
                },
            )
    }
}

/**
 * Keeps the reminders in step with the store, whichever screen is open: after every committed
 * change (a save here, a sync from another phone) it reads the incident drafts with use of force
 * and every incident with a reminder set (a submitted one too: the checks go on after it is
 * locked) and hands them to [reminders], with [paths]: the incidents whose reminder the
 * platform still holds from an earlier process (after a reboot nothing else remembers them).
 * An incident opened on screen is handed over by its ViewModel too, on every load.
 */
class ObservationReminderWatcher(
    private val session: SteadySession,
    private val reminders: ObservationReminders,
    private val paths: () -> Set<String> = { emptySet() },
) {
    /** Follows the session's revision in [scope] (on the session's io dispatcher) until cancelled. */
    fun start(scope: CoroutineScope): Job =
        scope.launch(session.io) {
            session.revision.collect { runCatching { check() } }
        }

    /** Every reminder set again from the store (after a reboot or an update). */
    @Synchronized
    fun reschedule() {
        val before = reminders.tracked()
        reminders.forgetScheduled()
        check(before)
    }

    /** One pass over the drafts with force, the tracked incidents and [also]. */
    @Synchronized
    fun check(also: Set<String> = emptySet()) {
        val store = session.store
        val now = session.clock.nowMillis()
        val units = store.units()
        val names = units.associate { it.grant.unitId to it.grant.name }
        val drafts =
            units
                .flatMap { store.incidents(it.grant.unitId) }
                .filter { it.status == IncidentStatus.DRAFT && it.useOfForce }
                .map { it.id }
        for (id in drafts + reminders.tracked() + paths() + also) {
            val incident = runCatching { store.incident(id) }.getOrNull()
            if (incident == null) {
                reminders.onGone(id)
                continue
            }
            reminders.onIncident(incident, names[incident.unitId].orEmpty(), now)
        }
    }
}
