import type { ServerResponse } from 'node:http';

/**
 * The page's Content-Security-Policy: its own scripts and styles only (no inline code, no CDN), images
 * from the page or the blob: URLs of the chosen file, requests to this service only, no framing, and
 * Trusted Types so that no string can ever reach an HTML sink.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Headers of every file under /ui. Only the page gets them: Swagger UI at /docs keeps its own needs. */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': UI_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The camera snapshot needs the camera; nothing else is ever asked for.
  'Permissions-Policy': 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()',
};

/** `setHeaders` hook of the static file server. */
export function setUiHeaders(response: Pick<ServerResponse, 'setHeader'>): void {
  for (const [name, value] of Object.entries(UI_SECURITY_HEADERS)) response.setHeader(name, value);
}
