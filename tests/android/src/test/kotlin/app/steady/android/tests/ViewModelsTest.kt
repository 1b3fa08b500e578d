// The app's ViewModels driven as a user would, against the real Rust library (an encrypted store
// in a temporary directory) and a real steady-server on loopback: the moments the app exists for.
package app.steady.android.tests

import app.steady.android.state.CaptureViewModel
import app.steady.android.state.ChecklistViewModel
import app.steady.android.state.EnrolViewModel
import app.steady.android.state.IncidentViewModel
import app.steady.android.state.IncidentsViewModel
import app.steady.android.state.PeopleViewModel
import app.steady.android.state.PersonViewModel
import app.steady.android.state.SectionTone
import app.steady.android.state.SyncViewModel
import app.steady.core.SteadyException
import app.steady.core.model.BandLevel
import app.steady.core.model.IncidentStatus
import app.steady.core.model.IncidentTag
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import app.steady.core.model.SheetList
import app.steady.core.model.SheetText
import app.steady.core.sheetLayout
import app.steady.core.sheetTextHeading
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File

class ViewModelsTest {
    @BeforeEach
    fun main() = useTestMain()

    @Test
    fun `a new phone enrols from the demo's QR code and has the unit's people before the shift`() {
        Device().use { d ->
            val enrol = EnrolViewModel(d.session)
            enrol.onScanned(DemoServer.enrolmentLink)
            assertEquals(DemoServer.url, enrol.state.value.serverUrl)
            enrol.onEnrol()
            assertEquals("Enter your name and job title", enrol.state.value.staffError)
            enrol.onStaffNameChange("Jo Bell")
            enrol.onJobTitleChange("Support worker")
            enrol.onEnrol()
            assertTrue(enrol.state.value.enrolled, enrol.state.value.toString())
            assertEquals(1, d.hooks.syncRequests.get())

            val people = PeopleViewModel(d.session)
            val s = people.state.value
            assertEquals(listOf("Oakfield House", "Willow Ward"), s.units.map { it.name }.sorted())
            assertEquals(12, s.people.size)
            assertTrue(s.people.all { it.safetyAlerts.isNotEmpty() }, "every demo person has a safety alert")
            assertTrue(s.people.single { it.name == "Peggy" }.reviewOverdue)

            // A capture offline, then Sync now from settings: it reaches the server.
            d.store.captureIncident(QuickCapture(unitId = OAKFIELD, note = "Shouting in the lounge; calmed with tea"))
            val sync = SyncViewModel(d.session)
            assertEquals(1, sync.state.value.pending)
            sync.onSyncNow()
            assertEquals(0, sync.state.value.pending, sync.state.value.toString())
            assertNull(sync.state.value.lastError)
            assertTrue(sync.state.value.lastSuccessLabel != "Never")
        }
    }

    @Test
    fun `a refused code is shown next to the code field`() {
        Device().use { d ->
            val enrol = EnrolViewModel(d.session)
            enrol.onServerChange(DemoServer.url)
            enrol.onCodeChange("WRONG-CODE-0000")
            enrol.onStaffNameChange("Jo Bell")
            enrol.onJobTitleChange("Support worker")
            enrol.onEnrol()
            assertFalse(enrol.state.value.enrolled)
            assertNotNull(enrol.state.value.codeError, enrol.state.value.toString())
        }
    }

    @Test
    fun `search finds people by warning sign offline, and a local change shows as waiting to sync`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val people = PeopleViewModel(d.session)
            val sam = d.store.supportSheet("$OAKFIELD-p01")
            val sign = sam.warningSigns.first().text
            people.onQueryChange(sign)
            val hits = people.state.value.people
            assertTrue(hits.any { it.id == sam.person.id }, "searching \"$sign\" found ${hits.map { it.name }}")
            people.onQueryChange("zzzz-nobody")
            assertTrue(
                people.state.value.people
                    .isEmpty(),
            )
            people.onQueryChange("")
            assertEquals(12, people.state.value.people.size)
            assertEquals(0, people.state.value.pendingSync)

