/**
 * The fast path of record parsing: one pass over the message bytes that knows the envelope
 * `{level, timestamp, name, log_message, task}` and the two task shapes that make rows (Starting Match,
 * Attack Completed), and leaves spans and numbers in reusable fields for rows.ts to copy into columns.
 * No string, object or array is made per record; the nested `task` document is read inside its JSON
 * string without unescaping (json-bytes.ts nested mode), so every span points into the message itself.
 *
 * `scan` returns false whenever the message is outside the shape it knows (see json-bytes.ts: BAIL); the
 * caller then uses the generic path (record.ts parseRecord), which decides with the exact reason. So the
 * fast path never rejects anything: it only accepts what the generic path accepts, with the same values.
 */
import { ascii, BAIL, JsonBytes } from './json-bytes.js';
import { parseIsoTimestampBytes } from './timestamps.js';

const K_LEVEL = ascii('level');
const K_TIMESTAMP = ascii('timestamp');
const K_NAME = ascii('name');
const K_LOG_MESSAGE = ascii('log_message');
const K_TASK = ascii('task');
const K_TS = ascii('TIMESTAMP');
const K_PAYLOAD = ascii('PAYLOAD');
const K_STATUS = ascii('STATUS');
const K_GAME_TOKEN = ascii('GAME_TOKEN');
const K_USER_TOKEN = ascii('USER_TOKEN');
const K_HEROES = ascii('PARTICIPANTS_HEROS');
const K_ACTION = ascii('ACTION');
const K_DETAILS = ascii('DETAILS');
const K_ENEMY_TOKEN = ascii('ENEMY_TOKEN');
const K_DAMAGE = ascii('ENEMY_DAMAGE');
const K_PRIOR = ascii('ENEMY_HEALTH_PRIOR');
const K_POST = ascii('ENEMY_HEALTH_POST');
const K_ID = ascii('id');
const K_ATTACK = ascii('attack');
const K_HEALTH = ascii('health');
const STARTING_MATCH = ascii('Starting Match');
const ATTACK_COMPLETED = ascii('Attack Completed');

export const KIND_LOG = 0;
export const KIND_LOBBY = 1;
export const KIND_GAME = 2;

const UINT16_MAX = 65535;
const RBRACE = 0x7d;
const QUOTE = 0x22;

/** A growable list of hero fields for one Starting Match (typed arrays: no object per hero). */
class Heroes {
  count = 0;
  tokenStart = new Int32Array(8);
  tokenEnd = new Int32Array(8);
  id = new Int32Array(8);
  attack = new Float64Array(8);
  health = new Float64Array(8);

  add(): number {
    if (this.count === this.id.length) {
      const n = this.count * 2;
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const next = new (a.constructor as new (n: number) => T)(n);
        next.set(a);
        return next;
      };
      this.tokenStart = grow(this.tokenStart);
      this.tokenEnd = grow(this.tokenEnd);
      this.id = grow(this.id);
      this.attack = grow(this.attack);
      this.health = grow(this.health);
    }
    return this.count++;
  }
}

export class RecordScanner {
  private readonly j = new JsonBytes();
  /** The message; every span points into it. */
  value: Uint8Array = new Uint8Array(0);

  level0 = 0;
  level1 = 0;
  name0 = 0;
  name1 = 0;
  message0 = 0;
  message1 = 0;
  timestamp = 0;
  kind = KIND_LOG;

  /** Lobby and game: task.TIMESTAMP as whole seconds in ms (lobby: NaN when absent). */
  taskTime = 0;
  game0 = 0;
  game1 = 0;
  /** Game only. */
  user0 = 0;
  user1 = 0;
  action0 = 0;
  action1 = 0;
  /** -1 when ENEMY_TOKEN is null or absent. */
  enemy0 = -1;
  enemy1 = -1;
  damage = 0;
  prior = 0;
  post = 0;
  /** Lobby only. */
  readonly heroes = new Heroes();

  /**
   * True when the message at value[start, end) was read whole by the fast path (spans then index `value`);
   * false means "use parseRecord".
   */
  scan(value: Uint8Array, start = 0, end = value.length): boolean {
    this.value = value;
    this.j.nested = false;
    try {
      return this.envelope(value, start, end);
    } catch (err) {
      if (err === BAIL) return false;
      throw err;
    }
  }

