// The prone-hold alert as an Android notification: the thin platform half of
// state/ProneAlerts.kt (which decides what to schedule or cancel, when, and with which words).
//
// Why an AlarmManager alarm, not WorkManager or a foreground service: the alert has one known
// moment (the core's `proneHoldAlertAt`, 10 minutes after the hold began) and must sound with the
// screen off and the phone in a pocket, in Doze. `setExactAndAllowWhileIdle` is the platform's
// tool for exactly that: it fires at the moment, in Doze, without keeping the app alive for ten
// minutes. WorkManager's delays are inexact by design (Doze defers them to maintenance windows,
// sometimes by much more than the ten minutes). A foreground service would need a service type
// (Android 14 limits `shortService` to about 3 minutes; `specialUse` needs a Play declaration)
// and a permanent notification; the app has no such service, and a timer it kept would die with
// the process anyway.
//
// Exact alarms on Android 12+ need `SCHEDULE_EXACT_ALARM`, which Android 14 no longer grants by
// default to new installs (the user or the MDM grants it: Settings → Apps → Steady → Alarms &
// reminders). `USE_EXACT_ALARM` (granted at install) is reserved by Google Play's policy for
// alarm-clock and calendar apps, so the manifest does not claim it. When exact alarms are not
// allowed the alarm is set with `setAndAllowWhileIdle` instead: inexact, it can fire minutes late
// in Doze. The in-app alert on the incident screen is unchanged either way.
//
// Tapping the notification opens that incident: an explicit (MainActivity by class), immutable
// PendingIntent with ACTION_OPEN_INCIDENT and the incident id, and nothing else (no name, no
// detail). MainActivity keeps the id until the store is open, then SteadyApp pushes the
// incident's route on top of wherever the app was; Back returns there.
//
// Beyond the process: AlarmManager forgets every alarm at a reboot, so ProneAlarmRescheduler
// sets them again from the store at BOOT_COMPLETED, after an update (MY_PACKAGE_REPLACED) and
// when exact alarms become allowed. The sink keeps the ids of the alarms it set (entry ids only,
// in no-backup app storage) so the rescheduler knows whether anything was pending, and so
// sign-out ([ProneAlarms.cancelAll], from SteadyApplication's forgetDevice) cancels every one,
// including any set by an earlier process, and takes down every prone notification showing.
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
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import app.steady.android.state.NotificationPermissionState
import app.steady.android.state.ProneAlarm
import app.steady.android.state.ProneAlarmSink
import app.steady.android.state.ProneAlertWatcher
import app.steady.android.state.ProneAlerts
import app.steady.android.state.SteadySession
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob

/** The app's one [ProneAlerts], its notification channel, and the watcher over the store. */
object ProneAlarms {
    /** The channel of the prone-hold alert: high importance, so it sounds and peeks. */
    const val CHANNEL_ID = "prone-hold"

    /** The tapped notification opens [MainActivity] with this action and [EXTRA_INCIDENT]. */
    const val ACTION_OPEN_INCIDENT = "app.steady.android.OPEN_INCIDENT"

    /** The incident id in a tapped notification's intent. */
    const val EXTRA_INCIDENT = "incident"

    internal const val ACTION_FIRE = "app.steady.android.PRONE_ALARM"
    internal const val EXTRA_TITLE = "title"
    internal const val EXTRA_BODY = "body"
    internal const val NOTIFICATION_ID = 14

    private val INCIDENT_ID = Regex("[A-Za-z0-9_-]{1,64}")

    @Volatile private var alerts: ProneAlerts? = null

    private var watcher: ProneAlertWatcher? = null
    private var watching: Job? = null

    private val scope = CoroutineScope(SupervisorJob())

    /** Creates the channel (at start-up; creating it again changes nothing the user set). */
    fun createChannel(context: Context) {
        val channel =
            NotificationChannel(CHANNEL_ID, "Prone hold alert", NotificationManager.IMPORTANCE_HIGH).apply {
                description = "Sounds when a prone hold recorded in Steady passes 10 minutes."
                lockscreenVisibility = android.app.Notification.VISIBILITY_PUBLIC
                enableVibration(true)
            }
        context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }

