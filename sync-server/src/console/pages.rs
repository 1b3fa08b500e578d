//! The console's pages and form handlers, one function per route.
//!
//! Each handler checks that the unit or record belongs to one of the lead's units (else 404),
//! reads or writes through the console's replica (the core's domain API), writes the console
//! audit entry, and renders with maud. POST handlers answer with a 303 to the page they came
//! from (so a reload never repeats them), except issuing an enrolment code, whose answer is the
//! code itself, shown once.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use axum::Form;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use steady_core::Store;
use steady_core::clock::Timestamp;
use steady_core::codes::{RestrictiveInterventionType, Role};
use steady_core::incident::{IncidentStatus, IncidentSummary};
use steady_core::people::ListItem;
use steady_core::proposals::{DeclinedProposal, ItemSource, PlanProposal, StrategyOutcome};
use steady_core::protocol::EntityKind;
use steady_core::s65::S65Item;
use steady_core::sheet::{
    AUTHORISED_INTERVENTIONS_HEADING, SheetEntry, SheetList, SheetText, SupportSheet, sheet_layout,
};
use steady_core::uk_time;

use super::counted::UnitIncidents;
use super::figures;
use super::session::{self, Session};
use super::store::ConsoleStorage;
use super::subject_access;
use super::views::{self, UnitNav, csrf, day, when};
use super::{Console, ConsoleError, accounts};
use crate::admin;
use crate::storage::{GrantSpec, Storage, Unit};

type St<S> = State<Arc<Console<S>>>;
pub(super) type Page = Result<Response, ConsoleError>;

/// The items of one of the sheet's lists.
pub(super) fn sheet_items(sheet: &SupportSheet, list: SheetList) -> &[ListItem] {
    match list {
        SheetList::Triggers => &sheet.triggers,
        SheetList::WarningSigns => &sheet.warning_signs,
        SheetList::WhatHelps => &sheet.what_helps,
        SheetList::WhatToAvoid => &sheet.what_to_avoid,
        SheetList::Contraindications => &sheet.contraindications,
    }
}

const SAFETY_ALERTS: &str = "safety_alerts";
const AUTHORISED: &str = "red.authorised_interventions";

pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

fn html_page(markup: Markup) -> Response {
    axum::response::Html(markup.into_string()).into_response()
}

/// The unit, if the lead may see it.
pub(super) async fn unit_for<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    session: &Session,
    unit_id: &str,
) -> Result<Unit, ConsoleError> {
    if !session.may_see(unit_id) {
        return Err(ConsoleError::NotFound);
    }
    console
        .storage
        .units()
        .await?
        .into_iter()
        .find(|u| u.unit_id == unit_id)
        .ok_or(ConsoleError::NotFound)
}

/// The unit (of the lead's) that a person belongs to, found without recording a view.
pub(super) async fn person_unit<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    session: &Session,
    person_id: &str,
) -> Result<Unit, ConsoleError> {
    unit_holding(console, session, person_id, EntityKind::Person).await
}

/// The unit (of the lead's) that an incident belongs to, found without recording a view.
async fn incident_unit<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    session: &Session,
    incident_id: &str,
) -> Result<Unit, ConsoleError> {
    unit_holding(console, session, incident_id, EntityKind::Incident).await
}

/// The lead's unit that holds record `id` of `kind`, looked up by the id itself (not by
/// listing every unit's records); 404 when it is not one of the lead's units, so an id in
/// another unit looks exactly like an id that does not exist.
async fn unit_holding<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    session: &Session,
    id: &str,
    kind: EntityKind,
) -> Result<Unit, ConsoleError> {
    let id = id.to_string();
    let found = console.replica.read(move |s| s.unit_of(kind, &id)).await?;
    match found {
        Some(unit) if session.may_see(&unit) => unit_for(console, session, &unit).await,
        _ => Err(ConsoleError::NotFound),
    }
}

/// Every incident of a unit, whole (drafts included), newest first, as the console keeps them
/// up to date ([`super::counted`]).
async fn unit_incidents<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    unit_id: &str,
) -> Result<Arc<UnitIncidents>, ConsoleError> {
    Ok(console.replica.unit_incidents(unit_id).await?)
}

// ---------------------------------------------------------------------------------------------
// Sign-in and sign-out

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

fn sign_in_markup(token: &str, failed: bool, email: &str) -> Markup {
    views::bare(
        "Sign in",
        html! {
            h1 { "Sign in" }
            @if failed {
                p class="error" role="alert" { "Email or password not recognised." }
            }
            form method="post" action="/console/sign-in" {
                input type="hidden" name="csrf" value=(token);
                label for="email" { "Email" }
                input type="email" id="email" name="email" autocomplete="username" required value=(email);
                label for="password" { "Password" }
                input type="password" id="password" name="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        },
    )
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// `GET /console/sign-in`. A sign-in token already set (another tab) is kept, so every open
/// sign-in form stays valid.
pub async fn sign_in_form<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    headers: HeaderMap,
) -> Page {
    let existing = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::cookie_value(h, session::SIGN_IN_COOKIE))
        .filter(|t| {
            t.len() == 43
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string);
    let token = match existing {
        Some(t) => t,
        None => session::random_token().map_err(|e| ConsoleError::Internal(e.to_string()))?,
    };
    let cookie = session::set_cookie(
        session::SIGN_IN_COOKIE,
        &token,
        console.config.secure_cookie,
        Some(3600),
    );
    Ok(with_cookie(
        html_page(sign_in_markup(&token, false, "")),
        &cookie,
    ))
}

/// `POST /console/sign-in` (the guard has checked the form's token and the address's rate).
pub async fn sign_in<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Form(form): Form<SignInForm>,
) -> Page {
    let now = Timestamp::now();
    let Some(lead) =
        accounts::check_sign_in(console.storage.as_ref(), &form.email, &form.password, now).await?
    else {
        tracing::info!("console sign-in refused");
        return Ok(html_page(sign_in_markup(
            &form.csrf,
            true,
            form.email.trim(),
        )));
    };
    let secret = session::random_token().map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let csrf_token = session::random_token().map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let hash = crate::storage::hash_secret(&secret);
    console
        .storage
        .session_create(&super::store::NewSession {
            session_hash: hash.clone(),
            lead_id: lead.lead_id.clone(),
            csrf_token: csrf_token.clone(),
            created_at: now,
            expires_at: Timestamp(now.0 + session::ABSOLUTE_MS),
        })
        .await?;
    let s = Session {
        hash,
        lead,
        csrf: csrf_token,
    };
    console
        .audit(&s, "sign_in", "", "lead", &[&s.lead.lead_id], "")
        .await?;
    let secure = console.config.secure_cookie;
    let response = see_other("/console");
    let response = with_cookie(
        response,
        &session::set_cookie(session::COOKIE, &secret, secure, None),
    );
    Ok(with_cookie(
        response,
        &session::set_cookie(session::SIGN_IN_COOKIE, "", secure, Some(0)),
    ))
}

/// `POST /console/sign-out`: the session is deleted on the server.
pub async fn sign_out<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
) -> Page {
    console
        .storage
        .session_delete(&s.hash, Timestamp::now())
        .await?;
    console
        .audit(&s, "sign_out", "", "lead", &[&s.lead.lead_id], "")
        .await?;
    Ok(with_cookie(
        see_other("/console/sign-in"),
        &session::set_cookie(session::COOKIE, "", console.config.secure_cookie, Some(0)),
    ))
}

/// `GET /console/static/console.css`.
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("static/console.css"),
    )
        .into_response()
}

/// Anything else under `/console`.
pub async fn not_found() -> ConsoleError {
    ConsoleError::NotFound
}

// ---------------------------------------------------------------------------------------------
// Units and people

/// `GET /console`: the lead's units.
pub async fn units<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
) -> Page {
    let units: Vec<Unit> = console
        .storage
        .units()
        .await?
        .into_iter()
        .filter(|u| s.may_see(&u.unit_id))
        .collect();
    Ok(html_page(views::page(
        "Your units",
        &s,
        None,
        html! {
            h1 { "Your units" }
            @if units.is_empty() {
                p { "No units yet. An operator adds them with steady-server lead add --unit." }
            }
            ul {
                @for u in &units {
                    li { a href={ "/console/units/" (u.unit_id) } { (u.name) } " (" (u.organisation) ")" }
                }
            }
            @let organisations: BTreeSet<&str> = units.iter().map(|u| u.organisation.as_str()).collect();
            @if !organisations.is_empty() {
                h2 { "Organisation dashboards" }
                ul {
                    @for o in organisations {
                        li { a href={ "/console/roll-up?organisation=" (urlencode(o)) } { "Dashboard for " (o) } }
                    }
                }
            }
        },
    )))
}

/// `GET /console/units/{unit}`.
pub async fn unit<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    Ok(html_page(views::page(
        &unit.name,
        &s,
        None,
        html! {
            h1 { (unit.name) }
            p { (unit.organisation)
                @if unit.mental_health_unit { " · mental health unit (Use of Force Act applies)" } }
            nav aria-label="This unit" {
                ul {
                    li { a href={ "/console/units/" (unit.unit_id) "/people" } { "People" } }
                    li { a href={ "/console/units/" (unit.unit_id) "/incidents" } { "Incidents" } }
                    li { a href={ "/console/units/" (unit.unit_id) "/dashboard" } { "Dashboard" } }
                    li { a href={ "/console/units/" (unit.unit_id) "/huddle" } { "Shift huddle" } }
                    li { a href={ "/console/units/" (unit.unit_id) "/proposals" } { "Proposals for plans" } }
                    li { a href={ "/console/units/" (unit.unit_id) "/enrolment" } { "Enrolment" } }
                    li { a href={ "/console/units/" (unit.unit_id) "/exports" } { "Exports" } }
                }
            }
        },
    )))
}

