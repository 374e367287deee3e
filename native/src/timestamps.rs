//! The ISO timestamp parser of src/etl/timestamps.ts (`parseIsoTimestampBytes`), on bytes:
//! `YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}][Z|±HH:MM|±HHMM]` → epoch milliseconds, fraction truncated to ms.
//! Zone-less values are kept as wall-clock values (naive timestamps), `Z` and offsets converted to UTC.

#[inline]
fn digits(b: &[u8], from: usize, n: usize) -> i64 {
    let mut v = 0i64;
    for &c in &b[from..from + n] {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return -1;
        }
        v = v * 10 + d as i64;
    }
    v
}

fn days_in(year: i64, month: i64) -> i64 {
    if month == 2 {
        return if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) { 29 } else { 28 };
    }
    if month == 4 || month == 6 || month == 9 || month == 11 {
        30
    } else {
        31
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12); H. Hinnant's `days_from_civil`.
#[inline]
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Epoch ms of the timestamp in `b` (the whole slice), or None when it is not one of the accepted forms.
pub fn parse_iso_ms(b: &[u8]) -> Option<i64> {
    let end = b.len();
    if end < 19 {
        return None;
    }
    let sep = b[10];
    if b[4] != b'-' || b[7] != b'-' || (sep != b'T' && sep != b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(b, 0, 4);
    let month = digits(b, 5, 2);
    let day = digits(b, 8, 2);
    let hour = digits(b, 11, 2);
    let minute = digits(b, 14, 2);
    let second = digits(b, 17, 2);
    if year < 0 || !(1..=12).contains(&month) || day < 1 || !(0..=23).contains(&hour) || !(0..=59).contains(&minute)
    {
        return None;
    }
    if !(0..=59).contains(&second) || day > days_in(year, month) {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if i < end && b[i] == b'.' {
        i += 1;
        let from = i;
        while i < end && i - from < 9 && b[i].is_ascii_digit() {
            i += 1;
        }
        let n = i - from;
        if n == 0 {
            return None;
        }
        let k = n.min(3);
        ms = digits(b, from, k) * 10i64.pow(3 - k as u32);
    }
    let mut t = days_from_civil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
    if i == end {
        return Some(t);
    }
    let zone = b[i];
    if zone == b'Z' && i + 1 == end {
        return Some(t);
    }
    if zone != b'+' && zone != b'-' {
        return None;
    }
    let rest = end - i - 1;
    let colon = rest == 5 && b[i + 3] == b':';
    if rest != 4 && !colon {
        return None;
    }
    let hh = digits(b, i + 1, 2);
    let mm = digits(b, if colon { i + 4 } else { i + 3 }, 2);
    if !(0..=23).contains(&hh) || !(0..=59).contains(&mm) {
        return None;
    }
    t -= if zone == b'-' { -1 } else { 1 } * (hh * 60 + mm) * 60_000;
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::parse_iso_ms;

    #[test]
    fn forms() {
        // Date.UTC(2023, 8, 1, 12, 0, 0) = 1693569600000
        assert_eq!(parse_iso_ms(b"2023-09-01T12:00:00Z"), Some(1_693_569_600_000));
        assert_eq!(parse_iso_ms(b"2023-09-01T12:00:00.123456"), Some(1_693_569_600_123));
        assert_eq!(parse_iso_ms(b"2023-09-01 12:00:00.5"), Some(1_693_569_600_500));
        assert_eq!(parse_iso_ms(b"2023-09-01T14:00:00+02:00"), Some(1_693_569_600_000));
        assert_eq!(parse_iso_ms(b"2023-09-01T10:00:00-0200"), Some(1_693_569_600_000));
        assert_eq!(parse_iso_ms(b"1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(parse_iso_ms(b"2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_iso_ms(b"2023-09-01T12:00:00."), None);
        assert_eq!(parse_iso_ms(b"2023-09-01"), None);
    }
}
