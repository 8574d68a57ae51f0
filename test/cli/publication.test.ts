import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { oneLine, run, tempDirs } from '../helpers/cli.js';

const freshDataDir = tempDirs('masthead-pub-');
const withoutTime = (s: string) => s.replace(/"exportedAt":"[^"]+"/, '"exportedAt":""');

/** `masthead publication export|import`: the demo publication out to a file and into a new data dir, unchanged. */
describe('masthead publication', () => {
  it('exports, loads into an empty database, exports the same again, and refuses a second load', async () => {
    const a = freshDataDir();
    const b = freshDataDir();
    const file = join(freshDataDir(), 'pub.json');
    expect((await run(['demo'], { dataDir: a })).code).toBe(0);
    const out = await run(['publication', 'export', file], { dataDir: a });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/^wrote .*pub\.json; left out: sessions/);
    expect(existsSync(`${file}.partial`)).toBe(false);

    const load = await run(['publication', 'import', file], { dataDir: b });
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toMatch(/^articles\t\d+$/m);

    const again = join(freshDataDir(), 'again.json');
    expect((await run(['publication', 'export', again], { dataDir: b })).code).toBe(0);
    expect(withoutTime(readFileSync(again, 'utf8'))).toBe(withoutTime(readFileSync(file, 'utf8')));

    const twice = await run(['publication', 'import', file], { dataDir: b });
    expect(twice.code).toBe(1);
    expect(oneLine(twice.stderr)).toMatch(/^masthead: the database is not empty: settings/);
  }, 60_000);
});