/// `GET /console/units/{unit}/people`.
pub async fn people<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let id = unit_id.clone();
    let people = console.replica.read(move |st| st.people(&id)).await?;
    console
        .audit(&s, "view", &unit_id, "unit", &[&unit_id], "people list")
        .await?;
    Ok(html_page(views::page(
        &format!("People, {}", unit.name),
        &s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        html! {
            h1 { "People" }
            @if people.is_empty() { p { "Nobody yet." } }
            ul {
                @for p in &people {
                    li {
                        a href={ "/console/people/" (p.id) } { (p.display_name) }
                        @if let Some(pref) = &p.preferred_name { " (" (pref) ")" }
                        @if p.review_overdue { " · " strong { "review overdue" } }
                    }
                }
            }
            h2 { "Add person" }
            form method="post" action={ "/console/units/" (unit.unit_id) "/people" } {
                (csrf(&s))
                label for="display_name" { "Display name" }
                input type="text" id="display_name" name="display_name" required maxlength="100";
                label for="preferred_name" { "Preferred name (optional)" }
                input type="text" id="preferred_name" name="preferred_name" maxlength="100";
                label for="local_identifier" { "Local identifier, e.g. hospital number (optional)" }
                input type="text" id="local_identifier" name="local_identifier" maxlength="40";
                label for="nhs_number" { "NHS number (optional; the consistent identifier a use-of-force record needs)" }
                input type="text" id="nhs_number" name="nhs_number" inputmode="numeric" maxlength="12" autocomplete="off";
                button type="submit" { "Add person" }
            }
        },
    )))
}

#[derive(Deserialize)]
pub struct NewPersonForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    preferred_name: String,
    #[serde(default)]
    local_identifier: String,
    #[serde(default)]
    nhs_number: String,
}

/// `POST /console/units/{unit}/people`.
pub async fn add_person<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Form(form): Form<NewPersonForm>,
) -> Page {
    unit_for(&console, &s, &unit_id).await?;
    let unit = unit_id.clone();
    let id = console
        .replica
        .write(&s.lead.name, move |st| {
            st.create_person(
                &unit,
                steady_core::people::NewPerson {
                    display_name: form.display_name,
                    preferred_name: Some(form.preferred_name),
                    local_identifier: Some(form.local_identifier),
                    nhs_number: Some(form.nhs_number),
                },
            )
        })
        .await?;
    console
        .audit(&s, "create", &unit_id, "person", &[&id], "display_name")
        .await?;
    Ok(see_other(&format!("/console/people/{id}")))
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

fn item_list(
    s: &Session,
    person_id: &str,
    list_key: &str,
    title: &str,
    items: &[ListItem],
    extra: &dyn Fn(&ListItem) -> Markup,
) -> Markup {
    let input_id = format!("add-{}", list_key.replace('.', "-"));
    html! {
        h3 { (title) }
        @if items.is_empty() { p { "None recorded." } }
        ul class="items" {
            @for item in items {
                li {
                    (item.text) " "
                    (extra(item))
                    form method="post" action={ "/console/people/" (person_id) "/items/remove" } class="inline" {
                        (csrf(s))
                        input type="hidden" name="list" value=(list_key);
                        input type="hidden" name="item_id" value=(item.id);
                        button type="submit" class="secondary" aria-label={ "Remove from " (title) ": " (item.text) } { "Remove" }
                    }
                }
            }
        }
        form method="post" action={ "/console/people/" (person_id) "/items" } {
            (csrf(s))
            input type="hidden" name="list" value=(list_key);
            label for=(input_id) { "Add to " (title) }
            input type="text" id=(input_id) name="text" required maxlength="500";
            button type="submit" { "Add" }
        }
    }
}

/// `GET /console/people/{person}`: the amber card and the whole sheet, editable.
pub async fn person<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(person_id): Path<String>,
    Query(q): Query<Saved>,
) -> Page {
    let unit = person_unit(&console, &s, &person_id).await?;
    let pid = person_id.clone();
    let (card, sheet, plan) = console
        .replica
        .read(move |st| {
            let sheet = st.support_sheet(&pid)?;
            let plan = plan_links(st, &pid, &sheet)?;
            Ok((st.amber_card(&pid)?, sheet, plan))
        })
        .await?;
    console
        .audit(
            &s,
            "view",
            &unit.unit_id,
            "person",
            &[&person_id],
            "amber card, sheet",
        )
        .await?;
    let p = &sheet.person;
    let interventions = html! {
        h3 { (AUTHORISED_INTERVENTIONS_HEADING) }
        @if sheet.authorised_interventions.is_empty() { p { "None authorised." } }
        ul class="items" {
            @for a in &sheet.authorised_interventions {
                li {
                    (a.intervention.code()) " " (a.intervention.label())
                    @if !a.note.is_empty() { ": " (a.note) } " "
                    form method="post" action={ "/console/people/" (person_id) "/items/remove" } class="inline" {
                        (csrf(&s))
                        input type="hidden" name="list" value=(AUTHORISED);
                        input type="hidden" name="item_id" value=(a.id);
                        button type="submit" class="secondary" aria-label={ "Remove authorised intervention " (a.intervention.label()) } { "Remove" }
                    }
                }
            }
        }
        form method="post" action={ "/console/people/" (person_id) "/items" } {
            (csrf(&s))
            input type="hidden" name="list" value=(AUTHORISED);
            label for="intervention-type" { "Intervention type (MHSDS)" }
            select id="intervention-type" name="intervention" {
                @for t in RestrictiveInterventionType::ALL {
                    option value=(t.code()) { (t.code()) " " (t.label()) }
                }
            }
            label for="intervention-note" { "Conditions and limits" }
            input type="text" id="intervention-note" name="text" maxlength="500";
            button type="submit" { "Add intervention" }
        }
    };
    // The sections, their titles, order and headings are the core's (sheet_layout), the same
    // as the phones show: every text field and list in one form, saved once; the authorised
    // interventions (structured, with forms of their own) after it.
    let form = super::sheet_form::SheetForm::loaded(&sheet);
    let sections = html! {
        (super::sheet_form::render(&s, &person_id, &sheet, &form, &|list, item| plan.beside(list, item)))
        @for part in sheet_layout() {
            @if part.entries.iter().any(|e| matches!(e, SheetEntry::AuthorisedInterventions)) {
                section class="sheet" { h2 { (part.title) } (interventions) }
            }
        }
    };
    let review = &sheet.review;
    let next_default = day(Timestamp::now().plus_days(180));
    Ok(html_page(views::page(
        &p.display_name,
        &s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        html! {
            h1 { (p.display_name) @if let Some(pref) = &p.preferred_name { " (" (pref) ")" } }
            @if q.saved.is_some() { p class="notice" role="status" { "Saved." } }
            @if review.overdue { p class="error" { "This support sheet is overdue for review." } }
            section class="amber" aria-labelledby="amber-h" {
                h2 id="amber-h" { "Amber card: " (card.name) }
                @for a in &card.safety_alerts { p class="alert" { strong { "Safety alert: " } (a.text) } }
                h3 { "Early warning signs" }
                ul { @for i in &card.warning_signs { li { (i.text) } } }
                h3 { "What helps" }
                ul { @for i in &card.what_helps { li { (i.text) } } }
                h3 { "What to avoid" }
                ul { @for i in &card.what_to_avoid { li { (i.text) } } }
            }
            p { a href={ "/console/people/" (person_id) "/subject-access" } { "Subject-access export (JSON)" } }
            section class="sheet" {
                h2 { "Safety alerts" }
                (item_list(&s, &person_id, SAFETY_ALERTS, "Safety alerts", &p.safety_alerts, &|_| html! {}))
            }
            p { a href={ "/console/units/" (unit.unit_id) "/proposals" } { "Proposals for plans waiting in " (unit.name) } }
            (sections)
            (plan.declined_section())
            section class="sheet" {
                h2 { "Review" }
                p {
                    "Last reviewed: "
                    @match review.last_reviewed_at { Some(t) => { (day(t)) } None => { "never" } }
                    @if let Some(by) = &review.last_reviewed_by { " by " (by) }
                    ". Review due: "
                    @match review.due { Some(t) => { (day(t)) } None => { "not set" } }
                    @if review.overdue { " (overdue)" } "."
                }
                form method="post" action={ "/console/people/" (person_id) "/review" } {
                    (csrf(&s))
                    label for="next_due" { "Next review due" }
                    input type="date" id="next_due" name="next_due" required value=(next_default);
                    button type="submit" { "Mark reviewed" }
                }
            }
        },
    )))
}

/// What the person page shows beside the sheet's items from the debriefs: where an accepted
/// item came from, how often each "what helps" was tried and helped, and the proposals
/// declined with their reasons.
struct PlanLinks {
    /// When each incident a sheet item or declined proposal came from happened.
    incident_at: std::collections::HashMap<String, Timestamp>,
    /// The proposals those incidents carry, by entry id.
    proposed: std::collections::HashMap<String, PlanProposal>,
    /// Tried and helped, by "what helps" item id (the core's count).
    outcomes: std::collections::HashMap<String, StrategyOutcome>,
    /// Declined proposals, oldest first.
    declined: Vec<DeclinedProposal>,
}

