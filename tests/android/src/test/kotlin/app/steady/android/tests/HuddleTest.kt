// The shift huddle with its handover notes, through the ViewModel against the real library and a
// real steady-server: a note left on one phone is on the next shift's phone, newest first, with
// who wrote it and whom it is about; a note added on the huddle's field is signed with the
// phone's member of staff; an empty or oversize note is refused under the field with the typed
// words kept; 72 hours take in what 24 do not. The screen is rendered to target/screens (42) in
// light, dark and at font 2.0, and checked for labels and 48 dp targets.
package app.steady.android.tests

import app.steady.android.state.HuddleViewModel
import app.steady.android.ui.HuddleEvents
import app.steady.android.ui.HuddleScreen
import app.steady.core.model.NewPerson
import app.steady.core.model.Role
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HuddleTest {
    private val devices = mutableListOf<Device>()

    @AfterAll
    fun closeDevices() = devices.forEach { it.close() }

    @BeforeEach
    fun main() = useTestMain()

    @Test
    fun `a note left on one phone is in the next shift's huddle on another, and one added there is signed`() {
        val unit = DemoServer.newUnit("Birch House (huddle)")
        val late = Device().join(unit, Role.EDITOR, "Alex Morgan", "Support worker").also { devices += it }
        val sam = late.store.createPerson(unit, NewPerson("Samuel Okafor", "Sam", "BH0001"))
        late.store.addHandoverNote(unit, sam, "Sam slept badly; go gently this morning")
        late.store.sync(null)
        val night = Device().join(unit, Role.READER, "Jo Bell", "Night nurse").also { devices += it }
        val vm = HuddleViewModel(night.session, unit)
        val first =
            vm.state.value.notes
                .single()
        assertEquals("Sam slept badly; go gently this morning", first.text)
        assertTrue(first.byLine.startsWith("Alex Morgan, Support worker · "), first.byLine)
        assertEquals("About Sam", first.about)

        // Refused under the field, the words kept: empty, then too long.
        vm.onNoteText("   ")
        vm.onAddNote()
        assertNotNull(vm.state.value.noteError)
        val long = "x".repeat(2001)
        vm.onNoteText(long)
        vm.onAddNote()
        assertNotNull(vm.state.value.noteError)
        assertEquals(long, vm.state.value.noteText)
        assertEquals(1, vm.state.value.notes.size)

        vm.onNoteText("The garden gate latch is broken")
        vm.onAddNote()
        val s = vm.state.value
        assertNull(s.noteError)
        assertEquals("", s.noteText)
        assertEquals(listOf("The garden gate latch is broken", first.text), s.notes.map { it.text }, "newest first")
        assertTrue(s.notes[0].byLine.startsWith("Jo Bell, Night nurse · "), s.notes[0].byLine)
        assertNull(s.notes[0].about)

        vm.onHours(72)
        assertEquals(72, vm.state.value.hours)
        assertEquals(2, vm.state.value.notes.size)
    }

    private val screens: List<Pair<String, @androidx.compose.runtime.Composable () -> Unit>> by lazy {
        useTestMain()
        val unit = DemoServer.newUnit("Birch House (huddle screen)")
        val d = Device().join(unit, Role.EDITOR, "Alex Morgan", "Support worker").also { devices += it }
        val sam = d.store.createPerson(unit, NewPerson("Samuel Okafor", "Sam", "BH0002"))
        d.store.addHandoverNote(unit, sam, "Sam was upset by the alarm test; he settled with music")
        d.store.addHandoverNote(unit, null, "Lift out of order: use the east stairs")
        val vm = HuddleViewModel(d.session, unit).apply { onNoteText("Fire drill at 3 pm") }
        listOf("42-huddle" to { HuddleScreen(vm.state.value, HuddleEvents()) })
    }

    private val variants =
        listOf(
            Variant("light", dark = false, fontScale = 1f, heightDp = 2000),
            Variant("dark", dark = true, fontScale = 1f, heightDp = 2000),
            Variant("large-font", dark = false, fontScale = 2f, heightDp = 4000),
        )

    @TestFactory
    fun `the huddle renders in light, dark and at the largest font`(): List<DynamicTest> =
        screens.flatMap { (name, content) ->
            variants.map { v -> DynamicTest.dynamicTest("$name-${v.name}") { renderScreen("$name-${v.name}", v, content) } }
        }

    @TestFactory
    fun `everything tappable on the huddle is labelled and at least 48 dp`(): List<DynamicTest> =
        screens.map { (name, content) ->
            DynamicTest.dynamicTest("a11y-$name") { assertTappablesLabelled(name, content) }
        }
}
