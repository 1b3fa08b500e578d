// Physical observations during and after restraint (NICE QS154 statements 3 and 4), s.6(5)(k) as
// the nine protected characteristics, and the three injury indicators: the plain state the
// incident screen draws for them and the pure rules that turn it into the core's records. The
// ranges (`vitalSignRanges`), the chips' words (`breathingLabel`, …), the words of an
// observation and the characteristics' names are the core's; nothing here restates them.
package app.steady.android.state

import app.steady.core.bodyPositionLabel
import app.steady.core.breathingLabel
import app.steady.core.characteristicLabels
import app.steady.core.consciousnessLabel
import app.steady.core.injuryIndicatorLabel
import app.steady.core.model.Answer
import app.steady.core.model.BodyPosition
import app.steady.core.model.Breathing
import app.steady.core.model.Consciousness
import app.steady.core.model.InjuryIndicator
import app.steady.core.model.ObservationPhase
import app.steady.core.model.PhysicalObservation
import app.steady.core.model.RelevantCharacteristics
import app.steady.core.model.SkinColour
import app.steady.core.observationPhaseLabel
import app.steady.core.skinColourLabel
import app.steady.core.vitalSignRanges

/**
 * The typed fields of the observation form, each with the core's name of it (the last part of a
 * refusal's path, `observation.oxygen_saturation`), its label and whether it is a number.
 */
enum class ObsField(
    val path: String,
    val label: String,
    val number: Boolean,
) {
    RESPIRATORY_RATE("respiratory_rate", "Breaths a minute", true),
    OXYGEN_SATURATION("oxygen_saturation", "Oxygen sat., %", true),
    PULSE("pulse", "Pulse a minute", true),
    TEMPERATURE("temperature_tenths_c", "Temperature °C", true),
    SYSTOLIC_BP("systolic_bp", "BP systolic", true),
    DIASTOLIC_BP("diastolic_bp", "BP diastolic", true),
    NOT_TAKEN_BECAUSE("not_taken_because", "Not taken because", false),
    HYDRATION("hydration", "Hydration", false),
    SIDE_EFFECTS("side_effects", "Side effects seen", false),
    NOTE("note", "Anything else", false),
    ;

    companion object {
        /** The field a refusal's path names (`observation.pulse`), or null for the whole form. */
        fun ofPath(path: String): ObsField? = entries.firstOrNull { path == "observation.${it.path}" }
    }
}

/** The phases, in the order offered, with the core's words (`observationPhaseLabel`). */
val OBSERVATION_PHASES: List<Pair<ObservationPhase, String>> get() =
    ObservationPhase.entries.map { it to observationPhaseLabel(it) }

/** One-tap choices: breathing, in the core's words. */
val BREATHING_CHOICES: List<Pair<Breathing, String>> get() = Breathing.entries.map { it to breathingLabel(it) }

/** One-tap choices: colour, in the core's words. */
val COLOUR_CHOICES: List<Pair<SkinColour, String>> get() = SkinColour.entries.map { it to skinColourLabel(it) }

/** One-tap choices: consciousness on the ACVPU scale (NEWS2), each with its letter, the core's words. */
val CONSCIOUSNESS_CHOICES: List<Pair<Consciousness, String>> get() =
    Consciousness.entries.map { it to consciousnessLabel(it) }

/** One-tap choices: position, in the core's words. */
val POSITION_CHOICES: List<Pair<BodyPosition, String>> get() = BodyPosition.entries.map { it to bodyPositionLabel(it) }

/**
 * The plausible range of a vital sign as the core checks it, in the form's units ("50 to 100";
 * the temperature in degrees, "25.0 to 45.0"), from `vitalSignRanges()`; null for a text field.
 */
fun vitalRangeText(field: ObsField): String? {
    val r = vitalSignRanges().firstOrNull { it.name == field.path } ?: return null
    return if (field == ObsField.TEMPERATURE) {
        "${tenthsText(r.least)} to ${tenthsText(r.most)}"
    } else {
        "${r.least} to ${r.most}"
    }
}

/** The rule shown by the "taken at" time: the core refuses a time still to come. */
const val TAKEN_AT_RULE = "Never later than now"

/** The quick steps of the "taken at" time, in minutes (an observation written up a little after). */
val TAKEN_AT_STEPS: List<Int> = listOf(-5, -15, -60, 5)

/**
 * The quick observation form: the phase (preselected: during restraint while a hold runs, else
 * after restraint, until chosen), one-tap chips, and the typed fields as typed. [errors]: a
 * field's refusal (this form's number check, or the core's rule) shown under it; [error]: one
 * that is no field's.
 */
