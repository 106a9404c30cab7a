//! slim-sprig's hermetic date functions over Go's `time` semantics: layouts as `time.Parse`
//! reads them, durations as `time.ParseDuration` reads and `Duration.String` writes them.
//!
//! A `time.Time` has no value of its own here: `toDate` returns the string Go prints for the
//! time (`2006-01-02 15:04:05.999999999 -0700 MST`), and the functions taking a time read that
//! form back. The local time zone is UTC (as in the Flux Operator's container).
use super::conv::parse_int;
use super::{Ty, any, arg_str, def};
use crate::func::FuncMap;
use crate::value::Value;

const NS: i128 = 1_000_000_000;

/// A point in time with the zone it is shown in.
#[derive(Debug, Clone, PartialEq)]
pub struct GoTime {
    /// Seconds since 1970-01-01 UTC.
    pub unix: i64,
    pub nanos: u32,
    /// The zone's offset east of UTC, in seconds.
    pub offset: i32,
    /// The zone's name; empty for a fixed zone without one (Go then prints the offset).
    pub zone: String,
}

impl GoTime {
    fn utc(unix: i64, nanos: u32) -> GoTime {
        GoTime {
            unix,
            nanos,
            offset: 0,
            zone: "UTC".to_string(),
        }
    }

    /// Go's `Time.String()`.
    pub fn to_go_string(&self) -> String {
        let local = self.unix.saturating_add(i64::from(self.offset));
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let mut s = if y < 0 {
            format!("-{:04}", -y)
        } else {
            format!("{y:04}")
        };
        s.push_str(&format!(
            "-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ));
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        let off = offset_text(self.offset);
        s.push(' ');
        s.push_str(&off);
        s.push(' ');
        s.push_str(if self.zone.is_empty() {
            &off
        } else {
            &self.zone
        });
        s
    }

    /// Reads back what [`GoTime::to_go_string`] writes.
    pub fn from_go_string(s: &str) -> Option<GoTime> {
        let mut parts = s.split(' ');
        let date = parts.next()?;
        let clock = parts.next()?;
        let off = parts.next()?;
        let zone = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        let (neg_year, date) = match date.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, date),
        };
        let mut dp = date.split('-');
        let mut y: i64 = dp.next()?.parse().ok()?;
        if neg_year {
            y = -y;
        }
        let mo: i64 = dp.next()?.parse().ok()?;
        let d: i64 = dp.next()?.parse().ok()?;
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut cp = hms.split(':');
        let h: i64 = cp.next()?.parse().ok()?;
        let mi: i64 = cp.next()?.parse().ok()?;
        let se: i64 = cp.next()?.parse().ok()?;
        let nanos: u32 = if frac.is_empty() {
            0
        } else if frac.len() <= 9 && frac.bytes().all(|c| c.is_ascii_digit()) {
            format!("{frac:0<9}").parse().ok()?
        } else {
            return None;
        };
        let sign = match off.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let oh: i32 = off.get(1..3)?.parse().ok()?;
        let om: i32 = off.get(3..5)?.parse().ok()?;
        let in_range = (-1_000_000..=1_000_000).contains(&y)
            && (1..=12).contains(&mo)
            && (1..=31).contains(&d)
            && (0..24).contains(&h)
            && (0..60).contains(&mi)
            && (0..60).contains(&se)
            && (0..=24).contains(&oh)
            && (0..=60).contains(&om);
        if !in_range {
            return None;
        }
        let offset = sign * (oh * 3600 + om * 60);
        let local = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se;
        Some(GoTime {
            unix: local - i64::from(offset),
            nanos,
            offset,
            zone: if zone == off {
                String::new()
            } else {
                zone.to_string()
            },
        })
    }

    fn total_nanos(&self) -> i128 {
        i128::from(self.unix) * NS + i128::from(self.nanos)
    }

