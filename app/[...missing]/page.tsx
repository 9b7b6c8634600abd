import { notFound } from "next/navigation";

/**
 * Every path no other route claims lands here and gets the not-found page. Without it Next
 * serves such paths from its built-in /_not-found route, which answers a POST carrying an
 * action body and the `RSC` header with a 500 (found by the fuzz suite, e2e/fuzz/); a real
 * page answers it with a 4xx.
 */
export default function Missing(): never {
  notFound();
}
