// Sets the prone-hold alarms (and the hourly observation reminders, ObservationAlarms.kt) again when Android has dropped them or may have: AlarmManager
// forgets every alarm at a reboot; an update restarts the app (its alarms normally survive, but
// its receiver may have changed); and an alarm set inexact because exact alarms were not allowed
// should become exact once the user or the MDM allows them.
//
// Direct Boot, honestly: the store is in credential-encrypted storage and its Keystore key is
// usable only after the first unlock, so before that nothing can be read. The receiver is not
// direct-boot aware and listens for BOOT_COMPLETED, which Android sends only once the user has
// unlocked after the boot (LOCKED_BOOT_COMPLETED would reach us before any of it is readable;
// USER_UNLOCKED comes at the same moment as BOOT_COMPLETED for an app like this). A phone that
// reboots and stays locked therefore has no alarm until it is unlocked; an alert time that
// passed meanwhile is not sounded late (the incident screen's banner shows it). If the store
// cannot be opened even then, the alarms are set again the next time Steady opens, by the same
// watcher.
package app.steady.android.platform

import android.app.AlarmManager
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import kotlin.concurrent.thread

/** Reschedules the prone-hold alarms from the store's open incidents (manifest-declared). */
class ProneAlarmRescheduler : BroadcastReceiver() {
    override fun onReceive(
        context: Context,
        intent: Intent,
    ) {
        if (intent.action !in ACTIONS) return
        // Nothing was pending (never enrolled, no hold running, all fired or cancelled): the
        // store is not even opened.
        if (!ProneAlarms.anyPending(context) && !ObservationAlarms.anyPending(context)) return
        val app = context.applicationContext as? SteadyApplication ?: return
        val done = goAsync()
        thread(name = "steady-prone-reschedule") {
            try {
                // Opening the store starts the watcher too; the explicit pass finishes before
                // the broadcast is done, so the process may go at once afterwards.
                app.sessionOrNull()?.let {
                    ProneAlarms.reschedule(app, it)
                    // The hourly reminders after rapid tranquillisation, the same way.
                    ObservationAlarms.reschedule(app, it)
                }
            } catch (_: Exception) {
                // The store would not open or read: the next start of Steady sets them again.
            } finally {
                done.finish()
            }
        }
    }

    companion object {
        /** The broadcasts that reschedule (also the manifest's intent filter). */
        val ACTIONS =
            setOf(
                Intent.ACTION_BOOT_COMPLETED,
                Intent.ACTION_MY_PACKAGE_REPLACED,
                AlarmManager.ACTION_SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED,
            )
    }
}
