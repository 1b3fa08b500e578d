//! Warning-sign checklists on shift: STAMP, a person's own signs, and imported licensed templates.

mod common;

use common::*;
use steady_core::Error;
use steady_core::checklist::BandLevel;
use steady_core::codes::Role;

#[test]
fn a_high_stamp_score_shows_the_persons_own_strategies_beside_it() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    let stamp = steady_core::checklist::stamp();
    let seen: Vec<String> = stamp.items.iter().take(4).map(|i| i.id.clone()).collect();
    let result = f
        .store
        .run_checklist("ward-a", "stamp", Some(sam.clone()), seen)
        .unwrap();
    assert_eq!(result.score.score, 4);
    assert_eq!(result.score.band.level, BandLevel::High);
    assert_eq!(
        texts(&result.what_helps),
        vec![
            "Offer a walk in the garden",
            "Speak slowly, one question at a time"
        ]
    );
    assert_eq!(
        texts(&result.what_to_avoid),
        vec!["Crowding him in corridors"]
    );
    // A low score does not crowd the screen.
    let calm = f
        .store
        .run_checklist("ward-a", "stamp", Some(sam), vec![])
        .unwrap();
    assert_eq!(calm.score.band.level, BandLevel::Low);
    assert!(calm.what_helps.is_empty());
    // Both runs were kept and queued for sync.
    let runs = f
        .store
        .pending_operations(1000)
        .unwrap()
        .into_iter()
        .filter(|op| op.entity == steady_core::protocol::EntityKind::ChecklistRun)
        .count();
    assert_eq!(runs, 2);
}

#[test]
fn a_persons_own_warning_signs_become_their_checklist() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    let templates = f.store.checklist_templates(Some(sam.clone())).unwrap();
    let own = &templates[0];
    assert_eq!(own.id, format!("own:{sam}"));
    assert_eq!(
        own.items
            .iter()
            .map(|i| i.text.as_str())
            .collect::<Vec<_>>(),
        vec!["Pacing", "Rubbing his hands", "Repeating questions"]
    );
    let pacing = own.items[0].id.clone();
    let result = f
        .store
        .run_checklist("ward-a", &own.id, Some(sam), vec![pacing])
        .unwrap();
    assert_eq!(result.score.band.level, BandLevel::Moderate);
    assert!(!result.what_helps.is_empty());
}

#[test]
fn an_imported_template_is_validated_then_runs() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Lead, false, None)])
        .unwrap();
    let json = r#"{
        "id": "example-ward", "version": 1, "name": "Example ward checklist",
        "items": [{"id": "a", "text": "Raised voice"}, {"id": "b", "text": "Clenched fists", "weight": 2}],
        "bands": [
            {"min": 0, "max": 0, "level": "low", "guidance": "Carry on."},
            {"min": 1, "max": 2, "level": "moderate", "guidance": "Use the plan."},
            {"min": 3, "max": 3, "level": "high", "guidance": "Get support now."}
        ],
        "source": "Synthetic test instrument", "licence": "Test only"
    }"#;
    f.store.import_checklist_template(json).unwrap();
    let again = f.store.import_checklist_template(json);
    assert!(matches!(again, Err(Error::Validation { ref field, .. }) if field == "version"));
    let broken = json
        .replace(r#""min": 3"#, r#""min": 4"#)
        .replace(r#""max": 3"#, r#""max": 4"#);
    let broken = broken.replace(r#""version": 1"#, r#""version": 2"#);
    assert!(matches!(
        f.store.import_checklist_template(&broken),
        Err(Error::Validation { .. })
    ));
    let result = f
        .store
        .run_checklist("ward-a", "example-ward", None, vec!["a".into(), "b".into()])
        .unwrap();
    assert_eq!(result.score.score, 3);
    assert_eq!(result.score.band.guidance, "Get support now.");
    let unknown = f
        .store
        .run_checklist("ward-a", "example-ward", None, vec!["zz".into()]);
    assert!(
        matches!(unknown, Err(Error::Validation { ref field, .. }) if field == "items_present")
    );
}
