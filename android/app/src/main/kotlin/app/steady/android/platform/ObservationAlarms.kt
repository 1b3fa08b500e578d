// The hourly reminder after rapid tranquillisation as an Android notification: the thin platform
// half of state/ObservationReminders.kt (which decides what to schedule or cancel, and when, from
// the core's `nextObservationDue`). The same mechanism as the prone-hold alert (ProneAlarms.kt,
// whose header says why an exact AlarmManager alarm and not WorkManager): one known moment, to be
// kept in Doze with the phone in a pocket. `setExactAndAllowWhileIdle` when exact alarms are
// allowed (SCHEDULE_EXACT_ALARM, off by default for new installs on Android 14), else
// `setAndAllowWhileIdle` (inexact: minutes late in Doze). The notification needs
// POST_NOTIFICATIONS on Android 13+, asked for by the prone alert's prompt (one permission, asked
// once, never during a hold).
//
// Its own channel ("Physical observations due", default importance: a reminder, not an alarm), so
// staff can tell the two apart and silence neither by mistake. Its words are "Physical
// observations due" and the unit: no name, no detail (it shows on the lock screen). Tapping it
// opens the incident, through the prone alert's PendingIntent (explicit, immutable, the id only).
//
// Beyond the process: the incident ids of pending reminders are kept (no-backup app storage), so
// ProneAlarmRescheduler sets them again after a reboot or an update, and sign-out cancels every
// one (SteadyApplication's forgetDevice).
package app.steady.android.platform

import android.Manifest
import android.app.AlarmManager
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import app.steady.android.state.ObservationReminder
import app.steady.android.state.ObservationReminderSink
import app.steady.android.state.ObservationReminderWatcher
import app.steady.android.state.ObservationReminders
import app.steady.android.state.SteadySession
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob

/** The app's one [ObservationReminders], its channel, and the watcher over the store. */
object ObservationAlarms {
    /** The channel of the hourly reminder. */
    const val CHANNEL_ID = "observations-due"

    internal const val ACTION_FIRE = "app.steady.android.OBSERVATIONS_DUE"
    internal const val EXTRA_TITLE = "title"
    internal const val EXTRA_BODY = "body"
    internal const val NOTIFICATION_ID = 15

    @Volatile private var reminders: ObservationReminders? = null

    private var watcher: ObservationReminderWatcher? = null
    private var watching: Job? = null

    private val scope = CoroutineScope(SupervisorJob())

    /** Creates the channel (at start-up; creating it again changes nothing the user set). */
    fun createChannel(context: Context) {
        val channel =
            NotificationChannel(CHANNEL_ID, "Physical observations due", NotificationManager.IMPORTANCE_DEFAULT).apply {
                description = "After rapid tranquillisation: the hourly physical observations are due."
                lockscreenVisibility = android.app.Notification.VISIBILITY_PUBLIC
            }
        context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }

    /** The app-wide reminders (one, so what is scheduled is remembered across screens). */
    fun reminders(context: Context): ObservationReminders =
        reminders ?: synchronized(this) {
            reminders ?: ObservationReminders(AlarmManagerObservationSink(context.applicationContext)).also { reminders = it }
        }

    /**
     * The app-wide reminders once the store is open ([watch] made them, with the application's
     * context), for the incident screen; nothing before that.
     */
    fun current(): ObservationReminders = reminders ?: ObservationReminders.NONE

    /** Follows [session]'s changes for as long as the process lives (or until [cancelAll]). */
    @Synchronized
    fun watch(
        context: Context,
        session: SteadySession,
    ) {
        watching?.cancel()
        val app = context.applicationContext
        val reminders = reminders(app).also { it.resume() }
        watcher =
            ObservationReminderWatcher(session, reminders) { AlarmManagerObservationSink.pendingIds(app) }
                .also { watching = it.start(scope) }
    }

    /** Every reminder set again from [session]'s store. Blocking: call off the main thread. */
    fun reschedule(
        context: Context,
        session: SteadySession,
    ) {
        val app = context.applicationContext
        val current = synchronized(this) { watcher }
        (current ?: ObservationReminderWatcher(session, reminders(app)) { AlarmManagerObservationSink.pendingIds(app) }).reschedule()
    }

    /** Whether a reminder was set and has neither fired nor been cancelled. */
    fun anyPending(context: Context): Boolean = AlarmManagerObservationSink.pendingIds(context).isNotEmpty()

