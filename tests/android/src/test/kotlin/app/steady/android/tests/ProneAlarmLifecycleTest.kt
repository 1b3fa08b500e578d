// The prone-hold notification beyond one screen and one process, against the real Rust library
// and a real server: tapping it opens its incident, whose banner has the core's words; after a
// reboot or an update (a new process, nothing remembered) the store's running holds are
// scheduled again; sign-out cancels every alarm and schedules none afterwards. The Android half
// (AlarmManager, the PendingIntent, the receivers) cannot run here: its declarations are checked
// from the manifest and the source, and run.sh type-checks it against android-all.
package app.steady.android.tests

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runDesktopComposeUiTest
import app.steady.android.state.DeviceHooks
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.ProneAlertWatcher
import app.steady.android.state.ProneAlerts
import app.steady.android.state.SteadySession
import app.steady.android.ui.IncidentEvents
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.incidentEvents
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import app.steady.core.model.UseOfForce
import app.steady.core.proneHoldAlertAt
import app.steady.core.proneHoldAlertText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.io.File
import javax.xml.parsers.DocumentBuilderFactory

class ProneAlarmLifecycleTest {
    private val app = File("../../android/app/src/main")
    private val platform = File(app, "kotlin/app/steady/android/platform")

    @BeforeEach
    fun main() = useTestMain()

    private fun Device.draft(person: String = "$OAKFIELD-p03"): String =
        store.captureIncident(QuickCapture(unitId = OAKFIELD, note = "Hit out at staff", personId = person))

    private fun Device.start(
        incident: String,
        type: RestrictiveInterventionType = RestrictiveInterventionType.PHYSICAL_PRONE,
    ): String =
        store.addUseOfForce(incident, UseOfForce(intervention = type, startedAt = clock.nowMillis(), staff = listOf(store.staffMember())))

    private fun Device.end(
        incident: String,
        id: String,
    ) = store.updateUseOfForce(
        incident,
        store
            .incident(incident)
            .useOfForce
            .single { it.id == id }
            .copy(endedAt = clock.nowMillis()),
    )

    private fun source(name: String) = File(platform, name).readText()

    /** Each `PendingIntent.getActivity/Broadcast/Service(…)` call in [code]: its kind and arguments. */
    private fun pendingIntents(code: String): List<Pair<String, String>> =
        Regex("""PendingIntent\s*\.get(Activity|Broadcast|Service)\(""")
            .findAll(code)
            .map { m ->
                var depth = 1
                var i = m.range.last + 1
                while (depth > 0) {
                    when (code[i]) {
                        '(' -> depth++
                        ')' -> depth--
                    }
                    i++
                }
                m.groupValues[1] to code.substring(m.range.last + 1, i - 1)
            }.toList()

    // 1. Tapping the notification opens that incident.

    @OptIn(ExperimentalTestApi::class)
    @Test
    fun `the notification opens the incident it was scheduled for, its banner in the core's words`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val alarms = RecordingAlarms()
            val watcher = ProneAlertWatcher(d.session, ProneAlerts(alarms, FakePermission()))
            d.draft("$OAKFIELD-p01")
            val incident = d.draft()
            d.start(incident)
            watcher.check()
            val alarm = alarms.scheduled.single()
            assertEquals(incident, alarm.incidentId, "the notification carries its own incident")

            // The alarm fires; the tap pushes the incident route for alarm.incidentId.
            d.clock.advance(alarm.atMillis - d.clock.nowMillis())
            val vm = IncidentViewModel(d.session, alarm.incidentId, saveDelayMillis = 0, ticker = false)
            vm.tick()
            val state = vm.state.value
            assertEquals(incident, state.id)
            assertEquals(d.store.incident(incident).personName, state.about, "that person's incident, not another")
            assertTrue(state.proneAlert, "at the notification's moment the banner is up too")

