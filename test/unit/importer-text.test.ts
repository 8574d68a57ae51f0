import { describe, expect, it } from 'vitest';
import { buildCorpus, cleanBlocks, cleanScrapedText, repairPunctuation } from '../../src/importer/text/clean.js';
import { classifyLine } from '../../src/importer/text/boilerplate.js';
import { parseHeaderLine } from '../../src/importer/text/byline.js';
import { splitGlued } from '../../src/importer/text/split.js';

// Fixtures: fictional publications ("The Harbour Ledger", "Valley Courier") and invented articles.

/** Rough sentence split for the "every sentence exactly once" check. */
function sentences(p: string): string[] {
  return p.split(/(?<=[.!?…]["”’]?)\s+(?=["“‘]?[A-Z])/u).map((s) => s.trim()).filter(Boolean);
}

function occurrences(hay: string, needle: string): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) n++;
  return n;
}

function expectEverySentenceOnce(out: string[], article: string[]): void {
  const all = out.join('\n');
  for (const p of article) for (const s of sentences(p)) expect(occurrences(all, s), s).toBe(1);
}

const lines = (...xs: (string | string[])[]) => xs.flat().join('\n');

// ——— The Harbour Ledger: mooring fees (teaser + wall + full text) ———
const MOORING = [
  'Mooring fees at Port Calloway will rise 12 per cent from January after the district council voted 7–2 on Tuesday night to close a $1.4 million gap in the harbour budget.',
  'The increase, the steepest in a decade, will add about $380 a year to the cost of a standard 10-metre berth, according to figures presented to councillors.',
  'Harbourmaster Dana Whitcombe told the meeting that the breakwater had deteriorated faster than engineers expected after two winters of heavy swells.',
  '“We can patch it, or we can fix it properly, but we can’t keep doing neither,” she said.',
  'Several fishing operators spoke against the rise, arguing that commercial berths should be charged separately from recreational moorings.',
  'Councillor Priya Nand, who voted against the proposal, said the council had not consulted the fishing fleet before drafting the new schedule.',
  'The council will review the fee schedule again in June, once a full engineering report on the breakwater is available.',
  'Submissions on the breakwater repair plan close on December 12.',
];
const MOORING_RAW = lines(
  'Council approves 12% rise in harbour mooring fees',
  'By Jane Smith',
  'November 3, 2025',
  '',
  MOORING[0]!,
  '',
  MOORING[1]!,
  "You've reached your daily free article limit.Subscribe and support our coverage of local news to continue reading.",
  'Join The Harbour Ledger for insider access and analysis.',
  'TRY 14 DAYS FREEAlready a subscriber? Log In',
  MOORING,
  'COMMENTS',
  'You must become a subscriber or login to view or post comments on this article.',
  'Share this article',
  'Facebook',
  'Twitter',
  'Email',
  'Sign up for our morning newsletter',
  'Related articles',
  'Ferry timetable changes from next month',
  'Breakwater repairs delayed again',
);

// ——— Valley Courier: frost (whole text repeated, cookie banner on top) ———
const FROST = [
  'Apple growers across the Kerrin Valley spent a second sleepless night running frost fans and sprinklers as temperatures fell to minus three degrees early on Thursday.',
  'It was the second hard frost in a week, arriving just as many trees were in full blossom.',
  '“One night like that you can survive. Two in a week starts to hurt,” said Maple Ridge Orchards owner Dev Patel.',
  'Patel estimated he could lose a quarter of this season’s crop if a third frost arrives before the weekend.',
  'The valley’s growers’ association said most members had protection in place, but smaller blocks on the valley floor were most exposed.',
  'Forecasters expect milder, cloudier nights from Saturday.',
  'The association will survey damage next week and report to members by the end of the month.',
];
const FROST_HEAD = ['Frost threatens Kerrin Valley apple crop for second time in a week', 'By Tom Ng and Aroha Mitchell', '3 Nov 2025'];
const FROST_RAW = lines(
  'We use cookies to improve your experience. Accept',
  'Manage preferences',
  FROST_HEAD,
  '',
  FROST.flatMap((p) => [p, '']),
  FROST_HEAD,
  FROST,
);

