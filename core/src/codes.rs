//! The code lists Steady records against, defined once.
//!
//! Incidents, support sheets, sync and the apps all speak of the same restrictive intervention
//! types, reasons, incident tags, de-escalation steps and roles. Each list lives here, with its
//! wire form and a plain-English label, so that no other module (and no Kotlin or Swift screen)
//! keeps its own copy that can drift. The restrictive intervention codes are those of the NHS
//! Mental Health Services Data Set (MHSDS) and travel as their two-digit code strings, exactly as
//! a return would carry them.

use crate::error::Error;

/// The most characters of an unknown code echoed back in an error message.
const SHOWN_CODE_CHARS: usize = 12;

/// An unknown code as it is quoted in an error: at most a few characters, never a whole document.
fn shown(code: &str) -> String {
    let mut quoted: String = code.chars().take(SHOWN_CODE_CHARS).collect();
    if code.chars().count() > SHOWN_CODE_CHARS {
        quoted.push('…');
    }
    format!("{quoted:?}")
}

/// A restrictive intervention type, as coded by the MHSDS.
///
/// Travels (JSON, store, sync) as its two-digit code, e.g. `"01"` for a prone restraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RestrictiveInterventionType {
    /// 01: physical restraint, prone (face down).
    PhysicalProne,
    /// 07: physical restraint, standing.
    PhysicalStanding,
    /// 08: physical restraint, restrictive escort.
    PhysicalRestrictiveEscort,
    /// 09: physical restraint, supine (face up).
    PhysicalSupine,
    /// 10: physical restraint, side.
    PhysicalSide,
    /// 11: physical restraint, seated.
    PhysicalSeated,
    /// 12: physical restraint, kneeling.
    PhysicalKneeling,
    /// 13: physical restraint, other.
    PhysicalOther,
    /// 14: chemical restraint, injection given as rapid tranquillisation.
    ChemicalInjectionRapidTranquillisation,
    /// 15: chemical restraint, injection not given as rapid tranquillisation.
    ChemicalInjectionNonRapidTranquillisation,
    /// 16: chemical restraint, oral.
    ChemicalOral,
    /// 17: chemical restraint, other.
    ChemicalOther,
    /// 04: mechanical restraint.
    Mechanical,
    /// 05: seclusion.
    Seclusion,
    /// 06: segregation.
    Segregation,
}

impl RestrictiveInterventionType {
    /// Every type, in display order: physical holds first, then chemical, mechanical, seclusion
    /// and segregation (the order of the MHSDS list, not numeric order).
    pub const ALL: [Self; 15] = [
        Self::PhysicalProne,
        Self::PhysicalStanding,
        Self::PhysicalRestrictiveEscort,
        Self::PhysicalSupine,
        Self::PhysicalSide,
        Self::PhysicalSeated,
        Self::PhysicalKneeling,
        Self::PhysicalOther,
        Self::ChemicalInjectionRapidTranquillisation,
        Self::ChemicalInjectionNonRapidTranquillisation,
        Self::ChemicalOral,
        Self::ChemicalOther,
        Self::Mechanical,
        Self::Seclusion,
        Self::Segregation,
    ];

