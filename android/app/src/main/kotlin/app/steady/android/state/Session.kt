// The open store and what every ViewModel shares: the clock, the dispatcher for blocking core
// calls, a scope for saves that must outlive a screen, and the few things only the platform can
// do (schedule sync, forget the key). Plain Kotlin: the Android glue fills [DeviceHooks] in;
// the JVM tests use their own.
package app.steady.android.state

import app.steady.core.SteadyStore
import app.steady.core.StoreListener
import app.steady.core.Subscription
import app.steady.core.model.StoreChange
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** What only the platform can do for the session. */
interface DeviceHooks {
    /** Ask for a sync soon (WorkManager, on any network). */
    fun requestSync()

    /** After sign-out or revocation: cancel scheduled syncs and delete the store's key. */
    fun forgetDevice()
}

/**
 * One open store for the app's lifetime. Every core call blocks, so ViewModels run them on [io];
 * saves run in [persistScope], which is not cancelled when a screen closes, so typed text that
 * was on its way to the store still arrives.
 */
class SteadySession(
    /** The device's encrypted store. */
    val store: SteadyStore,
    /** What the platform does for us. */
    val device: DeviceHooks,
    /** Now, for timers and "occurred at". */
    val clock: Clock = SystemClock,
    /** Times in words, in the device's zone. */
    val labels: TimeLabels = TimeLabels(),
    /** Where blocking core calls run (never the main thread). */
    val io: CoroutineDispatcher = Dispatchers.IO,
    /** Saves that must finish even if the screen that asked has gone. */
    val persistScope: CoroutineScope = CoroutineScope(SupervisorJob() + io),
) {
    private val revisionFlow = MutableStateFlow(0L)
    private val changesFlow =
        MutableSharedFlow<StoreChange?>(extraBufferCapacity = 64, onBufferOverflow = BufferOverflow.DROP_OLDEST)

    /** Bumped after every committed change (the core tells us), so open screens can reload. */
    val revision: StateFlow<Long> = revisionFlow.asStateFlow()

    /**
     * What each committed write changed, as the core reports it (a save here, a sync page, a
     * grant given or ended); `null` means "everything may have changed" (sign-out). Screens
     * reload only when a change touches what they show.
     */
    val changes: SharedFlow<StoreChange?> = changesFlow.asSharedFlow()

    /** The core's change notifications, for the session's life (released with the store). */
    private val subscription: Subscription =
        store.subscribe(
            object : StoreListener {
                override fun onChange(change: StoreChange) {
                    changesFlow.tryEmit(change)
                    revisionFlow.update { it + 1 }
                }
            },
        )

    /** Tell open screens that everything may have changed (not for store writes: the core tells). */
    fun changed() {
        changesFlow.tryEmit(null)
        revisionFlow.update { it + 1 }
    }

    /**
     * At start-up: a placement that ended while the app was closed is removed from the phone now,
     * not only after the next sync (a unit with changes still to send keeps them until they have
     * reached the server; refused changes stay listed). Returns the units removed.
     */
    fun purgeEndedPlacements(): List<String> = store.purgeEndedUnits()

    /** The server this device enrolled with, if any. */
    fun serverUrl(): String? = store.syncStatus().serverUrl

    /**
     * Sign out: the store's files are deleted and the key forgotten. Nothing on the device can
     * read the old data afterwards; the next user enrols again.
     */
    fun signOut() {
        subscription.cancel()
        store.wipe()
        device.forgetDevice()
        changed()
    }
}
