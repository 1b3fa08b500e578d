// Background sync through WorkManager: whenever a network is available, and every 15 minutes
// (WorkManager's shortest period) while it is. The core retries transient failures itself; a
// `Network` failure tells WorkManager to retry with backoff; `Revoked` wipes the device.
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
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.util.concurrent.TimeUnit

/** Pushes what waits and pulls what changed. */
class SyncWorker(
    context: Context,
    params: WorkerParameters,
) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result =
        withContext(Dispatchers.IO) {
            val app = applicationContext as SteadyApplication
            val session = app.sessionOrNull() ?: return@withContext Result.success()
            val server = runCatching { session.serverUrl() }.getOrNull() ?: return@withContext Result.success()
            try {
                session.store.sync(server, null)
                session.changed()
                Result.success()
            } catch (e: SteadyException.Network) {
                Result.retry()
            } catch (e: SteadyException.Revoked) {
                session.signOut()
                Result.success()
            } catch (e: SteadyException) {
                // The status screen shows the error (the core keeps it); nothing personal is logged.
                Result.failure()
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

    /** A sync as soon as there is a network (after a capture, a submit, an enrolment). */
    fun requestSoon(context: Context) {
        val request =
            OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(onNetwork)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
        WorkManager.getInstance(context).enqueueUniqueWork(SOON, ExistingWorkPolicy.REPLACE, request)
    }

    /** No more syncs (sign-out). */
    fun cancelAll(context: Context) {
        WorkManager.getInstance(context).cancelUniqueWork(PERIODIC)
        WorkManager.getInstance(context).cancelUniqueWork(SOON)
    }
}