// ——— The Harbour Ledger: rescue (no headline, a wrapped line) ———
const RESCUE = [
  'Volunteers from the Port Calloway coastguard unit pulled three teenagers from the water near the northern breakwater on Saturday afternoon after their dinghy capsized in a sudden squall. All three were wearing life jackets.',
  'The unit’s rescue boat reached the group within eleven minutes of the first call, station manager Rawiri Tane said.',
  'Two of the teenagers were treated for mild hypothermia at Calloway Hospital and released the same evening.',
  'Tane said the squall had not been forecast and had caught several small craft off guard.',
  '“They did everything right once they were in the water,” he said.',
  'The coastguard runs free water-safety sessions for young sailors every Sunday through the summer.',
];
const RESCUE_RAW = lines(
  RESCUE[0]!, '',
  'The unit’s rescue boat reached the group within eleven minutes of the first',
  'call, station manager Rawiri Tane said.', '',
  RESCUE.slice(2).flatMap((p) => [p, '']),
  'Share this article',
  'Facebook Twitter Email',
  'Advertisement',
);

// ——— Valley Courier: cafés (mojibake, left-quote apostrophes, teaser in mojibake) ———
const CAFES_RAW_PARAS = [
  'Owners of three cafÃ©s on Main Street say theyâ€™ve lost a fifth of their weekday trade since the council removed 40 parking spaces in August.',
  'â€œWe donâ€™t want special treatment â€” we want our customers to be able to stop,â€\u009d said Lena Kowalczyk, who has run the Blue Kettle since 2009.',
  'The council‘s transport committee says the change was needed to fit a protected cycle lane, and that foot traffic on the street rose 8\u00a0per cent over the same period.',
  'Opening hours will stay at 7â€“3 on weekdays, Kowalczyk said, though she couldn‘t rule out weekend cuts.',
  'Some older residents remember the street in the ‘90s, when it had twice as many shops and half as many cars.',
  'The committee will report back in March â€¦ or sooner, if the petition reaches 1,000 signatures.',
];
const CAFES = [
  'Owners of three cafés on Main Street say they’ve lost a fifth of their weekday trade since the council removed 40 parking spaces in August.',
  '“We don’t want special treatment — we want our customers to be able to stop,” said Lena Kowalczyk, who has run the Blue Kettle since 2009.',
  'The council’s transport committee says the change was needed to fit a protected cycle lane, and that foot traffic on the street rose 8 per cent over the same period.',
  'Opening hours will stay at 7–3 on weekdays, Kowalczyk said, though she couldn’t rule out weekend cuts.',
  'Some older residents remember the street in the ‘90s, when it had twice as many shops and half as many cars.',
  'The committee will report back in March … or sooner, if the petition reaches 1,000 signatures.',
];
const CAFES_RAW = lines(
  'Main Street cafÃ© owners say â€˜enough is enoughâ€™ over parking',
  CAFES_RAW_PARAS.slice(0, 2),
  'Subscribe to keep reading',
  // The full copy was saved with correct encoding: it must still be recognised as the same text.
  CAFES.slice(0, 2),
  CAFES_RAW_PARAS.slice(2),
);

// ——— The Harbour Ledger: water scheme ("subscribe" in prose, a short quote) ———
const WATER = [
  'Port Calloway will join the Tidewater regional water scheme after councillors backed the move at Wednesday’s meeting.',
  'The council voted to subscribe to the regional water scheme, which will cost ratepayers an estimated $2.1 million over the next five years.',
  '“It is the right call.”',
  'Mayor Hemi Walker said the town’s ageing treatment plant would otherwise need a $6 million upgrade by 2028.',
  'Residents can subscribe to updates on the project through the council’s website, the mayor added.',
  'Share prices in the scheme’s operator rose 4 per cent on the news.',
  'The first connections are expected in late 2026.',
];
const WATER_RAW = lines(
  'Port Calloway signs up to regional water scheme',
  'By Jane Smith',
  WATER.slice(0, 3),
  'Subscribe to The Harbour Ledger to read the rest of this story.',
  'Already a subscriber? Log in',
  WATER,
);

