import type { Q } from '../db/q.js';
import { monthlyRecurring } from '../billing/plans.js';
import { churnRate, funnel, isConversion, wholeMonths, type Bucket, type FunnelStep, type Period } from './rules.js';
import {
  churnFacts, funnelDays, newMembers, payingPrices, subscriptionCounts, topArticlesByReads, topReferrers, trialEndings, trialsStarted, withTitles,
} from './dashboard.queries.js';

export interface SeriesPoint { label: string; reads: number; walls: number; trials: number }
export interface ArticleRow { articleId: number; title: string; slug: string | null; count: number }

export interface Dashboard {
  period: Period;
  funnel: FunnelStep[];
  wallsByReason: { reason: string; count: number }[];
  actionsByKind: { action: string; count: number }[];
  series: SeriesPoint[];
  money: { mrr: Record<string, number>; paying: number; trialing: number; comp: number; churn: number | null; churned: number; newMembers: number };
  topByReads: ArticleRow[];
  topByTrials: ArticleRow[];
  referrers: { domain: string; count: number }[];
}

const TOP = 10;

/** Which bucket an instant falls in (buckets are in order and contiguous), or -1. */
function bucketOf(buckets: Bucket[], at: number): number {
  let lo = 0, hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (at < buckets[mid]!.start) hi = mid - 1;
    else if (at >= buckets[mid]!.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

/** Everything the dashboard page shows for one period, from the roll-ups and billing's tables. */
export async function loadDashboard(db: Q, period: Period, tz: string): Promise<Dashboard> {
  const { from, to, buckets } = period;
  const [days, trials, endings, counts, prices, churn, joined, byReads, referrers] = await Promise.all([
    funnelDays(db, from, to), trialsStarted(db, from, to), trialEndings(db, from, to), subscriptionCounts(db), payingPrices(db),
    churnFacts(db, from, to), newMembers(db, from, to), topArticlesByReads(db, from, to, wholeMonths(from, to, tz), TOP), topReferrers(db, from, to, TOP),
  ]);

  const series: SeriesPoint[] = buckets.map((b) => ({ label: b.label, reads: 0, walls: 0, trials: 0 }));
  const totals = { reads: 0, walls: 0, actions: 0, trials: trials.length, converted: 0 };
  const reasons = new Map<string, number>(), actions = new Map<string, number>();
  for (const d of days) {
    const i = bucketOf(buckets, d.day);
    if (d.kind === 'meter_read') {
      totals.reads += d.count;
      if (i >= 0) series[i]!.reads += d.count;
    } else if (d.kind === 'wall_shown') {
      totals.walls += d.count;
      if (i >= 0) series[i]!.walls += d.count;
      reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + d.count);
    } else {
      totals.actions += d.count;
      // Wall actions are counted as `action:reason` (http/routes/wall.ts): the dashboard groups by action.
      const action = d.reason.split(':')[0] || 'other';
      actions.set(action, (actions.get(action) ?? 0) + d.count);
    }
  }
  const byArticle = new Map<number, number>();
  for (const t of trials) {
    const i = bucketOf(buckets, t.at);
    if (i >= 0) series[i]!.trials++;
    if (t.articleId !== null) byArticle.set(t.articleId, (byArticle.get(t.articleId) ?? 0) + 1);
  }
  totals.converted = endings.filter((e) => isConversion(e.from, e.to, e.cause)).length;
  const topTrials = [...byArticle].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, TOP).map(([articleId, count]) => ({ articleId, count }));

  return {
    period,
    funnel: funnel(totals),
    wallsByReason: sorted(reasons).map(([reason, count]) => ({ reason, count })),
    actionsByKind: sorted(actions).map(([action, count]) => ({ action, count })),
    series,
    money: {
      mrr: monthlyRecurring(prices),
      paying: (counts.active ?? 0) + (counts.past_due ?? 0),
      trialing: counts.trialing ?? 0,
      comp: counts.comp ?? 0,
      churn: churnRate(churn.ended, churn.liveAtStart),
      churned: churn.ended,
      newMembers: joined,
    },
    topByReads: byReads,
    topByTrials: await withTitles(db, topTrials),
    referrers,
  };
}
