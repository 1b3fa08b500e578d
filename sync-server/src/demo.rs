//! Demo data: an invented organisation with a care home and a mental health ward, full
//! support sheets and guidance, so the app can be tried end to end with one command
//! (`steady-server demo`).
//!
//! Everything is written through [`Storage::push`] as the server's own operations, shaped
//! exactly as the device core writes them (the same record kinds, field keys and list-item
//! shapes as `core/src/people.rs`, `sheet.rs` and `guidance.rs`), so a device pulls it like any
//! other change. Seeding is idempotent: every operation id is derived from the cell it sets,
//! so running the demo again answers the same ids and writes nothing.
//!
//! Every name and detail is invented.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::{Change, EntityKind, MAX_PUSH_OPS, OpOutcome, Operation};
use steady_core::sheet::{SheetList, SheetText};

use crate::merge::SERVER_DEVICE;
use crate::storage::{GrantSpec, Storage, StorageError, StorageResult, Unit};

/// The demo care home's unit id.
pub const CARE_HOME: &str = "demo-oakfield";
/// The demo mental health ward's unit id.
pub const WARD: &str = "demo-willow-ward";
/// The demo organisation.
pub const ORGANISATION: &str = "Northvale Care (demo)";
/// The demo's web console lead (issue 9), with access to both units; their password is made
/// afresh on every start and printed (`console::accounts::demo_lead`).
pub const LEAD_EMAIL: &str = "lead@northvale.example";
/// The demo lead's name.
pub const LEAD_NAME: &str = "Dana Whitfield (demo lead)";

/// The demo's two units.
pub fn units() -> [Unit; 2] {
    [
        Unit {
            unit_id: CARE_HOME.into(),
            organisation: ORGANISATION.into(),
            name: "Oakfield House".into(),
            mental_health_unit: false,
        },
        Unit {
            unit_id: WARD.into(),
            organisation: ORGANISATION.into(),
            name: "Willow Ward".into(),
            mental_health_unit: true,
        },
    ]
}

/// What a demo enrolment code carries: editor in the care home, reader on the ward.
pub fn grants() -> Vec<GrantSpec> {
    vec![
        GrantSpec {
            unit_id: CARE_HOME.into(),
            role: Role::Editor,
            ends_at: None,
        },
        GrantSpec {
            unit_id: WARD.into(),
            role: Role::Reader,
            ends_at: None,
        },
    ]
}

/// What seeding did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seeded {
    /// Units created now (0 when they existed).
    pub units_created: usize,
    /// People in the demo.
    pub people: usize,
    /// Guidance cards in the demo.
    pub guidance_cards: usize,
    /// Operations pushed.
    pub operations: usize,
    /// Cells written now (0 on a second run: every op id was answered before).
    pub cells_written: u64,
}

const CARE_HOME_PEOPLE: [(&str, Option<&str>); 12] = [
    ("Samuel Brightwell", Some("Sam")),
    ("Margaret Ellory", Some("Peggy")),
    ("Desmond Achterby", Some("Des")),
    ("Harriet Lowmoor", None),
    ("Tobias Kettleby", Some("Toby")),
    ("Evelyn Stroudley", Some("Evie")),
    ("Rashid Fennimore", None),
    ("Gwendolyn Pask", Some("Gwen")),
    ("Alfred Numbury", Some("Alf")),
    ("Constance Whitlow", Some("Connie")),
    ("Idris Pellowe", None),
    ("Maureen Tallisford", Some("Mo")),
];

const WARD_PEOPLE: [(&str, Option<&str>); 12] = [
    ("Jordan Ashdown", Some("Jay")),
    ("Kezia Marlowe", None),
    ("Niall Brennock", None),
    ("Priya Halloran", None),
    ("Callum Oduyami", Some("Cal")),
    ("Bethany Cresswold", Some("Beth")),
    ("Marcus Inglethorpe", None),
    ("Sorcha Delaine", None),
    ("Tyrone Whitcombe", Some("Ty")),
    ("Leanne Farrowby", None),
    ("Dominik Halewood", Some("Dom")),
    ("Yasmin Reddaway", Some("Yas")),
];

