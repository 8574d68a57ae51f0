import { h, type Html } from '../../shared/jsx.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';
import { formatMoney, type Plan } from '../../billing/plans.js';
import { describeOffer, type Offer } from '../../billing/offer-rules.js';
import { formatInZone, toLocalInput } from '../../shared/zoned-time.js';
import { AdminPage } from './newsroom.js';
import { Csrf, Field, Notice, SelectField, type FormState } from './newsroom-forms.js';

/** Plans and offers in the newsroom app (issue 16, part 3). Prices are typed in minor units, as they are stored. */

const priceOf = (plan: Plan, interval: 'month' | 'year') => plan.prices.find((p) => p.interval === interval);

export function PlansPage(v: { site: Site; staff: StaffUser; csrf: string; plans: Plan[]; notice?: string; error?: string }): Html {
  const locale = v.site.settings.locale;
  return (
    <AdminPage site={v.site} title="Plans" staff={v.staff}>
      <h1>Plans</h1>
      <Notice notice={v.notice} error={v.error} />
      <p><a class="button" href="/admin/plans/new">New plan</a> <a href="/admin/offers">Offers</a></p>
      {v.plans.length ? (
        <table class="newsroom-table">
          <caption class="visually-hidden">Plans</caption>
          <thead><tr><th scope="col">Plan</th><th scope="col">Prices</th><th scope="col">Trial</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>{v.plans.map((p) => (
            <tr>
              <td><a href={`/admin/plans/${p.id}`}>{p.name}</a>{p.isDefault ? ' (default)' : ''}</td>
              <td>{p.prices.map((x) => `${formatMoney(x.amount, x.currency, locale)} a ${x.interval}`).join(', ')}</td>
              <td>{p.trialDays ? `${p.trialDays} days` : 'None'}</td>
              <td>{p.status === 'active' ? 'On sale' : 'Archived'}</td>
              <td>{p.status === 'active' ? (
                <form method="post" action={`/admin/plans/${p.id}/archive`} class="inline-form"><Csrf token={v.csrf} /><button class="button button--secondary" type="submit">Archive {p.name}</button></form>
              ) : null}</td>
            </tr>
          ))}</tbody>
        </table>
      ) : <p>No plans yet.</p>}
    </AdminPage>
  );
}

export function PlanFormPage(v: { site: Site; staff: StaffUser; csrf: string; plan: Plan | null; form: FormState; error?: string }): Html {
  const p = v.plan;
  const f = v.form;
  return (
    <AdminPage site={v.site} title={p ? `Edit ${p.name}` : 'New plan'} staff={v.staff}>
      <h1>{p ? `Edit plan: ${p.name}` : 'New plan'}</h1>
      <Notice error={v.error} />
      <form method="post" action={p ? `/admin/plans/${p.id}` : '/admin/plans'} class="account-form">
        <Csrf token={v.csrf} />
        <Field state={f} id="p-name" name="name" label="Name" required maxlength="100" fallback={p?.name} />
        <Field state={f} id="p-desc" name="description" label="Description" textarea rows="3" maxlength="2000" fallback={p?.description} />
        <Field state={f} id="p-benefits" name="benefits" label="Benefits" textarea rows="4" fallback={p?.benefits.join('\n')} hint="One a line." />
        <Field state={f} id="p-trial" name="trialDays" label="Free trial (days)" inputmode="numeric" fallback={p?.trialDays ?? 14} hint="0 for no trial." />
        <Field state={f} id="p-currency" name="currency" label="Currency" maxlength="3" fallback={p?.prices[0]?.currency ?? 'gbp'} hint="Three letters: gbp, eur, usd…" />
        <Field state={f} id="p-monthly" name="monthly" label="Monthly price (minor units)" inputmode="numeric" fallback={p ? priceOf(p, 'month')?.amount : ''} hint="Pence or cents: 700 is 7.00. Leave empty for no monthly price." />
        <Field state={f} id="p-yearly" name="yearly" label="Yearly price (minor units)" inputmode="numeric" fallback={p ? priceOf(p, 'year')?.amount : ''} hint="Leave empty for no yearly price." />
        <p><button class="button" type="submit">{p ? 'Save plan' : 'Create plan'}</button> <a href="/admin/plans">Cancel</a></p>
      </form>
    </AdminPage>
  );
}

