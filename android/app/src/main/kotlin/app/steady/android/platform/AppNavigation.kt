// The app's navigation: Navigation Compose routes to each screen, each screen's ViewModel made
// over the one session, and the QR scanner launched for enrolment. Android-only glue: the
// screens and ViewModels it wires are the plain ones the JVM checks compile and render.
package app.steady.android.platform

import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.createSavedStateHandle
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.navigation.NavHostController
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import app.steady.android.state.CaptureViewModel
import app.steady.android.state.ChecklistViewModel
import app.steady.android.state.EnrolViewModel
import app.steady.android.state.GuidanceViewModel
import app.steady.android.state.HuddleViewModel
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.IncidentsViewModel
import app.steady.android.state.PeopleViewModel
import app.steady.android.state.PersonViewModel
import app.steady.android.state.ReviewQueueViewModel
import app.steady.android.state.SteadySession
import app.steady.android.state.SyncViewModel
import app.steady.android.ui.CaptureEvents
import app.steady.android.ui.CaptureScreen
import app.steady.android.ui.ChecklistScreen
import app.steady.android.ui.EnrolScreen
import app.steady.android.ui.GuidanceScreen
import app.steady.android.ui.HuddleEvents
import app.steady.android.ui.HuddleScreen
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.IncidentsScreen
import app.steady.android.ui.PeopleScreen
import app.steady.android.ui.PersonEvents
import app.steady.android.ui.PersonScreen
import app.steady.android.ui.ReviewQueueEvents
import app.steady.android.ui.ReviewQueueScreen
import app.steady.android.ui.SyncEvents
import app.steady.android.ui.SyncScreen
import app.steady.android.ui.TopDestination
import app.steady.android.ui.incidentEvents
import com.journeyapps.barcodescanner.ScanContract
import com.journeyapps.barcodescanner.ScanOptions

/** Where the app starts: enrolment, people, or (from the shortcut) quick capture. */
enum class Start { ENROL, PEOPLE, CAPTURE }

private fun NavHostController.top(d: TopDestination) =
    navigate(
        when (d) {
            TopDestination.PEOPLE -> "people"
            TopDestination.INCIDENTS -> "incidents"
            TopDestination.GUIDANCE -> "guidance"
            TopDestination.SYNC -> "sync"
        },
    ) {
        popUpTo("people")
        launchSingleTop = true
    }

/**
 * The whole app over [session]. [onSignedOut]: the store is gone; start again. [openIncident]:
 * a tapped prone-hold notification's incident, opened on top of where the app is (Back returns
 * there); [onIncidentOpened] says it has been.
 */
