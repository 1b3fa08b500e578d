// The screens of the app, each built from the state its real ViewModel makes over the demo
// organisation's data (pulled from a real steady-server), for the render and accessibility checks.
package app.steady.android.tests

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import app.steady.android.state.CaptureViewModel
import app.steady.android.state.ChecklistViewModel
import app.steady.android.state.EnrolViewModel
import app.steady.android.state.GuidanceViewModel
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.IncidentsViewModel
import app.steady.android.state.PeopleViewModel
import app.steady.android.state.PersonViewModel
import app.steady.android.state.ProblemRow
import app.steady.android.state.SyncViewModel
import app.steady.android.state.unreadableWarning
import app.steady.android.ui.CaptureEvents
import app.steady.android.ui.CaptureScreen
import app.steady.android.ui.ChecklistScreen
import app.steady.android.ui.EnrolScreen
import app.steady.android.ui.GuidanceScreen
import app.steady.android.ui.IncidentEvents
import app.steady.android.ui.IncidentScreen
import app.steady.android.ui.IncidentsScreen
import app.steady.android.ui.PeopleScreen
import app.steady.android.ui.PersonEvents
import app.steady.android.ui.PersonScreen
import app.steady.android.ui.SyncEvents
import app.steady.android.ui.SyncScreen
import app.steady.android.ui.theme.SteadyTheme
import app.steady.core.model.IncidentTag
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import app.steady.core.model.StaffMember
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import java.io.File

