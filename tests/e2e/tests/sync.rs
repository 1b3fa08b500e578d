//! Devices syncing through a real server on loopback, each test on both storage back ends:
//! convergence field by field, offline capture reaching other devices, server-side refusal of a
//! reader's sheet edit, lost answers and cut connections without loss or duplication, a day-fast
//! clock, a placement ending, a revoked phone, and another unit's records out of reach.

use std::collections::BTreeMap;

use steady_core::Error;
use steady_core::clock::Timestamp;
use steady_core::codes::{IncidentTag, Role};
use steady_core::incident::QuickCapture;
use steady_core::people::NewPerson;
use steady_core::protocol::{
    Change, EntityKind, OpOutcome, Operation, PROTOCOL_VERSION, RejectReason, SyncRequest,
    SyncResponse,
};
use steady_core::sheet::{SheetList, SheetText};
use steady_core::sync::Transport;
use steady_e2e::fault_proxy::Fault;
use steady_e2e::{Backend, Cluster, Device, SkewedClock, on_both_back_ends};

on_both_back_ends!(
    concurrent_edits_to_one_sheet_converge_field_by_field,
    a_capture_made_offline_on_one_device_appears_on_another,
    a_readers_sheet_edit_is_refused_by_the_server_and_quarantined_while_the_rest_goes_through,
    lost_answers_cut_connections_and_a_restart_lose_and_double_nothing,
    a_device_clock_a_day_fast_cannot_make_its_edits_win,
    bank_staffs_last_incident_reaches_the_server_then_the_unit_leaves_the_phone,
    a_revoked_phone_wipes_itself_at_its_next_contact,
    another_units_records_cannot_be_read_or_written,
);

fn sam(device: &Device, unit: &str) -> String {
    let id = device
        .store
        .create_person(
            unit,
            NewPerson {
                display_name: "Samuel Okafor".into(),
                preferred_name: Some("Sam".into()),
                local_identifier: Some("SYN-0001".into()),
                nhs_number: None,
            },
        )
        .unwrap();
    device
        .store
        .add_safety_alert(&id, "No prone holds: asthma", None)
        .unwrap();
    device
        .store
        .add_sheet_item(&id, SheetList::WarningSigns, "Pacing", None)
        .unwrap();
    id
}

fn capture(device: &Device, unit: &str, note: &str) -> String {
    device
        .store
        .capture_incident(QuickCapture {
            unit_id: unit.into(),
            note: note.into(),
            tags: vec![IncidentTag::NearMiss],
            ..QuickCapture::default()
        })
        .unwrap()
}

fn incident_ids(device: &Device, unit: &str) -> Vec<String> {
    let mut ids: Vec<String> = device
        .store
        .incidents(unit)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    ids.sort();
    ids
}

fn concurrent_edits_to_one_sheet_converge_field_by_field<S: Backend>(c: Cluster<S>) {
    c.unit("ward-a", false);
    let grants = [("ward-a", Role::Editor, None)];
    let [a, b, d] = ["Ada", "Ben", "Dee"].map(|name| c.device(name, &grants));
    let sam = sam(&a, "ward-a");
    a.sync().unwrap();
    b.sync().unwrap();
    d.sync().unwrap();
    assert_eq!(b.store.amber_card(&sam).unwrap().name, "Sam");

    // All three edit offline: A and B the same field (B later), B and D other parts.
    a.store
        .set_sheet_text(&sam, SheetText::WhenSettled, "Hums when content")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    b.store
        .set_sheet_text(&sam, SheetText::WhenSettled, "Hums and taps his feet")
        .unwrap();
    b.store
        .set_sheet_text(&sam, SheetText::Routines, "Walk after breakfast")
        .unwrap();
    d.store
        .add_sheet_item(&sam, SheetList::WhatHelps, "A quiet room", None)
        .unwrap();
    a.store
        .add_sheet_item(&sam, SheetList::Triggers, "Fire alarm tests", None)
        .unwrap();

    // B syncs first, A second (its edit of the shared field loses), D last; then everyone again.
    b.sync().unwrap();
    let report = a.sync().unwrap();
    assert_eq!(report.superseded, 1, "{report:?}");
    d.sync().unwrap();
    for device in [&a, &b, &d] {
        device.sync().unwrap();
    }
    let sheets: Vec<_> = [&a, &b, &d]
        .iter()
        .map(|x| x.store.support_sheet(&sam).unwrap())
        .collect();
    for sheet in &sheets {
        assert_eq!(sheet.text(SheetText::WhenSettled), "Hums and taps his feet");
        assert_eq!(sheet.text(SheetText::Routines), "Walk after breakfast");
        assert_eq!(sheet.what_helps.len(), 1);
        assert_eq!(sheet.triggers.len(), 1);
    }
    assert_eq!(sheets[0], sheets[1]);
    assert_eq!(sheets[1], sheets[2]);
    // A's losing edit is kept where it was made, beside the winner.
    let conflicts = a.store.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].my_value,
        serde_json::json!("Hums when content")
    );
    assert_eq!(
        conflicts[0].winning_value,
        serde_json::json!("Hums and taps his feet")
    );
    assert!(b.store.conflicts().unwrap().is_empty());
}

