import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "MFA Bank", template: "%s · MFA Bank" },
  description: "A reference online bank whose subject is multi-factor authentication done right.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request: its scripts carry this response's CSP nonce (proxy.ts),
  // which a page prerendered at build time could not.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans antialiased">
        {/* WCAG 2.2 SC 2.4.1 Bypass Blocks: the first Tab stop; every layout's <main> is #main. */}
        <a
          href="#main"
          className="sr-only rounded-lg bg-white px-4 py-2 text-sm font-semibold text-brand-700 shadow focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50"
        >
          Skip to main content
        </a>
        {children}
      </body>
    </html>
  );
}
