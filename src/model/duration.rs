//! Durations as kubectl reads them (Go's syntax): for flags and for the annotations the model
//! reads (`fluxcd.controlplane.io/reconcileEvery`).
use std::time::Duration;

/// The longest duration Go (and so kubectl) can represent: `i64::MAX` nanoseconds, about 292
/// years.
const MAX_DURATION_NANOS: u128 = 9_223_372_036_854_775_807;

/// What durations look like, for error messages.
const DURATION_EXAMPLES: &str = "use a Go duration such as 30s, 5m, 1h30m, 1.5h or 300ms";

/// An age for `--older-than`/`--idle`: a Go duration, optionally led by whole days (`7d`,
/// `1d12h`), since stale environments are counted in days.
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let Some((days, rest)) = text.split_once('d') else {
        return parse_duration(text);
    };
    let days: u64 = days.parse().map_err(|_| {
        format!("invalid duration {text:?}: use days and a Go duration such as 7d, 1d12h or 36h")
    })?;
    let rest = if rest.is_empty() {
        Duration::ZERO
    } else {
        parse_duration(rest)?
    };
    days.checked_mul(86_400)
        .map(Duration::from_secs)
        .and_then(|d| d.checked_add(rest))
        .filter(|d| d.as_nanos() <= MAX_DURATION_NANOS)
        .ok_or_else(|| format!("invalid duration {text:?}: it is too large"))
}

/// Parses durations as kubectl does: Go's syntax (`300ms`, `1.5h`, `1h30m`, `2m3.5s`; units
/// `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`; a leading `+`), `0`, and a bare number of seconds as
/// `--request-timeout` takes it. Negative or longer than Go's limit (about 292 years) is an error;
/// all arithmetic is checked, in whole nanoseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let invalid = |why: &str| format!("invalid duration {text:?}: {why}; {DURATION_EXAMPLES}");
    let body = text.strip_prefix('+').unwrap_or(text);
    if body.starts_with('-') {
        return Err(invalid("it must not be negative"));
    }
    if body.is_empty() {
        return Err(invalid("it is empty"));
    }
    let too_large = || invalid("it is too large (at most 2562047h47m16.854775807s)");
    let to_duration = |nanos: u128| -> Result<Duration, String> {
        if nanos > MAX_DURATION_NANOS {
            return Err(too_large());
        }
        u64::try_from(nanos)
            .map(Duration::from_nanos)
            .map_err(|_| too_large())
    };
    // A bare integer: seconds (`0` included).
    if body.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u128 = body.parse().map_err(|_| too_large())?;
        return to_duration(secs.checked_mul(1_000_000_000).ok_or_else(too_large)?);
    }
    let mut total: u128 = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let (whole, after) = leading_digits(rest);
        let (fraction, after) = match after.strip_prefix('.') {
            Some(after) => leading_digits(after),
            None => ("", after),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid("expected a number"));
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after
            .split_at_checked(unit_len)
            .ok_or_else(|| invalid("malformed"))?;
        let nanos_per_unit: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(invalid("a unit is missing")),
            _ => return Err(invalid(&format!("unknown unit {unit:?}"))),
        };
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_large())?
        };
        let mut nanos = whole.checked_mul(nanos_per_unit).ok_or_else(too_large)?;
        // Digits past the 20th change the value by less than a nanosecond: Go drops them too.
        let fraction = fraction.get(..fraction.len().min(20)).unwrap_or_default();
        if !fraction.is_empty() {
            let digits: u128 = fraction.parse().map_err(|_| invalid("malformed"))?;
            let scale = 10u128
                .checked_pow(u32::try_from(fraction.len()).map_err(|_| invalid("malformed"))?)
                .ok_or_else(|| invalid("malformed"))?;
            let part = digits.checked_mul(nanos_per_unit).ok_or_else(too_large)? / scale;
            nanos = nanos.checked_add(part).ok_or_else(too_large)?;
        }
        total = total.checked_add(nanos).ok_or_else(too_large)?;
        if total > MAX_DURATION_NANOS {
            return Err(too_large());
        }
        rest = after;
    }
    to_duration(total)
}

/// Splits off the leading ASCII digits.
fn leading_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at_checked(end).unwrap_or((text, ""))
}

#[cfg(test)]
mod age_tests {
    use super::*;

    #[test]
    fn ages_take_days_and_go_durations() {
        let h = |n: u64| Duration::from_secs(n * 3600);
        assert_eq!(parse_age("7d"), Ok(h(168)));
        assert_eq!(parse_age("1d12h"), Ok(h(36)));
        assert_eq!(parse_age("36h"), Ok(h(36)));
        assert_eq!(parse_age("90m"), Ok(Duration::from_secs(5400)));
        for bad in [
            "d",
            "-1d",
            "1.5d",
            "7dd",
            "x",
            "",
            "99999999999999999d",
            "1d-1h",
        ] {
            assert!(parse_age(bad).is_err(), "{bad:?}");
        }
    }
}
