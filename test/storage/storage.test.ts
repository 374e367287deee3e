import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isHeroflowError } from '../../src/errors.js';
import { FileStorage, MemoryStorage, openStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';

const dir = mkdtempSync(join(tmpdir(), 'heroflow-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

for (const [name, make] of [
  ['file', () => new FileStorage(mkdtempSync(join(dir, 'f-')))],
  ['memory', () => new MemoryStorage()],
] as [string, () => Storage][]) {
  describe(`${name} storage`, () => {
    it('writes (creating folders), overwrites, reads and lists sorted', async () => {
      const s = make();
      await s.write('t/date=2023-09-01/b.parquet', bytes('one'));
      await s.write('t/date=2023-09-01/a.parquet', bytes('two'));
      await s.write('u/c.parquet', bytes('three'));
      await s.write('t/date=2023-09-01/b.parquet', bytes('four'));
      assert.equal(text(await s.read('t/date=2023-09-01/b.parquet')), 'four');
      assert.deepEqual(await s.list(), [
        't/date=2023-09-01/a.parquet',
        't/date=2023-09-01/b.parquet',
        'u/c.parquet',
      ]);
      assert.deepEqual(await s.list('u/'), ['u/c.parquet']);
      await s.close();
    });

    it('refuses paths that leave the root, and reports a missing object as HF_STORAGE_IO', async () => {
      const s = make();
      for (const bad of ['../x', '/abs', 'a//b', 'a/./b', '']) {
        await assert.rejects(s.write(bad, bytes('x')), (e) => isHeroflowError(e, 'HF_STORAGE_IO'), bad);
      }
      await assert.rejects(s.read('nope'), (e) => isHeroflowError(e, 'HF_STORAGE_IO'));
    });
  });
}

describe('file storage', () => {
  it('leaves no temp file behind and writes through a rename', async () => {
    const root = mkdtempSync(join(dir, 'atomic-'));
    const s = new FileStorage(root);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.write('d/x.parquet', bytes(`v${i}`))));
    assert.deepEqual(readdirSync(join(root, 'd')), ['x.parquet']);
    assert.match(text(await s.read('d/x.parquet')), /^v\d+$/);
  });

  it('lists nothing for a root that does not exist yet', async () => {
    assert.deepEqual(await new FileStorage(join(dir, 'missing')).list(), []);
  });
});

describe('openStorage', () => {
  it('opens file URLs, plain paths and memory://', () => {
    const f = openStorage(pathToFileURL(join(dir, 'out')).href);
    assert.ok(f instanceof FileStorage);
    assert.equal(f.root, join(dir, 'out'));
    const p = openStorage('relative/out');
    assert.ok(p instanceof FileStorage);
    assert.equal(p.root, join(process.cwd(), 'relative/out'));
    assert.ok(openStorage('memory://') instanceof MemoryStorage);
  });

  it('names the setting and the allowed schemes for unknown schemes and an empty setting', () => {
    for (const url of ['ftp://host/x', 'hdfs://nn/x', '']) {
      assert.throws(
        () => openStorage(url),
        (e) =>
          isHeroflowError(e, 'HF_STORAGE_URL') &&
          /OUTPUT_FS \/ --out/.test(e.message) &&
          /memory:\/\//.test(e.message) &&
          /s3:\/\/bucket/.test(e.message),
        url,
      );
    }
  });
});