    /// The MHSDS two-digit code, e.g. `"01"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PhysicalProne => "01",
            Self::PhysicalStanding => "07",
            Self::PhysicalRestrictiveEscort => "08",
            Self::PhysicalSupine => "09",
            Self::PhysicalSide => "10",
            Self::PhysicalSeated => "11",
            Self::PhysicalKneeling => "12",
            Self::PhysicalOther => "13",
            Self::ChemicalInjectionRapidTranquillisation => "14",
            Self::ChemicalInjectionNonRapidTranquillisation => "15",
            Self::ChemicalOral => "16",
            Self::ChemicalOther => "17",
            Self::Mechanical => "04",
            Self::Seclusion => "05",
            Self::Segregation => "06",
        }
    }

    /// A plain-English name to show staff.
    pub fn label(&self) -> &'static str {
        match self {
            Self::PhysicalProne => "Physical restraint: prone (face down)",
            Self::PhysicalStanding => "Physical restraint: standing",
            Self::PhysicalRestrictiveEscort => "Physical restraint: restrictive escort",
            Self::PhysicalSupine => "Physical restraint: supine (face up)",
            Self::PhysicalSide => "Physical restraint: side",
            Self::PhysicalSeated => "Physical restraint: seated",
            Self::PhysicalKneeling => "Physical restraint: kneeling",
            Self::PhysicalOther => "Physical restraint: other",
            Self::ChemicalInjectionRapidTranquillisation => {
                "Chemical restraint: injection (rapid tranquillisation)"
            }
            Self::ChemicalInjectionNonRapidTranquillisation => {
                "Chemical restraint: injection (not rapid tranquillisation)"
            }
            Self::ChemicalOral => "Chemical restraint: oral",
            Self::ChemicalOther => "Chemical restraint: other",
            Self::Mechanical => "Mechanical restraint",
            Self::Seclusion => "Seclusion",
            Self::Segregation => "Segregation",
        }
    }

    /// The type with this MHSDS code (exactly two digits, e.g. `"01"`), if there is one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// Whether this is a prone (face-down) hold, which some returns report separately when it
    /// lasts over 10 minutes.
    pub fn is_prone(&self) -> bool {
        matches!(self, Self::PhysicalProne)
    }

    /// Whether this is a physical restraint (codes 01 and 07 to 13).
    pub fn is_physical(&self) -> bool {
        matches!(
            self,
            Self::PhysicalProne
                | Self::PhysicalStanding
                | Self::PhysicalRestrictiveEscort
                | Self::PhysicalSupine
                | Self::PhysicalSide
                | Self::PhysicalSeated
                | Self::PhysicalKneeling
                | Self::PhysicalOther
        )
    }
}

impl From<RestrictiveInterventionType> for String {
    fn from(kind: RestrictiveInterventionType) -> Self {
        kind.code().to_owned()
    }
}

impl TryFrom<String> for RestrictiveInterventionType {
    type Error = Error;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::from_code(&code).ok_or_else(|| {
            Error::invalid(
                "restrictive_intervention_type",
                format!(
                    "{} is not an MHSDS restrictive intervention type code",
                    shown(&code)
                ),
            )
        })
    }
}

/// Whether anyone was injured in an incident: captured at source as the member of staff answers,
/// never inferred from free text ("none observed" and "not checked" are not the same answer).
///
/// MHSDS v5 keeps injury indicators for the patient, for care personnel and for other people
/// on the restrictive intervention record; Steady asks the three questions in the same shape.
/// Travels as `"yes"`, `"no"` or `"not_known"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum InjuryIndicator {
    /// Someone in this group was injured.
    Yes,
    /// Nobody in this group was injured.
    No,
    /// Not known (not checked, the person refused a check, they left).
    NotKnown,
}

impl InjuryIndicator {
    /// Every answer, in the order a form offers them.
    pub const ALL: [InjuryIndicator; 3] = [
        InjuryIndicator::Yes,
        InjuryIndicator::No,
        InjuryIndicator::NotKnown,
    ];

    /// The wire and store form.
    pub fn code(self) -> &'static str {
        match self {
            InjuryIndicator::Yes => "yes",
            InjuryIndicator::No => "no",
            InjuryIndicator::NotKnown => "not_known",
        }
    }

    /// Plain English for a form.
    pub fn label(self) -> &'static str {
        match self {
            InjuryIndicator::Yes => "Yes",
            InjuryIndicator::No => "No",
            InjuryIndicator::NotKnown => "Not known",
        }
    }

    /// Its answer from the wire form.
    pub fn from_code(code: &str) -> Option<InjuryIndicator> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }
}

