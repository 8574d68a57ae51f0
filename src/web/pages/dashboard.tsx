import { h, Fragment, type Html } from '../../shared/jsx.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';
import type { ArticleRow, Dashboard } from '../../dashboard/dashboard.service.js';
import { percent, type PeriodChoice } from '../../dashboard/rules.js';
import { formatMoney } from '../../billing/plans.js';
import { AdminPage } from './newsroom.js';

/**
 * The newsroom dashboard (/admin/dashboard): the funnel, money, top articles and referrers for a
 * period. Charts are SVG drawn here on the server, each followed by the same figures as a table for
 * screen readers; no script, no chart service.
 */

const REASONS: Record<string, string> = { limit_reached: 'Free articles used up', registration_required: 'Registration required', paid_only: 'Subscribers only' };
const ACTIONS: Record<string, string> = { trial: 'Start a free trial', subscribe: 'Subscribe', signin: 'Sign in' };
const PERIOD_NAMES: Record<PeriodChoice, string> = { '7d': 'Last 7 days', '30d': 'Last 30 days', '12m': 'Last 12 months', custom: 'Custom' };

interface Point { label: string; value: number }

/**
 * Vertical bars, one per point, with the labels a sighted reader needs; the SVG is named by its
 * title and the table after it holds every value (hidden visually, read by screen readers).
 */
function BarChart(p: { id: string; title: string; unit: string; points: Point[]; fmt: (n: number) => string }): Html {
  const W = 720, H = 200, top = 16, bottom = 36, left = 8;
  const max = Math.max(1, ...p.points.map((x) => x.value));
  const slot = (W - left * 2) / Math.max(1, p.points.length);
  const bar = Math.max(2, slot * 0.7);
  const every = Math.ceil(p.points.length / 12);
  return (
    <figure class="dash-chart" aria-labelledby={`${p.id}-cap`}>
      <figcaption id={`${p.id}-cap`}>{p.title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-labelledby={`${p.id}-title`} focusable="false">
        <title id={`${p.id}-title`}>{`${p.title}: ${p.points.map((x) => `${x.label} ${p.fmt(x.value)}`).join(', ')}`}</title>
        <line x1={left} x2={W - left} y1={H - bottom} y2={H - bottom} stroke="#555" stroke-width="1" />
        {p.points.map((x, i) => {
          const hgt = Math.round(((H - top - bottom) * x.value) / max);
          const cx = left + slot * i + (slot - bar) / 2;
          return (
            <g>
              <rect x={cx.toFixed(1)} y={H - bottom - hgt} width={bar.toFixed(1)} height={hgt} fill="#1a5fb4" />
              {i % every === 0 ? <text x={(cx + bar / 2).toFixed(1)} y={H - bottom + 16} font-size="11" text-anchor="middle" fill="#111">{x.label}</text> : null}
            </g>
          );
        })}
        <text x={left} y={12} font-size="11" fill="#111">{`Most: ${p.fmt(max)} ${p.unit}`}</text>
      </svg>
      <table class="visually-hidden">
        <caption>{`${p.title}, as a table`}</caption>
        <thead><tr><th scope="col">Period</th><th scope="col">{p.unit}</th></tr></thead>
        <tbody>{p.points.map((x) => <tr><th scope="row">{x.label}</th><td>{p.fmt(x.value)}</td></tr>)}</tbody>
      </table>
    </figure>
  );
}

/** The funnel as horizontal bars, widths against the first step. Its table is the visible one below it. */
function FunnelChart(p: { d: Dashboard; fmt: (n: number) => string }): Html {
  const steps = p.d.funnel;
  const W = 720, row = 34, H = row * steps.length + 8, labelW = 230;
  const max = Math.max(1, ...steps.map((s) => s.count));
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-labelledby="funnel-svg-title" focusable="false" class="dash-funnel">
      <title id="funnel-svg-title">{`The funnel: ${steps.map((s) => `${s.label} ${p.fmt(s.count)}`).join(', ')}`}</title>
      {steps.map((s, i) => {
        const w = Math.round(((W - labelW - 90) * s.count) / max);
        const y = 4 + i * row;
        return (
          <g>
            <text x="0" y={y + 20} font-size="13" fill="#111">{s.label}</text>
            <rect x={labelW} y={y + 4} width={Math.max(w, s.count ? 2 : 0)} height={row - 10} fill="#1a5fb4" />
            <text x={labelW + w + 6} y={y + 20} font-size="13" fill="#111">{p.fmt(s.count)}</text>
          </g>
        );
      })}
    </svg>
  );
}

function ArticleTable(p: { caption: string; unit: string; rows: ArticleRow[]; fmt: (n: number) => string }): Html {
  if (!p.rows.length) return <Fragment><h3>{p.caption}</h3><p>Nothing in this period.</p></Fragment>;
  return (
    <table class="newsroom-table">
      <caption>{p.caption}</caption>
      <thead><tr><th scope="col">Article</th><th scope="col">{p.unit}</th></tr></thead>
      <tbody>{p.rows.map((r) => <tr><td>{r.slug ? <a href={`/admin/articles/${r.articleId}`}>{r.title}</a> : r.title}</td><td>{p.fmt(r.count)}</td></tr>)}</tbody>
    </table>
  );
}

