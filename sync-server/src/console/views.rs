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
use steady_core::clock::Timestamp;
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