/// Why a restrictive intervention was used, as coded by the MHSDS.
///
/// Travels (JSON, store, sync) as its two-digit code, e.g. `"10"` for preventing violence to
/// others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RestrictiveInterventionReason {
    /// 10: to prevent violence to others.
    PreventViolenceToOthers,
    /// 11: to prevent serious intentional self-harm.
    PreventSeriousIntentionalSelfHarm,
    /// 12: to prevent accidental serious self-injury.
    PreventAccidentalSeriousSelfInjury,
    /// 13: to administer treatment.
    AdministerTreatment,
    /// 14: for personal care.
    PersonalCare,
    /// 15: for nasogastric (NG) feeding.
    NasogastricFeeding,
    /// 16: because of prolonged over-activity.
    ProlongedOverActivity,
    /// 17: because of otherwise dangerous behaviour.
    OtherwiseDangerousBehaviour,
    /// 18: to carry out a search.
    Search,
    /// 19: to prevent absconding from lawful custody.
    PreventAbscondingFromLawfulCustody,
    /// 98: another reason.
    Other,
    /// 99: the reason is not known.
    NotKnown,
}

impl RestrictiveInterventionReason {
    /// Every reason, in code order.
    pub const ALL: [Self; 12] = [
        Self::PreventViolenceToOthers,
        Self::PreventSeriousIntentionalSelfHarm,
        Self::PreventAccidentalSeriousSelfInjury,
        Self::AdministerTreatment,
        Self::PersonalCare,
        Self::NasogastricFeeding,
        Self::ProlongedOverActivity,
        Self::OtherwiseDangerousBehaviour,
        Self::Search,
        Self::PreventAbscondingFromLawfulCustody,
        Self::Other,
        Self::NotKnown,
    ];

    /// The MHSDS two-digit code, e.g. `"10"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PreventViolenceToOthers => "10",
            Self::PreventSeriousIntentionalSelfHarm => "11",
            Self::PreventAccidentalSeriousSelfInjury => "12",
            Self::AdministerTreatment => "13",
            Self::PersonalCare => "14",
            Self::NasogastricFeeding => "15",
            Self::ProlongedOverActivity => "16",
            Self::OtherwiseDangerousBehaviour => "17",
            Self::Search => "18",
            Self::PreventAbscondingFromLawfulCustody => "19",
            Self::Other => "98",
            Self::NotKnown => "99",
        }
    }

    /// A plain-English reason to show staff.
    pub fn label(&self) -> &'static str {
        match self {
            Self::PreventViolenceToOthers => "Prevent violence to others",
            Self::PreventSeriousIntentionalSelfHarm => "Prevent serious intentional self-harm",
            Self::PreventAccidentalSeriousSelfInjury => "Prevent accidental serious self-injury",
            Self::AdministerTreatment => "Administer treatment",
            Self::PersonalCare => "Personal care",
            Self::NasogastricFeeding => "Nasogastric (NG) feeding",
            Self::ProlongedOverActivity => "Prolonged over-activity",
            Self::OtherwiseDangerousBehaviour => "Otherwise dangerous behaviour",
            Self::Search => "Search",
            Self::PreventAbscondingFromLawfulCustody => "Prevent absconding from lawful custody",
            Self::Other => "Other",
            Self::NotKnown => "Not known",
        }
    }

    /// The reason with this MHSDS code (exactly two digits, e.g. `"10"`), if there is one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.code() == code)
    }
}

impl From<RestrictiveInterventionReason> for String {
    fn from(reason: RestrictiveInterventionReason) -> Self {
        reason.code().to_owned()
    }
}

impl TryFrom<String> for RestrictiveInterventionReason {
    type Error = Error;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::from_code(&code).ok_or_else(|| {
            Error::invalid(
                "restrictive_intervention_reason",
                format!(
                    "{} is not an MHSDS restrictive intervention reason code",
                    shown(&code)
                ),
            )
        })
    }
}

