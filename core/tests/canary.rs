//! Nothing personal is readable on disk: after saving sheets and incidents carrying a unique
//! marker, no file in the store's directory contains the marker in plain bytes — not the
//! database, not its write-ahead log, not the shared-memory file, not the key-check file.

mod common;

use common::*;
use steady_core::codes::Role;
use steady_core::incident::{IncidentDetails, QuickCapture};
use steady_core::people::NewPerson;
use steady_core::sheet::{SheetList, SheetText};

fn files_containing(dir: &std::path::Path, needles: &[Vec<u8>]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                found.push(format!(
                    "{} contains {:?}",
                    path.display(),
                    String::from_utf8_lossy(needle)
                ));
            }
        }
    }
    found
}

#[test]
fn no_file_in_the_store_directory_holds_personal_data_in_plain_bytes() {
    let f = fixture();
    let marker = format!("CANARY{}", uuid_like());
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let person = f
        .store
        .create_person(
            "ward-a",
            NewPerson {
                display_name: format!("{marker} Name"),
                preferred_name: Some(format!("{marker}Preferred")),
                local_identifier: Some(marker[..30].to_string()),
                nhs_number: None,
            },
        )
        .unwrap();
    f.store
        .add_safety_alert(&person, &format!("{marker} alert"), None)
        .unwrap();
    for field in SheetText::ALL {
        f.store
            .set_sheet_text(&person, *field, &format!("{marker} text"))
            .unwrap();
    }
    for list in SheetList::ALL {
        f.store
            .add_sheet_item(&person, *list, &format!("{marker} item"), None)
            .unwrap();
    }
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "ward-a".into(),
            note: format!("{marker} note"),
            person_id: Some(person.clone()),
            ..QuickCapture::default()
        })
        .unwrap();
    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                outcome: Some(format!("{marker} outcome")),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    f.store.search_people(&marker, 5).unwrap();

    // Also look for the marker as UTF-16, and for a fragment, in case of odd encodings.
    let needles = vec![
        marker.as_bytes().to_vec(),
        marker.as_bytes()[..12].to_vec(),
        marker
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect(),
    ];
    // While open (the write-ahead log holds recent pages) ...
    let wal = f.path().with_extension("db-wal");
    assert!(
        wal.exists() && std::fs::metadata(&wal).unwrap().len() > 0,
        "the WAL was checked"
    );
    assert_eq!(
        files_containing(f.dir.path(), &needles),
        Vec::<String>::new()
    );
    // ... and after closing.
    let dir = f.dir;
    drop(f.store);
    assert_eq!(files_containing(dir.path(), &needles), Vec::<String>::new());
    // The check itself can find a marker when one is there.
    std::fs::write(dir.path().join("plain.txt"), marker.as_bytes()).unwrap();
    assert_eq!(files_containing(dir.path(), &needles).len(), 2);
}

fn uuid_like() -> String {
    format!(
        "{:032x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
