//! The person in the restraint flow (issue 15, item 1): from the first tap staff see the
//! person's safety alerts, contraindications and what their plan authorises; an intervention
//! their own cautions rule out is recorded only with a confirmed reason, kept in the record;
//! whether it was in the care plan is taken from the plan. All data is invented.

mod common;

use common::*;
use steady_core::Error;
use steady_core::codes::{RestrictiveInterventionType as T, Role};
use steady_core::incident::{QuickCapture, UseOfForce};
use steady_core::restraint::CautionList;
use steady_core::sheet::SheetList;

fn hold(intervention: T) -> UseOfForce {
    UseOfForce {
        id: String::new(),
        intervention,
        reason: None,
        started_at: Some(SHIFT_START),
        ended_at: None,
        in_care_plan: None,
        how_force_was_used: String::new(),
        staff: vec![],
        contraindication_override: None,
    }
}

/// Sam on a ward: his alert rules out prone; his sheet's contraindication "no floor holds"
/// rules out supine and kneeling; his plan authorises a standing hold.
fn sam_on_the_ward(f: &Fixture) -> (String, String, String) {
    f.store
        .apply_grants(&[grant("ward", Role::Editor, true, None)])
        .unwrap();
    let sam = sam(&f.store, "ward");
    let floor = f
        .store
        .add_sheet_item(
            &sam,
            SheetList::Contraindications,
            "Recent hip replacement: no floor holds",
            None,
        )
        .unwrap();
    f.store
        .set_caution_avoids(
            &sam,
            CautionList::Contraindication,
            &floor,
            vec![T::PhysicalSupine, T::PhysicalKneeling],
        )
        .unwrap();
    f.store
        .add_authorised_intervention(&sam, T::PhysicalStanding, "Two staff, upper arms")
        .unwrap();
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "ward".into(),
            person_id: Some(sam.clone()),
            note: "Hit out at a nurse in the corridor".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    (sam, floor, incident)
}

#[test]
fn the_restraint_flow_opens_on_the_persons_cautions_and_plan() {
    let f = fixture();
    let (sam, floor, _) = sam_on_the_ward(&f);
    let profile = f.store.restraint_profile(&sam).unwrap();
    assert_eq!(profile.name, "Sam");
    let lists: Vec<(CautionList, &str)> = profile
        .cautions
        .iter()
        .map(|c| (c.list, c.text.as_str()))
        .collect();
    assert_eq!(
        lists,
        vec![
            (CautionList::SafetyAlert, "No prone holds: asthma"),
            (
                CautionList::Contraindication,
                "Recent hip replacement: no floor holds"
            ),
        ],
        "alerts first"
    );
    assert_eq!(profile.ruling_out(T::PhysicalProne).len(), 1);
    assert_eq!(profile.ruling_out(T::PhysicalSupine)[0].id, floor);
    assert!(profile.ruling_out(T::PhysicalStanding).is_empty());
    assert!(profile.authorises(T::PhysicalStanding));
    assert!(!profile.authorises(T::PhysicalSupine));
}

#[test]
fn a_hold_the_persons_cautions_rule_out_needs_a_reason_and_keeps_it() {
    let f = fixture();
    let (_, floor, incident) = sam_on_the_ward(&f);
    let pending = f.store.outbox_status().unwrap().pending;
    match f.store.add_use_of_force(&incident, hold(T::PhysicalSupine)) {
        Err(Error::Contraindicated {
            intervention,
            caution_ids,
        }) => {
            assert_eq!(intervention, T::PhysicalSupine);
            assert_eq!(caution_ids, vec![floor.clone()]);
        }
        other => panic!("{other:?}"),
    }
    // A blank reason is no reason.
    let blank = UseOfForce {
        contraindication_override: Some("   ".into()),
        ..hold(T::PhysicalSupine)
    };
    assert!(matches!(
        f.store.add_use_of_force(&incident, blank),
        Err(Error::Contraindicated { .. })
    ));
    assert_eq!(
        f.store.outbox_status().unwrap().pending,
        pending,
        "nothing queued"
    );

    let reason = "Standing hold failed; he was falling and we lowered him to protect his hip";
    let id = f
        .store
        .add_use_of_force(
            &incident,
            UseOfForce {
                contraindication_override: Some(format!("  {reason} ")),
                ..hold(T::PhysicalSupine)
            },
        )
        .unwrap();
    let saved = f.store.incident(&incident).unwrap().use_of_force;
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].id, id);
    assert_eq!(saved[0].contraindication_override.as_deref(), Some(reason));
    assert_eq!(
        saved[0].in_care_plan,
        Some(false),
        "the plan does not authorise supine"
    );

    // Changing a recorded hold to one the cautions rule out meets the same check.
    let standing = f
        .store
        .add_use_of_force(&incident, hold(T::PhysicalStanding))
        .unwrap();
    let now = f.store.incident(&incident).unwrap().use_of_force;
    let entry = now.iter().find(|u| u.id == standing).unwrap().clone();
    assert_eq!(
        entry.in_care_plan,
        Some(true),
        "(d) filled in from the plan"
    );
    assert!(matches!(
        f.store.update_use_of_force(
            &incident,
            UseOfForce {
                intervention: T::PhysicalProne,
                ..entry.clone()
            }
        ),
        Err(Error::Contraindicated { .. })
    ));
    // Staff can still say otherwise about (d); an answer given is never overwritten.
    f.store
        .update_use_of_force(
            &incident,
            UseOfForce {
                in_care_plan: Some(false),
                ..entry
            },
        )
        .unwrap();
    let now = f.store.incident(&incident).unwrap().use_of_force;
    assert_eq!(
        now.iter().find(|u| u.id == standing).unwrap().in_care_plan,
        Some(false)
    );
}