/// What happened in an incident, ticked at quick capture; an incident may carry several.
///
/// Travels as a snake_case string, e.g. `"physical_aggression_to_staff"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum IncidentTag {
    /// Shouting, swearing, threats or insults.
    VerbalAggression,
    /// Physical aggression towards staff.
    PhysicalAggressionToStaff,
    /// Physical aggression towards other people (other residents, patients, visitors, the public).
    PhysicalAggressionToOthers,
    /// Physical aggression to self: self-harm.
    PhysicalAggressionToSelf,
    /// Damage to property.
    DamageToProperty,
    /// The person left, or tried to leave, without agreement.
    Absconding,
    /// Something nearly happened and was avoided.
    NearMiss,
    /// Distress was de-escalated successfully.
    DeescalatedSuccessfully,
}

impl IncidentTag {
    /// Every tag, in the order the capture screen shows them.
    pub const ALL: [Self; 8] = [
        Self::VerbalAggression,
        Self::PhysicalAggressionToStaff,
        Self::PhysicalAggressionToOthers,
        Self::PhysicalAggressionToSelf,
        Self::DamageToProperty,
        Self::Absconding,
        Self::NearMiss,
        Self::DeescalatedSuccessfully,
    ];

    /// A plain-English name to show staff.
    pub fn label(&self) -> &'static str {
        match self {
            Self::VerbalAggression => "Verbal aggression",
            Self::PhysicalAggressionToStaff => "Physical aggression to staff",
            Self::PhysicalAggressionToOthers => "Physical aggression to others",
            Self::PhysicalAggressionToSelf => "Physical aggression to self (self-harm)",
            Self::DamageToProperty => "Damage to property",
            Self::Absconding => "Absconding",
            Self::NearMiss => "Near miss",
            Self::DeescalatedSuccessfully => "De-escalated successfully",
        }
    }
}

/// A general de-escalation step, ticked alongside the person's own "what helps" list.
///
/// Travels as a snake_case string, e.g. `"give_space"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DeescalationStep {
    /// Gave the person physical space.
    GiveSpace,
    /// Lowered tone and volume of voice.
    LowerTone,
    /// Offered the person choices.
    OfferChoices,
    /// Gave the person time.
    GiveTime,
    /// Used distraction.
    Distraction,
    /// Swapped to a different member of staff.
    SwapStaff,
    /// Called for support.
    CallForSupport,
}

impl DeescalationStep {
    /// Every general step, in the order the capture screen shows them.
    pub const ALL: [Self; 7] = [
        Self::GiveSpace,
        Self::LowerTone,
        Self::OfferChoices,
        Self::GiveTime,
        Self::Distraction,
        Self::SwapStaff,
        Self::CallForSupport,
    ];

    /// A plain-English name to show staff.
    pub fn label(&self) -> &'static str {
        match self {
            Self::GiveSpace => "Give space",
            Self::LowerTone => "Lower tone and volume",
            Self::OfferChoices => "Offer choices",
            Self::GiveTime => "Give time",
            Self::Distraction => "Distraction",
            Self::SwapStaff => "Swap staff",
            Self::CallForSupport => "Call for support",
        }
    }
}

