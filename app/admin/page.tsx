import { redirect } from "next/navigation";
import { requireAdmin } from "@/lib/auth/current";

export default async function AdminHome() {
  await requireAdmin();
  redirect("/admin/users");
}
