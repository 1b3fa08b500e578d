//! The person's relevant characteristics, s.6(5)(k) of the Mental Health Units (Use of Force)
//! Act 2018, as structured answers.
//!
//! The Act asks for "the relevant characteristics of the patient (if known)" and does not define
//! the words (s.13, Interpretation, has no entry for them); the statutory guidance and NHS
//! England's returns read them as the protected characteristics of the Equality Act 2010 s.4:
//! age, disability, gender reassignment, marriage and civil partnership, pregnancy and
//! maternity, race, religion or belief, sex, and sexual orientation. Recording them is what
//! lets a trust see whether force falls unequally on some groups, so each is its own answer,
//! never one free-text line: stated, not known, or the person prefers not to say.
//!
//! s.6(5)(k) is met when every characteristic has an answer (and "not known" is an answer: the
//! Act says "if known"). The older free-text `relevant_characteristics` of records made before
//! this existed still meets it, so no submitted record changes its standing.

use serde::{Deserialize, Serialize};

/// The longest stated answer ("34", "Black British — Caribbean", ...).
pub const ANSWER_CHARS: usize = 100;

/// One characteristic's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Answer {
    /// As the person (or their record) states it.
    Stated {
        /// The words, at most [`ANSWER_CHARS`].
        value: String,
    },
    /// Not known to staff at the time of recording.
    NotKnown,
    /// The person was asked and prefers not to say.
    PrefersNotToSay,
}

/// The nine protected characteristics of the Equality Act 2010 s.4, each answered or not yet
/// asked (`None`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RelevantCharacteristics {
    /// Age (Equality Act 2010 s.5).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub age: Option<Answer>,
    /// Disability (s.6).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub disability: Option<Answer>,
    /// Gender reassignment (s.7).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub gender_reassignment: Option<Answer>,
    /// Marriage and civil partnership (s.8).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub marriage_and_civil_partnership: Option<Answer>,
    /// Pregnancy and maternity (s.4; see ss.17–18).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub pregnancy_and_maternity: Option<Answer>,
    /// Race, including colour, nationality and ethnic or national origins (s.9).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub race: Option<Answer>,
    /// Religion or belief (s.10).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub religion_or_belief: Option<Answer>,
    /// Sex (s.11).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub sex: Option<Answer>,
    /// Sexual orientation (s.12).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub sexual_orientation: Option<Answer>,
}

/// One characteristic: its name on the wire and in exports, and its words on a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Characteristic {
    /// The field name (`age`, `religion_or_belief`, ...).
    pub name: &'static str,
    /// The Equality Act's words.
    pub label: &'static str,
}

/// The nine, in the Act's order (Equality Act 2010 s.4).
pub const CHARACTERISTICS: [Characteristic; 9] = [
    Characteristic {
        name: "age",
        label: "Age",
    },
    Characteristic {
        name: "disability",
        label: "Disability",
    },
    Characteristic {
        name: "gender_reassignment",
        label: "Gender reassignment",
    },
    Characteristic {
        name: "marriage_and_civil_partnership",
        label: "Marriage and civil partnership",
    },
    Characteristic {
        name: "pregnancy_and_maternity",
        label: "Pregnancy and maternity",
    },
    Characteristic {
        name: "race",
        label: "Race",
    },
    Characteristic {
        name: "religion_or_belief",
        label: "Religion or belief",
    },
    Characteristic {
        name: "sex",
        label: "Sex",
    },
    Characteristic {
        name: "sexual_orientation",
        label: "Sexual orientation",
    },
];

impl RelevantCharacteristics {
    /// The answers in the order of [`CHARACTERISTICS`].
    pub fn answers(&self) -> [(&'static Characteristic, Option<&Answer>); 9] {
        let a = [
            &self.age,
            &self.disability,
            &self.gender_reassignment,
            &self.marriage_and_civil_partnership,
            &self.pregnancy_and_maternity,
            &self.race,
            &self.religion_or_belief,
            &self.sex,
            &self.sexual_orientation,
        ];
        std::array::from_fn(|i| (&CHARACTERISTICS[i], a[i].as_ref()))
    }

    /// Every characteristic has an answer (s.6(5)(k) recorded).
    pub fn complete(&self) -> bool {
        self.answers().iter().all(|(_, a)| a.is_some())
    }

    /// The first stated answer that is empty or too long, as `(name, problem)`.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        self.answers().into_iter().find_map(|(c, a)| match a {
            Some(Answer::Stated { value }) if value.trim().is_empty() => {
                Some((c.name, "a stated answer must not be empty".to_string()))
            }
            Some(Answer::Stated { value }) if value.chars().count() > ANSWER_CHARS => {
                Some((c.name, format!("at most {ANSWER_CHARS} characters")))
            }
            Some(Answer::Stated { value }) if value.chars().any(char::is_control) => {
                Some((c.name, "must not contain control characters".to_string()))
            }
            _ => None,
        })
    }

    /// One line for a record or an export: "Age: 34; Sex: prefers not to say; ...".
    pub fn summary(&self) -> String {
        self.answers()
            .into_iter()
            .filter_map(|(c, a)| {
                a.map(|a| {
                    let said = match a {
                        Answer::Stated { value } => value.clone(),
                        Answer::NotKnown => "not known".to_string(),
                        Answer::PrefersNotToSay => "prefers not to say".to_string(),
                    };
                    format!("{}: {said}", c.label)
                })
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_characteristic_answered_is_complete_and_not_known_is_an_answer() {
        let mut c = RelevantCharacteristics::default();
        assert!(!c.complete());
        for field in [
            &mut c.age,
            &mut c.disability,
            &mut c.gender_reassignment,
            &mut c.marriage_and_civil_partnership,
            &mut c.pregnancy_and_maternity,
            &mut c.race,
            &mut c.religion_or_belief,
            &mut c.sex,
        ] {
            *field = Some(Answer::NotKnown);
        }
        assert!(!c.complete(), "sexual orientation not yet asked");
        c.sexual_orientation = Some(Answer::PrefersNotToSay);
        assert!(c.complete());
        assert!(
            c.summary()
                .ends_with("Sexual orientation: prefers not to say")
        );
    }

    #[test]
    fn a_stated_answer_is_bounded_and_travels_tagged() {
        let c = RelevantCharacteristics {
            age: Some(Answer::Stated { value: " ".into() }),
            ..Default::default()
        };
        assert_eq!(c.problem().unwrap().0, "age");
        let c = RelevantCharacteristics {
            race: Some(Answer::Stated {
                value: "x".repeat(ANSWER_CHARS + 1),
            }),
            ..Default::default()
        };
        assert_eq!(c.problem().unwrap().0, "race");
        let json = serde_json::to_value(Answer::Stated { value: "34".into() }).unwrap();
        assert_eq!(json, serde_json::json!({"answer": "stated", "value": "34"}));
        assert_eq!(
            serde_json::to_value(Answer::PrefersNotToSay).unwrap(),
            serde_json::json!({"answer": "prefers_not_to_say"})
        );
    }
}
