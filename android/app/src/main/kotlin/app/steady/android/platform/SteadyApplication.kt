// The application: sets up HTTPS certificate verification first (SteadyTls), then opens the one
// store (with the Keystore-wrapped key) the first time it is needed, off the main thread, and
// gives the session the platform hooks it needs.
package app.steady.android.platform

import android.app.Application
import app.steady.android.state.DeviceHooks
import app.steady.android.state.SteadySession
import app.steady.core.SteadyStore
import java.io.File

/** Steady's Application: owns the session. */
class SteadyApplication : Application() {
    @Volatile private var session: SteadySession? = null

    private val storeDir: File get() = File(noBackupFilesDir, "steady")

    /** The store's path: in noBackupFilesDir, never backed up or restored. */
    private val storePath: String get() = File(storeDir.apply { mkdirs() }, "steady.db").path

    private val keys by lazy { KeystoreKeyProvider(this) }

    /** Sets up HTTPS certificate verification first thing, before any screen or worker runs. */
    override fun onCreate() {
        super.onCreate()
        initTls()
        ProneAlarms.createChannel(this)
        ObservationAlarms.createChannel(this)
    }

    /**
     * Gives the core's HTTPS client Android's certificate verifier ([SteadyTls]). Called from
     * [onCreate] and again (a no-op once done) when the store opens: every enrolment and sync
     * goes through [session], so none reaches a server before this, even a [SyncWorker] that
     * WorkManager (started by its content provider, before [onCreate]) runs early.
     */
    private fun initTls() {
        try {
            SteadyTls.init(this)
        } catch (_: RuntimeException) {
            // Not expected (it needs only the Context and the JavaVM). The app must still open:
            // everything a worker reads on shift is on the device. Enrolment and sync fail, and
            // the Sync screen shows their error, until a later call succeeds.
        }
    }

    /** The session, opening the store if needed. Blocking: call off the main thread. */
    fun session(): SteadySession =
        session ?: synchronized(this) {
            session ?: open().also { session = it }
        }

    /** The session if the store is already open, or opens it; null when the key is unavailable. */
    fun sessionOrNull(): SteadySession? = runCatching { session() }.getOrNull()

    /**
     * After `WrongKey` (the Keystore entry was reset, so the store can never be read again):
     * deletes the unreadable store and the key, so the device can enrol afresh.
     */
    fun resetUnreadableStore() {
        synchronized(this) {
            session = null
            storeDir.deleteRecursively()
            keys.forget()
            SyncScheduling.cancelAll(this)
            ProneAlarms.cancelAll(this)
            ObservationAlarms.cancelAll(this)
        }
    }

    private fun open(): SteadySession {
        initTls()
        val store = SteadyStore.open(storePath, keys)
        val hooks =
            object : DeviceHooks {
                override fun requestSync() = SyncScheduling.requestSoon(this@SteadyApplication)

                override fun forgetDevice() {
                    SyncScheduling.cancelAll(this@SteadyApplication)
                    // No prone alarm may fire, nor its notification stay, once the data is gone.
                    ProneAlarms.cancelAll(this@SteadyApplication)
                    ObservationAlarms.cancelAll(this@SteadyApplication)
                    keys.forget()
                    synchronized(this@SteadyApplication) { session = null }
                }
            }
        SyncScheduling.schedulePeriodic(this)
        // The prone-hold alarms follow the store from now on, whichever screen is open.
        return SteadySession(store, hooks).also {
            // A placement that ended while the app was closed goes now, before any screen shows
            // it (a failure leaves it for the purge after the next sync).
            runCatching { it.purgeEndedPlacements() }
            ProneAlarms.watch(this, it)
            // So do the hourly reminders after rapid tranquillisation.
            ObservationAlarms.watch(this, it)
        }
    }
}