fn text_for(field: SheetText, i: usize) -> &'static str {
    let pool: &[&str] = match field {
        SheetText::LikedAndAdmired => &[
            "Warm sense of humour; remembers everyone's name and asks after their families.",
            "Kind to newer residents and quick to make them a cup of tea.",
            "Honest and direct; people trust what they say.",
            "A gifted gardener who loves sharing cuttings.",
        ],
        SheetText::ImportantToMe => &[
            "Phone call with my daughter every Sunday at 4pm.",
            "My radio tuned to the football on Saturday afternoons.",
            "Wearing my own clothes and choosing them myself.",
            "Time outside every day, whatever the weather.",
        ],
        SheetText::HowToSupportMe => &[
            "Give me time to answer; I get there if I am not rushed.",
            "Tell me what is happening before you do it, every time.",
            "Offer two choices rather than an open question.",
            "Keep the same staff where you can; new faces unsettle me.",
        ],
        SheetText::HowICommunicate => &[
            "Short sentences; I nod or shake my head when tired.",
            "I use some Makaton signs: please, thank you, drink, toilet.",
            "I speak clearly but can go quiet when worried; that is a sign.",
            "I point to pictures on my communication board.",
        ],
        SheetText::HowToCommunicateWithMe => &[
            "Face me, speak slowly and check I have understood.",
            "Use my preferred name and a calm, low voice.",
            "Write key points down; I read better than I listen when stressed.",
            "One instruction at a time, then wait.",
        ],
        SheetText::WhenSettled => &[
            "Chatty, joins in with group activities and hums to music.",
            "Sits in the garden room reading the paper.",
            "Helps lay tables and likes to be useful.",
            "Relaxed posture, makes jokes, eats well.",
        ],
        SheetText::Routines => &[
            "Up at 7, tea with two sugars, breakfast in my room.",
            "Walk after lunch, nap at 3, tea at 5.",
            "Shower in the evening, never the morning.",
            "Medication with food; bedtime around 10 with the radio on.",
        ],
        SheetText::SensoryNeeds => &[
            "Sensitive to loud noise; ear defenders in my top drawer.",
            "Likes a weighted blanket in the evening.",
            "Bright lights hurt my eyes; keep the blinds half down.",
            "Prefers firm touch to light touch; ask first.",
        ],
        SheetText::LikesAndDislikes => &[
            "Likes: brass band music, custard creams. Dislikes: crowds, cold tea.",
            "Likes: dogs, quiz shows. Dislikes: being hurried, strong perfume.",
            "Likes: card games, gardening. Dislikes: shouting, changes at short notice.",
            "Likes: painting, walks by the river. Dislikes: the television loud.",
        ],
        SheetText::WhatStaffShouldDo => &[
            "Keep others away, give space, one member of staff talks; follow the plan below.",
            "Call for a second member of staff, stay calm, reduce demands, offer my quiet room.",
            "Use my name, lower your voice, move hazards away; do not touch unless I am in danger.",
            "Follow the authorised interventions only; note the start and end times.",
        ],
        SheetText::WhoToCall => &[
            "Shift lead on the bleep, then the on-call manager.",
            "Nurse in charge; out of hours, the duty doctor.",
            "Shift lead; my sister (next of kin) once I am settled.",
            "Nurse in charge and the psychiatric liaison team.",
        ],
        SheetText::SupportAfterwards => &[
            "Quiet time with a drink; do not talk about it straight away.",
            "Offer a walk in the garden with someone I trust.",
            "Check for injuries gently and let me rest.",
            "Sit with me; I may want to apologise, reassure me.",
        ],
        SheetText::HowIDebrief => &[
            "Next day, with my keyworker, using pictures.",
            "Within a day, short and private; ask what would have helped.",
            "With my named nurse and my advocate if I want them there.",
            "Later the same day; I like to write down what happened.",
        ],
    };
    pool[i % pool.len()]
}