    fn with_total_nanos(&self, t: i128) -> GoTime {
        GoTime {
            unix: t
                .div_euclid(NS)
                .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            nanos: t.rem_euclid(NS) as u32,
            offset: self.offset,
            zone: self.zone.clone(),
        }
    }
}

fn offset_text(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    format!("{sign}{:02}{:02}", a / 3600, a / 60 % 60)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in(m: i64, y: i64) -> i64 {
    match m {
        2 => {
            if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
                29
            } else {
                28
            }
        }
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn now() -> GoTime {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    GoTime::utc(d.as_secs() as i64, d.subsec_nanos())
}

/// The time a `time.Time` argument holds, or Go's error for a value of another type.
fn time_arg(v: &Value) -> Result<GoTime, String> {
    match v {
        Value::String(s) => GoTime::from_go_string(s)
            .ok_or_else(|| "wrong type for value; expected time.Time; got string".to_string()),
        other => Err(format!(
            "wrong type for value; expected time.Time; got {}",
            other.go_type()
        )),
    }
}

pub fn register(m: &mut FuncMap) {
    use Ty::*;
    def(m, "toDate", &[String, String], None, |a| {
        let t = parse_time(arg_str(&a, 0), arg_str(&a, 1))
            .unwrap_or_else(|_| GoTime::utc(-62_135_596_800, 0));
        Ok(Value::String(t.to_go_string()))
    });
    def(m, "mustToDate", &[String, String], None, |a| {
        parse_time(arg_str(&a, 0), arg_str(&a, 1)).map(|t| Value::String(t.to_go_string()))
    });
    def(m, "unixEpoch", &[Any], None, |a| {
        Ok(Value::String(time_arg(&any(&a, 0))?.unix.to_string()))
    });
    for name in ["mustDateModify", "must_date_modify"] {
        def(m, name, &[String, Any], None, |a| {
            let t = time_arg(&any(&a, 1))?;
            let d = parse_duration(arg_str(&a, 0))?;
            Ok(Value::String(
                t.with_total_nanos(t.total_nanos() + i128::from(d))
                    .to_go_string(),
            ))
        });
    }
    def(m, "duration", &[Any], None, |a| {
        let n = match any(&a, 0) {
            Value::String(s) => parse_int(&s, 10).unwrap_or(0),
            Value::Int64(n) => n,
            _ => 0,
        };
        Ok(Value::String(duration_string(
            n.wrapping_mul(1_000_000_000),
        )))
    });
    def(m, "durationRound", &[Any], None, |a| {
        let d: i64 = match any(&a, 0) {
            Value::String(s) => match GoTime::from_go_string(&s) {
                Some(t) => since(&t),
                None => parse_duration(&s).unwrap_or(0),
            },
            Value::Int64(n) => n,
            _ => 0,
        };
        Ok(Value::string(duration_round(d)))
    });
    def(m, "ago", &[Any], None, |a| {
        let t = match any(&a, 0) {
            Value::String(s) => GoTime::from_go_string(&s).unwrap_or_else(now),
            Value::Int64(n) | Value::Int(n) => GoTime::utc(n, 0),
            _ => now(),
        };
        Ok(Value::String(duration_string(round_second(since(&t)))))
    });
}

fn since(t: &GoTime) -> i64 {
    let d = now().total_nanos() - t.total_nanos();
    d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// `Duration.Round(time.Second)`.
fn round_second(d: i64) -> i64 {
    let m: i64 = 1_000_000_000;
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if r + r < m {
            return d + r;
        }
        return d.checked_sub(m - r).unwrap_or(i64::MIN);
    }
    if r + r < m {
        return d - r;
    }
    d.checked_add(m - r).unwrap_or(i64::MAX)
}

/// slim-sprig's `durationRound`: the duration in its largest whole unit.
pub fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    let hour: u64 = 3_600_000_000_000;
    let units: [(u64, &str); 6] = [
        (hour * 24 * 365, "y"),
        (hour * 24 * 30, "mo"),
        (hour * 24, "d"),
        (hour, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (size, name) in units {
        if u > size {
            return format!("{}{name}", u / size);
        }
    }
    "0s".to_string()
}

fn fmt_frac(v: u64, prec: u32) -> (String, u64) {
    let mut out = String::new();
    let mut v = v;
    let mut print = false;
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            out.insert(0, char::from(b'0' + digit as u8));
        }
        v /= 10;
    }
    if print {
        out.insert(0, '.');
    }
    (out, v)
}

/// Go's `Duration.String()`.
pub fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out;
    if u < 1_000_000_000 {
        let (prec, unit) = match u {
            0 => return "0s".to_string(),
            1..=999 => (0, "ns"),
            1000..=999_999 => (3, "µs"),
            _ => (6, "ms"),
        };
        let (frac, rest) = fmt_frac(u, prec);
        out = format!("{rest}{frac}{unit}");
    } else {
        let (frac, rest) = fmt_frac(u, 9);
        u = rest;
        out = format!("{}{frac}s", u % 60);
        u /= 60;
        if u > 0 {
            out = format!("{}m{out}", u % 60);
            u /= 60;
            if u > 0 {
                out = format!("{u}h{out}");
            }
        }
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// The `time` package's quoting in its error messages.
fn tquote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut b = [0u8; 4];
            for x in c.encode_utf8(&mut b).bytes() {
                out.push_str(&format!("\\x{x:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", tquote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut d: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut v: u64 = 0;
        for b in s[..int_len].bytes() {
            v = v
                .checked_mul(10)
                .and_then(|x| x.checked_add(u64::from(b - b'0')))
                .filter(|x| *x <= 1 << 63)
                .ok_or_else(invalid)?;
        }
        let pre = int_len > 0;
        s = &s[int_len..];
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if let Some(rest) = s.strip_prefix('.') {
            s = rest;
            let n = s.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for b in s[..n].bytes() {
                if overflow {
                    continue;
                }
                if f > (1u64 << 63) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(b - b'0');
                if y > 1 << 63 {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = n > 0;
            s = &s[n..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s
            .bytes()
            .take_while(|c| !(*c == b'.' || c.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", tquote(orig)));
        }
        let u = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    tquote(u),
                    tquote(orig)
                ));
            }
        };
        if v > (1u64 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        d = d.checked_add(v).ok_or_else(invalid)?;
        if d > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > (1u64 << 63) - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    Pm,
    PmLower,
    Tz,
    /// Numeric zone: (ISO 8601 `Z` allowed, colons, seconds, hours only).
    NumTz(bool, bool, bool, bool),
    /// Fractional seconds: (exact digits when true, digit count).
    Frac(bool, usize),
}

fn starts_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: the literal prefix, the element, the rest of the layout.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|t| t.starts_with(s));
    for i in 0..b.len() {
        let rest = |n: usize| layout.get(i + n..).unwrap_or("");
        let pre = layout.get(..i).unwrap_or("");
        let found = match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    Some((Std::LongMonth, 7))
                } else if !starts_lower(rest(3)) {
                    Some((Std::Month, 3))
                } else {
                    None
                }
            }
            b'M' if at(i, "Mon") => {
                if at(i, "Monday") {
                    Some((Std::LongWeekDay, 6))
                } else if !starts_lower(rest(3)) {
                    Some((Std::WeekDay, 3))
                } else {
                    None
                }
            }
            b'M' if at(i, "MST") => Some((Std::Tz, 3)),
            b'0' => match b.get(i + 1) {
                Some(b'1') => Some((Std::ZeroMonth, 2)),
                Some(b'2') => Some((Std::ZeroDay, 2)),
                Some(b'3') => Some((Std::ZeroHour12, 2)),
                Some(b'4') => Some((Std::ZeroMinute, 2)),
                Some(b'5') => Some((Std::ZeroSecond, 2)),
                Some(b'6') => Some((Std::Year, 2)),
                Some(b'0') if b.get(i + 2) == Some(&b'2') => Some((Std::ZeroYearDay, 3)),
                _ => None,
            },
            b'1' => {
                if b.get(i + 1) == Some(&b'5') {
                    Some((Std::Hour, 2))
                } else {
                    Some((Std::NumMonth, 1))
                }
            }
            b'2' => {
                if at(i, "2006") {
                    Some((Std::LongYear, 4))
                } else {
                    Some((Std::Day, 1))
                }
            }
            b'_' if b.get(i + 1) == Some(&b'2') => {
                if at(i + 1, "2006") {
                    return (layout.get(..=i).unwrap_or(""), Some(Std::LongYear), rest(5));
                }
                Some((Std::UnderDay, 2))
            }
            b'_' if at(i, "__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if b.get(i + 1) == Some(&b'M') => Some((Std::Pm, 2)),
            b'p' if b.get(i + 1) == Some(&b'm') => Some((Std::PmLower, 2)),
            b'-' | b'Z' => {
                let z = b[i] == b'Z';
                let forms: [(&str, Std); 5] = [
                    ("070000", Std::NumTz(z, false, true, false)),
                    ("07:00:00", Std::NumTz(z, true, true, false)),
                    ("0700", Std::NumTz(z, false, false, false)),
                    ("07:00", Std::NumTz(z, true, false, false)),
                    ("07", Std::NumTz(z, false, false, true)),
                ];
                forms
                    .iter()
                    .find(|(f, _)| at(i + 1, f))
                    .map(|(f, s)| (*s, f.len() + 1))
            }
            b'.' | b',' => match b.get(i + 1) {
                Some(&ch @ (b'0' | b'9')) => {
                    let mut j = i + 1;
                    while b.get(j) == Some(&ch) {
                        j += 1;
                    }
                    if b.get(j).is_some_and(u8::is_ascii_digit) {
                        None
                    } else {
                        Some((Std::Frac(ch == b'0', j - i - 1), j - i))
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((std, n)) = found {
            return (pre, Some(std), rest(n));
        }
    }
    (layout, None, "")
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let d0 = b.first().filter(|c| c.is_ascii_digit())?;
    match b.get(1) {
        Some(d1) if d1.is_ascii_digit() => {
            Some((i64::from(d0 - b'0') * 10 + i64::from(d1 - b'0'), &s[2..]))
        }
        _ if fixed => None,
        _ => Some((i64::from(d0 - b'0'), &s[1..])),
    }
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn lookup<'a>(names: &[&str], short: bool, v: &'a str) -> Option<(i64, &'a str)> {
    for (i, n) in names.iter().enumerate() {
        let n = if short { &n[..3] } else { n };
        if let Some(head) = v.get(..n.len())
            && head.eq_ignore_ascii_case(n)
        {
            return Some((i as i64, &v[n.len()..]));
        }
    }
    None
}

fn parse_nanos(v: &str, nbytes: usize) -> Option<i64> {
    let b = v.as_bytes();
    if !matches!(b.first(), Some(b'.' | b',')) {
        return None;
    }
    let nbytes = nbytes.min(10);
    let digits = v.get(1..nbytes)?;
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut ns: i64 = digits.parse().unwrap_or(0);
    for _ in 0..(10 - nbytes) {
        ns *= 10;
    }
    Some(ns)
}

/// Go's `time.ParseInLocation(layout, value, time.Local)` with Local = UTC.
pub fn parse_time(alayout: &str, avalue: &str) -> Result<GoTime, String> {
    let cannot = |velem: &str, lelem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            tquote(avalue),
            tquote(alayout),
            tquote(velem),
            tquote(lelem)
        )
    };
    let msg = |m: &str| format!("parsing time {}{m}", tquote(avalue));
    let mut layout = alayout;
    let mut value = avalue;
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let (mut pm_set, mut am_set) = (false, false);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let stdstr = &layout[prefix.len()..layout.len() - suffix.len()];
        // skip(value, prefix): spaces in the layout match any run of spaces.
        let mut p = prefix;
        while !p.is_empty() {
            if let Some(rp) = p.strip_prefix(' ') {
                if !value.is_empty() && !value.starts_with(' ') {
                    return Err(cannot(value, prefix));
                }
                value = value.trim_start_matches(' ');
                p = rp.trim_start_matches(' ');
                continue;
            }
            let c = p.chars().next().unwrap_or(' ');
            if !value.starts_with(c) {
                return Err(cannot(value, prefix));
            }
            value = &value[c.len_utf8()..];
            p = &p[c.len_utf8()..];
        }
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(msg(&format!(": extra text: {}", tquote(value))));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err: Option<&str> = None;
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    let p = value.get(..2)?;
                    year = p.parse().ok()?;
                    value = &value[2..];
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Std::LongYear => {
                    let p = value.get(..4)?;
                    if !p.as_bytes().first()?.is_ascii_digit() {
                        return None;
                    }
                    year = p.parse().ok()?;
                    value = &value[4..];
                }
                Std::Month | Std::LongMonth => {
                    let (m, r) = lookup(&LONG_MONTHS, std == Std::Month, value)?;
                    month = m + 1;
                    value = r;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, r) = getnum(value, std == Std::ZeroMonth)?;
                    month = m;
                    value = r;
                    if !(1..=12).contains(&month) {
                        range_err = Some("month");
                    }
                }
                Std::WeekDay | Std::LongWeekDay => {
                    let (_, r) = lookup(&LONG_DAYS, std == Std::WeekDay, value)?;
                    value = r;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                    let (d, r) = getnum(value, std == Std::ZeroDay)?;
                    day = d;
                    value = r;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.starts_with(' ') {
                            value = &value[1..];
                        }
                    }
                    let p = value.get(..3)?;
                    if !p.bytes().all(|c| c.is_ascii_digit()) {
                        return None;
                    }
                    yday = p.parse().ok()?;
                    value = &value[3..];
                    if !(1..=366).contains(&yday) {
                        range_err = Some("day-of-year");
                    }
                }
                Std::Hour => {
                    let (h, r) = getnum(value, false)?;
                    hour = h;
                    value = r;
                    if !(0..24).contains(&hour) {
                        range_err = Some("hour");
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, r) = getnum(value, std == Std::ZeroHour12)?;
                    hour = h;
                    value = r;
                    if !(0..=12).contains(&hour) {
                        range_err = Some("hour");
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, r) = getnum(value, std == Std::ZeroMinute)?;
                    min = m;
                    value = r;
                    if !(0..60).contains(&min) {
                        range_err = Some("minute");
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, r) = getnum(value, std == Std::ZeroSecond)?;
                    sec = s;
                    value = r;
                    if !(0..60).contains(&sec) {
                        range_err = Some("second");
                        return Some(());
                    }
                    let b = value.as_bytes();
                    if b.len() >= 2 && matches!(b[0], b'.' | b',') && b[1].is_ascii_digit() {
                        if let (_, Some(Std::Frac(..)), _) = next_std_chunk(layout) {
                            return Some(());
                        }
                        let n = 2 + b[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                        nsec = parse_nanos(value, n)?;
                        value = &value[n..];
                    }
                }
                Std::Pm | Std::PmLower => {
                    let p = value.get(..2)?;
                    let (pm, am) = if std == Std::Pm {
                        ("PM", "AM")
                    } else {
                        ("pm", "am")
                    };
                    if p == pm {
                        pm_set = true;
                    } else if p == am {
                        am_set = true;
                    } else {
                        return None;
                    }
                    value = &value[2..];
                }
                Std::NumTz(iso, colon, seconds, short) => {
                    if iso && value.starts_with('Z') {
                        value = &value[1..];
                        utc = true;
                        return Some(());
                    }
                    let b = value.as_bytes();
                    let (sign, hh, mm, ss, n) = if colon && seconds {
                        if b.len() < 9 || b[3] != b':' || b[6] != b':' {
                            return None;
                        }
                        (
                            b[0],
                            value.get(1..3)?,
                            value.get(4..6)?,
                            value.get(7..9)?,
                            9,
                        )
                    } else if colon {
                        if b.len() < 6 || b[3] != b':' {
                            return None;
                        }
                        (b[0], value.get(1..3)?, value.get(4..6)?, "00", 6)
                    } else if short {
                        if b.len() < 3 {
                            return None;
                        }
                        (b[0], value.get(1..3)?, "00", "00", 3)
                    } else if seconds {
                        if b.len() < 7 {
                            return None;
                        }
                        (
                            b[0],
                            value.get(1..3)?,
                            value.get(3..5)?,
                            value.get(5..7)?,
                            7,
                        )
                    } else {
                        if b.len() < 5 {
                            return None;
                        }
                        (b[0], value.get(1..3)?, value.get(3..5)?, "00", 5)
                    };
                    let hr = getnum(hh, true)?.0;
                    let mi = getnum(mm, true)?.0;
                    let se = getnum(ss, true)?.0;
                    if hr > 24 {
                        range_err = Some("time zone offset hour");
                    }
                    if mi > 60 {
                        range_err = Some("time zone offset minute");
                    }
                    if se > 60 {
                        range_err = Some("time zone offset second");
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    zone_offset = Some(match sign {
                        b'+' => off,
                        b'-' => -off,
                        _ => return None,
                    });
                    value = value.get(n..)?;
                }
                Std::Tz => {
                    if value.starts_with("UTC") {
                        utc = true;
                        value = &value[3..];
                        return Some(());
                    }
                    let n = value.bytes().take_while(u8::is_ascii_uppercase).count();
                    if !(3..=5).contains(&n) {
                        return None;
                    }
                    zone_name = value[..n].to_string();
                    value = &value[n..];
                }
                Std::Frac(exact, digits) => {
                    if exact {
                        let nd = 1 + digits;
                        if value.len() < nd {
                            return None;
                        }
                        nsec = parse_nanos(value, nd)?;
                        value = value.get(nd..)?;
                    } else {
                        let b = value.as_bytes();
                        if b.len() < 2 || !matches!(b[0], b'.' | b',') || !b[1].is_ascii_digit() {
                            return Some(());
                        }
                        let i = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                        nsec = parse_nanos(value, 1 + i)?;
                        value = &value[1 + i..];
                    }
                }
            }
            Some(())
        })();
        if let Some(r) = range_err {
            return Err(msg(&format!(": {r} out of range")));
        }
        if ok.is_none() {
            return Err(cannot(hold, stdstr));
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let leap = days_in(2, year) == 29;
        if yday > 365 && !leap {
            return Err(msg(": day-of-year out of range"));
        }
        let mut m = 1;
        let mut left = yday;
        while m < 12 && left > days_in(m, year) {
            left -= days_in(m, year);
            m += 1;
        }
        if month >= 0 && month != m || day >= 0 && day != left {
            return Err(msg(": day-of-year does not match month"));
        }
        month = m;
        day = left;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(msg(": day out of range"));
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
    let nanos = nsec.clamp(0, 999_999_999) as u32;
    if utc {
        return Ok(GoTime::utc(local, nanos));
    }
    if let Some(off) = zone_offset {
        let unix = local - off;
        if off == 0 && (zone_name.is_empty() || zone_name == "UTC") {
            return Ok(GoTime::utc(unix, nanos));
        }
        return Ok(GoTime {
            unix,
            nanos,
            offset: off as i32,
            zone: zone_name,
        });
    }
    if !zone_name.is_empty() {
        let mut offset = 0;
        if let Some(h) = zone_name.strip_prefix("GMT")
            && zone_name.len() > 3
        {
            offset = h.parse::<i32>().unwrap_or(0) * 3600;
        }
        return Ok(GoTime {
            unix: local,
            nanos,
            offset,
            zone: zone_name,
        });
    }
    Ok(GoTime::utc(local, nanos))
}
