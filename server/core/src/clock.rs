//! Time as Kunci stores it: whole seconds since the Unix epoch, UTC. The dashboard's
//! `dd-mm-yyyy` days are not read here but in `kunci_rules::date`, which the browser
//! runs too.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

pub type Timestamp = i64;

pub fn now() -> Timestamp {
    Utc::now().timestamp()
}

/// The platform's wire format: `yyyy-MM-dd HH:mm:ss`, UTC.
pub fn format_wire(ts: Timestamp) -> String {
    use chrono::{Datelike, Timelike};
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_default()
}

/// Parses `yyyy-MM-dd HH:mm:ss` (or `yyyy-MM-dd`, or ISO `yyyy-MM-ddTHH:mm:ss[Z]`), UTC.
pub fn parse_wire(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(|d| {
        d.and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
            .timestamp()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_round_trips() {
        let ts = parse_wire("2027-01-31 00:00:00").unwrap();
        assert_eq!(format_wire(ts), "2027-01-31 00:00:00");
        assert_eq!(parse_wire("2027-01-31"), Some(ts));
        assert_eq!(parse_wire("2027-01-31T00:00:00Z"), Some(ts));
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(parse_wire("2027-02-31 00:00:00"), None);
        assert_eq!(parse_wire("2027-02-29"), None);
        assert!(parse_wire("2028-02-29").is_some());
        assert_eq!(parse_wire("tomorrow"), None);
    }

    #[test]
    fn wire_times_and_dashboard_days_agree_on_the_calendar() {
        // kunci_rules does its own calendar arithmetic; chrono is the referee.
        let day = kunci_rules::date::Date::parse_dd_mm_yyyy("31-01-2027").unwrap();
        assert_eq!(format_wire(day.end_of_day_unix()), "2027-01-31 23:59:59");
        for ts in (0..4_102_444_800).step_by(86_400 * 13 + 7) {
            let day = kunci_rules::date::Date::of_unix(ts);
            assert_eq!(format_wire(ts)[..10], day.to_iso(), "{ts}");
            assert_eq!(
                parse_wire(&day.to_iso()),
                Some(day.end_of_day_unix() - 86_399)
            );
        }
        // Which days exist, and when each ends, for six centuries of typed dates.
        for year in 1900..2500 {
            for month in 0..=13 {
                for d in 0..=32 {
                    let ours = kunci_rules::date::Date::new(year, month, d);
                    let chrono = NaiveDate::from_ymd_opt(year, month, d);
                    assert_eq!(ours.is_some(), chrono.is_some(), "{year}-{month}-{d}");
                    if let (Some(ours), Some(chrono)) = (ours, chrono) {
                        let end = chrono.and_hms_opt(23, 59, 59).unwrap().and_utc();
                        assert_eq!(ours.end_of_day_unix(), end.timestamp());
                    }
                }
            }
        }
    }
}