fn list_pool(list: SheetList) -> &'static [&'static str] {
    match list {
        SheetList::Triggers => &[
            "Loud, sudden noises",
            "Being told no without a reason",
            "Waiting for medication",
            "Crowded dining room",
            "Unfamiliar staff doing personal care",
            "Phone calls that do not happen when planned",
            "Being touched from behind",
        ],
        SheetList::WarningSigns => &[
            "Pacing and rubbing hands",
            "Raised, fast speech",
            "Staring at the door",
            "Refusing drinks",
            "Clenched fists",
            "Going very quiet and withdrawn",
            "Repeating the same question",
        ],
        SheetList::WhatHelps => &[
            "Offer a walk in the garden",
            "Quiet room with the lights low",
            "A cup of tea and a biscuit",
            "Music through headphones",
            "Talking about my dog",
            "Giving two clear choices",
            "Swap to a member of staff I know well",
        ],
        SheetList::WhatToAvoid => &[
            "Standing over me",
            "Several people talking at once",
            "Raising your voice",
            "Arguing about the facts",
            "Blocking the doorway",
            "Touching without asking",
            "Mentioning my ex-partner",
        ],
        SheetList::Contraindications => &[
            "No prone holds: asthma",
            "Avoid pressure on the chest: heart condition",
            "Fragile skin: no wrist holds",
            "Recent hip replacement: no floor holds",
            "Epilepsy: observe closely after any hold",
            "Rapid tranquillisation only with physical health checks",
        ],
    }
}

const SAFETY_ALERTS: [&str; 8] = [
    "No prone holds: asthma",
    "Allergic to penicillin",
    "Epilepsy: seizure plan in the office",
    "Diabetic: check blood sugar if drowsy",
    "Self-harm risk: remove ligature risks",
    "Falls risk: walking frame at all times",
    "Choking risk: soft diet only",
    "Absconding risk: check on 15-minute observations",
];

/// The interventions a plan may authorise, each with the words of the person's own alerts or
/// contraindications that rule it out. Oral PRN the person agrees to take is not restraint (the
/// Act's "chemical restraint" is medication *intended to* restrict or subdue movement), so it is
/// not listed here as an authorised restraint; seclusion never is outside a ward.
const AUTHORISED: [(&str, &str, &[&str]); 3] = [
    (
        "08",
        "Restrictive escort by two staff, to the quiet room only.",
        &["wrist holds"],
    ),
    (
        "07",
        "Standing hold by two staff for no more than 10 minutes, holding the upper arms.",
        &[],
    ),
    (
        "09",
        "Supine hold only if standing hold fails; nurse in charge present.",
        &["floor holds", "pressure on the chest"],
    ),
];

/// Whether the intervention `code` is ruled out by one of `cautions` (a person's alerts and
/// contraindications), by the words [`AUTHORISED`] gives for it.
fn ruled_out(code: &str, cautions: &[&str]) -> bool {
    AUTHORISED
        .iter()
        .filter(|(c, _, _)| *c == code)
        .flat_map(|(_, _, words)| words.iter())
        .any(|word| cautions.iter().any(|c| c.contains(word)))
}

const CARE_HOME_GUIDANCE: [(&str, &str, &[&str]); 5] = [
    (
        "Noticing rising distress",
        "Look for each person's own early warning signs on their amber card. Act early: lower your voice, reduce demands and offer what helps.",
        &["de-escalation", "amber"],
    ),
    (
        "Giving space safely",
        "Step back to at least two arms' length, stand side-on, keep your hands visible and keep the exit clear for both of you.",
        &["de-escalation", "safety"],
    ),
    (
        "After an incident",
        "Check everyone for injuries, record the incident while it is fresh, and offer the person the support in their blue section.",
        &["incident", "recovery"],
    ),
    (
        "Handover essentials",
        "Pass on any safety alert changes, anyone unsettled this shift and any incident still in draft.",
        &["handover"],
    ),
    (
        "Calling for help",
        "Use the emergency call point or phone the shift lead. If anyone is in immediate danger, call 999.",
        &["safety", "escalation"],
    ),
];