data class ObservationFormUi(
    val phase: ObservationPhase = ObservationPhase.AFTER_RESTRAINT,
    /** The user chose the phase: it no longer follows whether a hold runs. */
    val phaseChosen: Boolean = false,
    val breathing: Breathing? = null,
    val colour: SkinColour? = null,
    val consciousness: Consciousness? = null,
    val position: BodyPosition? = null,
    val values: Map<ObsField, String> = emptyMap(),
    val errors: Map<ObsField, String> = emptyMap(),
    val error: String? = null,
    /**
     * After rapid tranquillisation: the person's physical health raises no further concerns, so
     * the hourly checks may stop (sent only in that phase).
     */
    val noFurtherConcerns: Boolean = false,
    /** When it was taken, epoch ms, if set earlier than the tap on Record (null: now). */
    val takenAt: Long? = null,
    /** "Taken at 13:55 (5 min ago)" while [takenAt] is set. */
    val takenAtLabel: String? = null,
    /** Why the "taken at" time is refused (this form's rule, or the core's). */
    val takenAtError: String? = null,
)

/** One observation taken: when, who, and the core's words. */
data class ObservationUi(
    val id: String,
    /** "Tue 3 Dec, 14:02", when it was taken. */
    val atLabel: String,
    /** "Jo Bell, Support worker": who recorded it. */
    val by: String,
    /** "Physical observation during restraint". */
    val heading: String,
    /** "Breathing normal; SpO2 97%; …". */
    val text: String,
)

/** How one protected characteristic is answered. */
enum class AnswerKind { STATED, NOT_KNOWN, PREFERS_NOT_TO_SAY }

/** One row of the s.6(5)(k) form: a protected characteristic and its answer. */
data class CharacteristicRowUi(
    /** The core's name of it (`religion_or_belief`). */
    val name: String,
    /** The Act's words ("Religion or belief"). */
    val label: String,
    val kind: AnswerKind? = null,
    /** The stated words, as typed (kept while another choice is tapped). */
    val stated: String = "",
    /** Why the core refused this answer. */
    val error: String? = null,
) {
    /** Answered: not known, prefers not to say, or stated with words. */
    val answered: Boolean get() = kind != null && (kind != AnswerKind.STATED || stated.isNotBlank())
}

/** The three injury questions: who, and the label shown. */
enum class InjuryWho(
    val label: String,
) {
    PERSON("Was the person injured?"),
    STAFF("Were staff injured?"),
    OTHERS("Was anyone else injured?"),
}

/** Yes / No / Not known, in that order, in the core's words. */
fun injuryChoices(): List<Pair<InjuryIndicator, String>> =
    listOf(InjuryIndicator.YES, InjuryIndicator.NO, InjuryIndicator.NOT_KNOWN).map { it to injuryIndicatorLabel(it) }

/** The answer of [name] in [c]. */
fun answerOf(
    c: RelevantCharacteristics?,
    name: String,
): Answer? =
    when (name) {
        "age" -> c?.age
        "disability" -> c?.disability
        "gender_reassignment" -> c?.genderReassignment
        "marriage_and_civil_partnership" -> c?.marriageAndCivilPartnership
        "pregnancy_and_maternity" -> c?.pregnancyAndMaternity
        "race" -> c?.race
        "religion_or_belief" -> c?.religionOrBelief
        "sex" -> c?.sex
        "sexual_orientation" -> c?.sexualOrientation
        else -> null
    }

/** The nine rows, in the Act's order, from a stored record (null: none answered yet). */
fun characteristicRows(c: RelevantCharacteristics?): List<CharacteristicRowUi> =
    characteristicLabels().map { l ->
        when (val a = answerOf(c, l.name)) {
            is Answer.Stated -> CharacteristicRowUi(l.name, l.label, AnswerKind.STATED, a.value)
            Answer.NotKnown -> CharacteristicRowUi(l.name, l.label, AnswerKind.NOT_KNOWN)
            Answer.PrefersNotToSay -> CharacteristicRowUi(l.name, l.label, AnswerKind.PREFERS_NOT_TO_SAY)
            null -> CharacteristicRowUi(l.name, l.label)
        }
    }

/** A row's answer for the core; "Stated" with no words yet is not an answer. */
fun answerFor(row: CharacteristicRowUi): Answer? =
    when (row.kind) {
        AnswerKind.STATED -> {
            row.stated
                .trim()
                .takeIf { it.isNotEmpty() }
                ?.let { Answer.Stated(it) }
        }

        AnswerKind.NOT_KNOWN -> {
            Answer.NotKnown
        }

        AnswerKind.PREFERS_NOT_TO_SAY -> {
            Answer.PrefersNotToSay
        }

        null -> {
            null
        }
    }

