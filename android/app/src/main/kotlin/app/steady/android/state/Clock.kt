// Time as the app's logic sees it: one injectable clock, so timers and the prone-hold alert can
// be tested with a fake clock, and one place that turns epoch milliseconds into words.
package app.steady.android.state

import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale

/** The wall clock, in epoch milliseconds. The app uses [SystemClock]; tests move a fake one. */
fun interface Clock {
    /** Now, in epoch milliseconds. */
    fun nowMillis(): Long
}

/** The device's own clock. */
object SystemClock : Clock {
    override fun nowMillis(): Long = System.currentTimeMillis()
}

/**
 * Formats times for people: "Mon 23 Nov, 03:12" on a UK clock (Europe/London, the zone of every
 * unit Steady serves, so a phone set to another zone still shows the ward's time, and a grant's
 * end reads as the lead set it), durations as "12:05".
 */
class TimeLabels(
    private val zone: ZoneId = UK,
) {
    companion object {
        /** The zone of every unit: the time on the ward wall. */
        val UK: ZoneId = ZoneId.of("Europe/London")
    }

    private val dayTime = DateTimeFormatter.ofPattern("EEE d MMM, HH:mm", Locale.UK)
    private val timeOnly = DateTimeFormatter.ofPattern("HH:mm", Locale.UK)

    /** A day and time, e.g. "Mon 23 Nov, 03:12". */
    fun dayTime(millis: Long): String = dayTime.format(Instant.ofEpochMilli(millis).atZone(zone))

    /** A time of day, e.g. "03:12". */
    fun time(millis: Long): String = timeOnly.format(Instant.ofEpochMilli(millis).atZone(zone))

    /** A running or finished duration as minutes and seconds, e.g. "10:05" (hours when long). */
    fun duration(millis: Long): String {
        val total = (millis.coerceAtLeast(0) / 1000)
        val hours = total / 3600
        val minutes = (total % 3600) / 60
        val seconds = total % 60
        return if (hours > 0) {
            "%d:%02d:%02d".format(hours, minutes, seconds)
        } else {
            "%d:%02d".format(minutes, seconds)
        }
    }
}