    /** The app-wide alerts (one, so what is scheduled is remembered across screens). */
    fun alerts(context: Context): ProneAlerts =
        alerts ?: synchronized(this) {
            alerts ?: ProneAlerts(
                AlarmManagerProneSink(context.applicationContext),
                AndroidNotificationPermission(context.applicationContext),
            ).also { alerts = it }
        }

    /** Follows [session]'s changes for as long as the process lives (or until [cancelAll]). */
    @Synchronized
    fun watch(
        context: Context,
        session: SteadySession,
    ) {
        watching?.cancel()
        val alerts = alerts(context).also { it.resume() }
        watcher = ProneAlertWatcher(session, alerts).also { watching = it.start(scope) }
    }

    /**
     * Every alarm set again from [session]'s store (a reboot, an app update, exact alarms newly
     * allowed). Blocking: call off the main thread.
     */
    fun reschedule(
        context: Context,
        session: SteadySession,
    ) {
        val current = synchronized(this) { watcher }
        (current ?: ProneAlertWatcher(session, alerts(context))).reschedule()
    }

    /** Whether an alarm was set and has neither fired nor been cancelled (so a reboot dropped it). */
    fun anyPending(context: Context): Boolean = AlarmManagerProneSink.pendingIds(context).isNotEmpty()

    /**
     * Sign-out, or the unreadable store deleted: the watcher stops, every alarm is cancelled
     * (also those an earlier process set) and every prone notification taken down, so none
     * fires or stays over data that is gone.
     */
    @Synchronized
    fun cancelAll(context: Context) {
        watching?.cancel()
        watching = null
        watcher = null
        alerts(context).cancelAll()
    }

    /** The incident a tapped notification asks to open, or null for any other intent. */
    fun incidentToOpen(intent: Intent?): String? =
        intent
            ?.takeIf { it.action == ACTION_OPEN_INCIDENT }
            ?.getStringExtra(EXTRA_INCIDENT)
            // An id as the core makes them, nothing that could be read as another route.
            ?.takeIf { INCIDENT_ID.matches(it) }

    /**
     * What tapping the notification does: opens [MainActivity] (explicit, by class) on
     * [incidentId]. Immutable, so no app the notification passes through can change it; one
     * per incident (the id is in the data, so two incidents' notifications do not replace each
     * other's). A new task if Steady is not running, else the one activity gets it (singleTop).
     */
    fun openIncidentIntent(
        context: Context,
        incidentId: String,
    ): PendingIntent =
        PendingIntent.getActivity(
            context,
            0,
            Intent(context, MainActivity::class.java)
                .setAction(ACTION_OPEN_INCIDENT)
                .setData(Uri.parse("steady-incident://" + Uri.encode(incidentId)))
                .putExtra(EXTRA_INCIDENT, incidentId)
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_SINGLE_TOP),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
}

/** Schedules and cancels the alarm (one per entry) and takes down a posted notification. */
class AlarmManagerProneSink(
    private val context: Context,
) : ProneAlarmSink {
    private val alarms: AlarmManager get() = context.getSystemService(AlarmManager::class.java)

    private val prefs get() = prefs(context)

    // One PendingIntent per entry: the entry is in the intent's data, so scheduling again
    // replaces the alarm and cancelling finds it.
    private fun intent(entryId: String) =
        Intent(context, ProneAlarmReceiver::class.java)
            .setAction(ProneAlarms.ACTION_FIRE)
            .setData(Uri.parse("steady-prone://entry/" + Uri.encode(entryId)))

    override fun schedule(alarm: ProneAlarm) {
        val pending =
            PendingIntent.getBroadcast(
                context,
                0,
                intent(alarm.entryId)
                    .putExtra(ProneAlarms.EXTRA_INCIDENT, alarm.incidentId)
                    .putExtra(ProneAlarms.EXTRA_TITLE, alarm.title)
                    .putExtra(ProneAlarms.EXTRA_BODY, alarm.body),
                PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
            )
        val exact = Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms()
        if (exact) {
            alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, alarm.atMillis, pending)
        } else {
            // Exact alarms not allowed (Android 14's default for new installs): inexact, may be late.
            alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, alarm.atMillis, pending)
        }
        synchronized(AlarmManagerProneSink) { prefs.edit().putStringSet(KEY, pendingIds(context) + alarm.entryId).commit() }
    }

    override fun cancel(entryId: String) {
        PendingIntent
            .getBroadcast(context, 0, intent(entryId), PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_NO_CREATE)
            ?.let {
                alarms.cancel(it)
                it.cancel()
            }
        NotificationManagerCompat.from(context).cancel(entryId, ProneAlarms.NOTIFICATION_ID)
        forget(context, entryId)
    }

    override fun cancelAll(known: Set<String>) {
        (known + pendingIds(context)).forEach(::cancel)
        // Any prone notification still showing (its alarm fired earlier): its data is gone.
        val notifications = context.getSystemService(NotificationManager::class.java)
        notifications.activeNotifications
            .filter { it.id == ProneAlarms.NOTIFICATION_ID }
            .forEach { notifications.cancel(it.tag, it.id) }
        synchronized(AlarmManagerProneSink) { prefs.edit().remove(KEY).commit() }
    }

    companion object {
        private const val KEY = "pending"

        private fun prefs(context: Context) = context.getSharedPreferences("prone-alarms", Context.MODE_PRIVATE)

        /** The entries whose alarm is set and has not fired or been cancelled. */
        fun pendingIds(context: Context): Set<String> = prefs(context).getStringSet(KEY, null).orEmpty().toSet()

        /** [entryId]'s alarm fired or was cancelled. */
        fun forget(
            context: Context,
            entryId: String,
        ) {
            synchronized(this) { prefs(context).edit().putStringSet(KEY, pendingIds(context) - entryId).commit() }
        }
    }
}

