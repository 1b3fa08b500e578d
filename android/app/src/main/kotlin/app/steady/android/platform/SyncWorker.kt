// Background sync through WorkManager: whenever a network is available, and every 15 minutes
// (WorkManager's shortest period) while it is. The core retries transient failures itself; a
// `Network` failure tells WorkManager to retry with backoff; `Revoked` wipes the device. When
// WorkManager stops the work (constraints lost, quota, the app killed from Recents) the blocking
// sync is interrupted, so it ends between two requests instead of running on unseen.
package app.steady.android.platform

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import app.steady.core.SteadyException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean

/** Pushes what waits and pulls what changed. */
class SyncWorker(
    context: Context,
    params: WorkerParameters,
) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result =
        coroutineScope {
            val app = applicationContext as SteadyApplication
            val session = app.sessionOrNull() ?: return@coroutineScope Result.success()
            if (runCatching { session.serverUrl() }.getOrNull() == null) return@coroutineScope Result.success()
            // WorkManager stops a CoroutineWorker by cancelling it; the core's blocking sync does
            // not see that, so a watcher turns the cancellation into interruptSync().
            val finished = AtomicBoolean(false)
            val stopWatch =
                launch(start = CoroutineStart.UNDISPATCHED) {
                    try {
                        awaitCancellation()
                    } finally {
                        if (!finished.get()) runCatching { session.store.interruptSync() }
                    }
                }
            try {
                withContext(Dispatchers.IO) { session.store.sync(null) }
                Result.success()
            } catch (e: SteadyException.Interrupted) {
                // Stopped by WorkManager: what was answered is kept; the rest goes next time.
                Result.retry()
            } catch (e: SteadyException.Network) {
                Result.retry()
            } catch (e: SteadyException.Revoked) {
                session.signOut()
                Result.success()
            } catch (e: SteadyException) {
                // The status screen shows the error (the core keeps it); nothing personal is logged.
                Result.failure()
            } finally {
                finished.set(true)
                stopWatch.cancel()
            }
        }
}

/** Schedules and cancels the sync work. */
object SyncScheduling {
    private const val PERIODIC = "steady-sync-periodic"
    private const val SOON = "steady-sync-soon"

    private val onNetwork = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    /** The periodic sync, kept if already scheduled. */
    fun schedulePeriodic(context: Context) {
        val request =
            PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(onNetwork)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
        WorkManager.getInstance(context).enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
    }

    /**
     * A sync as soon as there is a network (after a capture, a submit, an enrolment). A sync
     * already running is kept and one more is queued behind it (APPEND_OR_REPLACE), so a capture
     * never cancels the sync in flight that may be carrying the one before it.
     */
    fun requestSoon(context: Context) {
        val request =
            OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(onNetwork)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
        WorkManager.getInstance(context).enqueueUniqueWork(SOON, ExistingWorkPolicy.APPEND_OR_REPLACE, request)
    }

    /** No more syncs (sign-out). */
    fun cancelAll(context: Context) {
        WorkManager.getInstance(context).cancelUniqueWork(PERIODIC)
        WorkManager.getInstance(context).cancelUniqueWork(SOON)
    }
}
