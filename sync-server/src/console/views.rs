//! The console's page frame and small shared pieces of HTML.
//!
//! Pages are built with maud, which escapes every interpolated value unless told otherwise
//! (`PreEscaped`, used only for the figures module's own escaped fragment and the QR code's
//! SVG, both made in this crate from data it escapes), so a name or a note can never become
//! markup. We chose maud over hand-written strings for exactly that, and over a file-based
//! template engine because the pages are small and type-checked with the code.
//!
//! Every page has a skip link, one `h1`, a `main` landmark, labels on every control, and loads
//! one stylesheet from this server (focus outlines, contrast). No script anywhere.

use maud::{DOCTYPE, Markup, html};
use steady_core::characteristics::Answer;
use steady_core::checklist::BandLevel;
use steady_core::clock::Timestamp;
use steady_core::codes::InjuryIndicator;
use steady_core::huddle::{ChecklistPoint, Huddle};
use steady_core::incident::{
    Addendum, Debrief, Incident, PostIncidentReview, ReviewWith, UseOfForce,
};
use steady_core::observation::{
    BodyPosition, Breathing, Consciousness, ObservationPhase, PhysicalObservation, SkinColour,
};
use steady_core::uk_time;

use super::session::Session;

/// The unit a page belongs to, for its navigation.
pub struct UnitNav<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
}

/// The hidden CSRF field every POST form carries.
pub fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// A time as people on the ward read it, on a UK clock: `2026-07-05 20:00 BST`,
/// `2026-11-23 14:05 GMT` (Europe/London, [`uk_time`]).
pub fn when(t: Timestamp) -> String {
    uk_time::format(t, "%Y-%m-%d %H:%M", true)
}

/// A date on a UK clock: `2026-11-23`.
pub fn day(t: Timestamp) -> String {
    uk_time::format(t, "%Y-%m-%d", false)
}

/// The frame of a signed-in page.
pub fn page(title: &str, session: &Session, unit: Option<UnitNav<'_>>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Steady console" }
                link rel="stylesheet" href="/console/static/console.css";
            }
            body {
                a class="skip" href="#main" { "Skip to main content" }
                header class="top" {
                    a class="brand" href="/console" { "Steady console" }
                    span class="who" { "Signed in as " (session.lead.name) }
                    form method="post" action="/console/sign-out" class="inline" {
                        (csrf(session))
                        button type="submit" { "Sign out" }
                    }
                }
                @if let Some(unit) = &unit {
                    nav aria-label="Unit" class="unit-nav" {
                        a href={ "/console/units/" (unit.id) } { (unit.name) }
                        ul {
                            li { a href={ "/console/units/" (unit.id) "/people" } { "People" } }
                            li { a href={ "/console/units/" (unit.id) "/incidents" } { "Incidents" } }
                            li { a href={ "/console/units/" (unit.id) "/dashboard" } { "Dashboard" } }
                            li { a href={ "/console/units/" (unit.id) "/huddle" } { "Shift huddle" } }
                            li { a href={ "/console/units/" (unit.id) "/guidance" } { "Guidance" } }
                            li { a href={ "/console/units/" (unit.id) "/proposals" } { "Proposals for plans" } }
                            li { a href={ "/console/units/" (unit.id) "/enrolment" } { "Enrolment" } }
                            li { a href={ "/console/units/" (unit.id) "/exports" } { "Exports" } }
                        }
                    }
                }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}

/// A page for someone not signed in (sign-in, errors).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Steady console" }
                link rel="stylesheet" href="/console/static/console.css";
            }
            body {
                a class="skip" href="#main" { "Skip to main content" }
                header class="top" { a class="brand" href="/console" { "Steady console" } }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}

/// An error or notice page.
pub fn message_page(title: &str, message: &str) -> Markup {
    bare(
        title,
        html! {
            h1 { (title) }
            p { (message) }
            p { a href="/console" { "Back to your units" } }
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The incident page: the restraint record as it now stands

/// "Yes", "No" or "Not recorded".
fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "Not recorded",
    }
}

fn phase_words(p: Option<ObservationPhase>) -> &'static str {
    match p {
        Some(ObservationPhase::DuringRestraint) => "During restraint",
        Some(ObservationPhase::AfterRestraint) => "After restraint",
        Some(ObservationPhase::AfterRapidTranquillisation) => "After rapid tranquillisation",
        Some(ObservationPhase::DuringIsolation) => "During seclusion or segregation",
        None => "Not recorded",
    }
}