export function OffersPage(v: { site: Site; staff: StaffUser; csrf: string; tz: string; offers: (Offer & { redemptions: number })[]; plans: Plan[]; notice?: string; error?: string }): Html {
  const locale = v.site.settings.locale;
  const planName = (id: number | null) => (id === null ? 'Any plan' : v.plans.find((p) => p.id === id)?.name ?? 'A removed plan');
  return (
    <AdminPage site={v.site} title="Offers" staff={v.staff}>
      <h1>Offers</h1>
      <Notice notice={v.notice} error={v.error} />
      <p><a class="button" href="/admin/offers/new">New offer</a> <a href="/admin/plans">Plans</a></p>
      {v.offers.length ? (
        <table class="newsroom-table">
          <caption class="visually-hidden">Offers and their redemptions</caption>
          <thead><tr><th scope="col">Code</th><th scope="col">Offer</th><th scope="col">Plan</th><th scope="col">Link</th><th scope="col">Ends</th><th scope="col">Redemptions</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>{v.offers.map((o) => (
            <tr>
              <td>{o.status === 'active' ? <a href={`/admin/offers/${o.id}`}><code>{o.code}</code><span class="visually-hidden"> (edit)</span></a> : <code>{o.code}</code>}</td>
              <td>{o.name}: {describeOffer(o, locale)}</td>
              <td>{planName(o.planId)}</td>
              <td><code class="secret-once">{`${v.site.siteUrl}/subscribe?offer=${o.code}`}</code></td>
              <td>{o.expiresAt ? formatInZone(o.expiresAt, v.tz) : 'Never'}</td>
              <td>{o.maxRedemptions ? `${o.redemptions} of ${o.maxRedemptions}` : String(o.redemptions)}</td>
              <td>{o.status === 'active' ? 'Active' : 'Archived'}</td>
              <td>{o.status === 'active' ? <form method="post" action={`/admin/offers/${o.id}/archive`} class="inline-form"><Csrf token={v.csrf} /><button class="button button--secondary" type="submit">Archive {o.code}</button></form> : null}</td>
            </tr>
          ))}</tbody>
        </table>
      ) : <p>No offers yet.</p>}
    </AdminPage>
  );
}

/** A stored instant as the date input's value: the last day the offer runs, in the site's zone (it ends at the start of the next). */
const lastDay = (expiresAt: number | null, tz: string) => (expiresAt === null ? '' : toLocalInput(expiresAt - 86_400_000, tz).slice(0, 10));

/** The offer form: a new offer, or an active one's edit (its code is fixed: links with it are already shared). */
export function OfferFormPage(v: { site: Site; staff: StaffUser; csrf: string; tz: string; plans: Plan[]; offer: Offer | null; form: FormState; error?: string }): Html {
  const f = v.form;
  const o = v.offer;
  return (
    <AdminPage site={v.site} title={o ? `Edit ${o.code}` : 'New offer'} staff={v.staff}>
      <h1>{o ? `Edit offer: ${o.code}` : 'New offer'}</h1>
      <Notice error={v.error} />
      <form method="post" action={o ? `/admin/offers/${o.id}` : '/admin/offers'} class="account-form">
        <Csrf token={v.csrf} />
        <Field state={f} id="o-name" name="name" label="Name" required maxlength="100" fallback={o?.name} hint="For you and on /subscribe, e.g. “Spring sale”." />
        {o
          ? <p class="field"><span>Code</span> <code>{o.code}</code> <span class="small">The code cannot change: links with it are already out.</span></p>
          : <Field state={f} id="o-code" name="code" label="Code" required maxlength="40" hint="Letters, digits and hyphens; the link is /subscribe?offer=CODE." />}
        <SelectField state={f} id="o-plan" name="planId" label="Plan" fallback={o?.planId ? String(o.planId) : ''} options={[['', 'Any plan'], ...v.plans.filter((p) => p.status === 'active' || p.id === o?.planId).map((p) => [String(p.id), p.name] as [string, string])]} />
        <SelectField state={f} id="o-kind" name="kind" label="Kind" fallback={o?.kind ?? 'percent'} options={[['percent', 'A percentage off'], ['fixed', 'An amount off'], ['trial', 'A longer free trial']]} />
        <Field state={f} id="o-amount" name="amount" label="Amount" required inputmode="numeric" fallback={o?.amount} hint="Percent (1–100), minor units off (200 is 2.00), or days of trial." />
        <Field state={f} id="o-currency" name="currency" label="Currency of an amount off" maxlength="3" fallback={o?.currency} hint="Only for an amount off: gbp, eur, usd…" />
        <SelectField state={f} id="o-duration" name="duration" label="Discount lasts" fallback={o?.duration ?? 'once'} options={[['once', 'The first payment'], ['repeating', 'Some months'], ['forever', 'Forever']]} />
        <Field state={f} id="o-months" name="durationMonths" label="Months (when it lasts some months)" inputmode="numeric" fallback={o?.durationMonths} />
        <Field state={f} id="o-expires" name="expiresAt" label="Ends on (optional)" type="date" fallback={o ? lastDay(o.expiresAt, v.tz) : ''} hint={o ? 'The last day it can be used.' : undefined} />
        <Field state={f} id="o-limit" name="maxRedemptions" label="Redemption limit (optional)" inputmode="numeric" fallback={o?.maxRedemptions} />
        {o ? <p class="small">A change to its terms, name, end or limit applies to Checkouts from now on; discounts already given run on as they were.</p> : null}
        <p><button class="button" type="submit">{o ? 'Save offer' : 'Create offer'}</button> <a href="/admin/offers">Cancel</a></p>
      </form>
    </AdminPage>
  );
}
