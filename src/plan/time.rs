//! Local time of the district: parsing post dates and grouping them into ISO weeks.
//!
//! All times are interpreted in the registry's zone (Asia/Novokuznetsk by default), never in the
//! machine's zone. A week is an ISO week: Monday 00:00 to Sunday 24:00 local time, grouped by ISO
//! week-year (2027-01-01 belongs to 2026-W53).

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;

/// The zone of Krapivinsky district (UTC+7, no DST since 2011).
pub const DEFAULT_ZONE: &str = "Asia/Novokuznetsk";

/// An ISO week: week-year and week number, printed as `2026-W49`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i16,
    week: i8,
}

impl IsoWeek {
    /// The ISO week of a local date.
    pub fn of_date(date: Date) -> Self {
        let w = date.iso_week_date();
        Self {
            year: w.year(),
            week: w.week(),
        }
    }

    /// The ISO week an instant falls into, in zone `tz`.
    pub fn of(ts: Timestamp, tz: &TimeZone) -> Self {
        Self::of_date(tz.to_datetime(ts).date())
    }

    /// The ISO week-year.
    pub fn year(self) -> i16 {
        self.year
    }

    /// The week number, 1..=53.
    pub fn week(self) -> i8 {
        self.week
    }

    /// The Monday that starts this week.
    pub fn monday(self) -> Date {
        ISOWeekDate::new(self.year, self.week, Weekday::Monday)
            .map(ISOWeekDate::date)
            .unwrap_or(Date::MIN)
    }

    /// The Sunday that ends this week.
    pub fn sunday(self) -> Date {
        ISOWeekDate::new(self.year, self.week, Weekday::Sunday)
            .map(ISOWeekDate::date)
            .unwrap_or(Date::MAX)
    }

    /// The following week (2026-W53 → 2027-W01).
    pub fn next(self) -> Self {
        self.sunday().tomorrow().map_or(self, Self::of_date)
    }

    /// The weeks from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(self, last: IsoWeek) -> impl Iterator<Item = IsoWeek> {
        let mut cur = Some(self).filter(|w| *w <= last);
        std::iter::from_fn(move || {
            let w = cur?;
            let n = w.next();
            cur = (n != w && n <= last).then_some(n);
            Some(w)
        })
    }

    /// `Mon 30 Nov – Sun 6 Dec 2026`-style span for messages: `30.11–06.12.2026`.
    pub fn span_label(self) -> String {
        let (m, s) = (self.monday(), self.sunday());
        format!(
            "{:02}.{:02}–{:02}.{:02}.{}",
            m.day(),
            m.month(),
            s.day(),
            s.month(),
            s.year()
        )
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = String;

    /// Parses `2026-W49` (also `2026-w49`, `2026W49`).
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || crate::t!("date-not-a-week", text = s);
        let up = s.trim().to_ascii_uppercase();
        let (y, w) = up.split_once('W').ok_or_else(bad)?;
        let year: i16 = y.trim_end_matches('-').parse().map_err(|_| bad())?;
        let week: i8 = w.parse().map_err(|_| bad())?;
        ISOWeekDate::new(year, week, Weekday::Monday).map_err(|_| {
            crate::t!(
                "date-no-such-week",
                year = year.to_string(),
                week = week.to_string()
            )
        })?;
        Ok(Self { year, week })
    }
}

/// Why a date in a plan could not be turned into an instant. It prints in the process's
/// language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// The text matches no accepted format.
    Unparseable(String),
    /// A date without a time of day.
    NoTime(String),
    /// A local time that does not exist (skipped by a DST change) or exists twice.
    Nonexistent(String, String),
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            DateError::Unparseable(t) => crate::t!("date-unparseable", text = t.as_str()),
            DateError::NoTime(t) => crate::t!("date-no-time", text = t.as_str()),
            DateError::Nonexistent(t, zone) => {
                crate::t!("date-nonexistent", text = t.as_str(), zone = zone.as_str())
            }
        };
        f.write_str(&text)
    }
}

impl std::error::Error for DateError {}

