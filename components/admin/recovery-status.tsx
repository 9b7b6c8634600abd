import { Badge } from "@/components/admin/ui";
import type { RequestStatus } from "@/lib/mfa/recovery-requests";

const STATUS: Record<RequestStatus, { kind: "warn" | "ok" | "neutral"; label: string }> = {
  open: { kind: "warn", label: "Open" },
  resolved: { kind: "ok", label: "Resolved: MFA reset" },
  declined: { kind: "neutral", label: "Declined" },
};

export function RequestStatusBadge({ status }: { status: RequestStatus }) {
  return <Badge kind={STATUS[status].kind}>{STATUS[status].label}</Badge>;
}