const WARD_GUIDANCE: [(&str, &str, &[&str]); 6] = [
    (
        "Use of force: recording",
        "Record every restrictive intervention with its type, reason, start and end time, staff involved and injuries. Mental health units must complete every item before submitting.",
        &["use-of-force", "recording"],
    ),
    (
        "Prone restraint",
        "Avoid prone holds. If one happens, move to another position as soon as possible and record the times: holds over 10 minutes are reported separately.",
        &["use-of-force", "safety"],
    ),
    (
        "Rapid tranquillisation",
        "Only as prescribed. Monitor physical observations afterwards as set out in the ward policy.",
        &["medication", "safety"],
    ),
    (
        "Post-incident review",
        "Offer a review with the patient and with staff. Record whether it was held, and why not if it was not.",
        &["recovery", "review"],
    ),
    (
        "Observation levels",
        "Follow the level set by the nurse in charge and record each check on time.",
        &["observation"],
    ),
    (
        "De-escalation first",
        "Use the person's own strategies first. Restrictive interventions are a last resort and must be proportionate.",
        &["de-escalation"],
    ),
];

/// Builds the demo's operations: stamps from the server's clock at `now`, op ids derived from
/// the cells they set.
struct Ops {
    now: Timestamp,
    counter: u32,
    ops: Vec<Operation>,
}

impl Ops {
    fn push(&mut self, entity: EntityKind, entity_id: &str, unit: &str, change: Change) {
        let mut id = Sha256::new();
        id.update(entity.as_str());
        id.update([0]);
        id.update(entity_id);
        for (field, item, _) in change.cells() {
            id.update([0]);
            id.update(field);
            id.update([1]);
            id.update(item);
        }
        self.counter += 1;
        self.ops.push(Operation {
            op_id: format!("demo-{}", &hex::encode(id.finalize())[..32]),
            entity,
            entity_id: entity_id.to_string(),
            unit_id: unit.to_string(),
            change,
            stamp: Hlc {
                wall_ms: self.now.0,
                counter: self.counter,
                device: SERVER_DEVICE.to_string(),
            },
        });
    }

    fn fields(&mut self, entity: EntityKind, id: &str, unit: &str, fields: Vec<(&str, Value)>) {
        let fields = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        self.push(entity, id, unit, Change::Fields(fields));
    }

    fn items(
        &mut self,
        entity: EntityKind,
        id: &str,
        unit: &str,
        list: &str,
        tag: &str,
        values: Vec<Value>,
    ) {
        for (n, mut value) in values.into_iter().enumerate() {
            // Positions as the device makes them: 1, 2, 3, ... (new items go after the last).
            value["pos"] = json!((n + 1) as f64);
            self.push(
                entity,
                id,
                unit,
                Change::Item {
                    list: list.to_string(),
                    item_id: format!("{id}-{tag}{}", n + 1),
                    value,
                },
            );
        }
    }
}

