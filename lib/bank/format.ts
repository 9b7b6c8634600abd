/**
 * Money for display. Its own module, without zod: client components (through components/ui.tsx)
 * import it, and lib/bank/money.ts's schemas would pull zod into every page's first-load JS.
 */

/** One formatter per currency: building an Intl.NumberFormat costs far more than using one. */
const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMinor(minor: number, currency = "EUR"): string {
  let f = moneyFormats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat("en-IE", { style: "currency", currency });
    moneyFormats.set(currency, f);
  }
  return f.format(minor / 100);
}