export function DashboardPage(props: { site: Site; staff: StaffUser; d: Dashboard | null; choice: PeriodChoice; from: string; to: string; error?: string }): Html {
  const s = props.site.settings;
  const nf = new Intl.NumberFormat(s.locale);
  const fmt = (n: number) => nf.format(n);
  const d = props.d;
  const mrr = d ? Object.entries(d.money.mrr) : [];
  return (
    <AdminPage site={props.site} title="Dashboard" staff={props.staff}>
      <h1>Dashboard</h1>
      <form class="newsroom-filters" method="get" action="/admin/dashboard" aria-label="Choose the period">
        <p class="field"><label for="d-period">Period</label>
          <select id="d-period" name="period">
            {(Object.keys(PERIOD_NAMES) as PeriodChoice[]).map((k) => <option value={k} selected={props.choice === k}>{PERIOD_NAMES[k]}</option>)}
          </select>
        </p>
        <p class="field"><label for="d-from">First day (custom)</label><input id="d-from" name="from" type="date" value={props.from} /></p>
        <p class="field"><label for="d-to">Last day (custom)</label><input id="d-to" name="to" type="date" value={props.to} /></p>
        <p><button class="button" type="submit">Show</button></p>
      </form>
      {props.error ? <p class="form-error" role="alert">{props.error}</p> : null}
      {d ? (
        <Fragment>
          <p class="small">{`${d.period.fromDate} to ${d.period.toDate}, in ${s.timezone}.`}</p>

          <section aria-labelledby="h-funnel">
            <h2 id="h-funnel">The funnel</h2>
            <FunnelChart d={d} fmt={fmt} />
            <table class="newsroom-table" id="funnel">
              <caption>The funnel, step by step</caption>
              <thead><tr><th scope="col">Step</th><th scope="col">Count</th><th scope="col">Rate from the step before</th></tr></thead>
              <tbody>{d.funnel.map((st) => <tr data-step={st.key}><th scope="row">{st.label}</th><td>{fmt(st.count)}</td><td>{percent(st.rate)}</td></tr>)}</tbody>
            </table>
            <div class="dash-pair">
              <table class="newsroom-table">
                <caption>Walls shown, by reason</caption>
                <thead><tr><th scope="col">Reason</th><th scope="col">Walls</th></tr></thead>
                <tbody>{d.wallsByReason.length ? d.wallsByReason.map((r) => <tr><th scope="row">{REASONS[r.reason] ?? r.reason}</th><td>{fmt(r.count)}</td></tr>) : <tr><td colspan="2">None in this period.</td></tr>}</tbody>
              </table>
              <table class="newsroom-table">
                <caption>Wall actions clicked</caption>
                <thead><tr><th scope="col">Action</th><th scope="col">Clicks</th></tr></thead>
                <tbody>{d.actionsByKind.length ? d.actionsByKind.map((r) => <tr><th scope="row">{ACTIONS[r.action] ?? r.action}</th><td>{fmt(r.count)}</td></tr>) : <tr><td colspan="2">None in this period.</td></tr>}</tbody>
              </table>
            </div>
          </section>

          <section aria-labelledby="h-time">
            <h2 id="h-time">{d.period.grain === 'day' ? 'Day by day' : 'Month by month'}</h2>
            <BarChart id="c-reads" title="Metered reads" unit="Reads" points={d.series.map((x) => ({ label: x.label, value: x.reads }))} fmt={fmt} />
            <BarChart id="c-walls" title="Walls shown" unit="Walls" points={d.series.map((x) => ({ label: x.label, value: x.walls }))} fmt={fmt} />
            <BarChart id="c-trials" title="Trials started" unit="Trials" points={d.series.map((x) => ({ label: x.label, value: x.trials }))} fmt={fmt} />
          </section>

          <section aria-labelledby="h-money">
            <h2 id="h-money">Money</h2>
            <dl class="dash-figures">
              <dt>Monthly recurring revenue</dt><dd>{mrr.length ? mrr.map(([c, n]) => formatMoney(n, c, s.locale)).join(' + ') : 'No paying subscribers'}</dd>
              <dt>Paying subscribers</dt><dd>{fmt(d.money.paying)}</dd>
              <dt>Trialing</dt><dd>{fmt(d.money.trialing)}</dd>
              <dt>Complimentary</dt><dd>{fmt(d.money.comp)}</dd>
              <dt>Churn in this period</dt><dd>{`${percent(d.money.churn)} (${fmt(d.money.churned)} ended)`}</dd>
              <dt>New free members in this period</dt><dd>{fmt(d.money.newMembers)}</dd>
            </dl>
            <p class="small">Subscriber counts and revenue are as of now; churn and new members are for the period.</p>
          </section>

          <section aria-labelledby="h-top">
            <h2 id="h-top">Top articles</h2>
            <ArticleTable caption="Top articles by metered reads" unit="Reads" rows={d.topByReads} fmt={fmt} />
            <ArticleTable caption="Top articles by trials started" unit="Trials" rows={d.topByTrials} fmt={fmt} />
          </section>

          <section aria-labelledby="h-ref">
            <h2 id="h-ref">Where readers come from</h2>
            {d.referrers.length ? (
              <table class="newsroom-table">
                <caption>Referring sites</caption>
                <thead><tr><th scope="col">Site</th><th scope="col">Visits</th></tr></thead>
                <tbody>{d.referrers.map((r) => <tr><th scope="row">{r.domain}</th><td>{fmt(r.count)}</td></tr>)}</tbody>
              </table>
            ) : <p>No visits from other sites in this period.</p>}
            <p class="small">Only the referring site’s domain is counted, by the hour; nothing identifies a reader.</p>
          </section>
        </Fragment>
      ) : null}
    </AdminPage>
  );
}
