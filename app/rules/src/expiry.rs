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
    /// No expiry, while `--token-max-lifetime` is set.
    NeverRefused { max_days: u32 },
    /// Later than `--token-max-lifetime` after the token's creation or last
    /// regeneration (`from_now`: that is now, as on create and regenerate).
    BeyondMaxLifetime {
        max_days: u32,
        latest: i64,
        from_now: bool,
    },
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
            ExpiryError::NeverRefused { max_days } => write!(
                f,
                "a token must expire: at most {max_days} days from its creation or last regeneration (--token-max-lifetime)"
            ),
            ExpiryError::BeyondMaxLifetime {
                max_days,
                latest,
                from_now,
            } => write!(
                f,
                "at most {max_days} days from {}, {} at the latest (--token-max-lifetime)",
                if *from_now {
                    "today"
                } else {
                    "the token's creation or last regeneration"
                },
                Date::of_unix(*latest)
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

/// The operator's expiry policy (`--token-max-lifetime`, `--token-default-lifetime`),
/// in days; both `None` keep the defaults: any expiry, or none, and no preset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// A token expires at most this many days after its creation or last regeneration;
    /// "never" is refused.
    pub max_days: Option<u32>,
    /// The expiry a new token gets when none is chosen (the dashboard's preset; the
    /// API's default while a maximum is set).
    pub default_days: Option<u32>,
}

impl Policy {
    /// The latest expiry a token issued (created or regenerated) at `issued_at` may have.
    pub fn latest(&self, issued_at: i64) -> Option<i64> {
        self.max_days
            .map(|d| issued_at.saturating_add(i64::from(d) * SECONDS_PER_DAY))
    }

    /// Whether `expires_at` (`None`: never) is allowed for a token issued at
    /// `issued_at`; `from_now` says the issue time is now (for the message).
    pub fn check(
        &self,
        expires_at: Option<i64>,
        issued_at: i64,
        from_now: bool,
    ) -> Result<Option<i64>, ExpiryError> {
        let (Some(max_days), Some(latest)) = (self.max_days, self.latest(issued_at)) else {
            return Ok(expires_at);
        };
        match expires_at {
            None => Err(ExpiryError::NeverRefused { max_days }),
            Some(at) if at > latest => Err(ExpiryError::BeyondMaxLifetime {
                max_days,
                latest,
                from_now,
            }),
            Some(at) => Ok(Some(at)),
        }
    }

    /// The expiry of a token issued now without one: never, unless a maximum is set;
    /// then `--token-default-lifetime` (at most the maximum), else the maximum.
    pub fn api_default(&self, now: i64) -> Option<i64> {
        let latest = self.latest(now)?;
        Some(
            self.default_days
                .map(|d| now.saturating_add(i64::from(d) * SECONDS_PER_DAY))
                .map_or(latest, |d| d.min(latest)),
        )
    }

    /// The last day the dashboard accepts for a token issued at `issued_at`, as of
    /// `now`: the general limit ([`latest_day`]), and the day the maximum lifetime ends.
    pub fn latest_day(&self, issued_at: i64, now: i64) -> Date {
        let general = latest_day(now);
        match self.latest(issued_at) {
            None => general,
            Some(latest) => Date::of_unix(latest).min(general),
        }
    }

    /// The dashboard's preset Expires At for a new token as of `now`: the default
    /// lifetime's day (within the maximum), else the maximum's last day, else empty.
    pub fn preset_day(&self, now: i64) -> Option<Date> {
        let latest = self.max_days.map(|_| self.latest_day(now, now));
        match self.default_days {
            Some(d) => {
                let day = Date::of_unix(now.saturating_add(i64::from(d) * SECONDS_PER_DAY));
                Some(latest.map_or(day, |l| day.min(l)))
            }
            None => latest,
        }
    }

    /// The dashboard's Expires At for a token issued at `issued_at`, as of `now`:
    /// [`parse_dd_mm_yyyy`], then this policy. The day the maximum lifetime ends is
    /// accepted, and means that moment rather than the day's end.
    pub fn parse_dd_mm_yyyy(
        &self,
        input: &str,
        issued_at: i64,
        now: i64,
    ) -> Result<Option<i64>, ExpiryError> {
        let at = parse_dd_mm_yyyy(input, now)?;
        let at = match (at, self.latest(issued_at)) {
            (Some(at), Some(latest))
                if at > latest && Date::of_unix(at) == Date::of_unix(latest) =>
            {
                Some(latest)
            }
            _ => at,
        };
        self.check(at, issued_at, issued_at == now)
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

    const NINETY: Policy = Policy {
        max_days: Some(90),
        default_days: None,
    };

    #[test]
    fn without_flags_the_policy_allows_anything_and_presets_nothing() {
        let p = Policy::default();
        assert_eq!(p.check(None, NOW, true), Ok(None));
        assert_eq!(
            p.check(Some(NOW + 5000 * 86_400), NOW, true),
            Ok(Some(NOW + 5000 * 86_400))
        );
        assert_eq!(p.api_default(NOW), None);
        assert_eq!(p.preset_day(NOW), None);
        assert_eq!(p.latest_day(NOW, NOW), latest_day(NOW));
    }

    #[test]
    fn the_maximum_refuses_never_and_later_than_its_days_to_the_second() {
        let latest = NOW + 90 * 86_400;
        assert_eq!(NINETY.check(Some(latest), NOW, true), Ok(Some(latest)));
        assert_eq!(
            NINETY.check(Some(latest + 1), NOW, true),
            Err(ExpiryError::BeyondMaxLifetime {
                max_days: 90,
                latest,
                from_now: true
            })
        );
        assert_eq!(
            NINETY.check(None, NOW, true),
            Err(ExpiryError::NeverRefused { max_days: 90 })
        );
        let msg = NINETY
            .check(Some(latest + 1), NOW, true)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("at most 90 days from today"), "{msg}");
        assert!(msg.contains("26-02-2027"), "{msg}");
        assert!(msg.contains("--token-max-lifetime"), "{msg}");
        // The 90th day is the last, and means the limit itself, not the day's end.
        assert_eq!(NINETY.latest_day(NOW, NOW), day("26-02-2027"));
        assert_eq!(
            NINETY.parse_dd_mm_yyyy("26-02-2027", NOW, NOW),
            Ok(Some(latest))
        );
        assert_eq!(
            NINETY.parse_dd_mm_yyyy("25-02-2027", NOW, NOW),
            Ok(Some(day("25-02-2027").end_of_day_unix()))
        );
        assert!(NINETY.parse_dd_mm_yyyy("27-02-2027", NOW, NOW).is_err());
        assert!(NINETY.parse_dd_mm_yyyy("", NOW, NOW).is_err());
    }

    #[test]
    fn defaults_follow_the_default_lifetime_within_the_maximum() {
        assert_eq!(NINETY.api_default(NOW), Some(NOW + 90 * 86_400));
        assert_eq!(NINETY.preset_day(NOW), Some(day("26-02-2027")));
        let both = Policy {
            max_days: Some(90),
            default_days: Some(30),
        };
        assert_eq!(both.api_default(NOW), Some(NOW + 30 * 86_400));
        assert_eq!(both.preset_day(NOW), Some(day("28-12-2026")));
        let only_default = Policy {
            max_days: None,
            default_days: Some(30),
        };
        assert_eq!(only_default.api_default(NOW), None, "the API keeps never");
        assert_eq!(only_default.preset_day(NOW), Some(day("28-12-2026")));
    }
}