// ——— Valley Courier: bus contract (different wall wording, truncated teaser, kicker) ———
const BUSES = [
  'The Valley Unified school board has postponed a vote on a new five-year bus contract after parents packed Monday’s meeting to complain about late and missed pickups.',
  'The district’s current contract with Northbound Coaches expires in July, and the board had been expected to approve a renewal worth $3.2 million a year.',
  'Instead, trustees asked staff to seek at least two competing bids before the board’s next regular meeting on November 17.',
  '“My daughter has been left at the stop three times since September,” said parent Carla Reyes, one of 23 people who addressed the board.',
  'Northbound Coaches general manager Greg Holt said a driver shortage had forced the company to combine routes this fall.',
  'He said the company had hired six new drivers in October and expected service to improve before the winter break.',
  'Board president Anita Shah said the delay would not leave students without transport.',
  '“If we have to extend the existing contract for a few months, we will,” Shah said.',
  'Parents can submit written comments to the board until November 10.',
];
const BUSES_RAW = lines(
  'Valley Courier',
  'School board delays vote on bus contract',
  'By MARIA LOPEZ, Staff writer',
  'Published 2025-10-28',
  BUSES[0]!,
  'The district’s current contract with Northbound Coaches expires in July, and the board had been expected to…',
  'This story is for subscribers only.',
  'Unlock unlimited access to the Valley Courier for $1 a week.',
  'Start your free trialMembers, sign in here',
  'Want to keep reading?',
  BUSES,
  'Load comments (4)',
  'Follow us on Instagram',
  'Most read',
  'Parking fines to double downtown',
  'Library hours extended for exams',
  '© 2025 Valley Courier. All rights reserved.',
);

