// What every screen's ViewModel shares: blocking core calls run off the main thread, failures
// become a sentence for the user (never a crash, never personal data in a log), and saves that
// must survive the screen closing go through the session's own scope.
package app.steady.android.state

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.steady.core.model.StoreChange
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.onSubscription
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext

/** A ViewModel over the session's store. */
abstract class SessionViewModel(
    /** The open store and its helpers. */
    protected val session: SteadySession,
) : ViewModel() {
    /** Shows a failure to the user. */
    protected abstract fun showMessage(text: String)

    /** Runs [block] (blocking core calls) on the session's IO dispatcher; failures are shown. */
    protected fun io(block: () -> Unit): Job =
        viewModelScope.launch(session.io) {
            attempt(block)
        }

    /**
     * Loads now, and again after each committed change in the store that [relevant] says touches
     * what this screen shows (the core names the records and units each write changed). Not
     * every keystroke elsewhere reloads every screen.
     */
    protected fun reloadOnChange(
        relevant: (StoreChange) -> Boolean = { true },
        load: () -> Unit,
    ) {
        viewModelScope.launch(session.io) {
            session.changes
                .onSubscription { attempt(load) }
                .filter { it == null || relevant(it) }
                .collect { attempt(load) }
        }
    }

    /** Runs [block], turning a failure into a message. */
    protected fun attempt(block: () -> Unit) {
        try {
            block()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            showMessage(errorText(e))
        }
    }
}

/**
 * Saves typed text a moment after the last keystroke, one save at a time, in a scope that
 * outlives the screen: the text reaches the store even when the user leaves straight away.
 * [flush] saves at once (Save, Submit, leaving the screen).
 */
class DraftSaver(
    private val scope: CoroutineScope,
    private val delayMillis: Long,
) {
    private val pending = mutableMapOf<String, Job>()
    private val actions = mutableMapOf<String, () -> Unit>()
    private val lock = Mutex()

    /** Saves [action] under [key] after the pause; a newer save of the same key replaces it. */
    fun schedule(
        key: String,
        action: () -> Unit,
    ) {
        synchronized(this) {
            pending.remove(key)?.cancel()
            actions[key] = action
            if (delayMillis <= 0) {
                actions.remove(key)
                pending[key] = scope.launch { lock.withLock { action() } }
                return
            }
            pending[key] =
                scope.launch {
                    delay(delayMillis)
                    val run = synchronized(this@DraftSaver) { actions.remove(key) } ?: return@launch
                    // Taken from the queue: from here it must run even if flush() cancels us.
                    withContext(NonCancellable) { lock.withLock { run() } }
                }
        }
    }

    /** Runs every waiting save now, in the caller's thread, one after another. */
    suspend fun flush() {
        val waiting =
            synchronized(this) {
                pending.values.forEach { it.cancel() }
                pending.clear()
                actions.values.toList().also { actions.clear() }
            }
        lock.withLock { waiting.forEach { it() } }
    }

    /** Runs [action] after any save in progress, holding the same lock. */
    suspend fun <T> exclusive(action: () -> T): T = lock.withLock { action() }
}
