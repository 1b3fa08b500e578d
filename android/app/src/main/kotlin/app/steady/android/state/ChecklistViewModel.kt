// Checklist: STAMP or the person's own early warning signs, ticked, scored into a band; a
// moderate or high band brings that person's own "what helps" and "what to avoid" alongside.
package app.steady.android.state

import app.steady.core.model.ChecklistTemplate
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** State and events of the Checklist screen, for [personId] in [unitId] (or no one in particular). */
class ChecklistViewModel(
    session: SteadySession,
    private val unitId: String,
    private val personId: String?,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(ChecklistUiState())

    /** What the screen shows. */
    val state: StateFlow<ChecklistUiState> = mutable.asStateFlow()

    @Volatile private var templates: List<ChecklistTemplate> = emptyList()

    init {
        io { load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text) }

    private fun load() {
        templates = session.store.checklistTemplates(personId)
        val name = personId?.let { runCatching { session.store.amberCard(it).name }.getOrNull() }
        // The person's own signs first when the sheet has them: they are the sharper tool.
        val first = templates.firstOrNull { it.id.startsWith("own:") } ?: templates.firstOrNull()
        mutable.update {
            it.copy(
                personName = name,
                templates =
                    templates.map { t ->
                        TemplateChoice(t.id, if (t.id.startsWith("own:")) "${name ?: "Their"}'s own warning signs" else t.name)
                    },
            )
        }
        first?.let { select(it) }
    }

    private fun select(t: ChecklistTemplate) {
        mutable.update {
            it.copy(
                selectedTemplateId = t.id,
                items = t.items.map { i -> CheckItemUi(i.id, i.text, false) },
                result = null,
                source = t.source,
                licence = t.licence,
                message = null,
            )
        }
    }

    /** Another checklist was picked: ticks start again. */
    fun onSelectTemplate(id: String) {
        templates.firstOrNull { it.id == id }?.let { select(it) }
    }

    /** A cue was ticked or unticked; any earlier score no longer stands. */
    fun onToggle(itemId: String) =
        mutable.update { s ->
            s.copy(items = s.items.map { if (it.id == itemId) it.copy(checked = !it.checked) else it }, result = null)
        }

    /** Scores and records the run. */
    fun onScore() {
        val s = mutable.value
        val templateId = s.selectedTemplateId ?: return
        val present = s.items.filter { it.checked }.map { it.id }
        io {
            val r = session.store.runChecklist(unitId, templateId, personId, present)
            val band = r.score.band
            mutable.update {
                it.copy(
                    result =
                        ChecklistResultUi(
                            score = r.score.score.toInt(),
                            maxScore = r.score.maxScore.toInt(),
                            level = band.level,
                            levelLabel = bandLabel(band.level),
                            guidance = band.guidance,
                            whatHelps = r.whatHelps.map { i -> i.text },
                            whatToAvoid = r.whatToAvoid.map { i -> i.text },
                        ),
                )
            }
        }
    }
}
