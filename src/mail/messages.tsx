import { h, type Html } from '../shared/jsx.js';
import type { SiteSettings } from '../content/settings.js';

/** A message ready for the queue: plain text and HTML, both built here with escaping. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** The action link, logged when mail goes to the outbox so the demo works offline. */
  link?: string;
}

export interface Brand { settings: SiteSettings; siteUrl: string }

const safeColor = (c: string) => (/^#[0-9a-fA-F]{6}$/.test(c) ? c : '#b3261e');

function frame(brand: Brand, title: string, body: Html): string {
  const accent = safeColor(brand.settings.accentColor);
  return '<!doctype html>' + (
    <html lang={brand.settings.locale}>
      <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width" /><title>{title}</title></head>
      <body style="margin:0;padding:24px;background:#f6f5f1;font-family:Georgia,serif;color:#1a1a1a">
        <table role="presentation" width="100%" style={`max-width:560px;margin:0 auto;background:#fff;border-top:4px solid ${accent}`}>
          <tr><td style="padding:24px 28px">
            <p style={`margin:0 0 20px;font-size:22px;font-weight:bold;color:${accent}`}>{brand.settings.title}</p>
            {body}
            <p style="margin:28px 0 0;font-size:12px;color:#666">{brand.settings.title} · {brand.siteUrl}</p>
          </td></tr>
        </table>
      </body>
    </html>
  ).value;
}

function button(brand: Brand, href: string, label: string): Html {
  return (
    <p style="margin:24px 0">
      <a href={href} style={`display:inline-block;padding:12px 20px;background:${safeColor(brand.settings.accentColor)};color:#fff;text-decoration:none;font-family:Arial,sans-serif;font-weight:bold;border-radius:4px`}>{label}</a>
    </p>
  );
}

/** `trialDays`: the link also starts a free trial of that many days (a reader's link from "Try N days free"). */
export function signInMail(brand: Brand, to: string, link: string, kind: 'signin' | 'signup' | 'staff', trialDays = 0): Mail {
  const site = brand.settings.title;
  const trial = kind !== 'staff' && trialDays > 0;
  const subject = trial ? `Start your ${trialDays}-day free trial of ${site}`
    : kind === 'signup' ? `Confirm your email to finish signing up to ${site}` : `Your sign-in link for ${site}`;
  const lead = trial
    ? (kind === 'signup'
      ? `Welcome to ${site}. Confirm your email address to create your account and start your ${trialDays}-day free trial: every article, no card needed.`
      : `Use this link to sign in to ${site} and start your ${trialDays}-day free trial: every article, no card needed.`)
    : kind === 'signup'
      ? `Welcome to ${site}. Confirm your email address to finish creating your account.`
      : kind === 'staff' ? `Use this link to sign in to the ${site} newsroom.` : `Use this link to sign in to ${site}.`;
  const action = trial ? 'Start my free trial' : kind === 'signup' ? 'Confirm and sign in' : 'Sign in';
  const text = `${lead}\n\n${action}: ${link}\n\nThe link works once and expires in 15 minutes. If you did not ask for it, ignore this email: nothing happens without the link.\n\n— ${site}\n${brand.siteUrl}\n`;
  const html = frame(brand, subject, (
    <div>
      <p>{lead}</p>
      {button(brand, link, action)}
      <p style="font-size:14px;color:#444">The link works once and expires in 15 minutes. If you did not ask for it, ignore this email: nothing happens without the link.</p>
      <p style="font-size:12px;color:#666;word-break:break-all">{link}</p>
    </div>
  ));
  return { to, subject, text, html, link };
}

/**
 * Someone asked to move their account to an address that already has one. The asker sees the
 * same "check your new inbox" as always (so the form cannot be used to find out who has an
 * account); the owner of the address hears about it instead, with no link that changes anything.
 */
export function emailInUseMail(brand: Brand, to: string): Mail {
  const site = brand.settings.title;
  const subject = `Someone tried to use your address on ${site}`;
  const lead = `Someone asked to move another ${site} account to this email address. This address already belongs to your account, so nothing has changed.`;
  const after = 'If that was you, sign in with this address instead, or delete the other account from its account page. If it was not you, you need do nothing.';
  const text = `${lead}\n\n${after}\n\n— ${site}\n${brand.siteUrl}\n`;
  const html = frame(brand, subject, (
    <div>
      <p>{lead}</p>
      <p style="font-size:14px;color:#444">{after}</p>
    </div>
  ));
  return { to, subject, text, html };
}

export function changeEmailMail(brand: Brand, to: string, link: string): Mail {
  const site = brand.settings.title;
  const subject = `Confirm your new email address for ${site}`;
  const text = `Someone (hopefully you) asked to use this address for a ${site} account.\n\nConfirm: ${link}\n\nThe link works once and expires in 15 minutes. If this was not you, ignore this email and nothing changes.\n`;
  const html = frame(brand, subject, (
    <div>
      <p>Someone (hopefully you) asked to use this address for a {site} account.</p>
      {button(brand, link, 'Confirm new address')}
      <p style="font-size:14px;color:#444">The link works once and expires in 15 minutes. If this was not you, ignore this email and nothing changes.</p>
    </div>
  ));
  return { to, subject, text, html, link };
}


/** A short notice with an optional button: trial started, ending, ended, payment failed. */
export function noticeMail(brand: Brand, to: string, subject: string, paragraphs: string[], action?: { label: string; href: string }): Mail {
  const text = `${paragraphs.join('\n\n')}${action ? `\n\n${action.label}: ${action.href}` : ''}\n\n— ${brand.settings.title}\n${brand.siteUrl}\n`;
  const html = frame(brand, subject, (
    <div>
      {paragraphs.map((p) => <p>{p}</p>)}
      {action ? button(brand, action.href, action.label) : null}
    </div>
  ));
  return { to, subject, text, html, link: action?.href };
}