fn person(ops: &mut Ops, unit: &str, i: usize, name: &str, preferred: Option<&str>, ward: bool) {
    let id = format!("{unit}-p{:02}", i + 1);
    let mut fields = vec![("display_name", json!(name))];
    if let Some(p) = preferred {
        fields.push(("preferred_name", json!(p)));
    }
    if ward {
        fields.push((
            "local_identifier",
            json!(format!("WW{:06}", 410_000 + i * 137)),
        ));
    }
    // Everyone has an NHS number, the consistent identifier a use-of-force record needs:
    // synthetic, from the 999 range the NHS never issues.
    let n = u32::try_from(i).unwrap_or_default() + if ward { 100 } else { 0 };
    fields.push(("nhs_number", json!(steady_core::nhs_number::synthetic(n))));
    ops.fields(EntityKind::Person, &id, unit, fields);
    let alert_texts: Vec<&str> = (0..1 + i % 2)
        .map(|k| SAFETY_ALERTS[(i + k * 3) % SAFETY_ALERTS.len()])
        .collect();
    let alerts = alert_texts.iter().map(|t| json!({ "text": t })).collect();
    ops.items(EntityKind::Person, &id, unit, "safety_alerts", "sa", alerts);

    for field in SheetText::ALL {
        ops.fields(
            EntityKind::Sheet,
            &id,
            unit,
            vec![(field.key(), json!(text_for(*field, i + field.key().len())))],
        );
    }
    let mut cautions = alert_texts.clone();
    for (n, list) in SheetList::ALL.iter().enumerate() {
        let pool = list_pool(*list);
        let count = 3 + (i + n) % 3;
        let texts: Vec<&str> = (0..count).map(|k| pool[(i * 2 + k) % pool.len()]).collect();
        if *list == SheetList::Contraindications {
            cautions.extend(texts.iter().copied());
        }
        let values = texts.iter().map(|t| json!({ "text": t })).collect();
        ops.items(
            EntityKind::Sheet,
            &id,
            unit,
            list.key(),
            &format!("l{n}-"),
            values,
        );
    }
    // A care home authorises at most an escort, a ward up to two holds: never one the person's
    // own alerts or contraindications rule out.
    let offered: &[usize] = if ward { &[1, 2, 0] } else { &[0] };
    let authorised = offered
        .iter()
        .map(|k| AUTHORISED[*k])
        .filter(|(code, _, _)| !ruled_out(code, &cautions))
        .take(if ward { 2 } else { 1 })
        .map(|(code, note, _)| json!({ "type": code, "note": note }))
        .collect();
    ops.items(
        EntityKind::Sheet,
        &id,
        unit,
        "red.authorised_interventions",
        "ai",
        authorised,
    );
    // Every fourth sheet is overdue for review, so the flag shows in the demo.
    let due = if i % 4 == 1 {
        ops.now.plus_days(-(2 + i as i64))
    } else {
        ops.now.plus_days(14 + 5 * i as i64)
    };
    ops.fields(
        EntityKind::Sheet,
        &id,
        unit,
        vec![
            (
                "review.at",
                json!(ops.now.plus_days(-(20 + 9 * i as i64)).0),
            ),
            ("review.by", json!("Dana Whitfield (demo lead)")),
            ("review.due", json!(due.0)),
        ],
    );
}

fn guidance(ops: &mut Ops, unit: &str, cards: &[(&str, &str, &[&str])]) {
    for (n, (title, body, tags)) in cards.iter().enumerate() {
        ops.fields(
            EntityKind::Guidance,
            &format!("{unit}-g{}", n + 1),
            unit,
            vec![
                ("title", json!(title)),
                ("body", json!(body)),
                ("tags", json!(tags)),
            ],
        );
    }
}

/// The demo's operations, stamped at `now`.
pub fn operations(now: Timestamp) -> Vec<Operation> {
    let mut ops = Ops {
        now,
        counter: 0,
        ops: Vec::new(),
    };
    for (i, (name, preferred)) in CARE_HOME_PEOPLE.iter().enumerate() {
        person(&mut ops, CARE_HOME, i, name, *preferred, false);
    }
    for (i, (name, preferred)) in WARD_PEOPLE.iter().enumerate() {
        person(&mut ops, WARD, i, name, *preferred, true);
    }
    guidance(&mut ops, CARE_HOME, &CARE_HOME_GUIDANCE);
    guidance(&mut ops, WARD, &WARD_GUIDANCE);
    ops.ops
}

