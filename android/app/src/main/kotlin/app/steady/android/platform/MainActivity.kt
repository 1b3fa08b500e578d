// The one activity: hides its content from screenshots and recents (personal data), opens the
// store off the main thread, follows the system's dark or light setting, and starts at
// enrolment, the people list, or quick capture when launched from the app shortcut; a tapped
// prone-hold notification opens its incident once the store is open.
package app.steady.android.platform

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.lifecycleScope
import app.steady.android.state.SteadySession
import app.steady.android.state.errorText
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.SteadyException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** Steady's activity. */
class MainActivity : ComponentActivity() {
    private var session by mutableStateOf<SteadySession?>(null)
    private var start by mutableStateOf(Start.PEOPLE)
    private var problem by mutableStateOf<String?>(null)
    private var unreadable by mutableStateOf(false)

    /** The incident a tapped prone-hold notification asks for, until the app has opened it. */
    private var notifiedIncident by mutableStateOf<String?>(null)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        hidePersonalData()
        enableEdgeToEdge()
        // Once per tap: a recreated activity has its back stack, not the intent it began with.
        notifiedIncident =
            if (savedInstanceState != null) savedInstanceState.getString(OPEN_INCIDENT) else ProneAlarms.incidentToOpen(intent)
        openStore(intent)
        setContent {
            SteadyTheme(dark = isSystemInDarkTheme()) {
                val open = session
                if (open != null) {
                    // The notification permission is asked at enrolment or with a draft open,
                    // never during a hold (ProneAlerts decides; this shows the system dialog).
                    ProneAlertPermissionPrompt(ProneAlarms.alerts(this))
                    // A tapped notification's incident, pushed onto the app's back stack once.
                    SteadyApp(open, start, onSignedOut = { recreate() }, notifiedIncident, onIncidentOpened = { notifiedIncident = null })
                } else {
                    Surface(Modifier.fillMaxSize()) {
                        Column(
                            Modifier.fillMaxSize().padding(24.dp),
                            verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
                        ) {
                            Text(problem ?: "Opening Steady…", style = MaterialTheme.typography.titleMedium)
                            if (problem != null && !unreadable) {
                                Button(onClick = {
                                    problem = null
                                    openStore(intent)
                                }, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) {
                                    Text("Try again")
                                }
                            }
                            if (unreadable) {
                                Button(onClick = {
                                    (application as SteadyApplication).resetUnreadableStore()
                                    recreate()
                                }, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) {
                                    Text("Delete the unreadable data and enrol again")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        outState.putString(OPEN_INCIDENT, notifiedIncident)
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        ProneAlarms.incidentToOpen(intent)?.let {
            setIntent(intent)
            notifiedIncident = it
        }
        if (intent.action == ACTION_CAPTURE) {
            setIntent(intent)
            recreate()
        }
    }

    private fun openStore(intent: Intent?) {
        lifecycleScope.launch {
            try {
                val opened = withContext(Dispatchers.IO) { (application as SteadyApplication).session() }
                val enrolled = withContext(Dispatchers.IO) { opened.store.syncStatus().enrolled }
                start =
                    when {
                        !enrolled -> Start.ENROL
                        intent?.action == ACTION_CAPTURE -> Start.CAPTURE
                        else -> Start.PEOPLE
                    }
                session = opened
            } catch (e: SteadyException.WrongKey) {
                // The Keystore entry was reset: this store can never be read again.
                problem = errorText(e) + " Android reset this device's key, so Steady's data here cannot be read."
                unreadable = true
            } catch (e: SteadyException.KeyUnreadable) {
                // The wrapped key file is truncated or fails its tag: it will never open the store.
                problem = errorText(e)
                unreadable = true
            } catch (e: SteadyException.Damaged) {
                // A damaged store: a reset is offered, with the warning that unsynced work goes.
                problem = errorText(e)
                unreadable = true
            } catch (e: SteadyException.NeedsAppUpdate) {
                // A newer Steady wrote this store: the data is intact. Never offer a reset here.
                problem = errorText(e)
            } catch (e: Exception) {
                // KeyUnavailable before the first unlock (try again after unlocking), Storage...
                problem = errorText(e)
            }
        }
    }

    companion object {
        /** The app shortcut's action: open straight on Quick capture. */
        const val ACTION_CAPTURE = "app.steady.android.CAPTURE"

        private const val OPEN_INCIDENT = "notified-incident"
    }
}