fn breathing_words(b: Breathing) -> &'static str {
    match b {
        Breathing::Normal => "Normal",
        Breathing::Laboured => "Laboured",
        Breathing::Noisy => "Noisy",
        Breathing::NotBreathing => "Not breathing",
    }
}

fn colour_words(c: SkinColour) -> &'static str {
    match c {
        SkinColour::Normal => "Normal",
        SkinColour::Pale => "Pale or grey",
        SkinColour::Flushed => "Flushed",
        SkinColour::Blue => "Blue (cyanosed)",
    }
}

fn acvpu_words(c: Consciousness) -> &'static str {
    match c {
        Consciousness::Alert => "A: alert",
        Consciousness::NewConfusion => "C: new confusion",
        Consciousness::Voice => "V: responds to voice",
        Consciousness::Pain => "P: responds to pain",
        Consciousness::Unresponsive => "U: unresponsive",
    }
}

fn position_words(p: BodyPosition) -> &'static str {
    match p {
        BodyPosition::Standing => "Standing",
        BodyPosition::Seated => "Seated",
        BodyPosition::Kneeling => "Kneeling",
        BodyPosition::Side => "On their side",
        BodyPosition::Supine => "Face up (supine)",
        BodyPosition::Prone => "Face down (prone)",
    }
}

/// An observation's vital signs in one line ("RR 18/min; SpO2 97%; ..."), or "Not taken".
fn vitals(o: &PhysicalObservation) -> String {
    let mut parts = Vec::new();
    if let Some(v) = o.respiratory_rate {
        parts.push(format!("RR {v}/min"));
    }
    if let Some(v) = o.oxygen_saturation {
        parts.push(format!("SpO2 {v}%"));
    }
    if let Some(v) = o.pulse {
        parts.push(format!("Pulse {v}/min"));
    }
    match (o.systolic_bp, o.diastolic_bp) {
        (Some(s), Some(d)) => parts.push(format!("BP {s}/{d} mmHg")),
        (Some(s), None) => parts.push(format!("BP systolic {s} mmHg")),
        (None, Some(d)) => parts.push(format!("BP diastolic {d} mmHg")),
        (None, None) => {}
    }
    if let Some(v) = o.temperature_tenths_c {
        parts.push(format!("Temp {}.{} °C", v / 10, v % 10));
    }
    if parts.is_empty() {
        "Not taken".into()
    } else {
        parts.join("; ")
    }
}

/// An observation's notes: hydration, side effects, why vital signs were not taken, a note.
fn observation_notes(o: &PhysicalObservation) -> String {
    [
        ("Hydration", &o.hydration),
        ("Side effects", &o.side_effects),
        ("Vital signs not taken because", &o.not_taken_because),
        ("Note", &o.note),
    ]
    .into_iter()
    .filter_map(|(label, text)| text.as_ref().map(|t| format!("{label}: {t}")))
    .collect::<Vec<_>>()
    .join(". ")
}

fn minutes_words(m: i64) -> String {
    if m == 1 {
        "1 minute".into()
    } else {
        format!("{m} minutes")
    }
}

/// One use of force as a lead reviews it: type, reason, start, end, duration, the prone flag,
/// the plan, the staff, how force was used and any override of the person's own cautions.
fn use_of_force(n: usize, u: &UseOfForce, now: Timestamp) -> Markup {
    let minutes = u.minutes(now);
    html! {
        section class="use-of-force" aria-labelledby={ "use-" (n) } data-testid="use-of-force" {
            h3 id={ "use-" (n) } { (n) ". " (u.intervention.label()) }
            @if let Some(reason) = &u.contraindication_override {
                div class="error" data-testid="contraindication-override" {
                    p { strong { "Used against the person's own safety alerts or contraindications." } }
                    p { "Reason staff gave: " (reason) }
                }
            }
            dl {
                dt { "MHSDS type" } dd { (u.intervention.code()) " " (u.intervention.label()) }
                dt { "Reason" } dd { @if let Some(r) = u.reason { (r.code()) " " (r.label()) } @else { "Not recorded" } }
                dt { "Start" } dd { @if let Some(t) = u.started_at { (when(t)) } @else { "Not recorded" } }
                dt { "End" } dd { @if let Some(t) = u.ended_at { (when(t)) } @else { "Running or not recorded" } }
                dt { "Duration" } dd {
                    @match (minutes, u.ended_at) {
                        (Some(m), Some(_)) => { (minutes_words(m)) }
                        (Some(m), None) => { (minutes_words(m)) " so far (no end recorded)" }
                        (None, _) => { "Not known (no start recorded)" }
                    }
                }
                dt { "Prone" } dd data-testid="prone-flag" {
                    @if u.prone_over_ten_minutes(now) {
                        strong { "Yes: prone for over 10 minutes (reported separately)" }
                    } @else if u.intervention.is_prone() {
                        "Yes (10 minutes or less)"
                    } @else {
                        "No"
                    }
                }
                dt { "In the care plan (d)" } dd { (yes_no(u.in_care_plan)) }
                dt { "Staff (h)" } dd {
                    @if u.staff.is_empty() { "Not recorded" }
                    @else { ul { @for s in &u.staff { li { (s.name) ", " (s.job_title) } } } }
                }
                dt { "How force was used (f)" } dd {
                    @if u.how_force_was_used.trim().is_empty() { "Not recorded" } @else { (u.how_force_was_used) }
                }
                dt { "Against the person's cautions" } dd {
                    @if u.contraindication_override.is_some() { "Yes, with the reason above" } @else { "No" }
                }
            }
        }
    }
}

