import { redirect } from "next/navigation";
import { getCurrentSession } from "@/lib/auth/current";

export default async function Home() {
  const s = await getCurrentSession();
  redirect(s ? "/dashboard" : "/login");
}