describe('cleanScrapedText', () => {
  it('1. teaser + glued paywall block + full text + comments, share, newsletter and related lines', () => {
    const r = cleanScrapedText(MOORING_RAW);
    expect(r.paragraphs).toEqual(MOORING);
    expectEverySentenceOnce(r.paragraphs, MOORING);
    expect(r.title).toBe('Council approves 12% rise in harbour mooring fees');
    expect(r.titleFromBody).toBe(false);
    expect(r.byline).toEqual(['Jane Smith']);
    expect(r.date).toBe('2025-11-03');
  });

  it('2. whole text repeated (headline and byline too), cookie banner on top', () => {
    const r = cleanScrapedText(FROST_RAW);
    expect(r.paragraphs).toEqual(FROST);
    expectEverySentenceOnce(r.paragraphs, FROST);
    expect(r.title).toBe(FROST_HEAD[0]);
    expect(r.byline).toEqual(['Tom Ng', 'Aroha Mitchell']);
    expect(r.date).toBe('2025-11-03');
    expect(r.removed.slice(0, 4).map((x) => [x.text, x.reason])).toEqual([
      ['We use cookies to improve your experience. Accept', 'cookie_notice'],
      ['Manage preferences', 'call_to_action'],
      ['By Tom Ng and Aroha Mitchell', 'byline'],
      ['3 Nov 2025', 'dateline'],
    ]);
    expect(r.removed.slice(4, 7).map((x) => x.detail)).toEqual(['repeats the headline', 'repeats the byline', 'repeats the date line']);
    expect(r.removed.slice(7).map((x) => [x.reason, x.detail])).toEqual(
      FROST.map((_, i) => ['duplicate', `second copy of paragraph ${i + 1} (text repeated)`]),
    );
  });

  it('3. no headline: title from the first sentence, cut at a word boundary and flagged; wrapped line joined', () => {
    const r = cleanScrapedText(RESCUE_RAW);
    expect(r.paragraphs).toEqual(RESCUE);
    expectEverySentenceOnce(r.paragraphs, RESCUE);
    expect(r.titleFromBody).toBe(true);
    expect(r.title).toBe('Volunteers from the Port Calloway coastguard unit pulled three teenagers from the water…');
    expect(r.title.length).toBeLessThanOrEqual(91);
    expect(RESCUE[0]!.startsWith(r.title.slice(0, -1))).toBe(true);
    expect(r.byline).toEqual([]);
    expect(r.date).toBeNull();
    expect(r.removed.map((x) => x.reason)).toEqual(['share_line', 'share_line', 'short_line']);
  });

  it('3b. a short first sentence becomes the whole title, without its period', () => {
    const r = cleanScrapedText(lines('Nobody was hurt in the fire at the Calloway boatshed on Friday. Crews stayed overnight.', '', RESCUE[1]!));
    expect(r.title).toBe('Nobody was hurt in the fire at the Calloway boatshed on Friday');
    expect(r.titleFromBody).toBe(true);
  });

  it('4. mojibake and left-quote apostrophes repaired, words untouched; a mojibake teaser still matches the clean full copy', () => {
    const r = cleanScrapedText(CAFES_RAW);
    expect(r.title).toBe('Main Street café owners say ‘enough is enough’ over parking');
    expect(r.paragraphs).toEqual(CAFES);
    expectEverySentenceOnce(r.paragraphs, CAFES);
    expect(r.removed.map((x) => [x.reason, x.detail])).toEqual([
      ['duplicate', 'teaser copy of paragraph 1'],
      ['duplicate', 'teaser copy of paragraph 2'],
      ['call_to_action', 'imperative call to action, between the teaser and the full text'],
    ]);
    // Same words as the input, letter for letter, once the mojibake is decoded.
    const letters = (s: string) => s.replace(/[^\p{L}\p{N}]/gu, '');
    expect(letters(r.paragraphs.join(''))).toBe(letters(CAFES.join('')));
  });

  it('5. a prose paragraph about subscribing, a sentence opening with "Share" and a short quote are kept', () => {
    const r = cleanScrapedText(WATER_RAW);
    expect(r.paragraphs).toEqual(WATER);
    expectEverySentenceOnce(r.paragraphs, WATER);
    expect(r.removed.map((x) => x.reason)).toEqual(['byline', 'duplicate', 'duplicate', 'duplicate', 'call_to_action', 'paywall']);
    // The same article saved without a teaser: nothing to lean on but the line shapes.
    const single = cleanScrapedText(lines('Port Calloway signs up to regional water scheme', WATER));
    expect(single.paragraphs).toEqual(WATER);
  });

  it('6. a second publication with different wall wording, a truncated teaser and a section label', () => {
    const r = cleanScrapedText(BUSES_RAW);
    expect(r.paragraphs).toEqual(BUSES);
    expectEverySentenceOnce(r.paragraphs, BUSES);
    expect(r.title).toBe('School board delays vote on bus contract');
    expect(r.byline).toEqual(['Maria Lopez']);
    expect(r.date).toBe('2025-10-28');
    expect(r.removed.map((x) => [x.text, x.reason, x.detail])).toEqual([
      ['Valley Courier', 'short_line', 'section label above the headline'],
      ['By MARIA LOPEZ, Staff writer', 'byline', 'author: Maria Lopez'],
      ['Published 2025-10-28', 'dateline', 'date: 2025-10-28'],
      [BUSES[0], 'duplicate', 'teaser copy of paragraph 1'],
      ['The district’s current contract with Northbound Coaches expires in July, and the board had been expected to…', 'duplicate', 'teaser copy of paragraph 2'],
      ['This story is for subscribers only.', 'paywall', 'paywall or subscription offer, between the teaser and the full text'],
      ['Unlock unlimited access to the Valley Courier for $1 a week.', 'paywall', 'paywall or subscription offer, between the teaser and the full text'],
      ['Start your free trial', 'paywall', 'paywall or subscription offer, between the teaser and the full text'],
      ['Members, sign in here', 'call_to_action', 'imperative call to action, between the teaser and the full text'],
      ['Want to keep reading?', 'wall_chrome', 'between the teaser and the full text (paywall chrome)'],
      ['Load comments (4)', 'comments_prompt', 'comment section prompt'],
      ['Follow us on Instagram', 'call_to_action', 'imperative call to action'],
      ['Most read', 'related_heading', 'heading of a list of other articles'],
      ['Parking fines to double downtown', 'related_list', 'headline of another article under a "related" list'],
      ['Library hours extended for exams', 'related_list', 'headline of another article under a "related" list'],
      ['© 2025 Valley Courier. All rights reserved.', 'copyright', 'copyright notice'],
    ]);
  });

  it('7. a line repeated across a corpus is site chrome (corpus_repeat); long prose never is', () => {
    const towns = ['Port Calloway', 'Kerrin', 'Maple Ridge', 'Tidewater', 'Northbound'];
    const tagline = 'The Harbour Ledger is an independent, reader-funded newsroom.';
    const credit = 'This article was produced with support from the Coastal Journalism Fund, which pays for local reporting in small towns across the region and has no say over what our reporters cover.';
    const docs = towns.map((town, i) => lines(
      `${town} library reopens after flood repairs`,
      '',
      `The ${town} public library reopened on Monday, ${i + 2} months after floodwater damaged its ground floor and most of its children’s collection.`,
      `Staff said about ${1200 + i * 100} books had been replaced, many of them donated by readers in neighbouring towns.`,
      tagline,
      credit,
    ));
    const corpus = buildCorpus(docs);
    expect(corpus.docs).toBe(5);
    const r = cleanScrapedText(docs[0]!, { corpus });
    expect(r.paragraphs).toEqual([
      'The Port Calloway public library reopened on Monday, 2 months after floodwater damaged its ground floor and most of its children’s collection.',
      'Staff said about 1200 books had been replaced, many of them donated by readers in neighbouring towns.',
      credit,
    ]);
    expect(r.removed).toEqual([{ text: tagline, reason: 'corpus_repeat', detail: 'appears in 5 of 5 documents (site chrome)' }]);
    // Without the corpus the tagline reads like a sentence and stays.
    expect(cleanScrapedText(docs[0]!).paragraphs).toContain(tagline);
    // Below three documents there is no corpus evidence.
    expect(cleanScrapedText(docs[0]!, { corpus: buildCorpus(docs.slice(0, 2)) }).paragraphs).toContain(tagline);
  });

  it('8. removed lists each dropped line with a reason, in input order (what --explain prints)', () => {
    const r = cleanScrapedText(MOORING_RAW);
    const where = ', between the teaser and the full text';
    expect(r.removed).toEqual([
      { text: 'By Jane Smith', reason: 'byline', detail: 'author: Jane Smith' },
      { text: 'November 3, 2025', reason: 'dateline', detail: 'date: 2025-11-03' },
      { text: MOORING[0], reason: 'duplicate', detail: 'teaser copy of paragraph 1' },
      { text: MOORING[1], reason: 'duplicate', detail: 'teaser copy of paragraph 2' },
      { text: "You've reached your daily free article limit.", reason: 'paywall', detail: `paywall or subscription offer${where}` },
      { text: 'Subscribe and support our coverage of local news to continue reading.', reason: 'call_to_action', detail: `imperative call to action${where}` },
      { text: 'Join The Harbour Ledger for insider access and analysis.', reason: 'call_to_action', detail: `imperative call to action${where}` },
      { text: 'TRY 14 DAYS FREE', reason: 'paywall', detail: `paywall or subscription offer${where}` },
      { text: 'Already a subscriber? Log In', reason: 'paywall', detail: `paywall or subscription offer${where}` },
      { text: 'COMMENTS', reason: 'comments_prompt', detail: 'comments heading' },
      { text: 'You must become a subscriber or login to view or post comments on this article.', reason: 'comments_prompt', detail: 'comment section prompt' },
      { text: 'Share this article', reason: 'share_line', detail: 'share buttons' },
      { text: 'Facebook', reason: 'share_line', detail: 'share buttons' },
      { text: 'Twitter', reason: 'share_line', detail: 'share buttons' },
      { text: 'Email', reason: 'share_line', detail: 'share buttons' },
      { text: 'Sign up for our morning newsletter', reason: 'newsletter', detail: 'newsletter sign-up' },
      { text: 'Related articles', reason: 'related_heading', detail: 'heading of a list of other articles' },
      { text: 'Ferry timetable changes from next month', reason: 'related_list', detail: 'headline of another article under a "related" list' },
      { text: 'Breakwater repairs delayed again', reason: 'related_list', detail: 'headline of another article under a "related" list' },
    ]);
    // Every input line is accounted for: kept, the title, or listed as removed.
    const accounted = new Set([r.title, ...r.paragraphs, ...r.removed.map((x) => x.text)]);
    const glued = ["You've reached your daily free article limit.Subscribe and support our coverage of local news to continue reading.", 'TRY 14 DAYS FREEAlready a subscriber? Log In'];
    for (const line of MOORING_RAW.split('\n').filter(Boolean)) if (!glued.includes(line)) expect(accounted.has(line), line).toBe(true);
  });

  it('handles CRLF line endings, non-breaking spaces and text that is only boilerplate', () => {
    const r = cleanScrapedText(MOORING_RAW.replace(/\n/g, '\r\n').replace(/ the /g, '\u00a0the '));
    expect(r.paragraphs).toEqual(MOORING);
    const only = cleanScrapedText('Subscribe now\nAlready a subscriber? Log in');
    expect(only.paragraphs).toEqual([]);
    expect(only.title).not.toBe('');
    expect(cleanScrapedText('').title).toBe('');
  });

  it('keeps a whole paragraph when the teaser is glued to the wall notice', () => {
    const raw = lines(
      'Council approves 12% rise in harbour mooring fees',
      MOORING[0]!,
      `${MOORING[1]!}You’ve reached your free article limit.`,
      MOORING,
    );
    expect(cleanScrapedText(raw).paragraphs).toEqual(MOORING);
  });

  it('a repeated pull quote is not mistaken for a teaser', () => {
    const raw = lines('Kerrin growers count the cost', FROST[2]!, FROST[0]!, FROST[1]!, FROST[3]!, FROST[2]!, FROST.slice(4));
    const r = cleanScrapedText(raw);
    expect(r.paragraphs).toEqual([FROST[2], FROST[0], FROST[1], FROST[3], ...FROST.slice(4)]);
    expect(r.removed).toEqual([{ text: FROST[2], reason: 'duplicate', detail: 'repeats paragraph 1' }]);
  });
});