fn plan_links(st: &Store, person_id: &str, sheet: &SupportSheet) -> steady_core::Result<PlanLinks> {
    let mut declined = st.declined_proposals(person_id)?;
    declined.sort_by_key(|d| (d.at, d.id.clone()));
    let outcomes = st
        .strategy_outcomes(person_id)?
        .into_iter()
        .map(|o| (o.item_id.clone(), o))
        .collect();
    let mut sources: BTreeSet<String> = SheetList::ALL
        .iter()
        .flat_map(|l| sheet_items(sheet, *l))
        .filter_map(|i| i.source.as_ref().map(|s| s.incident_id.clone()))
        .collect();
    sources.extend(declined.iter().map(|d| d.source.incident_id.clone()));
    let mut incident_at = std::collections::HashMap::new();
    let mut proposed = std::collections::HashMap::new();
    for id in sources {
        // An incident that no longer reads (removed with its person's data) is shown without
        // its date rather than failing the sheet.
        let Ok(i) = st.incident(&id) else { continue };
        for a in i.addenda {
            if let Some(p) = a.proposal {
                proposed.insert(a.id, p);
            }
        }
        incident_at.insert(id, i.occurred_at);
    }
    Ok(PlanLinks {
        incident_at,
        proposed,
        outcomes,
        declined,
    })
}

impl PlanLinks {
    fn source_link(&self, source: &ItemSource) -> Markup {
        html! {
            a href={ "/console/incidents/" (source.incident_id) } class="source" {
                "From the incident of "
                @match self.incident_at.get(&source.incident_id) { Some(t) => { (day(*t)) } None => { "a removed record" } }
            }
        }
    }

    /// Beside one item of a list.
    fn beside(&self, list: SheetList, item: &ListItem) -> Markup {
        html! {
            @if list == SheetList::WhatHelps {
                @let (tried, helped) = self.outcomes.get(&item.id).map_or((0, 0), |o| (o.tried, o.helped));
                span class="outcome" { "tried " (tried) " · helped " (helped) } " "
            }
            @if let Some(source) = &item.source { (self.source_link(source)) " " }
        }
    }

