// The application: opens the one store (with the Keystore-wrapped key) the first time it is
// needed, off the main thread, and gives the session the platform hooks it needs.
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
        }
    }

    private fun open(): SteadySession {
        val store = SteadyStore.open(storePath, keys)
        val hooks =
            object : DeviceHooks {
                override fun requestSync() = SyncScheduling.requestSoon(this@SteadyApplication)

                override fun forgetDevice() {
                    SyncScheduling.cancelAll(this@SteadyApplication)
                    keys.forget()
                    synchronized(this@SteadyApplication) { session = null }
                }
            }
        SyncScheduling.schedulePeriodic(this)
        return SteadySession(store, hooks)
    }
}