describe('repairPunctuation', () => {
  const cases: [string, string][] = [
    ['donâ€™t', 'don’t'],
    ['â€œQuotedâ€\u009d', '“Quoted”'],
    ['â€œQuotedâ€', '“Quoted”'],
    ['wait â€” what', 'wait — what'],
    ['pages 4â€“7', 'pages 4–7'],
    ['and thenâ€¦', 'and then…'],
    ['cafÃ© crÃ¨me', 'café crème'],
    ['SÃ£o Paulo', 'São Paulo'],
    ['â€˜singleâ€™', '‘single’'],
    ['Ã¢â‚¬â„¢', '’'],
    ['Â£5', '£5'],
    ['a\u00a0b\u202fc', 'a b c'],
    ['zero\u200bwidth', 'zerowidth'],
    ['don‘t', 'don’t'],
    ['the ‘90s', 'the ‘90s'],
    ['‘Yes,’ she said', '‘Yes,’ she said'],
    ['CAFÉ” and NAÏVE', 'CAFÉ” and NAÏVE'],
    ['Ä… already Polish', 'ą already Polish'],
    ['plain ASCII text', 'plain ASCII text'],
    ['iPhone McDonald U.S. e.g.The', 'iPhone McDonald U.S. e.g.The'],
  ];
  it.each(cases)('%j → %j', (input, expected) => {
    expect(repairPunctuation(input)).toBe(expected);
  });
});