  private envelope(value: Uint8Array, start: number, end: number): boolean {
    const j = this.j;
    j.reset(value, start, end);
    if (!j.atObject() || !j.openObject()) return false;
    this.kind = KIND_LOG;
    let seen = 0;
    /** Where the task string's body starts when it was skipped (log_message came after it). */
    let taskStart = -1;
    let taskRead = false;
    do {
      j.key();
      let bit = 0;
      if (j.is(K_LEVEL)) {
        bit = 1;
        j.string(false);
        this.level0 = j.strStart;
        this.level1 = j.strEnd;
      } else if (j.is(K_TIMESTAMP)) {
        bit = 2;
        j.string(false);
        const t = parseIsoTimestampBytes(value, j.strStart, j.strEnd);
        if (t === undefined) return false;
        this.timestamp = t;
      } else if (j.is(K_NAME)) {
        bit = 4;
        j.string(false);
        this.name0 = j.strStart;
        this.name1 = j.strEnd;
      } else if (j.is(K_LOG_MESSAGE)) {
        bit = 8;
        j.string(false);
        this.message0 = j.strStart;
        this.message1 = j.strEnd;
        this.kind = j.is(STARTING_MATCH) ? KIND_LOBBY : j.is(ATTACK_COMPLETED) ? KIND_GAME : KIND_LOG;
      } else if (j.is(K_TASK)) {
        bit = 16;
        if (j.peek() !== QUOTE) j.skip();
        else if (this.kind !== KIND_LOG) {
          this.task(j.pos + 1);
          taskRead = true;
        } else {
          taskStart = j.pos + 1;
          j.string(true);
        }
      } else j.skip();
      if (seen & bit) return false; // a repeated key: JSON.parse keeps the last, leave that to it
      seen |= bit;
    } while (j.more(RBRACE));
    if (!j.atEnd() || (seen & 15) !== 15) return false;
    if (this.kind === KIND_LOG || taskRead) return true;
    if (taskStart < 0) return false; // absent, null or an object: the generic path knows what to do
    j.reset(value, taskStart, end);
    this.task(taskStart);
    return true;
  }

  /** The task document in the string whose body starts at `start`; leaves the cursor after its closing quote. */
  private task(start: number): void {
    const j = this.j;
    j.pos = start;
    j.nested = true;
    if (this.kind === KIND_GAME) this.gameTask();
    else this.lobbyTask();
    j.ws();
    j.nested = false;
    // The first raw quote ends the string (nested mode bails on any other): it must follow the document.
    if (j.buf[j.pos] !== QUOTE) throw BAIL;
    j.pos++;
  }

  /** Whole seconds (ms) of a TIMESTAMP span, as `seconds()` in record.ts. */
  private seconds(): number {
    const t = parseIsoTimestampBytes(this.value, this.j.strStart, this.j.strEnd);
    if (t === undefined) throw BAIL;
    return Math.floor(t / 1000) * 1000;
  }

  private gameTask(): void {
    const j = this.j;
    if (!j.atObject() || !j.openObject()) throw BAIL;
    let seen = 0;
    do {
      j.key();
      let bit = 0;
      if (j.is(K_TS)) {
        bit = 1;
        j.string(false);
        this.taskTime = this.seconds();
      } else if (j.is(K_PAYLOAD)) {
        bit = 2;
        this.gamePayload();
      } else if (j.is(K_STATUS)) {
        bit = 4;
        this.gameStatus();
      } else j.skip();
      if (seen & bit) throw BAIL;
      seen |= bit;
    } while (j.more(RBRACE));
    if (seen !== 7) throw BAIL;
  }

  private gamePayload(): void {
    const j = this.j;
    if (!j.openObject()) throw BAIL;
    let seen = 0;
    do {
      j.key();
      let bit = 0;
      if (j.is(K_GAME_TOKEN)) {
        bit = 1;
        j.string(false);
        this.game0 = j.strStart;
        this.game1 = j.strEnd;
      } else if (j.is(K_USER_TOKEN)) {
        bit = 2;
        j.string(false);
        this.user0 = j.strStart;
        this.user1 = j.strEnd;
      } else j.skip();
      if (seen & bit) throw BAIL;
      seen |= bit;
    } while (j.more(RBRACE));
    if (seen !== 3) throw BAIL;
  }

  private gameStatus(): void {
    const j = this.j;
    if (!j.openObject()) throw BAIL;
    let seen = 0;
    do {
      j.key();
      let bit = 0;
      if (j.is(K_ACTION)) {
        bit = 1;
        j.string(false);
        this.action0 = j.strStart;
        this.action1 = j.strEnd;
      } else if (j.is(K_DETAILS)) {
        bit = 2;
        this.gameDetails();
      } else j.skip();
      if (seen & bit) throw BAIL;
      seen |= bit;
    } while (j.more(RBRACE));
    if (seen !== 3) throw BAIL;
  }

