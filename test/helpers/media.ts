import sharp from 'sharp';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp, Agent } from './app.js';
import { createStaffUser, type StaffRole } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';

/** A multipart/form-data body as a browser sends it: fields in order, then the file. */
export function multipart(fields: Record<string, string>, file?: { name: string; type: string; data: Buffer }, fieldName = 'file') {
  const boundary = `----masthead${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A photo-like JPEG: noise, so it compresses like a photograph rather than a flat colour. */
export async function photo(width: number, height: number, o: { gps?: boolean; orientation?: number } = {}): Promise<Buffer> {
  const noise = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
  let p = sharp(noise);
  if (o.orientation) p = p.withMetadata({ orientation: o.orientation });
  if (o.gps) p = p.withExif({ IFD0: { Make: 'TestCam', Model: 'Reporter One' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '57/1 8/1 30/1', GPSLongitudeRef: 'W', GPSLongitude: '2/1 5/1 40/1', GPSMapDatum: 'WGS-84-SECRET-SPOT' } });
  return p.jpeg({ quality: 85 }).toBuffer();
}

/** A staff user of this role, signed in through the real form, with a cookie jar. */
export async function staffAgent(t: TestApp, role: StaffRole, email = `${role}-${Math.random().toString(16).slice(2, 8)}@staff.example`): Promise<Agent & { id: number }> {
  const u = await createStaffUser(t.db.db, { email, role, now: t.clock.now() });
  await setStaffPassword({ db: t.db.db, clock: t.clock }, email, `${role} password 123`, 'test');
  const a = t.agent();
  await a.get('/admin/signin');
  const r = await a.post('/admin/signin', { email, password: `${role} password 123` });
  if (r.statusCode !== 303) throw new Error(`sign-in failed: ${r.statusCode}`);
  await a.get('/admin');
  return Object.assign(a, { id: u.id });
}

/** Upload as this agent: JSON route (X-CSRF-Token) or the no-JS form (_csrf field). */
export async function upload(t: TestApp, a: Agent, file: { name: string; type: string; data: Buffer }, o: { form?: boolean; alt?: string; csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
  const csrf = o.csrf === undefined ? a.csrf() : o.csrf;
  const fields: Record<string, string> = {};
  if (o.form && csrf !== null) fields._csrf = csrf;
  if (o.alt) fields.alt = o.alt;
  const body = multipart(fields, file);
  const cookie = [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return t.app.server.inject({
    method: 'POST', url: o.form ? '/admin/media' : '/admin/api/media', payload: body.payload,
    headers: { cookie, 'content-type': body.contentType, ...(!o.form && csrf !== null ? { 'x-csrf-token': csrf } : {}) },
  });
}