describe('glued lines', () => {
  const seg = (s: string) => splitGlued(s).map((x) => [x.text, x.verdict ? x.verdict.reason : 'keep']);
  it.each([
    ['TRY 14 DAYS FREEAlready a subscriber? Log In', [['TRY 14 DAYS FREE', 'paywall'], ['Already a subscriber? Log In', 'paywall']]],
    ["You've reached your daily free article limit.Subscribe and support our local journalism to continue reading.",
      [["You've reached your daily free article limit.", 'paywall'], ['Subscribe and support our local journalism to continue reading.', 'call_to_action']]],
    ['The harbour master said work would start in March.You’ve reached your free article limit.',
      [['The harbour master said work would start in March.', 'keep'], ['You’ve reached your free article limit.', 'paywall']]],
    ['COMMENTSYou must become a subscriber or login to view or post comments on this article.',
      [['COMMENTS', 'comments_prompt'], ['You must become a subscriber or login to view or post comments on this article.', 'comments_prompt']]],
    ['Sales of the iPhone rose at McDonald’s outlets in the U.S. last year, e.g.The Mall store.',
      [['Sales of the iPhone rose at McDonald’s outlets in the U.S. last year, e.g.The Mall store.', 'keep']]],
    ['Said Jane McDonaldSubscribe now for $1 a week', [['Said Jane McDonald', 'keep'], ['Subscribe now for $1 a week', 'paywall']]],
    // Wholly boilerplate, but "Linked"/"In" are not two notices: reported as one line.
    ['Follow us on LinkedIn', [['Follow us on LinkedIn', 'call_to_action']]],
  ] as [string, string[][]][])('%j', (line, expected) => {
    expect(seg(line)).toEqual(expected);
  });
});

