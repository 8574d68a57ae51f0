import { describe, expect, it } from 'vitest';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { cliEnv, noStackTrace, run, spawnCli, tempDirs } from '../helpers/cli.js';
import { writeWxrFixture } from '../../src/bench/wxr-fixture.js';
import { ghostExport, lexicalStory, nestedHtml, nestedLexical, storyHtml, storyPage, storyText } from '../helpers/hostile.js';

/** `masthead import` as a person runs it: the real CLI in a child process, on a SQLite file in a fresh data dir. */

const freshDataDir = tempDirs('masthead-import-');
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/importer/${name}`, import.meta.url));
const articles = (dataDir: string) => {
  const db = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
  try {
    return db.prepare('select a.title, a.status, a.source_id from articles a order by a.id').all() as { title: string; status: string; source_id: string }[];
  } finally {
    db.close();
  }
};

/** A 50 MB text file of one line, written in pieces (the test must not hold it either). */
async function writeHugeLine(path: string, mb: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  for (let i = 0; i < mb; i++) if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}

/** The CLI run to completion, with the most memory it held at once (VmHWM, sampled from /proc). */
function runMeasured(args: string[], dataDir: string, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string; peakMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: cliEnv({ MASTHEAD_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // Gone already.
      }
    };
    const poll = setInterval(sample, 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    if (stdin && child.stdin) {
      // The CLI stops reading at its limit: the rest of the pipe is refused, which is the point.
      child.stdin.on('error', () => {});
      const src = createReadStream(stdin);
      src.pipe(child.stdin);
      child.stdin.on('close', () => src.destroy());
    }
    child.on('exit', sample);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, stdout, stderr, peakMb: peakKb / 1024 });
    });
  });
}

// One at a time: cli.test.ts runs its own spawns concurrently beside this file, on two cores.
describe('masthead import', () => {
  it('--dry-run --explain on a scraped page lists every removed line with its reason and writes nothing', async () => {
    const dataDir = freshDataDir();
    const r = await run(['import', fixture('cli/harbour-dues.txt'), '--dry-run', '--explain'], { dataDir });
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^would create http:\/\/[^/]+\/articles\/harbour-dues-to-rise-by-a-fifth-as-port-faces-repair-bill {2}"Harbour dues to rise by a fifth as port faces repair bill" \(draft\)$/m);
    const removed = [...out.matchAll(/^ {4}removed \(([a-z_]+)(?:: [^)]*)?\): (.*)$/gm)].map((m) => [m[1], JSON.parse(m[2]!)]);
    const texts = removed.map(([, text]) => text);
    // The paywall block, glued lines included, the duplicated teaser, the comments prompt and the share line.
    for (const line of [
      'Join The Harbour Ledger for insider access and analysis.',
      'COMMENTS',
      'You must become a subscriber or login to view or post comments on this article.',
      'Share this article',
    ]) expect(texts).toContain(line);
    expect(texts.some((t) => /TRY 14 DAYS FREE/.test(t))).toBe(true);
    expect(texts.some((t) => /daily free article limit/.test(t))).toBe(true);
    expect(texts.filter((t) => t.startsWith('Fishing boats and yachts'))).toHaveLength(1);
    for (const [reason] of removed) expect(reason).toMatch(/^[a-z_]+$/);
    expect(out).toMatch(/^Dry run: would import 1 article \(1 new, 0 updated, 0 unchanged\); 0 skipped with errors; 0 to review; /m);
    expect(articles(dataDir)).toEqual([]);
  });

  it('imports, then a second run of the same file changes nothing; --json prints one object per line', async () => {
    const dataDir = freshDataDir();
    const first = await run(['import', fixture('cli/harbour-dues.txt'), '--json', '--publish', '--section', 'Coast', '--access', 'paid'], { dataDir });
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ type: 'article', result: 'created', status: 'published', title: 'Harbour dues to rise by a fifth as port faces repair bill', flags: [] });
    expect(lines[0].url).toMatch(/\/articles\/harbour-dues-to-rise-by-a-fifth-as-port-faces-repair-bill$/);
    expect(lines[1]).toMatchObject({ type: 'summary', created: 1, failed: 0 });
    const again = await run(['import', fixture('cli/harbour-dues.txt'), '--json', '--publish', '--section', 'Coast', '--access', 'paid'], { dataDir });
    expect(JSON.parse(again.stdout.trim().split('\n')[0]!)).toMatchObject({ result: 'unchanged' });
    expect(articles(dataDir)).toHaveLength(1);
    const db = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
    const row = db.prepare(`select a.access_level, a.published_at, s.slug as section, (select group_concat(au.name) from article_authors x join authors au on au.id = x.author_id where x.article_id = a.id) as authors
      from articles a left join sections s on s.id = a.primary_section_id`).get() as Record<string, unknown>;
    db.close();
    expect(row).toEqual({ access_level: 'paid', published_at: Date.parse('2025-03-03T12:00:00Z'), section: 'coast', authors: 'Ailsa Grant' });
  });

  it('a WXR file with one corrupt item imports the rest, names the bad item, and exits 1', async () => {
    const dataDir = freshDataDir();
    const dir = join(dataDir, 'in');
    mkdirSync(dir);
    const file = join(dir, 'export.xml');
    await writeWxrFixture(file, 5);
    // Break the third post: its id goes missing.
    const { readFileSync } = await import('node:fs');
    let xml = readFileSync(file, 'utf8');
    let seen = 0;
    xml = xml.replace(/<wp:post_id>\d+<\/wp:post_id>/g, (m) => (++seen === 3 ? '' : m));
    writeFileSync(file, xml);
    const r = await run(['import', file], { dataDir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^skipped item 3\b.*$/m);
    noStackTrace(r.stderr);
    expect(r.stdout).toMatch(/Imported 4 articles \(4 new, 0 updated, 0 unchanged\); 1 skipped with errors/);
    expect(articles(dataDir).map((a) => a.status)).toEqual(['draft', 'draft', 'draft', 'draft']);
  });

  it('Ctrl-C stops after the article in flight; the rerun continues and nothing is imported twice', async () => {
    const dataDir = freshDataDir();
    const file = join(dataDir, 'big.wxr');
    await writeWxrFixture(file, 1500);
    const child = spawnCli(['import', file, '--json'], cliEnv({ MASTHEAD_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exit = await new Promise<number | null>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
        if (!sent && stdout.split('\n').length > 20) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', (code) => resolve(code));
    });
    expect(exit, stderr).toBe(130);
    expect(stderr).toMatch(/stopping after the current article/);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    const summary = lines.at(-1);
    expect(summary).toMatchObject({ type: 'summary', interrupted: true, failed: 0 });
    expect(summary.created).toBeGreaterThan(0);
    expect(summary.created).toBeLessThan(1500);
    expect(articles(dataDir)).toHaveLength(summary.created);

    const rerun = await run(['import', file, '--json'], { dataDir, timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = JSON.parse(rerun.stdout.trim().split('\n').at(-1)!);
    expect(after).toMatchObject({ unchanged: summary.created, created: 1500 - summary.created, failed: 0 });
    const rows = articles(dataDir);
    expect(rows).toHaveLength(1500);
    expect(new Set(rows.map((r) => r.source_id)).size).toBe(1500);
  }, 180_000);

  // util-linux's `script` gives the command a terminal, as a person running it has.
  it.skipIf(!existsSync('/usr/bin/script'))('on a terminal, a progress bar shows count, rate and ETA; piped output stays clean', async () => {
    const dataDir = freshDataDir();
    const file = join(dataDir, 'export.wxr');
    await writeWxrFixture(file, 400);
    const tty = join(dataDir, 'tty.log');
    const out = join(dataDir, 'out.txt');
    const r = spawnSync('/usr/bin/script', ['-qfc', `"${process.execPath}" --import tsx src/cli/main.ts import "${file}" > "${out}"`, tty], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: cliEnv({ MASTHEAD_DATA_DIR: dataDir, LOG_LEVEL: 'silent', COLUMNS: '100' }),
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    const frames = readFileSync(tty, 'utf8').split('\r').map((f) => f.replace(/\x1b\[2K/g, '').trim()).filter((f) => f.includes('ETA'));
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(f).toMatch(/^\[[#.]{10,40}\] \d+% [\d,]+ articles [\d,]+\/s ETA (\?|\d+s|\d+m\d\ds)$/);
    // What went to the pipe is the article lines, the summary and where the links' address came from, no bar.
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(402);
    expect(lines.at(-1)).toMatch(/^Links use /);
    expect(lines.join('\n')).not.toContain('ETA');
  }, 90_000);

  it('a folder with a 50 MB one-line text and deeply nested files: each bad file is one line, the rest import, memory stays bounded', async () => {
    const dataDir = freshDataDir();
    const dir = join(dataDir, 'in');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a-good.txt'), storyText('the harbour wall'));
    await writeHugeLine(join(dir, 'b-huge.txt'), 50);
    writeFileSync(join(dir, 'c-deep.html'), storyPage('the pier', nestedHtml(2_000, 'div', storyHtml('the pier'))));
    writeFileSync(join(dir, 'd-ghost.json'), ghostExport([
      { id: 'deep', title: 'Deep quotes', body: { lexical: nestedLexical(20_000) } },
      { id: 'fine', title: 'Ferry timetable changes', body: { lexical: lexicalStory('the ferry') } },
    ]));
    const r = await runMeasured(['import', dir], dataDir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'skipped b-huge.txt: the file is 50 MB; a text article can be at most 8 MB',
      'skipped c-deep.html: the page is nested too deeply (more than 100 levels)',
      'skipped d-ghost.json: posts[0] (id deep): the Lexical body is nested too deeply (more than 100 levels)',
    ]);
    noStackTrace(r.stderr);
    expect(r.stdout).toMatch(/Imported 2 articles \(2 new, 0 updated, 0 unchanged\); 3 skipped with errors/);
    expect(articles(dataDir).map((a) => a.title).sort()).toEqual(['Ferry timetable changes', 'Harbour board agrees plan for the harbour wall']);
    // It took 2.36 GB (and 31 s) to refuse a 50 MB line before; the file is refused by its size now.
    expect(r.peakMb).toBeLessThan(600);
  }, 90_000);

  it('a 50 MB one-line text on standard input is read only up to the limit, then refused', async () => {
    const dataDir = freshDataDir();
    const file = join(dataDir, 'huge.txt');
    await writeHugeLine(file, 50);
    const r = await runMeasured(['import', '-', '--format', 'text'], dataDir, file);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim()).toBe('skipped stdin: the input is larger than 8 MB, the most a text article can be');
    expect(r.peakMb).toBeLessThan(600);
    expect(articles(dataDir)).toEqual([]);
  }, 90_000);

  it('bad input gets one readable line: a missing file, an unknown format, an unknown access level', async () => {
    const dataDir = freshDataDir();
    const missing = await run(['import', join(dataDir, 'nope.xml')], { dataDir });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^masthead: .*nope\.xml: no such file or directory$/);
    const format = await run(['import', fixture('cli/harbour-dues.txt'), '--format', 'docx'], { dataDir });
    expect(format.code).toBe(2);
    expect(format.stderr.trim()).toMatch(/^masthead: --format: /);
    const access = await run(['import', fixture('cli/harbour-dues.txt'), '--access', 'vip'], { dataDir });
    expect(access.code).toBe(2);
    expect(access.stderr.trim()).toMatch(/^masthead: --access: /);
    for (const r of [missing, format, access]) noStackTrace(r.stderr);
  });
});

describe('masthead import: the address its links use (issue 13)', () => {
  it('builds links on SITE_URL, and says where the address came from when SITE_URL is not set', async () => {
    const file = join(freshDataDir(), 'story.txt');
    writeFileSync(file, storyText('Ferry timetable changes'));
    const plain = await run(['import', file, '--dry-run'], { dataDir: freshDataDir(), env: { PORT: '4100' } });
    expect(plain.stdout).toContain('http://127.0.0.1:4100/articles/');
    expect(plain.stdout).toContain('SITE_URL is not set');
    const set = await run(['import', file, '--dry-run'], { dataDir: freshDataDir(), env: { SITE_URL: 'https://news.example' } });
    expect(set.stdout).toContain('https://news.example/articles/');
    expect(set.stdout).toContain('Links use SITE_URL (https://news.example).');
  });
});
