// Screens with personal data are hidden from screenshots and the recents thumbnail
// (FLAG_SECURE, and on Android 13+ setRecentsScreenshotEnabled(false)). Steady shows
// personal data on almost every screen, so the flag is set for the whole activity.
package app.steady.android.platform

import android.app.Activity
import android.os.Build
import android.view.WindowManager

/** Hides the activity's content from screenshots, screen recording and recents. */
fun Activity.hidePersonalData() {
    window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
        setRecentsScreenshotEnabled(false)
    }
}