describe('line classifier', () => {
  it.each([
    ['You have 2 free stories left this month.', 'paywall'],
    ['Get the Valley Courier newsletter in your inbox every morning.', 'newsletter'],
    ['Join the conversation', 'comments_prompt'],
    ['Read more: Harbour fees rise again', 'related_heading'],
    ['Support local journalism.', 'call_to_action'],
    ['Become a member today!', 'call_to_action'],
    ['Only $1 for your first month', 'paywall'],
    ['ADVERTISEMENT', 'all_caps_label'],
    ['Print', 'share_line'],
  ])('%j → %s', (line, reason) => {
    expect(classifyLine(line)?.reason).toBe(reason);
  });
  it.each([
    'The council voted to subscribe to the regional water scheme, which will cost ratepayers an estimated $2.1 million.',
    'Share prices fell sharply on Monday after the announcement.',
    'The bakery sold 4,000 cookies on Saturday.',
    'The council publishes a monthly newsletter delivered to every household.',
    'The lounge is for members only, the club said.',
    'Support for the plan was strong.',
    'Nobody was hurt.',
    '“Subscribe now or lose out,” he told them.',
  ])('keeps %j', (line) => {
    expect(classifyLine(line)).toBeNull();
  });
});

describe('byline and date lines', () => {
  it.each([
    ['By Jane Smith', ['Jane Smith'], null],
    ['By Jane Smith and Tom Ng', ['Jane Smith', 'Tom Ng'], null],
    ['By JANE SMITH, Staff writer', ['Jane Smith'], null],
    ['By Ana de la Cruz | Nov. 3, 2025', ['Ana de la Cruz'], '2025-11-03'],
    ['Published November 3, 2025 at 6:14 p.m. | Updated November 4, 2025', [], '2025-11-03'],
    ['Monday, 3rd November 2025', [], '2025-11-03'],
    ['2025-11-03', [], '2025-11-03'],
  ] as [string, string[], string | null][])('%j', (line, names, date) => {
    expect(parseHeaderLine(line)).toEqual({ names, date });
  });
  it.each(['By the time the council met, the vote was settled.', 'By Monday, the harbour was closed.', 'The meeting is on November 3, 2025 at the hall', 'February 30, 2025'])('not a header line: %j', (line) => {
    expect(parseHeaderLine(line)).toBeNull();
  });
});

