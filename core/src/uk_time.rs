//! UK civil time (Europe/London), for every time a person reads or types: a placement that ends
//! "on Friday" ends at the end of Friday in the UK, not at UTC midnight (01:00 in summer, mid
//! shift), and the console and the apps show the clock on the ward wall.
//!
//! Instants stay UTC milliseconds everywhere else ([`Timestamp`]); only reading and typing go
//! through here. The rule is statutory and simple, so it is written out rather than pulling a
//! time-zone database into the phone's library: British Summer Time runs from 01:00 UTC on the
//! last Sunday of March to 01:00 UTC on the last Sunday of October (The Summer Time Order 2002,
//! SI 2002/262, applying Directive 2000/84/EC; the same dates since 1998). Records cannot be older
//! than 2000 ([`crate::record_schema`]), so no earlier rule is needed. Should Parliament change
//! the rule, this file and its tests are the one place to change.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::clock::Timestamp;
use crate::error::{Error, Result};

const HOUR_MS: i64 = 3_600_000;

/// The last Sunday of `month` (March or October) in `year`.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let last = NaiveDate::from_ymd_opt(year, month, 31).expect("March and October have 31 days");
    let back = last.weekday().num_days_from_sunday();
    last - Duration::days(i64::from(back))
}

/// When summer time starts and ends in `year`, as UTC instants (01:00 UTC on each Sunday).
fn summer_time(year: i32) -> (Timestamp, Timestamp) {
    let at_one = |d: NaiveDate| {
        Timestamp(
            d.and_time(NaiveTime::from_hms_opt(1, 0, 0).expect("valid"))
                .and_utc()
                .timestamp_millis(),
        )
    };
    (at_one(last_sunday(year, 3)), at_one(last_sunday(year, 10)))
}

/// How far UK civil time is ahead of UTC at `t`: 0 (GMT) or one hour (BST), in milliseconds.
pub fn offset_ms(t: Timestamp) -> i64 {
    let Some(utc) = chrono::DateTime::from_timestamp_millis(t.0) else {
        return 0;
    };
    let (start, end) = summer_time(utc.year());
    if t >= start && t < end { HOUR_MS } else { 0 }
}

/// `t` as the time on a UK clock.
pub fn local(t: Timestamp) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(t.0 + offset_ms(t))
        .map(|d| d.naive_utc())
        .unwrap_or_default()
}

/// `t` on a UK clock, formatted with chrono's `format` (`%a %-d %b, %H:%M`), followed by the
/// zone's name ("GMT" or "BST") when `with_zone`.
pub fn format(t: Timestamp, pattern: &str, with_zone: bool) -> String {
    let text = local(t).format(pattern).to_string();
    if with_zone {
        let zone = if offset_ms(t) == 0 { "GMT" } else { "BST" };
        format!("{text} {zone}")
    } else {
        text
    }
}

/// The instant a UK clock shows `local`. In the hour the clocks go back (01:00–02:00 on the last
/// Sunday of October happens twice) the first, BST, reading is meant; in the hour skipped in
/// March no clock shows the time, and it is refused rather than guessed.
pub fn instant(local: NaiveDateTime) -> Result<Timestamp> {
    let as_utc = local.and_utc().timestamp_millis();
    // Try BST first (the earlier instant of an October overlap), then GMT.
    for offset in [HOUR_MS, 0] {
        let t = Timestamp(as_utc - offset);
        if offset_ms(t) == offset {
            return Ok(t);
        }
    }
    Err(Error::invalid(
        "time",
        format!(
            "{} does not exist in the UK: the clocks go forward from 01:00 to 02:00 that night",
            local.format("%Y-%m-%d %H:%M")
        ),
    ))
}

/// The first instant of `date` in the UK (00:00 on a UK clock; never in a skipped hour).
pub fn start_of_day(date: NaiveDate) -> Timestamp {
    instant(date.and_time(NaiveTime::MIN)).expect("UK clocks change at 01:00, never at midnight")
}

/// The end of `date` in the UK: the first instant of the next day. A grant "until Friday" ends
/// here.
pub fn end_of_day(date: NaiveDate) -> Timestamp {
    start_of_day(date.succ_opt().unwrap_or(date))
}