#[test]
fn new_words_keep_what_a_contraindication_rules_out_and_readers_cannot_change_it() {
    let f = fixture();
    let (sam, floor, _) = sam_on_the_ward(&f);
    f.store
        .edit_sheet_item(
            &sam,
            SheetList::Contraindications,
            &floor,
            "Hip replacement (March): no floor holds",
        )
        .unwrap();
    let profile = f.store.restraint_profile(&sam).unwrap();
    let c = profile.cautions.iter().find(|c| c.id == floor).unwrap();
    assert_eq!(c.text, "Hip replacement (March): no floor holds");
    assert_eq!(c.avoid, vec![T::PhysicalSupine, T::PhysicalKneeling]);

    // A caution with nothing to avoid is one to read only.
    f.store
        .set_caution_avoids(&sam, CautionList::Contraindication, &floor, vec![])
        .unwrap();
    assert!(
        f.store
            .restraint_profile(&sam)
            .unwrap()
            .ruling_out(T::PhysicalSupine)
            .is_empty()
    );

    f.store
        .apply_grants(&[grant("ward", Role::Reader, true, None)])
        .unwrap();
    assert!(matches!(
        f.store.set_caution_avoids(
            &sam,
            CautionList::Contraindication,
            &floor,
            vec![T::PhysicalSupine]
        ),
        Err(Error::NotAllowed(_))
    ));
}

#[test]
fn a_plan_never_authorises_what_the_persons_own_cautions_rule_out() {
    let f = fixture();
    let (sam, floor, _) = sam_on_the_ward(&f);
    let before = f
        .store
        .support_sheet(&sam)
        .unwrap()
        .authorised_interventions;
    // "No floor holds" rules supine out; "No prone holds: asthma" rules prone out.
    match f
        .store
        .add_authorised_intervention(&sam, T::PhysicalSupine, "Two staff")
    {
        Err(Error::Contraindicated {
            intervention,
            caution_ids,
        }) => {
            assert_eq!(intervention, T::PhysicalSupine);
            assert_eq!(caution_ids, vec![floor.clone()]);
        }
        other => panic!("expected the caution to refuse it, got {other:?}"),
    }
    assert!(matches!(
        f.store
            .add_authorised_intervention(&sam, T::PhysicalProne, ""),
        Err(Error::Contraindicated { .. })
    ));
    assert_eq!(
        f.store
            .support_sheet(&sam)
            .unwrap()
            .authorised_interventions,
        before,
        "nothing changed"
    );
    // Once the caution no longer rules it out, the plan may authorise it.
    f.store
        .set_caution_avoids(&sam, CautionList::Contraindication, &floor, vec![])
        .unwrap();
    f.store
        .add_authorised_intervention(&sam, T::PhysicalSupine, "Two staff")
        .unwrap();
}

#[test]
fn an_incident_about_nobody_known_has_no_cautions_to_meet() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("hems", Role::Reader, false, None)])
        .unwrap();
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "hems".into(),
            unidentified_person: Some("man ~40, roadside".into()),
            note: "Agitated, held to stop him walking into traffic".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    let id = f
        .store
        .add_use_of_force(&incident, hold(T::PhysicalProne))
        .unwrap();
    let saved = f.store.incident(&incident).unwrap().use_of_force;
    assert_eq!(saved[0].id, id);
    assert_eq!(saved[0].in_care_plan, None, "no plan to read");
}