describe('cleanBlocks (shared with the HTML importer)', () => {
  it('marks teaser copies and boilerplate blocks, keeps a block that glues a notice to article text', () => {
    const blocks = [
      MOORING[0]!, MOORING[1]!,
      'TRY 14 DAYS FREEAlready a subscriber? Log In',
      ...MOORING,
      `Submissions close soon, the council said.Subscribe for $1 a week`,
      'Share this article',
    ];
    const r = cleanBlocks(blocks);
    expect(r.keep).toEqual([false, false, false, ...MOORING.map(() => true), true, false]);
    expect(r.removed.map((x) => [x.index, x.reason])).toEqual([[0, 'duplicate'], [1, 'duplicate'], [2, 'paywall'], [12, 'share_line']]);
    // One entry per dropped block, with the block's whole text: the HTML importer drops by index.
    expect(r.removed[2]!.text).toBe('TRY 14 DAYS FREEAlready a subscriber? Log In');
  });
  it('leaves empty blocks (images) alone', () => {
    expect(cleanBlocks(['', MOORING[0]!]).keep).toEqual([true, true]);
  });
});

describe('header variants', () => {
  it('finds the headline under a byline and date placed above it', () => {
    const r = cleanScrapedText(lines('By Jane Smith', 'November 3, 2025', 'Council approves 12% rise in harbour mooring fees', MOORING));
    expect(r.title).toBe('Council approves 12% rise in harbour mooring fees');
    expect(r.titleFromBody).toBe(false);
    expect(r.byline).toEqual(['Jane Smith']);
    expect(r.date).toBe('2025-11-03');
    expect(r.paragraphs).toEqual(MOORING);
  });
  it('a first line that is the start of the first paragraph is not a headline', () => {
    const r = cleanScrapedText(lines('Mooring fees at Port Calloway will rise 12 per cent from January', MOORING));
    expect(r.titleFromBody).toBe(true);
    expect(r.paragraphs).toEqual(MOORING);
    expect(r.removed).toEqual([{ text: 'Mooring fees at Port Calloway will rise 12 per cent from January', reason: 'duplicate', detail: 'teaser copy of paragraph 1' }]);
  });
});

describe('lines that open like a call to action but are news', () => {
  it.each([
    'Support for the new timetable has grown among members of the harbour association.',
    'Stay-at-home parents on the island will get more access to the mainland nursery under the plan.',
    'Start times for the marathon have moved to half past eight because of the tide.',
    'Watch Tower volunteers have cleared the path along the cliff for the first time in years.',
    'The Herald introduced a paywall in 2019, and its 20,000 subscribers now pay for unlimited access.',
  ])('keeps %s', (line) => {
    expect(classifyLine(line)).toBeNull();
  });

  it.each([
    'Subscribe and support our coverage of the coast to continue reading.',
    'Unlock unlimited access to the Valley Courier for $1 a week.',
  ])('still removes %s', (line) => {
    expect(classifyLine(line)?.strength).toBe('hard');
  });
});

describe('scripts without capitals or spaces', () => {
  it('keeps every paragraph of a Chinese article', () => {
    const paras = [
      '港口管理局周三宣布，从四月起渔船的停泊费将上涨百分之四。',
      '渔民表示，小型渔船的负担将会加重，他们要求为十米以下的船只设立较低的费率。',
      '管理局主席说，这笔钱将用于更换已有四十年历史的浮桥。',
    ];
    const r = cleanScrapedText(['港口停泊费将上涨', '', ...paras].join('\n'));
    expect(r.title).toBe('港口停泊费将上涨');
    expect(r.paragraphs).toEqual(paras);
  });
});

describe('corpus repeats that are reporting', () => {
  it('keeps a full sentence that several stories share', () => {
    const shared = 'Officers said nothing of value was taken and the shop reopened later the same day.';
    const docs = ['Baker', 'Chemist', 'Grocer', 'Butcher', 'Florist'].map((shop, i) => [
      `${shop} broken into overnight`,
      '',
      `Police are investigating a break-in at the ${shop.toLowerCase()} on Harbour Street in the early hours of ${['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'][i]}.`,
      shared,
    ].join('\n'));
    const r = cleanScrapedText(docs[0]!, { corpus: buildCorpus(docs) });
    expect(r.paragraphs).toContain(shared);
  });
});
