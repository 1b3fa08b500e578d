// Quick capture is saved from the first tap (issue 14): the draft exists in the real library as
// soon as the screen opens, every later input updates that one draft, a ViewModel rebuilt from
// its SavedStateHandle after a process death carries on with it (no second incident, no new
// time), and leaving a started capture asks before the screen closes.
package app.steady.android.tests

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModelStore
import app.steady.android.state.CaptureViewModel
import app.steady.android.state.PeopleViewModel
import app.steady.android.state.QUICK_CAPTURE_PLACEHOLDER_NOTE
import app.steady.core.model.IncidentStatus
import app.steady.core.model.IncidentTag
import app.steady.core.model.Role
import app.steady.core.model.StaffMember
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

class CaptureDraftTest {
    @BeforeEach
    fun main() = useTestMain()

    /** What Android keeps of [handle] across a process death: its values, in a new handle. */
    private fun afterProcessDeath(handle: SavedStateHandle): SavedStateHandle =
        SavedStateHandle(handle.keys().associateWith { handle.get<Any?>(it) })

    private fun drafts(d: Device) = d.store.incidents(OAKFIELD).filter { it.status == IncidentStatus.DRAFT }

    @Test
    fun `the first tap creates the draft at once, with its time, and later taps update that one draft`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val before = d.store.incidents(OAKFIELD).size
            val firstTap = d.clock.nowMillis()
            val vm = CaptureViewModel(d.session, OAKFIELD, null, saveDelayMillis = 0)
            val id = vm.state.value.draftId
            assertNotNull(id, "the draft exists from the first tap, before any tag or note")
            val stored = d.store.incident(id!!)
            assertEquals(firstTap, stored.occurredAt)
            assertEquals(QUICK_CAPTURE_PLACEHOLDER_NOTE, stored.note, "the core needs a note: a plain placeholder stands in")
            assertEquals(IncidentStatus.DRAFT, stored.status)
            assertEquals("", vm.state.value.note, "the placeholder is not typed into the note field")

            d.clock.advance(90_000)
            vm.onToggleTag(IncidentTag.PHYSICAL_AGGRESSION_TO_SELF)
            vm.onNoteChange("Cut to forearm, dressed at the scene")
            assertEquals(id, vm.state.value.draftId)
            val updated = d.store.incident(id)
            assertEquals(listOf(IncidentTag.PHYSICAL_AGGRESSION_TO_SELF), updated.tags)
            assertEquals("Cut to forearm, dressed at the scene", updated.note)
            assertEquals(firstTap, updated.occurredAt, "later taps never move the time")
            assertEquals(before + 1, d.store.incidents(OAKFIELD).size, "one incident, however many taps")

