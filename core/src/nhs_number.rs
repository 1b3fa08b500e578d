//! The NHS number: the "consistent identifier" of s.6(5)(g) of the Mental Health Units (Use of
//! Force) Act 2018.
//!
//! The Act takes the term from the Health and Social Care Act 2012 s.251A: an identifier "that
//! forms part of a set of similar identifiers that is of general application"; its explanatory
//! notes give the NHS number as the example. A hospital or room number is local, not of general
//! application, so it never satisfies (g) (it stays beside the NHS number as the person's local
//! identifier). An NHS number is 10 digits whose last is a check digit by the Modulus 11
//! algorithm (NHS Data Dictionary, "NHS Number"): each of the first nine digits is multiplied
//! by a weight from 10 down to 2, the products are summed, and the check digit is 11 minus the
//! remainder on division by 11 — 0 when that is 11, and no valid number when it is 10. People
//! type it in groups (`943 476 5919`): spaces and hyphens are accepted and dropped.
//!
//! Synthetic test data uses numbers beginning 999, a range the NHS never issues.

use crate::error::{Error, Result};

/// The check digit for the first nine digits, or `None` when no check digit can make them a
/// valid NHS number (the remainder gives 10).
fn check_digit(first_nine: &[u32]) -> Option<u32> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        d => Some(d),
    }
}

/// Whether `digits` (10 ASCII digits, nothing else) is a valid NHS number.
pub fn is_valid(digits: &str) -> bool {
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    check_digit(&d[..9]) == Some(d[9])
}

/// An NHS number as typed, as its 10 digits; `field` names the input in the error.
pub fn parse(text: &str, field: &str) -> Result<String> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(field, "an NHS number is 10 digits"));
    }
    if !is_valid(&digits) {
        return Err(Error::invalid(
            field,
            "this is not a valid NHS number (its check digit does not match): check it was typed \
             correctly",
        ));
    }
    Ok(digits)
}

/// `digits` shown as people read it: `943 476 5919`.
pub fn display(digits: &str) -> String {
    if digits.len() == 10 {
        format!("{} {} {}", &digits[..3], &digits[3..6], &digits[6..])
    } else {
        digits.to_string()
    }
}

/// The `n`th synthetic NHS number (999-prefixed, valid by its check digit): for test and demo
/// data only.
pub fn synthetic(n: u32) -> String {
    (0..)
        .map(|k| 999_000_000 + (n * 7 + k) % 1_000_000)
        .find_map(|first_nine| {
            let text = format!("{first_nine:09}");
            let d: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
            check_digit(&d).map(|c| format!("{text}{c}"))
        })
        .expect("some check digit exists within a few tries")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 943 476 5919 is the example the NHS publishes; changing any one digit breaks it.
    #[test]
    fn the_published_example_is_valid_and_any_one_digit_changed_is_not() {
        assert!(is_valid("9434765919"));
        let digits: Vec<char> = "9434765919".chars().collect();
        for i in 0..10 {
            for replacement in '0'..='9' {
                if replacement == digits[i] {
                    continue;
                }
                let mut changed = digits.clone();
                changed[i] = replacement;
                let changed: String = changed.into_iter().collect();
                assert!(!is_valid(&changed), "{changed}");
            }
        }
    }

    #[test]
    fn typed_numbers_are_read_and_bad_ones_refused_with_why() {
        assert_eq!(parse("943 476 5919", "nhs_number").unwrap(), "9434765919");
        assert_eq!(parse("943-476-5919", "nhs_number").unwrap(), "9434765919");
        for bad in ["943 476 591", "94347659190", "943 476 591X", ""] {
            match parse(bad, "nhs_number") {
                Err(Error::Validation { field, rule }) => {
                    assert_eq!(field, "nhs_number");
                    assert!(rule.contains("10 digits"), "{bad}: {rule}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        match parse("943 476 5918", "nhs_number") {
            Err(Error::Validation { rule, .. }) => assert!(rule.contains("check digit")),
            other => panic!("{other:?}"),
        }
        assert_eq!(display("9434765919"), "943 476 5919");
    }

    /// A remainder of 1 asks for check digit 10, which no number has: none of those is valid.
    #[test]
    fn nine_digits_that_would_need_a_check_digit_of_ten_are_never_valid() {
        // 100 000 001: 1×10 + 1×2 = 12, remainder 1, check digit 10.
        assert_eq!(check_digit(&[1, 0, 0, 0, 0, 0, 0, 0, 1]), None);
        for last in 0..=9 {
            assert!(!is_valid(&format!("100000001{last}")));
        }
    }

    #[test]
    fn synthetic_numbers_are_valid_distinct_and_in_the_test_range() {
        let numbers: Vec<String> = (0..500).map(synthetic).collect();
        assert!(numbers.iter().all(|n| n.starts_with("999") && is_valid(n)));
        let distinct: std::collections::HashSet<&String> = numbers.iter().collect();
        assert_eq!(distinct.len(), numbers.len());
    }
}
