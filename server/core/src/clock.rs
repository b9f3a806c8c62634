//! Time as Kunci stores it: whole seconds since the Unix epoch, UTC.

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

/// Parses the dashboard's `dd-mm-yyyy` as the last second of that day, UTC: a token
/// "expires at 31-01-2027" works through all of the 31st.
pub fn parse_ui_date(s: &str) -> Option<Timestamp> {
    let d = NaiveDate::parse_from_str(s.trim(), "%d-%m-%Y").ok()?;
    Some(
        d.and_hms_opt(23, 59, 59)
            .expect("valid time")
            .and_utc()
            .timestamp(),
    )
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
        assert_eq!(parse_ui_date("31-02-2027"), None);
        assert_eq!(parse_ui_date("29-02-2027"), None);
        assert!(parse_ui_date("29-02-2028").is_some());
        assert_eq!(parse_wire("tomorrow"), None);
    }

    #[test]
    fn ui_date_means_end_of_that_day() {
        let ts = parse_ui_date("31-01-2027").unwrap();
        assert_eq!(format_wire(ts), "2027-01-31 23:59:59");
    }
}