  private gameDetails(): void {
    const j = this.j;
    if (!j.openObject()) throw BAIL;
    let seen = 0;
    this.enemy0 = -1;
    this.enemy1 = -1;
    do {
      j.key();
      let bit = 0;
      if (j.is(K_ENEMY_TOKEN)) {
        bit = 1;
        if (!j.isNull()) {
          j.string(false);
          this.enemy0 = j.strStart;
          this.enemy1 = j.strEnd;
        }
      } else if (j.is(K_DAMAGE)) {
        bit = 2;
        this.damage = j.uint();
      } else if (j.is(K_PRIOR)) {
        bit = 4;
        this.prior = j.uint();
      } else if (j.is(K_POST)) {
        bit = 8;
        this.post = j.uint();
      } else j.skip();
      if (seen & bit) throw BAIL;
      seen |= bit;
    } while (j.more(RBRACE));
    if ((seen & 14) !== 14) throw BAIL;
  }

  private lobbyTask(): void {
    const j = this.j;
    if (!j.openObject()) throw BAIL;
    let seen = 0;
    this.taskTime = Number.NaN;
    this.heroes.count = 0;
    do {
      j.key();
      let bit = 0;
      if (j.is(K_TS)) {
        bit = 1;
        // null, absent and "" all mean "no time" (record.ts: `ts ? seconds(ts) : null`).
        if (!j.isNull()) {
          j.string(false);
          if (j.strEnd > j.strStart) this.taskTime = this.seconds();
        }
      } else if (j.is(K_PAYLOAD)) {
        bit = 2;
        this.lobbyPayload();
      } else j.skip();
      if (seen & bit) throw BAIL;
      seen |= bit;
    } while (j.more(RBRACE));
    if ((seen & 2) === 0) throw BAIL;
  }

  private lobbyPayload(): void {
    const j = this.j;
    if (!j.openObject()) throw BAIL;
    let seen = 0;
    do {
      j.key();
      let bit = 0;
      if (j.is(K_GAME_TOKEN)) {
        bit = 1;
        j.string(false);
        this.game0 = j.strStart;
        this.game1 = j.strEnd;
      } else if (j.is(K_HEROES)) {
        bit = 2;
        this.lobbyHeroes();
      } else j.skip();
      if (seen & bit) throw BAIL;
      seen |= bit;
    } while (j.more(RBRACE));
    if (seen !== 3) throw BAIL;
  }

  private lobbyHeroes(): void {
    const j = this.j;
    if (!j.openObject()) return;
    const h = this.heroes;
    do {
      j.key();
      // JSON.parse orders integer-like keys first and keeps the first position of a repeated key: leave
      // both to it, so the rows come out in the same order.
      if (isIndexLike(this.value, j.strStart, j.strEnd) || this.repeated(j.strStart, j.strEnd)) throw BAIL;
      const i = h.add();
      h.tokenStart[i] = j.strStart;
      h.tokenEnd[i] = j.strEnd;
      this.hero(i);
    } while (j.more(RBRACE));
  }

  private hero(i: number): void {
    const j = this.j;
    const h = this.heroes;
    if (!j.openObject()) throw BAIL;
    let seen = 0;
    do {
      j.key();
      let bit = 0;
      if (j.is(K_ID)) {
        bit = 1;
        const id = j.uint();
        if (id > UINT16_MAX) throw BAIL;
        h.id[i] = id;
      } else if (j.is(K_ATTACK)) {
        bit = 2;
        h.attack[i] = j.uint();
      } else if (j.is(K_HEALTH)) {
        bit = 4;
        h.health[i] = j.uint();
      } else j.skip();
      if (seen & bit) throw BAIL;
      seen |= bit;
    } while (j.more(RBRACE));
    if (seen !== 7) throw BAIL;
  }

  private repeated(start: number, end: number): boolean {
    const h = this.heroes;
    const t = this.value;
    const n = end - start;
    outer: for (let k = 0; k < h.count; k++) {
      if (h.tokenEnd[k] - h.tokenStart[k] !== n) continue;
      for (let x = 0; x < n; x++) if (t[h.tokenStart[k] + x] !== t[start + x]) continue outer;
      return true;
    }
    return false;
  }
}

/** A canonical array index ("0", "17", not "017"): such keys come first in a JS object's order. */
function isIndexLike(b: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0 || n > 10) return false;
  if (n > 1 && b[start] === 48) return false;
  for (let i = start; i < end; i++) if (b[i] < 48 || b[i] > 57) return false;
  return true;
}