            val person = PersonViewModel(d.session, sam.person.id, saveDelayMillis = 0)
            person.onToggleEditing()
            person.onNewItemChange(SheetList.WHAT_HELPS, "Ten minutes in the garden")
            person.onAddItem(SheetList.WHAT_HELPS)
            assertEquals(1, people.state.value.pendingSync)
            assertEquals(
                1,
                people.state.value.people
                    .single { it.id == sam.person.id }
                    .pendingChanges,
            )
        }
    }

    @Test
    fun `the person screen shows the amber card first, editors edit and readers only read`() {
        Device().join(OAKFIELD, Role.EDITOR).use { editor ->
            val id = "$OAKFIELD-p01"
            val vm = PersonViewModel(editor.session, id, saveDelayMillis = 0)
            val s = vm.state.value
            val card = editor.store.amberCard(id)
            assertEquals("Sam", s.name)
            assertEquals(card.safetyAlerts.map { it.text }, s.amber.safetyAlerts.map { it.text })
            assertEquals(card.whatHelps.map { it.text }, s.amber.whatHelps.map { it.text })
            // The sections, their titles, order and headings are the core's; the app adds Review.
            assertEquals(
                listOf(
                    "About me",
                    "Communication",
                    "Green: when I'm calm",
                    "Triggers",
                    "Amber: rising distress",
                    "Red: crisis",
                    "Blue: recovery",
                    "Review",
                ),
                s.sections.map { it.title },
            )
            assertEquals(sheetLayout().map { it.title } + "Review", s.sections.map { it.title })
            assertEquals(
                listOf(
                    "What staff should do in a crisis",
                    "Restrictive interventions authorised in the care plan",
                    "Contraindications",
                    "Who to call",
                ),
                s.sections
                    .single { it.tone == SectionTone.RED }
                    .entries
                    .map { it.label },
                "in the core's order, text fields and lists interleaved",
            )
            assertEquals(
                "Routines that keep me well",
                s.sections
                    .flatMap { it.texts }
                    .single { it.field == SheetText.ROUTINES }
                    .label,
            )
            assertEquals(
                SheetText.entries.map { sheetTextHeading(it) }.toSet(),
                s.sections
                    .flatMap { it.texts }
                    .mapNotNull { t -> t.field?.let { t.label } }
                    .toSet(),
            )
            assertTrue(s.canEdit)

            vm.onToggleEditing()
            vm.onTextChange(SheetText.WHO_TO_CALL, "Duty manager on 01234 567890")
            // Saved through the core as typed, not only on Done.
            val saved =
                editor.store
                    .supportSheet(id)
                    .texts
                    .single { it.field == SheetText.WHO_TO_CALL }
                    .text
            assertEquals("Duty manager on 01234 567890", saved)
            val firstAvoid = s.amber.whatToAvoid.first()
            vm.onRemoveItem(SheetList.WHAT_TO_AVOID, firstAvoid.id)
            assertFalse(
                vm.state.value.amber.whatToAvoid
                    .any { it.id == firstAvoid.id },
            )
        }
        Device().join(WILLOW, Role.READER).use { reader ->
            val vm = PersonViewModel(reader.session, "$WILLOW-p01")
            assertFalse(vm.state.value.canEdit)
            vm.onToggleEditing()
            assertFalse(vm.state.value.editing)
            assertTrue(
                vm.state.value.amber.safetyAlerts
                    .isNotEmpty(),
            )
        }
    }

    @Test
    fun `the person's own warning signs score into a band that brings their strategies`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val id = "$OAKFIELD-p01"
            val vm = ChecklistViewModel(d.session, OAKFIELD, id)
            val s = vm.state.value
            assertEquals("own:$id", s.selectedTemplateId)
            assertTrue(s.templates.any { it.id == "stamp" })
            vm.onToggle(s.items[0].id)
            vm.onScore()
            val r = vm.state.value.result!!
            assertEquals(1, r.score)
            assertEquals(BandLevel.MODERATE, r.level)
            assertEquals(
                d.store
                    .amberCard(id)
                    .whatHelps
                    .map { it.text },
                r.whatHelps,
            )

            vm.onSelectTemplate("stamp")
            assertEquals(5, vm.state.value.items.size)
            vm.onScore()
            assertEquals(
                BandLevel.LOW,
                vm.state.value.result!!
                    .level,
            )
            assertTrue(
                vm.state.value.result!!
                    .whatHelps
                    .isEmpty(),
            )
            vm.state.value.items
                .take(3)
                .forEach { vm.onToggle(it.id) }
            vm.onScore()
            assertEquals(
                BandLevel.HIGH,
                vm.state.value.result!!
                    .level,
            )
        }
    }

    @Test
    fun `quick capture takes three events and no signal`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            // Tap 1: open (from Sam's card); tap 2: a tag; tap 3: save.
            val vm = CaptureViewModel(d.session, OAKFIELD, "$OAKFIELD-p01", saveDelayMillis = 0)
            vm.onToggleTag(IncidentTag.VERBAL_AGGRESSION)
            vm.onSave()
            val s = vm.state.value
            assertTrue(s.done, s.toString())
            val incident = d.store.incident(s.draftId!!)
            assertEquals(listOf(IncidentTag.VERBAL_AGGRESSION), incident.tags)
            assertEquals("Verbal aggression", incident.note)
            assertEquals(d.clock.nowMillis(), incident.occurredAt)
            assertEquals("$OAKFIELD-p01", incident.personId)
            assertEquals(IncidentStatus.DRAFT, incident.status)
            assertTrue(d.store.outboxStatus().pending > 0u)
        }
    }

    @Test
    fun `typed text reaches the store even if the user never taps save`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val before = d.store.incidents(OAKFIELD).size
            val vm = CaptureViewModel(d.session, null, null, saveDelayMillis = 0)
            vm.onUnidentifiedChange("visitor, man ~40")
            vm.onNoteChange("Visitor shouting at reception about parking")
            val id = vm.state.value.draftId
            assertNotNull(id, "the draft exists from the first tap")
            val stored = d.store.incident(id!!)
            assertEquals("Visitor shouting at reception about parking", stored.note)
            assertEquals("visitor, man ~40", stored.unidentifiedPerson)
            vm.onNoteChange("Visitor shouting at reception about parking; left at 10:20")
            assertEquals("Visitor shouting at reception about parking; left at 10:20", d.store.incident(id).note)
            assertEquals(before + 1, d.store.incidents(OAKFIELD).size, "edits update the one draft")
        }
    }

    @Test
    fun `text typed just before leaving the screen is saved when the screen closes`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val before = d.store.incidents(OAKFIELD).size
            val screens = androidx.lifecycle.ViewModelStore()
            // A long pause before saving, so only closing the screen can save it.
            val vm = CaptureViewModel(d.session, OAKFIELD, null, saveDelayMillis = 60_000)
            screens.put("capture", vm)
            vm.onNoteChange("Pulled the fire alarm, then went back to her room")
            val id = vm.state.value.draftId!!
            assertEquals(
                app.steady.android.state.QUICK_CAPTURE_PLACEHOLDER_NOTE,
                d.store.incident(id).note,
                "the draft exists from the first tap; the note waits for the pause",
            )
            screens.clear()
            val saved = d.store.incidents(OAKFIELD)
            assertEquals(before + 1, saved.size)
            assertTrue(saved.any { d.store.incident(it.id).note == "Pulled the fire alarm, then went back to her room" })
        }
    }

    @Test
    fun `a prone hold past ten minutes raises the alert on the incident screen`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val id = d.store.captureIncident(QuickCapture(unitId = OAKFIELD, note = "Hit out at staff", personId = "$OAKFIELD-p03"))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            assertTrue(
                vm.state.value.ownStrategies
                    .isNotEmpty(),
                "the person's own what-helps come first",
            )
            vm.onStartForce(RestrictiveInterventionType.PHYSICAL_PRONE, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
            val entry =
                vm.state.value.useOfForce
                    .single()
            assertTrue(entry.running)
            assertEquals("0:00", entry.elapsedLabel)

            d.clock.advance(PRONE_ALERT_AFTER_MS)
            vm.tick()
            assertEquals(
                "10:00",
                vm.state.value.useOfForce
                    .single()
                    .elapsedLabel,
            )
            assertFalse(vm.state.value.proneAlert, "exactly ten minutes has not passed ten minutes")

            d.clock.advance(1_000)
            vm.tick()
            assertTrue(vm.state.value.proneAlert)
            assertTrue(
                vm.state.value.useOfForce
                    .single()
                    .proneAlert,
            )

            vm.onStopForce(entry.id)
            val stopped =
                vm.state.value.useOfForce
                    .single()
            assertFalse(stopped.running)
            assertFalse(vm.state.value.proneAlert)
            assertTrue(stopped.proneOverTen)
            val stored =
                d.store
                    .incident(id)
                    .useOfForce
                    .single()
            assertEquals(PRONE_ALERT_AFTER_MS + 1_000, stored.endedAt!! - stored.startedAt!!)
        }
    }

    @Test
    fun `submitting a use of force on a mental health ward lists what is missing, then addenda follow`() {
        val ward = DemoServer.newUnit("Test Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").use { d ->
            val person =
                d.store.createPerson(
                    ward,
                    app.steady.core.model
                        .NewPerson("Kai Thornbury", "Kai", "TW000123"),
                )
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Restrained after assault on peer", personId = person))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            vm.onStartForce(RestrictiveInterventionType.PHYSICAL_STANDING, null)
            val missingBefore =
                vm.state.value.missing
                    .map { it.letter }
            assertTrue("a" in missingBefore, "the reason (a) is missing: $missingBefore")

            vm.onSubmit()
            assertTrue(
                vm.state.value.message!!
                    .startsWith("Not submitted"),
                vm.state.value.message,
            )
            assertFalse(vm.state.value.submitted)
            assertEquals(IncidentStatus.DRAFT, d.store.incident(id).status)
            assertTrue(
                vm.state.value.missing
                    .isNotEmpty(),
            )

            // The typed outcome is saved before the submit is tried, and kept.
            vm.onOutcomeChange("Settled after 20 minutes; no injuries")
            assertEquals("Settled after 20 minutes; no injuries", d.store.incident(id).outcome)

            // The same on a care home: advice, not a refusal; afterwards only addenda.
            val home = DemoServer.newUnit("Test Home")
            Device().join(home, Role.LEAD).use { h ->
                val hid = h.store.captureIncident(QuickCapture(unitId = home, note = "Held hands to stop hitting"))
                val hv = IncidentViewModel(h.session, hid, saveDelayMillis = 0, ticker = false)
                hv.onStartForce(RestrictiveInterventionType.PHYSICAL_STANDING, null)
                hv.onSubmit()
                assertTrue(hv.state.value.submitted, hv.state.value.message)
                assertTrue(
                    hv.state.value.message!!
                        .contains("Advice"),
                    hv.state.value.message,
                )
                assertThrows<SteadyException.Locked> {
                    h.store.updateIncident(
                        hid,
                        app.steady.core.model
                            .IncidentDetails(note = "changed"),
                    )
                }
                hv.onAddendumReasonChange("Time corrected")
                hv.onAddendumTextChange("The hold started at 14:05, not 14:10.")
                hv.onAddAddendum()
                assertEquals(
                    listOf("Time corrected"),
                    hv.state.value.addenda
                        .map { it.reason },
                )
            }
        }
    }

    @Test
    fun `incidents are grouped into drafts, waiting to sync and submitted`() {
        val home = DemoServer.newUnit("Group Home")
        Device().join(home, Role.LEAD).use { d ->
            val draft = d.store.captureIncident(QuickCapture(unitId = home, note = "Draft one"))
            val sent = d.store.captureIncident(QuickCapture(unitId = home, note = "Submitted one"))
            d.store.submitIncident(sent)
            val vm = IncidentsViewModel(d.session)
            assertEquals(
                listOf(draft),
                vm.state.value.drafts
                    .map { it.id },
            )
            assertEquals(
                listOf(sent),
                vm.state.value.waiting
                    .map { it.id },
            )
            d.store.sync(null)
            d.session.changed()
            assertEquals(
                listOf(sent),
                vm.state.value.submitted
                    .map { it.id },
            )
            assertTrue(
                vm.state.value.drafts
                    .none { it.waitingToSync },
            )
        }
    }

    @Test
    fun `an edit refused because another device submitted first is listed with its reason`() {
        val unit = DemoServer.newUnit("Two Phones")
        Device().join(unit, Role.LEAD, "Priya Shah", "Care lead").use { a ->
            Device().join(unit, Role.LEAD, "Sam Patel", "Deputy lead").use { b ->
                val id = a.store.captureIncident(QuickCapture(unitId = unit, note = "Pushed a chair over"))
                a.store.sync(null)
                b.store.sync(null)
                // A submits; B, not yet told, edits its copy of the draft and syncs.
                a.store.submitIncident(id)
                a.store.sync(null)
                b.store.updateIncident(
                    id,
                    app.steady.core.model
                        .IncidentDetails(outcome = "Calm after ten minutes"),
                )
                runCatching { b.store.sync(null) }

                val vm = IncidentsViewModel(b.session)
                val problems = vm.state.value.quarantined + vm.state.value.conflicts
                assertTrue(problems.isNotEmpty(), "refused: ${b.store.quarantinedChanges()}, conflicts: ${b.store.conflicts()}")
                assertTrue(problems.all { it.reason.isNotBlank() })
                vm.state.value.quarantined
                    .forEach { vm.onDiscardQuarantined(it.id) }
                vm.state.value.conflicts
                    .forEach { vm.onDismissConflict(it.id) }
                assertTrue(
                    vm.state.value.quarantined
                        .isEmpty(),
                )
                assertTrue(
                    vm.state.value.conflicts
                        .isEmpty(),
                )
            }
        }
    }

    @Test
    fun `sign out wipes the store and forgets the key`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val vm = SyncViewModel(d.session)
            vm.onSignOutRequested()
            assertTrue(vm.state.value.confirmingSignOut)
            vm.onSignOutConfirmed()
            assertTrue(vm.state.value.signedOut)
            assertTrue(d.hooks.forgotten)
            assertFalse(File(d.path).exists(), "the store file is gone")
            assertTrue(
                d.dir
                    .toFile()
                    .listFiles()!!
                    .none { it.name.startsWith("steady.db") },
                "no store files remain",
            )
            assertThrows<SteadyException.Storage> { d.store.people(OAKFIELD) }
        }
    }

    @Test
    fun `editors add and remove safety alerts at once, an empty one is refused by the field, readers cannot`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val id = "$OAKFIELD-p01"
            val vm = PersonViewModel(d.session, id, saveDelayMillis = 0)
            val before =
                d.store
                    .amberCard(id)
                    .safetyAlerts
                    .map { it.text }
            vm.onToggleEditing()

            vm.onNewAlertChange("   ")
            vm.onAddAlert()
            assertEquals("Must not be empty", vm.state.value.newAlertError)
            assertEquals("   ", vm.state.value.newAlert, "the typed text stays")
            assertEquals(
                before,
                d.store
                    .amberCard(id)
                    .safetyAlerts
                    .map { it.text },
            )

            vm.onNewAlertChange("Allergic to penicillin")
            assertNull(vm.state.value.newAlertError)
            vm.onAddAlert()
            // Saved through the core at once, last in the list, still ahead of the amber card.
            assertEquals(
                before + "Allergic to penicillin",
                d.store
                    .amberCard(id)
                    .safetyAlerts
                    .map { it.text },
            )
            assertEquals(
                before + "Allergic to penicillin",
                vm.state.value.amber.safetyAlerts
                    .map { it.text },
            )
            assertEquals("", vm.state.value.newAlert)

            val added =
                vm.state.value.amber.safetyAlerts
                    .last()
            vm.onRemoveAlertRequest(added.id)
            assertEquals(added.id, vm.state.value.confirmRemoveAlertId)
            vm.onRemoveAlertCancel()
            assertEquals(
                before + "Allergic to penicillin",
                d.store
                    .amberCard(id)
                    .safetyAlerts
                    .map { it.text },
                "Keep keeps it",
            )
            vm.onRemoveAlertRequest(added.id)
            vm.onRemoveAlertConfirm()
            assertEquals(
                before,
                d.store
                    .amberCard(id)
                    .safetyAlerts
                    .map { it.text },
            )
            assertEquals(
                before,
                vm.state.value.amber.safetyAlerts
                    .map { it.text },
            )
            assertNull(vm.state.value.confirmRemoveAlertId)
        }
        Device().join(WILLOW, Role.READER).use { reader ->
            val id = "$WILLOW-p01"
            val vm = PersonViewModel(reader.session, id, saveDelayMillis = 0)
            val before = reader.store.amberCard(id).safetyAlerts
            vm.onNewAlertChange("Not for a reader")
            vm.onAddAlert()
            vm.onRemoveAlertRequest(before.first().id)
            vm.onRemoveAlertConfirm()
            assertEquals(before, reader.store.amberCard(id).safetyAlerts)
            assertNull(vm.state.value.confirmRemoveAlertId)
            assertTrue(
                vm.state.value.message
                    .orEmpty()
                    .startsWith("Read only"),
                vm.state.value.toString(),
            )
            // And the core refuses a reader too, whatever the screen does.
            assertThrows<SteadyException.NotAllowed> { reader.store.addSafetyAlert(id, "Not for a reader", null) }
            assertThrows<SteadyException.NotAllowed> { reader.store.removeSafetyAlert(id, before.first().id) }
        }
    }

    @Test
    fun `editors change a person's names as typed, a refused name stays with the core's reason, readers cannot`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val id = "$OAKFIELD-p02"
            val vm = PersonViewModel(d.session, id, saveDelayMillis = 0)
            val original = d.store.supportSheet(id).person
            assertEquals(original.displayName, vm.state.value.displayName)
            vm.onToggleEditing()

            vm.onDisplayNameChange("Alexandra Moss")
            vm.onLocalIdentifierChange("OAK-0042")
            var person = d.store.supportSheet(id).person
            assertEquals("Alexandra Moss", person.displayName)
            assertEquals("OAK-0042", person.localIdentifier)
            assertEquals(original.preferredName, person.preferredName)

            vm.onDisplayNameChange("  ")
            assertEquals("Must not be empty", vm.state.value.displayNameError)
            assertEquals("  ", vm.state.value.displayName, "the typed text stays on screen")
            assertEquals(
                "Alexandra Moss",
                d.store
                    .supportSheet(id)
                    .person.displayName,
                "the refused name is not stored",
            )
            vm.onToggleEditing()
            assertTrue(vm.state.value.editing, "Done waits until the refused name is corrected")

            vm.onPreferredNameChange("x".repeat(101))
            assertEquals("Must be at most 100 characters (is 101)", vm.state.value.preferredNameError)
            vm.onPreferredNameChange("")
            assertNull(vm.state.value.preferredNameError)
            vm.onDisplayNameChange("Alex Moss")
            assertNull(vm.state.value.displayNameError)
            person = d.store.supportSheet(id).person
            assertEquals("Alex Moss", person.displayName)
            assertNull(person.preferredName, "an empty preferred name clears it")
            vm.onToggleEditing()
            assertFalse(vm.state.value.editing)
            assertEquals("Alex Moss", vm.state.value.name, "with no preferred name the title is the recorded name")
            assertEquals("Alex Moss", vm.state.value.displayName)
        }
        Device().join(WILLOW, Role.READER).use { reader ->
            val id = "$WILLOW-p01"
            val vm = PersonViewModel(reader.session, id, saveDelayMillis = 0)
            val before = reader.store.supportSheet(id).person
            vm.onDisplayNameChange("Changed by a reader")
            assertEquals(before, reader.store.supportSheet(id).person)
            assertEquals(before.displayName, vm.state.value.displayName)
            assertThrows<SteadyException.NotAllowed> { reader.store.updatePerson(id, "Changed by a reader", null, null) }
        }
    }

    @Test
    fun `the time of a draft incident moves earlier, never into the future, and is locked once submitted`() {
        Device().join(OAKFIELD, Role.EDITOR).use { d ->
            val taken = d.clock.nowMillis()
            val id = d.store.captureIncident(QuickCapture(unitId = OAKFIELD, note = "Shouting in the lounge", occurredAt = taken))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            assertEquals(taken, vm.state.value.occurredAt)

            vm.onShiftOccurredAt(-15 * 60_000L)
            vm.onShiftOccurredAt(-60 * 60_000L)
            assertEquals(taken - 75 * 60_000L, d.store.incident(id).occurredAt, "saved through the core at once")
            assertEquals(taken - 75 * 60_000L, vm.state.value.occurredAt)
            assertEquals(d.session.labels.dayTime(taken - 75 * 60_000L), vm.state.value.occurredAtLabel)
            assertNull(vm.state.value.occurredAtError)

            vm.onShiftOccurredAt(5 * 60_000L)
            assertEquals(taken - 70 * 60_000L, d.store.incident(id).occurredAt)
            // 75 minutes later would be 5 minutes from now: the future.
            vm.onShiftOccurredAt(75 * 60_000L)
            assertEquals(taken - 70 * 60_000L, d.store.incident(id).occurredAt)
            assertEquals(taken - 70 * 60_000L, vm.state.value.occurredAt)
            assertTrue(
                vm.state.value.occurredAtError
                    .orEmpty()
                    .startsWith("It cannot be later than now"),
            )
            vm.onShiftOccurredAt(-8L * 24 * 60 * 60_000L)
            assertEquals("It cannot be more than 7 days ago.", vm.state.value.occurredAtError)
            assertEquals(taken - 70 * 60_000L, d.store.incident(id).occurredAt)

            d.store.submitIncident(id)
            val locked = IncidentViewModel(d.session, id, ticker = false)
            assertTrue(locked.state.value.submitted)
            locked.onShiftOccurredAt(-5 * 60_000L)
            assertEquals(taken - 70 * 60_000L, d.store.incident(id).occurredAt)
            assertNotNull(locked.state.value.occurredAtError)
            // The first screen was open when it was submitted: it follows the store's change by
            // itself, so it is locked too, and its time stays as stored.
            assertTrue(vm.state.value.submitted, "the open screen took the submission without being reopened")
            vm.onShiftOccurredAt(-5 * 60_000L)
            assertEquals(taken - 70 * 60_000L, d.store.incident(id).occurredAt)
            assertEquals(taken - 70 * 60_000L, vm.state.value.occurredAt)
            assertEquals(locked.state.value.occurredAtError, vm.state.value.occurredAtError)
        }
    }
}
