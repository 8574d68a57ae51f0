import { createHash } from 'node:crypto';
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { AppError, invalidInput } from '../errors.js';
import { EXT, MAX_UPLOAD_BYTES, MIME, type MediaVariant, type VariantFormat } from './types.js';

/** Responsive widths; an image is never made larger than it is, so a narrow one has fewer. */
export const WIDTHS = [320, 640, 960, 1280, 1920] as const;
/** 100 megapixels: a camera's largest photo is well under; a decompression bomb is far over. */
const MAX_PIXELS = 100_000_000;

// libvips' own cache keeps decoded images for reuse; uploads are each seen once.
sharp.cache(false);

export type InputFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';

const INPUT_MIME: Record<InputFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif' };

export const tooLarge = (bytes: number | null) =>
  new AppError('payload_too_large', `the image is ${bytes === null ? 'larger than 20 MB' : `${(bytes / 1024 / 1024).toFixed(1)} MB`}; the most an upload may be is 20 MB. Export it smaller (a JPEG of a few megabytes is plenty for the web)`);

const SVG_REFUSED = 'SVG images are refused: an SVG is a document that can carry scripts, which would run on this site for every reader who opens it. Export it as PNG or WebP instead';
const NOT_AN_IMAGE = 'this file is not an image we can use; upload a JPEG, PNG, WebP, GIF or AVIF';

/**
 * What the first bytes say the file is. The file name and the declared type are not asked:
 * they are whatever the sender says they are.
 */
export function sniff(b: Buffer): InputFormat | 'svg' | 'heic' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.subarray(0, 6).toString('latin1'))) return 'gif';
  if (b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (b.length >= 12 && b.subarray(4, 8).toString('latin1') === 'ftyp') {
    const brand = b.subarray(8, 12).toString('latin1');
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (/^(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(brand)) return 'heic';
  }
  // An SVG is text: a BOM, blanks, an XML declaration or comments, then <svg.
  const head = b.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(head)) return 'svg';
  return null;
}

export interface ProcessedImage {
  /** Content hash of the processed image (its largest fallback variant): the media key. */
  key: string;
  mime: string;
  width: number;
  height: number;
  variants: { meta: MediaVariant; data: Buffer }[];
}

/** The type of the file a reader's browser gets when it takes no WebP: the upload's own kind where it can be. */
function fallbackFormat(input: InputFormat, hasAlpha: boolean): VariantFormat {
  if (input === 'gif') return 'gif';
  if (input === 'webp') return 'webp';
  if (input === 'png') return 'png';
  // An AVIF with transparency falls back to PNG; one without, like a JPEG, to JPEG.
  return hasAlpha ? 'png' : 'jpeg';
}

function encode(p: Sharp, f: VariantFormat): Sharp {
  switch (f) {
    case 'jpeg': return p.jpeg({ quality: 82, progressive: true, mozjpeg: false });
    case 'png': return p.png({ compressionLevel: 8 });
    case 'gif': return p.gif();
    case 'webp': return p.webp({ quality: 80, effort: 3 });
  }
}

const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 32);

/** Runs at most `n` of the tasks at once: libuv's four threads also serve the file system and DNS. */
async function limited<T>(tasks: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  }));
  return out;
}

/**
 * Checks an upload by its content and makes its variants: orientation applied, every metadata
 * block (EXIF with its GPS position, XMP, IPTC, comments) left behind, each responsive width in
 * the upload's kind and in WebP. Decoding and encoding run on libvips' threads, off the event
 * loop. Throws an AppError with a sentence for anything that is not a whole image we accept.
 */
export async function processImage(data: Buffer): Promise<ProcessedImage> {
  if (data.length > MAX_UPLOAD_BYTES) throw tooLarge(data.length);
  if (data.length === 0) throw invalidInput('the file is empty');
  const kind = sniff(data);
  if (kind === 'svg') throw new AppError('unsupported_media_type', SVG_REFUSED);
  if (kind === 'heic') throw new AppError('unsupported_media_type', 'HEIC photos (the iPhone default) cannot be read here; choose "Most Compatible" in the camera settings, or export the photo as JPEG');
  if (!kind) throw new AppError('unsupported_media_type', NOT_AN_IMAGE);

  const opts: SharpOptions = { failOn: 'error', limitInputPixels: MAX_PIXELS, animated: kind === 'gif' || kind === 'webp' };
  let meta: Metadata;
  try {
    meta = await sharp(data, opts).metadata();
  } catch {
    throw invalidInput(`the file starts like a ${kind.toUpperCase()} image but cannot be read; it may be damaged or incomplete`);
  }
  if (meta.format !== kind && !(kind === 'avif' && meta.format === 'heif')) throw new AppError('unsupported_media_type', NOT_AN_IMAGE);
  const pages = meta.pages ?? 1;
  const animated = pages > 1;
  // Orientations 5–8 swap the sides.
  const swap = (meta.orientation ?? 1) >= 5;
  const w0 = swap ? meta.height : meta.width;
  const h0Full = swap ? meta.width : meta.height;
  const h0 = animated ? (meta.pageHeight ?? h0Full) : h0Full;
  if (!w0 || !h0) throw invalidInput('the image has no size');

  const widths = [...new Set([...WIDTHS.filter((w) => w < w0), Math.min(w0, 1920)])].sort((a, b) => a - b);
  const fallback = fallbackFormat(kind, meta.hasAlpha === true);
  const formats: VariantFormat[] = fallback === 'webp' ? ['webp'] : [fallback, 'webp'];

  try {
    // One full decode (the whole file, so a truncated one fails here), oriented and at most the
    // largest width; every variant is made from these pixels rather than decoding the file again.
    let source: () => Sharp;
    if (animated) {
      source = () => sharp(data, opts).rotate();
    } else {
      const { data: pixels, info } = await sharp(data, opts).rotate()
        .resize({ width: widths[widths.length - 1]!, withoutEnlargement: true })
        .toColourspace('srgb')
        .raw().toBuffer({ resolveWithObject: true });
      source = () => sharp(pixels, { raw: { width: info.width, height: info.height, channels: info.channels } });
    }
    const jobs = widths.flatMap((w) => formats.map((f) => async () => {
      const out = await encode(source().resize({ width: w, withoutEnlargement: true }), f).toBuffer({ resolveWithObject: true });
      const height = animated ? (out.info.pageHeight ?? out.info.height) : out.info.height;
      return { w, f, data: out.data, width: out.info.width, height };
    }));
    const made = await limited(jobs, 2);
    const largest = made.filter((m) => m.f === fallback).reduce((a, b) => (b.width > a.width ? b : a));
    const key = hash(largest.data);
    return {
      key,
      mime: INPUT_MIME[kind],
      width: largest.width,
      height: largest.height,
      variants: made.map((m) => ({ data: m.data, meta: { key: `${key}-${m.w}.${EXT[m.f]}`, format: m.f, width: m.width, height: m.height, bytes: m.data.length } })),
    };
  } catch (err) {
    if (err instanceof AppError) throw err;
    const msg = (err as Error).message ?? '';
    if (/pixel limit/i.test(msg)) throw invalidInput('the image has more than 100 megapixels; make it smaller');
    throw invalidInput(`the ${kind.toUpperCase()} image cannot be read to the end; it may be damaged or incomplete (was the upload cut short?)`);
  }
}

export const variantMime = (f: VariantFormat) => MIME[f];