            // A tag is optional: Save straight after the first tap is fine too.
            val bare = CaptureViewModel(d.session, OAKFIELD, null, saveDelayMillis = 0)
            bare.onSave()
            assertTrue(bare.state.value.done, bare.state.value.toString())
            assertEquals(before + 2, d.store.incidents(OAKFIELD).size)
        }
    }

    @Test
    fun `a ViewModel rebuilt after a process death continues the same draft, with the first tap's time`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val before = d.store.incidents(OAKFIELD).size
            val firstTap = d.clock.nowMillis()
            val handle = SavedStateHandle()
            // Tap 1, then the phone goes in a pocket and Android kills the process: no onCleared,
            // nothing more runs; only what the handle holds survives.
            val first = CaptureViewModel(d.session, OAKFIELD, "$OAKFIELD-p01", saveDelayMillis = 0, saved = handle)
            val id = first.state.value.draftId!!

            d.clock.advance(30 * 60_000L)
            val rebuilt = CaptureViewModel(d.session, OAKFIELD, "$OAKFIELD-p01", saveDelayMillis = 0, saved = afterProcessDeath(handle))
            val s = rebuilt.state.value
            assertEquals(id, s.draftId, "the rebuilt screen carries on with the same draft")
            assertEquals(d.session.labels.dayTime(firstTap), s.occurredAtLabel, "and shows the first tap's time, not a new one")
            rebuilt.onToggleTag(IncidentTag.VERBAL_AGGRESSION)
            rebuilt.onSave()

            val all = d.store.incidents(OAKFIELD)
            assertEquals(before + 1, all.size, "exactly one incident: no duplicate after the rebuild")
            val stored = d.store.incident(id)
            assertEquals(firstTap, stored.occurredAt)
            assertEquals(listOf(IncidentTag.VERBAL_AGGRESSION), stored.tags)
            assertEquals("$OAKFIELD-p01", stored.personId)
        }
    }

    @Test
    fun `what was tapped before the kill reaches the draft, and a draft whose id was not yet saved is taken up again`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val before = d.store.incidents(OAKFIELD).size
            val firstTap = d.clock.nowMillis()
            val handle = SavedStateHandle()
            val screens = ViewModelStore()
            // A long pause before saving: the tag is in the saved state but not yet in the core.
            val first = CaptureViewModel(d.session, OAKFIELD, null, saveDelayMillis = 60_000, saved = handle)
            screens.put("capture", first)
            first.onToggleTag(IncidentTag.DAMAGE_TO_PROPERTY)
            val id = first.state.value.draftId!!
            assertEquals(emptyList<IncidentTag>(), d.store.incident(id).tags, "not in the core yet")

            // Killed after the core wrote the draft but before its id reached the saved state.
            val saved = afterProcessDeath(handle).apply { remove<String>("capture.draftId") }
            val rebuilt = CaptureViewModel(d.session, OAKFIELD, null, saveDelayMillis = 0, saved = saved)
            assertEquals(id, rebuilt.state.value.draftId, "found by its unit and exact first-tap time")
            assertTrue(
                rebuilt.state.value.tags
                    .single { it.tag == IncidentTag.DAMAGE_TO_PROPERTY }
                    .selected,
            )
            val stored = d.store.incident(id)
            assertEquals(
                listOf(IncidentTag.DAMAGE_TO_PROPERTY),
                stored.tags,
                "the tap made before the kill is written by the rebuilt screen",
            )
            assertEquals(firstTap, stored.occurredAt)
            assertEquals(before + 1, d.store.incidents(OAKFIELD).size)
            screens.clear()
            assertEquals(before + 1, d.store.incidents(OAKFIELD).size)
        }
    }

    @Test
    fun `leaving a started capture asks first, and keeping it lists it on People`() {
        Device().join(OAKFIELD, Role.READER).use { d ->
            val draftsBefore = drafts(d).size
            val vm = CaptureViewModel(d.session, OAKFIELD, null, saveDelayMillis = 0)
            vm.onToggleTag(IncidentTag.NEAR_MISS)
            val id = vm.state.value.draftId!!

            vm.onBack()
            assertTrue(vm.state.value.askingToLeave, "Back asks")
            assertFalse(vm.state.value.left, "and the screen stays until answered")
            assertEquals(IncidentStatus.DRAFT, d.store.incident(id).status, "nothing deleted while asking")
            vm.onStay()
            assertFalse(vm.state.value.askingToLeave)
            assertFalse(vm.state.value.left)

            vm.onBack()
            vm.onKeepDraft()
            assertTrue(vm.state.value.left)
            assertEquals(listOf(IncidentTag.NEAR_MISS), d.store.incident(id).tags, "kept, as it was")
            assertEquals(draftsBefore + 1, drafts(d).size)
            assertEquals(draftsBefore + 1, PeopleViewModel(d.session).state.value.draftsToFinish, "\"N drafts to finish\" on People")

            // After Save, Back just closes: the user already said it is done.
            val saved = CaptureViewModel(d.session, OAKFIELD, null, saveDelayMillis = 0)
            saved.onSave()
            saved.onBack()
            assertFalse(saved.state.value.askingToLeave)
            assertTrue(saved.state.value.left)
        }
    }

    @Test
    fun `with several units and none given, the unit is asked first and the first tap's time is kept`() {
        Device().use { d ->
            val out = DemoServer.admin("code", "issue", "--grant", "$OAKFIELD:reader", "--grant", "$WILLOW:reader")
            val code = Regex("enrolment code:\\s*(\\S+)").find(out)!!.groupValues[1]
            d.store.setStaffMember(StaffMember("Sam Ode", "Paramedic"))
            d.store.enroll(DemoServer.url, code)
            d.store.sync(null)
            val before = d.store.incidents(WILLOW).size
            val firstTap = d.clock.nowMillis()
            val vm = CaptureViewModel(d.session, null, null, saveDelayMillis = 0)
            assertTrue(vm.state.value.needsUnit, vm.state.value.toString())
            assertNull(vm.state.value.draftId)

            // Nothing tapped yet: Back closes without a question, and nothing was made.
            val untouched = CaptureViewModel(d.session, null, null, saveDelayMillis = 0)
            untouched.onBack()
            assertTrue(untouched.state.value.left)

            d.clock.advance(20_000)
            vm.onToggleTag(IncidentTag.ABSCONDING)
            vm.onSelectUnit(WILLOW)
            val id = vm.state.value.draftId!!
            val stored = d.store.incident(id)
            assertEquals(firstTap, stored.occurredAt, "the time is the first tap, not the unit's")
            assertEquals(listOf(IncidentTag.ABSCONDING), stored.tags, "the tag tapped before the unit is kept")
            assertEquals(before + 1, d.store.incidents(WILLOW).size)
        }
    }
}