impl DateError {
    /// A hint for fixing the date, in the process's language.
    pub fn hint(&self) -> String {
        crate::t!(match self {
            DateError::Unparseable(_) => "date-unparseable-hint",
            DateError::NoTime(_) => "date-no-time-hint",
            DateError::Nonexistent(..) => "date-nonexistent-hint",
        })
    }
}

/// Parses a post date: local `2026-12-01 09:00[:ss]` (also with `T`) in zone `tz`, or RFC 3339
/// with an offset (`2026-12-01T02:00:00Z`, `…+03:00`).
///
/// Fails on other formats, on a date without a time, and on local times that a DST change skips
/// or repeats (those are rejected, never guessed).
pub fn parse_when(text: &str, tz: &TimeZone) -> Result<Timestamp, DateError> {
    let s = text.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts);
    }
    let normalized = s.replacen(' ', "T", 1);
    let dt = match normalized.parse::<DateTime>() {
        Ok(dt) if normalized.contains('T') => dt,
        _ if s.parse::<Date>().is_ok() => return Err(DateError::NoTime(s.to_owned())),
        _ => return Err(DateError::Unparseable(s.to_owned())),
    };
    tz.to_ambiguous_timestamp(dt)
        .unambiguous()
        .map_err(|_| DateError::Nonexistent(s.to_owned(), tz.iana_name().unwrap_or("?").to_owned()))
}

/// Parses `--today`: a date (taken as 00:00 local) or anything [`parse_when`] accepts.
pub fn parse_today(text: &str, tz: &TimeZone) -> Result<Timestamp, DateError> {
    match parse_when(text, tz) {
        Err(DateError::NoTime(_)) => {
            let d: Date = text
                .trim()
                .parse()
                .map_err(|_| DateError::Unparseable(text.to_owned()))?;
            tz.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                .compatible()
                .map_err(|_| DateError::Unparseable(text.to_owned()))
        }
        other => other,
    }
}

/// Loads an IANA zone by name.
pub fn zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|_| crate::t!("date-bad-zone", name = name))
}

/// An instant as people read it, in zone `tz` and the process's language: «пн 7 декабря,
/// 10:00» («Mon 7 Dec, 10:00»), with the year after the month when `year` is true.
pub fn human(ts: Timestamp, tz: &TimeZone, year: bool) -> String {
    human_in(crate::locale::current(), ts, tz, year)
}

/// [`human`] in `lang`.
pub fn human_in(lang: crate::locale::Lang, ts: Timestamp, tz: &TimeZone, year: bool) -> String {
    use crate::locale::text_in;
    let dt = tz.to_datetime(ts);
    let weekday = text_in(
        lang,
        "date-weekday",
        &[("weekday", dt.weekday().to_monday_one_offset().into())],
    );
    let month = text_in(lang, "date-month", &[("month", dt.month().into())]);
    let time = dt.strftime("%H:%M").to_string();
    let mut args = vec![
        ("weekday", weekday.into()),
        ("day", dt.day().to_string().into()),
        ("month", month.into()),
        ("time", time.into()),
    ];
    if year {
        args.push(("year", dt.year().to_string().into()));
    }
    text_in(lang, if year { "date-long" } else { "date-short" }, &args)
}

