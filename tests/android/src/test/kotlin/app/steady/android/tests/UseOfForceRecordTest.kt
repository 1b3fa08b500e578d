// A use-of-force record on a mental health unit completed and corrected through the incident
// ViewModel as staff would after the event, against the real library and a real steady-server:
// every s.6(5) item through the screen's inputs, start and end corrected afterwards, a mistaken
// entry removed, a reason changed, debrief "held" only ever answered explicitly, and Submit
// confirmed before anything locks.
package app.steady.android.tests

import app.steady.android.state.IncidentViewModel
import app.steady.core.earliestRecordTime
import app.steady.core.model.Debrief
import app.steady.core.model.IncidentStatus
import app.steady.core.model.NewPerson
import app.steady.core.model.QuickCapture
import app.steady.core.model.RestrictiveInterventionReason
import app.steady.core.model.RestrictiveInterventionType
import app.steady.core.model.Role
import app.steady.core.model.S65Item
import app.steady.core.s65ItemDescription
import app.steady.core.s65ItemLetter
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

class UseOfForceRecordTest {
    @BeforeEach
    fun main() = useTestMain()

    private val minute = 60_000L

    @Test
    fun `a complete use of force on a mental health ward is entered through the screen, confirmed, and held submitted by the server`() {
        val ward = DemoServer.newUnit("Cedar Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD, "Priya Shah", "Ward manager").use { d ->
            val person = d.store.createPerson(ward, NewPerson("Kai Thornbury", "Kai", "CW000456", nhsNumber = "999 000 0018"))
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Restrained after assault on a peer", personId = person))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)

            fun s() = vm.state.value

            fun stored() = d.store.incident(id)

            // The labels are the core's letters and descriptions, not copies.
            S65Item.entries.forEach { item ->
                assertEquals("(${s65ItemLetter(item)}) ${s65ItemDescription(item)}", s().s65Labels[item])
            }

            // A mistaken tap starts a prone hold; the right one is a standing hold.
            vm.onStartForce(RestrictiveInterventionType.PHYSICAL_STANDING, null)
            vm.onStartForce(RestrictiveInterventionType.PHYSICAL_PRONE, null)
            assertEquals(2, stored().useOfForce.size)
            val hold = stored().useOfForce.single { it.intervention == RestrictiveInterventionType.PHYSICAL_STANDING }.id
            val mistake = stored().useOfForce.single { it.intervention == RestrictiveInterventionType.PHYSICAL_PRONE }.id

            // Removing asks first; Keep leaves it, Remove takes it out of the draft.
            vm.onRemoveForceRequest(mistake)
            assertEquals(mistake, s().removingForceId)
            assertEquals(2, stored().useOfForce.size, "nothing is removed before the confirmation")
            vm.onRemoveForceCancel()
            assertNull(s().removingForceId)
            assertEquals(2, stored().useOfForce.size)
            vm.onRemoveForceRequest(mistake)
            vm.onRemoveForceConfirm()
            assertEquals(listOf(hold), stored().useOfForce.map { it.id })
            assertEquals(listOf(hold), s().useOfForce.map { it.id })
            assertNull(s().removingForceId)

            // A reason chosen, then changed: every reason stays offered.
            vm.onReasonChange(hold, RestrictiveInterventionReason.PREVENT_SERIOUS_INTENTIONAL_SELF_HARM)
            assertEquals(RestrictiveInterventionReason.PREVENT_SERIOUS_INTENTIONAL_SELF_HARM, stored().useOfForce.single().reason)
            assertEquals(RestrictiveInterventionReason.entries.size, s().reasonChoices.size)
            vm.onReasonChange(hold, RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS)
            assertEquals(RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS, stored().useOfForce.single().reason)

            // Written up 40 minutes later: the hold started 35 minutes ago and lasted 12.
            val tapped = stored().useOfForce.single().startedAt!!
            d.clock.advance(40 * minute)
            vm.onEditForceTime(hold, end = false)
            assertEquals(tapped, s().timePicker!!.valueMillis)
            vm.onForceTimeStep(5 * minute)
            vm.onForceTimeSave()
            assertNull(s().timePicker)
            val start = tapped + 5 * minute
            assertEquals(start, stored().useOfForce.single().startedAt, "corrected through the core")

            vm.onEditForceTime(hold, end = true)
            assertEquals(d.clock.nowMillis(), s().timePicker!!.valueMillis, "an end not yet recorded starts at now")
            vm.onForceTimeStep(15 * minute)
            assertNotNull(s().timePicker!!.error, "never in the future")
            assertEquals(d.clock.nowMillis(), s().timePicker!!.valueMillis)
            vm.onForceTimeSet(start - minute)
            assertTrue(s().timePicker!!.error!!.contains("before the start"), s().timePicker!!.error)
            vm.onForceTimeSet(start + 12 * minute)
            assertNull(s().timePicker!!.error)
            vm.onForceTimeSave()
            assertEquals(start + 12 * minute, stored().useOfForce.single().endedAt)
            assertFalse(s().useOfForce.single().running)

            // A start before the core's window is refused in the picker; Cancel changes nothing.
            vm.onEditForceTime(hold, end = false)
            vm.onForceTimeSet(earliestRecordTime() - 1)
            assertNotNull(s().timePicker!!.error)
            vm.onForceTimeSet(start + 13 * minute)
            assertTrue(s().timePicker!!.error!!.contains("after the end"), s().timePicker!!.error)
            vm.onForceTimeCancel()
            assertEquals(start, stored().useOfForce.single().startedAt)

            // (b) place, (d) care plan, (f) how, (h) staff (the user is already the first), (o).
            vm.onPlaceChange("Lounge")
            vm.onInCarePlan(hold, true)
            vm.onHowForceChange(hold, "Two staff held his arms standing, then walked him to his room")
            vm.onStaffChange(hold, "Priya Shah, Ward manager\nTom Reid, Healthcare assistant")
            vm.onToggleStep("GIVE_SPACE")
            vm.onOtherDeescalationChange("Offered a walk in the garden")
            assertEquals("Offered a walk in the garden", stored().deescalation.other)

            // (i)-(l), (m), (n), (p): the inputs that were missing on Android.
            vm.onS65Answer(S65Item.NON_STAFF_INVOLVEMENT, true)
            vm.onS65Text(S65Item.NON_STAFF_INVOLVEMENT, "A visiting police officer helped: staff were outnumbered")
            vm.onS65Text(S65Item.MENTAL_DISORDER, "Schizophrenia")
            vm.onS65Text(S65Item.RELEVANT_CHARACTERISTICS, "Not known")
            vm.onS65Answer(S65Item.LEARNING_DISABILITY_OR_AUTISM, false)
            vm.onOutcomeChange("Settled in his room after 20 minutes")
            vm.onS65Answer(S65Item.DEATH_OR_SERIOUS_INJURY, false)
            vm.onS65Answer(S65Item.NOTIFICATION_SENT, true)
            with(stored()) {
                assertEquals(true, nonStaffInvolved)
                assertEquals("A visiting police officer helped: staff were outnumbered", nonStaffReason)
                assertEquals("Schizophrenia", mentalDisorder)
                assertEquals("Not known", relevantCharacteristics)
                assertEquals(false, learningDisabilityOrAutism)
                assertEquals(false, deathOrSeriousInjury)
                assertEquals(true, notificationSent)
            }

            // A debrief note typed first is not "held": it waits for the answer.
            vm.onDebriefNote(true, "Kai asked to talk tomorrow morning")
            assertNull(s().debriefPersonHeld)
            assertTrue(s().debriefPersonUnsaved)
            assertNull(stored().debriefPerson, "a note never answers held")
            vm.onDebriefHeld(true, false)
            assertEquals(Debrief(false, "Kai asked to talk tomorrow morning"), stored().debriefPerson)
            assertFalse(s().debriefPersonUnsaved)
            vm.onDebriefHeld(false, true)
            assertEquals(Debrief(true, ""), stored().debriefStaff)

            assertEquals(emptyList<S65Item>(), d.store.missingUseOfForceItems(id))
            assertEquals(emptyList<Any>(), s().missing)

            // Submit asks first and shows what will lock; cancelling leaves a draft.
            vm.onSubmitRequest()
            assertNotNull(s().confirmSubmit, "Submit asks first")
            val confirm = s().confirmSubmit!!
            assertFalse(confirm.blocked)
            assertTrue(confirm.missing.isEmpty())
            assertTrue(confirm.locked.any { it.contains("Physical restraint") || it.startsWith("Use of force") }, confirm.locked.toString())
            assertEquals(IncidentStatus.DRAFT, stored().status, "nothing locks before the confirmation")
            vm.onSubmitCancel()
            assertNull(s().confirmSubmit)
            assertEquals(IncidentStatus.DRAFT, stored().status)
            assertFalse(s().submitted)

            vm.onSubmitRequest()
            vm.onSubmit()
            assertTrue(s().submitted, s().message)
            assertEquals(IncidentStatus.SUBMITTED, stored().status)
            assertNull(s().confirmSubmit)

            // The server holds it submitted: another phone on the ward pulls it so.
            d.store.sync(null)
            Device().join(ward, Role.READER, "Chris Lee", "Bank healthcare assistant").use { other ->
                val pulled = other.store.incident(id)
                assertEquals(IncidentStatus.SUBMITTED, pulled.status)
                assertEquals(start, pulled.useOfForce.single().startedAt)
                assertEquals(start + 12 * minute, pulled.useOfForce.single().endedAt)
                assertEquals(RestrictiveInterventionReason.PREVENT_VIOLENCE_TO_OTHERS, pulled.useOfForce.single().reason)
                assertEquals(true, pulled.notificationSent)
                assertEquals(Debrief(false, "Kai asked to talk tomorrow morning"), pulled.debriefPerson)
            }

            // Locked now: no removal is offered or done.
            vm.onRemoveForceRequest(hold)
            assertNull(s().removingForceId)
            assertEquals(1, stored().useOfForce.size)
        }
    }

