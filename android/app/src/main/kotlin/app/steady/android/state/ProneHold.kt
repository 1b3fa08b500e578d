// The running timers of restrictive interventions and the prone-hold rule: a prone restraint
// that passes 10 minutes raises an alert on screen (DESIGN.md §3.1: some returns report prone
// restraint over 10 minutes separately, and it is a clinical danger sign). The rule itself is
// the core's (`proneHoldOverTenMinutes`, the same one the server's dashboard counts by); these
// are functions of the entry and the clock, so they are tested with a fake clock.
package app.steady.android.state

import app.steady.core.model.UseOfForce
import app.steady.core.proneHoldOverTenMinutes

/** How long the entry has run (to its end, or to [now] while running); null before it starts. */
fun elapsedMillis(
    entry: UseOfForce,
    now: Long,
): Long? {
    val start = entry.startedAt ?: return null
    return ((entry.endedAt ?: now) - start).coerceAtLeast(0)
}

/** The entry is running: started and not yet ended. */
fun isRunning(entry: UseOfForce): Boolean = entry.startedAt != null && entry.endedAt == null

/** A prone hold that is still running and has passed 10 minutes: alert now. */
fun proneHoldAlert(
    entry: UseOfForce,
    now: Long,
): Boolean = isRunning(entry) && proneHoldOverTenMinutes(entry, now)

/** A prone hold that lasted (or has lasted so far) more than 10 minutes: to be reported separately. */
fun proneHoldOverTen(
    entry: UseOfForce,
    now: Long,
): Boolean = proneHoldOverTenMinutes(entry, now)