fn a_capture_made_offline_on_one_device_appears_on_another<S: Backend>(mut c: Cluster<S>) {
    c.unit("hems-base", false);
    let grants = [("hems-base", Role::Reader, None)];
    let crew = c.device("Crew", &grants);
    let base = c.device("Base", &grants);
    // No signal: the server is unreachable while the crew captures.
    c.stop_server();
    let id = crew
        .store
        .capture_incident(QuickCapture {
            unit_id: "hems-base".into(),
            note: "Agitated on scene".into(),
            unidentified_person: Some("man ~40, roadside".into()),
            ..QuickCapture::default()
        })
        .unwrap();
    let offline = crew.store.sync_with(
        &crew.transport,
        &steady_core::sync::SyncOptions {
            max_attempts: 2,
            ..steady_e2e::quick_retries()
        },
    );
    assert!(matches!(offline, Err(Error::Network(_))), "{offline:?}");
    assert_eq!(
        crew.store.outbox_status().unwrap().pending,
        1,
        "kept for later"
    );
    // Signal returns.
    c.restart_server();
    crew.sync().unwrap();
    base.sync().unwrap();
    let seen = base.store.incident(&id).unwrap();
    assert_eq!(
        seen.unidentified_person.as_deref(),
        Some("man ~40, roadside")
    );
    assert_eq!(seen.recorded_by, "Crew");
    assert_eq!(crew.store.outbox_status().unwrap().pending, 0);
}

fn a_readers_sheet_edit_is_refused_by_the_server_and_quarantined_while_the_rest_goes_through<
    S: Backend,
>(
    c: Cluster<S>,
) {
    c.unit("ward-a", false);
    let lead = c.device("Lead", &[("ward-a", Role::Lead, None)]);
    let sam = sam(&lead, "ward-a");
    lead.sync().unwrap();
    let reader = c.device("Bank nurse", &[("ward-a", Role::Reader, None)]);
    reader.sync().unwrap();
    // The phone's own view of its grant is stale (it believes it may edit): the server decides.
    let mut stale = reader.grants();
    stale[0].role = Role::Editor;
    reader.store.apply_grants(&stale).unwrap();
    reader
        .store
        .add_sheet_item(&sam, SheetList::Triggers, "Shouting", None)
        .unwrap();
    let incident = capture(&reader, "ward-a", "Sam distressed at lunch");

    let report = reader.sync().unwrap();
    assert_eq!(report.quarantined, 1, "{report:?}");
    let quarantined = reader.store.quarantined_operations().unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].entity, EntityKind::Sheet);
    assert_eq!(quarantined[0].reason, "role");
    // The server's grants are back in force on the phone.
    assert_eq!(reader.grants()[0].role, Role::Reader);
    // The incident went through; the trigger did not reach anyone.
    lead.sync().unwrap();
    assert_eq!(
        lead.store.incident(&incident).unwrap().note,
        "Sam distressed at lunch"
    );
    assert!(lead.store.support_sheet(&sam).unwrap().triggers.is_empty());
}

