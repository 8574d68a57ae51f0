/** A read the server answered in full for a new device: the device id its cookie named, and when the answer arrived. */
export interface ServedRead { device: string; at: number }

/**
 * Readers arriving at `url` one after another, each from an address of its own (X-Forwarded-For,
 * which the server trusts from loopback) and without cookies, so every answer in full is a new
 * device's counted read. Used to count meter rows against pages served around a kill or a stop:
 * requests the server never answered (refused, reset) are not served and not counted.
 */
export function newReaders(url: string, paths: string[], concurrency = 4): { served: ServedRead[]; stop(): Promise<ServedRead[]> } {
  const served: ServedRead[] = [];
  let stopped = false;
  let n = 0;
  const one = async () => {
    while (!stopped) {
      const i = n++;
      try {
        const res = await fetch(new URL(paths[i % paths.length]!, url), {
          headers: { 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'user-agent': 'NewReader/1' },
        });
        await res.arrayBuffer();
        const cookie = res.headers.getSetCookie().find((c) => c.startsWith('mh_device='));
        if (res.status === 200 && cookie) served.push({ device: /^mh_device=([^.;]+)\./.exec(cookie)![1]!, at: Date.now() });
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const running = Array.from({ length: concurrency }, one);
  return { served, stop: async () => ((stopped = true), await Promise.all(running), served) };
}
