import { UAParser } from "ua-parser-js";

/**
 * "Chrome 131 on Windows 10 · desktop" from a stored User-Agent header, for the security
 * centre, the admin's user page and the new-device mail. A user agent is what the browser
 * claims, not evidence: it is shown to help a customer recognise a device, never trusted.
 * ua-parser-js 1.x (MIT; 2.x is AGPL) keeps its regexes maintained for new browsers.
 */
export type DeviceDescription = { browser: string; os: string; kind: "desktop" | "mobile" | "tablet" | "unknown"; label: string };

const MAX_UA = 512;

export function describeUserAgent(ua: string | null | undefined): DeviceDescription {
  if (!ua) return { browser: "Unknown browser", os: "unknown system", kind: "unknown", label: "Unknown browser" };
  const r = new UAParser(ua.slice(0, MAX_UA)).getResult();
  const browser = r.browser.name ? `${r.browser.name}${r.browser.major ? ` ${r.browser.major}` : ""}` : "Unknown browser";
  const os = r.os.name ? `${r.os.name}${r.os.version ? ` ${r.os.version}` : ""}` : "unknown system";
  const kind = r.device.type === "mobile" ? "mobile" : r.device.type === "tablet" ? "tablet" : r.os.name ? "desktop" : "unknown";
  const model = r.device.model && r.device.vendor ? `${r.device.vendor} ${r.device.model}` : r.device.model;
  const label = `${browser} on ${model ? `${model}, ` : ""}${os}`;
  return { browser, os, kind, label };
}