fn answer_words(a: Option<&Answer>) -> String {
    match a {
        Some(Answer::Stated { value }) => value.clone(),
        Some(Answer::NotKnown) => "Not known".into(),
        Some(Answer::PrefersNotToSay) => "Prefers not to say".into(),
        None => "Not asked".into(),
    }
}

fn injury_words(i: Option<InjuryIndicator>) -> &'static str {
    i.map_or("Not recorded", InjuryIndicator::label)
}

/// The body of the incident page from "About" to the post-incident reviews: who it is about
/// (the subject frozen at submission), each use of force, physical observations as a timed
/// table, de-escalation, s.6(5)(k) as nine answers, the three injury answers, debriefs and
/// reviews. Times are on a UK clock; `now` times a hold still running.
pub fn incident_record(i: &Incident, now: Timestamp) -> Markup {
    let observations: Vec<&Addendum> = i
        .addenda
        .iter()
        .filter(|a| a.observation.is_some())
        .collect();
    let reviews: Vec<(&Addendum, &PostIncidentReview)> = i
        .addenda
        .iter()
        .filter_map(|a| a.review.as_ref().map(|r| (a, r)))
        .collect();
    let debrief = |d: &Option<Debrief>| -> Markup {
        html! {
            @match d {
                Some(d) if d.held => { "Held" @if !d.note.is_empty() { ": " (d.note) } }
                Some(d) => { "Not held" @if !d.note.is_empty() { ": " (d.note) } }
                None => { "Not recorded" }
            }
        }
    };
    let text_or = |t: &Option<String>| -> String {
        t.as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or("Not recorded")
            .to_string()
    };
    html! {
        dl {
            dt { "About" }
            dd data-testid="subject" {
                @if let Some(subject) = &i.subject {
                    (subject.name) " (as recorded at submission)"
                } @else if let Some(n) = &i.person_name { (n) }
                @else if let Some(u) = &i.unidentified_person { (u) }
                @else { "Not recorded" }
            }
            dt { "NHS number (g)" }
            dd data-testid="nhs-number" {
                @match (&i.subject, i.nhs_number_not_known) {
                    (Some(s), _) if s.nhs_number.is_some() => { (s.nhs_number.as_deref().unwrap_or_default()) }
                    (_, Some(true)) => { "Not known" }
                    _ => { "Not recorded" }
                }
            }
            @if let Some(local) = i.subject.as_ref().and_then(|s| s.local_identifier.as_deref()) {
                dt { "Local identifier" } dd { (local) }
            }
            dt { "Recorded by" } dd { (i.recorded_by) }
            dt { "Note" } dd { (i.note) }
            dt { "Place" } dd { (i.place.as_deref().unwrap_or("Not recorded")) }
            dt { "Tags" } dd { (i.tags.iter().map(|t| t.label()).collect::<Vec<_>>().join(", ")) }
            dt { "Outcome" } dd { (i.outcome.as_deref().unwrap_or("Not recorded")) }
        }
        h2 { "Use of force" }
        @if i.use_of_force.is_empty() { p { "None recorded." } }
        @for (n, u) in i.use_of_force.iter().enumerate() {
            (use_of_force(n + 1, u, now))
        }
        h2 { "Physical observations" }
        @if observations.is_empty() {
            p { "None recorded." }
        } @else {
            table data-testid="observations" {
                caption { "Physical observations during and after the use of force, in the order taken (UK time)" }
                thead { tr {
                    th scope="col" { "Time" } th scope="col" { "Recorded by" } th scope="col" { "Phase" }
                    th scope="col" { "Breathing" } th scope="col" { "Colour" } th scope="col" { "ACVPU" }
                    th scope="col" { "Position" } th scope="col" { "Vital signs" } th scope="col" { "Notes" }
                } }
                tbody {
                    @for a in &observations {
                        @if let Some(o) = &a.observation {
                            tr {
                                td { (when(o.observed_at.unwrap_or(a.at))) }
                                td { (a.author) @if !a.job_title.is_empty() { ", " (a.job_title) } }
                                td { (phase_words(o.phase)) }
                                td { @if let Some(b) = o.breathing { (breathing_words(b)) } @else { "Not recorded" } }
                                td { @if let Some(c) = o.colour { (colour_words(c)) } @else { "Not recorded" } }
                                td { @if let Some(c) = o.consciousness { (acvpu_words(c)) } @else { "Not recorded" } }
                                td { @if let Some(p) = o.position { (position_words(p)) } @else { "Not recorded" } }
                                td { (vitals(o)) }
                                td { (observation_notes(o)) }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Other items of the record (s.6(5))" }
        dl {
            dt { "De-escalation tried (o)" }
            dd {
                @let steps: Vec<&str> = i.deescalation.general_steps.iter().map(|s| s.label()).collect();
                @let own = &i.deescalation.own_strategies;
                @if steps.is_empty() && own.is_empty() && i.deescalation.other.is_none() { "Not recorded" }
                @else {
                    (steps.iter().copied().chain(own.iter().map(String::as_str)).chain(i.deescalation.other.as_deref()).collect::<Vec<_>>().join("; "))
                }
            }
            dt { "Anyone other than staff involved (i)" } dd {
                (yes_no(i.non_staff_involved))
                @if let Some(r) = &i.non_staff_reason { ": " (r) }
            }
            dt { "Mental disorder, if any (j)" } dd { (text_or(&i.mental_disorder)) }
            dt { "Learning disability or autism (l)" } dd { (yes_no(i.learning_disability_or_autism)) }
            dt { "Death or serious injury (n)" } dd { (yes_no(i.death_or_serious_injury)) }
            dt { "Notification sent" } dd { (yes_no(i.notification_sent)) }
        }
        h3 { "Relevant characteristics (k)" }
        @if let Some(c) = &i.characteristics {
            table data-testid="characteristics" {
                caption { "The nine protected characteristics (Equality Act 2010 s.4), as answered" }
                thead { tr { th scope="col" { "Characteristic" } th scope="col" { "Answer" } } }
                tbody {
                    @for (ch, a) in c.answers() {
                        tr { th scope="row" { (ch.label) } td { (answer_words(a)) } }
                    }
                }
            }
        } @else if let Some(t) = &i.relevant_characteristics {
            p { "Recorded as text (before the nine answers): " (t) }
        } @else {
            p { "Not recorded." }
        }
        h3 { "Injuries (m)" }
        table data-testid="injuries" {
            caption { "Were people injured?" }
            thead { tr { th scope="col" { "Who" } th scope="col" { "Injured" } th scope="col" { "Description" } } }
            tbody {
                tr { th scope="row" { "The person" } td { (injury_words(i.injured_person)) } td { (text_or(&i.injuries_person)) } }
                tr { th scope="row" { "Staff" } td { (injury_words(i.injured_staff)) } td { (text_or(&i.injuries_staff)) } }
                tr { th scope="row" { "Others" } td { (injury_words(i.injured_others)) } td { (text_or(&i.injuries_others)) } }
            }
        }
        h2 { "Debriefs and post-incident reviews" }
        dl {
            dt { "At submission, with the person" } dd { (debrief(&i.debrief_person)) }
            dt { "At submission, with staff" } dd { (debrief(&i.debrief_staff)) }
        }
        @if reviews.is_empty() {
            p { "No post-incident review recorded after the submission." }
        } @else {
            table data-testid="reviews" {
                caption { "Post-incident reviews recorded after the submission" }
                thead { tr {
                    th scope="col" { "With" } th scope="col" { "Held" } th scope="col" { "When" }
                    th scope="col" { "Who took part" } th scope="col" { "Staff wellbeing support offered" }
                    th scope="col" { "Notes" } th scope="col" { "Recorded by" }
                } }
                tbody {
                    @for (a, r) in &reviews {
                        tr {
                            th scope="row" { @match r.with { ReviewWith::Person => { "The person" } ReviewWith::Staff => { "Staff" } } }
                            td { @if r.held { "Held" } @else { "Not held" @if let Some(w) = &r.why_not { ": " (w) } } }
                            td { @if let Some(t) = r.held_at { (when(t)) } @else { "Not recorded" } }
                            td { @if r.who.is_empty() { "Not recorded" } @else { (r.who) } }
                            td { (yes_no(r.wellbeing_offered)) }
                            td { (r.note) }
                            td { (a.author) ", " (when(a.at)) }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The shift huddle

/// A checklist band in words (the page never leaves it to colour).
pub fn band_words(b: BandLevel) -> &'static str {
    match b {
        BandLevel::Low => "low",
        BandLevel::Moderate => "moderate",
        BandLevel::High => "high",
    }
}

/// How many of a person's latest checklist runs the huddle draws.
pub const SERIES_POINTS: usize = 14;

const SPARK_W: f64 = 280.0;
const SPARK_H: f64 = 64.0;
const SPARK_PAD: f64 = 8.0;

/// A person's latest checklist runs as a small run: score by run, oldest on the left, each
/// point's shape its band (circle low, square moderate, triangle high), so shape and the words
/// beside it tell the bands apart, not colour.
fn checklist_run(points: &[ChecklistPoint], label: &str, described_by: &str) -> Markup {
    let top = points.iter().map(|p| p.score).max().unwrap_or(0).max(5) as f64;
    let n = points.len();
    let step = if n > 1 {
        (SPARK_W - 2.0 * SPARK_PAD) / (n - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| {
        if n > 1 {
            SPARK_PAD + step * i as f64
        } else {
            SPARK_W / 2.0
        }
    };
    let y = |score: u32| SPARK_H - SPARK_PAD - (SPARK_H - 2.0 * SPARK_PAD) * score as f64 / top;
    let line: String = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.score)))
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        svg class="checklist-run" role="img" aria-label=(label) aria-describedby=(described_by)
            viewBox={ "0 0 " (SPARK_W) " " (SPARK_H) } data-testid="checklist-run" {
            title { (label) }
            line x1="0" y1=(format!("{:.1}", SPARK_H - SPARK_PAD)) x2=(SPARK_W) y2=(format!("{:.1}", SPARK_H - SPARK_PAD)) stroke="#505a5f" stroke-width="1" {}
            @if n > 1 { polyline points=(line) fill="none" stroke="#1d4f91" stroke-width="2" {} }
            @for (i, p) in points.iter().enumerate() {
                @let (cx, cy) = (x(i), y(p.score));
                @match p.band {
                    BandLevel::Low => { circle cx=(format!("{cx:.1}")) cy=(format!("{cy:.1}")) r="4" fill="#1d4f91" {} }
                    BandLevel::Moderate => {
                        rect x=(format!("{:.1}", cx - 5.0)) y=(format!("{:.1}", cy - 5.0)) width="10" height="10" fill="#b45f06" stroke="#0b0c0c" stroke-width="1" {}
                    }
                    BandLevel::High => {
                        polygon points=(format!("{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}", cx, cy - 7.0, cx - 6.5, cy + 5.0, cx + 6.5, cy + 5.0))
                            fill="#d4351c" stroke="#0b0c0c" stroke-width="1" {}
                    }
                }
            }
        }
    }
}

/// The direction of a series in words: the latest run against the one before.
fn direction_words(points: &[ChecklistPoint]) -> String {
    match points {
        [] => "No checklist runs recorded.".into(),
        [only] => format!(
            "One run: score {} ({}), {}.",
            only.score,
            band_words(only.band),
            when(only.at)
        ),
        [.., before, last] => {
            let way = match last.score.cmp(&before.score) {
                std::cmp::Ordering::Greater => "up from",
                std::cmp::Ordering::Less => "down from",
                std::cmp::Ordering::Equal => "the same as",
            };
            format!(
                "Latest: score {} ({}), {}, {} the run before ({}, {}).",
                last.score,
                band_words(last.band),
                when(last.at),
                way,
                before.score,
                band_words(before.band)
            )
        }
    }
}

/// The huddle page's body.
pub fn huddle(
    unit_id: &str,
    hours: u32,
    choices: &[u32],
    h: &Huddle,
    series: &[Vec<ChecklistPoint>],
) -> Markup {
    html! {
        h1 { "Shift huddle" }
        p { "The last " (hours) " hours, since " (when(h.since)) ": who had a red or amber event or a moderate or high warning-sign checklist, the incidents still open as drafts, and the support sheets overdue for review." }
        nav aria-label="Look back over" class="pages" {
            @for c in choices {
                @if *c == hours {
                    a href={ "/console/units/" (unit_id) "/huddle?hours=" (c) } aria-current="page" { strong { "Last " (c) " hours" } }
                } @else {
                    a href={ "/console/units/" (unit_id) "/huddle?hours=" (c) } { "Last " (c) " hours" }
                }
            }
        }
        section aria-labelledby="huddle-people-h" data-testid="huddle-people" {
            h2 id="huddle-people-h" { "People" }
            p { "Red: an incident with a use of force or physical aggression. Amber: any other incident (distress, verbal aggression, a near miss, a de-escalation). Checklist: the highest band of the runs in the period, when moderate or high." }
            @if h.people.is_empty() { p { "Nobody had an event or a moderate or high checklist in the last " (hours) " hours." } }
            @else {
                table {
                    caption { "People to talk about, the most red first" }
                    thead { tr {
                        th scope="col" { "Person" } th scope="col" { "Red events" } th scope="col" { "Amber events" }
                        th scope="col" { "Checklist band" } th scope="col" { "Checklist runs" } th scope="col" { "Latest" }
                    } }
                    tbody {
                        @for p in &h.people {
                            tr data-person=(p.person_id) {
                                th scope="row" { a href={ "/console/people/" (p.person_id) } { (p.name) } }
                                td { (p.red) " red" }
                                td { (p.amber) " amber" }
                                td { @match p.checklist_band { Some(b) => { (band_words(b)) } None => { "not moderate or high" } } }
                                td { (p.checklist_runs) }
                                td { (when(p.last_at)) }
                            }
                        }
                    }
                }
            }
        }
        @if h.people.iter().zip(series).any(|(_, s)| !s.is_empty()) {
            section aria-labelledby="huddle-series-h" {
                h2 id="huddle-series-h" { "Warning-sign checklists, run by run" }
                p { "Each person's latest " (SERIES_POINTS) " checklist runs at most, oldest on the left; the direction matters more than one score. A circle is a low band, a square moderate, a triangle high." }
                @for (i, (p, points)) in h.people.iter().zip(series).enumerate() {
                    @if !points.is_empty() {
                        @let shown = &points[points.len().saturating_sub(SERIES_POINTS)..];
                        @let words_id = format!("series-{i}-words");
                        @let label = format!("Checklist scores of {}, oldest first: {}", p.name,
                            shown.iter().map(|c| format!("{} {}", c.score, band_words(c.band))).collect::<Vec<_>>().join(", "));
                        div class="series" {
                            h3 { (p.name) }
                            div class="series-body" {
                                (checklist_run(shown, &label, &words_id))
                                div id=(words_id) {
                                    p { (direction_words(shown)) }
                                    p { "Scores, oldest first: "
                                        (shown.iter().map(|c| format!("{} ({})", c.score, band_words(c.band))).collect::<Vec<_>>().join(", ")) "." }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="huddle-drafts-h" data-testid="huddle-drafts" {
            h2 id="huddle-drafts-h" { "Open drafts" }
            @if h.open_drafts.is_empty() { p { "No incident is still a draft." } }
            @else {
                table {
                    caption { "Incidents still drafts, of any age, oldest first" }
                    thead { tr { th scope="col" { "Happened" } th scope="col" { "About" } th scope="col" { "Recorded by" } th scope="col" { "Use of force" } } }
                    tbody {
                        @for d in &h.open_drafts {
                            tr {
                                th scope="row" { a href={ "/console/incidents/" (d.incident_id) } { (when(d.occurred_at)) } }
                                td { @if d.about.is_empty() { "Not named" } @else { (d.about) } }
                                td { (d.recorded_by) }
                                td { @if d.use_of_force { "Yes: its s.6(5) record waits" } @else { "No" } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="huddle-overdue-h" data-testid="huddle-overdue" {
            h2 id="huddle-overdue-h" { "Support sheets overdue for review" }
            @if h.sheets_overdue.is_empty() { p { "None overdue." } }
            @else {
                ul {
                    @for o in &h.sheets_overdue {
                        li { a href={ "/console/people/" (o.person_id) } { (o.name) } ": review was due " (day(o.due)) }
                    }
                }
            }
        }
    }
}
