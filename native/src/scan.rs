//! The fast path of src/etl/scan-record.ts and src/etl/json-bytes.ts, ported to Rust: one pass over the
//! message bytes that knows the envelope `{level, timestamp, name, log_message, task}` and the two task
//! shapes that make rows (Starting Match, Attack Completed). Values are left as byte spans into the
//! message (no allocation per record); the nested `task` document is read inside its JSON string without
//! unescaping it ("nested" mode: a quote is the two bytes `\"`, any other escape bails).
//!
//! It accepts the same strict subset of JSON as the JS scanner and bails (returns `Err(Bail)`) on anything
//! outside it: escapes in keys or copied strings, `\u` escapes, bytes ≥ 0x80, numbers that are not plain
//! non-negative integers of ≤ 15 digits where an integer is read, repeated keys, integer-like or repeated
//! hero keys. heroflow hands those records to its generic path (JSON.parse); this measurement only counts
//! them (`skipped`). Spans copied into columns hold printable ASCII only, so they are valid UTF-8.

use crate::timestamps::parse_iso_ms;

#[derive(Debug)]
pub struct Bail;
type R<T> = Result<T, Bail>;

const QUOTE: u8 = b'"';
const BACKSLASH: u8 = b'\\';

/// 1 for the bytes a string's content may hold as they are: printable ASCII but `"` and `\`.
static PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0x20;
    while c < 0x80 {
        t[c] = c != QUOTE as usize && c != BACKSLASH as usize;
        c += 1;
    }
    t
};

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether any of the 8 bytes of `w` is not PLAIN (`"`, `\`, < 0x20 or ≥ 0x80). May say yes for a plain
/// word (a borrow runs on past a real hit); never says no for a word with such a byte.
#[inline(always)]
fn needs_look(w: u64) -> bool {
    let control = w.wrapping_sub(LO * 0x20) & !w;
    let q = w ^ (LO * QUOTE as u64);
    let quote = q.wrapping_sub(LO) & !q;
    let s = w ^ (LO * BACKSLASH as u64);
    let slash = s.wrapping_sub(LO) & !s;
    ((control | quote | slash) & HI) | (w & HI) != 0
}

/// A validating reader over one message's bytes (json-bytes.ts `JsonBytes`).
struct J<'a> {
    b: &'a [u8],
    pos: usize,
    end: usize,
    nested: bool,
    /// Span of the last string read (without quotes).
    s0: usize,
    s1: usize,
}

impl<'a> J<'a> {
    /// The byte at `p`, or -1 past the end.
    #[inline(always)]
    fn at(&self, p: usize) -> i32 {
        if p < self.end {
            self.b[p] as i32
        } else {
            -1
        }
    }

    #[inline(always)]
    fn ws(&mut self) {
        let b = self.b;
        let mut p = self.pos;
        if self.nested {
            while p < self.end && b[p] == b' ' {
                p += 1;
            }
        } else {
            while p < self.end {
                let c = b[p];
                if c != b' ' && c != b'\n' && c != b'\r' && c != b'\t' {
                    break;
                }
                p += 1;
            }
        }
        self.pos = p;
    }

    #[inline(always)]
    fn peek(&mut self) -> i32 {
        self.ws();
        self.at(self.pos)
    }

    #[inline(always)]
    fn expect(&mut self, c: u8) -> R<()> {
        if self.peek() != c as i32 {
            return Err(Bail);
        }
        self.pos += 1;
        Ok(())
    }

    /// After a member: true when another follows (`,`), false at the closing byte.
    #[inline(always)]
    fn more(&mut self, close: u8) -> R<bool> {
        let c = self.peek();
        self.pos += 1;
        if c == b',' as i32 {
            Ok(true)
        } else if c == close as i32 {
            Ok(false)
        } else {
            Err(Bail)
        }
    }

    /// `{` then: false if the object is empty (`{}` consumed), true if a key follows.
    #[inline(always)]
    fn open_object(&mut self) -> R<bool> {
        self.expect(b'{')?;
        if self.peek() == b'}' as i32 {
            self.pos += 1;
            return Ok(false);
        }
        Ok(true)
    }

    #[inline(always)]
    fn key(&mut self) -> R<()> {
        self.string(false)?;
        self.expect(b':')
    }

    #[inline(always)]
    fn is(&self, lit: &[u8]) -> bool {
        &self.b[self.s0..self.s1] == lit
    }

    /// A string at the cursor (see json-bytes.ts `string`).
    fn string(&mut self, escapes: bool) -> R<()> {
        self.ws();
        let b = self.b;
        let end = self.end;
        let nested = self.nested;
        let mut p = self.pos;
        if nested {
            if self.at(p) != BACKSLASH as i32 || self.at(p + 1) != QUOTE as i32 {
                return Err(Bail);
            }
            p += 2;
        } else {
            if self.at(p) != QUOTE as i32 {
                return Err(Bail);
            }
            p += 1;
        }
        let start = p;
        loop {
            // Eight bytes at a time while none of them needs a look (SWAR), then byte by byte.
            while p + 8 <= end {
                let w = u64::from_le_bytes(b[p..p + 8].try_into().unwrap());
                if needs_look(w) {
                    break;
                }
                p += 8;
            }
            while p < end && PLAIN[b[p] as usize] {
                p += 1;
            }
            if p >= end {
                return Err(Bail);
            }
            let c = b[p];
            if c == BACKSLASH {
                if nested {
                    if self.at(p + 1) == QUOTE as i32 {
                        break;
                    }
                    return Err(Bail);
                }
                if !escapes || p + 1 >= end {
                    return Err(Bail);
                }
                match b[p + 1] {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    _ => return Err(Bail),
                }
                p += 2;
                continue;
            }
            if c == QUOTE && !nested {
                break;
            }
            return Err(Bail);
        }
        self.s0 = start;
        self.s1 = p;
        self.pos = if nested { p + 2 } else { p + 1 };
        Ok(())
    }

    /// `null` at the cursor? Consumes it if so.
    fn is_null(&mut self) -> R<bool> {
        if self.peek() != b'n' as i32 {
            return Ok(false);
        }
        let p = self.pos;
        if p + 4 > self.end || &self.b[p..p + 4] != b"null" {
            return Err(Bail);
        }
        self.pos = p + 4;
        Ok(true)
    }

    /// A plain non-negative integer of at most 15 digits.
    fn uint(&mut self) -> R<u64> {
        self.ws();
        let b = self.b;
        let mut p = self.pos;
        let start = p;
        let mut v = 0u64;
        while p < self.end {
            let d = b[p].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = v * 10 + d as u64;
            p += 1;
            if p - start > 15 {
                return Err(Bail);
            }
        }
        let n = p - start;
        if n == 0 || (n > 1 && b[start] == b'0') {
            return Err(Bail);
        }
        if p < self.end {
            let c = b[p];
            if c == b'.' || c == b'e' || c == b'E' {
                return Err(Bail);
            }
        }
        self.pos = p;
        Ok(v)
    }

    /// Skips any JSON value, validating it (strings may hold escapes here).
    fn skip(&mut self) -> R<()> {
        let c = self.peek();
        let quote = if self.nested { BACKSLASH } else { QUOTE } as i32;
        if c == quote {
            self.string(true)
        } else if c == b'{' as i32 {
            if self.open_object()? {
                loop {
                    self.string(true)?;
                    self.expect(b':')?;
                    self.skip()?;
                    if !self.more(b'}')? {
                        break;
                    }
                }
            }
            Ok(())
        } else if c == b'[' as i32 {
            self.pos += 1;
            if self.peek() == b']' as i32 {
                self.pos += 1;
            } else {
                loop {
                    self.skip()?;
                    if !self.more(b']')? {
                        break;
                    }
                }
            }
            Ok(())
        } else if c == b'-' as i32 || (b'0' as i32..=b'9' as i32).contains(&c) {
            self.number()
        } else if c == b't' as i32 {
            self.literal(b"true")
        } else if c == b'f' as i32 {
            self.literal(b"false")
        } else if c == b'n' as i32 {
            self.literal(b"null")
        } else {
            Err(Bail)
        }
    }

    fn at_object(&mut self) -> bool {
        self.peek() == b'{' as i32
    }

    fn at_end(&mut self) -> bool {
        self.ws();
        self.pos == self.end
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        let p = self.pos;
        if p + word.len() > self.end || &self.b[p..p + word.len()] != word {
            return Err(Bail);
        }
        self.pos = p + word.len();
        Ok(())
    }

    /// -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
    fn number(&mut self) -> R<()> {
        let b = self.b;
        let end = self.end;
        let mut p = self.pos;
        if b[p] == b'-' {
            p += 1;
        }
        let int = p;
        while p < end && b[p].is_ascii_digit() {
            p += 1;
        }
        if p == int || (p - int > 1 && b[int] == b'0') {
            return Err(Bail);
        }
        if p < end && b[p] == b'.' {
            p += 1;
            let f = p;
            while p < end && b[p].is_ascii_digit() {
                p += 1;
            }
            if p == f {
                return Err(Bail);
            }
        }
        if p < end && (b[p] == b'e' || b[p] == b'E') {
            p += 1;
            if p < end && (b[p] == b'+' || b[p] == b'-') {
                p += 1;
            }
            let e = p;
            while p < end && b[p].is_ascii_digit() {
                p += 1;
            }
            if p == e {
                return Err(Bail);
            }
        }
        self.pos = p;
        Ok(())
    }
}

pub const KIND_LOG: u8 = 0;
pub const KIND_LOBBY: u8 = 1;
pub const KIND_GAME: u8 = 2;

pub type Span = (usize, usize);

#[derive(Default, Clone, Copy)]
pub struct Hero {
    pub token: Span,
    pub id: u16,
    pub attack: u64,
    pub health: u64,
}

/// What one scan leaves: spans into the message and numbers (scan-record.ts `RecordScanner` fields).
#[derive(Default)]
pub struct Scanned {
    pub level: Span,
    pub name: Span,
    pub message: Span,
    pub timestamp: i64,
    pub kind: u8,
    /// Lobby and game: task.TIMESTAMP as whole seconds in ms (lobby: None when absent, null or "").
    pub task_time: Option<i64>,
    pub game: Span,
    pub user: Span,
    pub action: Span,
    /// None when ENEMY_TOKEN is null or absent.
    pub enemy: Option<Span>,
    pub damage: u64,
    pub prior: u64,
    pub post: u64,
    pub heroes: Vec<Hero>,
}

pub struct RecordScanner {
    pub s: Scanned,
}

impl RecordScanner {
    pub fn new() -> Self {
        RecordScanner { s: Scanned { heroes: Vec::with_capacity(8), ..Default::default() } }
    }

    /// Ok when the message was read whole by the fast path (spans then index `value`).
    pub fn scan(&mut self, value: &[u8]) -> R<()> {
        let mut j = J { b: value, pos: 0, end: value.len(), nested: false, s0: 0, s1: 0 };
        self.envelope(&mut j)
    }

    fn envelope(&mut self, j: &mut J) -> R<()> {
        if !j.at_object() || !j.open_object()? {
            return Err(Bail);
        }
        let s = &mut self.s;
        s.kind = KIND_LOG;
        let mut seen = 0u32;
        let mut task_start: Option<usize> = None;
        let mut task_read = false;
        loop {
            j.key()?;
            let bit;
            if j.is(b"level") {
                bit = 1;
                j.string(false)?;
                s.level = (j.s0, j.s1);
            } else if j.is(b"timestamp") {
                bit = 2;
                j.string(false)?;
                s.timestamp = parse_iso_ms(&j.b[j.s0..j.s1]).ok_or(Bail)?;
            } else if j.is(b"name") {
                bit = 4;
                j.string(false)?;
                s.name = (j.s0, j.s1);
            } else if j.is(b"log_message") {
                bit = 8;
                j.string(false)?;
                s.message = (j.s0, j.s1);
                s.kind = if j.is(b"Starting Match") {
                    KIND_LOBBY
                } else if j.is(b"Attack Completed") {
                    KIND_GAME
                } else {
                    KIND_LOG
                };
            } else if j.is(b"task") {
                bit = 16;
                if j.peek() != QUOTE as i32 {
                    j.skip()?;
                } else if s.kind != KIND_LOG {
                    let at = j.pos + 1;
                    Self::task(s, j, at)?;
                    task_read = true;
                } else {
                    task_start = Some(j.pos + 1);
                    j.string(true)?;
                }
            } else {
                bit = 0;
                j.skip()?;
            }
            if seen & bit != 0 {
                return Err(Bail); // a repeated key: JSON.parse keeps the last, left to it
            }
            seen |= bit;
            if !j.more(b'}')? {
                break;
            }
        }
        if !j.at_end() || seen & 15 != 15 {
            return Err(Bail);
        }
        if s.kind == KIND_LOG || task_read {
            return Ok(());
        }
        let start = task_start.ok_or(Bail)?; // absent, null or an object: the generic path's
        Self::task(s, j, start)
    }

    /// The task document in the string whose body starts at `start`.
    fn task(s: &mut Scanned, j: &mut J, start: usize) -> R<()> {
        j.pos = start;
        j.nested = true;
        if s.kind == KIND_GAME {
            Self::game_task(s, j)?;
        } else {
            Self::lobby_task(s, j)?;
        }
        j.ws();
        j.nested = false;
        if j.at(j.pos) != QUOTE as i32 {
            return Err(Bail);
        }
        j.pos += 1;
        Ok(())
    }

    fn seconds(j: &J) -> R<i64> {
        let t = parse_iso_ms(&j.b[j.s0..j.s1]).ok_or(Bail)?;
        Ok(t.div_euclid(1000) * 1000)
    }

    fn game_task(s: &mut Scanned, j: &mut J) -> R<()> {
        if !j.at_object() || !j.open_object()? {
            return Err(Bail);
        }
        let mut seen = 0u32;
        loop {
            j.key()?;
            let bit;
            if j.is(b"TIMESTAMP") {
                bit = 1;
                j.string(false)?;
                s.task_time = Some(Self::seconds(j)?);
            } else if j.is(b"PAYLOAD") {
                bit = 2;
                Self::game_payload(s, j)?;
            } else if j.is(b"STATUS") {
                bit = 4;
                Self::game_status(s, j)?;
            } else {
                bit = 0;
                j.skip()?;
            }
            if seen & bit != 0 {
                return Err(Bail);
            }
            seen |= bit;
            if !j.more(b'}')? {
                break;
            }
        }
        if seen != 7 {
            return Err(Bail);
        }
        Ok(())
    }

    fn game_payload(s: &mut Scanned, j: &mut J) -> R<()> {
        if !j.open_object()? {
            return Err(Bail);
        }
        let mut seen = 0u32;
        loop {
            j.key()?;
            let bit;
            if j.is(b"GAME_TOKEN") {
                bit = 1;
                j.string(false)?;
                s.game = (j.s0, j.s1);
            } else if j.is(b"USER_TOKEN") {
                bit = 2;
                j.string(false)?;
                s.user = (j.s0, j.s1);
            } else {
                bit = 0;
                j.skip()?;
            }
            if seen & bit != 0 {
                return Err(Bail);
            }
            seen |= bit;
            if !j.more(b'}')? {
                break;
            }
        }
        if seen != 3 {
            return Err(Bail);
        }
        Ok(())
    }

    fn game_status(s: &mut Scanned, j: &mut J) -> R<()> {
        if !j.open_object()? {
            return Err(Bail);
        }
        let mut seen = 0u32;
        loop {
            j.key()?;
            let bit;
            if j.is(b"ACTION") {
                bit = 1;
                j.string(false)?;
                s.action = (j.s0, j.s1);
            } else if j.is(b"DETAILS") {
                bit = 2;
                Self::game_details(s, j)?;
            } else {
                bit = 0;
                j.skip()?;
            }
            if seen & bit != 0 {
                return Err(Bail);
            }
            seen |= bit;
            if !j.more(b'}')? {
                break;
            }
        }
        if seen != 3 {
            return Err(Bail);
        }
        Ok(())
    }

    fn game_details(s: &mut Scanned, j: &mut J) -> R<()> {
        if !j.open_object()? {
            return Err(Bail);
        }
        let mut seen = 0u32;
        s.enemy = None;
        loop {
            j.key()?;
            let bit;
            if j.is(b"ENEMY_TOKEN") {
                bit = 1;
                if !j.is_null()? {
                    j.string(false)?;
                    s.enemy = Some((j.s0, j.s1));
                }
            } else if j.is(b"ENEMY_DAMAGE") {
                bit = 2;
                s.damage = j.uint()?;
            } else if j.is(b"ENEMY_HEALTH_PRIOR") {
                bit = 4;
                s.prior = j.uint()?;
            } else if j.is(b"ENEMY_HEALTH_POST") {
                bit = 8;
                s.post = j.uint()?;
            } else {
                bit = 0;
                j.skip()?;
            }
            if seen & bit != 0 {
                return Err(Bail);
            }
            seen |= bit;
            if !j.more(b'}')? {
                break;
            }
        }
        if seen & 14 != 14 {
            return Err(Bail);
        }
        Ok(())
    }

    fn lobby_task(s: &mut Scanned, j: &mut J) -> R<()> {
        if !j.open_object()? {
            return Err(Bail);
        }
        let mut seen = 0u32;
        s.task_time = None;
        s.heroes.clear();
        loop {
            j.key()?;
            let bit;
            if j.is(b"TIMESTAMP") {
                bit = 1;
                // null, absent and "" all mean "no time" (record.ts: `ts ? seconds(ts) : null`).
                if !j.is_null()? {
                    j.string(false)?;
                    if j.s1 > j.s0 {
                        s.task_time = Some(Self::seconds(j)?);
                    }
                }
            } else if j.is(b"PAYLOAD") {
                bit = 2;
                Self::lobby_payload(s, j)?;
            } else {
                bit = 0;
                j.skip()?;
            }
            if seen & bit != 0 {
                return Err(Bail);
            }
            seen |= bit;
            if !j.more(b'}')? {
                break;
            }
        }
        if seen & 2 == 0 {
            return Err(Bail);
        }
        Ok(())
    }

    fn lobby_payload(s: &mut Scanned, j: &mut J) -> R<()> {
        if !j.open_object()? {
            return Err(Bail);
        }
        let mut seen = 0u32;
        loop {
            j.key()?;
            let bit;
            if j.is(b"GAME_TOKEN") {
                bit = 1;
                j.string(false)?;
                s.game = (j.s0, j.s1);
            } else if j.is(b"PARTICIPANTS_HEROS") {
                bit = 2;
                Self::lobby_heroes(s, j)?;
            } else {
                bit = 0;
                j.skip()?;
            }
            if seen & bit != 0 {
                return Err(Bail);
            }
            seen |= bit;
            if !j.more(b'}')? {
                break;
            }
        }
        if seen != 3 {
            return Err(Bail);
        }
        Ok(())
    }

    fn lobby_heroes(s: &mut Scanned, j: &mut J) -> R<()> {
        if !j.open_object()? {
            return Ok(());
        }
        loop {
            j.key()?;
            let token = (j.s0, j.s1);
            // JSON.parse orders integer-like keys first and keeps the first position of a repeated key.
            let key = &j.b[token.0..token.1];
            if is_index_like(key) || s.heroes.iter().any(|h| &j.b[h.token.0..h.token.1] == key) {
                return Err(Bail);
            }
            let hero = Self::hero(j, token)?;
            s.heroes.push(hero);
            if !j.more(b'}')? {
                break;
            }
        }
        Ok(())
    }

    fn hero(j: &mut J, token: Span) -> R<Hero> {
        if !j.open_object()? {
            return Err(Bail);
        }
        let mut h = Hero { token, ..Default::default() };
        let mut seen = 0u32;
        loop {
            j.key()?;
            let bit;
            if j.is(b"id") {
                bit = 1;
                let id = j.uint()?;
                if id > u16::MAX as u64 {
                    return Err(Bail);
                }
                h.id = id as u16;
            } else if j.is(b"attack") {
                bit = 2;
                h.attack = j.uint()?;
            } else if j.is(b"health") {
                bit = 4;
                h.health = j.uint()?;
            } else {
                bit = 0;
                j.skip()?;
            }
            if seen & bit != 0 {
                return Err(Bail);
            }
            seen |= bit;
            if !j.more(b'}')? {
                break;
            }
        }
        if seen != 7 {
            return Err(Bail);
        }
        Ok(h)
    }
}

/// A canonical array index ("0", "17", not "017").
fn is_index_like(k: &[u8]) -> bool {
    let n = k.len();
    if n == 0 || n > 10 || (n > 1 && k[0] == b'0') {
        return false;
    }
    k.iter().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAME: &[u8] = br#"{"level": "INFO", "timestamp": "2023-09-01T12:00:00.250123", "name": "kafka.lib.server.game", "log_message": "Attack Completed", "task": "{\"TIMESTAMP\": \"2023-09-01T12:00:00Z\", \"PAYLOAD\": {\"GAME_TOKEN\": \"g\", \"USER_TOKEN\": \"u\"}, \"STATUS\": {\"ACTION\": \"ATTACK\", \"DETAILS\": {\"ENEMY_TOKEN\": \"e\", \"ENEMY_DAMAGE\": 10, \"ENEMY_HEALTH_PRIOR\": 100, \"ENEMY_HEALTH_POST\": 90}}}"}"#;

    #[test]
    fn swar_agrees_with_the_table() {
        // Every byte value at every position of a word of plain bytes.
        for pos in 0..8 {
            for c in 0..=255u8 {
                let mut bytes = *b"abcdefgh";
                bytes[pos] = c;
                let w = u64::from_le_bytes(bytes);
                if !PLAIN[c as usize] {
                    assert!(needs_look(w), "byte {c:#x} at {pos}");
                }
            }
        }
        assert!(!needs_look(u64::from_le_bytes(*b"a-Z_09 ~")));
    }

    #[test]
    fn game() {
        let mut r = RecordScanner::new();
        r.scan(GAME).unwrap();
        let s = &r.s;
        assert_eq!(s.kind, KIND_GAME);
        assert_eq!(s.timestamp, 1_693_569_600_250);
        assert_eq!(s.task_time, Some(1_693_569_600_000));
        assert_eq!(&GAME[s.game.0..s.game.1], b"g");
        assert_eq!(&GAME[s.action.0..s.action.1], b"ATTACK");
        let e = s.enemy.unwrap();
        assert_eq!(&GAME[e.0..e.1], b"e");
        assert_eq!((s.damage, s.prior, s.post), (10, 100, 90));
    }

    #[test]
    fn lobby_and_bails() {
        let lobby = br#"{"level": "INFO", "timestamp": "2023-09-01T12:00:00.000123", "name": "n", "log_message": "Starting Match", "task": "{\"TIMESTAMP\": \"2023-09-01T12:00:00Z\", \"PAYLOAD\": {\"GAME_TOKEN\": \"g\", \"PARTICIPANTS\": [\"a\", \"b\"], \"PARTICIPANTS_HEROS\": {\"a\": {\"token\": \"a\", \"id\": 7, \"attack\": 1000, \"health\": 200000}, \"b\": {\"token\": \"b\", \"id\": 8, \"attack\": 1001, \"health\": 200001}}}, \"STATUS\": {\"GAME\": \"START\"}}"}"#;
        let mut r = RecordScanner::new();
        r.scan(lobby).unwrap();
        assert_eq!(r.s.kind, KIND_LOBBY);
        assert_eq!(r.s.heroes.len(), 2);
        assert_eq!(r.s.heroes[1].id, 8);
        assert_eq!(r.s.heroes[1].health, 200_001);
        // a null hero id: left to the generic path
        let null_id = String::from_utf8(lobby.to_vec()).unwrap().replace("\\\"id\\\": 7", "\\\"id\\\": null");
        assert!(r.scan(null_id.as_bytes()).is_err());
        // task as an object on a log line: skipped, fine
        let clean = br#"{"level": "INFO", "timestamp": "2023-09-01T12:00:00.000123", "name": "n", "log_message": "Cleaning Game Records", "task": {"game_token": "g", "user_token": "u"}}"#;
        r.scan(clean).unwrap();
        assert_eq!(r.s.kind, KIND_LOG);
        // a repeated key, a non-ASCII byte, a \u escape
        assert!(r.scan(br#"{"level": "INFO", "level": "X", "timestamp": "2023-09-01T12:00:00", "name": "n", "log_message": "m"}"#).is_err());
        assert!(r.scan("{\"level\": \"É\", \"timestamp\": \"2023-09-01T12:00:00\", \"name\": \"n\", \"log_message\": \"m\"}".as_bytes()).is_err());
        assert!(r.scan(br#"{"level": "\u0041", "timestamp": "2023-09-01T12:00:00", "name": "n", "log_message": "m"}"#).is_err());
    }
}