/// A device's role in a unit, from its grant. Ordered by what it allows:
/// reader < editor < lead, and each role may do everything the roles below it may.
///
/// Travels as a lowercase string: `"reader"`, `"editor"`, `"lead"`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Role {
    /// Reads support sheets, runs checklists and captures incidents (e.g. bank and agency staff).
    Reader,
    /// A reader who may also edit support sheets.
    Editor,
    /// An editor who may also review and amend incidents and manage enrolment.
    Lead,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Self; 3] = [Self::Reader, Self::Editor, Self::Lead];

    /// The role named `name` (`"reader"`, `"editor"` or `"lead"`; case and surrounding spaces
    /// are ignored), if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(name))
    }

    /// The wire name, as serde writes it and the store keeps it: `"reader"`, `"editor"` or
    /// `"lead"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::Editor => "editor",
            Self::Lead => "lead",
        }
    }

    /// A plain-English name to show staff.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Reader => "Reader",
            Self::Editor => "Editor",
            Self::Lead => "Lead",
        }
    }

    /// Whether this role may edit support sheets (editor and lead).
    pub fn can_edit_sheets(&self) -> bool {
        *self >= Self::Editor
    }

    /// Whether this role may review and amend incidents (lead only).
    pub fn can_review_incidents(&self) -> bool {
        *self >= Self::Lead
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn validation_of<T: std::fmt::Debug>(result: Result<T, Error>) -> (String, String) {
        match result {
            Err(Error::Validation { field, rule }) => (field, rule),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn intervention_types_round_trip_through_code_and_serde() {
        for kind in RestrictiveInterventionType::ALL {
            assert_eq!(
                RestrictiveInterventionType::from_code(kind.code()),
                Some(kind)
            );
            let json = serde_json::to_string(&kind).expect("serialise");
            assert_eq!(json, format!("\"{}\"", kind.code()));
            let back: RestrictiveInterventionType =
                serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, kind);
            assert!(!kind.label().is_empty());
        }
    }

    #[test]
    fn intervention_type_codes_are_the_mhsds_set_and_unique() {
        let codes: Vec<&str> = RestrictiveInterventionType::ALL
            .iter()
            .map(|kind| kind.code())
            .collect();
        let unique: HashSet<&str> = codes.iter().copied().collect();
        assert_eq!(unique.len(), codes.len());
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            [
                "01", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
                "17"
            ]
        );
        assert!(codes.iter().all(|code| code.len() == 2));
    }

    #[test]
    fn only_01_is_prone_and_physical_holds_are_01_and_07_to_13() {
        let prone: Vec<_> = RestrictiveInterventionType::ALL
            .into_iter()
            .filter(|kind| kind.is_prone())
            .map(|kind| kind.code())
            .collect();
        assert_eq!(prone, ["01"]);
        let physical: Vec<_> = RestrictiveInterventionType::ALL
            .into_iter()
            .filter(|kind| kind.is_physical())
            .map(|kind| kind.code())
            .collect();
        assert_eq!(physical, ["01", "07", "08", "09", "10", "11", "12", "13"]);
    }

    #[test]
    fn reasons_round_trip_and_codes_are_unique() {
        let mut codes = HashSet::new();
        for reason in RestrictiveInterventionReason::ALL {
            assert!(codes.insert(reason.code()), "duplicate {}", reason.code());
            assert_eq!(
                RestrictiveInterventionReason::from_code(reason.code()),
                Some(reason)
            );
            let json = serde_json::to_string(&reason).expect("serialise");
            assert_eq!(json, format!("\"{}\"", reason.code()));
            let back: RestrictiveInterventionReason =
                serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, reason);
            assert!(!reason.label().is_empty());
        }
        let expected: HashSet<&str> = [
            "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "98", "99",
        ]
        .into_iter()
        .collect();
        assert_eq!(codes, expected);
    }

    #[test]
    fn unknown_codes_are_refused_with_the_code_named() {
        assert_eq!(RestrictiveInterventionType::from_code("02"), None);
        assert_eq!(RestrictiveInterventionType::from_code("1"), None);
        assert_eq!(RestrictiveInterventionReason::from_code("20"), None);

        let err = serde_json::from_str::<RestrictiveInterventionType>("\"02\"")
            .expect_err("02 is not a type code");
        assert!(err.to_string().contains("\"02\""), "{err}");
        let err = serde_json::from_str::<RestrictiveInterventionReason>("\"97\"")
            .expect_err("97 is not a reason code");
        assert!(err.to_string().contains("\"97\""), "{err}");

        let (field, rule) = validation_of(RestrictiveInterventionType::try_from("x9".to_owned()));
        assert_eq!(field, "restrictive_intervention_type");
        assert!(rule.contains("\"x9\""), "{rule}");
        let (field, rule) = validation_of(RestrictiveInterventionReason::try_from("00".to_owned()));
        assert_eq!(field, "restrictive_intervention_reason");
        assert!(rule.contains("\"00\""), "{rule}");
    }

    #[test]
    fn a_long_unknown_code_is_quoted_only_in_part() {
        let long = "9".repeat(500);
        let (_, rule) = validation_of(RestrictiveInterventionType::try_from(long));
        assert!(rule.len() < 120, "{rule}");
        assert!(rule.contains("999999999999…"), "{rule}");
    }

    #[test]
    fn a_code_must_be_a_string() {
        assert!(serde_json::from_str::<RestrictiveInterventionType>("1").is_err());
        assert!(serde_json::from_str::<RestrictiveInterventionReason>("10").is_err());
    }

    #[test]
    fn incident_tags_travel_as_snake_case_and_are_distinct() {
        let names: Vec<String> = IncidentTag::ALL
            .iter()
            .map(|tag| serde_json::to_string(tag).expect("serialise"))
            .collect();
        assert_eq!(
            names,
            [
                "\"verbal_aggression\"",
                "\"physical_aggression_to_staff\"",
                "\"physical_aggression_to_others\"",
                "\"physical_aggression_to_self\"",
                "\"damage_to_property\"",
                "\"absconding\"",
                "\"near_miss\"",
                "\"deescalated_successfully\"",
            ]
        );
        for (tag, name) in IncidentTag::ALL.iter().zip(&names) {
            let back: IncidentTag = serde_json::from_str(name).expect("deserialise");
            assert_eq!(&back, tag);
        }
        let labels: HashSet<&str> = IncidentTag::ALL.iter().map(|tag| tag.label()).collect();
        assert_eq!(labels.len(), IncidentTag::ALL.len());
        assert!(serde_json::from_str::<IncidentTag>("\"VerbalAggression\"").is_err());
    }

    #[test]
    fn deescalation_steps_travel_as_snake_case_and_are_distinct() {
        let names: Vec<String> = DeescalationStep::ALL
            .iter()
            .map(|step| serde_json::to_string(step).expect("serialise"))
            .collect();
        assert_eq!(
            names,
            [
                "\"give_space\"",
                "\"lower_tone\"",
                "\"offer_choices\"",
                "\"give_time\"",
                "\"distraction\"",
                "\"swap_staff\"",
                "\"call_for_support\"",
            ]
        );
        for (step, name) in DeescalationStep::ALL.iter().zip(&names) {
            let back: DeescalationStep = serde_json::from_str(name).expect("deserialise");
            assert_eq!(&back, step);
        }
        let labels: HashSet<&str> = DeescalationStep::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(labels.len(), DeescalationStep::ALL.len());
    }

    #[test]
    fn roles_are_ordered_and_grant_what_they_should() {
        assert!(Role::Reader < Role::Editor && Role::Editor < Role::Lead);
        let can_edit: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| role.can_edit_sheets())
            .collect();
        assert_eq!(can_edit, [Role::Editor, Role::Lead]);
        let can_review: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| role.can_review_incidents())
            .collect();
        assert_eq!(can_review, [Role::Lead]);
    }

    #[test]
    fn roles_parse_and_round_trip_through_serde() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).expect("serialise");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(
                serde_json::from_str::<Role>(&json).expect("deserialise"),
                role
            );
            assert_eq!(Role::parse(json.trim_matches('"')), Some(role));
        }
        assert_eq!(Role::parse(" Lead "), Some(Role::Lead));
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::parse(""), None);
        assert!(serde_json::from_str::<Role>("\"Lead\"").is_err());
    }
}