/// Formats an instant as local `2026-12-01 09:00` in zone `tz` (for machines and logs).
pub fn local_label(ts: Timestamp, tz: &TimeZone) -> String {
    tz.to_datetime(ts).strftime("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nk() -> TimeZone {
        zone(DEFAULT_ZONE).unwrap()
    }

    #[test]
    fn dates_for_people() {
        use crate::locale::Lang;
        let tz = nk();
        let t = parse_when("2026-12-07 10:00", &tz).unwrap();
        assert_eq!(human_in(Lang::Ru, t, &tz, false), "пн 7 декабря, 10:00");
        assert_eq!(human_in(Lang::En, t, &tz, false), "Mon 7 Dec, 10:00");
        // Local time, not UTC: 23:30 local on Sunday is still Sunday.
        let sun = parse_when("2027-01-03 23:30", &tz).unwrap();
        assert_eq!(
            human_in(Lang::Ru, sun, &tz, true),
            "вс 3 января 2027, 23:30"
        );
        assert_eq!(human_in(Lang::En, sun, &tz, true), "Sun 3 Jan 2027, 23:30");
        let months: Vec<String> = (1..=12)
            .map(|m| {
                let d = parse_when(&format!("2026-{m:02}-15 09:05"), &tz).unwrap();
                human_in(Lang::Ru, d, &tz, false)
            })
            .collect();
        assert_eq!(months[2], "вс 15 марта, 09:05");
        assert_eq!(months[4], "пт 15 мая, 09:05");
        assert_eq!(months[7], "сб 15 августа, 09:05");
    }

    #[test]
    fn local_and_offset_dates() {
        let tz = nk();
        let a = parse_when("2026-12-01 09:00", &tz).unwrap();
        assert_eq!(a.to_string(), "2026-12-01T02:00:00Z");
        assert_eq!(parse_when("2026-12-01T09:00:00", &tz).unwrap(), a);
        assert_eq!(parse_when("2026-12-01T05:00:00+03:00", &tz).unwrap(), a);
        assert!(matches!(
            parse_when("2026-12-01", &tz),
            Err(DateError::NoTime(_))
        ));
        assert!(matches!(
            parse_when("1 декабря", &tz),
            Err(DateError::Unparseable(_))
        ));
        assert!(matches!(
            parse_when("2026-02-30 09:00", &tz),
            Err(DateError::Unparseable(_))
        ));
    }

    #[test]
    fn today_takes_a_date_or_a_time() {
        let tz = nk();
        assert_eq!(
            parse_today("2026-11-30", &tz).unwrap().to_string(),
            "2026-11-29T17:00:00Z"
        );
        assert_eq!(
            parse_today("2026-11-30 12:00", &tz).unwrap().to_string(),
            "2026-11-30T05:00:00Z"
        );
        assert!(parse_today("завтра", &tz).is_err());
    }

    #[test]
    fn dst_gap_is_rejected() {
        let berlin = zone("Europe/Berlin").unwrap();
        let err = parse_when("2026-03-29 02:30", &berlin).unwrap_err();
        assert!(matches!(err, DateError::Nonexistent(..)));
        let fold = parse_when("2026-10-25 02:30", &berlin).unwrap_err();
        assert!(matches!(fold, DateError::Nonexistent(..)));
    }

    #[test]
    fn iso_weeks_cross_years() {
        let tz = nk();
        let ny = parse_when("2027-01-01 12:00", &tz).unwrap();
        assert_eq!(IsoWeek::of(ny, &tz).to_string(), "2026-W53");
        let w: IsoWeek = "2026-W53".parse().unwrap();
        assert_eq!(w.next().to_string(), "2027-W01");
        assert_eq!(w.monday().to_string(), "2026-12-28");
        assert!("2027-W53".parse::<IsoWeek>().is_err());
        let weeks: Vec<_> = "2026-W52"
            .parse::<IsoWeek>()
            .unwrap()
            .through("2027-W02".parse().unwrap())
            .map(|w| w.to_string())
            .collect();
        assert_eq!(weeks, ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]);
    }

    #[test]
    fn week_boundaries_are_local() {
        let tz = nk();
        // Sunday 23:30 local is still W49; Monday 00:00 local is W50.
        let sun = parse_when("2026-12-06 23:30", &tz).unwrap();
        let mon = parse_when("2026-12-07 00:00", &tz).unwrap();
        assert_eq!(IsoWeek::of(sun, &tz).to_string(), "2026-W49");
        assert_eq!(IsoWeek::of(mon, &tz).to_string(), "2026-W50");
        // 2026-12-06T18:00Z is Monday 01:00 in Novokuznetsk.
        let utc = parse_when("2026-12-06T18:00:00Z", &tz).unwrap();
        assert_eq!(IsoWeek::of(utc, &tz).to_string(), "2026-W50");
    }
}