/** The rows as the core's record: it replaces all nine answers at once. */
fun characteristicsOf(rows: List<CharacteristicRowUi>): RelevantCharacteristics {
    fun a(name: String) = rows.firstOrNull { it.name == name }?.let(::answerFor)
    return RelevantCharacteristics(
        age = a("age"),
        disability = a("disability"),
        genderReassignment = a("gender_reassignment"),
        marriageAndCivilPartnership = a("marriage_and_civil_partnership"),
        pregnancyAndMaternity = a("pregnancy_and_maternity"),
        race = a("race"),
        religionOrBelief = a("religion_or_belief"),
        sex = a("sex"),
        sexualOrientation = a("sexual_orientation"),
    )
}

/** A row's answer in words, for the submitted record. */
fun characteristicText(row: CharacteristicRowUi): String =
    when (row.kind) {
        AnswerKind.STATED -> row.stated.ifBlank { "Not answered" }
        AnswerKind.NOT_KNOWN -> "Not known"
        AnswerKind.PREFERS_NOT_TO_SAY -> "Prefers not to say"
        null -> "Not answered"
    }

/** The words of a temperature in tenths of a degree (368: "36.8"). */
fun tenthsText(tenths: UInt): String = "${tenths / 10u}.${tenths % 10u}"

/**
 * A typed temperature in tenths of a degree: "36.8" is 368, "37" is 370; null when it is not a
 * number with at most one decimal place.
 */
fun parseTenths(text: String): UInt? {
    val t = text.trim().replace(',', '.')
    val m = Regex("^(\\d{1,3})(?:\\.(\\d))?$").matchEntire(t) ?: return null
    val whole = m.groupValues[1].toUInt()
    val tenth = m.groupValues[2].ifEmpty { "0" }.toUInt()
    return whole * 10u + tenth
}

/**
 * The form as the core's observation, or the fields this form refuses (a number that is not
 * one) with why. Empty fields are left out; the time is the one set ("taken at"), else the
 * core's now. A time after [now] is refused by [takenAtProblem], before this.
 */
fun observationOf(f: ObservationFormUi): Pair<PhysicalObservation?, Map<ObsField, String>> {
    val errors = mutableMapOf<ObsField, String>()
    val numbers = mutableMapOf<ObsField, UInt>()
    val texts = mutableMapOf<ObsField, String>()
    for ((field, raw) in f.values) {
        val v = raw.trim()
        if (v.isEmpty()) continue
        when {
            field == ObsField.TEMPERATURE -> {
                parseTenths(v)?.let { numbers[field] = it } ?: run { errors[field] = "A temperature such as 36.8" }
            }

            field.number -> {
                v.toUIntOrNull()?.let { numbers[field] = it } ?: run { errors[field] = "A whole number" }
            }

            else -> {
                texts[field] = v
            }
        }
    }
    if (errors.isNotEmpty()) return null to errors
    return PhysicalObservation(
        observedAt = f.takenAt,
        phase = f.phase,
        breathing = f.breathing,
        colour = f.colour,
        consciousness = f.consciousness,
        position = f.position,
        respiratoryRate = numbers[ObsField.RESPIRATORY_RATE],
        oxygenSaturation = numbers[ObsField.OXYGEN_SATURATION],
        pulse = numbers[ObsField.PULSE],
        systolicBp = numbers[ObsField.SYSTOLIC_BP],
        diastolicBp = numbers[ObsField.DIASTOLIC_BP],
        temperatureTenthsC = numbers[ObsField.TEMPERATURE],
        hydration = texts[ObsField.HYDRATION],
        sideEffects = texts[ObsField.SIDE_EFFECTS],
        notTakenBecause = texts[ObsField.NOT_TAKEN_BECAUSE],
        note = texts[ObsField.NOTE],
        noFurtherConcerns = true.takeIf { f.noFurtherConcerns && f.phase == ObservationPhase.AFTER_RAPID_TRANQUILLISATION },
    ) to emptyMap()
}

/** The form's refusal of a "taken at" time: one later than [now] (the core's rule too). */
fun takenAtProblem(
    takenAt: Long?,
    now: Long,
): String? = if (takenAt != null && takenAt > now) "$TAKEN_AT_RULE: an observation cannot be taken in the future" else null

/**
 * The core's rule for a refused field in the form's own units: the temperature is typed in
 * degrees, so "from 250 to 450" (tenths) reads "From 25.0 to 45.0 °C". Others as the core says.
 */
fun observationRuleText(
    field: ObsField?,
    rule: String,
): String {
    if (field == ObsField.TEMPERATURE) {
        Regex("from (\\d+) to (\\d+)").find(rule)?.let { m ->
            val (lo, hi) = m.destructured
            return "From ${tenthsText(lo.toUInt())} to ${tenthsText(hi.toUInt())} °C"
        }
    }
    return rule.replaceFirstChar { it.uppercase() }
}
