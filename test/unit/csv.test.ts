import { describe, expect, it } from 'vitest';
import { CsvFileError, csvField, csvRow, readCsv, type CsvRecord } from '../../src/members/csv.js';

const read = async (input: string | Uint8Array, limits?: Parameters<typeof readCsv>[1]) => {
  const out: CsvRecord[] = [];
  for await (const r of readCsv(typeof input === 'string' ? new TextEncoder().encode(input) : input, limits)) out.push(r);
  return out;
};
async function* pieces(s: string, size: number) {
  const b = new TextEncoder().encode(s);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

/** The member importer's CSV reader, as a table of inputs and the records they make (RFC 4180 and what exports do). */
describe('readCsv', () => {
  const CASES: [string, string, CsvRecord[]][] = [
    ['plain rows, CRLF', 'a,b\r\n1,2\r\n', [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', '2'] }]],
    ['LF and no final break', 'a,b\n1,2', [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', '2'] }]],
    ['a lone CR ends a record', 'a\r1\r', [{ line: 1, fields: ['a'] }, { line: 2, fields: ['1'] }]],
    ['empty fields', ',,\n', [{ line: 1, fields: ['', '', ''] }]],
    ['quoted comma, quote and line break', '"x,y","say ""hi""","two\r\nlines"\nnext', [{ line: 1, fields: ['x,y', 'say "hi"', 'two\r\nlines'] }, { line: 3, fields: ['next'] }]],
    ['blank lines are skipped', 'a\n\n\nb\n', [{ line: 1, fields: ['a'] }, { line: 4, fields: ['b'] }]],
    ['a UTF-8 byte-order mark is skipped', '\ufeffemail\nx@y.z\n', [{ line: 1, fields: ['email'] }, { line: 2, fields: ['x@y.z'] }]],
    ['UTF-8 text', 'Zoë,Łukasz,東京\n', [{ line: 1, fields: ['Zoë', 'Łukasz', '東京'] }]],
    ['text after a closing quote', '"a"b,c\nok\n', [{ line: 1, error: 'text after the closing quote of a value' }, { line: 2, fields: ['ok'] }]],
    ['a stray quote', 'a"b\nok\n', [{ line: 1, error: 'a quote inside a value that does not start with one' }, { line: 2, fields: ['ok'] }]],
    ['an unclosed quote', 'ok\n"never closed\nmore', [{ line: 1, fields: ['ok'] }, { line: 2, error: 'a quoted value is never closed' }]],
  ];
  it.each(CASES)('%s', async (_n, input, expected) => {
    expect(await read(input)).toEqual(expected);
    // The same records whatever the chunks the bytes arrive in.
    const out: CsvRecord[] = [];
    for await (const r of readCsv(pieces(input, 1))) out.push(r);
    expect(out).toEqual(expected);
  });

  it('reports a row in another encoding by its line and reads the rest', async () => {
    const latin1 = Buffer.concat([Buffer.from('email,name\r\na@x.org,Ann\r\nb@x.org,'), Buffer.from([0x5a, 0x6f, 0xeb]), Buffer.from('\r\nc@x.org,Cy\r\n')]);
    expect(await read(latin1)).toEqual([
      { line: 1, fields: ['email', 'name'] }, { line: 2, fields: ['a@x.org', 'Ann'] },
      { line: 3, error: 'this row is not valid UTF-8 text (save the file as CSV UTF-8)' }, { line: 4, fields: ['c@x.org', 'Cy'] },
    ]);
  });

  it('refuses a UTF-16 file as a whole', async () => {
    await expect(read(Buffer.from('\ufeffemail\n', 'utf16le'))).rejects.toBeInstanceOf(CsvFileError);
  });

  it('has limits on a value, a row and the columns, and keeps going after them', async () => {
    const limits = { maxFieldBytes: 8, maxFields: 3, maxRecordBytes: 20 };
    expect(await read('123456789\na,b,c,d\n"1234567","1234567","1234567"\nok\n', limits)).toEqual([
      { line: 1, error: 'a value is longer than 8 bytes' },
      { line: 2, error: 'more than 3 columns' },
      { line: 3, error: 'a row is longer than 20 bytes' },
      { line: 4, fields: ['ok'] },
    ]);
  });
});

describe('csvField', () => {
  it.each([
    ['plain', 'plain'], ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`], ['+1', "'+1"], ['@home', "'@home"], ['', ''],
  ])('%j → %s', (v, out) => expect(csvField(v)).toBe(out));
  it('writes rows that read back', async () => {
    const rows = [['a,b', 'c"d', 'e\r\nf'], ['1', '', 'x']];
    expect((await read(rows.map(csvRow).join(''))).map((r) => r.fields)).toEqual(rows);
  });
});