/** Posts the notification when the alarm fires; tapping it opens the incident. */
class ProneAlarmReceiver : BroadcastReceiver() {
    override fun onReceive(
        context: Context,
        intent: Intent,
    ) {
        if (intent.action != ProneAlarms.ACTION_FIRE) return
        val entryId = intent.data?.lastPathSegment ?: return
        val incidentId = intent.getStringExtra(ProneAlarms.EXTRA_INCIDENT) ?: return
        AlarmManagerProneSink.forget(context, entryId)
        val open = ProneAlarms.openIncidentIntent(context, incidentId)
        val body = intent.getStringExtra(ProneAlarms.EXTRA_BODY).orEmpty()
        // The core's words only: no name or incident details (it shows on the lock screen).
        val notification =
            NotificationCompat
                .Builder(context, ProneAlarms.CHANNEL_ID)
                .setSmallIcon(android.R.drawable.ic_dialog_alert)
                .setContentTitle(intent.getStringExtra(ProneAlarms.EXTRA_TITLE).orEmpty())
                .setContentText(body)
                .setStyle(NotificationCompat.BigTextStyle().bigText(body))
                .setPriority(NotificationCompat.PRIORITY_HIGH)
                .setCategory(NotificationCompat.CATEGORY_ALARM)
                .setVisibility(NotificationCompat.VISIBILITY_PUBLIC)
                .setContentIntent(open)
                .setAutoCancel(true)
                .build()
        if (ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) ==
            PackageManager.PERMISSION_GRANTED ||
            Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU
        ) {
            NotificationManagerCompat.from(context).notify(entryId, ProneAlarms.NOTIFICATION_ID, notification)
        }
    }
}

/** POST_NOTIFICATIONS on Android 13+: needed, granted, and whether Steady has asked already. */
class AndroidNotificationPermission(
    private val context: Context,
) : NotificationPermissionState {
    private val prefs get() = context.getSharedPreferences("prone-alerts", Context.MODE_PRIVATE)

    override fun shouldAsk(): Boolean =
        Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) !=
            PackageManager.PERMISSION_GRANTED &&
            !prefs.getBoolean("asked", false)

    override fun markAsked() {
        prefs.edit().putBoolean("asked", true).apply()
    }
}

/**
 * Shows the system's notification-permission dialog when [alerts] asks for it (at enrolment,
 * or with an incident draft open and no hold running); never otherwise.
 */
@Composable
fun ProneAlertPermissionPrompt(alerts: ProneAlerts) {
    val ask by alerts.askPermission.collectAsStateWithLifecycle()
    val launcher =
        rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { alerts.onPermissionAnswered() }
    LaunchedEffect(ask) {
        if (ask) {
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
                launcher.launch(Manifest.permission.POST_NOTIFICATIONS)
            } else {
                alerts.onPermissionAnswered()
            }
        }
    }
}
