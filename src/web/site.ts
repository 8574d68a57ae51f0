import type { Kysely } from 'kysely';
import { listNewsletters } from '../newsletters/newsletters.queries.js';
import type { DB } from '../db/schema.js';
import { readSiteSettings, type SiteSettings } from '../content/settings.js';
import { listSections } from '../content/taxonomy.queries.js';
import type { AccessLevel, SectionRef } from '../content/types.js';
import { readMeterRules, type MeterRules } from '../access/rules.js';
import { defaultPlan } from '../billing/plans.js';
import { readCommentRules, type CommentRules } from '../comments/rules.js';
import { readWallCopy, type WallCopy } from '../access/wall-copy.js';
import { readNavigation, type Navigation } from '../content/navigation.js';

/** What every page needs: settings and the section list for navigation. */
export interface Site {
  settings: SiteSettings;
  sections: (SectionRef & { description: string; defaultAccess: AccessLevel })[];
  siteUrl: string;
  meter: MeterRules;
  /** The meter rules with the site's time zone, as the access decision takes them (made once per load). */
  meterRules: MeterRules & { timezone: string };
  /** The default plan's free trial in days (0: no trial, or no plan). */
  trialDays: number;
  comments: CommentRules;
  /** The wall's words of the newsroom's own (null: the built-in wording). */
  wall: WallCopy;
  nav: Navigation;
  /** What sign-up forms offer (newsletters open to every member), ticked when marked default. */
  signupNewsletters: SignupNewsletter[];
}

export interface SignupNewsletter { id: number; name: string; ticked: boolean }

/**
 * Cached for a second per process: every page view needs it, it changes rarely,
 * and a local write clears it at once (other PostgreSQL instances catch up within a second).
 */
const TTL_MS = 1000;

export class SiteCache {
  private value: Site | undefined;
  private loadedAt = 0;
  private pending: Promise<Site> | undefined;

  constructor(private readonly db: Kysely<DB>, private readonly siteUrl: string, private readonly now: () => number = () => Date.now()) {}

  private dirty = false;

  async get(): Promise<Site> {
    return this.current() ?? this.reload();
  }

  /** The value while it is fresh, without a promise (every page view asks); undefined when it must be loaded. */
  current(): Site | undefined {
    return this.value && !this.dirty && this.now() - this.loadedAt < TTL_MS ? this.value : undefined;
  }

  private reload(): Promise<Site> {
    this.pending ??= this.load().finally(() => (this.pending = undefined));
    return this.pending;
  }

  invalidate(): void {
    this.dirty = true;
  }

  /**
   * The current value without waiting for the database, refreshing it in the
   * background when stale. For code running inside a transaction: on SQLite
   * the transaction holds the only connection, so waiting for a load there
   * would wait forever. The cache is loaded at start-up, so a value exists.
   */
  async peek(): Promise<Site> {
    if (!this.value) return this.get();
    if (this.dirty || this.now() - this.loadedAt >= TTL_MS) this.pending ??= this.load().finally(() => (this.pending = undefined));
    return this.value;
  }

  private async load(): Promise<Site> {
    const [settings, sections, meter, plan, comments, wall, nav, newsletters] = await Promise.all([readSiteSettings(this.db), listSections(this.db), readMeterRules(this.db), defaultPlan(this.db), readCommentRules(this.db), readWallCopy(this.db), readNavigation(this.db), listNewsletters(this.db)]);
    this.value = {
      settings,
      meter,
      meterRules: { ...meter, timezone: settings.timezone },
      comments,
      wall,
      nav,
      trialDays: plan?.trialDays ?? 0,
      signupNewsletters: newsletters.filter((n) => n.audience === 'members').map((n) => ({ id: n.id, name: n.name, ticked: n.subscribeOnSignup })),
      siteUrl: this.siteUrl,
      sections: sections.map((s) => ({ id: s.id, slug: s.slug, name: s.name, description: s.description, defaultAccess: s.default_access as AccessLevel })),
    };
    this.loadedAt = this.now();
    this.dirty = false;
    return this.value;
  }
}
