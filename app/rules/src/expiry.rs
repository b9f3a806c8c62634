//! A token's expiry: when it may be, and how the dashboard's `dd-mm-yyyy` reads.
//!
//! The maximum is the server's long-standing one, 10 × 366 days after now, measured to
//! the second: a little more than ten calendar years, never less, whatever leap days lie
//! between. (The browser used to compare years only, and so let through any day up to
//! the end of the tenth year, which the server then refused.)

use std::fmt;

use crate::date::{Date, SECONDS_PER_DAY};

/// How far ahead an expiry may be, in the messages.
pub const MAX_YEARS: i64 = 10;
/// How far ahead an expiry may be, in seconds: [`MAX_YEARS`] years of 366 days.
pub const MAX_AHEAD_SECONDS: i64 = MAX_YEARS * 366 * SECONDS_PER_DAY;

/// Why an expiry was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryError {
    /// Not `dd-mm-yyyy`, or a day that does not exist (31-02-2027).
    NotADate,
    /// Now or earlier.
    NotAhead,
    /// More than [`MAX_AHEAD_SECONDS`] after now.
    TooFarAhead,
}

impl fmt::Display for ExpiryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpiryError::NotADate => {
                f.write_str("a date as dd-mm-yyyy that exists, e.g. 31-01-2027")
            }
            ExpiryError::NotAhead => f.write_str("the expiry date must be in the future"),
            ExpiryError::TooFarAhead => write!(
                f,
                "the expiry date is at most {MAX_YEARS} years ahead (leave it empty for a token that never expires)"
            ),
        }
    }
}

impl std::error::Error for ExpiryError {}

/// An expiry time (Unix seconds, UTC) as of `now`: after now, and at most
/// [`MAX_AHEAD_SECONDS`] later.
pub fn check(expires_at: i64, now: i64) -> Result<i64, ExpiryError> {
    if expires_at <= now {
        return Err(ExpiryError::NotAhead);
    }
    if expires_at > now.saturating_add(MAX_AHEAD_SECONDS) {
        return Err(ExpiryError::TooFarAhead);
    }
    Ok(expires_at)
}

/// The dashboard's Expires At as of `now`: empty (or spaces) means the token never
/// expires (`None`); otherwise a `dd-mm-yyyy` day that exists, and the token works
/// through the end of that day, UTC (`23:59:59`), so today is still accepted.
pub fn parse_dd_mm_yyyy(input: &str, now: i64) -> Result<Option<i64>, ExpiryError> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    let date = Date::parse_dd_mm_yyyy(input).ok_or(ExpiryError::NotADate)?;
    check(date.end_of_day_unix(), now).map(Some)
}

