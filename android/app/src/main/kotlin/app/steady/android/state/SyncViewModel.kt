// Sync and settings: where sync stands (last success, what waits, what needs the user, the last
// error), a sync now, and sign-out, which deletes the store and its key from the device.
package app.steady.android.state

import app.steady.core.SteadyException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** State and events of the Sync & settings screen. */
class SyncViewModel(
    session: SteadySession,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(SyncUiState())

    /** What the screen shows. */
    val state: StateFlow<SyncUiState> = mutable.asStateFlow()

    init {
        reloadOnChange { if (!mutable.value.signedOut) load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, syncing = false) }

    private fun load() {
        val store = session.store
        val status = store.syncStatus()
        val staff = store.staffMember()
        mutable.update {
            it.copy(
                enrolled = status.enrolled,
                server = status.serverUrl,
                staffLine = listOf(staff.name, staff.jobTitle).filter { s -> s.isNotBlank() }.joinToString(", "),
                deviceId = store.deviceId(),
                lastSuccessLabel = status.lastSuccessAt?.let { t -> session.labels.dayTime(t) } ?: "Never",
                lastAttemptLabel = status.lastAttemptAt?.let { t -> session.labels.dayTime(t) } ?: "Never",
                pending = status.pending.toInt(),
                quarantined = status.quarantined.toInt(),
                conflicts = status.conflicts.toInt(),
                lastError = status.lastProblem?.let(::syncProblemText),
            )
        }
    }

    /** Sync now (the worker also syncs on any network and every 15 minutes or so). */
    fun onSyncNow() {
        if (mutable.value.server == null) return
        mutable.update { it.copy(syncing = true, message = null) }
        io {
            try {
                val report = session.store.sync(null)
                mutable.update { it.copy(syncing = false, message = "Sent ${report.pushed}, received ${report.pulled}.") }
            } catch (e: SteadyException.Revoked) {
                session.signOut()
                mutable.update { it.copy(syncing = false, signedOut = true, message = errorText(e)) }
                return@io
            } catch (e: SteadyException) {
                mutable.update { it.copy(syncing = false, message = errorText(e)) }
            }
        }
    }

    /** Sign out asked: confirm first, saying what will be lost. */
    fun onSignOutRequested() = mutable.update { it.copy(confirmingSignOut = true) }

    /** Sign out cancelled. */
    fun onSignOutCancelled() = mutable.update { it.copy(confirmingSignOut = false) }

    /** Sign out confirmed: the store and its key leave the device. */
    fun onSignOutConfirmed() {
        mutable.update { it.copy(confirmingSignOut = false, signedOut = true) }
        io { session.signOut() }
    }
}