    fn declined_section(&self) -> Markup {
        html! {
            section class="sheet" aria-labelledby="declined-h" {
                h2 id="declined-h" { "Proposals declined" }
                @if self.declined.is_empty() { p { "None declined." } }
                ul class="items" {
                    @for d in &self.declined {
                        li {
                            @if let Some(p) = self.proposed.get(&d.source.entry_id) {
                                strong { (p.list.heading()) ": " } (p.text) ". "
                            }
                            "Declined by " (d.author) ", " (d.job_title) ", " (when(d.at)) ". Reason: " (d.reason) " "
                            (self.source_link(&d.source))
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct TextForm {
    field: String,
    #[serde(default)]
    text: String,
}

/// `POST /console/people/{person}/text`.
pub async fn save_text<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(person_id): Path<String>,
    Form(form): Form<TextForm>,
) -> Page {
    let unit = person_unit(&console, &s, &person_id).await?;
    let field = SheetText::ALL
        .iter()
        .copied()
        .find(|f| f.key() == form.field)
        .ok_or_else(|| ConsoleError::Invalid("no such field on a support sheet".into()))?;
    let pid = person_id.clone();
    console
        .replica
        .write(&s.lead.name, move |st| {
            st.set_sheet_text(&pid, field, &form.text)
        })
        .await?;
    console
        .audit(
            &s,
            "change",
            &unit.unit_id,
            "sheet",
            &[&person_id],
            field.key(),
        )
        .await?;
    Ok(see_other(&format!("/console/people/{person_id}?saved=1")))
}

#[derive(Deserialize)]
pub struct ItemForm {
    list: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    intervention: String,
}

/// `POST /console/people/{person}/items`: adds a safety alert, list item or authorised
/// intervention.
pub async fn add_item<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(person_id): Path<String>,
    Form(form): Form<ItemForm>,
) -> Page {
    let unit = person_unit(&console, &s, &person_id).await?;
    let pid = person_id.clone();
    let list = form.list.clone();
    if list == SAFETY_ALERTS {
        console
            .replica
            .write(&s.lead.name, move |st| {
                st.add_safety_alert(&pid, &form.text, None)
            })
            .await?;
    } else if list == AUTHORISED {
        let kind = RestrictiveInterventionType::from_code(&form.intervention)
            .ok_or_else(|| ConsoleError::Invalid("choose an intervention type".into()))?;
        console
            .replica
            .write(&s.lead.name, move |st| {
                st.add_authorised_intervention(&pid, kind, &form.text)
            })
            .await?;
    } else {
        let which = SheetList::ALL
            .iter()
            .copied()
            .find(|l| l.key() == list)
            .ok_or_else(|| ConsoleError::Invalid("no such list on a support sheet".into()))?;
        console
            .replica
            .write(&s.lead.name, move |st| {
                st.add_sheet_item(&pid, which, &form.text, None)
            })
            .await?;
    }
    let entity = if list == SAFETY_ALERTS {
        "person"
    } else {
        "sheet"
    };
    console
        .audit(&s, "change", &unit.unit_id, entity, &[&person_id], &list)
        .await?;
    Ok(see_other(&format!("/console/people/{person_id}?saved=1")))
}

#[derive(Deserialize)]
pub struct RemoveForm {
    list: String,
    item_id: String,
}

/// `POST /console/people/{person}/items/remove`.
pub async fn remove_item<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(person_id): Path<String>,
    Form(form): Form<RemoveForm>,
) -> Page {
    let unit = person_unit(&console, &s, &person_id).await?;
    let pid = person_id.clone();
    let list = form.list.clone();
    let item = form.item_id.clone();
    if list == SAFETY_ALERTS {
        console
            .replica
            .write(&s.lead.name, move |st| st.remove_safety_alert(&pid, &item))
            .await?;
    } else if list == AUTHORISED {
        console
            .replica
            .write(&s.lead.name, move |st| {
                st.remove_authorised_intervention(&pid, &item)
            })
            .await?;
    } else {
        let which = SheetList::ALL
            .iter()
            .copied()
            .find(|l| l.key() == list)
            .ok_or_else(|| ConsoleError::Invalid("no such list on a support sheet".into()))?;
        console
            .replica
            .write(&s.lead.name, move |st| {
                st.remove_sheet_item(&pid, which, &item)
            })
            .await?;
    }
    let entity = if list == SAFETY_ALERTS {
        "person"
    } else {
        "sheet"
    };
    console
        .audit(
            &s,
            "change",
            &unit.unit_id,
            entity,
            &[&person_id],
            &format!("{list} removed"),
        )
        .await?;
    Ok(see_other(&format!("/console/people/{person_id}?saved=1")))
}

#[derive(Deserialize)]
pub struct ReviewForm {
    next_due: String,
}

fn parse_day(text: &str, field: &str) -> Result<NaiveDate, ConsoleError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| ConsoleError::Invalid(format!("{field}: give a date such as 2026-12-31")))
}

/// The first instant of `d` on a UK clock.
fn start_of(d: NaiveDate) -> Timestamp {
    steady_core::uk_time::start_of_day(d)
}

/// `POST /console/people/{person}/review`.
pub async fn review<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(person_id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Page {
    let unit = person_unit(&console, &s, &person_id).await?;
    let due = start_of(parse_day(&form.next_due, "Next review due")?);
    let pid = person_id.clone();
    console
        .replica
        .write(&s.lead.name, move |st| st.mark_sheet_reviewed(&pid, due))
        .await?;
    console
        .audit(
            &s,
            "change",
            &unit.unit_id,
            "sheet",
            &[&person_id],
            "review",
        )
        .await?;
    Ok(see_other(&format!("/console/people/{person_id}?saved=1")))
}

// ---------------------------------------------------------------------------------------------
// Enrolment

fn qr_svg(payload: &str) -> Result<String, ConsoleError> {
    let code = qrcode::QrCode::new(payload.as_bytes())
        .map_err(|e| ConsoleError::Internal(format!("QR code: {e}")))?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(format!(
        "<svg class=\"qr\" role=\"img\" aria-label=\"QR code for the enrolment code\" \
         xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

struct Issued {
    code: String,
    link: String,
    expires_at: Timestamp,
    qr: String,
}

async fn enrolment_page<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    s: &Session,
    unit: &Unit,
    issued: Option<Issued>,
) -> Page {
    let devices = console.storage.unit_devices(&unit.unit_id).await?;
    let now = Timestamp::now();
    Ok(html_page(views::page(
        &format!("Enrolment, {}", unit.name),
        s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        html! {
            h1 { "Enrolment" }
            @if let Some(i) = &issued {
                section aria-labelledby="issued-h" class="notice" {
                    h2 id="issued-h" { "New code" }
                    p { "Type this code on the phone, or scan the QR code. It works once, until " (when(i.expires_at)) "." }
                    p class="code" data-testid="enrolment-code" { (i.code) }
                    p { "QR payload: " code data-testid="enrolment-url" { (i.link) } }
                    (PreEscaped(&i.qr))
                }
            }
            h2 { "New enrolment code" }
            form method="post" action={ "/console/units/" (unit.unit_id) "/enrolment" } {
                (csrf(s))
                label for="role" { "Role" }
                select id="role" name="role" {
                    option value="editor" { "editor" }
                    option value="reader" { "reader" }
                }
                label for="grant_ends" { "Grant ends" }
                input type="date" id="grant_ends" name="grant_ends";
                button type="submit" { "Create code" }
            }
            h2 { "Devices" }
            @if devices.is_empty() { p { "No devices enrolled in this unit." } }
            @else {
                table {
                    caption { "Devices with access to " (unit.name) }
                    thead { tr { th scope="col" { "Device" } th scope="col" { "Role" } th scope="col" { "Enrolled" } th scope="col" { "Access" } th scope="col" { "Actions" } } }
                    tbody {
                        @for d in &devices {
                            @let ended = d.ends_at.is_some_and(|e| e <= now);
                            tr {
                                th scope="row" { (d.device.label) }
                                td { (d.role.as_str()) }
                                td { (when(d.device.enrolled_at)) }
                                td {
                                    @if let Some(r) = d.device.revoked_at { "Revoked " (when(r)) }
                                    @else if let Some(e) = d.ends_at { @if ended { "Ended " } @else { "Ends " } (when(e)) }
                                    @else { "Active" }
                                }
                                td {
                                    @if d.device.revoked_at.is_none() {
                                        @if !ended {
                                            form method="post" action={ "/console/units/" (unit.unit_id) "/devices/end-grant" } class="inline" {
                                                (csrf(s))
                                                input type="hidden" name="device_id" value=(d.device.device_id);
                                                button type="submit" class="secondary" { "End grant" }
                                            }
                                        }
                                        form method="post" action={ "/console/units/" (unit.unit_id) "/devices/revoke" } class="inline" {
                                            (csrf(s))
                                            input type="hidden" name="device_id" value=(d.device.device_id);
                                            button type="submit" class="danger" { "Revoke device" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )))
}

/// `GET /console/units/{unit}/enrolment`.
pub async fn enrolment<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    console
        .audit(&s, "view", &unit_id, "unit", &[&unit_id], "devices")
        .await?;
    enrolment_page(&console, &s, &unit, None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    role: String,
    #[serde(default)]
    grant_ends: String,
}

/// `POST /console/units/{unit}/enrolment`: issues a code through the same path as the CLI.
pub async fn issue_code<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Form(form): Form<CodeForm>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let role = match Role::parse(&form.role) {
        Some(r @ (Role::Reader | Role::Editor)) => r,
        _ => {
            return Err(ConsoleError::Invalid(
                "Role: choose editor or reader".into(),
            ));
        }
    };
    let ends_at = if form.grant_ends.trim().is_empty() {
        None
    } else {
        let d = parse_day(&form.grant_ends, "Grant ends")?;
        // The grant runs to the end of the day given, on a UK clock (midnight in Europe/London,
        // not UTC midnight, which is 01:00 in summer, mid shift).
        let end = steady_core::uk_time::end_of_day(d);
        if end <= Timestamp::now() {
            return Err(ConsoleError::Invalid(
                "Grant ends: must be today or later".into(),
            ));
        }
        Some(end)
    };
    let issued = admin::issue_code(
        console.storage.as_ref(),
        vec![GrantSpec {
            unit_id: unit_id.clone(),
            role,
            ends_at,
        }],
        Duration::from_secs(u64::from(admin::DEFAULT_VALID_HOURS) * 3600),
        admin::DEFAULT_ATTEMPTS,
        Timestamp::now(),
    )
    .await
    .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let code_id = issued
        .code
        .split('-')
        .next()
        .unwrap_or_default()
        .to_string();
    console
        .audit(
            &s,
            "issue_code",
            &unit_id,
            "enrolment_code",
            &[&code_id],
            role.as_str(),
        )
        .await?;
    let link = admin::enrolment_link(&console.config.server_url, &issued.code);
    let qr = qr_svg(&link)?;
    enrolment_page(
        &console,
        &s,
        &unit,
        Some(Issued {
            code: issued.code,
            link,
            expires_at: issued.expires_at,
            qr,
        }),
    )
    .await
}

#[derive(Deserialize)]
pub struct DeviceForm {
    device_id: String,
}

async fn device_in_unit<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    unit_id: &str,
    device_id: &str,
) -> Result<(), ConsoleError> {
    let devices = console.storage.unit_devices(unit_id).await?;
    if devices.iter().any(|d| d.device.device_id == device_id) {
        Ok(())
    } else {
        Err(ConsoleError::NotFound)
    }
}

/// `POST /console/units/{unit}/devices/end-grant`.
pub async fn end_grant<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Form(form): Form<DeviceForm>,
) -> Page {
    unit_for(&console, &s, &unit_id).await?;
    device_in_unit(&console, &unit_id, &form.device_id).await?;
    console
        .storage
        .end_grant(&form.device_id, &unit_id, Timestamp::now())
        .await?;
    console
        .audit(&s, "end_grant", &unit_id, "device", &[&form.device_id], "")
        .await?;
    Ok(see_other(&format!("/console/units/{unit_id}/enrolment")))
}

/// `POST /console/units/{unit}/devices/revoke`.
pub async fn revoke<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Form(form): Form<DeviceForm>,
) -> Page {
    unit_for(&console, &s, &unit_id).await?;
    device_in_unit(&console, &unit_id, &form.device_id).await?;
    // Revoking wipes the whole phone, its unsynced records of every unit included: a lead may
    // do it only to a device whose every live grant is in a unit of theirs, and which still
    // works in this one. Otherwise they end this unit's grant (the phone then pushes what it
    // recorded here and purges this unit only).
    let now = Timestamp::now();
    let live: Vec<String> = console
        .storage
        .grants(&form.device_id)
        .await?
        .into_iter()
        .filter(|(g, _)| g.ends_at.is_none_or(|end| end > now))
        .map(|(g, _)| g.unit_id)
        .collect();
    if !live.contains(&unit_id) {
        return Err(ConsoleError::Invalid(
            "This device no longer works in this unit: there is nothing here to revoke.".into(),
        ));
    }
    if live.iter().any(|u| !s.lead.units.contains(u)) {
        return Err(ConsoleError::Invalid(
            "This device also works in a unit that is not yours. End its grant in this unit \
             instead: revoking would wipe that unit's records from it too."
                .into(),
        ));
    }
    console.storage.revoke_device(&form.device_id, now).await?;
    console
        .audit(&s, "revoke", &unit_id, "device", &[&form.device_id], "")
        .await?;
    Ok(see_other(&format!("/console/units/{unit_id}/enrolment")))
}

// ---------------------------------------------------------------------------------------------
// Incidents

/// How many incidents a page of the incident list shows: a busy ward records thousands a year,
/// and one page of them all would be slow to send and hard to read.
pub const INCIDENTS_PER_PAGE: usize = 100;

/// How many incomplete uses of force a long incident list names above its first row.
const INCOMPLETE_LISTED: usize = 20;

/// `?page=N` of the incident list, parsed by [`page_number`] so a bad value gets the console's
/// own refusal page.
#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

/// The page asked for: 1 when absent; a clear refusal when not a whole number from 1.
fn page_number(asked: Option<&str>) -> Result<usize, ConsoleError> {
    match asked.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => p.parse::<usize>().ok().filter(|&n| n >= 1).ok_or_else(|| {
            ConsoleError::Invalid(format!("page must be a whole number from 1, not {p:?}"))
        }),
    }
}

/// `GET /console/units/{unit}/incidents?page=N`: newest first, [`INCIDENTS_PER_PAGE`] a page; a
/// page past the last shows the last.
pub async fn incidents<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Page {
    let asked = page_number(q.page.as_deref())?;
    let unit = unit_for(&console, &s, &unit_id).await?;
    // With each use of force, the s.6(5) items it lacks, by the core's own rule: a submitted
    // record that is incomplete (advice outside mental health units, or a modified client)
    // shows in the list, not only on its own page, and every page names the incomplete ones of
    // the whole unit, so paging cannot hide one.
    let counted = unit_incidents(&console, &unit_id).await?;
    let incomplete: Vec<_> = counted
        .incidents
        .iter()
        .zip(&counted.missing)
        .filter(|(i, missing)| !i.use_of_force.is_empty() && !missing.is_empty())
        .map(|(i, _)| (i.id.clone(), i.occurred_at))
        .collect();
    let total = counted.incidents.len();
    let pages = total.div_ceil(INCIDENTS_PER_PAGE).max(1);
    let page = asked.min(pages);
    let list: Vec<(IncidentSummary, Vec<S65Item>)> = counted
        .incidents
        .iter()
        .zip(&counted.missing)
        .skip((page - 1) * INCIDENTS_PER_PAGE)
        .take(INCIDENTS_PER_PAGE)
        .map(|(i, missing)| {
            let summary = IncidentSummary {
                id: i.id.clone(),
                unit_id: i.unit_id.clone(),
                status: i.status,
                occurred_at: i.occurred_at,
                about: i
                    .person_name
                    .clone()
                    .or_else(|| i.unidentified_person.clone())
                    .unwrap_or_default(),
                tags: i.tags.clone(),
                use_of_force: !i.use_of_force.is_empty(),
                pending_changes: 0,
            };
            let missing = if summary.use_of_force {
                missing.clone()
            } else {
                Vec::new()
            };
            (summary, missing)
        })
        .collect();
    console
        .audit(
            &s,
            "view",
            &unit_id,
            "unit",
            &[&unit_id],
            &format!("incident list page {page}"),
        )
        .await?;
    let first = (page - 1) * INCIDENTS_PER_PAGE + 1;
    let last = first + list.len().saturating_sub(1);
    let link = |n: usize| format!("/console/units/{}/incidents?page={n}", unit.unit_id);
    Ok(html_page(views::page(
        &format!("Incidents, {}", unit.name),
        &s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        html! {
            h1 { "Incidents" }
            @if pages > 1 && !incomplete.is_empty() {
                div class="alert" role="note" data-testid="s65-incomplete" {
                    p { strong { (incomplete.len()) " use" @if incomplete.len() > 1 { "s" } " of force in this unit lack" @if incomplete.len() == 1 { "s" } " s.6(5) items:" } }
                    ul {
                        @for (id, at) in incomplete.iter().take(INCOMPLETE_LISTED) {
                            li { a href={ "/console/incidents/" (id) } { (when(*at)) } }
                        }
                        @if incomplete.len() > INCOMPLETE_LISTED { li { "and " (incomplete.len() - INCOMPLETE_LISTED) " more" } }
                    }
                }
            }
            @if list.is_empty() { p { "No incidents recorded." } }
            @else {
                @if pages > 1 {
                    p data-testid="incident-range" { "Showing " (first) "–" (last) " of " (total) ", newest first (page " (page) " of " (pages) ")." }
                }
                table {
                    caption { "Incidents in " (unit.name) ", newest first" }
                    thead { tr { th scope="col" { "When" } th scope="col" { "About" } th scope="col" { "Status" } th scope="col" { "Use of force" } th scope="col" { "Tags" } } }
                    tbody {
                        @for (i, missing) in &list {
                            tr {
                                td { a href={ "/console/incidents/" (i.id) } { (when(i.occurred_at)) } }
                                td { (i.about) }
                                td { @match i.status { IncidentStatus::Submitted => "Submitted", IncidentStatus::Draft => "Draft" } }
                                td {
                                    @if !i.use_of_force { "No" }
                                    @else if missing.is_empty() { "Yes; s.6(5) complete" }
                                    @else { "Yes; " strong { "s.6(5) missing " (S65Item::letters(missing)) } }
                                }
                                td { (i.tags.iter().map(|t| t.label()).collect::<Vec<_>>().join(", ")) }
                            }
                        }
                    }
                }
                @if pages > 1 {
                    nav aria-label="Incident pages" class="pages" {
                        @if page > 1 { a href=(link(page - 1)) rel="prev" { "Newer incidents" } }
                        @if page < pages { a href=(link(page + 1)) rel="next" { "Older incidents" } }
                    }
                }
            }
        },
    )))
}

/// `GET /console/incidents/{incident}`.
pub async fn incident<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(incident_id): Path<String>,
) -> Page {
    let unit = incident_unit(&console, &s, &incident_id).await?;
    let iid = incident_id.clone();
    let (i, missing) = console
        .replica
        .read(move |st| Ok((st.incident(&iid)?, st.missing_use_of_force_items(&iid)?)))
        .await?;
    let mut ids: Vec<&str> = vec![&incident_id];
    if let Some(p) = &i.person_id {
        ids.push(p);
    }
    console
        .audit(&s, "view", &unit.unit_id, "incident", &ids, "incident")
        .await?;
    let submitted = i.status == IncidentStatus::Submitted;
    Ok(html_page(views::page(
        "Incident",
        &s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        html! {
            h1 { "Incident, " (when(i.occurred_at)) }
            p { strong { "Status: " } @if submitted { "Submitted" @if let Some(t) = i.submitted_at { " " (when(t)) } } @else { "Draft" } }
            (views::incident_record(&i, Timestamp::now()))
            h2 { "Completeness (Mental Health Units (Use of Force) Act 2018, s.6(5))" }
            @if i.use_of_force.is_empty() { p { "No use of force: s.6(5) does not apply." } }
            @else if missing.is_empty() { p class="notice" { "Complete: every item (a) to (p) is recorded." } }
            @else {
                p class="error" { "Missing " (missing.len()) " of 16 items:" }
                ul { @for m in &missing { li { "(" (m.letter()) ") " (m.description()) } } }
            }
            h2 { "Addenda" }
            @let plain: Vec<_> = i.addenda.iter().filter(|a| a.review.is_none() && a.observation.is_none()).collect();
            @if plain.is_empty() { p { "None (observations and reviews are shown above)." } }
            @for a in plain {
                article {
                    p { strong { (a.author) } ", " (a.job_title) ", " (when(a.at)) }
                    p { "Reason: " (a.reason) }
                    p { (a.text) }
                }
            }
            @if submitted {
                h2 { "Add addendum" }
                form method="post" action={ "/console/incidents/" (incident_id) "/addenda" } {
                    (csrf(&s))
                    label for="reason" { "Reason" }
                    input type="text" id="reason" name="reason" required maxlength="500" value="Review by a lead";
                    label for="addendum" { "Addendum" }
                    textarea id="addendum" name="text" required maxlength="4000" {}
                    button type="submit" { "Add addendum" }
                }
            } @else {
                p { "Addenda are added once the incident is submitted; until then the person who recorded it completes the draft." }
            }
        },
    )))
}

#[derive(Deserialize)]
pub struct AddendumForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    text: String,
}

/// `POST /console/incidents/{incident}/addenda`.
pub async fn add_addendum<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(incident_id): Path<String>,
    Form(form): Form<AddendumForm>,
) -> Page {
    let unit = incident_unit(&console, &s, &incident_id).await?;
    let iid = incident_id.clone();
    let item = console
        .replica
        .write(&s.lead.name, move |st| {
            st.add_addendum(&iid, &form.reason, &form.text)
        })
        .await?;
    console
        .audit(
            &s,
            "addendum",
            &unit.unit_id,
            "incident",
            &[&incident_id],
            &item,
        )
        .await?;
    Ok(see_other(&format!("/console/incidents/{incident_id}")))
}

// ---------------------------------------------------------------------------------------------
// Proposals for plans: the review queue of changes proposed from incidents and debriefs

#[derive(Deserialize)]
pub struct ProposalsQuery {
    done: Option<String>,
}

/// The name a person is called by in a list.
fn name_to_use(p: &steady_core::people::PersonSummary) -> String {
    p.preferred_name
        .clone()
        .unwrap_or_else(|| p.display_name.clone())
}

/// `GET /console/units/{unit}/proposals`: every proposal from the unit's incidents that no
/// sheet has accepted or declined yet, oldest first, each with Accept and Decline.
pub async fn proposals<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Query(q): Query<ProposalsQuery>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let id = unit_id.clone();
    let (queue, people) = console
        .replica
        .read(move |st| Ok((st.plan_proposals(&id)?, st.people(&id)?)))
        .await?;
    let names: std::collections::HashMap<String, String> = people
        .iter()
        .map(|p| (p.id.clone(), name_to_use(p)))
        .collect();
    console
        .audit(&s, "view", &unit_id, "unit", &[&unit_id], "plan proposals")
        .await?;
    let notice = match q.done.as_deref() {
        Some("accepted") => {
            Some("Accepted: the item is on the person's sheet, linked to its incident.")
        }
        Some("declined") => Some("Declined: the reason is kept on the person's sheet."),
        _ => None,
    };
    Ok(html_page(views::page(
        &format!("Proposals for plans, {}", unit.name),
        &s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        html! {
            h1 { "Proposals for plans" }
            @if let Some(n) = notice { p class="notice" role="status" { (n) } }
            p { "Changes to support sheets proposed from incidents and debriefs by the staff who were there. Accepting adds the item to the person's sheet with a link to its incident; declining keeps your reason on the sheet." }
            @if queue.is_empty() { p data-testid="no-proposals" { "No proposals are waiting." } }
            @for (n, p) in queue.iter().enumerate() {
                @let heading_id = format!("proposal-{n}");
                article class="proposal" aria-labelledby=(heading_id) data-testid="proposal" {
                    h2 id=(heading_id) {
                        a href={ "/console/people/" (p.person_id) } { (names.get(&p.person_id).map_or("A person", String::as_str)) }
                        ": " (p.proposal.list.heading())
                    }
                    p class="words" { (p.proposal.text) }
                    p {
                        "Proposed by " (p.proposed_by)
                        @if !p.job_title.is_empty() { ", " (p.job_title) }
                        ", " (when(p.proposed_at)) ", from "
                        a href={ "/console/incidents/" (p.source.incident_id) } { "the incident of " (when(p.incident_at)) }
                        "."
                    }
                    div class="decide" {
                        form method="post" action={ "/console/units/" (unit.unit_id) "/proposals/accept" } {
                            (csrf(&s))
                            input type="hidden" name="incident_id" value=(p.source.incident_id);
                            input type="hidden" name="entry_id" value=(p.source.entry_id);
                            button type="submit" aria-label={ "Accept: " (p.proposal.text) } { "Accept" }
                        }
                        form method="post" action={ "/console/units/" (unit.unit_id) "/proposals/decline" } {
                            (csrf(&s))
                            input type="hidden" name="incident_id" value=(p.source.incident_id);
                            input type="hidden" name="entry_id" value=(p.source.entry_id);
                            label for={ "reason-" (n) } { "Reason for declining (kept on the sheet)" }
                            textarea id={ "reason-" (n) } name="reason" required maxlength=(steady_core::proposals::REASON_CHARS) {}
                            button type="submit" class="secondary" aria-label={ "Decline: " (p.proposal.text) } { "Decline" }
                        }
                    }
                }
            }
        },
    )))
}

#[derive(Deserialize)]
pub struct ProposalForm {
    #[serde(default)]
    incident_id: String,
    #[serde(default)]
    entry_id: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/units/{unit}/proposals/accept`.
pub async fn accept_proposal<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Form(form): Form<ProposalForm>,
) -> Page {
    settle_proposal(&console, &s, &unit_id, form, true).await
}

/// `POST /console/units/{unit}/proposals/decline`: needs a reason.
pub async fn decline_proposal<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Form(form): Form<ProposalForm>,
) -> Page {
    settle_proposal(&console, &s, &unit_id, form, false).await
}

/// Accepts or declines a proposal waiting in `unit_id`'s queue, through the replica as the
/// signed-in lead (the core checks the role: editor or lead of the unit).
async fn settle_proposal<S: Storage + ConsoleStorage>(
    console: &Arc<Console<S>>,
    s: &Session,
    unit_id: &str,
    form: ProposalForm,
    accept: bool,
) -> Page {
    let unit = unit_for(console, s, unit_id).await?;
    let reason = form.reason.trim().to_string();
    if !accept && reason.is_empty() {
        return Err(ConsoleError::Invalid(
            "Give a reason for declining the proposal: it is kept on the person's sheet, for \
             the staff who proposed it to read."
                .into(),
        ));
    }
    let source = ItemSource {
        incident_id: form.incident_id.trim().to_string(),
        entry_id: form.entry_id.trim().to_string(),
    };
    let uid = unit.unit_id.clone();
    let settled = console
        .replica
        .write(&s.lead.name, move |st| {
            // Only a proposal still waiting in this unit's queue: one from another unit, or
            // settled already, is not there.
            let Some(p) = st
                .plan_proposals(&uid)?
                .into_iter()
                .find(|p| p.source == source)
            else {
                return Ok(None);
            };
            if accept {
                st.accept_proposal(&source)?;
            } else {
                st.decline_proposal(&source, &reason)?;
            }
            Ok(Some((p.person_id, p.proposal.list, source.incident_id)))
        })
        .await
        .map_err(|e| match e {
            super::replica::ReplicaError::Core(steady_core::Error::NotAllowed(r)) => {
                ConsoleError::Refused(format!(
                    "Only an editor of the person's support sheet or a lead of the unit can \
                     accept or decline proposals, and the console does not hold that role in \
                     {} ({r}). Nothing was changed.",
                    unit.name
                ))
            }
            other => ConsoleError::from(other),
        })?;
    let Some((person_id, list, incident_id)) = settled else {
        return Err(ConsoleError::Invalid(
            "That proposal is no longer waiting: it has been accepted or declined already. \
             Nothing was changed."
                .into(),
        ));
    };
    let what = if accept { "accepted" } else { "declined" };
    console
        .audit(
            s,
            "change",
            &unit.unit_id,
            "sheet",
            &[&person_id],
            &format!(
                "proposal {what}: {} from incident {incident_id}",
                list.key()
            ),
        )
        .await?;
    Ok(see_other(&format!(
        "/console/units/{}/proposals?done={what}",
        unit.unit_id
    )))
}

// ---------------------------------------------------------------------------------------------
// The shift huddle

#[derive(Deserialize)]
pub struct HuddleQuery {
    hours: Option<String>,
}

/// The look-backs the huddle offers.
pub const HUDDLE_CHOICES: [u32; 2] = [24, 72];

/// `GET /console/units/{unit}/huddle?hours=24|72`: who had red or amber events or a moderate
/// or high checklist, the open drafts and the overdue sheets (the core's huddle), and each
/// person's checklist runs as a series.
pub async fn huddle<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Query(q): Query<HuddleQuery>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let hours = match q.hours.as_deref().map(str::trim) {
        None | Some("") => 24,
        Some(h) => h
            .parse::<u32>()
            .ok()
            .filter(|h| HUDDLE_CHOICES.contains(h))
            .ok_or_else(|| ConsoleError::Invalid("Choose the last 24 or 72 hours.".into()))?,
    };
    let id = unit_id.clone();
    let (h, series, people) = console
        .replica
        .read(move |st| {
            let h = st.shift_huddle(&id, hours)?;
            let series = h
                .people
                .iter()
                .map(|p| st.checklist_history(&p.person_id))
                .collect::<steady_core::Result<Vec<_>>>()?;
            Ok((h, series, st.people(&id)?))
        })
        .await?;
    console
        .audit(
            &s,
            "view",
            &unit_id,
            "unit",
            &[&unit_id],
            &format!("shift huddle {hours} h"),
        )
        .await?;
    Ok(html_page(views::page(
        &format!("Shift huddle, {}", unit.name),
        &s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        maud::html! {
            (views::huddle(&unit.unit_id, hours, &HUDDLE_CHOICES, &h, &series))
            (super::handover::notes_section(&s, &unit.unit_id, hours, &h.notes, &people))
        },
    )))
}

// ---------------------------------------------------------------------------------------------
// Dashboard and exports

/// The months a dashboard's run charts cover.
pub const DASHBOARD_MONTHS: u32 = 12;

/// The month asked for, or this month on a UK clock.
fn month_or_now(asked: Option<String>) -> String {
    let today = uk_time::local(Timestamp::now()).date();
    asked
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| format!("{:04}-{:02}", today.year(), today.month()))
}

fn month_form(action: &str, month: &str, extra: Markup) -> Markup {
    html! {
        form method="get" action=(action) class="month" {
            (extra)
            label for="month" { "Month (YYYY-MM)" }
            input type="text" id="month" name="month" value=(month) pattern="[0-9]{4}-[0-9]{2}" inputmode="numeric";
            button type="submit" { "Show" }
        }
    }
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    month: Option<String>,
    saved: Option<String>,
}

/// `GET /console/units/{unit}/dashboard?month=YYYY-MM`: the month's figures, the run charts of
/// the twelve months to it (rates per 1,000 occupied bed days when entered), and the bed days
/// form.
pub async fn dashboard<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Query(q): Query<DashboardQuery>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let month = month_or_now(q.month);
    let counted = unit_incidents(&console, &unit_id).await?;
    let incidents = &counted.incidents;
    let now = Timestamp::now();
    let current = figures::month_figures(incidents, &month, now)
        .map_err(|e| ConsoleError::Invalid(e.to_string()))?;
    let entered = console
        .storage
        .bed_days(std::slice::from_ref(&unit_id))
        .await?;
    let beds: std::collections::BTreeMap<String, u32> = entered
        .iter()
        .map(|b| (b.month.clone(), b.bed_days))
        .collect();
    let direction = figures::dashboard::dashboard(incidents, &beds, &month, DASHBOARD_MONTHS)
        .map_err(|e| ConsoleError::Invalid(e.to_string()))?;
    console
        .audit(
            &s,
            "view",
            &unit_id,
            "unit",
            &[&unit_id],
            &format!("dashboard {month}"),
        )
        .await?;
    let fragment = figures::render_dashboard_tables_and_charts(&current, &[]);
    let action = format!("/console/units/{}/dashboard", unit.unit_id);
    Ok(html_page(views::page(
        &format!("Dashboard, {}", unit.name),
        &s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        html! {
            h1 { "Dashboard" }
            @if q.saved.is_some() { p class="notice" role="status" { "Bed days saved." } }
            (month_form(&action, &month, html! {}))
            (figures::render_run_charts(&direction, &unit.name))
            section aria-labelledby="month-figures-heading" {
                h2 id="month-figures-heading" { "The month's figures" }
                div class="charts" { (PreEscaped(fragment)) }
            }
            section aria-labelledby="bed-days-heading" data-testid="bed-days" {
                h2 id="bed-days-heading" { "Enter occupied bed days" }
                p { "The denominator of the rates: the number of beds occupied at midnight, summed over the month's days (from the unit's bed management)." }
                table {
                    caption { "Occupied bed days entered, the " (DASHBOARD_MONTHS) " months charted" }
                    thead { tr { th scope="col" { "Month" } th scope="col" { "Occupied bed days" } } }
                    tbody {
                        @for (m, b) in direction.months.iter().zip(&direction.bed_days) {
                            tr { th scope="row" { (m) } td { @if let Some(b) = b { (b) } @else { "Not entered" } } }
                        }
                    }
                }
                form method="post" action={ "/console/units/" (unit.unit_id) "/bed-days" } {
                    (csrf(&s))
                    label for="bed-month" { "Month of the bed days (YYYY-MM)" }
                    input type="text" id="bed-month" name="month" value=(month) required pattern="[0-9]{4}-[0-9]{2}" inputmode="numeric";
                    label for="bed-days" { "Occupied bed days" }
                    input type="text" id="bed-days" name="bed_days" inputmode="numeric" pattern="[0-9]{0,7}" aria-describedby="bed-days-hint";
                    p id="bed-days-hint" { "A whole number; leave it empty to remove the month's figure." }
                    button type="submit" { "Save bed days" }
                }
            }
        },
    )))
}

#[derive(Deserialize)]
pub struct BedDaysForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    bed_days: String,
}

/// The most occupied bed days a unit may have in a month (a thousand beds, every night).
pub const MAX_BED_DAYS: u32 = 31_000;

/// `POST /console/units/{unit}/bed-days`: sets (or, left empty, removes) a month's occupied
/// bed days.
pub async fn set_bed_days<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Form(form): Form<BedDaysForm>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let month = form.month.trim().to_string();
    figures::month_figures(&[], &month, Timestamp::now())
        .map_err(|e| ConsoleError::Invalid(e.to_string()))?;
    let text = form.bed_days.trim();
    let bed_days = if text.is_empty() {
        None
    } else {
        Some(
            text.parse::<u32>()
                .ok()
                .filter(|n| *n <= MAX_BED_DAYS)
                .ok_or_else(|| {
                    ConsoleError::Invalid(format!(
                        "Occupied bed days are a whole number from 0 to {MAX_BED_DAYS}."
                    ))
                })?,
        )
    };
    let entry = super::store::BedDays {
        unit_id: unit.unit_id.clone(),
        month: month.clone(),
        bed_days: bed_days.unwrap_or(0),
        entered_by: s.lead.lead_id.clone(),
        entered_at: Timestamp::now(),
    };
    console.storage.bed_days_set(&entry, bed_days).await?;
    console
        .audit(
            &s,
            "bed_days",
            &unit_id,
            "unit",
            &[&unit_id],
            &format!("bed days {month}"),
        )
        .await?;
    Ok(see_other(&format!(
        "/console/units/{unit_id}/dashboard?month={month}&saved=1"
    )))
}

#[derive(Deserialize)]
pub struct RollUpQuery {
    month: Option<String>,
    organisation: Option<String>,
}

/// `GET /console/roll-up?organisation=NAME&month=YYYY-MM`: the run charts over all the lead's
/// units in one organisation (bed days summed, rates only for months every unit entered), and
/// the month unit by unit.
pub async fn roll_up<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Query(q): Query<RollUpQuery>,
) -> Page {
    let units: Vec<Unit> = console
        .storage
        .units()
        .await?
        .into_iter()
        .filter(|u| s.may_see(&u.unit_id))
        .collect();
    let organisations: BTreeSet<String> = units.iter().map(|u| u.organisation.clone()).collect();
    let organisation = match q.organisation.filter(|o| !o.is_empty()) {
        Some(o) if organisations.contains(&o) => o,
        Some(_) => return Err(ConsoleError::NotFound),
        None => organisations
            .iter()
            .next()
            .cloned()
            .ok_or(ConsoleError::NotFound)?,
    };
    let units: Vec<Unit> = units
        .into_iter()
        .filter(|u| u.organisation == organisation)
        .collect();
    let month = month_or_now(q.month);
    let ids: Vec<String> = units.iter().map(|u| u.unit_id.clone()).collect();
    // One pull for every unit; the counting reads the kept incidents, never copies them.
    let per_unit = console.replica.units_incidents(ids.clone()).await?;
    let entered = console.storage.bed_days(&ids).await?;
    let triples: Vec<(String, String, u32)> = entered
        .iter()
        .map(|b| (b.unit_id.clone(), b.month.clone(), b.bed_days))
        .collect();
    let beds = figures::dashboard::combined_bed_days(&ids, &triples);
    let direction = figures::dashboard::dashboard(
        per_unit.iter().flat_map(|of_unit| of_unit.incidents.iter()),
        &beds,
        &month,
        DASHBOARD_MONTHS,
    )
    .map_err(|e| ConsoleError::Invalid(e.to_string()))?;
    // The month, unit by unit: its own counts and rate.
    let mut rows = Vec::new();
    for (u, of_unit) in units.iter().zip(&per_unit) {
        let own: std::collections::BTreeMap<String, u32> = entered
            .iter()
            .filter(|b| b.unit_id == u.unit_id)
            .map(|b| (b.month.clone(), b.bed_days))
            .collect();
        let d = figures::dashboard::dashboard(&of_unit.incidents, &own, &month, 1)
            .map_err(|e| ConsoleError::Invalid(e.to_string()))?;
        rows.push((u, d));
    }
    console
        .audit_units(&s, "view", &ids, &format!("roll-up {month}"))
        .await?;
    let scope = format!("{organisation} ({} units)", units.len());
    Ok(html_page(views::page(
        &format!("Roll-up, {organisation}"),
        &s,
        None,
        html! {
            h1 { "Roll-up: " (organisation) }
            p { "Every unit of yours in " (organisation) ": "
                (units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join(", ")) "." }
            (month_form("/console/roll-up", &month, html! {
                input type="hidden" name="organisation" value=(organisation);
            }))
            @if organisations.len() > 1 {
                nav aria-label="Organisations" { ul {
                    @for o in &organisations {
                        li { a href={ "/console/roll-up?organisation=" (urlencode(o)) "&month=" (month) } { (o) } }
                    }
                } }
            }
            table data-testid="roll-up-units" {
                caption { "Each unit in " (figures_month_name(&month)) " (rates per 1,000 occupied bed days where entered)" }
                thead { tr {
                    th scope="col" { "Unit" }
                    th scope="col" { "Occupied bed days" }
                    @for series in figures::dashboard::Series::ALL { th scope="col" { (series.title()) } }
                } }
                tbody {
                    @for (u, d) in &rows {
                        tr {
                            th scope="row" { a href={ "/console/units/" (u.unit_id) "/dashboard?month=" (month) } { (u.name) } }
                            td { @if let Some(Some(b)) = d.bed_days.first() { (b) } @else { "Not entered" } }
                            @for run in &d.series {
                                td {
                                    (run.counts[0])
                                    @if d.basis == figures::dashboard::Basis::PerThousandBedDays {
                                        " (" (format!("{:.1}", run.values[0])) ")"
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (figures::render_run_charts(&direction, &scope))
        },
    )))
}

/// A form value as a query string value.
fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)])
        .map(|s| s[2..].to_string())
        .unwrap_or_default()
}

/// "November 2026" for a checked `YYYY-MM`.
fn figures_month_name(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let m: usize = month[5..].parse().unwrap_or(1);
    format!("{} {}", NAMES[m.clamp(1, 12) - 1], &month[..4])
}

/// `GET /console/units/{unit}/exports`.
pub async fn exports<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let id = unit_id.clone();
    let people = console.replica.read(move |st| st.people(&id)).await?;
    console
        .audit(&s, "view", &unit_id, "unit", &[&unit_id], "exports")
        .await?;
    let today = uk_time::local(Timestamp::now()).date();
    let from = today - chrono::Duration::days(90);
    Ok(html_page(views::page(
        &format!("Exports, {}", unit.name),
        &s,
        Some(UnitNav {
            id: &unit.unit_id,
            name: &unit.name,
        }),
        html! {
            h1 { "Exports" }
            h2 { "Restrictive interventions" }
            p { "Each file covers the last 90 days (UK dates and times). Injury is exported as staff answered it, never read from the descriptions. docs/exports.md lists every column and the MHSDS field it maps to." }
            ul {
                @for (stem, name, what) in [
                    ("mhs505-restrictive-intervention-incident", "MHS505 Restrictive Intervention Incident (CSV)", "MHSDS v5: one row per incident, with its reason and post-incident review."),
                    ("mhs515-restrictive-intervention-type", "MHS515 Restrictive Intervention Type (CSV)", "MHSDS v5: one row per intervention, with its own times and the injury indicators."),
                    ("restrictive-interventions", "Restrictive interventions (CSV)", "One row per use of force, MHSDS-coded (the older layout)."),
                    ("restrictive-practice-summary", "Monthly summary (CSV)", "Incidents, successful de-escalations and near misses as separate series, month by month."),
                ] {
                    li {
                        a href={ "/console/units/" (unit.unit_id) "/exports/" (stem) ".csv?from=" (from) "&to=" (today) } { (name) }
                        " — " (what)
                    }
                }
            }
            p { "Other dates: each link takes ?from=YYYY-MM-DD&to=YYYY-MM-DD; the form below downloads the older layout." }
            form method="get" action={ "/console/units/" (unit.unit_id) "/exports/restrictive-interventions.csv" } {
                label for="from" { "From" }
                input type="date" id="from" name="from" required value=(from);
                label for="to" { "To" }
                input type="date" id="to" name="to" required value=(today);
                button type="submit" { "Download CSV" }
            }
            h2 { "Subject-access exports" }
            p { "Everything held about one person: their record, support sheet, incidents, and the audit history." }
            ul {
                @for p in &people {
                    li { a href={ "/console/people/" (p.id) "/subject-access" } { "Subject access: " (p.display_name) } }
                }
            }
        },
    )))
}

#[derive(Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Which CSV an export route answers with.
#[derive(Clone, Copy)]
enum CsvExport {
    /// The older one-row-per-use-of-force file.
    Interventions,
    /// MHSDS v5 MHS505 Restrictive Intervention Incident.
    Mhs505,
    /// MHSDS v5 MHS515 Restrictive Intervention Type.
    Mhs515,
    /// The monthly summary of the separate series.
    Summary,
}

impl CsvExport {
    /// The file name's stem, which is also the route's.
    fn stem(self) -> &'static str {
        match self {
            CsvExport::Interventions => "restrictive-interventions",
            CsvExport::Mhs505 => "mhs505-restrictive-intervention-incident",
            CsvExport::Mhs515 => "mhs515-restrictive-intervention-type",
            CsvExport::Summary => "restrictive-practice-summary",
        }
    }
}

/// `GET /console/units/{unit}/exports/restrictive-interventions.csv?from=&to=`.
pub async fn interventions_csv<S: Storage + ConsoleStorage>(
    console: St<S>,
    session: Extension<Session>,
    unit_id: Path<String>,
    q: Query<RangeQuery>,
) -> Page {
    csv_export(console, session, unit_id, q, CsvExport::Interventions).await
}

/// `GET /console/units/{unit}/exports/mhs505-restrictive-intervention-incident.csv?from=&to=`.
pub async fn mhs505_csv<S: Storage + ConsoleStorage>(
    console: St<S>,
    session: Extension<Session>,
    unit_id: Path<String>,
    q: Query<RangeQuery>,
) -> Page {
    csv_export(console, session, unit_id, q, CsvExport::Mhs505).await
}

/// `GET /console/units/{unit}/exports/mhs515-restrictive-intervention-type.csv?from=&to=`.
pub async fn mhs515_csv<S: Storage + ConsoleStorage>(
    console: St<S>,
    session: Extension<Session>,
    unit_id: Path<String>,
    q: Query<RangeQuery>,
) -> Page {
    csv_export(console, session, unit_id, q, CsvExport::Mhs515).await
}

/// `GET /console/units/{unit}/exports/restrictive-practice-summary.csv?from=&to=`.
pub async fn summary_csv<S: Storage + ConsoleStorage>(
    console: St<S>,
    session: Extension<Session>,
    unit_id: Path<String>,
    q: Query<RangeQuery>,
) -> Page {
    csv_export(console, session, unit_id, q, CsvExport::Summary).await
}

/// One CSV export of a unit over UK dates `from` to `to` (the last 90 days without them),
/// audited as an export of the incidents it covers.
async fn csv_export<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Query(q): Query<RangeQuery>,
    kind: CsvExport,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    // Without dates: the last 90 days, as the exports page offers.
    let today = uk_time::local(Timestamp::now()).date();
    let from = match q.from.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => parse_day(t, "from")?,
        None => today - chrono::Duration::days(90),
    };
    let to = match q.to.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => parse_day(t, "to")?,
        None => today,
    };
    if to < from {
        return Err(ConsoleError::Invalid("to: must not be before from".into()));
    }
    let counted = unit_incidents(&console, &unit_id).await?;
    let incidents = &counted.incidents;
    let ids: Vec<&str> = incidents
        .iter()
        .filter(|i| matches!(kind, CsvExport::Summary) || !i.use_of_force.is_empty())
        .map(|i| i.id.as_str())
        .collect();
    console
        .audit(
            &s,
            "export",
            &unit_id,
            "incident",
            &ids,
            &format!("{} CSV {from} to {to}", kind.stem()),
        )
        .await?;
    let csv = match kind {
        CsvExport::Interventions => {
            figures::restrictive_interventions_csv(&unit_id, &unit.name, incidents, from, to)
        }
        CsvExport::Mhs505 => figures::mhs505_csv(&unit_id, incidents, from, to),
        CsvExport::Mhs515 => figures::mhs515_csv(&unit_id, incidents, from, to),
        CsvExport::Summary => figures::summary_csv(incidents, from, to, Timestamp::now()),
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!(
        "attachment; filename=\"{}-{unit_id}-{from}-{to}.csv\"",
        kind.stem()
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((StatusCode::OK, headers, csv).into_response())
}

/// The unit (of the lead's) that held a person who has been removed: their tombstoned record
/// is still in the server's store, or an incident in the unit names them.
async fn removed_person_unit<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    session: &Session,
    person_id: &str,
) -> Result<Unit, ConsoleError> {
    for unit in &session.lead.units {
        let held = subject_access::held_about(console.storage.as_ref(), unit, person_id).await?;
        if held.person.is_some() {
            return unit_for(console, session, unit).await;
        }
    }
    // A person removed everywhere: the first of the lead's units with an incident naming them
    // (rare, so the units are read whole).
    let units = session.lead.units.clone();
    let id = person_id.to_string();
    let found = console
        .replica
        .read(move |s: &Store| {
            Ok(units.into_iter().find(|unit| {
                s.incidents(unit).is_ok_and(|list| {
                    list.iter().any(|summary| {
                        s.incident(&summary.id)
                            .is_ok_and(|i| i.person_id.as_deref() == Some(id.as_str()))
                    })
                })
            }))
        })
        .await?;
    match found {
        Some(unit) => unit_for(console, session, &unit).await,
        None => Err(ConsoleError::NotFound),
    }
}

/// `GET /console/people/{person}/subject-access`: everything held about one person, as JSON,
/// with third parties redacted ([`subject_access`]); also for a person who has been removed.
pub async fn subject_access<S: Storage + ConsoleStorage>(
    State(console): St<S>,
    Extension(s): Extension<Session>,
    Path(person_id): Path<String>,
) -> Page {
    let unit = match person_unit(&console, &s, &person_id).await {
        Ok(unit) => unit,
        Err(ConsoleError::NotFound) => removed_person_unit(&console, &s, &person_id).await?,
        Err(e) => return Err(e),
    };
    let held =
        subject_access::held_about(console.storage.as_ref(), &unit.unit_id, &person_id).await?;
    let pid = person_id.clone();
    let unit_id = unit.unit_id.clone();
    let run_ids: Vec<String> = held.checklist_runs.keys().cloned().collect();
    let (person, sheet, incidents, others, core_audit) = console
        .replica
        .read(move |st| {
            // A removed person has no live record or sheet: the held ones stand in below.
            let people = st.people(&unit_id)?;
            let live = people.iter().any(|p| p.id == pid);
            let (person, sheet) = if live {
                (Some(st.person(&pid)?), Some(st.support_sheet(&pid)?))
            } else {
                (None, None)
            };
            let others: Vec<(String, Option<String>)> = people
                .into_iter()
                .filter(|p| p.id != pid)
                .map(|p| (p.display_name, p.preferred_name))
                .collect();
            let mut incidents = Vec::new();
            for summary in st.incidents(&unit_id)? {
                let i = st.incident(&summary.id)?;
                if i.person_id.as_deref() == Some(pid.as_str()) {
                    incidents.push(i);
                }
            }
            let mut ids: BTreeSet<String> = BTreeSet::from([pid.clone()]);
            ids.extend(incidents.iter().map(|i| i.id.clone()));
            ids.extend(run_ids);
            let mut trail = Vec::new();
            for id in &ids {
                trail.extend(st.audit_trail_for(id)?);
            }
            trail.sort_by_key(|e| e.seq);
            Ok((person, sheet, incidents, others, trail))
        })
        .await?;
    let mut ids: Vec<String> = vec![person_id.clone()];
    ids.extend(incidents.iter().map(|i| i.id.clone()));
    ids.extend(held.checklist_runs.keys().cloned());
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    console
        .audit(
            &s,
            "export",
            &unit.unit_id,
            "person",
            &id_refs,
            "subject access",
        )
        .await?;
    let console_audit = console.storage.console_audit_about(&ids).await?;
    // The phones' own audit trails about these records (src/audit_log.rs).
    let device_audit = console.storage.device_audit_about(&ids).await?;

    // The person as the console sees them, or as the server still holds them once removed.
    let removed = person.is_none();
    let mut person_json = match &person {
        Some(p) => serde_json::to_value(p).map_err(|e| ConsoleError::Internal(e.to_string()))?,
        None => {
            let mut v = held
                .person
                .as_ref()
                .map(subject_access::HeldRecord::to_json)
                .unwrap_or_else(|| serde_json::json!({}));
            if let Some(map) = v.as_object_mut() {
                map.insert("id".into(), serde_json::json!(person_id));
            }
            v
        }
    };
    if let Some(map) = person_json.as_object_mut() {
        map.insert("removed".into(), serde_json::json!(removed));
    }
    // Redaction: keep the person's own names; other staff become their role, others "another
    // person".
    let own: Vec<String> = [
        person.as_ref().map(|p| p.display_name.clone()),
        person.as_ref().and_then(|p| p.preferred_name.clone()),
        held.person
            .as_ref()
            .and_then(|h| h.text("display_name").map(str::to_string)),
        held.person
            .as_ref()
            .and_then(|h| h.text("preferred_name").map(str::to_string)),
    ]
    .into_iter()
    .flatten()
    .chain(incidents.iter().filter_map(|i| i.person_name.clone()))
    .chain(
        incidents
            .iter()
            .filter_map(|i| i.subject.as_ref().map(|s| s.name.clone())),
    )
    .collect();
    let mut redactor = subject_access::Redactor::new(own.iter().map(String::as_str));
    incidents.iter().for_each(|i| redactor.staff_of(i));
    for run in held.checklist_runs.values() {
        redactor.staff(run.text("by").unwrap_or_default(), "");
    }
    for event in &core_audit {
        redactor.staff(&event.actor, "");
    }
    for entry in &device_audit {
        redactor.staff(&entry.event.actor, "");
    }
    for (name, preferred) in &others {
        redactor.other_person(name);
        redactor.other_person(preferred.as_deref().unwrap_or_default());
    }
    redactor.json(&mut person_json);
    let mut sheet_json = match &sheet {
        Some(sheet) => {
            serde_json::to_value(sheet).map_err(|e| ConsoleError::Internal(e.to_string()))?
        }
        None => held
            .sheet
            .as_ref()
            .map_or(serde_json::Value::Null, subject_access::HeldRecord::to_json),
    };
    redactor.json(&mut sheet_json);
    let incidents_json: Vec<serde_json::Value> =
        incidents.iter().map(|i| redactor.incident(i)).collect();
    let runs_json: Vec<serde_json::Value> = held
        .checklist_runs
        .iter()
        .map(|(id, run)| redactor.checklist_run(id, run))
        .collect();
    let audit_json: Vec<serde_json::Value> = core_audit
        .iter()
        .map(|event| {
            let mut v = serde_json::to_value(event).unwrap_or_default();
            if let Some(map) = v.as_object_mut() {
                map.insert(
                    "actor".into(),
                    serde_json::json!(redactor.staff_name(&event.actor)),
                );
            }
            v
        })
        .collect();
    let mut console_audit_json =
        serde_json::to_value(&console_audit).map_err(|e| ConsoleError::Internal(e.to_string()))?;
    for entry in console_audit_json.as_array_mut().into_iter().flatten() {
        if let Some(map) = entry.as_object_mut() {
            map.insert("lead_id".into(), serde_json::json!(subject_access::A_LEAD));
        }
    }
    let document = serde_json::json!({
        "export": "subject access",
        "generated_at": Timestamp::now(),
        "generated_by": subject_access::A_LEAD,
        "unit": { "unit_id": unit.unit_id, "name": unit.name, "organisation": unit.organisation },
        "person": person_json,
        "support_sheet": sheet_json,
        "incidents": incidents_json,
        "checklist_runs": runs_json,
        "audit_trail": audit_json,
        "console_audit": console_audit_json,
        "device_audit": crate::audit_log::export_section(&device_audit, |a| redactor.staff_name(a)),
        "redaction": "Other staff are named by their job title (or 'a member of staff') and other \
                      people as 'another person', in the name fields and wherever their full name \
                      appears in the text; the person's own data is kept. Only names the records hold \
                      are found: read the whole export before it is released.",
        "notes": "audit_trail is the console replica's own trail (the phones' own trails are in device_audit); \
                  console_audit lists when a lead viewed, changed or exported these records in the console.",
    });
    let body = serde_json::to_string_pretty(&document)
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"subject-access-{person_id}.json\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((StatusCode::OK, headers, body).into_response())
}
