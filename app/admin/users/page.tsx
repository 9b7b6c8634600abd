import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { Badge, Checkbox, Pager, Table, td, th } from "@/components/admin/ui";
import { Alert, Button, Card, Field, formatDate, PageHeader } from "@/components/ui";
import { firstValues } from "@/lib/admin/audit";
import { listUsers, USERS_PAGE_SIZE } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { getFactor } from "@/lib/mfa/registry";

export const metadata: Metadata = { title: "Users" };

const filterSchema = z.object({
  q: z.string().trim().max(100, "Search for at most 100 characters.").regex(/^[^\0]*$/, "Remove the NUL character.").optional(),
  locked: z.enum(["1"]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const parsed = filterSchema.safeParse(firstValues(await searchParams));
  const filter = parsed.success ? parsed.data : { q: undefined, locked: undefined, page: 1 };
  const { users, total } = parsed.success
    ? await listUsers(await getDb(), { q: filter.q, locked: filter.locked === "1", page: filter.page })
    : { users: [], total: 0 };
  const first = (filter.page - 1) * USERS_PAGE_SIZE;

  return (
    <>
      <PageHeader title="Users" subtitle="Find a customer or a colleague: reset their MFA, unlock them, end their sessions." />
      <Card>
        <form method="get" role="search" aria-label="Users" className="mb-5 flex flex-wrap items-end gap-4">
          <Field
            label="Search"
            name="q"
            type="search"
            defaultValue={filter.q ?? ""}
            placeholder="username, name or email"
            className="min-w-64 flex-1"
            errors={parsed.success ? undefined : parsed.error.issues.map((i) => i.message)}
          />
          <div className="pb-8">
            <Checkbox label="Locked only" name="locked" value="1" defaultChecked={filter.locked === "1"} />
          </div>
          <div className="pb-7">
            <Button type="submit">Search</Button>
          </div>
        </form>
        {users.length === 0 ? (
          <Alert kind="info">{filter.q || filter.locked ? "No user matches these filters." : "No users yet."}</Alert>
        ) : (
          <Table aria-label="Users">
            <thead>
              <tr>
                <th className={th} scope="col">Username</th>
                <th className={th} scope="col">Name</th>
                <th className={th} scope="col">Group</th>
                <th className={th} scope="col">Factors</th>
                <th className={th} scope="col">Locked</th>
                <th className={th} scope="col">Last sign-in</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id} className="hover:bg-brand-50/50">
                  <td className={td}>
                    <Link href={`/admin/users/${u.id}`} className="font-medium text-brand-700 underline-offset-4 hover:underline">
                      {u.username}
                    </Link>
                    {u.role === "admin" ? <span className="ml-2"><Badge kind="brand">admin</Badge></span> : null}
                  </td>
                  <td className={td}>{u.displayName}</td>
                  <td className={td}>{u.groupName}</td>
                  <td className={td}>
                    {u.factors.length ? (
                      <span className="flex flex-wrap gap-1">
                        {u.factors.map((f) => <Badge key={f}>{getFactor(f)?.name ?? f}</Badge>)}
                      </span>
                    ) : (
                      <span className="text-muted">none</span>
                    )}
                  </td>
                  <td className={td}>{u.locked ? <Badge kind="danger">Locked</Badge> : <span className="text-muted">no</span>}</td>
                  <td className={`${td} whitespace-nowrap`}>{u.lastSignInAt ? formatDate(u.lastSignInAt) : <span className="text-muted">never</span>}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <Pager
          path="/admin/users"
          params={{ q: filter.q, locked: filter.locked }}
          page={filter.page}
          hasMore={first + users.length < total}
          summary={total ? `${first + 1}–${first + users.length} of ${total}` : undefined}
        />
      </Card>
    </>
  );
}