/// Creates the demo units (if missing) and writes the demo data (if not written before).
pub async fn seed<S: Storage>(storage: &S, now: Timestamp) -> StorageResult<Seeded> {
    let mut seeded = Seeded {
        people: CARE_HOME_PEOPLE.len() + WARD_PEOPLE.len(),
        guidance_cards: CARE_HOME_GUIDANCE.len() + WARD_GUIDANCE.len(),
        ..Seeded::default()
    };
    for unit in units() {
        match storage.create_unit(&unit).await {
            Ok(()) => seeded.units_created += 1,
            Err(StorageError::Exists(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let ops = operations(now);
    seeded.operations = ops.len();
    let before = storage.cell_count().await?;
    for batch in ops.chunks(MAX_PUSH_OPS) {
        let results = storage.push(None, batch, now).await?;
        for r in results {
            match r.outcome {
                OpOutcome::Applied { .. } | OpOutcome::Superseded { .. } => {}
                OpOutcome::Rejected { detail, .. } => {
                    return Err(StorageError::Invalid(format!(
                        "demo operation {} was rejected: {detail}",
                        r.op_id
                    )));
                }
            }
        }
    }
    seeded.cells_written = storage.cell_count().await?.saturating_sub(before);
    Ok(seeded)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The audit found 8 of 12 ward patients authorising a supine hold that their own
    /// contraindications forbid. No demo plan authorises an intervention its person's own alerts
    /// or contraindications rule out, none authorises seclusion, segregation or oral PRN as
    /// restraint, and the check is not vacuous (the ward authorises holds).
    #[test]
    fn no_demo_plan_authorises_what_its_own_cautions_rule_out() {
        use std::collections::HashMap;
        let ops = operations(Timestamp(1_800_000_000_000));
        let mut cautions: HashMap<&str, Vec<String>> = HashMap::new();
        let mut authorised: HashMap<&str, Vec<String>> = HashMap::new();
        for op in &ops {
            if let Change::Item { list, value, .. } = &op.change {
                let text = |key: &str| value[key].as_str().unwrap_or_default().to_string();
                match list.as_str() {
                    "safety_alerts" | "red.contraindications" => cautions
                        .entry(op.entity_id.as_str())
                        .or_default()
                        .push(text("text")),
                    "red.authorised_interventions" => authorised
                        .entry(op.entity_id.as_str())
                        .or_default()
                        .push(text("type")),
                    _ => {}
                }
            }
        }
        let mut ward_holds = 0;
        for (person, codes) in &authorised {
            let own: Vec<&str> = cautions[person].iter().map(String::as_str).collect();
            for code in codes {
                assert!(
                    !ruled_out(code, &own),
                    "{person} authorises {code} against {own:?}"
                );
                assert!(
                    !["05", "06", "16"].contains(&code.as_str()),
                    "{person}: {code}"
                );
                if person.contains("willow") && ["07", "09"].contains(&code.as_str()) {
                    ward_holds += 1;
                }
            }
        }
        assert!(
            ward_holds >= 6,
            "the ward's plans authorise holds ({ward_holds})"
        );
    }

    #[test]
    fn demo_operations_are_valid_unique_and_complete() {
        let ops = operations(Timestamp(1_800_000_000_000));
        let ids: HashSet<&str> = ops.iter().map(|o| o.op_id.as_str()).collect();
        assert_eq!(ids.len(), ops.len(), "op ids are unique");
        // Valid by the record schema, as the server writes them (the same check every op meets).
        let ctx = steady_core::record_schema::Context {
            writer: steady_core::record_schema::Writer::Server,
            now: Timestamp(1_800_000_000_000),
            creating: true,
            mental_health_unit: false,
        };
        for (i, op) in ops.iter().enumerate() {
            steady_core::record_schema::check_op(op, &ctx)
                .unwrap_or_else(|e| panic!("op[{i}]: {e}"));
        }
        let sam: Vec<&Operation> = ops
            .iter()
            .filter(|o| o.entity == EntityKind::Sheet && o.entity_id == "demo-oakfield-p01")
            .collect();
        for field in SheetText::ALL {
            assert!(
                sam.iter()
                    .any(|o| matches!(&o.change, Change::Fields(f) if f.contains_key(field.key()))),
                "{field:?}"
            );
        }
        for list in SheetList::ALL {
            let n = sam
                .iter()
                .filter(|o| matches!(&o.change, Change::Item { list: l, .. } if l == list.key()))
                .count();
            assert!((3..=5).contains(&n), "{list:?}: {n}");
        }
        let cards = ops
            .iter()
            .filter(|o| o.entity == EntityKind::Guidance)
            .count();
        assert_eq!(cards, 11);
        // Ids do not depend on the clock: seeding again answers the same ids and writes nothing.
        let again = operations(Timestamp(1_900_000_000_000));
        assert!(again.iter().zip(&ops).all(|(a, b)| a.op_id == b.op_id));
    }
}