fn lost_answers_cut_connections_and_a_restart_lose_and_double_nothing<S: Backend>(
    mut c: Cluster<S>,
) {
    c.unit("ward-a", false);
    let grants = [("ward-a", Role::Reader, None)];
    let phone = c.device("Phone", &grants);
    let other = c.device("Other", &grants);
    let mut made = Vec::new();
    for n in 0..40 {
        made.push(capture(&phone, "ward-a", &format!("Synthetic capture {n}")));
    }
    // The server commits and the answer is lost; a request cut before the server sees it; an
    // answer cut halfway; then a clean exchange.
    c.proxy.plan([
        Fault::DropResponse,
        Fault::DropRequest,
        Fault::TruncateResponse(40),
        Fault::DropResponse,
    ]);
    phone.sync().unwrap();
    assert_eq!(phone.store.outbox_status().unwrap().pending, 0);

    // A big outbox, and the server restarts while the phone is pushing it.
    for n in 40..2_540 {
        made.push(capture(&phone, "ward-a", &format!("Synthetic capture {n}")));
    }
    let before = c.proxy.requests();
    let report = std::thread::scope(|scope| {
        let syncing = scope.spawn(|| phone.sync());
        // Once the first push of this sync has reached the proxy, the server restarts; while it
        // is away the phone's next two requests find nobody (the graceful shutdown itself
        // finishes what it is answering, so the proxy plays the gap).
        while c.proxy.requests() == before {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        c.proxy.plan([Fault::DropRequest, Fault::DropRequest]);
        c.restart_server();
        syncing.join().unwrap().unwrap()
    });
    assert!(
        report.retries >= 2,
        "the sync met the server away: {report:?}"
    );
    phone.sync().unwrap();
    assert_eq!(phone.store.outbox_status().unwrap().pending, 0);

    // Another device pulls through faults too.
    c.proxy
        .plan([Fault::TruncateResponse(1000), Fault::DropResponse]);
    other.sync().unwrap();
    made.sort();
    assert_eq!(
        incident_ids(&other, "ward-a"),
        made,
        "every capture exactly once"
    );
    assert_eq!(incident_ids(&phone, "ward-a"), made);
    let stored_notes = c.rt.block_on(c.storage.cell_count()).unwrap();
    assert_eq!(
        stored_notes,
        made.len() as u64 * 5,
        "five fields per capture, none doubled"
    );
}

fn a_device_clock_a_day_fast_cannot_make_its_edits_win<S: Backend>(c: Cluster<S>) {
    c.unit("ward-a", false);
    let grants = [("ward-a", Role::Editor, None)];
    let fast = c.device_with_clock("Fast", &grants, SkewedClock::ahead(86_400_000));
    let honest = c.device("Honest", &grants);
    let sam = sam(&honest, "ward-a");
    honest.sync().unwrap();
    fast.sync().unwrap();
    fast.store
        .set_sheet_text(&sam, SheetText::WhoToCall, "From the fast phone")
        .unwrap();
    fast.sync().unwrap();
    // Two minutes later (past the server's allowance), the honest phone edits the same field.
    honest.clock.set_ahead(120_000);
    honest.sync().unwrap();
    honest
        .store
        .set_sheet_text(&sam, SheetText::WhoToCall, "From the honest phone")
        .unwrap();
    honest.sync().unwrap();
    fast.sync().unwrap();
    for device in [&fast, &honest] {
        assert_eq!(
            device
                .store
                .support_sheet(&sam)
                .unwrap()
                .text(SheetText::WhoToCall),
            "From the honest phone"
        );
    }
}

fn bank_staffs_last_incident_reaches_the_server_then_the_unit_leaves_the_phone<S: Backend>(
    c: Cluster<S>,
) {
    c.unit("home-b", false);
    let lead = c.device("Lead", &[("home-b", Role::Lead, None)]);
    let sam = sam(&lead, "home-b");
    lead.sync().unwrap();
    let bank = c.device(
        "Bank",
        &[("home-b", Role::Reader, Some(Timestamp::now().plus_days(3)))],
    );
    bank.sync().unwrap();
    assert_eq!(bank.store.amber_card(&sam).unwrap().name, "Sam");
    let last = capture(&bank, "home-b", "Last shift: Sam settled after a walk");
    // The coordinator ends the placement before the phone syncs.
    c.end_grant(&bank, "home-b");
    let report = bank.sync().unwrap();
    assert_eq!(
        report.purged_units,
        vec!["home-b".to_string()],
        "{report:?}"
    );
    assert!(bank.store.units().unwrap().is_empty());
    assert!(matches!(
        bank.store.amber_card(&sam),
        Err(Error::NotFound { .. })
    ));
    lead.sync().unwrap();
    assert_eq!(lead.store.incident(&last).unwrap().recorded_by, "Bank");
}

fn a_revoked_phone_wipes_itself_at_its_next_contact<S: Backend>(c: Cluster<S>) {
    c.unit("ward-a", false);
    let phone = c.device("Lost phone", &[("ward-a", Role::Editor, None)]);
    let sam = sam(&phone, "ward-a");
    phone.sync().unwrap();
    c.revoke(&phone);
    assert!(matches!(phone.sync(), Err(Error::Revoked)));
    assert!(phone.store.units().unwrap().is_empty());
    assert!(matches!(
        phone.store.amber_card(&sam),
        Err(Error::NotFound { .. })
    ));
    assert!(!phone.store.sync_status().unwrap().enrolled);
}

fn another_units_records_cannot_be_read_or_written<S: Backend>(c: Cluster<S>) {
    c.unit("ward-a", false);
    c.unit("ward-b", false);
    let a_lead = c.device("Lead A", &[("ward-a", Role::Lead, None)]);
    let b_lead = c.device("Lead B", &[("ward-b", Role::Lead, None)]);
    let sam = sam(&a_lead, "ward-a");
    a_lead.sync().unwrap();
    b_lead.sync().unwrap();
    assert!(b_lead.store.people("ward-a").is_err());
    assert!(matches!(
        b_lead.store.amber_card(&sam),
        Err(Error::NotFound { .. })
    ));

    // A crafted push from B into ward-a, and into ward-a's record under B's unit: refused.
    let token = b_lead_token(&b_lead);
    let stamp = steady_core::clock::Hlc {
        wall_ms: Timestamp::now().0,
        counter: 0,
        device: b_lead.store.device_id().to_string(),
    };
    let forged = |op_id: &str, unit: &str| Operation {
        op_id: op_id.into(),
        entity: EntityKind::Person,
        entity_id: sam.clone(),
        unit_id: unit.into(),
        change: Change::Fields(BTreeMap::from([(
            "display_name".to_string(),
            serde_json::json!("Changed"),
        )])),
        stamp: stamp.clone(),
    };
    let answer: SyncResponse = b_lead
        .transport
        .sync(
            &token,
            &SyncRequest {
                protocol: PROTOCOL_VERSION,
                cursor: None,
                push: vec![forged("x1", "ward-a"), forged("x2", "ward-b")],
                pull_limit: 1000,
            },
        )
        .unwrap();
    let reasons: Vec<_> = answer
        .results
        .iter()
        .map(|r| match &r.outcome {
            OpOutcome::Rejected { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            Some(RejectReason::NotGranted),
            Some(RejectReason::UnitMismatch)
        ]
    );
    assert!(
        answer.changes.iter().all(|ch| ch.unit_id == "ward-b"),
        "nothing of ward-a pulled"
    );
    a_lead.sync().unwrap();
    assert_eq!(
        a_lead.store.person(&sam).unwrap().display_name,
        "Samuel Okafor"
    );
}

/// The device's token, read from its store as a test with the key may.
fn b_lead_token(device: &Device) -> String {
    let path = device.store.path().to_path_buf();
    let conn = rusqlite_open(&path);
    conn.query_row("SELECT device_token FROM sync_state", [], |r| r.get(0))
        .unwrap()
}

fn rusqlite_open(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", "42".repeat(32)))
        .unwrap();
    conn
}
