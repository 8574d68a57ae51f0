/**
 * Demo content for Masthead: "The Harbour Ledger", a fictional independent
 * newsroom covering the fictional coastal town of Port Ellery and Calder Island.
 *
 * All people, businesses, places and events below are invented. Links point only
 * at example.org / example.com. Markdown bodies are written flush-left on purpose:
 * indenting them would turn paragraphs into code blocks.
 */
import type { DemoArticle, DemoSection, DemoAuthor } from './types.js';

export const demoSite = {
  title: 'The Harbour Ledger',
  description: 'Independent, reader-funded local news for Port Ellery and Calder Island.',
  locale: 'en-GB',
  timezone: 'Europe/London',
  accentColor: '#b3261e',
};

export const demoSections: DemoSection[] = [
  {
    slug: 'city-hall',
    name: 'City Hall',
    description: 'Council decisions, budgets, planning and housing, and what they mean for the people who live with them.',
    defaultAccess: 'metered',
  },
  {
    slug: 'business',
    name: 'Business',
    description: 'The harbour economy, from boatyards and ferries to the shops, co-ops and cafes on Quay Street.',
    defaultAccess: 'metered',
  },
  {
    slug: 'culture',
    name: 'Culture',
    description: 'Music, theatre, heritage and the people who keep the town interesting.',
    defaultAccess: 'free',
  },
];

export const demoAuthors: DemoAuthor[] = [
  {
    slug: 'priya-nandakumar',
    name: 'Priya Nandakumar',
    bio: 'Priya covers City Hall, housing and planning for the Ledger. She has sat through more budget meetings than she would like to admit.',
  },
  {
    slug: 'tom-achterberg',
    name: 'Tom Achterberg',
    bio: 'Tom is the Ledger\'s business editor, reporting on the harbour, the ferries and the local economy. Before journalism he spent six years as a deckhand.',
  },
  {
    slug: 'ines-calloway',
    name: 'Ines Calloway',
    bio: 'Ines writes about music, theatre and heritage in Port Ellery and runs the Ledger\'s weekly culture newsletter.',
  },
];

