//! Calendar dates in UTC without a date library: the proleptic Gregorian calendar, and
//! Unix time in whole seconds (what Kunci stores).

use std::fmt;

pub const SECONDS_PER_DAY: i64 = 24 * 3600;

/// A day of the Gregorian calendar that exists (see [`Date::new`]). Orders by year,
/// then month, then day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// The date, if that day exists: `Date::new(2027, 2, 31)` is `None`.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        (day >= 1 && day <= days_in_month(year, month)).then_some(Date { year, month, day })
    }

    /// Parses the dashboard's `dd-mm-yyyy` (surrounding spaces allowed): exactly two,
    /// two and four ASCII digits, and a day that exists.
    pub fn parse_dd_mm_yyyy(input: &str) -> Option<Date> {
        let s = input.trim().as_bytes();
        if s.len() != 10 || s[2] != b'-' || s[5] != b'-' {
            return None;
        }
        let number = |digits: &[u8]| -> Option<u32> {
            digits.iter().try_fold(0u32, |n, &b| {
                b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
            })
        };
        let (day, month, year) = (number(&s[0..2])?, number(&s[3..5])?, number(&s[6..10])?);
        Date::new(i32::try_from(year).ok()?, month, day)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// The day a Unix time falls on, UTC.
    pub fn of_unix(ts: i64) -> Date {
        let (year, month, day) = civil_from_days(ts.div_euclid(SECONDS_PER_DAY));
        Date { year, month, day }
    }

    /// The last second of this day, UTC, as Unix time.
    pub fn end_of_day_unix(self) -> i64 {
        self.days_since_epoch() * SECONDS_PER_DAY + SECONDS_PER_DAY - 1
    }

    /// `yyyy-mm-dd`, a date input's value.
    pub fn to_iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `dd-mm-yyyy`, the dashboard's format.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}-{:04}", self.day, self.month, self.year)
    }
}

/// Gregorian: every fourth year, except centuries not divisible by 400.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` of `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to the given date (Howard Hinnant's `days_from_civil`): years
/// are counted from March, so the leap day falls at the end of a 400-year era's year.
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Years of Unix times in i64 seconds fit in i32 for every date a person can type.
    (year as i32, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Option<Date> {
        Date::parse_dd_mm_yyyy(s)
    }

    #[test]
    fn parse_accepts_real_days_only() {
        let d = date(" 31-01-2027 ").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2027, 1, 31));
        assert_eq!(
            date("31-12-2030").map(Date::to_iso).as_deref(),
            Some("2030-12-31")
        );
        for bad in [
            "31-02-2027",
            "30-02-2028",
            "29-02-2027",
            "31-04-2027",
            "31-06-2027",
            "31-09-2027",
            "31-11-2027",
            "00-01-2027",
            "32-01-2027",
            "01-00-2027",
            "01-13-2027",
            "",
            "1-1-2027",
            "01-1-2027",
            "2027-01-31",
            "31/01/2027",
            "31-01-27",
            "31-01-02027",
            "+1-01-2027",
            "01-+1-2027",
            "xx-01-2027",
            "٣١-01-2027",
            "31-01-2027 00:00",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn leap_days_exist_in_leap_years_only() {
        assert!(date("29-02-2028").is_some());
        assert!(date("29-02-2000").is_some(), "divisible by 400");
        assert!(
            date("29-02-2100").is_none(),
            "a century, not divisible by 400"
        );
        assert!(date("29-02-2026").is_none());
        assert!(is_leap_year(2400) && !is_leap_year(2200) && is_leap_year(2032));
    }

    #[test]
    fn day_numbers_match_known_unix_times() {
        // 1970-01-01, 2000-03-01, 2027-01-31 and 2038-01-19 as `date -u +%s` gives them.
        assert_eq!(date("01-01-1970").unwrap().days_since_epoch(), 0);
        assert_eq!(date("31-12-1969").unwrap().days_since_epoch(), -1);
        assert_eq!(
            date("01-03-2000").unwrap().days_since_epoch() * SECONDS_PER_DAY,
            951_868_800
        );
        assert_eq!(date("31-01-2027").unwrap().end_of_day_unix(), 1_801_439_999);
        assert_eq!(
            date("19-01-2038").unwrap().days_since_epoch() * SECONDS_PER_DAY,
            2_147_472_000
        );
    }

    #[test]
    fn days_round_trip_across_four_centuries() {
        let first = date("01-01-1900").unwrap().days_since_epoch();
        let mut expected = date("01-01-1900").unwrap();
        for days in first..first + 146_097 + 400 {
            let d = Date::of_unix(days * SECONDS_PER_DAY + 4321);
            assert_eq!(d, expected);
            assert_eq!(d.days_since_epoch(), days);
            assert_eq!(Date::parse_dd_mm_yyyy(&d.to_string()), Some(d));
            expected = Date::new(d.year, d.month, d.day + 1)
                .or_else(|| Date::new(d.year, d.month + 1, 1))
                .unwrap_or(Date {
                    year: d.year + 1,
                    month: 1,
                    day: 1,
                });
        }
    }

    #[test]
    fn a_unix_time_belongs_to_its_utc_day() {
        let d = date("28-11-2026").unwrap();
        let end = d.end_of_day_unix();
        assert_eq!(Date::of_unix(end), d);
        assert_eq!(Date::of_unix(end + 1), date("29-11-2026").unwrap());
        assert_eq!(
            Date::of_unix(end + 1 - SECONDS_PER_DAY),
            d,
            "the first second"
        );
        assert_eq!(Date::of_unix(-1), date("31-12-1969").unwrap());
    }
}