/** The screens, each from a ViewModel over real data, as the app would show them. */
fun demoScreens(devices: MutableList<Device>): List<Pair<String, @Composable () -> Unit>> {
    useTestMain()
    val editor = Device().join(OAKFIELD, Role.EDITOR, "Jo Bell", "Senior support worker").also { devices += it }
    val reader = Device().join(WILLOW, Role.READER, "Chris Lee", "Bank healthcare assistant").also { devices += it }
    val s = editor.session
    // A bank worker whose ward placement ends in a few seconds, the care home's code added from
    // settings beside it, and the last incident of the ward shift not yet synced: rendered at the
    // end, once the ward's placement has ended. And an agency worker whose only placement ended
    // and left the phone at start-up.
    val (ashWard, ashCode, ashEnds) = endingPlacement("Ash Ward", seconds = 5)
    val bank = Device().also { devices += it }
    bank.store.setStaffMember(StaffMember("Chris Lee", "Bank support worker"))
    bank.store.enroll(DemoServer.url, ashCode)
    bank.store.addPlacement(DemoServer.issueCode(OAKFIELD, Role.READER))
    bank.store.sync(null)
    bank.store.captureIncident(QuickCapture(unitId = ashWard, note = "Shouting at handover; settled"))
    val (_, elmCode, _) = endingPlacement("Elm Ward", seconds = 5, role = Role.READER)
    val agency = Device().also { devices += it }
    agency.store.setStaffMember(StaffMember("Ari Agency", "Agency support worker"))
    agency.store.enroll(DemoServer.url, elmCode)

    val enrol = EnrolViewModel(Device().also { devices += it }.session)
    enrol.onServerChange("http://sync.northvale.example")
    enrol.onCodeChange("K7Q")
    enrol.onStaffNameChange("Jo Bell")
    enrol.validate()

    // One person pinned on this phone for the shift: first in the list, with the pin shown.
    s.store.pinPerson("$OAKFIELD-p07", true)
    val people = PeopleViewModel(s)
    val peopleSearch = PeopleViewModel(s).apply { onQueryChange("pacing") }
    val sam = PersonViewModel(s, "$OAKFIELD-p01")
    val samEditing = PersonViewModel(s, "$OAKFIELD-p02").apply { onToggleEditing() }
    val wardReader = PersonViewModel(reader.session, "$WILLOW-p01")
    val checklist =
        ChecklistViewModel(s, OAKFIELD, "$OAKFIELD-p01").apply {
            state.value.items
                .take(2)
                .forEach { onToggle(it.id) }
            onScore()
        }
    val capture =
        CaptureViewModel(s, OAKFIELD, "$OAKFIELD-p01", saveDelayMillis = 0).apply {
            onToggleTag(IncidentTag.VERBAL_AGGRESSION)
            onToggleTag(IncidentTag.DAMAGE_TO_PROPERTY)
            onNoteChange("Threw a mug in the dining room after the fire alarm test; no one hurt.")
        }
    val captured =
        s.store.captureIncident(
            QuickCapture(
                unitId = OAKFIELD,
                personId = "$OAKFIELD-p03",
                note = "Hit out at staff during personal care",
                tags = listOf(IncidentTag.PHYSICAL_AGGRESSION_TO_STAFF),
                occurredAt = editor.clock.nowMillis(),
            ),
        )
    val incident =
        IncidentViewModel(s, captured, saveDelayMillis = 0, ticker = false).apply {
            state.value.ownStrategies
                .take(1)
                .forEach { onToggleOwnStrategy(it.key) }
            onToggleStep("GIVE_SPACE")
            onStartForce(RestrictiveInterventionType.PHYSICAL_PRONE, null)
            onReasonChange(
                state.value.useOfForce
                    .single()
                    .id,
                RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS,
            )
            editor.clock.advance(PRONE_ALERT_AFTER_MS + 42_000)
            tick()
        }
    val submittedId =
        s.store.captureIncident(
            QuickCapture(
                unitId = OAKFIELD,
                note = "Left the building without staff; found at the bus stop",
                tags = listOf(IncidentTag.ABSCONDING),
                unidentifiedPerson = null,
                personId = "$OAKFIELD-p05",
            ),
        )
    s.store.updateIncident(
        submittedId,
        app.steady.core.model.IncidentDetails(
            place = "Bus stop on Mill Lane",
            injuriesPerson = "None",
            outcome = "Walked back with two staff; settled by 16:00 with a cup of tea",
        ),
    )
    s.store.submitIncident(submittedId)
    s.store.addAddendum(submittedId, "Time corrected", "Found at 15:40, not 15:10.")
    val submitted = IncidentViewModel(s, submittedId, ticker = false)
    // Editing alerts and names: an empty alert and an emptied name refused next to their fields,
    // and the first alert waiting for "Remove" to be confirmed. Nothing here reaches the store.
    val alertsAndNames =
        PersonViewModel(s, "$OAKFIELD-p04", saveDelayMillis = 0).apply {
            onToggleEditing()
            onNewAlertChange(" ")
            onAddAlert()
            onDisplayNameChange("")
            state.value.amber.safetyAlerts
                .firstOrNull()
                ?.let { onRemoveAlertRequest(it.id) }
        }
    // Recorded after the event: moved 45 minutes earlier, then a step into the future refused.
    val lateId =
        s.store.captureIncident(
            QuickCapture(
                unitId = OAKFIELD,
                personId = "$OAKFIELD-p06",
                note = "Kicked the door of the quiet room",
                tags = listOf(IncidentTag.DAMAGE_TO_PROPERTY),
                occurredAt = editor.clock.nowMillis(),
            ),
        )
    val lateTime =
        IncidentViewModel(s, lateId, saveDelayMillis = 0, ticker = false).apply {
            onShiftOccurredAt(-60 * 60_000L)
            onShiftOccurredAt(15 * 60_000L)
            onShiftOccurredAt(60 * 60_000L)
        }
    // A use of force on a mental health ward written up afterwards: the s.6(5) inputs partly
    // answered, a debrief note waiting for held / not held, and the start time being corrected;
    // then the same record asking to remove an entry, and the Submit confirmation.
    val mhWard = DemoServer.newUnit("Cedar Ward", mentalHealthUnit = true)
    val wardLead = Device().join(mhWard, Role.LEAD, "Priya Shah", "Ward manager").also { devices += it }
    val kai =
        wardLead.store.createPerson(
            mhWard,
            app.steady.core.model
                .NewPerson("Kai Thornbury", "Kai", "CW000456"),
        )

    fun wardIncident(): IncidentViewModel {
        val wardId =
            wardLead.store.captureIncident(
                QuickCapture(unitId = mhWard, personId = kai, note = "Restrained after assault on a peer"),
            )
        return IncidentViewModel(wardLead.session, wardId, saveDelayMillis = 0, ticker = false).apply {
            onStartForce(RestrictiveInterventionType.PHYSICAL_STANDING, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
            wardLead.clock.advance(30 * 60_000L)
            val hold =
                state.value.useOfForce
                    .single()
                    .id
            onEditForceTime(hold, true)
            onForceTimeStep(-18 * 60_000L)
            onForceTimeSave()
            onS65Answer(app.steady.core.model.S65Item.NON_STAFF_INVOLVEMENT, true)
            onS65Text(app.steady.core.model.S65Item.NON_STAFF_INVOLVEMENT, "A visiting police officer helped")
            onS65Text(app.steady.core.model.S65Item.MENTAL_DISORDER, "Not known")
            onDebriefNote(true, "Kai asked to talk tomorrow morning")
        }
    }
    val wardAnswers = wardIncident()
    val wardPicker =
        wardIncident().apply {
            onEditForceTime(
                state.value.useOfForce
                    .single()
                    .id,
                false,
            )
            onForceTimeStep(-5 * 60_000L)
            onForceTimeStep(60 * 60_000L)
        }
    val wardRemove =
        wardIncident().apply {
            onStartForce(RestrictiveInterventionType.PHYSICAL_PRONE, null)
            onRemoveForceRequest(
                state.value.useOfForce
                    .first { it.typeLabel.contains("rone") }
                    .id,
            )
        }
    val wardConfirm = wardIncident().apply { onSubmitRequest() }
    val homeConfirm = IncidentViewModel(s, lateId, saveDelayMillis = 0, ticker = false).apply { onSubmitRequest() }
    val incidents = IncidentsViewModel(s)
    val guidance =
        GuidanceViewModel(s).apply {
            state.value.cards
                .firstOrNull()
                ?.let { onToggle(it.id) }
        }
    // Back on a started capture: the question before anything closes.
    val captureLeaving =
        CaptureViewModel(s, OAKFIELD, null, saveDelayMillis = 0).apply {
            onToggleTag(IncidentTag.NEAR_MISS)
            onBack()
        }
    // People after all of the above: the drafts left open, listed where the user starts.
    val peopleWithDrafts = PeopleViewModel(s)
    val sync = SyncViewModel(s)
    val signOut = SyncViewModel(reader.session).apply { onSignOutRequested() }
    // The placements, once the ward's has ended.
    Thread.sleep(maxOf(0, ashEnds.toEpochMilli() - System.currentTimeMillis()) + 500)
    val placementEnded = PeopleViewModel(bank.session).apply { onSelectUnit(ashWard) }
    val addPlacement =
        SyncViewModel(bank.session).apply {
            onAddPlacementOpen()
            // A code typed wrong: the server's answer under the field.
            onPlacementCodeChange("K7Q2MX-ABCDEFGHJKMNPQRSTVWX")
            onAddPlacement()
        }
    agency.session.purgeEndedPlacements()
    val noPlacement = PeopleViewModel(agency.session)

    return listOf(
        "01-enrol" to {
            EnrolScreen(enrol.state.value, {}, {}, {}, {}, onScan = {}, onEnrol = {})
        },
        "02-people" to { PeopleScreen(people.state.value, {}, {}, {}, {}, {}) },
        "03-people-search" to { PeopleScreen(peopleSearch.state.value, {}, {}, {}, {}, {}) },
        "04-person-editor" to { PersonScreen(sam.state.value, PersonEvents()) },
        "05-person-editing" to { PersonScreen(samEditing.state.value, PersonEvents()) },
        "06-person-reader" to { PersonScreen(wardReader.state.value, PersonEvents()) },
        "07-checklist" to { ChecklistScreen(checklist.state.value, {}, {}, {}, {}) },
        "08-capture" to { CaptureScreen(capture.state.value, CaptureEvents()) },
        "09-incident-prone-alert" to { IncidentScreen(incident.state.value, IncidentEvents()) },
        "10-incident-submitted" to { IncidentScreen(submitted.state.value, IncidentEvents()) },
        "11-incidents" to {
            // The demo has no refused changes or lost edits; two synthetic ones show how they read.
            IncidentsScreen(
                incidents.state.value.copy(
                    quarantined =
                        listOf(
                            ProblemRow(
                                "op-1",
                                "A change to sheet was refused",
                                "Your role in Willow Ward does not allow editing support sheets.",
                            ),
                        ),
                    conflicts =
                        listOf(
                            ProblemRow(
                                "7",
                                "Your edit of what helps lost to a later change",
                                "Changed elsewhere at Mon 23 Nov, 03:12. Your value is kept here.",
                            ),
                        ),
                ),
                {},
                {},
                {},
                {},
                {},
            )
        },
        "12-guidance" to { GuidanceScreen(guidance.state.value, {}, {}, {}, {}) },
        "13-sync" to { SyncScreen(sync.state.value, SyncEvents()) },
        "14-sign-out" to { SyncScreen(signOut.state.value, SyncEvents()) },
        "15-person-alerts-names" to { PersonScreen(alertsAndNames.state.value, PersonEvents()) },
        "16-incident-time" to { IncidentScreen(lateTime.state.value, IncidentEvents()) },
        "17-incident-unreadable" to {
            // The demo's records all read; a synthetic warning shows how one that did not reads.
            IncidentScreen(
                submitted.state.value.copy(unreadableWarning = unreadableWarning(listOf("use_of_force/uof-2", "debrief_person"))),
                IncidentEvents(),
            )
        },
        "18-capture-keep-draft" to { CaptureScreen(captureLeaving.state.value, CaptureEvents()) },
        "19-people-drafts" to { PeopleScreen(peopleWithDrafts.state.value, {}, {}, {}, {}, {}) },
        "20-incident-s65" to {
            // The de-escalation lists, the reasons not chosen and the start buttons left out, so
            // the use-of-force card, the s.6(5) answers and the unanswered debrief come into the
            // rendered height.
            val w = wardAnswers.state.value
            IncidentScreen(
                w.copy(
                    ownStrategies = emptyList(),
                    generalSteps = emptyList(),
                    reasonChoices = w.reasonChoices.filter { (r, _) -> w.useOfForce.any { it.reason == r } },
                    interventionChoices = emptyList(),
                ),
                IncidentEvents(),
            )
        },
        "21-incident-time-picker" to { IncidentScreen(wardPicker.state.value, IncidentEvents()) },
        "22-incident-remove-force" to { IncidentScreen(wardRemove.state.value, IncidentEvents()) },
        "23-incident-submit-blocked" to { IncidentScreen(wardConfirm.state.value, IncidentEvents()) },
        "24-incident-submit-confirm" to { IncidentScreen(homeConfirm.state.value, IncidentEvents()) },
        "25-people-placement-ended" to { PeopleScreen(placementEnded.state.value, {}, {}, {}, {}, {}) },
        "26-sync-add-placement" to { SyncScreen(addPlacement.state.value, SyncEvents(onPlacementScan = {})) },
        "27-people-no-placement" to { PeopleScreen(noPlacement.state.value, {}, {}, {}, {}, {}) },
    )
}