export const demoArticles: DemoArticle[] = [
  // ---------------------------------------------------------------- city-hall
  {
    slug: 'harbour-redevelopment-plan-wins-approval-after-eight-hour-meeting',
    title: 'Harbour redevelopment plan wins approval after eight-hour meeting',
    dek: 'Councillors back the Outer Basin scheme seven votes to four, but a cut in affordable homes leaves campaigners weighing a legal challenge.',
    section: 'city-hall',
    authors: ['priya-nandakumar', 'tom-achterberg'],
    tags: ['harbour', 'planning', 'housing'],
    access: 'metered',
    hoursAgo: 3,
    featured: true,
    markdown: `Port Ellery's long-argued plan to rebuild the Outer Basin was approved shortly before 1am on Thursday, after an eight-hour planning committee meeting that drew the largest public gallery the council chamber has seen in a decade.

Councillors voted seven to four to grant outline permission to Tidewater Partners for 420 homes, a public quay walk, a new ferry waiting room and a covered market hall on the site of the disused grain sheds. The decision ends nearly six years of consultation, redesign and legal challenge, but it is unlikely to end the argument.

"This is the biggest change to the waterfront since the breakwater was built," said committee chair Cllr Joan Merriweather as she closed the meeting. "Nobody in this room got everything they wanted. That is usually a sign the thing is roughly right."

<!--more-->

## What was approved

The outline permission fixes the shape of the scheme but leaves the detailed design for later applications. Under the conditions attached on Thursday, Tidewater must deliver:

- **420 homes**, of which 30 per cent must be affordable, down from the 35 per cent promised in 2021
- a continuous public walkway from the ferry terminal to the lifeboat station, open around the clock
- a market hall with at least 40 stalls offered first to existing Wharf Road traders
- a flood wall raised by 1.2 metres along the length of the basin

The affordable housing figure drew the sharpest exchanges of the night. Officers told the committee that rising build costs and the expense of the flood defences had made the original target unviable, citing an independent assessment that has been [published in full on the council website](https://example.org/planning/outer-basin/viability).

> "We have been told for six years that this scheme would help people on the waiting list. Tonight we learned it will help fewer of them than promised." -- Cllr Gareth Pryce

## Traders and residents

More than 60 people registered to speak. Fish market traders, who fear that rents in the new market hall will be more than they can manage, asked for a rent cap to be written into the permission. The committee declined, saying rents were a matter for a separate agreement, but asked officers to report back on negotiations within six months.

Residents of Chandlers Row, whose terraced houses back onto the site, raised concerns about construction traffic and the height of the tallest block, which at eleven storeys would be the highest building in the town. An amendment to cap it at nine storeys failed by a single vote.

Tidewater's development director, Callum Reyes, said the company expected to submit the first detailed application *before the end of the year*, with work on the flood wall starting in spring. He said the firm was "committed to the market hall and to the people who work there now".

Campaign group Save the Outer Basin said it was taking legal advice. The Ledger will publish the full list of conditions, and how each councillor voted, on Friday.
`,
  },
  {
    slug: 'council-budget-closes-gap-with-library-cuts-and-parking-rise',
    title: 'Council budget closes £4.2m gap with library cuts and parking rise',
    dek: 'Four branch libraries move to four-day opening and council tax rises by the maximum allowed, as the finance lead warns reserves are at their limit.',
    section: 'city-hall',
    authors: ['priya-nandakumar'],
    tags: ['budget', 'libraries'],
    access: 'paid',
    hoursAgo: 30,
    markdown: `Port Ellery City Council will shorten opening hours at four of its six libraries, raise town-centre parking charges by 20 per cent and leave eleven vacant posts unfilled, under a budget agreed by full council on Tuesday night.

The package closes a £4.2m shortfall in next year's spending plans, which the council's finance lead, Cllr Amir Shah, blamed on rising social care costs, higher energy bills for council buildings and a government settlement he described as "flat in cash and falling in every way that matters".

Council tax will rise by 4.99 per cent, the most allowed without a local referendum. For a Band C home that works out at an extra £1.56 a week.

<!--more-->

## Where the savings fall

The largest single saving, £1.1m, comes from reorganising adult social care assessments, which officers say will reduce reliance on agency staff. Other measures include:

- **Libraries:** the Northgate, Fenwick, Saltings and Ropewalk branches move to four-day opening, saving £310,000
- **Parking:** a rise from £1.50 to £1.80 an hour in council car parks, expected to raise £420,000
- **Grounds maintenance:** fewer cuts to verges and a switch to wildflower planting on roundabouts, saving £95,000
- **Staffing:** eleven posts left vacant, mainly in planning and environmental health

The Central Library and the Harbourside branch will keep their current hours.

> "A library that is shut on a Wednesday is not a library to a child who only has Wednesdays." -- Helen Okafor, Friends of Fenwick Library

Opposition councillors proposed an amendment to protect library hours by drawing £300,000 from reserves. Cllr Shah said the council's general reserve was already at the *lowest level the auditors would accept*, and the amendment was defeated by 28 votes to 19.

## Parking and the high street

The parking increase worried some town-centre businesses. The Quay Street Traders' Association said in a statement that shoppers "already think twice about driving in" and asked the council to introduce a free first half-hour. The council said it would consider the idea once the new charges had been in place for a year.

The full budget papers, including the equality impact assessment on library hours, are [available from the council](https://example.org/council/budget). The new library hours take effect from the start of April.
`,
  },
  {
    slug: 'ferry-strike-what-to-know-before-mondays-walkout',
    title: "Ferry strike: what to know before Monday's walkout",
    dek: 'Which sailings will run, how refunds work, and what it means for schools and the island surgery. Free to read for everyone.',
    section: 'city-hall',
    authors: ['priya-nandakumar', 'tom-achterberg'],
    tags: ['transport', 'ferries'],
    access: 'free',
    hoursAgo: 1,
    markdown: `Crews on the Calder Island ferry are due to walk out for 48 hours from 5am on Monday, unless last-minute talks between Sound Link Ferries and the Ferry Workers' Guild produce a deal over the weekend. Here is what islanders, commuters and visitors need to know.

We are making this guide free to read for everyone. If anything changes, we will update it and note the time at the top.

## Will any boats run?

Sound Link says it will run a **reduced timetable** using managers and agency crew who are certified to operate the smaller vessel, the *Kittiwake*. The larger car ferry, the *Calder Maid*, will stay in port. Expect:

- four return sailings a day instead of fourteen, leaving the mainland at 7am, 10am, 2pm and 6pm
- foot passengers and bicycles only; no cars, vans or motorbikes
- priority boarding for people with hospital appointments, carers and school staff, who should bring proof

Tickets for cancelled car sailings will be refunded automatically to the card used to book. Season ticket holders can claim a pro-rata refund through the [Sound Link website](https://example.com/soundlink/refunds).

## What about schools and the surgery?

Calder Island Primary will open as normal, as most of its staff live on the island. Secondary pupils who travel to Port Ellery Academy have been told to catch the 7am sailing; the academy says anyone who misses it will be marked as an authorised absence and sent work online.

The island surgery will be staffed throughout. The health board has arranged for the lifeboat crew to provide emergency transfers if needed, as they did during the storms last winter.

## Why are crews striking?

The dispute centres on a new rota that the Guild says would stretch shifts to 14 hours on peak summer days, and on a pay offer of 3 per cent that members rejected by a large margin. Sound Link says the rota is needed to deliver a busier summer timetable and that its offer is "fair and affordable".

> "Nobody wants to leave islanders stranded. But a tired crew on a car ferry in August is not a safe crew." -- Guild branch secretary Ailsa Moran

Talks resume at the offices of the conciliation service on Saturday morning. We will report the outcome as soon as we have it.
`,
  },
  {
    slug: 'housing-waiting-list-hits-record-as-empty-homes-stay-boarded',
    title: 'Housing waiting list hits record as empty homes stay boarded',
    dek: 'More than 3,800 households are waiting for a social home, while 146 council properties sit empty. Sign in to read the full investigation.',
    section: 'city-hall',
    authors: ['priya-nandakumar'],
    tags: ['housing'],
    access: 'registered',
    hoursAgo: 75,
    markdown: `The number of households waiting for a council or housing association home in Port Ellery has reached 3,812, the highest figure since the current register began in 2008, according to figures released to the Ledger under freedom of information rules.

At the same time, 146 council-owned homes stood empty at the end of last month, 61 of them for longer than six months. Many are flats on the Saltings estate that were emptied ahead of a refurbishment programme which has been delayed twice.

Walk along Brine Street and the contrast is hard to miss. Steel shutters cover the windows of a three-storey block that, until recently, housed eighteen families. Across the road, a notice on the community centre door advertises a weekly drop-in for people facing eviction.

<!--more-->

## Who is waiting

The council's figures show that the fastest-growing group on the register is families with children who rent privately and have been served a "no fault" notice to leave. That group has nearly doubled in three years. More than 300 households are now in temporary accommodation, including **42 families housed in bed-and-breakfast rooms** outside the town.

Tasha Lindqvist, who has lived in a single B&B room in Westhaven with her two sons since February, said the 40-minute bus journey to school each way was wearing everyone down. "They do their homework on the bed. We eat on the bed. I keep being told we are a priority, and I believe them, but a priority for what?"

## Why homes stay empty

The council says the Saltings refurbishment was delayed first by the discovery of asbestos in the roof spaces and then by the collapse of the original contractor. A new contractor was appointed in the spring, and the first 24 flats should be back in use *by the end of the year*, according to housing cabinet member Cllr Priti Desai.

> "I understand the anger. Every empty home is a family who should be living in it, and I am not going to defend the delay. What I can do is tell people when the doors will reopen, and then make sure they do."

Cllr Desai said the council was also bringing empty homes elsewhere back into use faster by using a panel of local builders for repairs under £15,000, which she said had cut the average gap between tenancies from 71 days to 48.

Housing charity Harbour Shelter said the figures showed the need for a quicker route out of temporary accommodation. Its [annual report](https://example.org/harbour-shelter/annual-report) calls on the council to lease empty private homes from their owners and use them as stopgap tenancies.

The council's housing scrutiny committee will discuss the waiting list at its next meeting, which is open to the public.
`,
  },
  {
    slug: 'ward-boundary-review-could-split-northgate-in-two',
    title: 'Ward boundary review could split Northgate in two',
    dek: 'Draft proposals would divide one of the town\'s oldest neighbourhoods between two wards. Residents are already organising.',
    section: 'city-hall',
    authors: ['priya-nandakumar'],
    tags: ['elections', 'local-democracy'],
    status: 'draft',
    hoursAgo: 5,
    markdown: `Northgate, one of Port Ellery's oldest neighbourhoods, could be split between two council wards under draft proposals published by the boundary commission this week, a change residents say would weaken a community that has voted as one for more than a century.

The commission is reviewing every ward in the town because rapid house-building on the eastern edge, around the new Saltmarsh Park estate, has left some councillors representing far more voters than others. Its job is to bring every ward within 10 per cent of the average number of electors per councillor.

Under the draft map, the streets north of Tanner's Lane would join a new Saltmarsh ward, while the rest of Northgate would be merged with neighbouring Fenwick.

<!--more-->

## What the numbers say

Northgate currently has 7,140 electors, close to the town average. Eastfield, which includes Saltmarsh Park, now has 11,600 and is represented by the same number of councillors. The commission says the simplest way to rebalance the map is to shift several boundaries westwards, with Northgate at the end of the chain. Under the proposals:

- Eastfield would shrink to about 8,200 electors
- a new Saltmarsh ward would have about 7,400
- Northgate and Fenwick together would elect three councillors instead of the current four

**TK: check elector figures against the commission's final spreadsheet before publishing.**

## "You cannot draw a line down Tanner's Lane"

Residents have been quick to organise. A meeting at the Northgate Institute on Monday drew more than 120 people, and a petition opposing the split had collected 1,400 signatures by Wednesday evening.

> "Northgate has its own carnival, its own school, its own allotments. You cannot draw a line down the middle of Tanner's Lane and expect people on both sides to feel represented." -- Margaret Ibe, Northgate Residents' Association

The commission says community identity is one of three factors it must weigh, alongside equal representation and effective local government, and that it particularly wants *evidence* of how neighbourhoods work in practice: which schools children attend, where people shop, which bus routes they use.

Cllr Farida Noor, one of Northgate's current councillors, said she would submit an alternative map that kept the neighbourhood intact by moving the boundary between Eastfield and Harbourside instead.

The consultation is open until the end of next month. Residents can comment through the [commission's online portal](https://example.org/boundary-review/port-ellery) or at a drop-in session at Northgate Library, which under the new council budget will be closed on Wednesdays.
`,
  },

  // ----------------------------------------------------------------- business
  {
    slug: 'bakery-co-op-buys-out-its-founder-and-opens-its-books-to-members',
    title: 'Bakery co-op buys out its founder and opens its books to members',
    dek: 'Lower Quay Bakers is now owned by its 23 staff, after a community share offer raised £286,000 from 640 local investors.',
    section: 'business',
    authors: ['tom-achterberg'],
    tags: ['co-ops', 'food'],
    access: 'paid',
    hoursAgo: 50,
    markdown: `Lower Quay Bakers, the sourdough bakery whose Saturday morning queue has become a Port Ellery landmark, is now fully owned by the people who work there.

The bakery's 23 staff completed the purchase of founder Rosa Whitcombe's remaining 51 per cent stake last week, financed by a community share offer that raised £286,000 from 640 local investors and a loan from a regional co-operative lender. Ms Whitcombe, who opened the bakery in a former net loft in 2014, will stay on as a worker-member and head of training.

"I always said the bakery belonged to the town," she said. "It turns out the town agreed, and was willing to put its money where its mouth is."

<!--more-->

## How the deal works

Under the new structure, every worker who has completed a six-month probation can become a member with one vote, regardless of role or hours. Investors in the share offer hold *non-voting* community shares that pay capped interest, which the co-op expects to set at 3 per cent from the third year.

The co-op published its accounts to members ahead of the vote, something it says it will now do every quarter. They show:

- turnover of £1.34m last year, up 18 per cent
- a profit of £71,000 after paying every member of staff at least the real living wage
- flour and energy costs that have risen by a combined £96,000 in two years

## Ambitions, and risks

The co-op plans to open a second shop in Northgate next year and to supply three primary schools with bread under a council pilot. It also wants to take over the empty unit next door and turn it into a training kitchen.

Not everyone thinks the model will scale. A local business adviser, who asked not to be named because he works with competing bakeries, said worker co-ops "often struggle when they need to make fast, unpopular decisions, like closing a loss-making shop".

> "We have had to make hard decisions before, and we made them together. That is not a weakness. It is the reason people stay." -- Deniz Arslan, head baker and co-op secretary

Staff turnover at the bakery has fallen below 10 per cent a year, against an industry average the co-op puts at more than 40 per cent. Members say the real test will come when the bakery faces its first bad year.

Shareholders can find details of the first annual general meeting, to be held in October, on the [co-op's member pages](https://example.org/lower-quay-bakers/members). *Disclosure: the author of this article is not a shareholder.*
`,
  },
  {
    slug: 'ferry-operator-and-union-return-to-talks-as-strike-deadline-nears',
    title: 'Ferry operator and union return to talks as strike deadline nears',
    dek: 'Sound Link Ferries and the Ferry Workers\' Guild will meet on Saturday. The accounts show why both sides feel squeezed.',
    section: 'business',
    authors: ['tom-achterberg'],
    tags: ['transport', 'ferries', 'labour'],
    hoursAgo: 20,
    markdown: `Sound Link Ferries and the Ferry Workers' Guild have agreed to return to talks on Saturday, two days before crews on the Calder Island route are due to begin a 48-hour strike over pay and rotas.

Both sides confirmed on Thursday that they would meet at the offices of the national conciliation service in an attempt to avoid the first strike on the route since 2011. Neither would say whether a new offer was on the table.

The dispute has exposed the financial pressures on the crossing, which carries around 900,000 passengers a year and is the only year-round link between the island and the mainland.

<!--more-->

## The money

Sound Link's latest accounts, filed in the spring, show an operating profit of £1.9m on revenue of £14.3m, after a £2.6m subsidy from the regional transport authority. Fuel costs rose by 38 per cent over two years, and the company has twice had to charter a relief vessel while the *Calder Maid* was out of service.

Chief executive Martin Hale said the company's offer of 3 per cent, plus a one-off payment of £500, was "the most we can afford without asking the authority for more money or putting up fares".

The Guild's members rejected the offer by 86 per cent on a turnout of 91 per cent. The union argues that the subsidy, which is public money, should come with firmer conditions on pay and hours.

## The rota

For many crew, the rota matters more than the money. The new summer timetable adds four sailings a day, which the company plans to staff by moving to longer shifts rather than hiring. Guild members say that would mean:

- shifts of up to 14 hours at weekends in July and August
- rest between shifts cut from 11 hours to 10
- fewer fixed days off, making childcare harder to arrange

> "I have done this job for nineteen years. I know what hour thirteen feels like on a bridge in a crosswind." -- a Calder Maid deck officer, speaking on condition of anonymity

Island businesses are watching anxiously. The Calder Island Business Group said a strike on a summer weekend would cost its members **tens of thousands of pounds** and urged both sides to reach a deal. The transport authority said it was monitoring the situation but had no plans to intervene.

Our [guide to travelling during the strike](https://example.org/ledger/ferry-strike-guide) will be updated if the walkout goes ahead.
`,
  },
  {
    slug: 'fish-market-traders-say-new-hall-rents-would-price-them-out',
    title: 'Fish market traders say new hall rents would price them out',
    dek: 'A draft letter seen by the Ledger suggests stall rents in the planned Outer Basin market hall could triple.',
    section: 'business',
    authors: ['tom-achterberg'],
    tags: ['harbour', 'fishing'],
    access: 'metered',
    hoursAgo: 110,
    markdown: `Traders at the Wharf Road fish market say rents in the covered market hall planned for the Outer Basin could be up to three times what they pay now, putting the future of the town's last working fish market at risk.

Ahead of next week's planning decision on the harbour redevelopment, the Ledger has seen a draft letter from Tidewater Partners to the Wharf Road Traders' Association setting out "indicative" annual rents of between £9,000 and £14,000 for a standard stall. Traders currently pay the council between £3,200 and £4,800 a year for pitches in the existing open-sided shed.

"We are not against the new hall. Look at this roof," said Colin Baptiste, a third-generation fishmonger, pointing at the tarpaulin stretched over his pitch. "But if the rent is three times what we pay, there will be a third as many of us."

<!--more-->

## A market in decline

The market has shrunk from 31 traders in 2010 to 14 today. Those who remain blame the decline partly on the state of the building, which has leaked for years, and partly on the loss of the day boats that once landed their catch directly on the quay.

Only five boats now land regularly in Port Ellery, compared with more than twenty in the 1990s. Most of the fish sold at the market arrives by lorry from larger ports.

## Tidewater's position

In a statement, Tidewater said the figures in the letter were "early and indicative" and did not include a discount it was prepared to offer existing traders. It said a new hall would have to cover the cost of refrigeration, drainage and cleaning to modern food hygiene standards, which the current shed does not meet.

> "Market halls only work if the traders who give them character can afford to stay. We know that." -- Tidewater Partners

## What traders want

The Traders' Association is asking councillors to attach conditions to any planning permission that would:

- cap rents for existing traders at **no more than 150 per cent** of current levels for ten years
- guarantee at least 10 stalls for fish and seafood
- protect landing rights for day boats on the new quay

Planning officers have said rents are *not normally* a matter for planning conditions but could be covered by a separate legal agreement. The association's full submission is [published on its website](https://example.com/wharf-road-traders/submission).
`,
  },
  {
    slug: 'high-street-vacancy-rate-falls-for-the-first-time-in-five-years',
    title: 'High street vacancy rate falls for the first time in five years',
    dek: 'Independent food and drink businesses are filling empty units, but traders worry about what happens when short, cheap leases run out.',
    section: 'business',
    authors: ['tom-achterberg'],
    tags: ['retail', 'economy'],
    access: 'registered',
    hoursAgo: 160,
    markdown: `The share of empty shops on Port Ellery's main shopping streets has fallen for the first time in five years, according to a survey by the town's business improvement district, though traders warn that many of the new arrivals are on short, cheap leases that may not last.

The survey, carried out each spring, found 27 of the 188 ground-floor units on Quay Street, Market Place and the lower end of Harbour Hill empty in April, a vacancy rate of 14.4 per cent. That compares with 17.6 per cent a year earlier and a peak of 19.1 per cent two years ago.

The change is visible on the ground. A stretch of Quay Street that had five boarded-up units in a row not long ago now has a record shop, a children's bookshop, a bike repair workshop and a Portuguese cafe.

<!--more-->

## Who is moving in

The survey shows a clear pattern in the kind of business taking on units:

- **independent food and drink**, which accounts for 9 of the 16 new openings
- services such as repairs, barbers and nail bars, with 4 openings
- *meanwhile uses*, including a pop-up gallery and a charity-run community fridge, with 3 openings

No national chain opened a new store in the surveyed area during the year, and two, a mobile phone retailer and a clothing chain, closed.

## The catch

Landlords have become more willing to offer short leases at reduced rents, said Priyanka Rowe, manager of the business improvement district. A pilot run with the council offered six months rent-free to independent businesses in units that had been empty for more than a year, and eight businesses took it up.

"The question is what happens in month seven," she said. "Some of those businesses are doing brilliantly. Some are still finding their feet. We are going to be watching that very closely."

> "The rent-free period got me through the door. The customers are what will keep me here." -- Jonah Feld, owner of Spindle Records

Business rates remain the biggest worry for many. Several traders told the Ledger they expect sharp rises when transitional relief ends next year.

The full survey, with a street-by-street breakdown, is [available to download](https://example.org/port-ellery-bid/vacancy-survey).
`,
  },
  {
    slug: 'boatyard-wins-contract-to-build-electric-pilot-boats',
    title: 'Boatyard wins contract to build electric pilot boats',
    dek: 'Merrow Boatworks lands a £7.8m order for three battery-powered vessels, creating 22 jobs on the estuary.',
    section: 'business',
    authors: ['tom-achterberg'],
    tags: ['harbour', 'jobs', 'energy'],
    access: 'paid',
    hoursAgo: 230,
    markdown: `Merrow Boatworks, the family-run yard at the mouth of the Ellery estuary, has won a £7.8m contract to build three battery-electric pilot boats for the regional port authority, its largest order in more than forty years of business.

The boats, each 16 metres long, will guide cargo ships and cruise liners into three ports along the coast. They will replace diesel vessels nearing the end of their working lives, and the authority expects them to be among the first fully electric pilot boats in service anywhere in the country.

The contract will create 22 jobs at the yard, including eight apprenticeships, taking its workforce to 71.

<!--more-->

## Building a new kind of boat

Merrow has built aluminium workboats for harbours and offshore wind farms for two decades, but electric propulsion brings new challenges. The batteries, which weigh around six tonnes per boat, must sit low in the hull to keep the vessel stable in rough water, and the yard has had to redesign its fire protection systems.

Managing director Eleanor Merrow, whose grandfather founded the yard, said the company had spent two years working with a university engineering department on the design. "We did not win this because we were cheapest. We won it because we could show them a hull that would still be safe with a flat battery in a force seven."

Each boat will be able to run for around *eight hours* between charges, enough for a typical shift. Chargers will be installed at each port, paid for by the port authority.

## What it means for the harbour

The contract is a boost for the marine engineering cluster that has grown up around the estuary, which the council's economic strategy names as a priority. It includes:

- Merrow and four other boatbuilders and repairers
- two marine electronics firms
- a training centre at Port Ellery College offering courses in composite and aluminium fabrication

> "People talk about the harbour as if it is only about flats and restaurants now. Go down to the estuary on a Tuesday and listen to the grinders." -- Eleanor Merrow

The first boat is due to be delivered in **eighteen months**, with the other two following at six-month intervals. Applications for the apprenticeships open next month through the [college's website](https://example.org/port-ellery-college/apprenticeships).
`,
  },

  // ------------------------------------------------------------------ culture
  {
    slug: 'jazz-festival-returns-to-the-harbour-with-a-smaller-braver-line-up',
    title: 'Jazz festival returns to the harbour with a smaller, braver line-up',
    dek: 'After a year off to clear its debts, Harbourlight is back in August with cheaper tickets and a final party in the old grain shed.',
    section: 'culture',
    authors: ['ines-calloway'],
    tags: ['jazz-festival', 'music'],
    hoursAgo: 12,
    markdown: `After a year off to sort out its finances, the Harbourlight Jazz Festival is coming back to Port Ellery in August, with fewer stages, cheaper tickets and a line-up that its new artistic director describes as "less about names and more about nerve".

The festival, which ran for 22 years before being paused last summer with debts of around £60,000, will take place over three days on the second weekend of August. Most events will be in and around the harbour, with the main stage in the old grain shed that is due to be demolished as part of the Outer Basin redevelopment.

"It felt right to give that building one last party," said artistic director Nadia Fontaine, a saxophonist who grew up in the town and spent fifteen years playing in London and Lisbon before moving back.

<!--more-->

## What is on

The programme mixes returning favourites with younger players, many of whom have never performed in the town. Highlights include:

- a Friday night opening set from the **Calder Island Brass Collective**, a 14-piece band formed during the pandemic
- a rare duo performance by pianist Oyelaran Boateng and drummer Siv Halvorsen
- a Sunday afternoon programme for families, with an instrument "petting zoo" and a parade along the seafront

Late-night jam sessions return to the Anchor and the Crown, where the festival began in a back room in 2001. They will be free to attend, though space is limited.

## Doing more with less

Ticket prices have come down. A weekend pass costs £65, down from £95 in the final year before the pause, and there are £10 tickets for anyone under 25 or on means-tested benefits. The festival has cut its budget by about a third, mainly by dropping an expensive outdoor stage and relying on existing venues.

> "Big festivals can afford to book safe. We cannot afford to be anything other than interesting." -- Nadia Fontaine

The festival's board says its debts have been cleared with help from a one-off council grant and a crowdfunding campaign that raised £31,000 from more than 900 people. It has also signed a three-year sponsorship deal with Merrow Boatworks.

Tickets go on sale on Friday at 10am through the [festival website](https://example.org/harbourlight-jazz/tickets) and at the Lantern Theatre box office.
`,
  },
  {
    slug: 'review-a-storm-soaked-tempest-at-the-lantern-theatre',
    title: 'Review: a storm-soaked Tempest at the Lantern Theatre',
    dek: 'Real water, sea shanties and a Prospero who sounds like a tired harbourmaster. Bring a towel.',
    section: 'culture',
    authors: ['ines-calloway'],
    tags: ['theatre', 'reviews'],
    access: 'free',
    hoursAgo: 40,
    markdown: `There is real water in the Lantern Theatre's new production of *The Tempest*. Not a splash or two, but a shallow pool that covers most of the stage, into which the cast wade, slip, sulk and, at one memorable moment, fall flat on their backs. The front two rows are handed ponchos on the way in. They need them.

It would be easy for a gimmick like that to swamp a play, and for the first twenty minutes it threatens to. But director Rhiannon Vale knows this town, and she knows that an audience in a harbour town has a particular relationship with water: they respect it, they complain about it, they never quite trust it. By the interval, the pool has become the island, and the island has become Port Ellery.

<!--more-->

## A Prospero who listens

At the centre is Femi Adeyinka's Prospero, played not as a wizard but as a weary harbourmaster who has spent twelve years waiting for the right tide. Adeyinka delivers the great speeches quietly, almost conversationally, so that when he finally raises his voice in the final act the effect is startling.

Lily Tran's Ariel is his opposite: restless, funny and visibly furious at being kept. Her songs, arranged by local composer Bram Ostrowski for fiddle and accordion, borrow from the sea shanties that the town's choirs still sing in the pubs on Friday nights.

> Be not afeard; the isle is full of noises.

Rarely has that line sounded so much like a fishing boat's engine turning over at dawn.

## Where it sags

Not everything works. The comic subplot with Stephano and Trinculo, reimagined as two ferry hands stranded by a strike, gets knowing laughs early on but runs out of road well before the end. And the wedding masque, staged as a sort of end-of-the-pier variety show, is more charming in idea than in execution.

Still, these are small complaints about a production that takes risks and mostly lands them. It is also, at two hours and ten minutes including an interval, *refreshingly brisk*.

**Verdict:** four stars. Bring a towel, or at least avoid row A.

*The Tempest runs at the Lantern Theatre until the end of June. Tickets from £12, with pay-what-you-can performances on Tuesdays.* [Book online](https://example.org/lantern-theatre/the-tempest).
`,
  },
  {
    slug: 'a-listening-guide-to-harbourlights-late-night-jams',
    title: "A listening guide to Harbourlight's late-night jams",
    dek: 'House rules, the difference between the Anchor and the Crown, and why you should arrive before eleven.',
    section: 'culture',
    authors: ['ines-calloway'],
    tags: ['jazz-festival', 'music'],
    access: 'metered',
    status: 'scheduled',
    hoursAgo: -48,
    markdown: `Ask anyone who has been going to the Harbourlight Jazz Festival for long enough and they will tell you the same thing: the concerts are great, but the real festival starts after midnight.

The late-night jam sessions at the Anchor and the Crown began in 2001, when the festival was little more than a handful of gigs in pub back rooms. They outlived the big outdoor stage, the corporate sponsors and last year's pause, and when the festival returns in August they will once again be free, loud and very crowded.

If you have never been, they can be intimidating. Here is how to make the most of them.

<!--more-->

## Know the house rules

Each session has a house band, which plays the first set and then invites players up one at a time. There is a sign-up sheet by the bar, and the host decides the order. A few customs are worth knowing:

- **Do not** walk onto the stage uninvited, however good you are
- Pick tunes the house band will know; this is not the place for your own compositions
- Keep solos short. Two choruses is generous; four is a speech
- Tip the house band. They are paid a flat fee and play for five hours

## The Anchor or the Crown?

The two pubs have distinct personalities. The Anchor, on the corner of Quay Street, is small and low-ceilinged, with a tiny stage and a crowd that leans towards hard bop and standards. The Crown, up Harbour Hill, has a larger back room and attracts younger players; expect more funk, more electronics and, in recent years, *a great deal of trumpet*.

Teodor Lukas, a bassist who has hosted the Crown session for the past decade, says newcomers should not be shy. "The only way to learn to play with people is to play with people. We have had thirteen-year-olds up here who were terrified, and then came back the next year and stole the show."

> "The best moment of any festival I have played was at 2am in the Anchor, when the power went out and we kept going acoustic." -- pianist Oyelaran Boateng

## If you just want to listen

Arrive before 11pm if you want to get in; both pubs fill up quickly and operate a one-in, one-out policy after that. Bring earplugs. And if you are still there at closing time, join the tradition of walking down to the harbour wall to watch the sun come up.

The full festival programme is [on the Harbourlight website](https://example.org/harbourlight-jazz/programme).
`,
  },
  {
    slug: 'volunteers-bring-the-seafronts-victorian-gas-lamps-back-to-life',
    title: "Volunteers bring the seafront's Victorian gas lamps back to life",
    dek: 'Four years of weekends, forty layers of paint and a great deal of paperwork: the Esplanade is lit by gas again.',
    section: 'culture',
    authors: ['ines-calloway', 'priya-nandakumar'],
    tags: ['heritage', 'seafront'],
    access: 'metered',
    hoursAgo: 300,
    markdown: `For the first time in more than sixty years, a row of gas lamps lit up the Esplanade on Saturday evening, as a small crowd of volunteers, neighbours and slightly baffled dog walkers watched from the sea wall.

The twelve lamps, cast in 1887 at a foundry that once stood on Ropewalk, were converted to electricity in the 1950s and switched off altogether when the council installed modern LED columns. Since then they have stood dark, rusting slowly in the salt air.

Now, after four years of fundraising, restoration and paperwork, the Esplanade Lamp Society has returned them to something close to their original state.

<!--more-->

## Four years of weekends

The society was founded by retired engineer Walter Anand and a handful of neighbours who were tired of looking at what he calls "the saddest row of ironwork in the county". Members have spent most weekends since then stripping, repairing and repainting the lamp columns in a workshop borrowed from Merrow Boatworks.

The work involved:

- removing more than 40 layers of paint from each column
- casting replacement finials from a surviving original held in the town museum
- fitting modern gas mantles that burn more cleanly than the originals
- persuading the gas network and the council's highways team to agree a safe supply

The project cost about £48,000, raised from a heritage grant, local businesses and more than 200 individual donors.

> "People assume it was nostalgia. It was mostly paperwork. The nostalgia came afterwards, when we saw them lit." -- Walter Anand

## A lamplighter again

The lamps run on timers, but the society has revived the role of lamplighter for special occasions. On Saturday, 17-year-old Freya Castell, its youngest member, walked the length of the Esplanade with a long brass pole, opening each lamp in turn for the cameras. She admitted to being *slightly terrified* of dropping it into the sea.

The lamps will burn from dusk until midnight each evening. The society estimates the gas will cost about £1,900 a year, which it will cover through membership fees and an annual lamp-lit walk in December.

The next project, Anand says, is the bandstand. Anyone who would like to help can find details on the [society's website](https://example.org/esplanade-lamps/volunteer). **No experience is needed**, he says, "just a tolerance for paint stripper".
`,
  },
];