    /** Sign-out: the watcher stops, every reminder is cancelled and every one showing taken down. */
    @Synchronized
    fun cancelAll(context: Context) {
        watching?.cancel()
        watching = null
        watcher = null
        reminders(context).cancelAll()
    }
}

/** Schedules and cancels the reminder (one per incident) and takes down a posted notification. */
class AlarmManagerObservationSink(
    private val context: Context,
) : ObservationReminderSink {
    private val alarms: AlarmManager get() = context.getSystemService(AlarmManager::class.java)

    private val prefs get() = prefs(context)

    // One PendingIntent per incident: the id is in the intent's data, so scheduling again
    // replaces the alarm and cancelling finds it.
    private fun intent(incidentId: String) =
        Intent(context, ObservationAlarmReceiver::class.java)
            .setAction(ObservationAlarms.ACTION_FIRE)
            .setData(Uri.parse("steady-observations://incident/" + Uri.encode(incidentId)))

    override fun schedule(reminder: ObservationReminder) {
        val pending =
            PendingIntent.getBroadcast(
                context,
                0,
                intent(reminder.incidentId)
                    .putExtra(ObservationAlarms.EXTRA_TITLE, reminder.title)
                    .putExtra(ObservationAlarms.EXTRA_BODY, reminder.body),
                PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
            )
        val exact = Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms()
        if (exact) {
            alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, reminder.atMillis, pending)
        } else {
            alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, reminder.atMillis, pending)
        }
        synchronized(AlarmManagerObservationSink) {
            prefs.edit().putStringSet(KEY, pendingIds(context) + reminder.incidentId).commit()
        }
    }

    override fun cancel(incidentId: String) {
        PendingIntent
            .getBroadcast(context, 0, intent(incidentId), PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_NO_CREATE)
            ?.let {
                alarms.cancel(it)
                it.cancel()
            }
        NotificationManagerCompat.from(context).cancel(incidentId, ObservationAlarms.NOTIFICATION_ID)
        forget(context, incidentId)
    }

    override fun cancelAll(known: Set<String>) {
        (known + pendingIds(context)).forEach(::cancel)
        val notifications = context.getSystemService(NotificationManager::class.java)
        notifications.activeNotifications
            .filter { it.id == ObservationAlarms.NOTIFICATION_ID }
            .forEach { notifications.cancel(it.tag, it.id) }
        synchronized(AlarmManagerObservationSink) { prefs.edit().remove(KEY).commit() }
    }

    companion object {
        private const val KEY = "pending"

        private fun prefs(context: Context) = context.getSharedPreferences("observation-alarms", Context.MODE_PRIVATE)

        /** The incidents whose reminder is set and has not fired or been cancelled. */
        fun pendingIds(context: Context): Set<String> = prefs(context).getStringSet(KEY, null).orEmpty().toSet()

        /** [incidentId]'s reminder fired or was cancelled. */
        fun forget(
            context: Context,
            incidentId: String,
        ) {
            synchronized(this) { prefs(context).edit().putStringSet(KEY, pendingIds(context) - incidentId).commit() }
        }
    }
}

/** Posts the reminder when its alarm fires; tapping it opens the incident. */
class ObservationAlarmReceiver : BroadcastReceiver() {
    override fun onReceive(
        context: Context,
        intent: Intent,
    ) {
        if (intent.action != ObservationAlarms.ACTION_FIRE) return
        val incidentId = intent.data?.lastPathSegment ?: return
        AlarmManagerObservationSink.forget(context, incidentId)
        val body = intent.getStringExtra(ObservationAlarms.EXTRA_BODY).orEmpty()
        // "Physical observations due" and the unit only: it shows on the lock screen.
        val notification =
            NotificationCompat
                .Builder(context, ObservationAlarms.CHANNEL_ID)
                .setSmallIcon(android.R.drawable.ic_popup_reminder)
                .setContentTitle(intent.getStringExtra(ObservationAlarms.EXTRA_TITLE).orEmpty())
                .setContentText(body)
                .setCategory(NotificationCompat.CATEGORY_REMINDER)
                .setVisibility(NotificationCompat.VISIBILITY_PUBLIC)
                .setContentIntent(ProneAlarms.openIncidentIntent(context, incidentId))
                .setAutoCancel(true)
                .build()
        if (ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) ==
            PackageManager.PERMISSION_GRANTED ||
            Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU
        ) {
            NotificationManagerCompat.from(context).notify(incidentId, ObservationAlarms.NOTIFICATION_ID, notification)
        }
    }
}