@Composable
fun SteadyApp(
    session: SteadySession,
    start: Start,
    onSignedOut: () -> Unit,
    openIncident: String? = null,
    onIncidentOpened: () -> Unit = {},
) {
    val nav = rememberNavController()
    // The shortcut opens Quick capture once, not every time People comes back into view.
    var shortcutHandled by rememberSaveable { mutableStateOf(false) }
    val capture = { person: String?, unit: String? ->
        nav.navigate("capture?person=${person.orEmpty()}&unit=${unit.orEmpty()}")
    }
    NavHost(nav, startDestination = if (start == Start.ENROL) "enrol" else "people") {
        composable("enrol") {
            val vm = viewModel { EnrolViewModel(session) }
            val state by vm.state.collectAsStateWithLifecycle()
            val scanner = rememberLauncherForActivityResult(ScanContract()) { result -> result.contents?.let(vm::onScanned) }
            LaunchedEffect(state.enrolled) {
                if (state.enrolled) nav.navigate("people") { popUpTo("enrol") { inclusive = true } }
            }
            EnrolScreen(
                state,
                vm::onServerChange,
                vm::onCodeChange,
                vm::onStaffNameChange,
                vm::onJobTitleChange,
                onScan = {
                    scanner.launch(
                        ScanOptions()
                            .setDesiredBarcodeFormats(ScanOptions.QR_CODE)
                            .setPrompt("Scan the enrolment QR code from your lead")
                            .setBeepEnabled(false)
                            .setOrientationLocked(false),
                    )
                },
                onEnrol = vm::onEnrol,
            )
        }
        composable("people") {
            val vm = viewModel { PeopleViewModel(session) }
            val state by vm.state.collectAsStateWithLifecycle()
            LaunchedEffect(Unit) {
                if (start == Start.CAPTURE && !shortcutHandled) {
                    shortcutHandled = true
                    capture(null, null)
                }
            }
            PeopleScreen(
                state,
                vm::onQueryChange,
                vm::onSelectUnit,
                onOpenPerson = { nav.navigate("person/$it") },
                onCapture = { capture(null, state.selectedUnitId) },
                onNavigate = { nav.top(it) },
                onOpenDrafts = { nav.top(TopDestination.INCIDENTS) },
                onTogglePin = vm::onTogglePin,
                onOpenProposals = { unit -> nav.navigate("proposals/$unit?person=") },
                onOpenHuddle = { unit -> nav.navigate("huddle/$unit") },
                // The ended state's way on: Sync and settings with "Add a placement" open.
                onAddPlacement = {
                    nav.navigate("sync?add=true") {
                        popUpTo("people")
                        launchSingleTop = true
                    }
                },
            )
        }
        composable("person/{id}", listOf(navArgument("id") { type = NavType.StringType })) { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            val vm = viewModel { PersonViewModel(session, id) }
            val state by vm.state.collectAsStateWithLifecycle()
            PersonScreen(
                state,
                PersonEvents(
                    onBack = { nav.popBackStack() },
                    onCapture = { capture(id, state.unitId) },
                    onChecklist = { nav.navigate("checklist/${state.unitId}/$id") },
                    onToggleEditing = vm::onToggleEditing,
                    onTextChange = vm::onTextChange,
                    onNewItemChange = vm::onNewItemChange,
                    onAddItem = vm::onAddItem,
                    onRemoveItem = vm::onRemoveItem,
                    onDisplayNameChange = vm::onDisplayNameChange,
                    onPreferredNameChange = vm::onPreferredNameChange,
                    onLocalIdentifierChange = vm::onLocalIdentifierChange,
                    onNhsNumberChange = vm::onNhsNumberChange,
                    onNewAlertChange = vm::onNewAlertChange,
                    onAddAlert = vm::onAddAlert,
                    onRemoveAlertRequest = vm::onRemoveAlertRequest,
                    onRemoveAlertConfirm = vm::onRemoveAlertConfirm,
                    onRemoveAlertCancel = vm::onRemoveAlertCancel,
                    onEditAvoids = vm::onEditAvoids,
                    onToggleAvoid = vm::onToggleAvoid,
                    onOpenIncident = { nav.navigate("incident/$it") },
                    onOpenProposals = { if (state.unitId.isNotEmpty()) nav.navigate("proposals/${state.unitId}?person=$id") },
                ),
            )
        }
        // The review queue of a unit, or of one person's plan (opened from their sheet).
        composable("huddle/{unit}", listOf(navArgument("unit") { type = NavType.StringType })) { entry ->
            val unit = entry.arguments?.getString("unit").orEmpty()
            val vm = viewModel { HuddleViewModel(session, unit) }
            val state by vm.state.collectAsStateWithLifecycle()
            HuddleScreen(
                state,
                HuddleEvents(
                    onBack = { nav.popBackStack() },
                    onHours = vm::onHours,
                    onOpenPerson = { nav.navigate("person/$it") },
                    onNoteText = vm::onNoteText,
                    onAddNote = vm::onAddNote,
                ),
            )
        }
        composable(
            "proposals/{unit}?person={person}",
            listOf(
                navArgument("unit") { type = NavType.StringType },
                navArgument("person") {
                    type = NavType.StringType
                    defaultValue = ""
                },
            ),
        ) { entry ->
            val unit = entry.arguments?.getString("unit").orEmpty()
            val person = entry.arguments?.getString("person")?.takeIf { it.isNotEmpty() }
            val vm = viewModel { ReviewQueueViewModel(session, unit, person) }
            val state by vm.state.collectAsStateWithLifecycle()
            ReviewQueueScreen(
                state,
                ReviewQueueEvents(
                    onBack = { nav.popBackStack() },
                    onOpenIncident = { nav.navigate("incident/$it") },
                    onAccept = vm::onAccept,
                    onDeclineOpen = vm::onDeclineOpen,
                    onDeclineReason = vm::onDeclineReason,
                    onDeclineCancel = vm::onDeclineCancel,
                    onDeclineConfirm = vm::onDeclineConfirm,
                ),
            )
        }
        composable("checklist/{unit}/{person}") { entry ->
            val unit = entry.arguments?.getString("unit").orEmpty()
            val person = entry.arguments?.getString("person")
            val vm = viewModel { ChecklistViewModel(session, unit, person) }
            val state by vm.state.collectAsStateWithLifecycle()
            ChecklistScreen(state, { nav.popBackStack() }, vm::onSelectTemplate, vm::onToggle, vm::onScore)
        }
        composable(
            "capture?person={person}&unit={unit}",
            listOf(
                navArgument("person") { defaultValue = "" },
                navArgument("unit") { defaultValue = "" },
            ),
        ) { entry ->
            val person = entry.arguments?.getString("person")?.ifEmpty { null }
            val unit = entry.arguments?.getString("unit")?.ifEmpty { null }
            // The entry's SavedStateHandle: after a process death the same draft carries on.
            val vm = viewModel { CaptureViewModel(session, unit, person, saved = createSavedStateHandle()) }
            val state by vm.state.collectAsStateWithLifecycle()
            // Back (gesture or button) on a started capture asks first; the screen closes once
            // the ViewModel says so.
            BackHandler(enabled = !state.left) { vm.onBack() }
            LaunchedEffect(state.left) { if (state.left) nav.popBackStack() }
            CaptureScreen(
                state,
                CaptureEvents(
                    onBack = vm::onBack,
                    onKeepDraft = vm::onKeepDraft,
                    onStay = vm::onStay,
                    onSelectUnit = vm::onSelectUnit,
                    onSelectPerson = vm::onSelectPerson,
                    onUnidentifiedChange = vm::onUnidentifiedChange,
                    onToggleTag = vm::onToggleTag,
                    onNoteChange = vm::onNoteChange,
                    onSave = vm::onSave,
                    onComplete = { id -> nav.navigate("incident/$id") { popUpTo("people") } },
                ),
            )
        }
        composable("incident/{id}") { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            // The hourly reminder after rapid tranquillisation follows the core's time on every load.
            val vm = viewModel { IncidentViewModel(session, id, reminders = ObservationAlarms.current()) }
            val state by vm.state.collectAsStateWithLifecycle()
            IncidentScreen(state, incidentEvents(vm, onBack = { nav.popBackStack() }))
        }
        composable("incidents") {
            val vm = viewModel { IncidentsViewModel(session) }
            val state by vm.state.collectAsStateWithLifecycle()
            IncidentsScreen(
                state,
                onOpen = { nav.navigate("incident/$it") },
                onCapture = { capture(null, null) },
                onNavigate = { nav.top(it) },
                onDiscardQuarantined = vm::onDiscardQuarantined,
                onDismissConflict = vm::onDismissConflict,
            )
        }
        composable("guidance") {
            val vm = viewModel { GuidanceViewModel(session) }
            val state by vm.state.collectAsStateWithLifecycle()
            GuidanceScreen(state, vm::onQueryChange, vm::onToggle, onCapture = { capture(null, null) }, onNavigate = { nav.top(it) })
        }
        composable(
            "sync?add={add}",
            listOf(
                navArgument("add") {
                    type = NavType.BoolType
                    defaultValue = false
                },
            ),
        ) { entry ->
            val vm = viewModel { SyncViewModel(session) }
            val state by vm.state.collectAsStateWithLifecycle()
            val add = entry.arguments?.getBoolean("add") ?: false
            // Opened once from the ended state, not again after a rotation once it was closed.
            var addHandled by rememberSaveable { mutableStateOf(false) }
            LaunchedEffect(add) {
                if (add && !addHandled) {
                    addHandled = true
                    vm.onAddPlacementOpen()
                }
            }
            val placementScanner =
                rememberLauncherForActivityResult(ScanContract()) { result -> result.contents?.let(vm::onPlacementScanned) }
            LaunchedEffect(state.signedOut) { if (state.signedOut) onSignedOut() }
            SyncScreen(
                state,
                SyncEvents(
                    onSyncNow = vm::onSyncNow,
                    onSignOut = vm::onSignOutRequested,
                    onSignOutConfirmed = vm::onSignOutConfirmed,
                    onSignOutCancelled = vm::onSignOutCancelled,
                    onCapture = { capture(null, null) },
                    onNavigate = { nav.top(it) },
                    onAddPlacementOpen = vm::onAddPlacementOpen,
                    onAddPlacementCancel = vm::onAddPlacementCancel,
                    onPlacementCodeChange = vm::onPlacementCodeChange,
                    onPlacementScan = {
                        placementScanner.launch(
                            ScanOptions()
                                .setDesiredBarcodeFormats(ScanOptions.QR_CODE)
                                .setPrompt("Scan the QR code for your next placement")
                                .setBeepEnabled(false)
                                .setOrientationLocked(false),
                        )
                    },
                    onAddPlacement = vm::onAddPlacement,
                ),
            )
        }
    }
    // After the NavHost has its graph. Not launchSingleTop: another incident on top keeps its
    // own ViewModel, so a different one is pushed; the same one already open is left as it is.
    LaunchedEffect(openIncident) {
        val id = openIncident ?: return@LaunchedEffect
        val top = nav.currentBackStackEntry
        if (top?.destination?.route != "incident/{id}" || top.arguments?.getString("id") != id) nav.navigate("incident/$id")
        onIncidentOpened()
    }
}