            var closed = false
            runDesktopComposeUiTest(width = 411, height = 2000) {
                setContent { SteadyTheme(dark = false) { IncidentScreen(state, incidentEvents(vm, onBack = { closed = true })) } }
                val words = proneHoldAlertText()
                onNodeWithText(words.title).assertExists()
                onNodeWithText(words.body).assertExists()
                assertEquals(alarm.title, words.title, "the banner and the notification say the same")
                assertEquals(alarm.body, words.body)
                onNodeWithContentDescription("Back").performClick()
            }
            assertTrue(closed, "Back closes the notified incident")
        }
    }

    @Test
    fun `the incident screen's one wiring leaves no event doing nothing`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val vm = IncidentViewModel(d.session, d.draft(), saveDelayMillis = 0, ticker = false)
            val wired = incidentEvents(vm, onBack = {})
            val defaults = IncidentEvents()
            val getters = IncidentEvents::class.java.methods.filter { it.name.startsWith("getOn") && it.parameterCount == 0 }
            assertTrue(getters.size >= 30, "found ${getters.size} events")
            for (g in getters) {
                assertNotSame(g.invoke(defaults), g.invoke(wired), "${g.name.removePrefix("get")} is left doing nothing")
            }
        }
    }

    @Test
    fun `the tap is an explicit immutable PendingIntent that MainActivity routes once the store is open`() {
        val alarms = source("ProneAlarms.kt")
        val calls = platform.listFiles()!!.filter { it.extension == "kt" }.flatMap { pendingIntents(it.readText()) }
        assertTrue(calls.size >= 3, "found ${calls.size} PendingIntents")
        for ((_, args) in calls) {
            assertTrue("FLAG_IMMUTABLE" in args, "not immutable: $args")
            assertFalse("FLAG_MUTABLE" in args, "mutable: $args")
        }
        val open = calls.single { it.first == "Activity" }.second
        assertTrue("Intent(context, MainActivity::class.java)" in open, "explicit, by class: $open")
        assertTrue("ACTION_OPEN_INCIDENT" in open && "EXTRA_INCIDENT, incidentId" in open, open)
        assertTrue("ProneAlarms.openIncidentIntent(context, incidentId)" in alarms, "the notification's content intent")

        val activity = source("MainActivity.kt")
        val onCreate = activity.substringAfter("override fun onCreate").substringBefore("setContent")
        val onNewIntent = activity.substringAfter("override fun onNewIntent").substringBefore("\n    }\n")
        assertTrue("ProneAlarms.incidentToOpen(intent)" in onCreate, "a cold start from the tap")
        assertTrue("ProneAlarms.incidentToOpen(intent)" in onNewIntent, "a tap while Steady is open")
        // Handed to the app only inside `if (open != null)`: after the store has opened.
        val content = activity.substringAfter("val open = session").substringBefore("} else {")
        assertTrue("SteadyApp(open, start, onSignedOut = { recreate() }, notifiedIncident" in content, "once the store is open")
        assertTrue("onIncidentOpened = { notifiedIncident = null }" in content, "once per tap")
        // The app's own incident route, pushed on top, with the one wiring of every event.
        val navigation = source("AppNavigation.kt")
        val effect = navigation.substringAfter("LaunchedEffect(openIncident)").substringBefore("\n    }\n")
        assertTrue("nav.navigate(\"incident/\$id\")" in effect, effect)
        assertTrue("IncidentScreen(state, incidentEvents(vm, onBack = { nav.popBackStack() }))" in navigation)
    }

    // 2. The banner's words are the core's.

    @Test
    fun `the incident screen keeps no alert words of its own`() {
        val screen = File(app, "kotlin/app/steady/android/ui/IncidentScreen.kt").readText()
        assertFalse(screen.contains("PRONE HOLD OVER", ignoreCase = true), "the old Android-only banner")
        assertFalse(screen.contains("check breathing"), "the old Android-only advice")
        assertTrue("alertText.title" in screen && "alertText.body" in screen)
        assertEquals(proneHoldAlertText(), ProneAlerts.words)
    }

    // 3. Alarms survive a reboot and an app update.

    @Test
    fun `after a reboot a new process schedules the running holds again, from the store`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val before = RecordingAlarms()
            ProneAlertWatcher(d.session, ProneAlerts(before, FakePermission())).check()
            val incident = d.draft()
            val running = d.start(incident)
            val ended = d.start(incident)
            val seated = d.start(incident, RestrictiveInterventionType.PHYSICAL_SEATED)
            val other = d.draft("$OAKFIELD-p01")
            val runningElsewhere = d.start(other)
            d.clock.advance(2 * 60_000)
            d.end(incident, ended)
            ProneAlertWatcher(d.session, ProneAlerts(before, FakePermission())).check()
            val expected = before.scheduled.filter { it.entryId in setOf(running, runningElsewhere) }.toSet()
            assertEquals(2, expected.size)

            // The reboot: AlarmManager has forgotten everything; a new process remembers nothing.
            d.clock.advance(60_000)
            val after = RecordingAlarms()
            ProneAlertWatcher(d.session, ProneAlerts(after, FakePermission())).reschedule()
            assertEquals(expected, after.scheduled.toSet(), "the same moments and words as before the reboot")
            assertFalse(after.scheduled.any { it.entryId == ended || it.entryId == seated })
        }
    }

    @Test
    fun `an update or exact alarms allowed sets every alarm again in the same process`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val alarms = RecordingAlarms()
            val watcher = ProneAlertWatcher(d.session, ProneAlerts(alarms, FakePermission()))
            val incident = d.draft()
            val id = d.start(incident)
            watcher.check()
            watcher.check()
            assertEquals(1, alarms.scheduled.size, "a pass that changes nothing schedules nothing")
            // Exact alarms newly allowed: the inexact alarm is replaced, at the same moment.
            watcher.reschedule()
            assertEquals(listOf(id, id), alarms.scheduled.map { it.entryId })
            assertEquals(alarms.scheduled[0], alarms.scheduled[1])
        }
    }

    @Test
    fun `an alert time that passed while the phone was off is not sounded late`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val incident = d.draft()
            val id = d.start(incident)
            val at =
                proneHoldAlertAt(
                    d.store
                        .incident(incident)
                        .useOfForce
                        .single { it.id == id },
                )!!
            d.clock.advance(at - d.clock.nowMillis() + 5 * 60_000)
            val after = RecordingAlarms()
            ProneAlertWatcher(d.session, ProneAlerts(after, FakePermission())).reschedule()
            assertTrue(after.scheduled.isEmpty(), "documented: the banner shows it when the incident opens")
        }
    }

    @Test
    fun `the manifest reschedules at boot and after an update, only from the system, after first unlock`() {
        val manifest =
            DocumentBuilderFactory
                .newInstance()
                .apply {
                    isNamespaceAware = true
                }.newDocumentBuilder()
                .parse(File(app, "AndroidManifest.xml"))
        val ns = "http://schemas.android.com/apk/res/android"
        val permissions =
            manifest.getElementsByTagName("uses-permission").let { l ->
                (0 until l.length).map { (l.item(it) as org.w3c.dom.Element).getAttributeNS(ns, "name") }
            }
        assertTrue("android.permission.RECEIVE_BOOT_COMPLETED" in permissions)
        val receivers =
            manifest.getElementsByTagName("receiver").let { l -> (0 until l.length).map { l.item(it) as org.w3c.dom.Element } }
        val rescheduler = receivers.single { it.getAttributeNS(ns, "name") == ".platform.ProneAlarmRescheduler" }
        assertEquals("false", rescheduler.getAttributeNS(ns, "exported"), "only the system sends these")
        assertFalse(rescheduler.getAttributeNS(ns, "directBootAware") == "true", "the store is unreadable before first unlock")
        val actions =
            rescheduler.getElementsByTagName("action").let { l ->
                (0 until l.length).map { (l.item(it) as org.w3c.dom.Element).getAttributeNS(ns, "name") }.toSet()
            }
        assertEquals(
            setOf(
                "android.intent.action.BOOT_COMPLETED",
                "android.intent.action.MY_PACKAGE_REPLACED",
                "android.app.action.SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED",
            ),
            actions,
        )
        // The receiver acts on exactly the manifest's actions.
        val code = source("ProneAlarmRescheduler.kt")
        for (a in listOf(
            "Intent.ACTION_BOOT_COMPLETED",
            "Intent.ACTION_MY_PACKAGE_REPLACED",
            "ACTION_SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED",
        )) {
            assertTrue(a in code, a)
        }
        assertTrue("ProneAlarms.reschedule(app, it)" in code)
    }

    // 4. Sign-out cancels every alarm.

    @Test
    fun `signing out cancels every scheduled alarm, and none is scheduled over the wiped store`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val alarms = RecordingAlarms()
            val alerts = ProneAlerts(alarms, FakePermission())
            // The app's hooks: SteadyApplication's forgetDevice calls ProneAlarms.cancelAll.
            var forgotten = false
            val session =
                SteadySession(
                    store = d.store,
                    device =
                        object : DeviceHooks {
                            override fun requestSync() = Unit

                            override fun forgetDevice() {
                                alerts.cancelAll()
                                forgotten = true
                            }
                        },
                    clock = d.clock,
                    io = Dispatchers.Unconfined,
                    persistScope = CoroutineScope(SupervisorJob() + Dispatchers.Unconfined),
                )
            val watcher = ProneAlertWatcher(session, alerts)
            val a = d.draft()
            val b = d.draft("$OAKFIELD-p01")
            val ids = setOf(d.start(a), d.start(a), d.start(b))
            watcher.check()
            assertEquals(ids, alarms.scheduled.map { it.entryId }.toSet())

            session.signOut()
            assertTrue(forgotten)
            assertEquals(ids, alarms.cancelled.toSet(), "every alarm cancelled")
            assertFalse(alerts.askPermission.value)

            // A pass over the old data still under way schedules nothing.
            alerts.onEntries(
                a,
                listOf(UseOfForce(id = "late", intervention = RestrictiveInterventionType.PHYSICAL_PRONE, startedAt = d.clock.nowMillis())),
                d.clock.nowMillis(),
            )
            runCatching { watcher.check() }
            assertEquals(3, alarms.scheduled.size, "nothing scheduled after sign-out")

            // The next session's watcher resumes.
            alerts.resume()
            alerts.onEntries(
                "next",
                listOf(
                    UseOfForce(
                        id = "next-entry",
                        intervention = RestrictiveInterventionType.PHYSICAL_PRONE,
                        startedAt = d.clock.nowMillis(),
                    ),
                ),
                d.clock.nowMillis(),
            )
            assertEquals("next-entry", alarms.scheduled.last().entryId)
        }
    }

    @Test
    fun `the app's sign-out and store reset both cancel the alarms on the device`() {
        val application = source("SteadyApplication.kt")
        val forget = application.substringAfter("override fun forgetDevice()").substringBefore("\n                }\n")
        assertTrue("ProneAlarms.cancelAll(this@SteadyApplication)" in forget, forget)
        val reset = application.substringAfter("fun resetUnreadableStore()").substringBefore("\n    }\n")
        assertTrue("ProneAlarms.cancelAll(this)" in reset, reset)
        val alarms = source("ProneAlarms.kt")
        val cancelAll = alarms.substringAfter("override fun cancelAll(known: Set<String>)").substringBefore("\n    }\n")
        assertTrue("pendingIds(context)" in cancelAll, "also the alarms an earlier process set")
        assertTrue("activeNotifications" in cancelAll, "and the notifications already showing")
    }
}