    @Test
    fun `on a mental health ward the confirmation lists the missing s65 items and submits nothing`() {
        val ward = DemoServer.newUnit("Birch Ward", mentalHealthUnit = true)
        Device().join(ward, Role.LEAD).use { d ->
            val id = d.store.captureIncident(QuickCapture(unitId = ward, note = "Held to stop a fall"))
            val vm = IncidentViewModel(d.session, id, saveDelayMillis = 0, ticker = false)
            vm.onStartForce(RestrictiveInterventionType.PHYSICAL_STANDING, null)
            vm.onDebriefNote(false, "Team huddle at handover")
            assertNull(d.store.incident(id).debriefStaff, "a note never answers held")
            vm.onSubmitRequest()
            assertNotNull(vm.state.value.confirmSubmit)
            val confirm = vm.state.value.confirmSubmit!!
            assertTrue(confirm.blocked)
            val letters = confirm.missing.map { it.letter }
            assertEquals(d.store.missingUseOfForceItems(id).map { s65ItemLetter(it) }, letters)
            assertTrue(listOf("a", "i", "j", "k", "l", "n", "p").all { it in letters }, letters.toString())
            assertEquals(IncidentStatus.DRAFT, d.store.incident(id).status)
            vm.onSubmitCancel()
            assertEquals(IncidentStatus.DRAFT, d.store.incident(id).status)
        }
    }
}