/// The last day [`parse_dd_mm_yyyy`] accepts as of `now`, for a hint or a date picker's
/// `max`.
pub fn latest_day(now: i64) -> Date {
    let latest = Date::of_unix(now.saturating_add(MAX_AHEAD_SECONDS));
    if latest.end_of_day_unix() <= now.saturating_add(MAX_AHEAD_SECONDS) {
        latest
    } else {
        Date::of_unix(latest.end_of_day_unix() - SECONDS_PER_DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-28 12:00:00 UTC.
    const NOW: i64 = 1_795_867_200;

    fn day(s: &str) -> Date {
        Date::parse_dd_mm_yyyy(s).unwrap()
    }

    #[test]
    fn empty_means_never() {
        assert_eq!(parse_dd_mm_yyyy("", NOW), Ok(None));
        assert_eq!(parse_dd_mm_yyyy("   ", NOW), Ok(None));
    }

    #[test]
    fn a_date_means_through_the_end_of_that_day_utc() {
        assert_eq!(Date::of_unix(NOW), day("28-11-2026"));
        assert_eq!(
            parse_dd_mm_yyyy("31-01-2027", NOW),
            Ok(Some(1_801_439_999)),
            "2027-01-31 23:59:59"
        );
        assert_eq!(
            parse_dd_mm_yyyy("28-11-2026", NOW),
            Ok(Some(NOW + 12 * 3600 - 1)),
            "today still counts"
        );
        assert_eq!(
            parse_dd_mm_yyyy("28-11-2026", day("28-11-2026").end_of_day_unix()),
            Err(ExpiryError::NotAhead),
            "but not in its last second"
        );
    }

    #[test]
    fn past_and_impossible_dates_are_refused() {
        assert_eq!(
            parse_dd_mm_yyyy("27-11-2026", NOW),
            Err(ExpiryError::NotAhead)
        );
        assert_eq!(
            parse_dd_mm_yyyy("01-01-1970", NOW),
            Err(ExpiryError::NotAhead)
        );
        for bad in ["31-02-2027", "29-02-2027", "2027-01-31", "1-1-2027", "soon"] {
            assert_eq!(
                parse_dd_mm_yyyy(bad, NOW),
                Err(ExpiryError::NotADate),
                "{bad}"
            );
        }
        assert_eq!(
            parse_dd_mm_yyyy("29-02-2028", NOW),
            Ok(Some(day("29-02-2028").end_of_day_unix()))
        );
    }

    #[test]
    fn the_maximum_is_ten_times_366_days_to_the_second() {
        assert_eq!(
            check(NOW + MAX_AHEAD_SECONDS, NOW),
            Ok(NOW + MAX_AHEAD_SECONDS)
        );
        assert_eq!(
            check(NOW + MAX_AHEAD_SECONDS + 1, NOW),
            Err(ExpiryError::TooFarAhead)
        );
        assert_eq!(check(NOW + 1, NOW), Ok(NOW + 1));
        assert_eq!(check(NOW, NOW), Err(ExpiryError::NotAhead));
        assert_eq!(check(i64::MAX, i64::MAX - 1), Ok(i64::MAX), "no overflow");
        // From noon on 28-11-2026, 3,660 days reach noon on 05-12-2036: that day does not
        // end in time, the one before does. Ten calendar years (28-11-2036) are within;
        // the rest of 2036, which the browser used to allow, is not.
        assert_eq!(latest_day(NOW), day("04-12-2036"));
        assert!(parse_dd_mm_yyyy("28-11-2036", NOW).is_ok());
        assert!(parse_dd_mm_yyyy("04-12-2036", NOW).is_ok());
        assert_eq!(
            parse_dd_mm_yyyy("05-12-2036", NOW),
            Err(ExpiryError::TooFarAhead)
        );
        assert_eq!(
            parse_dd_mm_yyyy("31-12-2036", NOW),
            Err(ExpiryError::TooFarAhead)
        );
        assert_eq!(
            parse_dd_mm_yyyy("01-01-2099", NOW),
            Err(ExpiryError::TooFarAhead)
        );
    }

    #[test]
    fn the_latest_day_is_exactly_the_boundary() {
        // Every second of a day, sampled: the latest day is accepted, the next refused.
        let start = day("01-03-2027").days_since_epoch() * SECONDS_PER_DAY;
        for now in (start - SECONDS_PER_DAY..start + 2 * SECONDS_PER_DAY)
            .step_by(997)
            .chain([start - 1, start, start + SECONDS_PER_DAY - 1])
        {
            let latest = latest_day(now);
            assert!(parse_dd_mm_yyyy(&latest.to_string(), now).is_ok(), "{now}");
            let next = Date::of_unix(latest.end_of_day_unix() + 1);
            assert_eq!(
                parse_dd_mm_yyyy(&next.to_string(), now),
                Err(ExpiryError::TooFarAhead),
                "{now}"
            );
        }
    }

    #[test]
    fn messages_name_the_limit() {
        assert!(
            ExpiryError::TooFarAhead
                .to_string()
                .contains("at most 10 years")
        );
        assert!(ExpiryError::NotADate.to_string().contains("dd-mm-yyyy"));
    }
}