/// Reads an end as a person types it: an RFC 3339 instant (`2026-12-05T20:00:00Z`, any offset);
/// a UK local time (`2026-12-05T20:00` or `2026-12-05 20:00`); or a date alone (`2026-12-05`:
/// the end of that day in the UK). `field` names the input in the error.
pub fn parse_end(text: &str, field: &str) -> Result<Timestamp> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(Timestamp(t.timestamp_millis()));
    }
    for pattern in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, pattern) {
            return instant(local).map_err(|e| match e {
                Error::Validation { rule, .. } => Error::invalid(field, rule),
                other => other,
            });
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(end_of_day(date));
    }
    Err(Error::invalid(
        field,
        "expected a UK date (2026-12-05: to the end of that day), a UK time (2026-12-05T20:00) \
         or an instant with its offset (2026-12-05T20:00:00Z)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn utc(text: &str) -> Timestamp {
        Timestamp(
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis(),
        )
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// The published change dates (gov.uk "When do the clocks change?"): 2026 clocks go forward
    /// on 29 March and back on 25 October; 2027 on 28 March and 31 October.
    #[test]
    fn summer_time_starts_and_ends_on_the_published_sundays() {
        assert_eq!(
            summer_time(2026),
            (utc("2026-03-29T01:00:00Z"), utc("2026-10-25T01:00:00Z"))
        );
        assert_eq!(
            summer_time(2027),
            (utc("2027-03-28T01:00:00Z"), utc("2027-10-31T01:00:00Z"))
        );
        assert_eq!(
            summer_time(2000),
            (utc("2000-03-26T01:00:00Z"), utc("2000-10-29T01:00:00Z"))
        );
        assert_eq!(last_sunday(2030, 3).weekday(), Weekday::Sun);
        assert_eq!(last_sunday(2030, 10).weekday(), Weekday::Sun);
    }

    #[test]
    fn the_offset_changes_at_one_in_the_morning_utc() {
        assert_eq!(offset_ms(utc("2026-03-29T00:59:59Z")), 0);
        assert_eq!(offset_ms(utc("2026-03-29T01:00:00Z")), HOUR_MS);
        assert_eq!(offset_ms(utc("2026-10-25T00:59:59Z")), HOUR_MS);
        assert_eq!(offset_ms(utc("2026-10-25T01:00:00Z")), 0);
        assert_eq!(offset_ms(utc("2026-12-03T12:00:00Z")), 0);
    }

    #[test]
    fn a_summer_day_ends_at_midnight_uk_not_utc() {
        // Read as UTC, "to the end of 5 July" ended at 01:00 BST on the 6th, into the night shift.
        assert_eq!(end_of_day(date("2026-07-05")), utc("2026-07-05T23:00:00Z"));
        assert_eq!(end_of_day(date("2026-12-05")), utc("2026-12-06T00:00:00Z"));
        assert_eq!(
            start_of_day(date("2026-03-29")),
            utc("2026-03-29T00:00:00Z")
        );
        assert_eq!(end_of_day(date("2026-03-29")), utc("2026-03-29T23:00:00Z"));
    }

    #[test]
    fn typed_ends_are_read_as_uk_times() {
        assert_eq!(
            parse_end("2026-07-05T20:00", "end").unwrap(),
            utc("2026-07-05T19:00:00Z")
        );
        assert_eq!(
            parse_end("2026-12-05 20:00", "end").unwrap(),
            utc("2026-12-05T20:00:00Z")
        );
        assert_eq!(
            parse_end("2026-12-05", "end").unwrap(),
            utc("2026-12-06T00:00:00Z")
        );
        assert_eq!(
            parse_end("2026-12-05T20:00:00Z", "end").unwrap(),
            utc("2026-12-05T20:00:00Z")
        );
        assert_eq!(
            parse_end("2026-07-05T20:00:00+01:00", "end").unwrap(),
            utc("2026-07-05T19:00:00Z")
        );
        // 01:30 on the night the clocks go back: the first (BST) one.
        assert_eq!(
            parse_end("2026-10-25T01:30", "end").unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
        // 01:30 on the night the clocks go forward never happens.
        match parse_end("2026-03-29T01:30", "end") {
            Err(Error::Validation { field, rule }) => {
                assert_eq!(field, "end");
                assert!(rule.contains("does not exist"), "{rule}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_end("Friday", "end"),
            Err(Error::Validation { .. })
        ));
    }

    #[test]
    fn times_read_as_the_ward_clock_shows_them() {
        let summer = utc("2026-07-05T19:00:00Z");
        assert_eq!(
            format(summer, "%a %-d %b, %H:%M", true),
            "Sun 5 Jul, 20:00 BST"
        );
        let winter = utc("2026-12-05T20:00:00Z");
        assert_eq!(
            format(winter, "%a %-d %b, %H:%M", true),
            "Sat 5 Dec, 20:00 GMT"
        );
        for t in [summer, winter, utc("2026-10-25T00:30:00Z")] {
            assert_eq!(instant(local(t)).unwrap(), t, "round trip");
        }
    }
}
