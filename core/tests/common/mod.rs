//! Shared set-up for the store's integration tests: a store in a temp dir with a clock the test
//! moves by hand, a unit granted with a chosen role, and synthetic people. All data is invented.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use steady_core::clock::Timestamp;
use steady_core::codes::Role;
use steady_core::people::NewPerson;
use steady_core::sheet::SheetList;
use steady_core::units::UnitGrant;
use steady_core::{StaffMember, Store, StoreKey, WallClock};

/// A clock the test moves by hand.
#[derive(Default)]
pub struct TestClock(AtomicI64);

impl TestClock {
    pub fn at(t: Timestamp) -> Arc<Self> {
        Arc::new(TestClock(AtomicI64::new(t.0)))
    }
    pub fn advance_minutes(&self, minutes: i64) {
        self.0.fetch_add(minutes * 60_000, Ordering::SeqCst);
    }
    pub fn advance_days(&self, days: i64) {
        self.advance_minutes(days * 24 * 60);
    }
}

impl WallClock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// 2026-11-23 09:00 UTC: the start of a day shift.
pub const SHIFT_START: Timestamp = Timestamp(1_795_424_400_000);

pub fn key() -> StoreKey {
    StoreKey::from_bytes(&[0x5a; 32]).unwrap()
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: Arc<TestClock>,
    pub store: Store,
}

impl Fixture {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("steady.db")
    }

    /// Closes and reopens the store (an app restart).
    pub fn reopen(self) -> Fixture {
        let Fixture { dir, clock, store } = self;
        drop(store);
        let store =
            Store::open_with_clock(dir.path().join("steady.db"), &key(), clock.clone()).unwrap();
        Fixture { dir, clock, store }
    }
}

/// A new store at the start of a shift, used by a named staff member.
pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = TestClock::at(SHIFT_START);
    let store =
        Store::open_with_clock(dir.path().join("steady.db"), &key(), clock.clone()).unwrap();
    store
        .set_staff_member(StaffMember {
            name: "Alex Morgan".into(),
            job_title: "Support worker".into(),
        })
        .unwrap();
    Fixture { dir, clock, store }
}

pub fn grant(
    unit_id: &str,
    role: Role,
    mental_health_unit: bool,
    ends_at: Option<Timestamp>,
) -> UnitGrant {
    UnitGrant {
        unit_id: unit_id.into(),
        organisation: "Example Care Trust".into(),
        name: format!("{unit_id} (synthetic)"),
        mental_health_unit,
        role,
        ends_at,
    }
}

/// Sam, a synthetic person with a full amber section, in `unit`.
pub fn sam(store: &Store, unit: &str) -> String {
    let id = store
        .create_person(
            unit,
            NewPerson {
                display_name: "Samuel Okafor".into(),
                preferred_name: Some("Sam".into()),
                local_identifier: Some("SYN-0001".into()),
                // Synthetic: the 999 range is never issued.
                nhs_number: Some(steady_core::nhs_number::synthetic(1)),
            },
        )
        .unwrap();
    // The alert rules prone restraint out: a prone hold on Sam needs a confirmed reason.
    let alert = store
        .add_safety_alert(&id, "No prone holds: asthma", None)
        .unwrap();
    store
        .set_caution_avoids(
            &id,
            steady_core::restraint::CautionList::SafetyAlert,
            &alert,
            vec![steady_core::codes::RestrictiveInterventionType::PhysicalProne],
        )
        .unwrap();
    for sign in ["Pacing", "Rubbing his hands", "Repeating questions"] {
        store
            .add_sheet_item(&id, SheetList::WarningSigns, sign, None)
            .unwrap();
    }
    for helps in [
        "Offer a walk in the garden",
        "Speak slowly, one question at a time",
    ] {
        store
            .add_sheet_item(&id, SheetList::WhatHelps, helps, None)
            .unwrap();
    }
    store
        .add_sheet_item(
            &id,
            SheetList::WhatToAvoid,
            "Crowding him in corridors",
            None,
        )
        .unwrap();
    store
        .add_sheet_item(&id, SheetList::Triggers, "Loud alarms", None)
        .unwrap();
    id
}

pub fn texts(items: &[steady_core::people::ListItem]) -> Vec<&str> {
    items.iter().map(|i| i.text.as_str()).collect()
}
